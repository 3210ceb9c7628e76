"""driver.Repl and driver.AsyncRepl: the exchanges carried out on a session."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .. import EOF, Deadline, DriverError, Match, Timeout
from .._public import public
from ..aio import AsyncSession, aspawn
from ..session import Session, spawn
from ..terminal import READY_SECONDS
from . import _exchange as exchange
from ._exchange import Cancel, Prompt, ReplState, Responses, as_pattern

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .. import SpawnOptions


class _Common:
    """What Repl and AsyncRepl share: their arguments, checked once."""

    _state: ReplState
    #: The session's input count when the last exchange ended.
    _inputs_seen: int | None = None

    def _notice_inputs(self, inputs: int) -> None:
        """Input sent on the session since the last exchange (a line, ^C) gets
        an answer no run() asked for: the next run must not take it for its own.
        Output alone cannot tell in time: the program may not have woken yet."""
        if self._inputs_seen is not None and inputs != self._inputs_seen:
            self._state.sent_elsewhere = True

    def _configure(
        self,
        name: str,
        prompt: Prompt,
        continuation_prompt: Prompt | None,
        initial_prompt: Prompt | None,
        setup: Sequence[str],
        finish_block: str | None,
        exit_command: str | None,
        cancel_command: Cancel,
        is_complete: Callable[[str], bool] | None,
        sync_command: Callable[[str], str] | None,
        echoes: bool | None,
        responses: Responses | None,
        after_interrupt: str | None,
    ) -> None:
        self._exit_command = exit_command
        self._state = ReplState(
            name=name,
            prompt=as_pattern(prompt),
            continuation_prompt=as_pattern(continuation_prompt) if continuation_prompt else None,
            initial_prompt=None if initial_prompt is None else as_pattern(initial_prompt),
            setup=tuple(setup),
            finish_block=finish_block,
            cancel_command=cancel_command,
            is_complete=is_complete,
            sync_command=sync_command,
            echoes=echoes,
            after_interrupt=after_interrupt,
        )
        # Checked before anything starts; a Secret shows as its masked repr.
        exchange.check_responses(responses, lambda answer: answer)
        if responses and initial_prompt == "":
            raise ValueError(
                "responses= answers questions before the first prompt, but with"
                " initial_prompt='' the setup is sent at once (a session taken over):"
                " answer them on the session before handing it over"
            )
        self._responses = responses

    @staticmethod
    def _take_over(session: Session[str] | AsyncSession[str], options: SpawnOptions) -> None:
        """A running session takes the REPL's ``timeout``; the options that
        start a program come too late for it."""
        starting = sorted(set(options) - {"timeout"})
        if starting:
            raise TypeError(
                f"a REPL given a running session takes no {', '.join(starting)}: those"
                " options start a program; give them to driver.spawn() (or aspawn()),"
                " which started the session. timeout= is the only one it takes."
            )
        if "timeout" in options:
            session.timeout = options["timeout"]

    @staticmethod
    def _spawn_options(options: SpawnOptions) -> SpawnOptions:
        """Where a REPL's options differ from spawn's."""
        # A byte that does not decode shows as an escape (\\xff) rather than
        # stop every later run at the same DecodeError.
        return {"backend": "pty", "errors": "backslashreplace", **options}

    @property
    def echoes(self) -> bool:
        """Whether the REPL echoes what it is sent (the echo is removed)."""
        return bool(self._state.echoes)

    @property
    def in_step(self) -> bool:
        """Whether the REPL is known to be at its prompt, ready for a command.

        False after a run was interrupted (a timeout, a cancellation): the
        next :meth:`run` first brings it back (see :meth:`interrupt`).
        """
        return self._state.in_step


def _entries(step: exchange.Expect, deadline: Deadline) -> tuple[list[Any], float | Deadline]:
    """What to expect for ``step``: a wait shorter than the deadline ends in a
    TIMEOUT entry (None for the exchange), the deadline in a Timeout error."""
    if step.within is None or deadline.remaining() <= step.within:
        return list(step.patterns), deadline
    return [*step.patterns, Timeout], step.within


def _reply(step: exchange.Expect, found: Match[str]) -> Match[str] | None:
    return None if found.index == len(step.patterns) else found


_ARGS_DOC = """
    Args:
        command: the program to start (argv list or str), or a running
            session to take over.
        prompt: the prompt that ends every answer: a str, or a compiled regex.
            Make it one no output can hold (the profiles do): one that
            shows inside an output raises :class:`OutOfStep`.
        continuation_prompt: the prompt that asks for the rest of a command.
        initial_prompt: the first prompt, if ``setup`` changes it; ``""`` to
            send ``setup`` at once (a first prompt not known in advance).
        setup: lines run once after start, their output dropped.
        finish_block: a line that completes a block the REPL still waits on
            (Python's empty line), sent once if the continuation prompt comes
            back after the last line.
        exit_command: what :meth:`close` sends before ending the session.
        cancel_command: a line that abandons a half-entered command, sent
            instead of Ctrl-C (node's ``.break``), or :class:`driver.EOF` to
            end the input there (Python's REPL answers with a SyntaxError).
        is_complete: tells whether a command is complete before it is sent;
            an incomplete one raises :class:`IncompleteCommand` unsent.
        sync_command: given a token, a line the REPL answers by printing the
            token, whose own text does not hold it (for Python,
            ``lambda t: f"print({t[:5]!r} {t[5:]!r})"``). It is how the REPL
            is brought back in step after an interrupted run, and how its
            echo is found out at start. Without one, a REPL whose run was
            interrupted raises :class:`OutOfStep` until :meth:`interrupt`.
        echoes: whether the REPL echoes each line; None finds out (from the
            sync command, else from the first command's reply).
        responses: answers to questions the program asks before its first
            prompt (a password: give a :class:`driver.Secret`), as for
            :meth:`run`.
        after_interrupt: a line sent right after each ^C, for a REPL that
            acts on ^C only once its next line comes, and drops that line
            (zsh without its line editor: ``""``).
        **options: the options of :func:`driver.spawn`
            (:class:`driver.SpawnOptions`), with two defaults of a REPL's
            own: ``backend="pty"`` and ``errors="backslashreplace"`` (and,
            as everywhere, ``quiet=True``: a dumb terminal, no colour, no
            bracketed paste). With a running session, only ``timeout``
            (which becomes the session's); the others started it.
"""


@public
class Repl(_Common):
    """A REPL driven by its prompts: ``run(command)`` returns that command's
    output, or raises.
    """

    __doc__ = (__doc__ or "") + _ARGS_DOC

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
        sync_command: Callable[[str], str] | None = None,
        echoes: bool | None = None,
        responses: Responses | None = None,
        after_interrupt: str | None = None,
        **options: Unpack[SpawnOptions],
    ) -> None:
        name = command.argv[0] if isinstance(command, Session) else _program(command)
        self._configure(
            os.path.basename(name), prompt, continuation_prompt, initial_prompt, setup,
            finish_block, exit_command, cancel_command, is_complete, sync_command, echoes,
            responses, after_interrupt,
        )  # fmt: skip
        self.session: Session[str]
        if isinstance(command, Session):
            self._take_over(command, options)
            self.session = command
        else:
            self.session = spawn(command, **self._spawn_options(options))
        self._state.mask = self.session.mask
        try:
            self._carry_out(exchange.start(self._state, self._responses), None)
        except BaseException:
            self.session.close(grace=0.2)
            raise

    def run(
        self,
        command: str,
        timeout: float | Deadline | None = None,
        *,
        responses: Responses | None = None,
    ) -> str:
        """Run ``command`` (lines joined by ``\\n``) and return its output.

        Args:
            command: one or more lines; a :class:`driver.Secret` is sent as
                a secret.
            timeout: seconds for the whole command (None: the session's
                timeout), or a :class:`driver.Deadline`.
            responses: answers to questions the command asks on the way (a
                regex to an answer, or to a list of answers used in order, as
                in :func:`driver.run`); the questions stay in the output.

        Returns:
            What the REPL printed between the command and its next prompt,
            without the echo of the command and the trailing newline.

        Raises:
            IncompleteCommand: the REPL still wanted more input after the
                last line; it was cancelled (or, where the profile can tell
                beforehand, never sent) and is usable again.
            OutOfStep: an earlier run was interrupted and the REPL could not
                be brought back to its prompt, or it has no ``sync_command``
                to find out; the prompt showed inside the output (text
                followed it); without a ``sync_command``, the REPL printed,
                or was sent on :attr:`session`, something since its last
                answer (with one, it is brought back in step first).
            driver.EOF: the REPL exited; the error carries its returncode.
            driver.Timeout: no prompt came back within ``timeout``; the next
                run interrupts the command first.
            ValueError: the command or an answer holds a control character
                a terminal acts on (a lone ``\\r``, ^C...).
        """
        return self._carry_out(exchange.run(command, self._state, responses), timeout)

    def interrupt(self, timeout: float | Deadline | None = None) -> None:
        """Interrupt what the REPL is doing (^C) and bring it back in step now.

        Args:
            timeout: as for :meth:`run`.

        Raises:
            OutOfStep: the REPL did not come back to its prompt after
                repeated interrupts.
        """
        self._carry_out(exchange.resync(self._state), timeout)
        self._state.in_step = True

    def _carry_out(self, steps: exchange.Exchange, timeout: float | Deadline | None) -> str:
        session = self.session
        deadline = session.deadline(timeout)
        reply: exchange.Reply = None
        ended: EOF | None = None
        self._notice_inputs(session.inputs)
        try:
            while True:
                # The exchange gets an EOF: it knows what ended the REPL.
                step = steps.send(reply) if ended is None else steps.throw(ended)
                reply, ended = None, None
                try:
                    if isinstance(step, exchange.Send):
                        if step.at_prompt:
                            _until_ready(session, deadline)
                        session.send_line(step.line)
                    elif isinstance(step, exchange.Expect):
                        entries, wait = _entries(step, deadline)
                        reply = _reply(step, session.expect(entries, wait))
                    elif isinstance(step, exchange.Take):
                        if step.ready:
                            _until_ready(session, deadline)
                        reply = _take(session, step)
                    elif step.cancel_command is EOF:
                        session.send_eof()
                    elif isinstance(step.cancel_command, str):
                        session.send_line(step.cancel_command)
                    else:
                        session.interrupt()
                except EOF as error:
                    ended = error
        except StopIteration as done:
            return str(done.value)
        finally:
            self._inputs_seen = session.inputs

    def close(self, grace: float = 1.0) -> int:
        """Leave the REPL (its exit command, then EOF) and end the session.

        Args:
            grace: as for :meth:`driver.Session.close`.

        Returns:
            The REPL's returncode.
        """
        if self._exit_command and self.session.alive:
            try:
                self.session.send_line(self._exit_command)
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


@public
class AsyncRepl(_Common):
    """The asyncio twin of :class:`Repl`.

    ``async with`` starts it (or ``await repl.start()``); ``await repl.run(command)``.
    """

    __doc__ = (__doc__ or "") + _ARGS_DOC

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
        sync_command: Callable[[str], str] | None = None,
        echoes: bool | None = None,
        responses: Responses | None = None,
        after_interrupt: str | None = None,
        **options: Unpack[SpawnOptions],
    ) -> None:
        self._command = command
        name = command.argv[0] if isinstance(command, AsyncSession) else _program(command)
        self._configure(
            os.path.basename(name), prompt, continuation_prompt, initial_prompt, setup,
            finish_block, exit_command, cancel_command, is_complete, sync_command, echoes,
            responses, after_interrupt,
        )  # fmt: skip
        self._options: SpawnOptions = options
        if isinstance(command, AsyncSession):
            self._take_over(command, options)
            self._options = {}
        self._session: AsyncSession[str] | None = None

    @property
    def session(self) -> AsyncSession[str]:
        """The session under the REPL; a :class:`driver.DriverError` until it is started."""
        if self._session is None:
            raise DriverError("the REPL is not started: use `async with` or await start()")
        return self._session

    async def start(self) -> AsyncRepl:
        """Start the REPL (``async with`` does this).

        Returns:
            The REPL itself, started and at its prompt.

        Raises:
            driver.SpawnError: the program cannot start.
            driver.Timeout: its first prompt did not come in time.
            driver.EOF: it exited before its first prompt.
        """
        if isinstance(self._command, AsyncSession):
            self._session = self._command
        else:
            self._session = await aspawn(self._command, **self._spawn_options(self._options))
        self._state.mask = self._session.mask
        try:
            await self._carry_out(exchange.start(self._state, self._responses), None)
        except BaseException:
            await self._session.close(grace=0.2)
            raise
        return self

    async def run(
        self,
        command: str,
        timeout: float | Deadline | None = None,
        *,
        responses: Responses | None = None,
    ) -> str:
        """Run ``command`` and return its output (see :meth:`Repl.run`).

        Args:
            command: as for :meth:`Repl.run`.
            timeout: as for :meth:`Repl.run`.
            responses: as for :meth:`Repl.run`.

        Returns:
            What the REPL printed between the command and its next prompt.

        Raises:
            IncompleteCommand: as for :meth:`Repl.run`.
            OutOfStep: as for :meth:`Repl.run`.
            driver.EOF: the REPL exited.
            driver.Timeout: no prompt came back within ``timeout``.
        """
        return await self._carry_out(exchange.run(command, self._state, responses), timeout)

    async def interrupt(self, timeout: float | Deadline | None = None) -> None:
        """Interrupt what the REPL is doing and bring it back in step now.

        Args:
            timeout: as for :meth:`Repl.run`.

        Raises:
            OutOfStep: the REPL did not come back to its prompt.
        """
        await self._carry_out(exchange.resync(self._state), timeout)
        self._state.in_step = True

    async def _carry_out(self, steps: exchange.Exchange, timeout: float | Deadline | None) -> str:
        session = self.session
        deadline = session.deadline(timeout)
        reply: exchange.Reply = None
        ended: EOF | None = None
        self._notice_inputs(session.inputs)
        try:
            while True:
                # The exchange gets an EOF: it knows what ended the REPL.
                step = steps.send(reply) if ended is None else steps.throw(ended)
                reply, ended = None, None
                try:
                    if isinstance(step, exchange.Send):
                        if step.at_prompt:
                            await _until_ready_async(session, deadline)
                        await session.send_line(step.line)
                    elif isinstance(step, exchange.Expect):
                        entries, wait = _entries(step, deadline)
                        reply = _reply(step, await session.expect(entries, wait))
                    elif isinstance(step, exchange.Take):
                        if step.ready:
                            await _until_ready_async(session, deadline)
                        reply = _take(session, step)
                    elif step.cancel_command is EOF:
                        await session.send_eof()
                    elif isinstance(step.cancel_command, str):
                        await session.send_line(step.cancel_command)
                    else:
                        await session.interrupt()
                except EOF as error:
                    ended = error
        except StopIteration as done:
            return str(done.value)
        finally:
            self._inputs_seen = session.inputs

    async def close(self, grace: float = 1.0) -> int:
        """Leave the REPL (its exit command, then EOF) and end the session.

        Args:
            grace: as for :meth:`driver.Session.close`.

        Returns:
            The REPL's returncode.
        """
        session = self.session
        if self._exit_command and session.alive:
            try:
                await session.send_line(self._exit_command)
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


def _take(session: Session[str] | AsyncSession[str], step: exchange.Take) -> str:
    if step.read_in:
        return session.read_available()
    taken = session.unconsumed
    if taken:
        session.unconsumed = ""
    return taken


def _program(command: str | Sequence[str]) -> str:
    if isinstance(command, str):
        return command.split()[0] if command.split() else command
    return command[0] if command else ""


def _ready_within(deadline: Deadline) -> float:
    return min(READY_SECONDS, deadline.remaining())


def _until_ready(session: Session[str], deadline: Deadline) -> None:
    """On a terminal, wait until the REPL reads (or waits on fds) before a line
    goes: a prompt can show before the program has set its terminal up, and
    a line that comes sooner is echoed into the answer. A pipe has no such
    moment: what is written waits in it, whoever reads."""
    if session.has_terminal and deadline.remaining() > 0:
        session.wait_until_idle(_ready_within(deadline))


async def _until_ready_async(session: AsyncSession[str], deadline: Deadline) -> None:
    """:func:`_until_ready` on an async session."""
    if session.has_terminal and deadline.remaining() > 0:
        await session.wait_until_idle(_ready_within(deadline))
