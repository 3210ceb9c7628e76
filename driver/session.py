"""Session: the sync shell. A poll loop moves bytes between a backend and the core."""

from __future__ import annotations

import contextlib
import math
import os
import select
import signal
import sys
import time
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import Any, TextIO, TypeVar

from ._child import AT_EOF, CONTINUE, ECHO_POLL_SECONDS, KEEP_WAITING, Child, Text, Waiting
from ._core import Match, OutputBuffer, Search
from ._errors import EOF
from ._interact import interact
from ._patterns import describe

T = TypeVar("T")

_READABLE = select.POLLIN | select.POLLHUP | select.POLLERR
# Without a pidfd the exit of a child that keeps no output open shows on no
# fd, so waiting for it polls waitpid this often (only in wait/close).
_EXIT_POLL_MS = 10


class Reader:
    """Reads one output stream of a session: ``read_line``, ``read``, ``expect``.

    A :class:`Session` is the reader of the child's stdout (merged with stderr
    by default); with ``stderr="pipe"``, ``session.stderr`` is another.
    """

    def __init__(self, loop: _Loop, stream: str) -> None:
        self._loop = loop
        self._buffer: OutputBuffer = loop.child.buffers[stream]
        empty: Any = "" if loop.child.kind is str else b""
        #: Output between the previous read position and the last match.
        self.before: Text = empty
        #: The text the last expect matched.
        self.after: Text = empty
        #: The last :class:`driver.Match`, or None.
        self.match: Match[Any] | None = None

    def read_line(self, timeout: float | None = None) -> Text:
        """The next line of output, without its newline.

        At EOF an unterminated last line is returned once; then
        :class:`driver.EOF` is raised. ``timeout`` (seconds, default the
        session's) is an overall deadline; :class:`driver.Timeout` carries the
        unconsumed output.
        """
        if self._loop.child.closed:
            self._loop.child.check_open()
        return self._loop.until(self._buffer, self._buffer.read_line, "a line", timeout)

    def read(self, timeout: float | None = None) -> Text:
        """Everything up to EOF (the child closing its output)."""
        self._loop.child.check_open()
        return self._loop.until(self._buffer, self._buffer.read_all, "EOF", timeout)

    def expect(self, pattern: Any, timeout: float | None = None) -> Match[Any]:
        """Wait for a regex (a str, or a compiled pattern) or any of a list of them.

        The list may hold ``driver.EOF`` and ``driver.TIMEOUT``: when that
        happens its entry is returned instead of raised. The match starting
        earliest in the output wins; ties go to the lowest index. Consumes
        through the end of the match.
        """
        return self._expect(pattern, timeout, exact=False)

    def expect_exact(self, text: Any, timeout: float | None = None) -> Match[Any]:
        """Like :meth:`expect`, for literal strings (no regex syntax)."""
        return self._expect(text, timeout, exact=True)

    def dispatch(
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
        deadline = self._loop.child.deadline(timeout, time.monotonic())
        while True:
            found = self._expect(patterns, timeout, exact=exact, deadline=deadline)
            action = actions[found.index]
            outcome = None if action is None else action(found)
            if outcome is not CONTINUE:
                return found

    def _expect(
        self, spec: Any, timeout: float | None, *, exact: bool, deadline: float | None = None
    ) -> Match[Any]:
        if isinstance(spec, Mapping):
            return self.dispatch(spec, timeout, exact=exact)
        search = self._loop.child.search(self._buffer, spec, exact=exact)
        found = self._loop.until(
            self._buffer,
            search.step,
            describe(search.entries),
            timeout,
            search=search,
            deadline=deadline,
        )
        self.before, self.after, self.match = found.before, found.text, found
        return found

    def __iter__(self) -> Iterator[Text]:
        return self

    def __next__(self) -> Text:
        try:
            return self.read_line()
        except EOF:
            raise StopIteration from None


class _Loop:
    """The sync engine of one session: a poll loop over the child's fds.

    It moves bytes between the backend and the core buffers, and keeps the
    clock. Readers and the session share it; it refers to neither, so a
    forgotten session is freed (and warns) as soon as it is dropped.
    """

    def __init__(self, child: Child) -> None:
        self.child = child
        self._poller = select.poll()
        self._watched: dict[int, int] = {}
        self._watching: tuple[object, ...] = ()  # the state _watched was made for
        self._streams = {fd: name for name, fd in child.backend.output_fds.items()}

    def write(self, data: bytes) -> None:
        backend = self.child.backend
        if backend.input_fd is None:
            raise self.child.input_closed_error()
        data = backend.prepare_input(data)
        try:
            written = backend.write(data)
        except OSError as exc:  # EPIPE, or EIO from a pty whose child is gone
            raise self.child.input_closed_error() from exc
        view = memoryview(data)[written:]
        deadline = math.nan
        while view:
            try:
                view = view[backend.write(view) :]
            except OSError as exc:  # EPIPE, or EIO from a pty whose child is gone
                raise self.child.input_closed_error() from exc
            if view:
                if math.isnan(deadline):
                    deadline = self.child.deadline(None)
                if not self.pump(deadline, writing=True):
                    raise self.child.write_timeout_error(len(view), len(data), None)

    def until(
        self,
        buffer: OutputBuffer,
        attempt: Callable[[], T | None],
        what: str,
        timeout: float | None,
        *,
        search: Search | None = None,
        deadline: float | None = None,
    ) -> T:
        """Pump output until ``attempt`` answers, the stream ends, or the deadline."""
        waiting = Waiting(
            self.child, buffer, attempt, what, timeout, search, time.monotonic(), deadline
        )
        timed_out = False
        while True:
            outcome = waiting.step(timed_out)
            if outcome is KEEP_WAITING:
                timed_out = not self.pump(waiting.deadline)
            elif outcome is AT_EOF:
                raise waiting.eof_error(self.returncode_soon())
            else:
                return outcome

    def pump(self, deadline: float, *, writing: bool = False, exiting: bool = False) -> bool:
        """Wait until the child's fds are ready, then read what they hold.

        Returns False once the deadline has passed (after a last look at the
        fds, so output that is already there is never reported missing).
        """
        backend = self.child.backend
        if (writing, exiting, self.child.open_outputs, backend.input_fd) != self._watching:
            self.watch_fds(writing, exiting)
        remaining = deadline - time.monotonic()
        wait_ms = -1 if remaining == math.inf else max(0, math.ceil(remaining * 1000))
        if exiting and backend.exit_fd is None:
            wait_ms = _EXIT_POLL_MS if wait_ms < 0 else min(wait_ms, _EXIT_POLL_MS)
        events = self._poller.poll(wait_ms)
        for fd, mask in events:
            stream = self._streams.get(fd)
            if stream is not None and mask & _READABLE:
                data = backend.read(fd)
                if data is not None:
                    self.child.on_output(stream, data)
        return remaining > 0 and (bool(events) or time.monotonic() < deadline)

    def watch_fds(self, writing: bool, exiting: bool) -> None:
        backend = self.child.backend
        buffers = self.child.buffers
        watching = (writing, exiting, self.child.open_outputs, backend.input_fd)
        if watching == self._watching:
            return
        self._watching = watching
        wanted: dict[int, int] = {}
        for fd, stream in self._streams.items():
            if not buffers[stream].eof:
                wanted[fd] = select.POLLIN
        if writing and backend.input_fd is not None:
            wanted[backend.input_fd] = wanted.get(backend.input_fd, 0) | select.POLLOUT
        if exiting and backend.exit_fd is not None:
            wanted[backend.exit_fd] = select.POLLIN
        if wanted == self._watched:
            return
        for fd in self._watched.keys() - wanted.keys():
            self._poller.unregister(fd)
        for fd, mask in wanted.items():
            if self._watched.get(fd) != mask:
                self._poller.register(fd, mask)
        self._watched = wanted

    def exited_by(self, deadline: float) -> bool:
        """Wait for the child to exit, reading its output meanwhile."""
        backend = self.child.backend
        while backend.poll() is None:
            if not self.pump(deadline, exiting=True) and backend.poll() is None:
                return False
        return True

    def returncode_soon(self) -> int | None:
        """The returncode for an EOF message: EOF usually means the child is exiting."""
        self.exited_by(time.monotonic() + 0.1)
        return self.child.backend.returncode

    def unwatch_all(self) -> None:
        for fd in self._watched:
            self._poller.unregister(fd)
        self._watched = {}
        self._watching = ()


class Session(Reader):
    """A running child program, driven line by line. Create it with :func:`driver.spawn`.

    Differences from :class:`subprocess.Popen`: every read takes a timeout
    and raises :class:`driver.Timeout` with what did arrive; reads never
    deadlock against writes; the child runs in a process group of its own
    that :meth:`close` ends as a whole.
    """

    def __init__(self, child: Child) -> None:
        self._child = child
        loop = _Loop(child)
        super().__init__(loop, "stdout")
        #: Reader of the child's stderr with ``stderr="pipe"``, else None.
        self.stderr: Reader | None = Reader(loop, "stderr") if "stderr" in child.buffers else None

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
        return f"<driver.Session {self._child.describe()} backend={self.backend}>"

    # -- sending ----------------------------------------------------------

    def send(self, text: Text, *, secret: bool = False) -> None:
        """Send ``text`` as is (no newline added).

        Returns once the child's input took every byte, reading its output
        meanwhile so neither side can block the other; times out (session
        timeout) if the child stops reading. With ``secret=True`` the text
        never appears in the transcript, the log or an error message (shown as
        ``********``), even if the child echoes it back.
        """
        self._loop.write(self._child.outgoing(text, secret=secret))

    def send_line(self, text: Text = "", *, secret: bool = False) -> None:
        """Send ``text`` and a newline (``secret`` as for :meth:`send`)."""
        self._loop.write(self._child.outgoing(text, b"\n", secret=secret))

    def send_eof(self) -> None:
        """End the child's input: pipe: close its stdin; pty: the EOF character (^D)."""
        self._child.end_input()

    def send_control(self, char: str) -> None:
        """Send Ctrl-``char`` (``"c"``, ``"d"``, ``"z"``, ``"["``...).

        Needs a terminal (pty); on the pipe backend only ``"d"`` works: it
        closes stdin, as ^D would end input on a terminal.
        """
        data = self._child.control(char)
        if data is None:
            self._child.end_input()
        else:
            self._loop.write(data)

    def send_signal(self, sig: int) -> None:
        """Send signal ``sig`` to the child process (not its group), as subprocess does."""
        self._child.signal(sig)

    def interrupt(self) -> None:
        """Interrupt the child as Ctrl-C would: pty: ^C; pipe: SIGINT to its process group."""
        if self.backend == "pty":
            self.send_control("c")
        else:
            self._child.signal(signal.SIGINT, group=True)

    def set_window_size(self, rows: int, cols: int) -> None:
        """Resize the child's terminal (pty backend); it receives SIGWINCH."""
        self._child.set_window_size(rows, cols)

    def interact(
        self,
        escape_character: str | None = "\x1d",
        *,
        input_filter: Callable[[bytes], bytes] | None = None,
        output_filter: Callable[[bytes], bytes] | None = None,
    ) -> None:
        """Hand the session to the person at this terminal.

        Their keys go to the child as typed (this terminal is in raw mode
        until the method returns, whatever happens) and the child's output
        goes to their screen, unconsumed output first; window size changes
        are passed on. Returns when the child exits or ``escape_character``
        (default Ctrl-], None for none) is typed; the session is then usable
        again. ``input_filter`` and ``output_filter`` may rewrite the bytes
        going each way. What was typed is in the transcript as ``>`` lines,
        masked while the child had echo off (a password).
        """
        self._child.check_open()
        sys.stdout.flush()
        interact(
            self._child,
            self._loop.write,
            escape_character=escape_character,
            input_filter=input_filter,
            output_filter=output_filter,
            stdin_fd=sys.stdin.fileno(),
            stdout_fd=sys.stdout.fileno(),
        )

    def wait_echo_off(self, timeout: float | None = None) -> None:
        """Wait until the child turns the terminal's echo off (pty backend).

        That is how a password prompt announces itself. Sessions start with
        echo off unless spawned with ``echo=True``, so use this with echo on.
        Output keeps being read meanwhile.
        """
        child = self._child
        child.needs_terminal("wait_echo_off()")
        deadline = child.deadline(timeout)
        # No fd reports a change of terminal modes, so look again at each
        # wake-up and at least every ECHO_POLL_SECONDS.
        while child.backend.echo_on():
            now = time.monotonic()
            if now >= deadline:
                raise child.echo_timeout_error(timeout)
            self._loop.pump(min(deadline, now + ECHO_POLL_SECONDS))

    # -- lifecycle --------------------------------------------------------

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the child to exit; its returncode (``-N`` for signal N).

        Output keeps being read (and kept) meanwhile, so a child blocked on a
        full pipe still gets to exit.
        """
        if self._child.closed:
            return self._child.backend.reap()
        if not self._loop.exited_by(self._child.deadline(timeout)):
            buffer = self._child.buffers["stdout"]
            raise self._child.timeout_error(buffer, "the child to exit", timeout, quiet=False)
        return self._child.backend.reap()

    def terminate(self) -> None:
        """Send SIGTERM to the child's process group."""
        self._child.backend.signal_group(signal.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL to the child's process group."""
        self._child.backend.signal_group(signal.SIGKILL)

    def close(self, grace: float = 1.0) -> int:
        """End the child and release everything; its returncode. Safe to call twice.

        Sends EOF and waits ``grace`` seconds for the child to exit, then
        SIGTERM to its process group and waits ``grace`` again, then SIGKILL;
        always reaps. Members of the group that outlive the child and still
        hold its output open get SIGTERM too.
        """
        child = self._child
        backend = child.backend
        if child.closed:
            return backend.reap()
        try:
            if backend.poll() is None:
                self._ask_to_exit(grace)
            if not all(buffer.eof for buffer in child.buffers.values()):
                backend.signal_group(signal.SIGTERM)
        finally:
            child.transcript.flush_log()
            self._loop.unwatch_all()
            backend.close()
            child.closed = True
        return backend.reap()

    def _ask_to_exit(self, grace: float) -> None:
        backend = self._child.backend
        if backend.input_fd is not None:
            with contextlib.suppress(OSError):
                backend.send_eof()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self._loop.exited_by(time.monotonic() + grace):
                return
            backend.signal_group(sig)
        backend.reap()  # SIGKILL cannot be caught: this returns promptly

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __del__(self) -> None:
        child = getattr(self, "_child", None)
        if child is None or child.closed:
            return
        warnings.warn(
            f"session {child.describe()} was never closed; use `with driver.spawn(...)`"
            " or call close()",
            ResourceWarning,
            stacklevel=2,
            source=self,
        )
        child.kill_now()


def spawn(
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
) -> Session:
    """Start ``argv`` and return a :class:`Session` driving it.

    Args:
        argv: the program and its arguments; a str is split with
            :func:`shlex.split` (no shell is involved).
        backend: ``"pipe"`` (the default) or ``"pty"`` for a program that needs
            a terminal (prompts with getpass, line-buffers only on a tty, ...).
        cwd, env: as for :class:`subprocess.Popen`.
        timeout: default deadline in seconds of every read, expect, wait and
            blocked send; None waits forever.
        encoding: how output is decoded and input encoded; None gives a bytes
            session, where every str in this API is bytes.
        errors: decoding error handler; with ``"strict"`` bad output raises
            :class:`driver.DecodeError`.
        stderr: ``"stdout"`` (merged), ``"pipe"`` (read it from
            ``session.stderr``), ``"devnull"`` or ``"inherit"``. On a pty
            stderr is always the terminal.
        echo: pty only: let the terminal echo what is sent (off by default, so
            ``read_line`` returns the child's replies, not your input).
        dimensions: pty only: (rows, cols) of the terminal.
        log: a text file that receives the transcript live, line by line.

    Raises:
        SpawnError: the program is missing, not executable, or argv is empty.
    """
    return Session(
        Child(
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
    )
