"""Running a session file: each step against a live program, and the file
rewritten from what the programs printed (the ``actual`` of a result).

The runner reads the steps in order and hands each to its handler (one
match on the step's kind, :meth:`_Run.do`). Three concerns live in modules of
their own: the echo of what is sent (``_echo.py``), the actual file
(``_actual.py``), and the variables and secrets (``_variables.py``).

A command under ``%screen`` runs on a pty with a screen: its output is what
the screen shows, checked block by block (``| `` lines), never its raw
stream of escape sequences; its input is keys, with no echo to account for.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal as signals
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO, TypeAlias

import regex

from .. import (
    EOF,
    Deadline,
    DriverError,
    ExitStatusUnknown,
    Host,
    Match,
    Session,
    SpawnError,
    Timeout,
    run,
    spawn,
)
from ..environment import SESSION_FILE, session_file_env
from ..hints import shell_syntax, slow_search_hint, without_shell_hint
from ..spelling import escape_output_line
from ..terminal import DEFAULT_WINDOW_SIZE, READY_SECONDS, key_bytes, literal_line
from ._actual import ActualFile, output_lines, screen_row, without_blank_ends
from ._echo import LONG_LINE, EchoTimeout, EchoTracker, drop_echo
from ._format import (
    DEFAULT_TIMEOUT,
    SENDS,
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
from ._shell import SKIP_STATUS, ShellState
from ._variables import Variables

#: What an output line must match: a (re) line's regex, a literal or glob line's re.
LinePattern: TypeAlias = "re.Pattern[str] | regex.Pattern[str]"
#: How often a wait for a prompt looks whether the program waits for input instead.
_PROMPT_CHECK_SECONDS = 0.2


class SlowMatch(DriverError, TimeoutError):
    """An output line's pattern did not finish matching by the step's deadline.

    Attributes:
        output: the line it was matched against (read, so kept as output).
    """

    def __init__(self, step: Step, line: str, timeout: float | None) -> None:
        self.output = line + "\n"
        super().__init__(
            f"matching {shortened(step.raw, 80)!r} against the line {shortened(line, 80)!r}"
            f" did not finish within the step's {timeout} s timeout\n"
            + slow_search_hint(f"`{shortened(step.text, 80)}`", "a plain or a (glob) line")
        )


@dataclass
class _Settings:
    timeout: float = DEFAULT_TIMEOUT
    backend: str = "pty"
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    shell: str | None = None  # %shell: run `$` lines with this shell
    one_shell: bool = False  # %shell one: as if one shell ran them all
    screen: tuple[int, int] | None = None  # %screen: (rows, cols) of the commands' screen


@dataclass
class _Command:
    """What the run knows of the current `$` command: a new one for each, so
    nothing of the command before carries over."""

    step: Step
    on_screen: bool  # it runs on a screen (%screen)
    # What its terminal will echo of the sends (none until it starts).
    echo: EchoTracker = field(default_factory=lambda: EchoTracker(terminal=False))
    status_checked: bool = False
    aborted: bool = False  # it stopped following the script
    skipping: bool = False  # after `...`: lines are skipped until one matches
    input_ended: bool = False  # the script sent it %eof
    shell_hint: str = ""  # for its first failure
    # Under %shell one: where its shell leaves its state, and the environment it started with.
    shell_state: Path | None = None
    env: dict[str, str] = field(default_factory=dict)


class _Run:
    """Runs the steps of one file and builds the actual file as it goes."""

    def __init__(
        self,
        session_file: SessionFile,
        variables: Mapping[str, str],
        overrides: _Settings | None,
        log: TextIO | None,
        private: Path,
        host: Host | None = None,
    ) -> None:
        self.file = session_file
        self.private = private  # a directory of the run's own, not the file's ${TMPDIR}
        #: Where the commands run: None on this machine.
        self.host = host
        # A %secret covers the whole file, wherever it is written.
        secret_names = (
            step.text.partition(" ")[2].strip()
            for step in session_file.steps
            if step.kind == "set" and step.text.partition(" ")[0] == "secret"
        )
        self.variables = Variables(session_file.path, variables, secret_names)
        self.overrides = overrides
        self.settings = _Settings()
        self.log = log
        self.failures: list[Failure] = []
        self.actual_file = ActualFile(session_file.lines)
        self.session: Session[str] | None = None
        self.command: _Command | None = None  # None before the first `$`
        self.complete = True  # every command followed the script to its end
        self.shell_state = ShellState()  # what the lines under %shell one left
        self.skipped: str | None = None  # why the rest of the file did not run

    # -- the live log and failures --

    def mask(self, text: str) -> str:
        return self.variables.mask(text)

    def show(self, line: str) -> None:
        """One line of the live exchange: what was printed, sent and how it ended."""
        if self.log is not None:
            self.log.write(self.mask(line) + "\n")
            self.log.flush()

    def show_output(self, text: str) -> None:
        for line in output_lines(text):
            self.show(escape_output_line(self.mask(line)))

    def fail(self, step: Step, message: str, *, written: str | None = None) -> None:
        """``written``: the line the failure names, if not the step's (a screen block's first)."""
        # In a session file the fix is %shell, not the sh -c that driver's hint names.
        message = without_shell_hint(message)
        command = self.command
        if command is not None and command.shell_hint:  # once, with its first failure
            message, command.shell_hint = f"{message}\n{command.shell_hint}", ""
        raw = step.raw if written is None else written
        self.failures.append(Failure(step.line, raw, self.mask(message)))
        if step.kind in ("output", "screen"):
            self.variables.not_matched(step)

    def stop(self, step: Step, message: str, output: str = "") -> None:
        """The current command cannot follow the script any further: ``step``
        failed with ``message``; ``output`` came instead (say, a prompt that changed)."""
        self.fail(step, message)
        self.show_output(output)
        self.actual_file.keep_output(output)
        self.abort()

    def abort(self) -> None:
        if self.command is not None:
            self.command.aborted = True
        self.complete = False

    # -- the steps --

    def run(self) -> None:
        steps = self.file.steps
        for index, step in enumerate(steps):
            if self.skipped:
                return
            following = steps[index + 1] if index + 1 < len(steps) else None
            self.actual_file.copy_lines_before(step)
            try:
                self.do(step, following)
            except SessionFileError:
                raise
            except (EchoTimeout, SlowMatch) as error:
                self.stop(step, str(error), error.output)
            except DriverError as error:
                on_screen = self.command is not None and self.command.on_screen
                # What came instead (say, a prompt that changed); a screen's
                # is escape sequences: its failure shows the screen.
                came = str(error.output) if isinstance(error, Timeout) and not on_screen else ""
                self.stop(step, str(error), came)
        self.finish_command()
        self.actual_file.copy_lines_before(None)

    def do(self, step: Step, following: Step | None) -> None:
        """Carry out ``step``: the one place that looks at its kind.

        ``following``: the step after it, if any (an output line before a
        send may be a prompt, matched before its newline comes).
        """
        command = self.command
        following_script = command is not None and not command.aborted and self.session is not None
        match step.kind:
            case "set":
                self.configure(step)
            case "command":
                self.finish_command()
                if not self.skipped:
                    self.start(step)
            case "end":  # of a document's block: its last command's script is over
                self.finish_command()
            case _ if not following_script:
                self.actual_file.keep_step(step)  # the command stopped following the script
                if step.kind in ("output", "screen"):
                    self.variables.not_matched(step)
            case "output":
                self.expect_output(step, prompt=following is not None and following.kind in SENDS)
            case "screen":
                self.expect_screen(step)
            case "skip":
                self.skip(step)
            case "status":
                self.expect_status(step)
            case "send_line":
                self.send_line(step)
            case "send":
                self.send_text(step)
            case "key":
                self.send_keys(step)
            case "eof":
                self.send_eof(step)
            case "control":
                self.send_control(step)
            case "signal":
                self.send_signal(step)
            case kind:
                raise AssertionError(f"{self.file.path}:{step.line}: a step of kind {kind!r}")

    def configure(self, step: Step) -> None:
        self.actual_file.keep_step(step)
        name, _, value = step.text.partition(" ")
        value = self.variables.expand(value, step)
        if name == "timeout":
            self.settings.timeout = float(value)
        elif name == "backend":
            self.settings.backend = value
        elif name == "env":
            key, _, env_value = value.partition("=")
            self.settings.env[key] = env_value
            self.shell_state.override(key)
        elif name == "cwd":
            self.settings.cwd = value
            self.shell_state.override("cwd")
        elif name == "shell":
            one, _, shell = value.partition(" ")
            if one == "one" and self.host is not None:
                raise SessionFileError(
                    f"{self.file.path}:{step.line}: %shell one runs on this machine only, not"
                    f" on {self.host}: put a `cd` and what needs it on one line"
                    " (`$ cd dir && make`) under %shell"
                )
            self.settings.one_shell = one == "one"
            self.settings.shell = None if value == "off" else shell if one == "one" else value
            self.shell_state.override("*")  # (a new shell, or none)
        elif name == "screen":
            self.settings.screen = screen_size(value)
        elif name == "secret":  # (%require was checked before the run)
            self.variables.declare_secret(value)

    def start(self, step: Step) -> None:
        self.actual_file.keep_step(step)
        settings = self.settings
        on_screen = settings.screen is not None
        timeout = settings.timeout
        backend = settings.backend
        if self.overrides is not None:
            timeout = self.overrides.timeout or timeout
            backend = self.overrides.backend or backend
        if on_screen:
            backend = "pty"  # a screen is a terminal's, whatever --backend says
        command = self.command = _Command(step, on_screen)
        # The stable, quiet environment (a dumb terminal, no colour, one
        # locale, time zone and width): the output is the same text on every
        # machine, and what `driver record` saw. On a host, spawn sets the
        # quiet one over the remote login's environment, and this over that.
        dimensions = settings.screen or DEFAULT_WINDOW_SIZE
        env = (
            _with_interpreter_scripts(session_file_env())
            if self.host is None
            else dict(SESSION_FILE)
        )
        env["COLUMNS"] = str(dimensions[1])  # (the width of its terminal, or screen)
        env.update({k: self.variables.expand(v, step) for k, v in settings.env.items()})
        words = split_command(step.text)
        cwd = settings.cwd
        if settings.shell is not None:
            # The shell expands ${NAME} itself, from its environment: a value
            # is data to it, never more shell code.
            values = self.variables.values
            if self.host is not None:  # not this machine's environment: the names it uses
                values = {name: values[name] for name in _names_in(step.text) if name in values}
            env.update({name: value for name, value in values.items() if "\0" not in value})
            argv = [settings.shell, "-c", step.text]
            if settings.one_shell:
                env = self.shell_state.environment(env)
                cwd = self.shell_state.cwd or cwd
                command.shell_state, command.env = self.private / "shell-state", env
                argv = self.shell_state.argv(settings.shell, step.text, command.shell_state)
        else:
            # Split first, then expand each word: a value is never re-split or re-quoted.
            argv = [self.variables.expand(word, step) for word in words]
            acted_on = shell_syntax(words)
            if acted_on:
                command.shell_hint = (
                    f"hint: `$` lines run the program itself, not a shell, so"
                    f" {words[acted_on[0]]!r} reached it as an argument; put `%shell` above"
                    " the line to run it with sh"
                )
        self.show(step.raw)
        if self.host is not None and self.secret_in_command(argv, env, settings.cwd):
            self.fail(step, _SECRET_IN_REMOTE_COMMAND)
            self.abort()
            return
        try:
            # echo=True: a session file reads like a terminal, where what is
            # typed shows; the echo is kept out of the expected output (_echo.py).
            # Bytes that are not UTF-8 read as \xNN, in the file as in the output.
            # A screen (which gets TERM=xterm) shows what a person would see.
            self.session = spawn(
                argv, backend="pty" if backend == "pty" else "pipe", timeout=timeout,
                env=env, cwd=cwd,
                echo=True, errors="backslashreplace", screen=on_screen,
                dimensions=dimensions, host=self.host,
                # Here, env is the whole environment: what it leaves out stays out.
                inherit_env=self.host is not None,
            )  # fmt: skip
        except SpawnError as error:
            self.session = None
            self.fail(step, str(error))
            self.abort()
            return
        self.add_secrets(self.session)
        # On a screen a program draws what it likes: no echo to account for.
        command.echo = EchoTracker(terminal=self.session.has_terminal and not on_screen)

    def secret_in_command(self, argv: list[str], env: dict[str, str], cwd: str | None) -> bool:
        """Whether a secret would be part of a remote command line (its
        arguments, environment or directory), where the remote host's process
        list and logs could show it."""
        variables = self.variables
        values = [
            variables.values[name] for name in variables.secret_names if name in variables.values
        ]
        words = [*argv, *env.values(), cwd or ""]
        return any(value and value in word for value in values for word in words)

    def add_secrets(self, session: Session[str]) -> None:
        for value in self.variables.secrets:
            session.add_secret(value)

    # -- sending --

    def sending(self, step: Step) -> tuple[Session[str], _Command, str]:
        """The session and command a send step goes to, and its text with
        its variables replaced; the terminal's echo back on if a long line
        turned it off."""
        session, command = self.session, self.command
        assert session is not None and command is not None
        text = self.variables.expand_step(step)
        # Only the secret values are masked, not the whole line they are in.
        self.add_secrets(session)
        if session.has_terminal and session.alive:
            # A prompt can show before the program has set its terminal up (a
            # line editor's own mode): sent sooner, the line and its echo would
            # meet a terminal the program then changes. Sooner or later only.
            session.wait_until_idle(READY_SECONDS)
        if command.echo.echo_turned_off:
            session.echo, command.echo.echo_turned_off = True, False
        return session, command, text

    def echo_on(self, session: Session[str], command: _Command) -> bool:
        """Whether the terminal echoes what is sent now (asked only where it can)."""
        return command.echo.terminal and session.echo

    def send_line(self, step: Step) -> None:
        session, command, text = self.sending(step)
        if len(text.encode()) >= LONG_LINE and self.echo_on(session, command):
            # The terminal hands a line this long over in pieces, and echoes
            # each piece as the program reads the one before: its echo would
            # be woven into the program's output. Sent with echo off, which
            # comes back on before the next send.
            session.echo, command.echo.echo_turned_off = False, True
        # A program that edits its input line (readline) echoes it itself, as
        # it likes: a long line scrolls sideways on the dumb terminal.
        canonical = session.has_terminal and session.canonical
        line_editor = command.echo.terminal and not canonical
        # The line reaches the program as written: a terminal's own line
        # editing would act on a ^C or a ^U in it (an (esc) line's), not pass it on.
        keys = literal_line(text) if canonical else text
        command.echo.sent_line(keys, echo=self.echo_on(session, command), line_editor=line_editor)
        self.show(step.raw)
        if command.on_screen:
            # Typed, then Enter: a full-screen program reads keys, and Enter
            # sends a carriage return, not the newline send_line would.
            session.send(keys)
            session.send_key("enter")
        else:
            session.send_line(keys)
        self.actual_file.keep_step(step)

    def send_text(self, step: Step) -> None:
        session, command, text = self.sending(step)
        command.echo.sent_text(text, echo=self.echo_on(session, command))
        self.show(step.raw)
        session.send(text)
        self.actual_file.keep_step(step)

    def send_keys(self, step: Step) -> None:
        session, command, text = self.sending(step)
        keys = text.split()
        try:
            if not keys:
                raise ValueError("no key name left once its variables were replaced")
            for key in keys:
                key_bytes(key)
        except ValueError as exc:  # names that came from a variable
            raise SessionFileError(f"{self.file.path}:{step.line}: %key: {exc}") from None
        command.echo.sent_keys(keys, echo=self.echo_on(session, command))
        self.show(step.raw)
        session.send_key(*keys)
        self.actual_file.keep_step(step)

    def send_eof(self, step: Step) -> None:
        session, command, _ = self.sending(step)
        command.echo.sent_unechoed()
        command.input_ended = True
        self.show(step.raw)
        session.send_eof()
        self.actual_file.keep_step(step)

    def send_control(self, step: Step) -> None:
        self.take_echo_of_lines_before()
        session, command, text = self.sending(step)
        command.echo.sent_control(text, echo=self.echo_on(session, command))
        self.show(step.raw)
        session.send_control(text)
        self.actual_file.keep_step(step)

    def send_signal(self, step: Step) -> None:
        self.take_echo_of_lines_before()
        session, command, text = self.sending(step)
        command.echo.sent_unechoed()
        self.show(step.raw)
        session.send_signal(signals.Signals["SIG" + text.removeprefix("SIG")])
        self.actual_file.keep_step(step)

    def take_echo_of_lines_before(self) -> None:
        """Before a ^C or a signal, the line sent before it is taken in first
        (its echo shows that): one that overtook it would hit the program
        reading it instead."""
        assert self.command is not None
        if self.command.echo.pending.text:
            self.drop_echo()

    def drop_echo(self, *, line_follows: bool = False) -> None:
        """Take the echo of the sends since the last output out of the output,
        if it comes; ``line_follows``: the file expects a line that is not
        blank next (see _echo.drop_echo)."""
        if self.command is None:
            return
        pending = self.command.echo.take()
        if self.session is not None:
            drop_echo(self.session, pending, line_follows=line_follows)

    # -- expected output --

    def skip(self, step: Step) -> None:
        assert self.command is not None
        self.actual_file.keep_step(step)
        self.command.skipping = True  # until the next expected line matches

    def expect_output(self, step: Step, *, prompt: bool) -> None:
        """The next line must match ``step``; after `...`, some later line must."""
        command = self.command
        assert command is not None
        pattern = self.variables.pattern(step)
        self.drop_echo(line_follows=pattern.fullmatch("") is None)
        skipping, command.skipping = command.skipping, False
        # A prompt may match before its newline; a literal line too long to be
        # a prompt is read as a line (a regex of it would be costly to build).
        prompt = prompt and bool(step.text) and (step.match != "literal" or len(step.text) < 1000)
        mismatched = False
        while True:
            line, matched = self.next_line(step, pattern, prompt=prompt, wait=not mismatched)
            if line is None:  # the output ended, or (after a mismatch) nothing more came
                if not mismatched:
                    ended = "the output ended while skipping with `...`"
                    self.missing(step, ended if skipping else "the program's output ended")
                return
            if matched:  # (captured as it was shown)
                self.actual_file.keep_step(step)  # as written: variables and patterns stay
                return
            if skipping:
                continue
            self.actual_file.keep_output(line)
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
            screen_block_pattern(step.rows, lambda row: self.variables.pattern(row).pattern),
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
            screen = session.screen
            self.actual_file.keep_screen(screen.lines, screen.wrapped)
            self.show_screen()
            return
        self.remember(found)
        # The rows matched, as they stand on the screen (nothing was drawn since).
        first = found.string.count("\n", 0, found.start())
        self.show_screen(slice(first, first + found.group(0).count("\n") + 1))
        self.actual_file.keep_step(step)  # as written: variables and patterns stay

    def show_screen(self, rows: slice | None = None) -> None:
        """Show the screen's ``rows`` live (None: all but the blank ones above
        and below), its secrets hidden on the whole screen: one that wraps at
        the edge is hidden in each row."""
        assert self.session is not None
        screen = self.session.screen
        masked = self.variables.mask_rows(screen.lines, screen.wrapped)
        for row in (without_blank_ends(masked) or [""]) if rows is None else masked[rows]:
            self.show(screen_row(escape_output_line(row)))

    def next_line(
        self, step: Step, pattern: LinePattern, *, prompt: bool, wait: bool
    ) -> tuple[str | None, bool]:
        """The next output line and whether it matches ``pattern`` (``step``'s).

        A prompt may match before its newline arrives. The line is None at
        the end of the output and, without ``wait``, when no whole line has
        arrived yet. The step's deadline covers the match too, as an
        expect's does.

        Raises:
            SlowMatch: the match did not finish by the step's deadline.
        """
        assert self.session is not None and self.command is not None
        session = self.session
        deadline = session.deadline()
        if not prompt and step.no_eol:
            return self.last_line(step, pattern, deadline)
        if not prompt:
            try:
                line = session.read_line(deadline).rstrip(" \t")
            except EOF:
                return None, False
            return self.shown_line(line, self.whole_line(step, pattern, line, deadline))
        whole = rf"\A\r*(?:{pattern.pattern})[ \t]*(?:\n|\Z)"  # (\r*: see whole_line)
        patterns: list[Any] = [whole, r"\A[^\n]*\n", EOF]
        found = (
            self.wait_for_prompt(patterns, deadline)
            if wait
            else session.expect([*patterns, Timeout], 0)
        )
        if found is None:
            # It waits for input after a partial line that a moment's search
            # did not find the prompt in: a prompt that changed, or a pattern
            # slow to match it, matched here by the step's deadline.
            line = session.read_available().rstrip(" \t")
            matched = self.whole_line(step, pattern, line, deadline)
            if matched is not None:
                self.command.echo.prompt_matched(open=True)
            return self.shown_line(line, matched)
        if found.index >= 2:
            self.show_output(found.before)
            self.actual_file.keep_output(found.before)  # a partial line: a prompt that changed
            return None, False
        self.command.echo.prompt_matched(open=found.index == 0 and not found.text.endswith("\n"))
        line = found.text.removesuffix("\n").rstrip(" \t")
        return self.shown_line(line, found.re if found.index == 0 else None)

    def last_line(
        self, step: Step, pattern: LinePattern, deadline: Deadline
    ) -> tuple[str | None, bool]:
        """The next output line for a (no-eol) ``step``, which it matches only
        as the output's last, with no newline after it (a line with one is a
        mismatch, whatever it says)."""
        assert self.session is not None
        found = self.session.expect([r"\A[^\n]*\n", EOF], deadline)
        if found.index == 0:
            return self.shown_line(found.text.removesuffix("\n").rstrip(" \t"), None)
        line = found.before.rstrip(" \t")
        if not line:
            return None, False  # the output ended
        return self.shown_line(line, self.whole_line(step, pattern, line, deadline))

    def whole_line(
        self, step: Step, pattern: LinePattern, line: str, deadline: Deadline
    ) -> re.Match[str] | regex.Match[str] | None:
        """``step``'s ``pattern`` matched against the whole ``line``, by ``deadline``.

        Carriage returns at the start of the line need not be written: after
        a line's end they move the cursor nowhere, and ssh writes one before
        its password prompt (so that the prompt starts a line).

        Raises:
            SlowMatch: the match did not finish by then (a pattern with
                nested repetition, say), as an expect's search would not.
        """
        assert self.session is not None
        try:
            found = _fullmatch(pattern, line, deadline)
            if found is None and line.startswith("\r"):
                found = _fullmatch(pattern, line.lstrip("\r"), deadline)
            return found
        except TimeoutError:
            raise SlowMatch(step, line, self.session.timeout) from None

    def wait_for_prompt(self, patterns: list[Any], deadline: Deadline) -> Match[str] | None:
        """Wait for ``patterns`` (Timeout at ``deadline``), or None as soon
        as the program waits for input after printing a partial line none of
        them matches: a prompt that changed is reported at once."""
        assert self.session is not None
        session = self.session
        while deadline.remaining() > _PROMPT_CHECK_SECONDS:
            found = session.expect([*patterns, Timeout], _PROMPT_CHECK_SECONDS)
            if found.index < len(patterns):
                return found
            if found.before and session.waiting_for_input():
                return None
        return session.expect(patterns, deadline)

    def shown_line(
        self, line: str, found: re.Match[str] | regex.Match[str] | None
    ) -> tuple[str, bool]:
        """Show an output line live, and whether the step ``found`` it; a
        matched line's captures first, so a %secret captured from it is
        masked there too."""
        if found is not None:
            self.remember(found)
        self.show(escape_output_line(self.mask(line)))
        return line, found is not None

    def remember(self, found: re.Match[str] | regex.Match[str]) -> None:
        """A match's named groups, as variables; a secret's value hidden by the session too."""
        for value in self.variables.remember(found):
            if self.session is not None:
                self.session.add_secret(value)

    def missing(self, step: Step, why: str) -> None:
        self.fail(step, f"expected {step.raw!r}, but {why}")
        self.abort()

    # -- the end of a command --

    def expect_status(self, step: Step) -> None:
        self.keep_output_until_exit(step)
        self.check_status(step)

    def keep_output_until_exit(self, step: Step | None) -> None:
        """The rest of the command's output: expected nothing more (unless after `...`).

        The script for this command is over, so its input is ended (EOF),
        as when a person closes the terminal's input: a REPL or a filter
        then exits without a last ``%eof`` line.
        """
        session, command = self.session, self.command
        if session is None or command is None:
            return
        where = step if step is not None else command.step
        if command.on_screen:
            self.wait_for_screen_program(session, where)
            return
        self.drop_echo()
        if not command.input_ended and session.alive:
            with contextlib.suppress(OSError, DriverError):  # it may be exiting already
                session.send_eof()
        try:
            # Until it exits, not until its output ends: a process it left
            # running may hold that open (close() ends the process group).
            session.wait()
        except ExitStatusUnknown:
            pass  # it exited; check_status fails the command for the lost status
        except Timeout as error:
            self.fail(where, f"the program did not finish: {error.message}")
            session.kill()
        rest = session.read_available()
        self.show_output(rest)
        if rest and not command.skipping:
            self.actual_file.keep_output(rest)
            self.fail(where, f"unexpected output: {self.mask(rest)!r}")
        command.skipping = False

    def wait_for_screen_program(self, session: Session[str], where: Step) -> None:
        """A program on a screen exits by the keys it was sent: its input is
        not ended for it (a ^D is a key to it, and it may not take it as the
        end), and what it wrote is not compared: the screen blocks were."""
        assert self.command is not None
        try:
            session.wait()
        except ExitStatusUnknown:
            pass  # it exited; check_status fails the command for the lost status
        except Timeout as error:
            self.fail(
                where,
                f"the program did not finish: {error}\nhint: a program on a screen is not sent"
                " EOF when its lines run out; send the keys that quit it (%key) or %eof",
            )
            session.kill()
        session.read_available()  # escape sequences, drawn on the screen already
        self.command.skipping = False

    def check_status(self, step: Step | None) -> None:
        session, command = self.session, self.command
        if session is None or command is None or command.status_checked:
            return
        command.status_checked = True
        try:
            actual = status_text(session.close(grace=1.0))
        except ExitStatusUnknown as error:  # a failure, whatever was expected
            self.fail(step if step is not None else command.step, str(error))
            self.session = None
            return
        finally:
            self.take_shell_state()
        expected = step.text if step is not None else "0"
        if command.shell_state is not None and actual == SKIP_STATUS != expected:
            # cram's way to skip a test: `command -v foo || exit 80`.
            self.skipped = (
                f"line {command.step.line} (`{shortened(command.step.raw, 80)}`) exited with"
                f" status {SKIP_STATUS}, which skips the file under %shell one"
            )
            self.session = None
            return
        if actual != expected:
            where = step if step is not None else command.step
            self.fail(where, f"expected exit status [{expected}], got [{actual}]")
        self.show(f"[{actual}]")
        if step is not None or actual != "0":
            self.actual_file.keep(f"[{actual}]")
        self.session = None

    def finish_command(self) -> None:
        """Before the next `$` (or at the end): the rest of the output, then the status."""
        if self.session is None:
            return
        if self.command is None or self.command.aborted:
            # It stopped following the script (a timeout, say): its status
            # says only that it was killed here.
            with contextlib.suppress(ExitStatusUnknown):
                self.session.close(grace=0)
            self.session = None
            self.take_shell_state()
            return
        self.keep_output_until_exit(None)
        self.check_status(None)

    def take_shell_state(self) -> None:
        """Under %shell one, what the command's shell left for the lines after it."""
        command = self.command
        if command is not None and command.shell_state is not None:
            self.shell_state.take(command.shell_state, command.env)

    # -- the actual file --

    def actual(self) -> str:
        """The actual file. Output lines are written now, with every secret the
        run came to know (a value captured later shows earlier too): a named
        secret's value as its ``${NAME}`` (so the file still runs), any other
        secret or piece of one as a wildcard."""
        return self.actual_file.text(self.variables.output_line, self.variables.output_rows)

    def final_failures(self) -> list[Failure]:
        """The failures, masked with every secret the run came to know."""
        return [Failure(f.line, f.step, self.mask(f.message)) for f in self.failures]


def _fullmatch(
    pattern: LinePattern, line: str, deadline: Deadline
) -> re.Match[str] | regex.Match[str] | None:
    """``pattern`` matched against the whole ``line``; a regex by ``deadline``
    (TimeoutError after it), as an expect's search."""
    if isinstance(pattern, regex.Pattern):
        return pattern.fullmatch(line, timeout=deadline.search_budget())
    return pattern.fullmatch(line)  # (a literal or glob line: no nested repetition)


#: Why a command that holds a secret does not run on a remote host.
_SECRET_IN_REMOTE_COMMAND = (
    "a %secret value is part of this command (an argument, %env, %cwd, or a variable its"
    " %shell line uses): on a remote host that would show in its process list and logs."
    " Send the secret as input instead (> ${NAME}): it then travels over the channel only"
)

_SHELL_NAME = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


def _names_in(text: str) -> set[str]:
    """The variable names a shell command uses ($NAME, ${NAME})."""
    return set(_SHELL_NAME.findall(text))


def _with_interpreter_scripts(env: dict[str, str]) -> dict[str, str]:
    """``env`` with the running interpreter's directory last on PATH, so that
    console scripts installed beside it run when its venv is not activated."""
    scripts = os.path.dirname(sys.executable)
    path = env.get("PATH", os.defpath)
    if scripts not in path.split(os.pathsep):
        env["PATH"] = f"{path}{os.pathsep}{scripts}" if path else scripts
    return env


def run_file(
    path: Path,
    *,
    variables: Mapping[str, str] | None = None,
    timeout: float | None = None,
    backend: str | None = None,
    log: TextIO | None = None,
    host: Host | str | None = None,
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
        host: run the commands on this host over SSH (``"user@name:port"``
            or a :class:`driver.Host`): ``%require`` looks there, ``${TMPDIR}``
            is a scratch directory made there, ``${PYTHON}`` is its
            ``python3``. A ``%secret`` is sent as input only, never in a
            command line.

    Returns:
        A :class:`FileResult`; its ``skipped`` says why, when a ``%require``
        program is missing.

    Raises:
        SessionFileError: the file cannot run as written (a problem
            :func:`parse` finds, a variable that is not set).
        driver.SpawnError: ``host`` cannot be reached (its scratch directory
            cannot be made).
    """
    started = time.monotonic()
    session_file = parse(path)
    expected = "\n".join(session_file.lines) + "\n"
    remote = _as_host(host)
    where = "" if remote is None else f" on {remote}"
    missing = _missing(session_file.requires, remote)
    if missing:
        reason = f"{', '.join(missing)} not found on PATH{where} (%require)"
        return FileResult(path, [], expected, expected, 0.0, skipped=reason)
    if session_file.document and not session_file.steps:
        blocks = ".. code-block:: session" if path.suffix == ".rst" else "```session, ```console"
        reason = f"no session blocks to run ({blocks})"
        return FileResult(path, [], expected, expected, 0.0, skipped=reason)
    # (A directory of the run's own, for what %shell one keeps between lines.)
    with _scratch(remote) as scratch, tempfile.TemporaryDirectory(prefix="driver-run-") as private:
        values = dict(os.environ)
        values["PYTHON"] = sys.executable if remote is None else "python3"  # where it runs
        values.update(variables or {})
        values["TMPDIR"] = scratch
        values["SESSION_DIR"] = str(path.resolve().parent)  # for programs kept beside it
        overrides = _Settings(timeout=timeout or 0.0, backend=backend or "")
        run = _Run(session_file, values, overrides, log, Path(private), remote)
        try:
            run.run()
        finally:
            if run.session is not None:
                with contextlib.suppress(ExitStatusUnknown):  # released; said where it mattered
                    run.session.close(grace=0.2)
        actual = run.actual().replace(scratch, "${TMPDIR}")
    seconds = time.monotonic() - started
    if run.skipped:  # (what ran before it says nothing, as in cram)
        return FileResult(path, [], expected, expected, seconds, skipped=run.skipped)
    return FileResult(path, run.final_failures(), expected, actual, seconds, run.complete)


def _as_host(host: Host | str | None) -> Host | None:
    if host is None or isinstance(host, Host):
        return host
    return Host.parse(host)


def _missing(programs: list[str], host: Host | None) -> list[str]:
    """The ``%require`` programs not on PATH (on ``host``'s, with one)."""
    if not programs:
        return []
    if host is None:
        return [program for program in programs if shutil.which(program) is None]
    script = 'for p; do command -v "$p" >/dev/null 2>&1 || echo "$p"; done'
    found = run(["sh", "-c", script, "sh", *programs], host=host, backend="pipe")
    return str(found.output).split()


@contextlib.contextmanager
def _scratch(host: Host | None) -> Iterator[str]:
    """A scratch directory for ``${TMPDIR}`` (on ``host``, with one), removed after."""
    if host is None:
        with tempfile.TemporaryDirectory(prefix="driver-") as scratch:
            yield scratch
        return
    made = run(["mktemp", "-d", "/tmp/driver-XXXXXXXX"], host=host, backend="pipe")
    scratch = made.output.strip()
    if made.returncode != 0 or not scratch.startswith("/tmp/driver-"):
        raise SpawnError(f"cannot make a scratch directory on {host}: {made.output.strip()}")
    try:
        yield scratch
    finally:
        with contextlib.suppress(DriverError):
            run(["rm", "-rf", scratch], host=host, backend="pipe")
