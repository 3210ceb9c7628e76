"""What a session knows about its child, whatever way it waits.

A :class:`Child` checks the options, starts the backend, owns the output
buffers and the transcript, encodes what is sent and writes the errors.
It never waits: the steps in :mod:`driver._policy` decide what to wait for,
and the sync and async shells carry them out.
"""

from __future__ import annotations

import codecs
import math
import os
import shlex
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TextIO, TypedDict, TypeVar

from ._core import OutputBuffer
from ._errors import (
    EOF,
    DecodeError,
    DriverError,
    SessionClosed,
    SpawnError,
    Timeout,
    describe_child,
    shell_hint,
)
from ._masking import Secret, Secrets
from ._patterns import Entry, Regex, literal_hint
from ._public import public
from ._screen import TERM as SCREEN_TERM
from ._screen import Screen
from ._transcript import DEFAULT_LIMIT, Transcript
from .backends import SIGNAL_NAMES, Backend, discard
from .backends._process import reading_stdin
from .backends._spawn import check_dimensions, check_ignored_signals
from .backends.pipe import PipeBackend
from .backends.pty import PtyBackend, Terminal
from .terminal import key_bytes

_BUFFERING_HINT = (
    "hint: the child may be holding its output in a buffer because its stdout is a pipe"
    " (Python, C stdio and most programs buffer when not writing to a terminal)."
    ' Spawn with backend="pty", or make the child flush (python3 -u, stdbuf -oL).'
)
_OPEN_LINE_HINT = (
    "hint: the last thing sent ended without a newline (send(), not send_line()), so a"
    " program that reads lines is still waiting for the rest of that line. Use"
    " send_line(), which adds the newline, or send the newline now."
)

E = TypeVar("E", Timeout, EOF)


@public
class Deadline:
    """One overall deadline that several calls share.

    Pass it as ``timeout=`` to any call that waits: each waits only for what
    is left of it. ``Deadline(5)`` ends 5 seconds after it is made;
    ``Deadline(None)`` never ends.

    Args:
        seconds: from now until the end: 0 or more, or None (or
            ``math.inf``) for no end.

    Raises:
        ValueError: a negative number or NaN.
        TypeError: not a number.
    """

    __slots__ = ("seconds", "when")

    def __init__(self, seconds: float | None) -> None:
        self.seconds = check_timeout(seconds, "Deadline", zero_ok=True)
        #: The end on the :func:`time.monotonic` clock (``math.inf`` for none).
        self.when = math.inf if self.seconds is None else time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left.

        Returns:
            What is left of it (0 once passed, ``math.inf`` for no end).
        """
        return max(0.0, self.when - time.monotonic())

    def __repr__(self) -> str:
        return f"driver.Deadline({self.seconds}, remaining={self.remaining():.3f})"


#: What every call that waits takes as ``timeout``: seconds, None (the
#: session's default), or a :class:`Deadline` shared with other calls.
TimeoutArg = float | Deadline | None


class SpawnOptions(TypedDict, total=False):
    """The options of :func:`driver.spawn` and :func:`driver.aspawn` but ``encoding``
    (which decides whether the session is one of str or of bytes), for their types."""

    backend: str
    cwd: str | os.PathLike[str] | None
    env: Mapping[str, str] | None
    timeout: float | None
    errors: str
    stderr: str
    echo: bool
    dimensions: tuple[int, int]
    log: TextIO | None
    newline: str | None
    transcript_limit: int | None
    ignore_signals: tuple[int, ...]
    screen: bool
    strip_ansi: bool


def _held_escape_hint(held: str | bytes) -> str:
    if not held:
        return ""
    shown = held[:80]
    return (
        f"note: strip_ansi holds back {len(held)} characters that began an escape sequence"
        f" and are not readable until it ends (at most 4096) or the output does: {shown!r}"
    )


def check_timeout(value: object, what: str = "timeout", *, zero_ok: bool = False) -> float | None:
    """``value`` as seconds to wait: a positive number, None or math.inf (no limit).

    A single call may also take 0: look only at what has arrived.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{what}={value!r}: expected a positive number of seconds, or None to wait forever"
        )
    if math.isnan(value) or value < 0 or (value == 0 and not zero_ok):
        least = "0 or more" if zero_ok else "a positive number of"
        raise ValueError(f"{what}={value!r}: expected {least} seconds, or None to wait forever")
    return None if value == math.inf else float(value)


def _check_codec(encoding: str | None, errors: str) -> None:
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"encoding={encoding!r} is not a codec Python knows (for example 'utf-8',"
                " 'latin-1'); use encoding=None for a bytes session"
            ) from None
    try:
        codecs.lookup_error(errors)
    except LookupError:
        raise ValueError(
            f"errors={errors!r} is not an error handler Python knows"
            " ('strict', 'replace', 'backslashreplace', 'ignore', ...)"
        ) from None


def _check_log(log: object) -> None:
    if log is not None and not callable(getattr(log, "write", None)):
        raise TypeError(
            f"log={log!r}: expected a text file open for writing (sys.stdout, open(path, 'w'))"
        )


def _shown_spawn_error(error: SpawnError, argv: list[Any], secrets: Secrets) -> SpawnError:
    """``error`` as it may be shown: with the hint if argv holds shell syntax
    (the likely reason a command copied from a shell cannot start), secrets masked."""
    hint = shell_hint(argv)
    if not hint and not secrets:
        return error
    message = f"{error.message}\n{hint}" if hint else error.message
    shown = SpawnError(secrets.mask(message), error.errno)
    if not secrets:  # the OS's reason holds no secret; with secrets, no context shows
        shown.__cause__ = error.__cause__
    return shown


class Child:
    """One spawned child: backend, buffers, transcript, options."""

    def __init__(
        self,
        argv: str | Sequence[str],
        *,
        backend: str | Backend = "pipe",
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = 10.0,
        encoding: str | None = "utf-8",
        errors: str = "strict",
        stderr: str = "stdout",
        echo: bool = False,
        dimensions: tuple[int, int] = (24, 80),
        log: TextIO | None = None,
        newline: str | None = None,
        transcript_limit: int | None = DEFAULT_LIMIT,
        ignore_signals: tuple[int, ...] = (),
        screen: bool = False,
        strip_ansi: bool = False,
    ) -> None:
        # Every option is checked before anything starts.
        ignored = check_ignored_signals(ignore_signals)
        if screen and errors == "strict":
            # The screen shows a byte that is not UTF-8 as a terminal does (as
            # U+FFFD): the text reads see it the same way, not as an error.
            errors = "replace"
        self.timeout = check_timeout(timeout)
        _check_codec(encoding, errors)
        if newline not in (None, ""):
            raise ValueError(
                f"newline={newline!r}: expected None (\\r\\n read as \\n) or '' (line ends"
                " kept as they came)"
            )
        if not isinstance(backend, Backend) and backend not in ("pipe", "pty"):
            raise ValueError(f"backend={backend!r}: expected 'pipe' or 'pty'")
        if backend == "pty" and stderr != "stdout":
            raise ValueError(
                f"stderr={stderr!r} needs the pipe backend: on a pty, stderr is the terminal"
            )
        _check_log(log)
        if transcript_limit is not None and (
            isinstance(transcript_limit, bool)
            or not isinstance(transcript_limit, int)
            or transcript_limit < 1
        ):
            raise ValueError(
                f"transcript_limit={transcript_limit!r}: expected how many characters of"
                " the exchange to keep in memory (a positive int), or None for all"
            )
        check_dimensions(dimensions)
        #: The terminal's screen, kept from the raw output (screen=True), or None.
        self.screen: Screen | None = None
        if screen:
            if backend != "pty":
                raise ValueError(
                    f"screen=True needs backend='pty' (got {backend!r}): a screen is"
                    " what a terminal shows"
                )
            self.screen = Screen(*dimensions)  # (too large a one is refused)
            # The screen is an xterm's: the program must draw for one.
            env = {**(os.environ if env is None else env), "TERM": SCREEN_TERM}
        given = shlex.split(argv) if isinstance(argv, str) else list(argv)
        self.encoding = encoding
        self.errors = errors
        self.kind: type = str if encoding is not None else bytes
        cwd_str = os.fspath(cwd) if cwd is not None else None
        # An argument given as a Secret is masked wherever the command line shows.
        secrets = Secrets(argument for argument in given if isinstance(argument, Secret))
        self.backend: Backend
        failure: SpawnError | None = None
        try:
            if isinstance(backend, Backend):  # attached: started elsewhere, given whole
                self.backend = backend
            elif backend == "pipe":
                self.backend = PipeBackend(
                    given, cwd=cwd_str, env=env, stderr=stderr, ignored=ignored
                )
            else:
                self.backend = PtyBackend(
                    given, cwd=cwd_str, env=env, echo=echo, dimensions=dimensions, ignored=ignored
                )
        except SpawnError as error:
            failure = _shown_spawn_error(error, given, secrets)
            if failure is error:
                raise
        if failure is not None:  # raised here, so that it has no context to show
            raise failure
        try:
            self._take_over(given, encoding, errors, newline, strip_ansi)
            self.transcript = Transcript(log, transcript_limit)
            for secret in secrets:
                self.transcript.secrets.add(secret)
        except BaseException:  # interrupted: the child must not outlive the spawn
            discard(self.backend)
            raise

    def _take_over(
        self,
        argv: list[Any],
        encoding: str | None,
        errors: str,
        newline: str | None,
        strip_ansi: bool,
    ) -> None:
        """Everything but the child: names, buffers, transcript."""
        self.argv = [os.fspath(arg) for arg in argv]  # checked by the backend
        self.process = self.backend.process
        self.terminal: Terminal | None = self.backend.terminal
        self.buffers: dict[str, OutputBuffer] = {
            name: OutputBuffer(encoding, errors, newline, strip_ansi=strip_ansi)
            for name in self.backend.output_fds
        }
        self.open_outputs = len(self.buffers)  # not yet at EOF
        #: Set once the session is closed: the child reaped, every fd released.
        self.closed = False
        #: Whether a wait for the exit that usually follows EOF was done.
        self.exit_after_eof_awaited = False
        #: How many bytes of stdout were read so far.
        self.received = 0
        #: Whether the last thing sent ended mid-line (a send() without "\n").
        self.line_open = False
        #: Called with each piece of stdout as it is read (str or bytes, as the session).
        self.read_tap: Callable[[Any], object] | None = None
        #: Called with each thing sent, as it is about to be written.
        self.send_tap: Callable[[Any], object] | None = None

    # -- facts ----------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The child's pid; None for an attached fd, which has no child."""
        return self.process.pid

    def describe(self) -> str:
        returncode = self.process.returncode if self.closed else self.process.poll()
        return describe_child(self.shown_argv(), self.pid, returncode)

    def shown_argv(self) -> list[str]:
        """The command line as driver shows it: each argument masked."""
        return [self.transcript.secrets.mask(argument) for argument in self.argv]

    def check_open(self) -> None:
        if self.closed:
            raise SessionClosed(
                f"session {self.describe()} is closed; spawn a new one to talk to the program again"
            )

    def deadline(self, timeout: TimeoutArg) -> float:
        """The absolute deadline (monotonic clock) of a call given ``timeout``."""
        if isinstance(timeout, Deadline):
            return timeout.when
        waited = self.timeout if timeout is None else check_timeout(timeout, zero_ok=True)
        if waited is None:
            return math.inf
        return time.monotonic() + waited

    def waited(self, timeout: TimeoutArg) -> float | None:
        """The seconds a call given ``timeout`` waits in all, for messages."""
        if isinstance(timeout, Deadline):
            return timeout.seconds
        return self.timeout if timeout is None else timeout

    def needs_terminal(self, what: str) -> Terminal:
        self.check_open()
        if self.terminal is None:
            raise DriverError(f'{what} needs a terminal; spawn with backend="pty"')
        return self.terminal

    # -- sending ----------------------------------------------------------

    def encode(self, text: Any, *, secret: bool = False) -> bytes:
        if isinstance(text, str):
            if self.encoding is not None:
                return text.encode(self.encoding, self.errors)
            if not text:
                return b""  # send_line() with no text in a bytes session
            raise TypeError(
                f"send() of {self._shown_value(text, secret)}: this is a bytes session"
                " (encoding=None); pass bytes"
            )
        if self.encoding is None and isinstance(text, (bytes, bytearray, memoryview)):
            return bytes(text)
        raise TypeError(
            f"send() of {self._shown_value(text, secret)}: this session sends str; pass a str,"
            " or spawn with encoding=None for a bytes session"
        )

    def _shown_value(self, value: Any, secret: bool) -> str:
        if secret:
            return f"a secret {type(value).__name__}"
        if isinstance(value, (str, bytes)):
            return repr(self.transcript.secrets.hide(value))
        return repr(value)

    def outgoing(self, text: Any, end: bytes = b"", *, secret: bool = False) -> bytes:
        """The bytes to write for ``send(text)`` (plus ``end``), recorded in the transcript."""
        self.check_open()
        secret = secret or isinstance(text, Secret)
        data = self.encode(text, secret=secret) + end
        shown = data if self.kind is bytes else str(text) + end.decode()
        self.transcript.record_sent(shown, secret=secret)
        if self.send_tap is not None and shown:
            self.send_tap(shown)
        if shown:
            last = shown[-1:] if isinstance(shown, str) else shown[-1:].decode("latin-1")
            # A terminal hands Enter ("\r") over as "\n" (ICRNL); a pipe, bytes as they are.
            self.line_open = last not in ("\n\r" if self.terminal is not None else "\n")
        return data

    def add_secret_patterns(self, spec: Any) -> None:
        """A pattern given as a :class:`Secret` (or compiled from one) is a secret
        from now on, as a value sent as one is: neither it nor output holding
        its text ever shows."""
        for item in spec if isinstance(spec, (list, tuple)) else [spec]:
            text = getattr(item, "pattern", item)
            if isinstance(text, Secret):
                self.transcript.secrets.add(text)

    def shown(self, output: Any) -> Any:
        """Output as an error may show it: secrets masked, in str or bytes."""
        if isinstance(output, str):
            return self.transcript.secrets.mask(output)
        return self.transcript.secrets.mask_bytes(output, self.encoding or "utf-8")

    def decode_error(self, error: DecodeError) -> DecodeError:
        """``error`` as it may be shown: the secrets in its raw bytes masked."""
        raw = self.shown(error.raw)
        if raw == error.raw:
            return error
        return DecodeError(
            encoding=error.encoding, offset=error.offset, raw=raw, reason=error.reason
        )

    def needs_screen(self, what: str) -> Screen:
        """The screen, for ``what``; an error that says how to get one if none
        is kept. (It stays readable once the session is closed.)"""
        if self.screen is None:
            raise DriverError(
                f"{what} needs a screen: spawn {self.describe()} with screen=True"
                " (and backend='pty')"
            )
        return self.screen

    def key_bytes(self, names: Sequence[str]) -> bytes:
        """The bytes the keys ``names`` send, in the cursor-key mode the screen
        is in (normal without a screen); recorded as ``%key`` lines."""
        self.check_open()
        if not names:
            raise ValueError("send_key() needs at least one key name, such as 'enter'")
        application = self.screen is not None and self.screen.cursor_keys_application
        data = b"".join(key_bytes(name, application=application) for name in names)
        self.transcript.record_directive(f"%key {' '.join(names)}")
        return data

    def control(self, char: str) -> bytes | None:
        """The bytes for Ctrl-``char``; None when it means "end the input" on a pipe."""
        self.check_open()
        if self.terminal is None:
            if char.lower() != "d":
                raise DriverError(
                    f"send_control({char!r}) needs a terminal: on the pipe backend nothing"
                    " turns a control character into a signal. Use interrupt() or"
                    ' send_signal(), or spawn with backend="pty".'
                )
            return None
        data = self.terminal.control_bytes(char)
        self.transcript.record_directive(f"%control {char}")
        self.line_open = False  # ^D hands an open line over, ^C and ^U drop it
        return data

    def eof_bytes(self) -> bytes | None:
        """send_eof: the terminal's EOF byte to write, or None to close a pipe's input."""
        self.check_open()
        self.transcript.record_directive("%eof")
        self.line_open = False  # the child gets what is open, then EOF
        if self.terminal is None:
            if self.backend.input_fd is not None:
                self.backend.close_input()
            return None
        return self.terminal.eof_bytes()

    def signal(self, sig: int, *, group: bool = False) -> None:
        """Signal the child (as subprocess does), or with ``group`` its process group."""
        self.check_open()
        name = SIGNAL_NAMES.get(int(sig), str(int(sig)))
        self.transcript.record_directive(f"%signal {name.removeprefix('SIG')}")
        if group:
            self.process.signal_group(sig)
        else:
            self.process.signal(sig)

    # -- receiving --------------------------------------------------------

    def on_output(self, name: str, data: bytes) -> None:
        """Bytes read from output ``name``; ``b""`` means it reached EOF."""
        buffer = self.buffers[name]
        if name == "stdout":
            self.received += len(data)
            if self.screen is not None and data:
                self.screen.feed(data)
        if data:
            text = buffer.feed(data)
        else:
            text = buffer.feed_eof()
            self.open_outputs -= 1
        if name == "stdout":
            self.transcript.record_output(text)
            if text and self.read_tap is not None:
                self.read_tap(text)

    def read_ready(self, limit: int = 1 << 20) -> None:
        """Take in what the outputs already hold, without waiting. At most
        ``limit`` bytes per output, for a child that is still flooding."""
        if self.closed:
            return
        for name, fd in self.backend.output_fds.items():
            buffer, taken = self.buffers[name], 0
            while not buffer.eof and taken < limit:
                data = self.backend.read(fd)
                if data is None:
                    break
                self.on_output(name, data)
                taken += len(data)

    # -- ending -----------------------------------------------------------

    def release(self) -> int:
        """Reap the child (it has exited or been killed) and release every fd.

        ``closed`` turns true only here, once the child is reaped.
        """
        returncode = self.process.reap()
        self.closed = True
        try:
            self.backend.close()
        finally:
            self.transcript.flush_log()
        return returncode

    def abort(self) -> int:
        """Kill the process group, reap, release: for when waiting politely is
        no longer possible (an interrupted close, a session nobody closed)."""
        self.process.signal_group(signal.SIGKILL)
        return self.release()

    # -- errors ----------------------------------------------------------

    def _error(
        self,
        kind: type[E],
        message: str,
        pattern: str,
        *,
        buffer: OutputBuffer | None = None,
        timeout: float | None = None,
        hint: str = "",
    ) -> E:
        """A Timeout or EOF carrying what a person needs to see: output, transcript, child."""
        buffer = self.buffers["stdout"] if buffer is None else buffer
        # Whatever went wrong, a command line copied from a shell is a likely cause.
        parts = (hint, _held_escape_hint(buffer.held_escape()), shell_hint(self.argv))
        hint = "\n".join(part for part in parts if part)
        return kind(
            self.shown(message),
            pattern=self.shown(pattern),
            timeout=timeout,
            output=self.shown(buffer.unconsumed()),
            transcript_tail=self.transcript.tail(),
            argv=self.shown_argv(),
            pid=self.pid,
            returncode=self.process.returncode,
            hint=self.shown(hint),
            screen=self.shown(self.screen.snapshot()) if self.screen is not None else "",
        )

    def timeout_error(
        self,
        buffer: OutputBuffer,
        what: str,
        timeout: TimeoutArg,
        *,
        quiet: bool,
        hint: str = "",
        entries: Sequence[Entry[Any]] = (),
    ) -> Timeout:
        """``entries``: the patterns waited for; ``quiet``: nothing came meanwhile."""
        waited = self.waited(timeout)
        hint = hint or self._timeout_hint(buffer, entries, quiet=quiet)
        message = f"timed out after {waited} s waiting for {what} from {self.describe()}"
        return self._error(Timeout, message, what, buffer=buffer, timeout=waited, hint=hint)

    def _timeout_hint(
        self, buffer: OutputBuffer, entries: Sequence[Entry[Any]], *, quiet: bool
    ) -> str:
        """The likeliest cause that shows, first the surest: a regex whose text
        came as written, a line sent without its end, output held in a buffer."""
        hint = self._literal_hint(buffer, entries)
        if hint:
            return hint
        if self._line_left_open():
            return _OPEN_LINE_HINT
        # Nothing came, and nothing unread is waiting: the child may be buffering.
        nothing_unread = buffer.consumed == buffer.end
        has_child = self.pid is not None  # an attached fd has none to hold output back
        if (
            quiet
            and nothing_unread
            and self.terminal is None
            and has_child
            and self.process.poll() is None
        ):
            return _BUFFERING_HINT
        return ""

    def _line_left_open(self) -> bool:
        """Whether the last thing sent ended mid-line while the child reads its
        input: a program that reads lines then waits for the end of that one."""
        if not self.line_open or self.process.poll() is not None:
            return False
        if self.terminal is not None:
            try:
                if not self.terminal.canonical:
                    return False  # the program reads by key: it got every byte
            except OSError:
                return False
        if self.pid is None:
            return True  # an attached fd: the other end may well wait for the line
        return reading_stdin(self.pid) is not False  # None: it cannot be seen; say it

    def eof_error(self, buffer: OutputBuffer, what: str, entries: Sequence[Entry[Any]] = ()) -> EOF:
        message = f"{self.describe()} closed its output before {what} appeared"
        hint = self._literal_hint(buffer, entries)
        return self._error(EOF, message, what, buffer=buffer, hint=hint)

    def _literal_hint(self, buffer: OutputBuffer, entries: Sequence[Entry[Any]]) -> str:
        """:func:`literal_hint` on the unconsumed output, read only if a regex was
        waited for (it may be large)."""
        if not any(isinstance(entry, Regex) for entry in entries):
            return ""
        return literal_hint(entries, buffer.unconsumed(), self.transcript.secrets.hide)

    def write_timeout_error(self, unwritten: int, total: int, timeout: TimeoutArg) -> Timeout:
        waited = self.waited(timeout)
        message = (
            f"timed out after {waited} s sending to {self.describe()}: {unwritten} of"
            f" {total} bytes unwritten; the child is not reading its input"
        )
        return self._error(Timeout, message, "input to be read", timeout=waited)

    def input_closed_error(self) -> EOF:
        message = (
            f"cannot send to {self.describe()}: its input is closed"
            " (send_eof() was called, or the child closed its stdin or exited)"
        )
        return self._error(EOF, message, "input")

    def echo_timeout_error(self, timeout: TimeoutArg) -> Timeout:
        waited = self.waited(timeout)
        message = (
            f"timed out after {waited} s waiting for {self.describe()} to turn terminal"
            " echo off (as a password prompt does)"
        )
        return self._error(Timeout, message, "echo off", timeout=waited)
