"""The ``driver`` command: run, update and record session files.

driver run FILE...            run each file; exit 0 when every step matched
driver run --update FILE...   rewrite expected output from what was printed
driver run --hosts FILE -j N FILE...
                              run each file on every host listed, N at once
driver record [-o FILE] -- COMMAND...
                              run COMMAND on this terminal, write a session file
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from . import DriverError, ExitStatusUnknown, __version__

# The session layer loads inside main(), where a ^C is caught: a ^C while
# the command starts must not end in a traceback.
if TYPE_CHECKING:
    from . import Host
    from .sessionfile import FileResult


def main(argv: Sequence[str] | None = None) -> int:
    """The ``driver`` command.

    Args:
        argv: the arguments after ``driver`` (default: ``sys.argv[1:]``).

    Returns:
        The exit status: 0 when every file passed or the recording was
        written, 1 otherwise, 2 for a command that cannot run as given,
        130 when interrupted.

    Raises:
        SystemExit: for a command line argparse cannot parse (status 2).
    """
    # The command checks exit statuses: an ignored SIGCHLD, inherited from
    # whoever started it, would have the kernel discard them. As a program,
    # not a library, it may set its own signal handling.
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    try:
        parser = _parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 2
        try:
            variables = dict(_variable(text) for text in getattr(args, "var", None) or [])
        except ValueError as problem:
            parser.error(str(problem))
        return _run(args, variables) if args.command == "run" else _record(args)
    except KeyboardInterrupt:
        print("driver: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Whoever read our output went away (`| head`): stop quietly.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="driver", description="Run, update and record session files."
    )
    parser.add_argument(
        "--version", action="version", version=f"driver {__version__} (linedriver on PyPI)"
    )
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser("run", help="run session files and report what did not match")
    run.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="a session file, or a directory of them"
    )
    run.add_argument("--update", action="store_true", help="rewrite the expected output")
    run.add_argument("--var", action="append", metavar="NAME=VALUE", help="set a variable")
    run.add_argument(
        "--timeout", type=seconds_option("--timeout"), metavar="SECONDS",
        help="per step (default: the file's)",
    )  # fmt: skip
    run.add_argument("--backend", choices=["pipe", "pty"], help="override the file's backend")
    where = run.add_mutually_exclusive_group()
    where.add_argument(
        "--host", metavar="USER@NAME:PORT", help="run the files on this host, over SSH"
    )
    where.add_argument(
        "--hosts", type=Path, metavar="FILE",
        help="run the files on every host listed in FILE (one USER@NAME:PORT a line)",
    )  # fmt: skip
    run.add_argument(
        "-j", "--jobs", type=_jobs, default=1, metavar="N",
        help="run N files (on N hosts) at once (default 1)",
    )  # fmt: skip
    run.add_argument(
        "--identity", "-i", action="append", type=Path, metavar="KEY",
        help="a private key to log in with (default: the agent, ~/.ssh/id_*)",
    )  # fmt: skip
    run.add_argument(
        "--known-hosts", type=Path, metavar="FILE",
        help="the host keys to trust (default: ~/.ssh/known_hosts)",
    )  # fmt: skip
    loudness = run.add_mutually_exclusive_group()
    loudness.add_argument("--quiet", action="store_true", help="only failures and the summary")
    loudness.add_argument(
        "--verbose", action="store_true", help="failures in full, with the transcript's tail"
    )
    record = commands.add_parser("record", help="record a session on this terminal")
    record.add_argument("-o", "--output", type=Path, help="the session file (default: stdout)")
    record.add_argument("--backend", choices=["pipe", "pty"], default="pty")
    record.add_argument("argv", nargs=argparse.REMAINDER, metavar="-- COMMAND...")
    return parser


def seconds_option(option: str) -> Callable[[str], float]:
    """An argparse ``type`` for a timeout option: positive seconds, or a message saying so."""

    def parse(text: str) -> float:
        try:
            from .sessionfile import seconds

            return seconds(text, option)
        except ValueError as problem:
            raise argparse.ArgumentTypeError(str(problem)) from None

    return parse


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"-j takes how many at once, 1 or more; got {text!r}")
    return int(text)


def _variable(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name.isidentifier():
        raise ValueError(f"--var takes NAME=VALUE; got {text!r}")
    return name, value


def _run(args: argparse.Namespace, variables: dict[str, str]) -> int:
    from .sessionfile import SessionFileError, run_file

    out = sys.stdout
    failed = skipped = 0
    files = [found for path in args.files for found in _session_files(path)]
    try:
        hosts = _hosts(args)
    except ValueError as problem:
        print(f"driver run: {problem}", file=sys.stderr)
        return 2
    if len(hosts) > 1 or args.jobs > 1:
        if args.update:
            print("driver run: --update runs one file at a time on one host", file=sys.stderr)
            return 2
        return _run_many(args, files, hosts, variables, out)
    host = hosts[0]
    where = "" if host is None else f"{host} "
    for path in files:
        if not args.quiet:
            print(f"--- {where}{path}", file=out, flush=True)
        live: TextIO | None = None if args.quiet else out
        try:
            result = run_file(
                path,
                variables=variables,
                timeout=args.timeout,
                backend=args.backend,
                log=live,
                host=host,
            )
        except (SessionFileError, OSError) as error:
            failed += 1
            print(f"{error}", file=out)
            print(f"ERROR {where}{path}", file=out, flush=True)
            continue
        if result.skipped:
            skipped += 1
            print(f"SKIP {where}{path}: {result.skipped}", file=out, flush=True)
            continue
        failed += not _report(result, args, out, host)
    total = len(files)
    summary = f"{total - failed - skipped} of {total} session file(s) passed"
    print(summary + (f", {skipped} skipped" if skipped else ""), file=out)
    return 1 if failed else 0


def _hosts(args: argparse.Namespace) -> list[Host | None]:
    """Where to run: [None] for this machine, else each host given (ValueError
    naming a line that is not a host)."""
    from . import Host

    if args.host is not None:
        texts = [(args.host, "--host")]
    elif args.hosts is not None:
        try:
            lines = args.hosts.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"cannot read --hosts {args.hosts}: {error}") from None
        texts = [
            (line.strip(), f"{args.hosts}:{number}")
            for number, line in enumerate(lines, 1)
            if line.strip() and not line.lstrip().startswith("#")
        ]
        if not texts:
            raise ValueError(f"--hosts {args.hosts} lists no host (one USER@NAME:PORT a line)")
    else:
        return [None]
    fields: dict[str, Any] = {}
    if args.identity:
        fields["client_keys"] = [str(key) for key in args.identity]
    if args.known_hosts is not None:
        fields["known_hosts"] = str(args.known_hosts)
    hosts: list[Host | None] = []
    for text, where in texts:
        try:
            parsed = Host.parse(text)
        except ValueError as problem:
            raise ValueError(f"{where}: {problem}") from None
        hosts.append(dataclasses.replace(parsed, **fields))
    return hosts


def _run_many(
    args: argparse.Namespace,
    files: list[Path],
    hosts: list[Host | None],
    variables: dict[str, str],
    out: TextIO,
) -> int:
    """Every file on every host, -j at once: a line for each as it ends, then a summary."""
    from .sessionfile import run_many

    started = time.monotonic()
    passed = failed = skipped = 0
    outcomes = run_many(
        files, hosts, jobs=args.jobs, variables=variables, timeout=args.timeout,
        backend=args.backend,
    )  # fmt: skip
    for outcome in outcomes:
        where = "" if outcome.host is None else f"{outcome.host} "
        result = outcome.result
        if result is None:
            failed += 1
            print(f"ERROR {where}{outcome.path}: {outcome.error}", file=out, flush=True)
        elif result.skipped:
            skipped += 1
            print(f"SKIP {where}{outcome.path}: {result.skipped}", file=out, flush=True)
        elif _report(result, args, out, outcome.host):
            passed += 1
        else:
            failed += 1
    total = len(files) * len(hosts)
    places = f" on {len(hosts)} host(s)" if hosts != [None] else ""
    summary = (
        f"{passed} of {total} run(s) passed{places} in {_duration(time.monotonic() - started)}"
    )
    extra = [
        f"{count} {word}" for count, word in ((failed, "failed"), (skipped, "skipped")) if count
    ]
    print(summary + (f"; {', '.join(extra)}" if extra else ""), file=out, flush=True)
    return 1 if failed else 0


def _session_files(path: Path) -> list[Path]:
    """A file as given; a directory: the ``*.session`` files under it (each
    then read as a session file or reported: a FIFO, a link loop...)."""
    if not path.is_dir():
        return [path]
    found = []
    for directory, _, names in os.walk(path):  # links to directories not followed
        found += [Path(directory, name) for name in names if name.endswith(".session")]
    return sorted(found)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):  # a stale .err file is no reason to fail
        path.unlink(missing_ok=True)


def _report(
    result: FileResult, args: argparse.Namespace, out: TextIO, host: Host | None = None
) -> bool:
    """Say how the file did (on ``host``); True if it passed (or was brought up to date)."""
    from .sessionfile import SessionFileError, update_file

    where = "" if host is None else f"{host} "
    # On several hosts, each has its own record of what happened.
    suffix = ".err" if host is None or args.host is not None else f".{host}.err"
    error_file = result.path.with_name(result.path.name + suffix)
    if args.update and result.complete:
        try:
            changed = update_file(result)
        except SessionFileError as error:
            print(f"FAIL {result.path}: {error}", file=out, flush=True)
            return False
        _remove(error_file)
        verdict = "UPDATED" if changed else "UNCHANGED"
        print(f"{verdict} {where}{result.path} ({_duration(result.seconds)})", file=out, flush=True)
        return True
    if result.passed:
        _remove(error_file)
        if not args.quiet:  # --quiet: only failures and the summary
            print(f"PASS {where}{result.path} ({_duration(result.seconds)})", file=out, flush=True)
        return True
    print(f"FAIL {where}{result.path} ({_duration(result.seconds)})", file=out)
    print(result.report(full=args.verbose), file=out)
    if args.update:
        print(f"NOT UPDATED {result.path}: the run stopped early; fix that first", file=out)
    try:
        error_file.write_text(result.actual, encoding="utf-8")
    except OSError as error:  # the report above is what counts
        print(f"(could not write {error_file}: {error.strerror})", file=out, flush=True)
    else:
        print(f"(what happened is in {error_file})", file=out, flush=True)
    return False


def _record(args: argparse.Namespace) -> int:
    from .environment import session_file_env
    from .session import spawn
    from .sessionfile import replace_file, session_text

    command = list(args.argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("driver record: give the command after --: driver record -- python3", file=sys.stderr)
        return 2
    if not sys.stdin.isatty():
        print(
            "driver record: stdin is not a terminal; record what you type by running it"
            " from one (to script a program, write the session file instead)",
            file=sys.stderr,
        )
        return 2
    problem = _unwritable(args.output)
    if problem:
        print(f"driver record: cannot write {args.output}: {problem}", file=sys.stderr)
        return 2
    try:
        # In the stable, quiet environment `driver run` gives it, so that
        # the replay sees the same output.
        session = spawn(
            command, backend=args.backend, echo=True, timeout=None, transcript_limit=None,
            env=session_file_env(), inherit_env=False,
        )  # fmt: skip
    except DriverError as error:
        print(f"driver record: {error}", file=sys.stderr)
        return 1
    with session:
        session.interact(escape_character=None)
        try:
            returncode: int | None = session.close()
        except ExitStatusUnknown as error:  # the file is written without a status line
            print(f"driver record: {error}", file=sys.stderr)
            returncode = None
    text = session_text(
        command, session.render_transcript(placeholders=True), returncode, session.secret_inputs
    )
    if args.output is None:
        sys.stdout.write(text)
        return 0
    existed = args.output.exists()
    try:
        # At once or not at all: a full disk must not cost an earlier recording.
        replace_file(args.output, text)
    except OSError as error:  # checked before, yet it failed: the session is not lost
        sys.stdout.write(text)
        kept = "the file there is as it was" if existed else "no file was left there"
        print(
            f"driver record: could not write {args.output} ({error.strerror}); {kept};"
            " the session file is above",
            file=sys.stderr,
        )
        return 1
    print(f"driver record: wrote {args.output}", file=sys.stderr)
    return 0


def _unwritable(path: Path | None) -> str:
    """Why ``path`` cannot be written (checked before the session, so that
    it is not lost at the end), or "" when it can."""
    if path is None:
        return ""
    if path.is_dir():
        return "it is a directory"
    if path.exists():
        return "" if path.is_file() and os.access(path, os.W_OK) else "not a writable file"
    parent = path.parent
    if not parent.is_dir():
        return f"no directory {parent}"
    return "" if os.access(parent, os.W_OK) else f"directory {parent} is not writable"


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
