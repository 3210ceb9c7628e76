"""AsyncSession: the asyncio shell. Its engine carries out the policy's steps on the loop.

The child's fds are watched by the running event loop (``add_reader`` /
``add_writer``); its exit by a pidfd on the loop too, so no thread is started
per session and the loop's child-watcher policy is left alone. Output read by
the loop's callbacks goes straight into the core buffer, so cancelling a
wait loses nothing: the next read starts at the first unconsumed character.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import math
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, AnyStr, Literal, TypeVar, overload

import regex

from . import _policy as policy
from ._core import Match
from ._deadline import TimeoutArg
from ._errors import EOF, DriverError, ExitStatusUnknown
from ._options import SpawnOptions, resolve
from ._patterns import ExactPatternArg, PatternArg
from ._policy import Steps, Wait
from ._public import public
from ._session_base import ReaderBase, SessionBase
from ._state import SessionState, start_async

#: pytest shows a failure from the caller's line, without this module's frames.
__tracebackhide__ = True

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

T = TypeVar("T")


class AsyncEngine:
    """Carries out policy steps for one session on an asyncio loop.

    Output fds stay registered with the loop while someone waits and for at
    most one read beyond, so a child nobody is reading from meets the same
    back-pressure as with the sync session.
    """

    def __init__(self, state: SessionState, loop: asyncio.AbstractEventLoop) -> None:
        self._state = state
        #: The event loop the session lives on.
        self.loop = loop
        self._streams = {fd: name for name, fd in state.backend.output_fds.items()}
        self._reading: set[int] = set()
        self._waiters: list[asyncio.Future[None]] = []
        # One timer per session, armed for the earliest deadline any wait
        # asked for and left armed between waits: arming and cancelling one
        # per wait would cost more than the rest of a round trip. A waiter it
        # wakes early checks its own deadline and waits again.
        self._timer: asyncio.TimerHandle | None = None
        # How many waits want each extra (writing?, fd) watched.
        self._extra: dict[tuple[bool, int], int] = {}
        #: Held while a send writes, so each send reaches the child whole.
        self.writing: asyncio.Lock = asyncio.Lock()

    async def run(self, steps: Steps[T]) -> T:
        """Carry out ``steps`` to their end; their result."""
        reply: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = steps.send(reply) if error is None else steps.throw(error)
            except StopIteration as done:
                return done.value  # type: ignore[no-any-return]
            except DriverError as failure:
                # driver's own report reads from the public call that failed:
                # the policy's and engine's frames say nothing to the caller.
                raise failure.with_traceback(None)  # noqa: B904 (the same error, its cause kept)
            error = None
            try:
                if isinstance(step, Wait):
                    reply = await self.pump(step)
                else:
                    reply = step.function(step.argument)
                    if inspect.isawaitable(reply):
                        reply = await reply
            except BaseException as exc:  # the policy may have cleaning up to do
                error = exc

    # -- loop callbacks ---------------------------------------------------

    def _on_readable(self, fd: int) -> None:
        data = self._state.backend.read(fd)
        if data is None:
            return
        self._state.on_output(self._streams[fd], data)
        if not data or not self._waiters:
            self._stop_reading(fd)  # at EOF, or read ahead enough for now
        self._wake()

    def _on_timer(self) -> None:
        self._timer = None
        self._wake()

    def _arm_timer(self, when: float) -> None:
        timer = self._timer
        if timer is None or timer.when() > when:
            if timer is not None:
                timer.cancel()
            self._timer = self.loop.call_at(when, self._on_timer)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _start_reading(self) -> None:
        for fd, stream in self._streams.items():
            if fd not in self._reading and not self._state.buffers[stream].eof:
                self.loop.add_reader(fd, self._on_readable, fd)
                self._reading.add(fd)

    def _stop_reading(self, fd: int) -> None:
        if fd in self._reading:
            self.loop.remove_reader(fd)
            self._reading.discard(fd)

    def release(self) -> None:
        for fd in list(self._reading):
            self._stop_reading(fd)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake()

    # -- waiting ----------------------------------------------------------

    async def pump(self, step: Wait) -> bool:
        """Wait for the next output or event of ``step`` until its deadline.

        Returns False once the deadline has passed.
        """
        remaining = step.deadline - time.monotonic()
        if remaining <= 0:
            return False
        if len(self._reading) < self._state.open_outputs:
            self._start_reading()
        if remaining != math.inf:
            self._arm_timer(self.loop.time() + remaining)
        extra = self._watch_extra(step)
        waiter = self.loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter.cancelled() and waiter in self._waiters:
                self._waiters.remove(waiter)  # the wake-up list must not keep it
            self._unwatch_extra(extra)
        return time.monotonic() < step.deadline

    def _watch_extra(self, step: Wait) -> list[tuple[bool, int]]:
        """Register what ``step`` also waits for; what to unregister after."""
        extra = []
        input_fd = self._state.backend.input_fd
        if step.writing and input_fd is not None:
            extra.append((True, input_fd))
        exit_fd = self._state.process.exit_fd
        for fd in (*step.fds, *((exit_fd,) if step.exiting and exit_fd is not None else ())):
            extra.append((False, fd))
        for watch in extra:
            # Several waits may want the same fd (two tasks awaiting the exit):
            # it is registered for the first and unregistered after the last.
            self._extra[watch] = self._extra.get(watch, 0) + 1
            if self._extra[watch] == 1:
                writing, fd = watch
                (self.loop.add_writer if writing else self.loop.add_reader)(fd, self._wake)
        return extra

    def _unwatch_extra(self, extra: list[tuple[bool, int]]) -> None:
        for watch in extra:
            self._extra[watch] -= 1
            if not self._extra[watch]:
                del self._extra[watch]
                writing, fd = watch
                (self.loop.remove_writer if writing else self.loop.remove_reader)(fd)


@public
class AsyncReader(ReaderBase[AnyStr]):
    """Reads one output stream of an async session; the async twin of :class:`driver.Reader`."""

    def __init__(self, state: SessionState, stream: str, engine: AsyncEngine) -> None:
        super().__init__(state, stream)
        self._engine = engine

    async def read_line(self, timeout: TimeoutArg = None) -> AnyStr:
        """The next line of output, without its newline.

        Args:
            timeout: as for :meth:`driver.Reader.read_line`.

        Returns:
            The line.

        Raises:
            driver.Timeout: as for :meth:`driver.Reader.read_line`.
            driver.EOF: as for :meth:`driver.Reader.read_line`.
        """
        return await self._engine.run(self._read_line_steps(timeout))

    async def read(self, timeout: TimeoutArg = None) -> AnyStr:
        """Everything up to EOF (the child closing its output).

        Args:
            timeout: as for :meth:`driver.Reader.read_line`.

        Returns:
            The output not yet consumed, up to EOF.

        Raises:
            driver.Timeout: as for :meth:`driver.Reader.read`.
        """
        return await self._engine.run(self._read_steps(timeout))

    async def read_some(self, limit: int = 1 << 16, timeout: TimeoutArg = None) -> AnyStr:
        """Output as it comes, up to ``limit`` characters, waiting only until something has.

        Args:
            limit: as for :meth:`driver.Reader.read_some`.
            timeout: as for :meth:`driver.Reader.read_line`.

        Returns:
            At least one character, at most ``limit``.

        Raises:
            driver.Timeout: as for :meth:`driver.Reader.read_some`.
            driver.EOF: as for :meth:`driver.Reader.read_some`.
        """
        return await self._engine.run(self._read_some_steps(limit, timeout))

    async def expect(
        self,
        pattern: PatternArg[AnyStr] | Mapping[Any, Any],
        timeout: TimeoutArg = None,
        *,
        window: int | None = None,
    ) -> Match[AnyStr]:
        """Wait for a regex or any of a list of them.

        Args:
            pattern: as for :meth:`driver.Reader.expect`.
            timeout: as for :meth:`driver.Reader.read_line`.
            window: as for :meth:`driver.Reader.expect`.

        Returns:
            The :class:`driver.Match`.

        Raises:
            driver.Timeout: as for :meth:`driver.Reader.expect`.
            driver.EOF: as for :meth:`driver.Reader.expect`.
        """
        return await self._engine.run(self._expect_steps(pattern, timeout, False, window))

    async def expect_exact(
        self,
        text: ExactPatternArg[AnyStr] | Mapping[Any, Any],
        timeout: TimeoutArg = None,
        *,
        window: int | None = None,
    ) -> Match[AnyStr]:
        """Like :meth:`expect`, for literal strings (no regex syntax).

        Args:
            text: as for :meth:`driver.Reader.expect_exact`.
            timeout: as for :meth:`driver.Reader.read_line`.
            window: as for :meth:`driver.Reader.expect`.

        Returns:
            The :class:`driver.Match`.

        Raises:
            driver.Timeout: as for :meth:`driver.Reader.expect`.
            driver.EOF: as for :meth:`driver.Reader.expect`.
        """
        return await self._engine.run(self._expect_steps(text, timeout, True, window))

    async def dispatch(
        self, handlers: Mapping[Any, Any], timeout: TimeoutArg = None, *, exact: bool = False
    ) -> Match[AnyStr]:
        """A Tcl-style dialogue (see :meth:`driver.Reader.dispatch`).

        Args:
            handlers: as for :meth:`driver.Reader.dispatch`; a handler may
                also be a coroutine function.
            timeout: one deadline for the whole dialogue.
            exact: the patterns are literal strings.

        Returns:
            The :class:`driver.Match` that ended the dialogue.
        """
        return await self._engine.run(self._dispatch_steps(handlers, timeout, exact))

    def __aiter__(self) -> AsyncIterator[AnyStr]:
        return self

    async def __anext__(self) -> AnyStr:
        try:
            return await self.read_line()
        except EOF:
            raise StopAsyncIteration from None


@public
class AsyncSession(AsyncReader[AnyStr], SessionBase[AnyStr]):
    """A running child driven from asyncio. Create it with :func:`driver.aspawn`.

    The same semantics as :class:`driver.Session`; the methods that wait are
    coroutines. Many sessions share one event loop without a thread each.
    """

    _kind = "AsyncSession"

    def __init__(
        self, state: SessionState, loop: asyncio.AbstractEventLoop, *, owner: bool = True
    ) -> None:
        engine = AsyncEngine(state, loop)
        super().__init__(state, "stdout", engine)
        self._owner = owner
        #: Reader of the child's stderr with ``stderr="pipe"``, else None.
        self.stderr: AsyncReader[AnyStr] | None = (
            AsyncReader(state, "stderr", engine) if "stderr" in state.buffers else None
        )

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The event loop the session was started on, and waits on."""
        return self._engine.loop

    # -- sending ----------------------------------------------------------

    async def _write(self, steps: Steps[None]) -> None:
        async with self._engine.writing:  # one send at a time reaches the child
            await self._engine.run(steps)

    async def send(self, text: AnyStr, *, secret: bool = False) -> None:
        """Send ``text`` as is; returns once the child's input took every byte.

        Concurrent sends from several tasks each reach the child whole.
        Cancelled while it waits its turn, it sends nothing; cancelled
        part-way, it leaves the input torn (see :attr:`torn_input`).

        Args:
            text: as for :meth:`driver.Session.send`.
            secret: never show the text (it shows as ``********``), even if
                the child echoes it.

        Raises:
            driver.Timeout: the child stopped reading its input.
            driver.EOF: the child's input is closed.
            driver.InputTorn: an earlier send was interrupted part-way and
                not yet accepted (:meth:`accept_torn_input`).
        """
        await self._write(policy.write(self._state, self._state.outgoing(text, secret=secret)))

    async def send_line(self, text: AnyStr | Literal[""] = "", *, secret: bool = False) -> None:
        """Send ``text`` and a newline.

        Args:
            text: as for :meth:`send`; empty sends a bare newline.
            secret: as for :meth:`send`.

        Raises:
            driver.Timeout: as for :meth:`send`.
            driver.EOF: as for :meth:`send`.
            driver.InputTorn: as for :meth:`send`.
        """
        data = self._state.outgoing(text, b"\n", secret=secret)
        await self._write(policy.write(self._state, data))

    async def send_eof(self) -> None:
        """End the child's input: pipe: close its stdin; pty: the EOF character (^D)."""
        await self._write(policy.send_eof(self._state))

    async def send_control(self, char: str) -> None:
        """Send Ctrl-``char``; on the pipe backend only ``"d"`` (closes stdin).

        Args:
            char: as for :meth:`driver.Session.send_control`.

        Raises:
            driver.DriverError: on the pipe backend, any ``char`` but ``"d"``.
        """
        await self._write(policy.control(self._state, char))

    async def interrupt(self) -> None:
        """Interrupt the child as Ctrl-C would: pty: ^C; pipe: SIGINT to its process group."""
        await self._write(policy.interrupt(self._state))

    async def wait_echo_off(self, timeout: TimeoutArg = None) -> None:
        """Wait until the child turns the terminal's echo off (see the sync twin).

        Args:
            timeout: as for :meth:`driver.Reader.read_line`.

        Raises:
            driver.Timeout: echo was still on at the deadline.
        """
        await self._engine.run(policy.echo_off(self._state, self.deadline(timeout)))

    # -- lifecycle --------------------------------------------------------

    async def expect_screen(
        self,
        pattern: str | re.Pattern[str],
        timeout: TimeoutArg = None,
        *,
        region: tuple[int, int, int, int] | None = None,
        exact: bool = False,
    ) -> regex.Match[str]:
        """Wait until the screen shows ``pattern``; see :meth:`driver.Session.expect_screen`."""
        steps = policy.expect_screen(
            self._state, pattern, self.deadline(timeout), region=region, exact=exact
        )
        return await self._engine.run(steps)

    async def settle(self, quiet: float = 0.1, timeout: TimeoutArg = None) -> None:
        """Wait until the output pauses; see :meth:`driver.Session.settle`."""
        await self._engine.run(policy.settle(self._state, quiet, self.deadline(timeout)))

    async def send_key(self, *names: str) -> None:
        """Press keys by name; see :meth:`driver.Session.send_key`."""
        await self._write(policy.write(self._state, self._state.key_bytes(names)))

    async def wait_until_idle(self, timeout: TimeoutArg = None) -> bool | None:
        """Wait until the child is ready for input; see :meth:`driver.Session.wait_until_idle`."""
        seen = policy.idle_now(self._state)  # most often it is: no deadline, no steps
        if seen is not False:
            return seen
        return await self._engine.run(policy.until_idle(self._state, self.deadline(timeout)))

    async def wait(self, timeout: TimeoutArg = None) -> int:
        """Wait for the child to exit. Output keeps being read meanwhile.

        Args:
            timeout: as for :meth:`driver.Reader.read_line`.

        Returns:
            The child's returncode (``-N`` for signal N).

        Raises:
            driver.Timeout: the child was still running at the deadline.
        """
        return await self._engine.run(policy.wait(self._state, self.deadline(timeout)))

    async def close(self, grace: float = 1.0) -> int:
        """End the child and release everything (see :meth:`driver.Session.close`).

        Cancelled (``asyncio.wait_for``, a task cancelled), it kills the group
        and reaps the child before the cancellation goes on.

        Args:
            grace: seconds to wait before each signal (0 or more).

        Returns:
            The child's returncode (``-N`` for signal N).
        """
        return await self._engine.run(policy.close(self._state, grace, self._release_engine))

    def _release_engine(self) -> None:
        # The loop may be closed already (waking a waiter then raises
        # RuntimeError): unregistering is best effort, the kill is not.
        with contextlib.suppress(RuntimeError):
            self._engine.release()

    async def __aenter__(self) -> AsyncSession[AnyStr]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with contextlib.suppress(ExitStatusUnknown):  # everything is released; no one asked
            await self.close()


@overload
async def aspawn(
    argv: str | Sequence[str], *, encoding: str = ..., **options: Unpack[SpawnOptions]
) -> AsyncSession[str]: ...
@overload
async def aspawn(
    argv: str | Sequence[str], *, encoding: None, **options: Unpack[SpawnOptions]
) -> AsyncSession[bytes]: ...
async def aspawn(
    argv: str | Sequence[str],
    *,
    encoding: str | None = "utf-8",
    **options: Unpack[SpawnOptions],
) -> AsyncSession[Any]:
    """Start ``argv`` and return an :class:`AsyncSession` on the running loop.

    Starting the child (fork and exec) is the only step that runs on the
    loop without awaiting; it takes about half a millisecond on a pipe and a
    few on a pty. On a ``host``, the connection and the channel are awaited
    (the SSH work runs on a thread of driver's own).

    Args:
        argv: as for :func:`driver.spawn`.
        encoding: as for :func:`driver.spawn`.
        **options: as for :func:`driver.spawn`: see :class:`driver.SpawnOptions`.

    Returns:
        The running session, an ``AsyncSession[str]``, or an
        ``AsyncSession[bytes]`` with ``encoding=None``.

    Raises:
        driver.SpawnError: the program cannot start.
        RuntimeError: no event loop is running.
        ValueError: a bad option value, before anything starts.
        TypeError: an option of the wrong type, before anything starts.
    """
    loop = asyncio.get_running_loop()  # first: without a loop, nothing starts
    state = await start_async(argv, encoding, resolve(encoding, options, entry="aspawn"))
    return AsyncSession(state, loop)
