"""driver.Repl: run commands in a REPL and get their output back, reliably.

A REPL is driven by its prompts: send a line, wait for the prompt, and what
came before it is the output. Profiles for python, bash, sh, sqlite3 and node
give each REPL a prompt no output can be mistaken for, and turn off colour,
line editing and bracketed paste. The exchange itself is written once, as a
sequence of steps (:func:`_exchange`); :class:`Repl` and :class:`AsyncRepl`
only carry the steps out on a sync or an async session.
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3 as sqlite3_module
import sys
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Union

from ._child import Deadline
from ._core import Match
from ._errors import EOF, DriverError
from .aio import AsyncSession, aspawn
from .session import Session, spawn

_HERE = Path(__file__).resolve().parent

Prompt = Union[str, "re.Pattern[str]"]
#: How a half-entered command is abandoned: a line, EOF, or None for ^C.
Cancel = Union[str, "type[EOF]", None]


class IncompleteCommand(DriverError):
    """The REPL asked for more input after the whole command was sent.

    The command was cancelled (^C, or the REPL's own way) and the REPL is at
    its prompt again.
    """


# -- the exchange, once -------------------------------------------------------


@dataclass(frozen=True)
class _Send:
    line: str


@dataclass(frozen=True)
class _Expect:
    patterns: list[re.Pattern[str]]


@dataclass(frozen=True)
class _Interrupt:
    """Interrupt as Ctrl-C does (the REPL's cancel command, if it has one)."""

    cancel_command: Cancel


_Step = Union[_Send, _Expect, _Interrupt]  # noqa: UP007 (a runtime alias on 3.10)
_Exchange = Generator[_Step, Match[str] | None, str]


def _as_pattern(prompt: Prompt) -> re.Pattern[str]:
    return prompt if isinstance(prompt, re.Pattern) else re.compile(re.escape(prompt))


def _exchange(command: str, repl: _ReplState) -> _Exchange:
    """The steps of one ``run``: each line, then the prompts that answer it."""
    if repl.is_complete is not None and not repl.is_complete(command):
        raise IncompleteCommand(
            f"{command!r} is incomplete: `{repl.name}` would wait for more input; nothing was sent"
        )
    waiting_for = [repl.prompt, repl.continuation_prompt or repl.prompt]
    pending = command.split("\n")
    finished_block = repl.finish_block is None
    output = []
    while pending:
        line = pending.pop(0)
        yield _Send(line)
        found = yield _Expect(waiting_for)
        assert found is not None
        text = found.before
        if repl.echoes and text.startswith(line + "\n"):
            text = text[len(line) + 1 :]
        output.append(text)
        if found.index == 0 or pending:
            continue
        if not finished_block:  # a Python block ends with an empty line
            finished_block = True
            pending.append(str(repl.finish_block))
            continue
        yield _Interrupt(repl.cancel_command)
        yield _Expect([repl.prompt])
        raise IncompleteCommand(
            f"{command!r} is incomplete: `{repl.name}` asked for more input after its"
            " last line; it was cancelled and is ready for the next command"
        )
    return "".join(output).removesuffix("\n")


def _start(repl: _ReplState) -> _Exchange:
    """The steps of starting: the first prompt, the echo probe, the setup lines."""
    yield _Expect([repl.initial_prompt or repl.prompt])
    for line in repl.setup:
        yield _Send(line)
        yield _Expect([repl.prompt])
    # An empty line shows whether the REPL echoes input: echoed, it comes
    # back as a bare newline before the next prompt.
    yield _Send("")
    probe = yield _Expect([repl.prompt])
    assert probe is not None
    repl.echoes = probe.before == "\n"
    return ""


@dataclass
class _ReplState:
    """What a REPL's exchanges need to know about it."""

    name: str
    prompt: re.Pattern[str]
    continuation_prompt: re.Pattern[str] | None
    initial_prompt: re.Pattern[str] | None
    setup: Sequence[str]
    finish_block: str | None
    exit_command: str | None
    cancel_command: Cancel
    is_complete: Callable[[str], bool] | None
    echoes: bool = False


# -- the sync and async shells ----------------------------------------------------


@dataclass
class _Options:
    """How to start a REPL and talk to it (the profiles fill these in)."""

    argv: Sequence[str]
    prompt: Prompt
    continuation_prompt: Prompt | None = None
    initial_prompt: Prompt | None = None
    setup: Sequence[str] = ()
    finish_block: str | None = None
    exit_command: str | None = None
    spawn_options: dict[str, Any] = field(default_factory=dict)
    cancel_command: Cancel = None
    is_complete: Callable[[str], bool] | None = None

    def state(self, name: str) -> _ReplState:
        return _ReplState(
            name=name,
            prompt=_as_pattern(self.prompt),
            continuation_prompt=(
                _as_pattern(self.continuation_prompt) if self.continuation_prompt else None
            ),
            initial_prompt=_as_pattern(self.initial_prompt) if self.initial_prompt else None,
            setup=self.setup,
            finish_block=self.finish_block,
            exit_command=self.exit_command,
            cancel_command=self.cancel_command,
            is_complete=self.is_complete,
        )


class Repl:
    """A REPL driven by its prompts.

    Args:
        command: the program to start (argv list or str), or a running
            :class:`driver.Session` to take over.
        prompt: the prompt that ends every answer: a str, or a compiled regex.
        continuation_prompt: the prompt that asks for the rest of a command.
        initial_prompt: the first prompt, if ``setup`` changes it.
        setup: lines run once after start, their output dropped.
        finish_block: a line that completes a block the REPL still waits on
            (Python's empty line), sent once if the continuation prompt comes
            back after the last line.
        exit_command: what :meth:`close` sends before ending the session.
        cancel_command: a line that abandons a half-entered command, sent
            instead of Ctrl-C (node's ``.break``), or :class:`driver.EOF` to
            end the input there (Python's REPL answers with a SyntaxError and
            its prompt). A ^C sent the moment a prompt appears can be lost
            (a signal that lands before the REPL waits for input wakes
            nothing), so REPLs with another way out use it.
        is_complete: tells whether a command is complete before it is sent;
            an incomplete one raises :class:`IncompleteCommand` unsent.
        **spawn_options: for :func:`driver.spawn`; the backend defaults to
            ``"pty"``.
    """

    def __init__(
        self,
        command: str | Sequence[str] | Session[str],
        *,
        prompt: Prompt,
        continuation_prompt: Prompt | None = None,
        initial_prompt: Prompt | None = None,
        setup: Sequence[str] = (),
        finish_block: str | None = None,
        exit_command: str | None = None,
        cancel_command: Cancel = None,
        is_complete: Callable[[str], bool] | None = None,
        **spawn_options: Any,
    ) -> None:
        if isinstance(command, Session):
            self.session = command
        else:
            spawn_options.setdefault("backend", "pty")
            self.session = spawn(command, **spawn_options)
        options = _Options(
            self.session.argv, prompt, continuation_prompt, initial_prompt, setup,
            finish_block, exit_command, {}, cancel_command, is_complete,
        )  # fmt: skip
        self._state = options.state(os.path.basename(self.session.argv[0]))
        try:
            self._carry_out(_start(self._state), None)
        except BaseException:
            self.session.close(grace=0.2)
            raise

    @property
    def echoes(self) -> bool:
        """Whether the REPL echoes what it is sent (found out at start; the echo is removed)."""
        return self._state.echoes

    def run(self, command: str, timeout: float | None = None) -> str:
        """Run ``command`` (lines joined by ``\\n``) and return its output.

        The output is what the REPL printed between the command and its next
        prompt, without the echo of the command and the trailing newline.

        Raises:
            IncompleteCommand: the REPL still wanted more input after the
                last line; it was cancelled and is usable again.
            driver.EOF: the REPL exited; the error carries its returncode.
            driver.Timeout: no prompt came back within ``timeout``.
        """
        return self._carry_out(_exchange(command, self._state), timeout)

    def _carry_out(self, steps: _Exchange, timeout: float | None) -> str:
        session = self.session
        deadline = Deadline(session.timeout if timeout is None else timeout)
        reply: Match[str] | None = None
        try:
            while True:
                step = steps.send(reply)
                reply = None
                if isinstance(step, _Send):
                    session.send_line(step.line)
                elif isinstance(step, _Expect):
                    reply = session.expect(step.patterns, deadline)
                elif step.cancel_command is EOF:
                    session.send_eof()
                elif isinstance(step.cancel_command, str):
                    session.send_line(step.cancel_command)
                else:
                    session.interrupt()
        except StopIteration as done:
            return str(done.value)

    def close(self, grace: float = 1.0) -> int:
        """Leave the REPL (its exit command, then EOF) and end the session."""
        if self._state.exit_command and self.session.alive:
            try:
                self.session.send_line(self._state.exit_command)
            except DriverError:
                pass
        return self.session.close(grace)

    def __enter__(self) -> Repl:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class AsyncRepl:
    """The asyncio twin of :class:`Repl`: ``async with`` starts it, ``await run()``.

    Takes the arguments of :class:`Repl` (a running :class:`driver.AsyncSession`
    in place of a Session).
    """

    def __init__(
        self,
        command: str | Sequence[str] | AsyncSession[str],
        *,
        prompt: Prompt,
        continuation_prompt: Prompt | None = None,
        initial_prompt: Prompt | None = None,
        setup: Sequence[str] = (),
        finish_block: str | None = None,
        exit_command: str | None = None,
        cancel_command: Cancel = None,
        is_complete: Callable[[str], bool] | None = None,
        **spawn_options: Any,
    ) -> None:
        self._command = command
        self._options = _Options(
            [] if isinstance(command, AsyncSession) else command,
            prompt, continuation_prompt, initial_prompt, setup, finish_block, exit_command,
            spawn_options, cancel_command, is_complete,
        )  # fmt: skip
        self._session: AsyncSession[str] | None = None
        self._state: _ReplState | None = None

    @property
    def session(self) -> AsyncSession[str]:
        """The session under the REPL (once started)."""
        if self._session is None:
            raise DriverError("the REPL is not started: use `async with` or await start()")
        return self._session

    async def start(self) -> AsyncRepl:
        """Start the REPL (``async with`` does this)."""
        if isinstance(self._command, AsyncSession):
            self._session = self._command
        else:
            options = dict(self._options.spawn_options)
            options.setdefault("backend", "pty")
            self._session = await aspawn(self._command, **options)
        self._state = self._options.state(os.path.basename(self._session.argv[0]))
        try:
            await self._carry_out(_start(self._state), None)
        except BaseException:
            await self._session.close(grace=0.2)
            raise
        return self

    async def run(self, command: str, timeout: float | None = None) -> str:
        """Run ``command`` and return its output (see :meth:`Repl.run`)."""
        assert self._state is not None, "start the REPL first"
        return await self._carry_out(_exchange(command, self._state), timeout)

    async def _carry_out(self, steps: _Exchange, timeout: float | None) -> str:
        session = self.session
        deadline = Deadline(session.timeout if timeout is None else timeout)
        reply: Match[str] | None = None
        try:
            while True:
                step = steps.send(reply)
                reply = None
                if isinstance(step, _Send):
                    await session.send_line(step.line)
                elif isinstance(step, _Expect):
                    reply = await session.expect(step.patterns, deadline)
                elif step.cancel_command is EOF:
                    await session.send_eof()
                elif isinstance(step.cancel_command, str):
                    await session.send_line(step.cancel_command)
                else:
                    await session.interrupt()
        except StopIteration as done:
            return str(done.value)

    async def close(self, grace: float = 1.0) -> int:
        """Leave the REPL (its exit command, then EOF) and end the session."""
        session = self.session
        exit_command = self._state.exit_command if self._state else None
        if exit_command and session.alive:
            try:
                await session.send_line(exit_command)
            except DriverError:
                pass
        return await session.close(grace)

    async def __aenter__(self) -> AsyncRepl:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


# -- profiles ---------------------------------------------------------------------


def _prompts() -> tuple[str, str]:
    """A main and a continuation prompt that no program output will contain."""
    token = secrets.token_hex(4)
    return f"[driver {token}]$ ", f"[driver {token}]> "


def _quiet_env(extra: Mapping[str, str], env: Mapping[str, str] | None) -> dict[str, str]:
    """The environment for a profile: no colour, a dumb terminal, no bracketed paste."""
    base = dict(os.environ if env is None else env)
    base.update(NO_COLOR="1", TERM="dumb", INPUTRC=str(_HERE / "repl.inputrc"))
    base.update(extra)
    return base


def _python(env: Mapping[str, str] | None, **spawn_options: Any) -> _Options:
    ps1, ps2 = _prompts()
    extra = {
        "PYTHONSTARTUP": str(_HERE / "_pythonstartup.py"),
        "DRIVER_PS1": ps1,
        "DRIVER_PS2": ps2,
        "PYTHON_BASIC_REPL": "1",  # 3.13's REPL draws with escape sequences
        "PYTHON_COLORS": "0",
    }
    argv = [sys.executable, "-q", "-i"]
    spawn_options["env"] = _quiet_env(extra, env)
    # EOF ends a half-entered statement (a SyntaxError), with no signal to lose.
    return _Options(argv, ps1, ps2, None, (), "", "exit()", spawn_options, cancel_command=EOF)


def _bash(env: Mapping[str, str] | None, **spawn_options: Any) -> _Options:
    ps1, ps2 = _prompts()
    extra = {"PS1": ps1, "PS2": ps2, "PROMPT_COMMAND": "", "HISTFILE": ""}
    argv = ["bash", "--norc", "--noprofile", "--noediting", "-i"]
    spawn_options["env"] = _quiet_env(extra, env)
    return _Options(argv, ps1, ps2, None, (), None, "exit", spawn_options)


def _sh(env: Mapping[str, str] | None, **spawn_options: Any) -> _Options:
    ps1, ps2 = _prompts()
    environment = _quiet_env({"PS1": ps1, "PS2": ps2}, env)
    environment.pop("ENV", None)  # no startup file
    spawn_options["env"] = environment
    return _Options(["sh", "-i"], ps1, ps2, None, (), None, "exit", spawn_options)


def _sqlite3(database: str, env: Mapping[str, str] | None, **spawn_options: Any) -> _Options:
    ps1, ps2 = _prompts()
    argv = ["sqlite3", "-cmd", f".prompt '{ps1}' '{ps2}'", database]
    spawn_options["env"] = _quiet_env({}, env)
    # Ctrl-C does not clear a half-entered statement in sqlite3's shell, so
    # an incomplete one is refused before it is sent.
    return _Options(
        argv, ps1, ps2, None, (), None, ".quit", spawn_options, is_complete=_sql_complete
    )


def _sql_complete(command: str) -> bool:
    """Whether sqlite3 would run ``command`` at once (dot-commands end at their line)."""
    sql = "\n".join(line for line in command.split("\n") if not line.lstrip().startswith("."))
    return not sql.strip() or sqlite3_module.complete_statement(sql)


def _node(env: Mapping[str, str] | None, **spawn_options: Any) -> _Options:
    ps1, _ = _prompts()
    # terminal: false: no line editor, so no echo and no cursor movement.
    # Its continuation prompt is fixed; it comes before any output of the line.
    start = f"require('repl').start({{prompt: {ps1!r}, terminal: false, useColors: false}})"
    argv = ["node", "-e", start]
    spawn_options["env"] = _quiet_env({"NODE_NO_READLINE": "1"}, env)
    continuation = re.compile(r"^\.\.\. ")
    # Without its line editor node dies on Ctrl-C; .break abandons the input.
    return _Options(
        argv, ps1, continuation, None, (), None, ".exit", spawn_options, cancel_command=".break"
    )


def _profile_arguments(options: _Options) -> dict[str, Any]:
    return dict(
        prompt=options.prompt,
        continuation_prompt=options.continuation_prompt,
        finish_block=options.finish_block,
        exit_command=options.exit_command,
        cancel_command=options.cancel_command,
        is_complete=options.is_complete,
        **options.spawn_options,
    )


def _sync(options: _Options) -> Repl:
    return Repl(options.argv, **_profile_arguments(options))


def _async(options: _Options) -> AsyncRepl:
    return AsyncRepl(options.argv, **_profile_arguments(options))


def python(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> Repl:
    """The Python REPL of this interpreter (``sys.executable -q -i``)."""
    return _sync(_python(env, **spawn_options))


def bash(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> Repl:
    """An interactive bash without startup files or line editing."""
    return _sync(_bash(env, **spawn_options))


def sh(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> Repl:
    """An interactive POSIX sh."""
    return _sync(_sh(env, **spawn_options))


def sqlite3(
    database: str = ":memory:", *, env: Mapping[str, str] | None = None, **spawn_options: Any
) -> Repl:
    """The sqlite3 shell on ``database`` (in memory by default)."""
    return _sync(_sqlite3(database, env, **spawn_options))


def node(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> Repl:
    """A Node.js REPL."""
    return _sync(_node(env, **spawn_options))


def apython(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> AsyncRepl:
    """:func:`python` for asyncio: ``async with driver.repl.apython() as py``."""
    return _async(_python(env, **spawn_options))


def abash(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> AsyncRepl:
    """:func:`bash` for asyncio."""
    return _async(_bash(env, **spawn_options))


def ash(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> AsyncRepl:
    """:func:`sh` for asyncio."""
    return _async(_sh(env, **spawn_options))


def asqlite3(
    database: str = ":memory:", *, env: Mapping[str, str] | None = None, **spawn_options: Any
) -> AsyncRepl:
    """:func:`sqlite3` for asyncio."""
    return _async(_sqlite3(database, env, **spawn_options))


def anode(*, env: Mapping[str, str] | None = None, **spawn_options: Any) -> AsyncRepl:
    """:func:`node` for asyncio."""
    return _async(_node(env, **spawn_options))
