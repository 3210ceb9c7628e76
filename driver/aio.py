"""AsyncSession: the asyncio shell over the same core and backends.

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
import os
import signal
import warnings
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, TextIO, TypeVar

from ._child import AT_EOF, CONTINUE, ECHO_POLL_SECONDS, KEEP_WAITING, Child, Text, Waiting
from ._core import Match, OutputBuffer, Search
from ._errors import EOF
from ._patterns import describe

T = TypeVar("T")

# Without a pidfd the exit of a child shows on no fd, so waiting for it
# polls waitpid this often (only in wait/close).
_EXIT_POLL_SECONDS = 0.01


class _AsyncLoop:
    """The asyncio engine of one session: loop callbacks move bytes, waits await them.

    Output fds stay registered with the loop while someone waits and for at
    most one read beyond, so a child nobody is reading from meets the same
    back-pressure as with the sync session.
    """

    def __init__(self, child: Child, loop: asyncio.AbstractEventLoop) -> None:
        self.child = child
        self._loop = loop
        self._streams = {fd: name for name, fd in child.backend.output_fds.items()}
        self._reading: set[int] = set()
        self._waiters: list[asyncio.Future[None]] = []
        # One timer per session, armed for the earliest deadline any wait
        # asked for and left armed between waits: arming and cancelling one
        # per wait would cost more than the rest of a round trip. A waiter it
        # wakes early checks its own deadline and waits again.
        self._timer: asyncio.TimerHandle | None = None

    def now(self) -> float:
        """The event loop's clock, which every deadline here is measured on."""
        return self._loop.time()

    # -- loop callbacks ---------------------------------------------------

    def _on_readable(self, fd: int) -> None:
        data = self.child.backend.read(fd)
        if data is None:
            return
        self.child.on_output(self._streams[fd], data)
        if not data or not self._waiters:
            self._stop_reading(fd)  # at EOF, or read ahead enough for now
        self._wake()

    def _on_timer(self) -> None:
        self._timer = None
        self._wake()

    def _arm_timer(self, deadline: float) -> None:
        timer = self._timer
        if timer is None or timer.when() > deadline:
            if timer is not None:
                timer.cancel()
            self._timer = self._loop.call_at(deadline, self._on_timer)

    def _wake(self) -> None:
        waiters, self._waiters = self._waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def _start_reading(self) -> None:
        for fd, stream in self._streams.items():
            if fd not in self._reading and not self.child.buffers[stream].eof:
                self._loop.add_reader(fd, self._on_readable, fd)
                self._reading.add(fd)

    def _stop_reading(self, fd: int) -> None:
        if fd in self._reading:
            self._loop.remove_reader(fd)
            self._reading.discard(fd)

    def stop_all(self) -> None:
        for fd in list(self._reading):
            self._stop_reading(fd)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake()

    # -- waiting ----------------------------------------------------------

    async def pump(self, deadline: float) -> bool:
        """Wait for the next output (or a registered event) until ``deadline``.

        Returns False once the deadline has passed.
        """
        if self._loop.time() >= deadline:
            return False
        if len(self._reading) < self.child.open_outputs:
            self._start_reading()
        if deadline != math.inf:
            self._arm_timer(deadline)
        waiter = self._loop.create_future()
        self._waiters.append(waiter)
        try:
            await waiter
        finally:
            if waiter.cancelled() and waiter in self._waiters:
                self._waiters.remove(waiter)  # the wake-up list must not keep it
        return self._loop.time() < deadline

    async def until(
        self,
        buffer: OutputBuffer,
        attempt: Callable[[], T | None],
        what: str,
        timeout: float | None,
        *,
        search: Search | None = None,
        deadline: float | None = None,
    ) -> T:
        """Await output until ``attempt`` answers, the stream ends, or the deadline."""
        waiting = Waiting(
            self.child, buffer, attempt, what, timeout, search, self._loop.time(), deadline
        )
        timed_out = False
        while True:
            outcome = waiting.step(timed_out)
            if outcome is KEEP_WAITING:
                timed_out = not await self.pump(waiting.deadline)
            elif outcome is AT_EOF:
                raise waiting.eof_error(await self.returncode_soon())
            else:
                return outcome

    async def write(self, data: bytes) -> None:
        backend = self.child.backend
        if backend.input_fd is None:
            raise self.child.input_closed_error()
        data = backend.prepare_input(data)
        view = memoryview(data)
        deadline = math.nan
        while view:
            try:
                view = view[backend.write(view) :]
            except OSError as exc:  # EPIPE, or EIO from a pty whose child is gone
                raise self.child.input_closed_error() from exc
            if view:
                if math.isnan(deadline):
                    deadline = self.child.deadline(None, self._loop.time())
                if not await self._writable(backend.input_fd, deadline):
                    raise self.child.write_timeout_error(len(view), len(data), None)

    async def _writable(self, fd: int, deadline: float) -> bool:
        """Wait until ``fd`` takes more input, reading output meanwhile."""
        self._loop.add_writer(fd, self._wake)
        try:
            return await self.pump(deadline)
        finally:
            self._loop.remove_writer(fd)

    async def exited_by(self, deadline: float) -> bool:
        """Wait for the child to exit, reading its output meanwhile."""
        backend = self.child.backend
        while backend.poll() is None:
            exit_fd = backend.exit_fd
            if exit_fd is None:
                step = min(deadline, self._loop.time() + _EXIT_POLL_SECONDS)
                if not await self.pump(step) and self._loop.time() >= deadline:
                    return backend.poll() is not None
                continue
            self._loop.add_reader(exit_fd, self._wake)
            try:
                in_time = await self.pump(deadline)
            finally:
                self._loop.remove_reader(exit_fd)
            if not in_time:
                return backend.poll() is not None
        return True

    async def returncode_soon(self) -> int | None:
        """The returncode for an EOF message: EOF usually means the child is exiting."""
        await self.exited_by(self._loop.time() + 0.1)
        return self.child.backend.returncode


class AsyncReader:
    """Reads one output stream of an async session; the async twin of :class:`driver.Reader`."""

    def __init__(self, loop: _AsyncLoop, stream: str) -> None:
        self._loop = loop
        self._buffer: OutputBuffer = loop.child.buffers[stream]
        empty: Any = "" if loop.child.kind is str else b""
        #: Output between the previous read position and the last match.
        self.before: Text = empty
        #: The text the last expect matched.
        self.after: Text = empty
        #: The last :class:`driver.Match`, or None.
        self.match: Match[Any] | None = None

    async def read_line(self, timeout: float | None = None) -> Text:
        """The next line of output, without its newline (see :meth:`driver.Reader.read_line`)."""
        self._loop.child.check_open()
        return await self._loop.until(self._buffer, self._buffer.read_line, "a line", timeout)

    async def read(self, timeout: float | None = None) -> Text:
        """Everything up to EOF (the child closing its output)."""
        self._loop.child.check_open()
        return await self._loop.until(self._buffer, self._buffer.read_all, "EOF", timeout)

    async def expect(self, pattern: Any, timeout: float | None = None) -> Match[Any]:
        """Wait for a regex or any of a list of them (see :meth:`driver.Reader.expect`)."""
        return await self._expect(pattern, timeout, exact=False)

    async def expect_exact(self, text: Any, timeout: float | None = None) -> Match[Any]:
        """Like :meth:`expect`, for literal strings (no regex syntax)."""
        return await self._expect(text, timeout, exact=True)

    async def dispatch(
        self, handlers: Mapping[Any, Any], timeout: float | None = None, *, exact: bool = False
    ) -> Match[Any]:
        """A Tcl-style dialogue: wait for any pattern of ``handlers`` and run its handler.

        ``handlers`` maps patterns (as for :meth:`expect`, or literal strings
        with ``exact=True``; ``driver.EOF``/``driver.TIMEOUT`` too) to a
        callable taking the :class:`driver.Match`, or None. A handler that
        returns ``driver.CONTINUE`` keeps the dialogue going (Tcl's
        ``exp_continue``); anything else ends it and the match is returned.
        ``timeout`` is one deadline for the whole dialogue. ``expect`` with a
        dict does the same.
        """
        patterns, actions = list(handlers), list(handlers.values())
        deadline = self._loop.child.deadline(timeout, self._loop.now())
        while True:
            found = await self._expect(patterns, timeout, exact=exact, deadline=deadline)
            action = actions[found.index]
            outcome = None if action is None else action(found)
            if inspect.isawaitable(outcome):
                outcome = await outcome
            if outcome is not CONTINUE:
                return found

    async def _expect(
        self, spec: Any, timeout: float | None, *, exact: bool, deadline: float | None = None
    ) -> Match[Any]:
        if isinstance(spec, Mapping):
            return await self.dispatch(spec, timeout, exact=exact)
        search = self._loop.child.search(self._buffer, spec, exact=exact)
        found = await self._loop.until(
            self._buffer,
            search.step,
            describe(search.entries),
            timeout,
            search=search,
            deadline=deadline,
        )
        self.before, self.after, self.match = found.before, found.text, found
        return found

    def __aiter__(self) -> AsyncReader:
        return self

    async def __anext__(self) -> Text:
        try:
            return await self.read_line()
        except EOF:
            raise StopAsyncIteration from None


class AsyncSession(AsyncReader):
    """A running child driven from asyncio. Create it with :func:`driver.aspawn`.

    The same semantics as :class:`driver.Session`; the methods that wait are
    coroutines. Many sessions share one event loop without a thread each.
    """

    def __init__(self, child: Child, loop: asyncio.AbstractEventLoop) -> None:
        self._child = child
        engine = _AsyncLoop(child, loop)
        super().__init__(engine, "stdout")
        #: Reader of the child's stderr with ``stderr="pipe"``, else None.
        self.stderr: AsyncReader | None = (
            AsyncReader(engine, "stderr") if "stderr" in child.buffers else None
        )

    # -- facts ------------------------------------------------------------

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id)."""
        return self._child.pid

    @property
    def argv(self) -> list[str]:
        """The command as started (a str argv is shown split)."""
        return self._child.argv

    @property
    def backend(self) -> str:
        """``"pipe"`` or ``"pty"``."""
        return self._child.backend.name

    @property
    def returncode(self) -> int | None:
        """None while the child runs; its exit status, or ``-N`` for signal N."""
        return self._child.backend.poll()

    @property
    def alive(self) -> bool:
        """True while the child has not exited."""
        return self.returncode is None

    @property
    def transcript(self) -> str:
        """The exchange so far in session-file form (sent lines as ``> text``)."""
        return self._child.transcript.render()

    def __repr__(self) -> str:
        return f"<driver.AsyncSession {self._child.describe()} backend={self.backend}>"

    # -- sending ----------------------------------------------------------

    async def send(self, text: Text, *, secret: bool = False) -> None:
        """Send ``text`` as is; returns once the child's input took every byte.

        With ``secret=True`` the text never appears in the transcript, the log
        or an error message (shown as ``********``), even if the child echoes it.
        """
        await self._loop.write(self._child.outgoing(text, secret=secret))

    async def send_line(self, text: Text = "", *, secret: bool = False) -> None:
        """Send ``text`` and a newline (``secret`` as for :meth:`send`)."""
        await self._loop.write(self._child.outgoing(text, b"\n", secret=secret))

    async def send_eof(self) -> None:
        """End the child's input: pipe: close its stdin; pty: the EOF character (^D)."""
        self._child.end_input()

    async def send_control(self, char: str) -> None:
        """Send Ctrl-``char``; on the pipe backend only ``"d"`` (closes stdin)."""
        data = self._child.control(char)
        if data is None:
            self._child.end_input()
        else:
            await self._loop.write(data)

    def send_signal(self, sig: int) -> None:
        """Send signal ``sig`` to the child process (not its group), as subprocess does."""
        self._child.signal(sig)

    async def interrupt(self) -> None:
        """Interrupt the child as Ctrl-C would: pty: ^C; pipe: SIGINT to its process group."""
        if self.backend == "pty":
            await self.send_control("c")
        else:
            self._child.signal(signal.SIGINT, group=True)

    def set_window_size(self, rows: int, cols: int) -> None:
        """Resize the child's terminal (pty backend); it receives SIGWINCH."""
        self._child.set_window_size(rows, cols)

    async def wait_echo_off(self, timeout: float | None = None) -> None:
        """Wait until the child turns the terminal's echo off (see the sync twin)."""
        child = self._child
        child.needs_terminal("wait_echo_off()")
        deadline = child.deadline(timeout, self._loop.now())
        while child.backend.echo_on():  # no fd reports a change of modes: look again
            now = self._loop.now()
            if now >= deadline:
                raise child.echo_timeout_error(timeout)
            await self._loop.pump(min(deadline, now + ECHO_POLL_SECONDS))

    # -- lifecycle --------------------------------------------------------

    async def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit; its returncode. Output keeps being read meanwhile."""
        if self._child.closed:
            return self._child.backend.reap()
        deadline = self._child.deadline(timeout, self._loop.now())
        if not await self._loop.exited_by(deadline):
            buffer = self._child.buffers["stdout"]
            raise self._child.timeout_error(buffer, "the child to exit", timeout, quiet=False)
        return self._child.backend.reap()

    def terminate(self) -> None:
        """Send SIGTERM to the child's process group."""
        self._child.backend.signal_group(signal.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL to the child's process group."""
        self._child.backend.signal_group(signal.SIGKILL)

    async def close(self, grace: float = 1.0) -> int:
        """End the child and release everything (see :meth:`driver.Session.close`)."""
        child = self._child
        backend = child.backend
        if child.closed:
            return backend.reap()
        try:
            if backend.poll() is None:
                await self._ask_to_exit(grace)
            if not all(buffer.eof for buffer in child.buffers.values()):
                backend.signal_group(signal.SIGTERM)
        finally:
            child.transcript.flush_log()
            self._loop.stop_all()
            backend.close()
            child.closed = True
        return backend.reap()

    async def _ask_to_exit(self, grace: float) -> None:
        backend = self._child.backend
        clock = self._loop.now
        if backend.input_fd is not None:
            with contextlib.suppress(OSError):
                backend.send_eof()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if await self._loop.exited_by(clock() + grace):
                return
            backend.signal_group(sig)
        await self._loop.exited_by(math.inf)  # SIGKILL cannot be caught

    async def __aenter__(self) -> AsyncSession:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    def __del__(self) -> None:
        child = getattr(self, "_child", None)
        if child is None or child.closed:
            return
        warnings.warn(
            f"async session {child.describe()} was never closed; use"
            " `async with await driver.aspawn(...)` or await close()",
            ResourceWarning,
            stacklevel=2,
            source=self,
        )
        # The loop may be gone: unregistering is best effort, the kill is not.
        with contextlib.suppress(Exception):
            self._loop.stop_all()
        child.kill_now()


async def aspawn(
    argv: str | Sequence[str],
    *,
    backend: str = "pipe",
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = 10.0,
    encoding: str | None = "utf-8",
    errors: str = "strict",
    stderr: str = "stdout",
    echo: bool = False,
    dimensions: tuple[int, int] = (24, 80),
    log: TextIO | None = None,
) -> AsyncSession:
    """Start ``argv`` and return an :class:`AsyncSession` on the running loop.

    Takes the options of :func:`driver.spawn`. Starting the child (fork and
    exec) is the only step that runs on the loop without awaiting; it takes
    about a millisecond.
    """
    child = Child(
        argv,
        backend=backend,
        cwd=cwd,
        env=env,
        timeout=timeout,
        encoding=encoding,
        errors=errors,
        stderr=stderr,
        echo=echo,
        dimensions=dimensions,
        log=log,
    )
    return AsyncSession(child, asyncio.get_running_loop())
