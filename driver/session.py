"""Session: the sync shell. Its engine carries out the policy's steps with poll."""

from __future__ import annotations

import contextlib
import math
import re
import select
import sys
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, AnyStr, Literal, TypeVar, overload

import regex

from . import _policy as policy
from ._core import Match
from ._deadline import TimeoutArg
from ._errors import EOF, DriverError, ExitStatusUnknown
from ._interact import interact
from ._options import STREAM_OPTION_NAMES, SpawnOptions, StreamOptions, resolve
from ._patterns import ExactPatternArg, PatternArg
from ._policy import Steps, Wait
from ._public import public
from ._session_base import ReaderBase, SessionBase
from ._state import SessionState, start

#: pytest shows a failure from the caller's line, without this module's frames.
__tracebackhide__ = True

if TYPE_CHECKING:
    import asyncio

    from _typeshed import HasFileno
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .aio import AsyncSession

T = TypeVar("T")

_READABLE = select.POLLIN | select.POLLHUP | select.POLLERR


class Engine:
    """Carries out policy steps for one session with ``poll``.

    Readers and the session share it; it refers to neither, so a forgotten
    session is freed (and warns) as soon as it is dropped.
    """

    def __init__(self, state: SessionState) -> None:
        self._state = state
        self._poller = select.poll()
        self._watched: dict[int, int] = {}
        self._watching: tuple[object, ...] = ()  # the state _watched was made for
        self._streams = {fd: name for name, fd in state.backend.output_fds.items()}

    def run(self, steps: Steps[T]) -> T:
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
                reply = self.pump(step) if isinstance(step, Wait) else step.function(step.argument)
            except BaseException as exc:  # the policy may have cleaning up to do
                error = exc

    def pump(self, step: Wait) -> bool:
        """Wait until an fd of interest is ready or the deadline, reading output.

        Returns False once the deadline has passed (after a last look at the
        fds, so output that is already there is never reported missing).
        """
        state = self._state
        backend = state.backend
        watching = (step.writing, step.exiting, step.fds, state.open_outputs, backend.input_fd)
        if watching != self._watching:
            self._watch(step)
            self._watching = watching
        remaining = step.deadline - time.monotonic()
        wait_ms = -1 if remaining == math.inf else max(0, math.ceil(remaining * 1000))
        events = self._poller.poll(wait_ms)
        for fd, mask in events:
            stream = self._streams.get(fd)
            if stream is not None and mask & _READABLE:
                data = backend.read(fd)
                if data is not None:
                    state.on_output(stream, data)
        return remaining > 0 and (bool(events) or time.monotonic() < step.deadline)

    def _watch(self, step: Wait) -> None:
        state = self._state
        wanted: dict[int, int] = {}
        for fd, stream in self._streams.items():
            if not state.buffers[stream].eof:
                wanted[fd] = select.POLLIN
        input_fd = state.backend.input_fd
        if step.writing and input_fd is not None:
            wanted[input_fd] = wanted.get(input_fd, 0) | select.POLLOUT
        exit_fd = state.process.exit_fd
        if step.exiting and exit_fd is not None:
            wanted[exit_fd] = select.POLLIN
        for fd in step.fds:
            wanted[fd] = select.POLLIN
        for fd in self._watched.keys() - wanted.keys():
            self._poller.unregister(fd)
        for fd, mask in wanted.items():
            if self._watched.get(fd) != mask:
                self._poller.register(fd, mask)
        self._watched = wanted

    def release(self) -> None:
        for fd in self._watched:
            self._poller.unregister(fd)
        self._watched = {}
        self._watching = ()


@public
class Reader(ReaderBase[AnyStr]):
    """Reads one output stream of a session: ``read_line``, ``read``, ``expect``.

    A :class:`Session` is the reader of the child's stdout (merged with stderr
    by default); with ``stderr="pipe"``, ``session.stderr`` is another.
    """

    def __init__(self, state: SessionState, stream: str, engine: Engine) -> None:
        super().__init__(state, stream)
        self._engine = engine

    def read_line(self, timeout: TimeoutArg = None) -> AnyStr:
        """The next line of output, without its newline.

        At EOF an unterminated last line is returned once; the call after it
        raises :class:`driver.EOF`.

        Args:
            timeout: seconds for the whole call (0: only what has arrived),
                None for the session's default, or a :class:`driver.Deadline`
                shared with other calls.

        Returns:
            The line (``str``, or ``bytes`` in a bytes session).

        Raises:
            driver.Timeout: no whole line came in time. It carries the
                unconsumed output, which stays readable.
            driver.EOF: the output ended and every line was read.
            driver.DecodeError: the next output does not decode.
            driver.SessionClosed: the session is closed.
        """
        return self._engine.run(self._read_line_steps(timeout))

    def read(self, timeout: TimeoutArg = None) -> AnyStr:
        """Everything up to EOF (the child closing its output).

        Args:
            timeout: as for :meth:`read_line`.

        Returns:
            The output not yet consumed, up to EOF; empty once it was all read.

        Raises:
            driver.Timeout: the output did not end in time; what came stays
                readable.
            driver.DecodeError: the output does not decode (the text before
                the bad bytes is returned first).
            driver.SessionClosed: the session is closed.
        """
        return self._engine.run(self._read_steps(timeout))

    def read_some(self, limit: int = 1 << 16, timeout: TimeoutArg = None) -> AnyStr:
        """Output as it comes: what has arrived, up to ``limit`` characters,
        waiting only until something has.

        For a stream that is not made of lines (a progress bar, a binary
        protocol) or to pass output on as it comes.

        Args:
            limit: the most characters (bytes in a bytes session) to return.
            timeout: as for :meth:`read_line`.

        Returns:
            At least one character, at most ``limit``.

        Raises:
            driver.Timeout: nothing came in time.
            driver.EOF: the output ended and all of it was read.
            driver.DecodeError: the next output does not decode.
            ValueError: ``limit`` is not 1 or more.
        """
        return self._engine.run(self._read_some_steps(limit, timeout))

    def expect(
        self,
        pattern: PatternArg[AnyStr] | Mapping[Any, Any],
        timeout: TimeoutArg = None,
        *,
        window: int | None = None,
    ) -> Match[AnyStr]:
        """Wait for a regex (a str, or a compiled pattern) or any of a list of them.

        The list may hold ``driver.EOF`` and ``driver.TIMEOUT``: when that
        happens its entry is returned instead of raised. The match starting
        earliest in the output wins; ties go to the lowest index. Consumes
        through the end of the match (a ``TIMEOUT`` entry consumes nothing;
        an ``EOF`` entry, the rest). Sets :attr:`before`, :attr:`after` and
        :attr:`match`.

        Args:
            pattern: a regex (``str``, or a compiled pattern), ``driver.EOF``,
                ``driver.TIMEOUT``, or a list of them. A dict runs
                :meth:`dispatch`.
            timeout: as for :meth:`read_line`.
            window: only a match within the last ``window`` characters of
                the unread output counts (pexpect's ``searchwindowsize``);
                None (the default) searches all of it.

        Returns:
            The :class:`driver.Match`; its ``index`` is the entry's position.

        Raises:
            driver.Timeout: nothing matched in time (and no ``TIMEOUT``
                entry); what came stays readable.
            driver.EOF: the output ended first (and no ``EOF`` entry).
            ValueError: a pattern is not a valid regex, or the list is empty.
            TypeError: a pattern of the wrong kind (bytes in a text session).
        """
        return self._engine.run(self._expect_steps(pattern, timeout, False, window))

    def expect_exact(
        self,
        text: ExactPatternArg[AnyStr] | Mapping[Any, Any],
        timeout: TimeoutArg = None,
        *,
        window: int | None = None,
    ) -> Match[AnyStr]:
        """Like :meth:`expect`, for literal strings (no regex syntax).

        Args:
            text: a string, ``driver.EOF``, ``driver.TIMEOUT``, or a list of
                them. A dict runs :meth:`dispatch` with ``exact=True``.
            timeout: as for :meth:`read_line`.
            window: as for :meth:`expect`.

        Returns:
            The :class:`driver.Match`.

        Raises:
            driver.Timeout: as for :meth:`expect`.
            driver.EOF: as for :meth:`expect`.
            ValueError: an empty string, or an empty list.
        """
        return self._engine.run(self._expect_steps(text, timeout, True, window))

    def dispatch(
        self, handlers: Mapping[Any, Any], timeout: TimeoutArg = None, *, exact: bool = False
    ) -> Match[AnyStr]:
        """A Tcl-style dialogue: wait for any pattern of ``handlers`` and run its handler.

        A handler that returns ``driver.CONTINUE`` keeps the dialogue going
        (Tcl's ``exp_continue``); anything else ends it.

        Args:
            handlers: maps patterns (as for :meth:`expect`, or literal strings
                with ``exact``; ``driver.EOF``/``driver.TIMEOUT`` too) to a
                callable taking the :class:`driver.Match`, or None.
            timeout: one deadline for the whole dialogue (as for
                :meth:`read_line`).
            exact: the patterns are literal strings.

        Returns:
            The :class:`driver.Match` that ended the dialogue.

        Raises:
            driver.Timeout: as for :meth:`expect`.
            driver.EOF: as for :meth:`expect`.
        """
        return self._engine.run(self._dispatch_steps(handlers, timeout, exact))

    def __iter__(self) -> Iterator[AnyStr]:
        return self

    def __next__(self) -> AnyStr:
        try:
            return self.read_line()
        except EOF:
            raise StopIteration from None


@public
class Session(Reader[AnyStr], SessionBase[AnyStr]):
    """A running child program, driven line by line. Create it with :func:`driver.spawn`.

    Differences from :class:`subprocess.Popen`: every read takes a timeout
    and raises :class:`driver.Timeout` with what did arrive; reads never
    deadlock against writes; the child runs in a process group of its own
    that :meth:`close` ends as a whole.
    """

    def __init__(self, state: SessionState) -> None:
        engine = Engine(state)
        super().__init__(state, "stdout", engine)
        #: Reader of the child's stderr with ``stderr="pipe"``, else None.
        self.stderr: Reader[AnyStr] | None = (
            Reader(state, "stderr", engine) if "stderr" in state.buffers else None
        )
        self._views: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncSession[AnyStr]]
        self._views = weakref.WeakKeyDictionary()

    # -- sending ----------------------------------------------------------

    def send(self, text: AnyStr, *, secret: bool = False) -> None:
        """Send ``text`` as is (no newline added).

        Returns once the child's input took every byte, reading its output
        meanwhile so neither side can block the other; times out (session
        timeout) if the child stops reading.

        Args:
            text: what to send: ``str`` (``bytes`` in a bytes session). A
                :class:`driver.Secret` is sent as a secret.
            secret: never show the text in the transcript, the log or an
                error message (it shows as ``********``), even if the child
                echoes it back.

        Raises:
            driver.Timeout: the child stopped reading its input. If it took
                part of ``text``, the input is torn (see :attr:`torn_input`).
            driver.EOF: the child's input is closed (``send_eof()`` was
                called, or the child exited).
            driver.InputTorn: an earlier send was interrupted part-way and
                not yet accepted (:meth:`accept_torn_input`).
            driver.SessionClosed: the session is closed.
            TypeError: ``bytes`` to a text session, or ``str`` to a bytes one.
        """
        self._engine.run(policy.write(self._state, self._state.outgoing(text, secret=secret)))

    def send_line(self, text: AnyStr | Literal[""] = "", *, secret: bool = False) -> None:
        """Send ``text`` and a newline (``\\n``).

        Args:
            text: as for :meth:`send`; empty sends a bare newline.
            secret: as for :meth:`send`.

        Raises:
            driver.Timeout: as for :meth:`send`.
            driver.EOF: as for :meth:`send`.
            driver.InputTorn: as for :meth:`send`.
        """
        data = self._state.outgoing(text, b"\n", secret=secret)
        self._engine.run(policy.write(self._state, data))

    def send_eof(self) -> None:
        """End the child's input: pipe: close its stdin; pty: the EOF character (^D).

        Raises:
            driver.SessionClosed: the session is closed.
        """
        self._engine.run(policy.send_eof(self._state))

    def send_control(self, char: str) -> None:
        """Send Ctrl-``char`` (``"c"``, ``"d"``, ``"z"``, ``"["``...).

        Args:
            char: the key pressed with Ctrl: a letter, or one of ``@[\\]^_?``.

        Raises:
            driver.DriverError: on the pipe backend, any ``char`` but ``"d"``
                (which closes stdin, as ^D would end input on a terminal).
            ValueError: no control character goes with ``char``.
        """
        self._engine.run(policy.control(self._state, char))

    def interrupt(self) -> None:
        """Interrupt the child as Ctrl-C would: pty: ^C; pipe: SIGINT to its process group."""
        self._engine.run(policy.interrupt(self._state))

    def interact(
        self,
        escape_character: str | None = "\x1d",
        *,
        input_filter: Callable[[bytes], bytes] | None = None,
        output_filter: Callable[[bytes], bytes] | None = None,
    ) -> None:
        """Hand the session to the person at this terminal.

        Their keys go to the child as typed (this terminal is in raw mode
        until the method returns, whatever happens; a SIGTERM or SIGHUP
        restores it, then runs the handler set for it or, by default, ends
        this program as it would have) and the child's output goes to their
        screen, unconsumed output first (and to :attr:`screen` with
        ``screen=True``); window size changes are passed on, a size of 0 (a
        pty nobody sized) as 24x80. Returns when the child exits or
        ``escape_character`` is typed; the session is then usable again.
        What was typed is in the transcript as ``>`` lines, each the line
        the program got (edited by the terminal or by the program's own line
        editor), a line nothing showed (a password) masked; see ``driver
        record``.

        Args:
            escape_character: the key that hands the session back (default
                Ctrl-]); None for none.
            input_filter: rewrites the bytes typed before they go to the child.
            output_filter: rewrites the child's output before it is shown.

        Raises:
            driver.SessionClosed: the session is closed.
        """
        state = self._state
        state.check_open()
        sys.stdout.flush()
        interact(
            state,
            lambda data: self._engine.run(policy.write(state, data)),
            lambda: self._engine.run(policy.send_eof(state)),
            escape_character=escape_character,
            input_filter=input_filter,
            output_filter=output_filter,
            stdin_fd=sys.stdin.fileno(),
            stdout_fd=sys.stdout.fileno(),
        )

    def wait_echo_off(self, timeout: TimeoutArg = None) -> None:
        """Wait until the child turns the terminal's echo off (pty backend).

        That is how a password prompt announces itself. Sessions start with
        echo off unless spawned with ``echo=True``, so use this with echo on.
        Output keeps being read meanwhile.

        Args:
            timeout: as for :meth:`read_line`.

        Raises:
            driver.Timeout: echo was still on at the deadline.
            driver.DriverError: the session has no terminal (pipe backend).
        """
        self._engine.run(policy.echo_off(self._state, self.deadline(timeout)))

    # -- the screen -------------------------------------------------------

    def expect_screen(
        self,
        pattern: str | re.Pattern[str],
        timeout: TimeoutArg = None,
        *,
        region: tuple[int, int, int, int] | None = None,
        exact: bool = False,
    ) -> regex.Match[str]:
        """Wait until the screen shows ``pattern`` (``screen=True``).

        The screen's rows, trailing blanks removed, are joined with ``\\n``
        (:attr:`driver.Screen.text`) and searched each time output is drawn,
        under one deadline. Consumes the output drawn so far.

        Args:
            pattern: a regex (``str`` or compiled), or with ``exact`` a text.
            timeout: as for :meth:`read_line`.
            region: ``(top, left, bottom, right)``: search only those rows
                and columns (from 0, ends excluded).
            exact: ``pattern`` is a text to find, not a regex.

        Returns:
            The match in the screen's text (the ``regex`` package's match,
            which has the methods of :class:`re.Match`).

        Raises:
            driver.Timeout: the screen did not show it in time (a regex
                that backtracks past the deadline too); the message shows the
                screen, the cursor marked.
            driver.EOF: the output ended first; the message shows the screen.
            driver.DriverError: the session keeps no screen.
            ValueError: a bad regex or region.
        """
        steps = policy.expect_screen(
            self._state, pattern, self.deadline(timeout), region=region, exact=exact
        )
        return self._engine.run(steps)

    def settle(self, quiet: float = 0.1, timeout: TimeoutArg = None) -> None:
        """Wait for the child's answer, then until its output pauses for
        ``quiet`` seconds (or ends).

        The answer is output that arrives after the last thing sent (before
        anything was sent: after the start), so a program slow to start or
        to react is never taken for one that is done. With the terminal's
        echo on, the echo is the start of the answer. A full-screen program
        that is done drawing stops writing; whether it is done cannot be
        seen otherwise. Prefer :meth:`expect_screen` for what the screen
        must show: it returns as soon as it does.

        Args:
            quiet: seconds without output that count as a pause.
            timeout: as for :meth:`read_line`.

        Raises:
            driver.Timeout: no answer came, or the output never paused
                that long, in time.
        """
        self._engine.run(policy.settle(self._state, quiet, self.deadline(timeout)))

    def send_key(self, *names: str) -> None:
        """Press keys by name: ``send_key("down", "down", "enter")``.

        Sends the bytes an xterm sends (the ``TERM`` a screen session's child
        gets), cursor keys in the mode the program asked for. Names:
        ``enter``, ``tab``, ``shift-tab``, ``esc``, ``backspace``, ``space``,
        ``up``, ``down``, ``left``, ``right``, ``home``, ``end``,
        ``insert``, ``delete``, ``pageup``, ``pagedown``, ``f1``-``f12``,
        ``ctrl-X``, ``alt-X`` and any single character; cursor keys and
        ``home``/``end`` also with ``shift-``, ``alt-`` or ``ctrl-``.

        Raises:
            ValueError: a name that is not a key's.
            driver.Timeout: as for :meth:`send`.
        """
        self._engine.run(policy.write(self._state, self._state.key_bytes(names)))

    def as_async(self) -> AsyncSession[AnyStr]:
        """This session's child, driven from the running event loop.

        For code that is partly asyncio: the :class:`driver.AsyncSession`
        shares this session's output, position, matches and transcript, so
        calls on either carry on where the other stopped. Use one at a time.
        Closing either closes the child; dropping the view does not.

        Returns:
            An AsyncSession on the running loop (the same one each time on
            the same loop).

        Raises:
            RuntimeError: no event loop is running.
        """
        import asyncio

        from .aio import AsyncSession

        loop = asyncio.get_running_loop()
        view = self._views.get(loop)
        if view is None:
            view = self._views[loop] = AsyncSession(self._state, loop, owner=False)
        return view

    # -- lifecycle --------------------------------------------------------

    def wait_until_idle(self, timeout: TimeoutArg = None) -> bool | None:
        """Wait until the child blocks reading its input (or waiting on fds, as
        an event loop or a line editor does): done with what it was doing, and
        ready for what is sent next.

        A prompt can appear before the program is ready to read: a line sent
        the instant it shows may reach the terminal before the program has
        set it up (its echo then shows in the answer). The REPLs and session
        files call this before each line they send on a terminal (for at most
        :data:`driver.terminal.READY_SECONDS`). Output keeps being read
        meanwhile.

        Args:
            timeout: as for :meth:`read_line`.

        Returns:
            True once it is; False if it exited or the deadline came first
            (no error: sending then is what would have happened anyway);
            None where this cannot be seen (it is read from Linux's /proc).
        """
        seen = policy.idle_now(self._state)  # most often it is: no deadline, no steps
        if seen is not False:
            return seen
        return self._engine.run(policy.until_idle(self._state, self.deadline(timeout)))

    def wait(self, timeout: TimeoutArg = None) -> int:
        """Wait for the child to exit.

        Output keeps being read (and kept) meanwhile, so a child blocked on a
        full pipe still gets to exit.

        Args:
            timeout: as for :meth:`read_line`.

        Returns:
            The child's returncode (its exit status, or ``-N`` for signal N).

        Raises:
            driver.Timeout: the child was still running at the deadline.
        """
        return self._engine.run(policy.wait(self._state, self.deadline(timeout)))

    def close(self, grace: float = 1.0) -> int:
        """End the child and release everything. Safe to call twice.

        Sends EOF and waits ``grace`` seconds for the child to exit, then
        SIGTERM to its process group and waits ``grace`` again, then SIGKILL.
        Whatever else is left in the group then gets SIGTERM and, after
        ``grace``, SIGKILL; so, with ``close_ends="descendants"`` (the
        default on Linux), does every process the child started that left
        the group (a daemon, a double fork), found by the mark in its
        environment. Always reaps: if close is interrupted (^C, an error),
        the group and those descendants are killed and the child reaped
        before that goes on.

        Args:
            grace: seconds to wait before each signal (0 or more).

        Returns:
            The child's returncode (``-N`` for signal N).
        """
        return self._engine.run(policy.close(self._state, grace, self._release_engine))

    def _release_engine(self) -> None:
        self._engine.release()
        for view in list(self._views.values()):
            view._release_engine()  # no loop may watch the fds about to close

    def __enter__(self) -> Session[AnyStr]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        with contextlib.suppress(ExitStatusUnknown):  # everything is released; no one asked
            self.close()


@overload
def spawn(
    argv: str | Sequence[str], *, encoding: str = ..., **options: Unpack[SpawnOptions]
) -> Session[str]: ...
@overload
def spawn(
    argv: str | Sequence[str], *, encoding: None, **options: Unpack[SpawnOptions]
) -> Session[bytes]: ...
def spawn(
    argv: str | Sequence[str],
    *,
    encoding: str | None = "utf-8",
    **options: Unpack[SpawnOptions],
) -> Session[Any]:
    """Start ``argv`` and return a :class:`Session` driving it.

    Args:
        argv: the program and its arguments; a str is split with
            :func:`shlex.split` (no shell is involved).
        encoding: how output is decoded and input encoded (default
            UTF-8); None gives a bytes session, where every str in this API
            is bytes.
        **options: the spawn options, each described in
            :class:`driver.SpawnOptions`: ``backend``, ``cwd``, ``env``,
            ``timeout``, ``errors``, ``stderr``, ``echo``, ``dimensions``,
            ``log``, ``newline``, ``transcript_limit``, ``ignore_signals``,
            ``screen``, ``strip_ansi``, ``quiet``, ``close_ends``.

    Returns:
        The running session, a ``Session[str]``, or a ``Session[bytes]``
        with ``encoding=None``.

    Raises:
        driver.SpawnError: the program cannot start (missing, not executable,
            a bad ``cwd``, ``env`` or argument); it names the bad value.
        ValueError: a bad option value, before anything starts.
        TypeError: an option of the wrong type, before anything starts.
    """
    return Session(start(argv, encoding, resolve(encoding, options)))


@overload
def attach(
    fd: int | HasFileno,
    *,
    name: str | None = ...,
    close_fd: bool = ...,
    encoding: str = ...,
    **options: Unpack[StreamOptions],
) -> Session[str]: ...
@overload
def attach(
    fd: int | HasFileno,
    *,
    name: str | None = ...,
    close_fd: bool = ...,
    encoding: None,
    **options: Unpack[StreamOptions],
) -> Session[bytes]: ...
def attach(
    fd: int | HasFileno,
    *,
    name: str | None = None,
    close_fd: bool = True,
    encoding: str | None = "utf-8",
    **options: Unpack[StreamOptions],
) -> Session[Any]:
    """Drive an fd opened elsewhere: a socket, a serial line, a pty's master.

    The session reads and matches as one of :func:`spawn` does; there is no
    child, so it has no ``pid`` and signals go nowhere. ``send_eof()`` ends
    the input (a socket's sending half is shut down), after which ``alive``
    is False; ``close()`` does that and releases the fd, without a grace
    period.

    Args:
        fd: an fd number, or an object with ``fileno()`` (a socket, a file
            opened for reading and writing). It is made non-blocking.
        name: how messages and the transcript name it (default ``fd N``).
        close_fd: close the fd with the session (an object given is closed
            itself, so it never closes the number later); False leaves it
            open, in the blocking mode found.
        encoding: as for :func:`spawn`.
        **options: the options of any session (:class:`driver.StreamOptions`):
            ``timeout``, ``errors``, ``log``, ``newline``,
            ``transcript_limit``, ``strip_ansi``.

    Returns:
        The session, a ``Session[str]``, or a ``Session[bytes]`` with
        ``encoding=None``.

    Raises:
        OSError: ``fd`` is not open.
        TypeError: ``fd`` is neither an int nor has ``fileno()``.
    """
    from .backends.fd import FdBackend

    resolved = resolve(encoding, options, entry="attach", names=STREAM_OPTION_NAMES)
    holder: object = None
    if isinstance(fd, int) and not isinstance(fd, bool):
        number = fd
    else:
        holder = fd
        fileno = getattr(fd, "fileno", None)
        if not callable(fileno):
            raise TypeError(f"attach({fd!r}): expected an fd number or an object with fileno()")
        number = fileno()
    backend = FdBackend(number, owned=close_fd, holder=holder)
    try:
        state = SessionState(backend, [name or f"fd {number}"], encoding, resolved)
    except BaseException:
        backend.close()
        raise
    return Session(state)
