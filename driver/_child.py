"""What a session knows about its child, whatever way it waits.

The sync and async sessions each wrap a :class:`Child`: it starts the
backend, owns the output buffers and the transcript, encodes what is sent
and writes the errors. The sessions add only the waiting.
"""

from __future__ import annotations

import math
import os
import shlex
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TextIO, TypeVar

from ._core import OutputBuffer, Search
from ._errors import EOF, DriverError, SessionClosed, Timeout, describe_child
from ._patterns import compile_patterns
from ._transcript import Transcript
from .backends import SIGNAL_NAMES, Backend
from .backends.pipe import PipeBackend
from .backends.pty import PtyBackend

_BUFFERING_HINT = (
    "hint: the child may be holding its output in a buffer because its stdout is a pipe"
    " (Python, C stdio and most programs buffer when not writing to a terminal)."
    ' Spawn with backend="pty", or make the child flush (python3 -u, stdbuf -oL).'
)

Text = Any  # str for a text session, bytes for a bytes session (encoding=None)
T = TypeVar("T")
E = TypeVar("E", Timeout, EOF)


class _Continue:
    """The type of :data:`driver.CONTINUE`."""

    def __repr__(self) -> str:
        return "driver.CONTINUE"


#: What a dispatch handler returns to keep waiting (Tcl's exp_continue).
CONTINUE = _Continue()

#: How often wait_echo_off looks at the terminal's modes while nothing happens.
ECHO_POLL_SECONDS = 0.01

#: What :meth:`Waiting.step` says when the answer needs more output.
KEEP_WAITING: Any = object()
#: What it says when the stream ended unanswered: raise ``eof_error``.
AT_EOF: Any = object()


class Child:
    """One spawned child: backend, buffers, transcript, options."""

    def __init__(
        self,
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
    ) -> None:
        self.argv = shlex.split(argv) if isinstance(argv, str) else [str(a) for a in argv]
        self.timeout = timeout
        self.encoding = encoding
        self.errors = errors
        self.kind: type = str if encoding is not None else bytes
        cwd_str = os.fspath(cwd) if cwd is not None else None
        self.backend: Backend
        if backend == "pipe":
            self.backend = PipeBackend(self.argv, cwd=cwd_str, env=env, stderr=stderr)
        elif backend == "pty":
            if stderr != "stdout":
                raise ValueError(
                    f"stderr={stderr!r} needs the pipe backend: on a pty, stderr is the terminal"
                )
            self.backend = PtyBackend(
                self.argv, cwd=cwd_str, env=env, echo=echo, dimensions=dimensions
            )
        else:
            raise ValueError(f"backend={backend!r}: expected 'pipe' or 'pty'")
        self.buffers: dict[str, OutputBuffer] = {
            name: OutputBuffer(encoding, errors) for name in self.backend.output_fds
        }
        self.transcript = Transcript(log)
        self.open_outputs = len(self.buffers)  # not yet at EOF
        self.closed = False

    # -- facts ----------------------------------------------------------

    @property
    def pid(self) -> int:
        return self.backend.pid

    def kill_now(self) -> None:
        """Kill the process group, reap, release the fds: for a session
        nobody closed, when waiting politely is no longer possible."""
        self.backend.signal_group(signal.SIGKILL)
        self.backend.reap()
        self.backend.close()
        self.closed = True

    def describe(self) -> str:
        return describe_child(self.argv, self.pid, self.backend.returncode)

    def check_open(self) -> None:
        if self.closed:
            raise SessionClosed(
                f"session {self.describe()} is closed; spawn a new one to talk to the program again"
            )

    def deadline(self, timeout: float | None, now: float | None = None) -> float:
        """Absolute deadline for ``timeout`` (None: the session default) on the monotonic clock."""
        waited = self.waited(timeout)
        if waited is None:
            return math.inf
        return (time.monotonic() if now is None else now) + waited

    def waited(self, timeout: float | None) -> float | None:
        return self.timeout if timeout is None else timeout

    # -- sending ----------------------------------------------------------

    def encode(self, text: Text) -> bytes:
        if isinstance(text, str):
            if self.encoding is not None:
                return text.encode(self.encoding, self.errors)
            if not text:
                return b""  # send_line() with no text in a bytes session
            raise TypeError(
                f"send() of {text!r}: this is a bytes session (encoding=None); pass bytes"
            )
        if self.encoding is None and isinstance(text, (bytes, bytearray, memoryview)):
            return bytes(text)
        raise TypeError(
            f"send() of {text!r}: this session sends str; pass a str,"
            " or spawn with encoding=None for a bytes session"
        )

    def outgoing(self, text: Text, end: bytes = b"", *, secret: bool = False) -> bytes:
        """The bytes to write for ``send(text)`` (plus ``end``), recorded in the transcript."""
        if self.closed:
            self.check_open()
        data = self.encode(text) + end
        shown = data if self.kind is bytes else text + end.decode()
        self.transcript.record_sent(shown, secret=secret)
        return data

    def shown(self, output: Text) -> Text:
        """Output as an error message may show it: secrets masked."""
        if self.transcript.secrets and isinstance(output, str):
            return self.transcript.mask(output)
        return output

    def control(self, char: str) -> bytes | None:
        """The bytes for Ctrl-``char``; None when it means "end the input" on a pipe."""
        self.check_open()
        data = self.backend.control_bytes(char)
        if data is None:
            if char.lower() != "d":
                raise DriverError(
                    f"send_control({char!r}) needs a terminal: on the pipe backend nothing"
                    " turns a control character into a signal. Use interrupt() or"
                    ' send_signal(), or spawn with backend="pty".'
                )
            return None
        self.transcript.record_directive(f"%control {char}")
        return data

    def end_input(self) -> None:
        """send_eof: pipe: close stdin; pty: the EOF character (a one-byte write)."""
        self.check_open()
        self.transcript.record_directive("%eof")
        if self.backend.input_fd is not None:
            self.backend.send_eof()

    def signal(self, sig: int, *, group: bool = False) -> None:
        """Signal the child (as subprocess does), or with ``group`` its process group."""
        self.check_open()
        name = SIGNAL_NAMES.get(int(sig), str(int(sig)))
        self.transcript.record_directive(f"%signal {name.removeprefix('SIG')}")
        if group:
            self.backend.signal_group(sig)
        else:
            self.backend.send_signal(sig)

    def set_window_size(self, rows: int, cols: int) -> None:
        self.needs_terminal("set_window_size()")
        self.backend.set_window_size(rows, cols)

    def needs_terminal(self, what: str) -> None:
        self.check_open()
        if self.backend.name != "pty":
            raise DriverError(f'{what} needs a terminal; spawn with backend="pty"')

    # -- receiving --------------------------------------------------------

    def search(self, buffer: OutputBuffer, spec: Any, *, exact: bool) -> Search:
        """A search of ``buffer`` for what expect/expect_exact was given."""
        self.check_open()
        return Search(buffer, compile_patterns(spec, exact=exact, kind=self.kind))

    def on_output(self, name: str, data: bytes) -> None:
        """Bytes read from output ``name``; ``b""`` means it reached EOF."""
        buffer = self.buffers[name]
        if data:
            text = buffer.feed(data)
        else:
            text = buffer.feed_eof()
            self.open_outputs -= 1
        if name == "stdout":
            self.transcript.record_output(text)

    def read_ready(self, limit: int = 1 << 20) -> None:
        """Take in what the outputs already hold, without waiting: so a report
        on a child that has exited shows all it printed. At most ``limit``
        bytes per output, for a child that is still flooding."""
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

    # -- errors ----------------------------------------------------------

    def _error(
        self,
        kind: type[E],
        message: str,
        pattern: str,
        *,
        buffer: OutputBuffer | None = None,
        timeout: float | None = None,
        returncode: int | None = None,
        hint: str = "",
    ) -> E:
        """A Timeout or EOF carrying what a person needs to see: output, transcript, child."""
        buffer = self.buffers["stdout"] if buffer is None else buffer
        return kind(
            message,
            pattern=pattern,
            timeout=timeout,
            output=self.shown(buffer.unconsumed()),
            transcript_tail=self.transcript.tail(),
            argv=self.argv,
            pid=self.pid,
            returncode=self.backend.returncode if returncode is None else returncode,
            hint=hint,
        )

    def timeout_error(
        self, buffer: OutputBuffer, what: str, timeout: float | None, *, quiet: bool
    ) -> Timeout:
        waited = self.waited(timeout)
        hint = ""
        # Nothing came, and nothing unread is waiting: the child may be buffering.
        nothing_unread = buffer.consumed == buffer.end
        if quiet and nothing_unread and self.backend.name == "pipe" and self.backend.poll() is None:
            hint = _BUFFERING_HINT
        message = f"timed out after {waited} s waiting for {what} from {self.describe()}"
        return self._error(Timeout, message, what, buffer=buffer, timeout=waited, hint=hint)

    def eof_error(self, buffer: OutputBuffer, what: str, returncode: int | None) -> EOF:
        message = f"{self.describe()} closed its output before {what} appeared"
        return self._error(EOF, message, what, buffer=buffer, returncode=returncode)

    def write_timeout_error(self, unwritten: int, total: int, timeout: float | None) -> Timeout:
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

    def echo_timeout_error(self, timeout: float | None) -> Timeout:
        waited = self.waited(timeout)
        message = (
            f"timed out after {waited} s waiting for {self.describe()} to turn terminal"
            " echo off (as a password prompt does)"
        )
        return self._error(Timeout, message, "echo off", timeout=waited)


class Waiting(Generic[T]):
    """One wait for an answer from a buffer: the decisions between wake-ups.

    The sync and async loops both run ``step`` after every wake-up and act on
    what it says; only how they wait in between differs.
    """

    __slots__ = (
        "_arrived_before", "_attempt", "_buffer", "_child", "_search", "_timeout", "_what",
        "deadline",
    )  # fmt: skip

    def __init__(
        self,
        child: Child,
        buffer: OutputBuffer,
        attempt: Callable[[], T | None],
        what: str,
        timeout: float | None,
        search: Search | None,
        now: float,
        deadline: float | None = None,
    ) -> None:
        self._child = child
        self._buffer = buffer
        self._attempt = attempt
        self._what = what
        self._timeout = timeout
        self._search = search
        waited = child.timeout if timeout is None else timeout
        if deadline is None:
            deadline = math.inf if waited is None else now + waited
        self.deadline = deadline
        self._arrived_before = buffer.end

    def step(self, timed_out: bool) -> T:
        """The answer, KEEP_WAITING or AT_EOF; raises Timeout or DecodeError."""
        result = self._attempt()
        if result is not None:
            return result
        buffer, search = self._buffer, self._search
        if buffer.failure is not None:
            if search is not None and (found := search.finish(None)) is not None:
                return found  # type: ignore[return-value]
            buffer.raise_if_undecodable()
            raise buffer.failure
        if buffer.eof:
            if search is not None and (found := search.finish(EOF)) is not None:
                return found  # type: ignore[return-value]
            return AT_EOF  # type: ignore[no-any-return]
        if timed_out:
            if search is not None and (found := search.finish(Timeout)) is not None:
                return found  # type: ignore[return-value]
            quiet = buffer.end == self._arrived_before
            raise self._child.timeout_error(buffer, self._what, self._timeout, quiet=quiet)
        return KEEP_WAITING  # type: ignore[no-any-return]

    def eof_error(self, returncode: int | None) -> EOF:
        return self._child.eof_error(self._buffer, self._what, returncode)
