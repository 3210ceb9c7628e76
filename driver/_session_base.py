"""What the sync and async sessions share: every member that never waits.

:class:`Session` and :class:`AsyncSession` each add an engine that carries
out the steps of :mod:`driver._policy`, and methods that hand those steps
to it (plain for one, awaited for the other). Everything else is here.
"""

from __future__ import annotations

import signal
import warnings
from collections.abc import Callable, Mapping
from typing import Any, AnyStr, Generic

from ._core import Match, OutputBuffer
from ._deadline import Deadline, TimeoutArg, check_timeout
from ._errors import DriverError
from ._masking import Secrets
from ._policy import Steps, dispatch, expect, until
from ._screen import Screen
from ._state import SessionState

#: pytest shows a failure from the caller's line, without this module's frames.
__tracebackhide__ = True


class ReaderBase(Generic[AnyStr]):
    """One output stream of a session: what was matched last, and the steps
    of each read. See :class:`driver.Reader` for the methods."""

    def __init__(self, state: SessionState, stream: str) -> None:
        self._state = state
        self._buffer: OutputBuffer[AnyStr] = state.buffers[stream]
        empty: Any = "" if state.kind is str else b""
        #: Output between the previous read position and the last match.
        self.before: AnyStr = empty
        #: The text the last expect matched.
        self.after: AnyStr = empty
        #: The last :class:`driver.Match`, or None.
        self.match: Match[AnyStr] | None = None

    def _read_line_steps(self, timeout: TimeoutArg) -> Steps[AnyStr]:
        buffer = self._buffer
        return until(self._state, buffer, buffer.read_line, "a line", self.deadline(timeout))

    def _read_steps(self, timeout: TimeoutArg) -> Steps[AnyStr]:
        buffer = self._buffer
        return until(self._state, buffer, buffer.read_all, "EOF", self.deadline(timeout))

    def _read_some_steps(self, limit: int, timeout: TimeoutArg) -> Steps[AnyStr]:
        if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
            raise ValueError(f"limit={limit!r}: expected how many characters at most (1 or more)")
        buffer = self._buffer
        deadline = self.deadline(timeout)
        return until(self._state, buffer, lambda: buffer.read_some(limit), "output", deadline)

    def _expect_steps(
        self, spec: Any, timeout: TimeoutArg, exact: bool, window: int | None = None
    ) -> Steps[Match[AnyStr]]:
        if isinstance(spec, Mapping):
            return self._dispatch_steps(spec, timeout, exact)
        deadline = self.deadline(timeout)
        steps = expect(self._state, self._buffer, spec, deadline, exact=exact, window=window)
        return self._matched(steps)

    def _dispatch_steps(
        self, handlers: Mapping[Any, Any], timeout: TimeoutArg, exact: bool
    ) -> Steps[Match[AnyStr]]:
        def expect_one(patterns: list[Any], deadline: Deadline) -> Steps[Match[Any]]:
            steps = expect(
                self._state, self._buffer, patterns, deadline, exact=exact, api="dispatch"
            )
            return self._matched(steps)

        return dispatch(self._state, expect_one, handlers, self.deadline(timeout))

    def _matched(self, steps: Steps[Match[AnyStr]]) -> Steps[Match[AnyStr]]:
        found = yield from steps
        self.before, self.after, self.match = found.before, found.text, found
        return found

    def deadline(self, timeout: TimeoutArg = None) -> Deadline:
        """The deadline a call given ``timeout`` waits until, to share among calls.

        Args:
            timeout: seconds, None for the session's default, or a
                :class:`driver.Deadline` (returned as it is).

        Returns:
            The :class:`driver.Deadline`.
        """
        return self._state.deadline(timeout)

    @property
    def unconsumed(self) -> AnyStr:
        """What has arrived and is not yet consumed; settable.

        Reading it consumes nothing. Setting it replaces that output (``""``
        drops it); output still to come follows what was set.
        """
        text: AnyStr = self._buffer.unconsumed()
        return text

    @unconsumed.setter
    def unconsumed(self, text: AnyStr) -> None:
        if not isinstance(text, self._state.kind):
            raise TypeError(
                f"unconsumed = {type(text).__name__}: this session reads"
                f" {self._state.kind.__name__}"
            )
        self._buffer.replace_unconsumed(text)

    def peek(self) -> AnyStr:
        """What has arrived and is not yet consumed, without waiting; consumes nothing.

        Takes in what the child's output already holds first (a bounded
        amount), so it is current: what :meth:`read_available` would return.

        Returns:
            That output; empty if nothing is waiting.
        """
        self._state.read_ready()
        text: AnyStr = self._buffer.unconsumed()
        return text

    def read_available(self) -> AnyStr:
        """What has arrived and is not yet consumed, without waiting; consumes it.

        Takes in what the child's output already holds first (a bounded
        amount), so it is current.

        Returns:
            That output; empty if nothing is waiting.
        """
        self._state.read_ready()
        text: AnyStr = self._buffer.take_unconsumed()
        return text


class SessionBase(ReaderBase[AnyStr]):
    """The members of a session that never wait."""

    _kind = "Session"
    #: Whether this object ends the child when it is dropped unclosed (a
    #: view of another session's child does not).
    _owner = True

    @property
    def pid(self) -> int:
        """The child's process id (also its process group id).

        Raises:
            driver.DriverError: the session is attached to an fd
                (:func:`driver.attach`): there is no child; or the child
                runs on another machine (``host=``), where its pid is not known.
        """
        pid = self._state.pid
        if pid is None:
            if self._state.process.host is not None:
                raise DriverError(
                    f"{self.describe()} runs on another machine: its pid there is not known"
                )
            raise DriverError(f"{self.describe()} is an attached fd: there is no child process")
        return pid

    @property
    def host(self) -> str | None:
        """Where the child runs, ``user@name:port`` (``host=``); None on this machine."""
        return self._state.process.host

    @property
    def argv(self) -> list[str]:
        """The command as started (a str argv is shown split)."""
        return self._state.argv

    @property
    def backend(self) -> str:
        """``"pipe"``, ``"pty"``, or ``"fd"`` for an attached fd (on a remote
        host too: see :attr:`host`)."""
        return self._state.backend.name

    @property
    def has_terminal(self) -> bool:
        """Whether the child runs on a terminal (the pty backend)."""
        return self._state.terminal is not None

    @property
    def returncode(self) -> int | None:
        """None while the child runs; its exit status, or ``-N`` for signal N.

        Raises:
            driver.ExitStatusUnknown: the child has exited but its status is
                lost (this process ignores SIGCHLD); never read as 0.
        """
        return self._state.returncode()

    def waiting_for_input(self) -> bool | None:
        """Whether the child is blocked reading its input right now: its
        stdin, or its terminal opened again (``/dev/tty``, as getpass reads).

        Returns:
            True if it has said all it will until it is sent something;
            False if not, or it has exited; None where that cannot be seen
            (it is read from Linux's /proc).
        """
        # An attached fd's other end cannot be seen: None.
        return self._state.process.reading_input() if self.alive else False

    @property
    def alive(self) -> bool:
        """True while the child has not exited."""
        return self._state.process.running()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has reaped the child and released everything."""
        return self._state.closed

    @property
    def timeout(self) -> float | None:
        """The default deadline in seconds of every call that waits; None for none."""
        return self._state.timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._state.timeout = check_timeout(value)

    @property
    def on_read(self) -> Callable[[AnyStr], object] | None:
        """A callable given each piece of output as it is read, or None; settable.

        It sees the output unmasked, before any read consumes it (a live
        view, a progress display, a log of your own). The transcript and
        ``log`` are kept either way.
        """
        return self._state.read_tap

    @on_read.setter
    def on_read(self, tap: Callable[[AnyStr], object] | None) -> None:
        self._state.read_tap = _checked_tap(tap, "on_read")

    @property
    def on_send(self) -> Callable[[AnyStr], object] | None:
        """A callable given everything sent, once the child's input took it (secrets
        too; of a send interrupted part-way, the part it took), or None; settable."""
        return self._state.send_tap

    @on_send.setter
    def on_send(self, tap: Callable[[AnyStr], object] | None) -> None:
        self._state.send_tap = _checked_tap(tap, "on_send")

    @property
    def torn_input(self) -> AnyStr | None:
        """The rest of a send interrupted part-way, or None while the input is whole.

        A send cancelled, interrupted (^C) or timed out after the child took
        part of it leaves the child holding the start of a line; the
        transcript shows that part as sent. Until :meth:`accept_torn_input`,
        every send raises :class:`driver.InputTorn`.
        """
        rest: AnyStr | None = self._state.torn_rest()
        return rest

    def accept_torn_input(self) -> AnyStr:
        """Accept that a send was interrupted part-way, so sends go on.

        The child holds the start of a line. Send the returned rest to
        complete it, or end the line as the program needs (a terminal's line
        is dropped by ``send_control("u")``); a pipe's input can only go on
        or end.

        Returns:
            The part the child did not get (empty if the input was whole);
            in a text session a character cut in two starts it as U+FFFD.
        """
        rest = self._state.torn_rest()
        self._state.torn = None
        if rest is None:
            return "" if self._state.kind is str else b""  # type: ignore[return-value]
        accepted: AnyStr = rest
        return accepted

    @property
    def echo(self) -> bool:
        """Whether the terminal echoes what is sent (pty); settable. False on pipes."""
        self._state.check_open()
        return self._state.terminal is not None and self._state.terminal.echo

    @echo.setter
    def echo(self, on: bool) -> None:
        self._state.needs_terminal("setting echo").echo = on

    @property
    def canonical(self) -> bool:
        """Whether the terminal hands input over a line at a time, edited by
        the terminal (pty). False while the program reads key by key and edits
        the line itself (readline, editline) or runs a full screen; False on
        pipes."""
        self._state.check_open()
        return self._state.terminal is not None and self._state.terminal.canonical

    @property
    def transcript(self) -> str:
        """The exchange so far in session-file form (sent lines as ``> text``)."""
        return self._state.transcript.render()

    def render_transcript(self, *, placeholders: bool = False) -> str:
        """The transcript, as :attr:`transcript`.

        Args:
            placeholders: write secret inputs as ``${SECRET_1}``... (as
                ``driver record`` does) instead of ``********``, and lines
                sent in clear as sent. In the output, a secret input's value
                reads ``${SECRET_n}`` where the program shows it back, and
                any other secret, or one that is also ordinary text of the
                session (sent in clear, printed before it was sent), as
                ``.+`` in a regex line.

        Returns:
            The exchange so far in session-file form.
        """
        return self._state.transcript.render(placeholders=placeholders)

    @property
    def inputs(self) -> int:
        """How many inputs the child was sent so far: each send, line, control
        character, EOF and signal.

        What drives a session through its own calls (:class:`driver.Repl`)
        tells from it whether anything else sent the child input meanwhile.
        """
        return self._state.inputs

    @property
    def secret_inputs(self) -> int:
        """How many inputs were secret (numbered ``SECRET_1``... in placeholders)."""
        return self._state.transcript.secret_lines

    def add_secret(self, text: str | bytes) -> None:
        """Mask ``text`` wherever driver shows text from now on.

        Args:
            text: the secret value (a token the program prints, say).
        """
        if text:
            self._state.transcript.secrets.add(text)

    @property
    def secrets(self) -> Secrets:
        """The secrets this session masks, as it knows them now: each sent as
        one, added, or given as a :class:`driver.Secret` pattern or argument.

        For a tool of your own that shows the session's text: masking what
        comes in pieces (:meth:`driver.Secrets.incremental`) or a screen's
        rows (:meth:`driver.Secrets.mask_rows`). Add to it with :meth:`add_secret`.
        """
        return self._state.transcript.secrets

    def mask(self, text: AnyStr) -> AnyStr:
        """``text`` as driver shows it anywhere.

        Args:
            text: any text or bytes.

        Returns:
            ``text`` with every secret, and every piece of one, replaced by
            ``********``.
        """
        masked: AnyStr = self._state.masked(text)
        return masked

    def send_signal(self, sig: int) -> None:
        """Send signal ``sig`` to the child process (not its group), as subprocess does.

        Args:
            sig: the signal number (``signal.SIGUSR1``...).

        Raises:
            driver.SessionClosed: the session is closed.
        """
        self._state.signal(sig)

    def terminate(self) -> None:
        """Send SIGTERM to the child's process group (nothing once it is reaped)."""
        self._state.process.signal_group(signal.SIGTERM)

    def kill(self) -> None:
        """Send SIGKILL to the child's process group (nothing once it is reaped)."""
        self._state.process.signal_group(signal.SIGKILL)

    @property
    def window_size(self) -> tuple[int, int]:
        """(rows, cols) of the child's terminal (pty backend).

        Raises:
            driver.DriverError: the session has no terminal (pipe backend).
        """
        return self._state.needs_terminal("window_size").window_size

    def fileno(self) -> int:
        """The fd the child's output is read from (a pty's master, or the stdout pipe).

        For watching it with select or an event loop of your own; reading
        from it takes output past driver, which then never sees it.

        Raises:
            driver.SessionClosed: the session is closed.
        """
        self._state.check_open()
        return self._state.backend.output_fds["stdout"]

    def set_window_size(self, rows: int, cols: int) -> None:
        """Resize the child's terminal (pty backend); it receives SIGWINCH.

        Args:
            rows: the new height, in lines.
            cols: the new width, in characters.

        Raises:
            driver.DriverError: the session has no terminal (pipe backend).
        """
        terminal = self._state.needs_terminal("set_window_size()")
        if self._state.screen is not None:
            self._state.screen.resize(rows, cols)  # first: it refuses a size too large
        terminal.set_window_size(rows, cols)

    @property
    def has_screen(self) -> bool:
        """Whether the session keeps a screen (``screen=True``)."""
        return self._state.screen is not None

    @property
    def screen(self) -> Screen:
        """The terminal's screen as it stands (``screen=True``): rows, cursor, regions.

        It is drawn from every byte of output as it is read, whether or not
        a read consumed it.

        Raises:
            driver.DriverError: the session keeps no screen.
        """
        return self._state.needs_screen("screen")

    def abort(self) -> int:
        """Kill the process group at once, reap and release; no EOF, no grace.

        For when waiting politely is not possible (an event loop that is
        gone, a teardown that must not block). Safe to call twice.

        Returns:
            The child's returncode (``-9`` when the kill ended it).

        Raises:
            driver.ExitStatusUnknown: its status is lost (see :attr:`returncode`),
                once everything is released.
        """
        if not self._state.closed:
            self._release_engine()
            self._state.abort()
        return self._state.exit_status()

    def _release_engine(self) -> None:
        """Stop watching the child's fds (before they are closed)."""

    def describe(self) -> str:
        """The child for a message.

        Returns:
            Its command, pid and state, as in
            ```python3 repl.py` (pid 4711, running)``.
        """
        return self._state.describe()

    def __repr__(self) -> str:
        return f"<driver.{self._kind} {self.describe()} backend={self.backend}>"

    def __del__(self) -> None:
        child = getattr(self, "_state", None)
        if child is None or child.closed or not self._owner:
            return
        warnings.warn(
            f"session {child.describe()} was never closed; use a `with` block or call close()",
            ResourceWarning,
            stacklevel=2,
            source=self,
        )
        try:
            self._release_engine()
        finally:
            child.abort()


def _checked_tap(tap: Any, name: str) -> Any:
    if tap is not None and not callable(tap):
        raise TypeError(f"{name}={tap!r}: expected a callable taking the text, or None")
    return tap
