"""Session files: a recipe, a golden test and a recording, in one plain format.

A ``*.session`` file reads like the terminal session it describes::

    # a comment
    %timeout 5
    $ python3 fixtures/installer.py --prefix ${TMPDIR}/app
    Install directory? [/usr/local]
    > ${TMPDIR}/app
    Installed \\d+ files\\. (re)
    [0]

:func:`parse` checks a whole file before anything runs (errors are
``file:line: message``); :func:`run_file` runs it and returns a
:class:`FileResult` whose ``actual`` is the file rewritten from what the
programs printed. That one text is the ``.err`` file of a failure, the right
side of its diff, and what ``--update`` writes.
"""

from __future__ import annotations

import difflib
import os
import re
import secrets
import shlex
import signal as signals
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from ._errors import EOF, DriverError, SpawnError, Timeout
from ._transcript import SECRET_MASK, escape_output_line
from .backends.pty import control_bytes
from .session import Session, spawn

DEFAULT_TIMEOUT = 10.0
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_STATUS = re.compile(r"^\[(-?\d+|SIG[A-Z0-9]+)\]$")
_DIRECTIVES = {
    "timeout", "backend", "env", "cwd", "secret", "send", "eof", "control", "signal",
}  # fmt: skip
_SENDS = {"send_line", "send", "eof", "control", "signal"}


class SessionFileError(DriverError):
    """A session file that cannot run as written: ``file:line: message``."""


# -- parsing ------------------------------------------------------------------------


@dataclass
class Step:
    """One line of a session file that does something."""

    line: int  # 1-based
    kind: str  # command, send_line, send, eof, control, signal, output, skip, status, set
    text: str = ""  # as written, markers removed
    match: str = "literal"  # output: literal, re, glob
    raw: str = ""  # the whole line as written


@dataclass
class SessionFile:
    path: Path
    lines: list[str]
    steps: list[Step]


def parse(path: Path, text: str | None = None) -> SessionFile:
    """Read and check a session file; every problem is a SessionFileError."""
    text = path.read_text(encoding="utf-8") if text is None else text
    lines = text.splitlines()
    steps: list[Step] = []
    problems: list[str] = []
    started = False
    for number, raw in enumerate(lines, 1):
        try:
            step = _parse_line(raw, number)
        except ValueError as problem:
            problems.append(f"{path}:{number}: {problem}")
            continue
        if step is None:
            continue
        if step.kind == "command":
            started = True
        elif step.kind in _SENDS | {"output", "skip", "status"} and not started:
            problems.append(
                f"{path}:{number}: {_describe(step)} before any `$ command`: start a program first"
            )
        steps.append(step)
    if problems:
        raise SessionFileError("\n".join(problems))
    return SessionFile(path, lines, steps)


def _parse_line(raw: str, number: int) -> Step | None:
    if raw == "#" or raw.startswith("# "):
        return None
    _check_variables(raw)
    if raw.startswith("$ "):
        if not raw[2:].strip():
            raise ValueError("`$` needs a command after it")
        try:
            shlex.split(raw[2:])
        except ValueError as exc:
            raise ValueError(f"cannot split the command: {exc}") from None
        return Step(number, "command", raw[2:], raw=raw)
    if raw == ">" or raw.startswith("> "):
        return Step(number, "send_line", raw[2:], raw=raw)
    if raw.startswith("%"):
        return _parse_directive(raw, number)
    if raw == "...":
        return Step(number, "skip", raw=raw)
    if _STATUS.match(raw):
        status = raw[1:-1]
        if status.startswith("SIG") and not hasattr(signals.Signals, status):
            raise ValueError(f"unknown signal {status!r} in the exit status line")
        return Step(number, "status", status, raw=raw)
    text = raw[1:] if raw.startswith("\\") else raw
    if not raw.startswith("\\"):
        for suffix, kind in ((" (re)", "re"), (" (glob)", "glob")):
            if raw.endswith(suffix):
                body = raw[: -len(suffix)]
                if kind == "re":
                    try:
                        re.compile(_VARIABLE.sub("x", body))
                    except re.error as exc:
                        raise ValueError(f"bad regex {body!r}: {exc}") from None
                return Step(number, "output", body, kind, raw=raw)
    return Step(number, "output", text, raw=raw)


def _parse_directive(raw: str, number: int) -> Step:
    name, _, argument = raw[1:].partition(" ")
    if name not in _DIRECTIVES:
        raise ValueError(
            f"unknown directive %{name}; known: {', '.join('%' + d for d in sorted(_DIRECTIVES))}"
        )
    if name in ("eof",):
        return Step(number, "eof", raw=raw)
    if not argument and name != "send":
        raise ValueError(f"%{name} needs a value")
    if name == "timeout":
        try:
            if float(argument) <= 0:
                raise ValueError
        except ValueError:
            raise ValueError(
                f"%timeout takes seconds, a positive number; got {argument!r}"
            ) from None
    elif name == "backend" and argument not in ("pipe", "pty"):
        raise ValueError(f"%backend is pipe or pty; got {argument!r}")
    elif name == "env" and "=" not in argument:
        raise ValueError(f"%env takes NAME=VALUE; got {argument!r}")
    elif name == "control":
        try:
            control_bytes(argument)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    elif name == "signal" and not hasattr(signals.Signals, "SIG" + argument.removeprefix("SIG")):
        raise ValueError(f"unknown signal {argument!r} (INT, TERM, HUP, USR1, ...)")
    elif name == "secret" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", argument):
        raise ValueError(f"%secret takes a variable name; got {argument!r}")
    kind = name if name in _SENDS else "set"
    return Step(number, kind, argument if kind != "set" else f"{name} {argument}", raw=raw)


def _check_variables(raw: str) -> None:
    opened = raw.count("${")
    if opened != len(_VARIABLE.findall(raw)):
        raise ValueError(
            "unterminated or malformed ${...}: write ${NAME} with a name of letters, digits and _"
        )


def _describe(step: Step) -> str:
    return {
        "send_line": "`>` line", "send": "%send", "eof": "%eof", "control": "%control",
        "signal": "%signal", "output": "expected output", "skip": "`...`", "status": "exit status",
    }.get(step.kind, step.kind)  # fmt: skip


# -- running ------------------------------------------------------------------------


@dataclass
class Failure:
    line: int
    step: str
    message: str


@dataclass
class FileResult:
    """What running one session file found."""

    path: Path
    failures: list[Failure]
    expected: str  # the file as it was
    actual: str  # the file rewritten from what the programs printed
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.failures

    def diff(self) -> str:
        return "".join(
            difflib.unified_diff(
                self.expected.splitlines(keepends=True),
                self.actual.splitlines(keepends=True),
                fromfile=f"{self.path} (expected)",
                tofile=f"{self.path} (actual)",
            )
        )


@dataclass
class _Settings:
    timeout: float = DEFAULT_TIMEOUT
    backend: str = "pty"
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None


class _Run:
    """Runs the steps of one file and writes the actual file as it goes."""

    def __init__(
        self,
        session_file: SessionFile,
        variables: Mapping[str, str],
        overrides: _Settings | None,
        log: TextIO | None,
    ) -> None:
        self.file = session_file
        self.variables = dict(variables)
        self.secrets: set[str] = set()
        self.overrides = overrides
        self.settings = _Settings()
        self.log = log
        self.failures: list[Failure] = []
        self.out: list[str] = []  # the actual file, line by line
        self.session: Session | None = None
        self.command_step: Step | None = None
        self.status_checked = True
        self.aborted = False  # the current command stopped following the script
        self.skip_rest = False  # a final `...` accepts the rest of the output
        self.copied = 0  # lines of the file copied to the actual file so far
        # After `> text`: the terminal's echo of it (or the newline a password
        # prompt prints) is not output the file expects; see drop_echo.
        self.sent_line: str | None = None
        self.echo_was_on = False
        self.prompt_open = False  # the last prompt matched before its newline

    # -- variables and secrets --

    def expand(self, text: str, step: Step, *, regex: bool = False) -> str:
        def value(found: re.Match[str]) -> str:
            name = found.group(1)
            if name not in self.variables:
                raise SessionFileError(
                    f"{self.file.path}:{step.line}: ${{{name}}} is not set: define it with"
                    f" --var {name}=VALUE, in the environment, or capture it with (?P<{name}>...)"
                )
            return re.escape(self.variables[name]) if regex else self.variables[name]

        return _VARIABLE.sub(value, text)

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            if secret:
                text = text.replace(secret, SECRET_MASK)
        return text

    def keep(self, line: str) -> None:
        self.out.append(line)

    def fail(self, step: Step, message: str) -> None:
        self.failures.append(Failure(step.line, step.raw, self.mask(message)))

    # -- the steps --

    def run(self) -> None:
        steps = self.file.steps
        index = 0
        while index < len(steps):
            step = steps[index]
            following = steps[index + 1] if index + 1 < len(steps) else None
            self.copy_lines_before(step)
            try:
                if self.do(step, following):
                    index += 1  # the step consumed the one after it too
            except SessionFileError:
                raise
            except DriverError as error:
                self.fail(step, str(error))
                self.aborted = True
            index += 1
        self.finish_command()
        self.copy_lines_before(None)

    def copy_lines_before(self, step: Step | None) -> None:
        """Comments and other inert lines up to ``step`` (None: the end), as written."""
        stop = len(self.file.lines) if step is None else step.line - 1
        for raw in self.file.lines[self.copied : stop]:
            self.keep(raw)
        self.copied = max(self.copied, stop if step is None else step.line)

    def do(self, step: Step, following: Step | None) -> bool:
        """Carry out ``step``; True if it also consumed ``following``."""
        kind = step.kind
        if kind == "set":
            self.configure(step)
            self.keep(step.raw)
        elif kind == "command":
            self.finish_command()
            self.start(step)
        elif self.aborted or self.session is None:
            self.keep(step.raw)  # the command stopped following the script
        elif kind == "output":
            self.expect_output(step, prompt=following is not None and following.kind in _SENDS)
        elif kind == "skip":
            return self.skip(step, following)
        elif kind == "status":
            self.keep_output_until_exit(step)
            self.check_status(step)
        else:
            self.send(step)
            self.keep(step.raw)
        return False

    def configure(self, step: Step) -> None:
        name, _, value = step.text.partition(" ")
        value = self.expand(value, step)
        if name == "timeout":
            self.settings.timeout = float(value)
        elif name == "backend":
            self.settings.backend = value
        elif name == "env":
            key, _, env_value = value.partition("=")
            self.settings.env[key] = env_value
        elif name == "cwd":
            self.settings.cwd = value
        elif name == "secret":
            # Unset, it is made up, so a recipe runs as is (a fresh password).
            self.variables.setdefault(value, secrets.token_urlsafe(12))
            self.secrets.add(self.variables[value])

    def start(self, step: Step) -> None:
        self.keep(step.raw)
        self.command_step, self.status_checked, self.aborted = step, False, False
        settings = self.settings
        timeout = settings.timeout
        backend = settings.backend
        if self.overrides is not None:
            timeout = self.overrides.timeout or timeout
            backend = self.overrides.backend or backend
        env = dict(os.environ)
        env.update({k: self.expand(v, step) for k, v in settings.env.items()})
        argv = shlex.split(self.expand(step.text, step))
        if self.log is not None:
            self.log.write(self.mask(step.raw) + "\n")
        try:
            # echo=True: a session file reads like a terminal, where what is
            # typed shows; drop_echo keeps it out of the expected output.
            self.session = spawn(
                argv, backend=backend, timeout=timeout, env=env, cwd=settings.cwd,
                log=self.log, echo=True,
            )  # fmt: skip
        except SpawnError as error:
            self.session = None
            self.fail(step, str(error))
            self.aborted = True
            return
        for secret in self.secrets:
            self.session._child.transcript.secrets.add(secret)

    def send(self, step: Step) -> None:
        assert self.session is not None
        session = self.session
        text = self.expand(step.text, step)
        secret = any(secret and secret in text for secret in self.secrets)
        if step.kind == "send_line":
            backend = session._child.backend
            self.echo_was_on = backend.name == "pty" and backend.echo_on()
            session.send_line(text, secret=secret)
            self.sent_line = text
        elif step.kind == "send":
            session.send(text, secret=secret)
        elif step.kind == "eof":
            session.send_eof()
        elif step.kind == "control":
            session.send_control(text)
        else:
            session.send_signal(signals.Signals["SIG" + text.removeprefix("SIG")])

    def drop_echo(self) -> None:
        """Consume the echo of the last sent line, if that is what comes next.

        A terminal echoes what is typed (the rest of an open prompt line, or a
        line of its own); a password prompt echoes nothing but its program
        ends the line. Waits only while what has arrived could still be the
        start of that echo.
        """
        sent, open_prompt, echo_was_on = self.sent_line, self.prompt_open, self.echo_was_on
        self.sent_line, self.prompt_open = None, False
        if sent is None or self.session is None or not (open_prompt or echo_was_on):
            return
        echo = sent + "\n"
        could_be_echo = ""
        for character in reversed(echo):  # any prefix of the echo: a(b(c)?)?
            could_be_echo = f"(?:{re.escape(character)}{could_be_echo})?"
        # Leading blanks: the end of a prompt ("> ") may arrive after it matched.
        patterns: list[Any] = [rf"\A[ \t]*{re.escape(sent)}[ \t]*\n"]
        if open_prompt:
            patterns.append(r"\A[ \t]*\n")
        patterns += [rf"\A(?=[^\n])(?![ \t]*{could_be_echo}\Z)", r"\A(?=\n)", EOF]
        self.session.expect(patterns)

    def expect_output(self, step: Step, *, prompt: bool) -> None:
        assert self.session is not None
        self.drop_echo()
        pattern = self.line_pattern(step)
        session = self.session
        while True:
            if prompt and step.text:
                # A prompt may come without its newline: match the line so far.
                whole = rf"\A(?:{pattern.pattern})[ \t]*(?:\n|\Z)"
                found = session.expect([whole, r"\A[^\n]*\n", EOF])
                if found.index == 2:
                    return self.missing(step, "the program's output ended")
                line = found.text.removesuffix("\n").rstrip(" \t")
                matched = found.index == 0
                self.prompt_open = matched and not found.text.endswith("\n")
            else:
                try:
                    line = session.read_line().rstrip(" \t")
                except EOF:
                    return self.missing(step, "the program's output ended")
                matched = pattern.fullmatch(line) is not None
            if matched:
                self.capture(pattern, line)
                self.keep(step.raw)  # as written: variables and patterns stay
                return
            if prompt and step.text:
                # An unexpected whole line while waiting for a prompt: note it, keep waiting.
                self.keep(self.mask(escape_output_line(line)))
                self.fail(step, f"unexpected output line {line!r} while waiting for {step.text!r}")
                continue
            self.keep(self.mask(escape_output_line(line)))
            self.fail(step, f"expected {step.raw!r}, got {line!r}")
            return

    def line_pattern(self, step: Step) -> re.Pattern[str]:
        if step.match == "re":
            return re.compile(self.expand(step.text, step, regex=True))
        text = self.expand(step.text, step)
        if step.match == "glob":
            parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in text)
            return re.compile("".join(parts))
        return re.compile(re.escape(text))

    def capture(self, pattern: re.Pattern[str], line: str) -> None:
        found = pattern.fullmatch(line)
        if found is not None:
            self.variables.update({k: v for k, v in found.groupdict().items() if v is not None})

    def missing(self, step: Step, why: str) -> None:
        self.fail(step, f"expected {step.raw!r}, but {why}")
        self.aborted = True

    def skip(self, step: Step, following: Step | None) -> bool:
        """``...``: skip lines until the next expected line matches; True if it did."""
        assert self.session is not None
        self.keep(step.raw)
        if following is None or following.kind != "output":
            self.skip_rest = True  # whatever else the command prints is fine
            return False
        pattern = self.line_pattern(following)
        self.drop_echo()
        while True:
            try:
                line = self.session.read_line().rstrip(" \t")
            except EOF:
                self.copy_lines_before(following)
                self.keep(following.raw)
                self.missing(following, "the output ended while skipping with `...`")
                return True
            if pattern.fullmatch(line):
                self.capture(pattern, line)
                self.copy_lines_before(following)
                self.keep(following.raw)
                return True

    def keep_output_until_exit(self, step: Step | None) -> None:
        """The rest of the command's output: expected nothing more (unless after `...`)."""
        session = self.session
        if session is None:
            return
        self.drop_echo()
        try:
            rest = session.read()
        except Timeout as error:
            rest = str(error.output)
            if step is not None:
                self.fail(step, f"the program did not finish: {error.message}")
            session.kill()
        if rest and not self.skip_rest:
            lines = rest.split("\n")
            if lines[-1] == "":
                lines.pop()
            for line in lines:
                self.keep(self.mask(escape_output_line(line)))
            where = step if step is not None else self.command_step
            assert where is not None
            self.fail(where, f"unexpected output: {self.mask(rest)!r}")
        self.skip_rest = False

    def check_status(self, step: Step | None) -> None:
        session = self.session
        if session is None or self.status_checked:
            return
        self.status_checked = True
        returncode = session.close(grace=1.0)
        actual = _status_text(returncode)
        expected = step.text if step is not None else "0"
        if actual != expected:
            where = step if step is not None else self.command_step
            assert where is not None
            self.fail(where, f"expected exit status [{expected}], got [{actual}]")
        if step is not None or actual != "0":
            self.keep(f"[{actual}]")
        self.session = None

    def finish_command(self) -> None:
        """Before the next `$` (or at the end): the rest of the output, then the status."""
        if self.session is None:
            return
        if not self.aborted:
            self.keep_output_until_exit(None)
        else:
            self.session.kill()
        self.check_status(None)


def _status_text(returncode: int) -> str:
    if returncode < 0:
        try:
            return signals.Signals(-returncode).name
        except ValueError:
            return str(returncode)
    return str(returncode)


def run_file(
    path: Path,
    *,
    variables: Mapping[str, str] | None = None,
    timeout: float | None = None,
    backend: str | None = None,
    log: TextIO | None = None,
) -> FileResult:
    """Run one session file; the result says what failed and what actually happened."""
    started = time.monotonic()
    session_file = parse(path)
    with tempfile.TemporaryDirectory(prefix="driver-") as scratch:
        values = dict(os.environ)
        values.update(variables or {})
        values["TMPDIR"] = scratch
        overrides = _Settings(timeout=timeout or 0.0, backend=backend or "")
        run = _Run(session_file, values, overrides, log)
        try:
            run.run()
        finally:
            if run.session is not None:
                run.session.close(grace=0.2)
        actual = "\n".join(run.mask(line) for line in run.out) + "\n"
        actual = actual.replace(scratch, "${TMPDIR}")
    expected = "\n".join(session_file.lines) + "\n"
    return FileResult(path, run.failures, expected, actual, time.monotonic() - started)


def update_file(result: FileResult) -> bool:
    """Rewrite the file from what the programs printed (atomically); True if it changed."""
    if result.actual == result.expected:
        return False
    path = result.path
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(result.actual)
    os.chmod(temporary, path.stat().st_mode & 0o777)
    os.replace(temporary, path)
    return True
