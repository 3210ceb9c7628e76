"""Running a session file: each step against a live program, and the file
rewritten from what the programs printed (the ``actual`` of a result).

A command under ``%screen`` runs on a pty with a screen: its output is what
the screen shows, checked block by block (``| `` lines), never its raw
stream of escape sequences; its input is keys, with no echo to account for.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import signal as signals
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import regex

from .._child import Deadline
from .._core import Match
from .._environment import quiet_env
from .._errors import EOF, DriverError, SpawnError, Timeout, shell_syntax, without_shell_hint
from .._masking import Secrets
from ..session import Session, spawn
from ..spelling import escape_output_line, output_line, unescape
from ..terminal import displayed_line, is_line_editor_echo, key_bytes
from ._format import (
    DEFAULT_SCREEN,
    DEFAULT_TIMEOUT,
    SENDS,
    VARIABLE,
    SessionFile,
    SessionFileError,
    Step,
    parse,
    screen_block_pattern,
    screen_size,
    shortened,
    split_command,
    status_text,
)  # fmt: skip
from ._result import Failure, FileResult

#: A `>` line at least this long (bytes) is sent with the terminal's echo off.
LONG_LINE = 4096
#: How often a wait for a prompt looks whether the program waits for input instead.
_PROMPT_CHECK_SECONDS = 0.2


@dataclass(frozen=True)
class _Output:
    """A line the program printed, kept for the actual file; ``row``: a row
    of its screen, written as a ``| `` line."""

    text: str
    row: bool = False


@dataclass
class _Settings:
    timeout: float = DEFAULT_TIMEOUT
    backend: str = "pty"
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    shell: str | None = None  # %shell: run `$` lines with this shell
    screen: tuple[int, int] | None = None  # %screen: (rows, cols) of the commands' screen


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
        self.secrets = Secrets()
        # A %secret covers the whole file, wherever it is written: values
        # given now, captured later or made up at the declaration.
        self.secret_names = {
            step.text.partition(" ")[2].strip()
            for step in session_file.steps
            if step.kind == "set" and step.text.partition(" ")[0] == "secret"
        }
        for name in self.secret_names & self.variables.keys():
            self.secrets.add(self.variables[name])
        self.overrides = overrides
        self.settings = _Settings()
        self.log = log
        self.failures: list[Failure] = []
        # The actual file, line by line: the file's own lines as written, and
        # output lines (_Output) written out at the end, when every secret is known.
        self.out: list[str | _Output] = []
        self.session: Session[str] | None = None
        self.command_step: Step | None = None
        self.status_checked = True
        self.aborted = False  # the current command stopped following the script
        self.complete = True  # every command followed the script to its end
        self.skipping = False  # after `...`: lines are skipped until one matches
        self.input_ended = False  # the script sent %eof to this command
        self.copied = 0  # lines of the file copied to the actual file so far
        # What the terminal will echo of the sends since the last output step,
        # which is not output the file expects. See drop_echo.
        self.pending_echo = ""
        self.prompt_open = False  # the last prompt matched before its newline
        self.editor_echo = False  # the pending echo is one line, a line editor's
        self.echo_shown = False  # the terminal echoed the first of those sends
        self.echo_to_restore = False  # echo was turned off for a long line (see send)
        self.shell_hint = ""  # for the current command's first failure
        self.on_screen = False  # the current command runs on a screen (%screen)

    # -- variables and secrets --

    def expand(self, text: str, step: Step, *, regex: bool = False) -> str:
        def value(name: str) -> str:
            if name not in self.variables:
                raise SessionFileError(
                    f"{self.file.path}:{step.line}: ${{{name}}} is not set: define it with"
                    f" --var {name}=VALUE, in the environment, or capture it with (?P<{name}>...)"
                )
            return re.escape(self.variables[name]) if regex else self.variables[name]

        if step.escaped:  # escapes and variables in one pass: \${ stays literal
            return unescape(text, value)
        return VARIABLE.sub(lambda found: value(found.group(1)), text)

    def mask(self, text: str) -> str:
        return self.secrets.mask(text)

    def keep(self, line: str | _Output) -> None:
        self.out.append(line)

    def show(self, line: str) -> None:
        """One line of the live exchange: what was printed, sent and how it ended."""
        if self.log is not None:
            self.log.write(self.mask(line) + "\n")
            self.log.flush()

    def show_output(self, text: str) -> None:
        for line in _lines(text):
            self.show(escape_output_line(self.mask(line)))

    def fail(self, step: Step, message: str, *, written: str | None = None) -> None:
        """``written``: the line the failure names, if not the step's (a screen block's first)."""
        # In a session file the fix is %shell, not the sh -c that driver's hint names.
        message = without_shell_hint(message)
        if self.shell_hint:  # once, with the command's first failure
            message, self.shell_hint = f"{message}\n{self.shell_hint}", ""
        raw = step.raw if written is None else written
        self.failures.append(Failure(step.line, raw, self.mask(message)))

    # -- the steps --

    def run(self) -> None:
        steps = self.file.steps
        for index, step in enumerate(steps):
            following = steps[index + 1] if index + 1 < len(steps) else None
            self.copy_lines_before(step)
            try:
                self.do(step, following)
            except SessionFileError:
                raise
            except DriverError as error:
                self.fail(step, str(error))
                if isinstance(error, Timeout) and not self.on_screen:  # (a screen's: escapes)
                    self.show_output(str(error.output))
                    self.keep_output(str(error.output))  # say, a prompt that changed
                self.abort()
        self.finish_command()
        self.copy_lines_before(None)

    def copy_lines_before(self, step: Step | None) -> None:
        """Comments and other inert lines up to ``step`` (None: the end), as written."""
        stop = len(self.file.lines) if step is None else step.line - 1
        for raw in self.file.lines[self.copied : stop]:
            self.keep(raw)
        # (A screen block's lines are its own: up to its last.)
        end = stop if step is None else step.rows[-1].line if step.rows else step.line
        self.copied = max(self.copied, end)

    def do(self, step: Step, following: Step | None) -> None:
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
            self.expect_output(step, prompt=following is not None and following.kind in SENDS)
        elif kind == "screen":
            self.expect_screen(step)
        elif kind == "skip":
            self.keep(step.raw)
            self.skipping = True  # until the next expected line matches
        elif kind == "status":
            self.keep_output_until_exit(step)
            self.check_status(step)
        else:
            self.send(step)
            self.keep(step.raw)

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
        elif name == "shell":
            self.settings.shell = None if value == "off" else value
        elif name == "screen":
            self.settings.screen = screen_size(value)
        elif name == "secret":  # (%require was checked before the run)
            # Unset, it is made up, so a recipe runs as is (a fresh password).
            self.variables.setdefault(value, secrets.token_urlsafe(12))
            self.secrets.add(self.variables[value])

    def start(self, step: Step) -> None:
        self.keep(step.raw)
        self.command_step, self.status_checked, self.aborted = step, False, False
        self.skipping = self.input_ended = False
        # What an earlier program's terminal would have echoed is not this one's to show.
        self.pending_echo, self.prompt_open, self.echo_shown = "", False, False
        self.editor_echo = False
        settings = self.settings
        timeout = settings.timeout
        backend = settings.backend
        if self.overrides is not None:
            timeout = self.overrides.timeout or timeout
            backend = self.overrides.backend or backend
        self.on_screen = settings.screen is not None
        if self.on_screen:
            backend = "pty"  # a screen is a terminal's, whatever --backend says
        # The quiet environment (a dumb terminal, no colour): the output is
        # the same text on every machine, and what `driver record` saw.
        env = _with_interpreter_scripts(quiet_env())
        env.update({k: self.expand(v, step) for k, v in settings.env.items()})
        words = split_command(step.text)
        if settings.shell is not None:
            # The shell expands ${NAME} itself, from its environment: a value
            # is data to it, never more shell code.
            env.update({name: value for name, value in self.variables.items() if "\0" not in value})
            argv = [settings.shell, "-c", step.text]
        else:
            # Split first, then expand each word: a value is never re-split or re-quoted.
            argv = [self.expand(word, step) for word in words]
            acted_on = shell_syntax(words)
            if acted_on:
                self.shell_hint = (
                    f"hint: `$` lines run the program itself, not a shell, so"
                    f" {words[acted_on[0]]!r} reached it as an argument; put `%shell` above"
                    " the line to run it with sh"
                )
        self.show(step.raw)
        try:
            # echo=True: a session file reads like a terminal, where what is
            # typed shows; drop_echo keeps it out of the expected output.
            # Bytes that are not UTF-8 read as \xNN, in the file as in the output.
            # A screen (which gets TERM=xterm) shows what a person would see.
            self.session = spawn(
                argv, backend=backend, timeout=timeout, env=env, cwd=settings.cwd,
                echo=True, errors="backslashreplace", screen=self.on_screen,
                dimensions=settings.screen or DEFAULT_SCREEN,
            )  # fmt: skip
        except SpawnError as error:
            self.session = None
            self.fail(step, str(error))
            self.abort()
            return
        self.add_secrets(self.session)

    def add_secrets(self, session: Session[str]) -> None:
        for value in self.secrets:
            session.add_secret(value)

    def send(self, step: Step) -> None:
        assert self.session is not None
        session = self.session
        if step.kind in ("control", "signal") and self.pending_echo:
            # The line before it is taken in first (its echo shows that): a
            # ^C that overtook it would hit the program reading it instead.
            self.drop_echo()
        text = self.expand(step.text, step)
        # Only the secret values are masked, not the whole line they are in.
        self.add_secrets(session)
        keys = text.split() if step.kind == "key" else []
        if step.kind == "key":
            try:
                if not keys:
                    raise ValueError("no key name left once its variables were replaced")
                for key in keys:
                    key_bytes(key)
            except ValueError as exc:  # names that came from a variable
                raise SessionFileError(f"{self.file.path}:{step.line}: %key: {exc}") from None
        if not self.on_screen:  # (a program on a screen draws what it likes: no echo)
            self.expect_echo(step, text)
        self.input_ended = self.input_ended or step.kind == "eof"
        self.show(step.raw)
        if step.kind == "send_line" and self.on_screen:
            # Typed, then Enter: a full-screen program reads keys, and Enter
            # sends a carriage return, not the newline send_line would.
            session.send(text)
            session.send_key("enter")
        elif step.kind == "send_line":
            session.send_line(text)
        elif step.kind == "key":
            session.send_key(*keys)
        elif step.kind == "send":
            session.send(text)
        elif step.kind == "eof":
            session.send_eof()
        elif step.kind == "control":
            session.send_control(text)
        else:
            session.send_signal(signals.Signals["SIG" + text.removeprefix("SIG")])

    def expect_echo(self, step: Step, text: str) -> None:
        """Note what the terminal will echo of this send (see drop_echo)."""
        assert self.session is not None
        session = self.session
        if self.echo_to_restore:
            session.echo, self.echo_to_restore = True, False
        long_line = step.kind == "send_line" and len(text.encode()) >= LONG_LINE
        if long_line and session.has_terminal and session.echo:
            # The terminal hands a line this long over in pieces, and echoes
            # each piece as the program reads the one before: its echo would
            # be woven into the program's output. Sent with echo off, which
            # comes back on before the next send.
            session.echo, self.echo_to_restore = False, True
        # A program that edits its input line (readline) echoes it itself, as
        # it likes: a long line scrolls sideways on the dumb terminal.
        editor = step.kind == "send_line" and session.has_terminal and not session.canonical
        self.pending_echo += self.echo_of(step.kind, text)
        self.editor_echo = editor and self.pending_echo == text + "\n"

    def echo_of(self, kind: str, text: str) -> str:
        """What a terminal will show of a send before the program answers."""
        assert self.session is not None
        if not self.session.has_terminal or kind in ("eof", "signal"):
            return ""  # nothing echoes on a pipe; EOF and signals echo nothing
        shown = self.session.echo
        if not self.pending_echo:
            self.echo_shown = shown
        if kind == "control":
            # ECHOCTL shows most control characters as ^X; these it does not.
            return f"^{text.upper()}" if shown and text.lower() not in "dijmqs" else ""
        if kind == "send":
            return text if shown else ""
        if kind == "key":  # what the keys type; others show as the program has it
            typed = (
                _KEY_ECHO.get(key.lower(), key if len(key) == 1 else "") for key in text.split()
            )
            return "".join(typed) if shown else ""
        # A program that reads a line at an open prompt with echo off echoes
        # it itself (readline) or ends the prompt line (getpass); see drop_echo.
        return text + "\n" if shown or self.prompt_open else ""

    def drop_echo(self, *, line_follows: bool = False) -> None:
        """Consume the echo of the sends since the last output, if that is what comes next.

        A terminal echoes what is typed (the rest of an open prompt line, or a
        line of its own); a password prompt echoes nothing but its program
        ends the line; and a prompt matched before its newline arrived still
        has that newline to come. ``line_follows``: the file expects a line
        that is not blank next. Waits only while what has arrived could still
        be the start of that echo.
        """
        echo, open_prompt, shown = self.pending_echo, self.prompt_open, self.echo_shown
        editor = self.editor_echo
        self.pending_echo, self.prompt_open, self.echo_shown = "", False, False
        self.editor_echo = False
        if not (echo or open_prompt) or self.session is None:
            return
        session = self.session
        forms = _echo_forms(echo, open_prompt=open_prompt, shown=shown, line_follows=line_follows)
        try:
            if editor and self.drop_editor_echo(session, echo[:-1]):
                return
            ended = False
            while True:
                # What has arrived, unconsumed (a lookahead reads without taking).
                ahead = session.expect(rf"\A(?=(?P<ahead>[\s\S]{{0,{len(echo) + 64}}}))", 0)
                arrived = str(ahead.group("ahead"))
                whole, partial = _echo_in(arrived, forms)
                if partial and not ended:
                    # It could still be the start of (a longer form of) the echo: wait for more.
                    more = session.expect([rf"\A(?=[\s\S]{{{len(arrived) + 1}}})", EOF])
                    ended = more.index == 1
                    continue
                if whole:  # the echo, whole: taken out
                    session.expect(rf"\A[\s\S]{{{whole}}}")
                    if _CARET.fullmatch(echo):
                        # A ^C the terminal echoed at the end of a line ends
                        # that line, as the echo of a line does.
                        self.prompt_open = True
                        self.drop_echo()
                return  # else something else came: it was not echoed
        except Timeout as error:
            # What the echo is spells out what was sent, a password too: say what it is.
            error.pattern = "the echo of what was sent"
            error.message = (
                f"timed out after {error.timeout} s waiting for {error.pattern}"
                f" from {session.describe()}"
            )
            error.args = (error.message,)
            raise

    @staticmethod
    def drop_editor_echo(session: Session[str], sent: str) -> bool:
        """Consume a line editor's echo of ``sent``: whatever it shows up to
        the end of the line, if that can be its display of the line."""
        found = session.expect([r"\A(?=(?P<line>[^\n]*)\n)", EOF])
        if found.index == 1:
            return False
        echoed = displayed_line(str(found.group("line"))).strip()
        if not is_line_editor_echo(echoed, sent):
            return False
        session.expect(r"\A[^\n]*\n")
        return True

    def expect_output(self, step: Step, *, prompt: bool) -> None:
        """The next line must match ``step``; after `...`, some later line must."""
        pattern = self.line_pattern(step)
        self.drop_echo(line_follows=pattern.fullmatch("") is None)
        skipping, self.skipping = self.skipping, False
        # A prompt may match before its newline; a literal line too long to be
        # a prompt is read as a line (a regex of it would be costly to build).
        prompt = prompt and bool(step.text) and (step.match != "literal" or len(step.text) < 1000)
        mismatched = False
        while True:
            line, matched = self.next_line(pattern, prompt=prompt, wait=not mismatched)
            if line is None:  # the output ended, or (after a mismatch) nothing more came
                if not mismatched:
                    ended = "the output ended while skipping with `...`"
                    self.missing(step, ended if skipping else "the program's output ended")
                return
            if matched:  # (captured as it was shown)
                self.keep(step.raw)  # as written: variables and patterns stay
                return
            if skipping:
                continue
            self.keep_output(line)
            if not mismatched:
                self.fail(step, f"expected {shortened(step.raw)!r}, got {shortened(line)!r}")
            if not prompt:
                return
            # The program may have printed something else before the prompt:
            # look for it in what has already arrived, without waiting (that
            # would only turn this mismatch into a timeout).
            mismatched = True

    def expect_screen(self, step: Step) -> None:
        """The screen must show the block's rows, one under another, by the step's deadline.

        A block that does not match fails with the screen as it stands, and
        that screen goes to the actual file in its place; the command goes on
        (its keys are sent and its status checked), so ``--update`` can
        rewrite the block.
        """
        assert self.session is not None
        session = self.session
        pattern = re.compile(
            screen_block_pattern(step.rows, lambda row: self.line_pattern(row).pattern),
            re.MULTILINE,
        )
        try:
            found = session.expect_screen(pattern)
        except (Timeout, EOF) as error:
            rows = step.rows
            what = (
                f"line {rows[0].line}"
                if len(rows) == 1
                else f"lines {rows[0].line}-{rows[-1].line} ({len(rows)} rows, one under another)"
            )
            why = (
                f"within {error.timeout} s"
                if isinstance(error, Timeout)
                else "before the program's output ended"
            )
            message = f"the screen did not show {what} {why}\n{error.screen}"
            self.fail(step, message, written=rows[0].raw)
            for row in _without_blank_ends(session.screen.lines) or [""]:
                self.show(_screen_row(escape_output_line(self.mask(row))))
                self.keep(_Output(row, row=True))
            return
        self.remember(found)
        for row in found.group(0).split("\n"):
            self.show(_screen_row(escape_output_line(self.mask(row))))
        self.keep(step.raw)  # as written: variables and patterns stay

    def next_line(
        self, pattern: re.Pattern[str], *, prompt: bool, wait: bool
    ) -> tuple[str | None, bool]:
        """The next output line and whether it matches ``pattern``.

        A prompt may match before its newline arrives. The line is None at
        the end of the output and, without ``wait``, when no whole line has
        arrived yet.
        """
        assert self.session is not None
        if not prompt:
            try:
                line = self.session.read_line().rstrip(" \t")
            except EOF:
                return None, False
            return self.shown_line(line, pattern.fullmatch(line) is not None, pattern)
        whole = rf"\A(?:{pattern.pattern})[ \t]*(?:\n|\Z)"
        patterns: list[Any] = [whole, r"\A[^\n]*\n", EOF]
        found = (
            self.wait_for_prompt(patterns) if wait else self.session.expect([*patterns, Timeout], 0)
        )
        if found is None:  # it waits for input after another prompt: a changed one
            line = self.session.read_available().rstrip(" \t")
            return self.shown_line(line, False, pattern)
        if found.index >= 2:
            self.show_output(found.before)
            self.keep_output(found.before)  # a partial line: a prompt that changed
            return None, False
        self.prompt_open = found.index == 0 and not found.text.endswith("\n")
        line = found.text.removesuffix("\n").rstrip(" \t")
        return self.shown_line(line, found.index == 0, pattern)

    def wait_for_prompt(self, patterns: list[Any]) -> Match[str] | None:
        """Wait for ``patterns`` (Timeout at the step's deadline), or None as
        soon as the program waits for input after printing a partial line
        none of them matches: a prompt that changed is reported at once."""
        assert self.session is not None
        session = self.session
        deadline = Deadline(session.timeout)
        while deadline.remaining() > _PROMPT_CHECK_SECONDS:
            found = session.expect([*patterns, Timeout], _PROMPT_CHECK_SECONDS)
            if found.index < len(patterns):
                return found
            if found.before and session.waiting_for_input():
                return None
        return session.expect(patterns, deadline)

    def shown_line(self, line: str, matched: bool, pattern: re.Pattern[str]) -> tuple[str, bool]:
        """Show an output line live; a matched line's captures first, so a
        %secret captured from it is masked there too."""
        if matched:
            self.capture(pattern, line)
        self.show(escape_output_line(self.mask(line)))
        return line, matched

    def keep_output(self, text: str) -> None:
        """Output nobody expected, into the actual file: a named secret's
        value as its ``${NAME}`` (so the file still runs), any other secret
        or piece of one as a wildcard."""
        for line in _lines(text):
            self.keep(_Output(line))

    def actual(self) -> str:
        """The actual file. Output lines are written now, with every secret the
        run came to know (a value captured later shows earlier too)."""
        named = {name: self.variables.get(name, "") for name in self.secret_names}
        lines = (
            line
            if not isinstance(line, _Output)
            else _screen_row(output_line(line.text, self.secrets, named))
            if line.row
            else output_line(line.text, self.secrets, named)
            for line in self.out
        )
        return "\n".join(lines) + "\n"

    def final_failures(self) -> list[Failure]:
        """The failures, masked with every secret the run came to know."""
        return [Failure(f.line, f.step, self.mask(f.message)) for f in self.failures]

    def line_pattern(self, step: Step) -> re.Pattern[str]:
        if step.match == "re":
            return re.compile(self.expand(step.text, step, regex=True))
        text = self.expand(step.text, step).rstrip(" \t")  # as output lines are compared
        if step.match == "glob":
            parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in text)
            return re.compile("".join(parts))
        return re.compile(re.escape(text))

    def capture(self, pattern: re.Pattern[str], line: str) -> None:
        found = pattern.fullmatch(line)
        if found is not None:
            self.remember(found)

    def remember(self, found: re.Match[str] | regex.Match[str]) -> None:
        """A match's named groups, as variables (and secrets, if declared)."""
        captured = {k: v for k, v in found.groupdict().items() if v is not None}
        self.variables.update(captured)
        for name in self.secret_names & captured.keys():
            self.secrets.add(captured[name])
            if self.session is not None:
                self.session.add_secret(captured[name])

    def missing(self, step: Step, why: str) -> None:
        self.fail(step, f"expected {step.raw!r}, but {why}")
        self.abort()

    def abort(self) -> None:
        """The current command cannot follow the script any further."""
        self.aborted, self.complete = True, False

    def keep_output_until_exit(self, step: Step | None) -> None:
        """The rest of the command's output: expected nothing more (unless after `...`).

        The script for this command is over, so its input is ended (EOF),
        as when a person closes the terminal's input: a REPL or a filter
        then exits without a last ``%eof`` line.
        """
        session = self.session
        if session is None:
            return
        where = step if step is not None else self.command_step
        assert where is not None
        if self.on_screen:
            self.wait_for_screen_program(session, where)
            return
        self.drop_echo()
        if not self.input_ended and session.alive:
            with contextlib.suppress(OSError, DriverError):  # it may be exiting already
                session.send_eof()
        try:
            # Until it exits, not until its output ends: a process it left
            # running may hold that open (close() ends the process group).
            session.wait()
        except Timeout as error:
            self.fail(where, f"the program did not finish: {error.message}")
            session.kill()
        rest = session.read_available()
        self.show_output(rest)
        if rest and not self.skipping:
            self.keep_output(rest)
            self.fail(where, f"unexpected output: {self.mask(rest)!r}")
        self.skipping = False

    def wait_for_screen_program(self, session: Session[str], where: Step) -> None:
        """A program on a screen exits by the keys it was sent: its input is
        not ended for it (a ^D is a key to it, and it may not take it as the
        end), and what it wrote is not compared: the screen blocks were."""
        try:
            session.wait()
        except Timeout as error:
            self.fail(
                where,
                f"the program did not finish: {error}\nhint: a program on a screen is not sent"
                " EOF when its lines run out; send the keys that quit it (%key) or %eof",
            )
            session.kill()
        session.read_available()  # escape sequences, drawn on the screen already
        self.skipping = False

    def check_status(self, step: Step | None) -> None:
        session = self.session
        if session is None or self.status_checked:
            return
        self.status_checked = True
        returncode = session.close(grace=1.0)
        actual = status_text(returncode)
        expected = step.text if step is not None else "0"
        if actual != expected:
            where = step if step is not None else self.command_step
            assert where is not None
            self.fail(where, f"expected exit status [{expected}], got [{actual}]")
        self.show(f"[{actual}]")
        if step is not None or actual != "0":
            self.keep(f"[{actual}]")
        self.session = None

    def finish_command(self) -> None:
        """Before the next `$` (or at the end): the rest of the output, then the status."""
        if self.session is None:
            return
        if self.aborted:
            # It stopped following the script (a timeout, say): its status
            # says only that it was killed here.
            self.session.close(grace=0)
            self.session = None
            return
        self.keep_output_until_exit(None)
        self.check_status(None)


# How a terminal echoes a control character (ECHOCTL): ^C, ^Z, ^\\.
_CARET = re.compile(r"\^[@-_?]")
# What a terminal echoes of a %key that types (the others: as the program has it).
_KEY_ECHO = {"space": " ", "tab": "\t", "enter": "\n", "return": "\n"}


def _screen_row(spelled: str) -> str:
    """A screen row's line in a session file, given its spelling as an output line."""
    return f"| {spelled}" if spelled else "|"


def _without_blank_ends(rows: list[str]) -> list[str]:
    """A screen's rows without the blank ones above and below what it shows."""
    shown = [number for number, row in enumerate(rows) if row]
    return rows[shown[0] : shown[-1] + 1] if shown else []


def _with_interpreter_scripts(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the running interpreter's directory last on PATH, so that
    console scripts installed beside it run when its venv is not activated."""
    scripts = os.path.dirname(sys.executable)
    path = env.get("PATH", os.defpath)
    if scripts not in path.split(os.pathsep):
        env["PATH"] = f"{path}{os.pathsep}{scripts}" if path else scripts
    return env


def _echo_forms(echo: str, *, open_prompt: bool, shown: bool, line_follows: bool) -> list[str]:
    """What the terminal may show for the ``echo`` of the sends since the last output.

    After a prompt that matched before its line ended (``open_prompt``), that
    line's end may come too. Alone, when the program reads without the
    terminal's echo: getpass ends the line itself. With the echo the terminal
    ``shown``, when the "prompt" was a whole line whose newline came late: a
    pty read can split a line from its newline, and a program that writes the
    two apart (unbuffered) can be overtaken by the echo. Only for the echo of
    lines: a ^C's echo (bash redraws after it) keeps to the forms above. A lone line end after
    the echo is taken only when the file expects a non-blank line next
    (``line_follows``), so a blank line the program prints is never lost.
    """
    one_line = echo.endswith("\n") and echo.count("\n") == 1
    forms = [echo] if echo else []
    if open_prompt and shown and echo.endswith("\n"):  # the echo of lines, not of ^C
        forms.append("\n" + echo)
        if one_line and line_follows:
            forms.append(echo + "\n")
    if open_prompt and (not echo or one_line):
        forms.append("\n")
    return forms


def _echo_in(arrived: str, forms: list[str]) -> tuple[int, bool]:
    """How the output that ``arrived`` starts with one of the ``forms`` of an
    echo: the length of the longest found whole (0: none), and whether more
    output could still make a longer one.

    Blanks at the start and before a line end do not count: the end of a
    prompt ("> ") may arrive after the prompt matched.
    """
    whole = 0
    for form in forms:
        pattern = r"\A[ \t]*" + re.escape(form).replace("\\\n", r"[ \t]*\n")
        found = re.match(pattern, arrived)
        if found is not None:
            whole = max(whole, found.end())
    start = _without_line_end_blanks(arrived.lstrip(" \t"))
    longer = (_without_line_end_blanks(form) for form in forms)
    partial = any(len(form) > len(start) and form.startswith(start) for form in longer)
    return whole, partial


def _without_line_end_blanks(text: str) -> str:
    return re.sub(r"[ \t]+\n", "\n", text)


def _lines(text: str) -> list[str]:
    """Output text as lines, without line ends or trailing blanks."""
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    if lines[-1] == "":
        lines.pop()
    return lines


def run_file(
    path: Path,
    *,
    variables: Mapping[str, str] | None = None,
    timeout: float | None = None,
    backend: str | None = None,
    log: TextIO | None = None,
) -> FileResult:
    """Run one session file; the result says what failed and what actually happened.

    Args:
        path: the session file.
        variables: values for ``${NAME}``, over the environment's (as
            ``driver run --var``).
        timeout: seconds per step, instead of the file's ``%timeout``.
        backend: ``"pipe"`` or ``"pty"``, instead of the file's ``%backend``.
        log: a text file that receives the exchange live, as ``driver run``
            shows it.

    Returns:
        A :class:`FileResult`; its ``skipped`` says why, when a ``%require``
        program is missing.

    Raises:
        SessionFileError: the file cannot run as written (a problem
            :func:`parse` finds, a variable that is not set).
    """
    started = time.monotonic()
    session_file = parse(path)
    expected = "\n".join(session_file.lines) + "\n"
    missing = [program for program in session_file.requires if shutil.which(program) is None]
    if missing:
        reason = f"{', '.join(missing)} not found on PATH (%require)"
        return FileResult(path, [], expected, expected, 0.0, skipped=reason)
    with tempfile.TemporaryDirectory(prefix="driver-") as scratch:
        values = dict(os.environ)
        values["PYTHON"] = sys.executable  # the interpreter driver runs on
        values.update(variables or {})
        values["TMPDIR"] = scratch
        values["SESSION_DIR"] = str(path.resolve().parent)  # for programs kept beside it
        overrides = _Settings(timeout=timeout or 0.0, backend=backend or "")
        run = _Run(session_file, values, overrides, log)
        try:
            run.run()
        finally:
            if run.session is not None:
                run.session.close(grace=0.2)
        actual = run.actual().replace(scratch, "${TMPDIR}")
    seconds = time.monotonic() - started
    return FileResult(path, run.final_failures(), expected, actual, seconds, run.complete)
