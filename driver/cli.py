"""The ``driver`` command: run, update and record session files.

driver run FILE...            run each file; exit 0 when every step matched
driver run --update FILE...   rewrite expected output from what was printed
driver record [-o FILE] -- COMMAND...
                              run COMMAND on this terminal, write a session file
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import DriverError, ExitStatusUnknown, __version__

# The session layer loads inside main(), where a ^C is caught: a ^C while
# the command starts must not end in a traceback.
if TYPE_CHECKING:
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
    for path in files:
        if not args.quiet:
            print(f"--- {path}", file=out, flush=True)
        live: TextIO | None = None if args.quiet else out
        try:
            result = run_file(
                path, variables=variables, timeout=args.timeout, backend=args.backend, log=live
            )
        except (SessionFileError, OSError) as error:
            failed += 1
            print(f"{error}", file=out)
            print(f"ERROR {path}", file=out, flush=True)
            continue
        if result.skipped:
            skipped += 1
            print(f"SKIP {path}: {result.skipped}", file=out, flush=True)
            continue
        failed += not _report(result, args, out)
    total = len(files)
    summary = f"{total - failed - skipped} of {total} session file(s) passed"
    print(summary + (f", {skipped} skipped" if skipped else ""), file=out)
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


def _report(result: FileResult, args: argparse.Namespace, out: TextIO) -> bool:
    from .sessionfile import SessionFileError, update_file

    """Say how the file did; True if it passed (or was brought up to date)."""
    error_file = result.path.with_name(result.path.name + ".err")
    if args.update and result.complete:
        try:
            changed = update_file(result)
        except SessionFileError as error:
            print(f"FAIL {result.path}: {error}", file=out, flush=True)
            return False
        _remove(error_file)
        verdict = "UPDATED" if changed else "UNCHANGED"
        print(f"{verdict} {result.path} ({_duration(result.seconds)})", file=out, flush=True)
        return True
    if result.passed:
        _remove(error_file)
        if not args.quiet:  # --quiet: only failures and the summary
            print(f"PASS {result.path} ({_duration(result.seconds)})", file=out, flush=True)
        return True
    print(f"FAIL {result.path} ({_duration(result.seconds)})", file=out)
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
        # In the quiet environment (spawn's default), as `driver run` gives
        # it, so that the replay sees the same output.
        session = spawn(
            command, backend=args.backend, echo=True, timeout=None, transcript_limit=None
        )
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
