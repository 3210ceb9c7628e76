"""What every pexpect spawn class shares, over a :class:`driver.Session`.

pexpect's names and results are translated here and nowhere else: patterns
in (strings compiled with DOTALL, pexpect's EOF and TIMEOUT classes), the
index out, ``before``/``after``/``match`` set as pexpect sets them, driver's
errors raised as pexpect's. The waiting, matching and buffering are
driver's: linear search, nothing lost at a timeout, no fixed sleep before a
send (a wait until the child on a terminal reads, at most pexpect's 50 ms).

What this layer writes (the logfiles, its messages, ``str(child)``) goes
through the session's masking, as everything driver shows: a secret sent
(``sendline(driver.Secret(pw))``) or added never shows there. What it
returns (``before``, ``after``, ``match``, ``read()``) is the child's output
as it came, for the code to match.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import sys
import time
import weakref
from collections.abc import Iterator
from typing import Any, TextIO

import driver

from .exceptions import EOF, TIMEOUT, ExceptionPexpect

#: pexpect's message for a pattern of the wrong kind (its tests match "must be one of").
_BAD_PATTERN = (
    "Argument must be one of StringTypes, EOF, TIMEOUT, SRE_Pattern, or a list of those type. {!r}"
)
#: The sentinels of an expect list, as driver spells them.
_SENTINELS = {EOF: driver.EOF, TIMEOUT: driver.TIMEOUT}
#: pexpect's delaybeforesend, which it sleeps before each send. Unless a
#: script sets one, driver waits instead until the child on the terminal
#: reads (usually microseconds), and never longer than pexpect would sleep.
DELAY_BEFORE_SEND = 0.05


class SpawnBase:
    """pexpect's spawn API over a driver session; see :class:`driver.pexpect.spawn`.

    A subclass starts the session (a pty, a pipe, an fd) and hands it to
    :meth:`_drive`.
    """

    encoding: str | None = None
    pid: int | None = None
    flag_eof: bool = False

    def __init__(
        self,
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
    ) -> None:
        self.stdin: TextIO = sys.stdin
        self.stdout: TextIO = sys.stdout
        self.stderr: TextIO = sys.stderr
        #: pexpect's searcher object; driver compiles its patterns itself.
        self.searcher: None = None
        self.ignorecase = False
        self.before: Any = None
        self.after: Any = None
        self.match: Any = None
        self.match_index: int | None = None
        self.terminated: bool = True
        self.exitstatus: int | None = None
        self.signalstatus: int | None = None
        self.status: int | None = None
        self.child_fd: int = -1
        self.timeout = timeout
        self.delimiter = EOF
        self.logfile = logfile
        self.logfile_read: Any = None
        self.logfile_send: Any = None
        self.maxread = maxread
        self.searchwindowsize = searchwindowsize
        # pexpect's value; a wait for the child to read unless a script sets one.
        self._delaybeforesend: float | None = DELAY_BEFORE_SEND
        self._delay_set = False
        self.delayafterclose: float = 0.1
        self.delayafterterminate: float = 0.1
        self.delayafterread: float | None = None
        self.softspace = False
        self.name: str = "<" + repr(self) + ">"
        self.closed: bool = True
        self.encoding = encoding
        self.codec_errors = codec_errors
        self.string_type: type = bytes if encoding is None else str
        self.crlf: Any = b"\r\n" if encoding is None else "\r\n"
        self.linesep: Any = os.linesep.encode("ascii") if encoding is None else os.linesep
        self.allowed_string_types: tuple[type, ...] = (bytes, str) if encoding is None else (str,)
        self._session: Any = None
        self._read_log: Any = None  # the session's secrets masker for what is read

    # -- the driver session ------------------------------------------------

    def _drive(self, session: driver.Session[Any]) -> None:
        """Take ``session`` over: its taps feed the logfiles."""
        self._session = session
        self._read_log = session.secrets.incremental()
        # The taps hold this object weakly: a spawn nobody holds is collected
        # (and ends its child, as pexpect's does) as soon as it is dropped.
        me = weakref.ref(self)
        session.on_read = lambda data: _log_to(me, data, "read")
        session.on_send = lambda data: _log_to(me, data, "send")
        self.closed = False
        self.terminated = False

    def _driver_options(self) -> dict[str, Any]:
        """The options every session of this object is spawned with."""
        if self.encoding is None:
            return {"encoding": None, "timeout": None}
        # pexpect hands text over as the child wrote it: no line-end translation.
        return {
            "encoding": self.encoding,
            "errors": self.codec_errors,
            "newline": "",
            "timeout": None,
        }

    def _log(self, data: Any, direction: str) -> None:
        """Log ``data`` read or sent, masked: the end of what is read may be
        held back until what follows shows whether it begins a secret."""
        if direction == "send":
            self._release_read_log()  # what was read before is logged before
            self._write_log(self._session.mask(data), self.logfile_send)
        else:
            self._write_log(self._read_log.mask(data), self.logfile_read)

    def _release_read_log(self) -> None:
        """Log what the read log holds back: a send, the end or a close comes."""
        if self._read_log is not None:
            self._write_log(self._read_log.mask(self._empty(), final=True), self.logfile_read)

    def _write_log(self, data: Any, direction_log: Any) -> None:
        if not data:
            return
        for log in (self.logfile, direction_log):
            if log is not None:
                log.write(data)
                log.flush()

    def _masked(self, text: str) -> str:
        """``text`` (a message) with the session's secrets masked."""
        return text if self._session is None else str(self._session.mask(text))

    def _shown(self, value: Any, last: int | None = None) -> str:
        """``value`` as a message shows it (the ``last`` characters of a text):
        masked before a cut could halve a secret and before repr escapes it."""
        if callable(getattr(value, "group", None)) and callable(getattr(value, "span", None)):
            kind = repr(value).partition(";")[0]  # "<regex.Match object" (or re's)
            return f"{kind}; span={value.span()!r}, match={self._shown(value.group())}>"
        if isinstance(value, (str, bytes)) and self._session is not None:
            value = self._session.secrets.hide(value)
        if last is not None and isinstance(value, (str, bytes)):
            value = value[-last:]
        return repr(value)

    def _log_control(self, byte: bytes) -> None:
        """Log a control character written to the terminal, as a send."""
        self._log(byte if self.encoding is None else byte.decode("ascii"), "send")

    @staticmethod
    def _waited(timeout: float | None) -> Any:
        """A pexpect timeout (seconds, None for none) as driver takes it."""
        return driver.Deadline(None) if timeout is None else max(0.0, timeout)

    def _timeout_for(self, timeout: float | None) -> Any:
        return self._waited(self.timeout if timeout == -1 else timeout)

    # -- strings --------------------------------------------------------------

    def _coerce_expect_string(self, s: Any) -> Any:
        if self.encoding is None and not isinstance(s, bytes):
            return s.encode("ascii")
        return s

    def _coerce_expect_re(self, r: re.Pattern[Any]) -> re.Pattern[Any]:
        """A compiled pattern of the session's kind (a str one is encoded for bytes)."""
        pattern = r.pattern
        if self.encoding is None and not isinstance(pattern, bytes):
            return re.compile(pattern.encode("utf-8"), r.flags & ~re.UNICODE)
        if self.encoding is not None and isinstance(pattern, bytes):
            return re.compile(pattern.decode("utf-8"), r.flags)
        return r

    def _coerce_send_string(self, s: Any) -> Any:
        if self.encoding is None and not isinstance(s, bytes):
            return s.encode("utf-8")
        if self.encoding is not None and isinstance(s, bytes):
            return s.decode("utf-8")
        return s

    def _empty(self) -> Any:
        return b"" if self.encoding is None else ""

    @property
    def delaybeforesend(self) -> float | None:
        """pexpect's delay before each send (0.05 s, as pexpect's).

        Left as it is, it is not slept: a send on a terminal waits until the
        child reads its input (or waits on fds), at most this long, so the
        bytes meet the terminal mode the child reads with (a ^D written
        between two ``readline()`` calls is otherwise lost). Set, it is
        slept before each send, as pexpect does; None or 0: no delay at all.
        """
        return self._delaybeforesend

    @delaybeforesend.setter
    def delaybeforesend(self, value: float | None) -> None:
        self._delaybeforesend, self._delay_set = value, True

    # -- patterns ---------------------------------------------------------------

    def compile_pattern_list(self, patterns: Any) -> list[Any]:
        """``patterns`` (one, or a list) as compiled regexes and EOF/TIMEOUT classes."""
        if patterns is None:
            return []
        if not isinstance(patterns, list):
            patterns = [patterns]
        flags = re.DOTALL | (re.IGNORECASE if self.ignorecase else 0)
        compiled: list[Any] = []
        for p in patterns:
            self._secret_pattern(p)
            if isinstance(p, self.allowed_string_types):
                compiled.append(re.compile(self._coerce_expect_string(p), flags))
            elif p in (EOF, TIMEOUT):
                compiled.append(p)
            elif isinstance(p, re.Pattern):
                compiled.append(self._coerce_expect_re(p))
            else:
                raise TypeError(_BAD_PATTERN.format(type(p)))
        return compiled

    def _secret_pattern(self, pattern: Any) -> None:
        """A :class:`driver.Secret` pattern is a secret from now on (as driver's
        expect has it), even once encoded for a bytes session."""
        if isinstance(pattern, driver.Secret) and self._session is not None:
            self._session.add_secret(pattern)

    def _exact_list(self, patterns: Any) -> list[Any]:
        """The strings (and EOF, TIMEOUT) of ``patterns``: one, or any iterable
        of them (mycli passes a tuple), as pexpect takes them."""
        if isinstance(patterns, (*self.allowed_string_types, type)) or patterns in (EOF, TIMEOUT):
            patterns = [patterns]
        try:
            patterns = list(patterns)
        except TypeError:
            raise TypeError(_BAD_PATTERN.format(type(patterns))) from None
        exact = []
        for p in patterns:
            self._secret_pattern(p)
            if isinstance(p, self.allowed_string_types):
                exact.append(self._coerce_expect_string(p))
            elif p in (EOF, TIMEOUT):
                exact.append(p)
            else:
                raise TypeError(_BAD_PATTERN.format(type(p)))
        return exact

    # -- expect -------------------------------------------------------------------

    def expect(
        self,
        pattern: Any,
        timeout: float | None = -1,
        searchwindowsize: int | None = -1,
        async_: bool = False,
        **kw: Any,
    ) -> Any:
        """Wait for ``pattern`` (a regex, EOF, TIMEOUT, or a list); the index that matched."""
        async_ = _async_flag(async_, kw)
        compiled = self.compile_pattern_list(pattern)
        return self.expect_list(compiled, timeout, searchwindowsize, async_)

    def expect_list(
        self,
        pattern_list: list[Any],
        timeout: float | None = -1,
        searchwindowsize: int | None = -1,
        async_: bool = False,
        **kw: Any,
    ) -> Any:
        """:meth:`expect` for a list already compiled by :meth:`compile_pattern_list`."""
        async_ = _async_flag(async_, kw)
        return self._expect(pattern_list, timeout, searchwindowsize, async_, exact=False)

    def expect_exact(
        self,
        pattern_list: Any,
        timeout: float | None = -1,
        searchwindowsize: int | None = -1,
        async_: bool = False,
        **kw: Any,
    ) -> Any:
        """Like :meth:`expect`, for literal strings."""
        async_ = _async_flag(async_, kw)
        exact = self._exact_list(pattern_list)
        if any(isinstance(p, (str, bytes)) and not p for p in exact):
            return self._expect_empty(exact, searchwindowsize, async_)
        return self._expect(exact, timeout, searchwindowsize, async_, exact=True)

    def _expect_empty(self, entries: list[Any], window: Any, async_: bool) -> Any:
        """An empty string matches at once, as in pexpect: where the search
        starts (the unconsumed output, or its last ``window`` characters),
        unless an entry listed before it matches right there. Nothing is read."""
        self._check_open()
        if window == -1:
            window = self.searchwindowsize
        buffer = self._session.unconsumed
        start = max(0, len(buffer) - window) if window else 0
        index = next(
            i
            for i, p in enumerate(entries)
            if isinstance(p, (str, bytes)) and buffer.startswith(p, start)
        )
        end = start + len(entries[index])
        self.before, self.after = buffer[:start], buffer[start:end]
        self.match, self.match_index = entries[index], index
        self._session.unconsumed = buffer[end:]
        return _at_once(index) if async_ else index

    def _expect(
        self, entries: list[Any], timeout: Any, window: Any, async_: bool, *, exact: bool
    ) -> Any:
        if window == -1:
            window = self.searchwindowsize
        # An empty list waits for the end: EOF, raised as nothing was expected.
        spec = [_SENTINELS.get(entry, entry) for entry in entries] or [driver.EOF]
        waited = self._timeout_for(timeout)
        options = {"exact": exact, "window": window}
        if async_:
            return self._expect_async(entries, spec, waited, options)
        self._check_open()
        try:
            found = self._session_expect(spec, waited, **options)
        except (driver.EOF, driver.Timeout) as error:
            raise self._failed(error, entries) from None
        return self._found(found, entries)

    def _session_expect(self, spec: list[Any], waited: Any, *, exact: bool, window: Any) -> Any:
        expect = self._session.expect_exact if exact else self._session.expect
        return expect(spec, waited, window=window)

    async def _expect_async(
        self, entries: list[Any], spec: list[Any], waited: Any, options: dict[str, Any]
    ) -> int:
        self._check_open()
        view = self._session.as_async()
        expect = view.expect_exact if options["exact"] else view.expect
        try:
            found = await expect(spec, waited, window=options["window"])
        except (driver.EOF, driver.Timeout) as error:
            raise self._failed(error, entries) from None
        return self._found(found, entries)

    def _found(self, found: driver.Match[Any], entries: list[Any]) -> int:
        self.before = found.before
        if not entries:  # the end came, and nothing was expected
            self.after, self.match, self.match_index = EOF, None, None
            self._at_eof()
            raise EOF(f"End Of File (EOF).\n{self}")
        entry = entries[found.index]
        if entry in (EOF, TIMEOUT):
            self.after = self.match = entry
            if entry is EOF:
                self._at_eof()
        else:
            self.after = found.text
            self.match = found.re if found.re is not None else found.text
        self.match_index = found.index
        return found.index

    def _failed(self, error: driver.DriverError, entries: list[Any]) -> ExceptionPexpect:
        """pexpect's exception for a driver EOF or Timeout, ``before``/``after`` set."""
        self.before = self._session.unconsumed
        self.match = self.match_index = None
        if isinstance(error, driver.EOF):
            self._session.unconsumed = self._empty()  # pexpect empties its buffer at EOF
            self.after = EOF
            self._at_eof()
            return EOF(
                self._masked(f"End Of File (EOF).\n{self}\n{self._searcher(entries)}\n{error}")
            )
        self.after = TIMEOUT
        return TIMEOUT(
            self._masked(f"Timeout exceeded.\n{self}\n{self._searcher(entries)}\n{error}")
        )

    def _searcher(self, entries: list[Any]) -> str:
        """The patterns waited for, as pexpect's message lists them, secrets masked."""
        shown = [
            repr(entry).replace(repr(entry.pattern), self._shown(entry.pattern), 1)
            if isinstance(entry, re.Pattern)
            else self._shown(entry)
            for entry in entries
        ]
        return f"searcher: [{', '.join(shown)}]"

    def _at_eof(self) -> None:
        self.flag_eof = True
        self._release_read_log()  # nothing more comes

    def _check_open(self) -> None:
        if self._session is None or self.closed:
            raise ValueError("I/O operation on closed file.")

    # -- the buffer ---------------------------------------------------------------

    @property
    def buffer(self) -> Any:
        """What has been read and not yet matched; settable."""
        if self._session is None:
            return self._empty()
        return self._session.unconsumed

    @buffer.setter
    def buffer(self, value: Any) -> None:
        self._session.unconsumed = value

    # -- reading -----------------------------------------------------------------

    def read_nonblocking(self, size: int = 1, timeout: float | None = -1) -> Any:
        """Up to ``size`` characters, waiting at most ``timeout`` for the first."""
        self._check_open()
        if size < 1:
            return self._empty()
        try:
            return self._session.read_some(size, self._timeout_for(timeout))
        except driver.Timeout:
            raise TIMEOUT("Timeout exceeded.") from None
        except driver.EOF:
            self._at_eof()
            raise EOF("End Of File (EOF).") from None

    def read(self, size: int = -1) -> Any:
        """``size`` characters (fewer at EOF); everything up to EOF if negative."""
        if size == 0:
            return self._empty()
        if size < 0:
            self.expect(self.delimiter)
            return self.before
        chunk = re.compile(self._coerce_expect_string(f".{{{size}}}"), re.DOTALL)
        if self.expect([chunk, self.delimiter]) == 0:
            return self.after
        return self.before

    def readline(self, size: int = -1) -> Any:
        """The next line with its ``\\r\\n``; what is left at EOF (empty once all is read)."""
        if size == 0:
            return self._empty()
        if self.expect([self.crlf, self.delimiter]) == 0:
            return self.before + self.crlf
        return self.before

    def __iter__(self) -> Iterator[Any]:
        return iter(self.readline, self._empty())

    def readlines(self, sizehint: int = -1) -> list[Any]:
        """Every line up to EOF, each with its line end."""
        return list(self)

    # -- writing ----------------------------------------------------------------

    def send(self, s: Any) -> int:
        """Send ``s``; the number of bytes written. A :class:`driver.Secret`
        is sent as a secret: never shown in a log or a message."""
        return self._send(self._coerce_send_string(s), secret=isinstance(s, driver.Secret))

    def sendline(self, s: Any = "") -> int:
        """Send ``s`` and ``os.linesep``; the number of bytes written. A
        :class:`driver.Secret` is sent as a secret."""
        line = self._coerce_send_string(s) + self.linesep
        return self._send(line, secret=isinstance(s, driver.Secret))

    def _send(self, s: Any, *, secret: bool) -> int:
        self._check_open()
        self._before_send()
        data = s if isinstance(s, bytes) else s.encode(self.encoding or "utf-8", self.codec_errors)
        try:
            self._session.send(s, secret=secret)
        except driver.EOF as error:  # the child is gone
            return self._sent_after_end(data, error)
        return len(data)

    def _before_send(self) -> None:
        """pexpect's delaybeforesend if a script set one, else :meth:`_until_ready`."""
        if not self._delay_set:
            self._until_ready()
        elif self._delaybeforesend:
            time.sleep(self._delaybeforesend)  # sleep-ok: the script asked for this delay

    def _until_ready(self) -> None:
        """On a terminal, wait (at most pexpect's delaybeforesend) until the
        child reads its input or waits on fds. A byte written while it is
        busy meets whatever terminal mode it sets next: a ^D sent between
        two ``readline()`` calls (pdb's prompts) is lost, a line is echoed
        twice."""
        if self._session.has_terminal:
            self._session.wait_until_idle(DELAY_BEFORE_SEND)

    def _sent_after_end(self, data: bytes, error: driver.EOF) -> int:
        """A send once the child can no longer read: what pexpect's write
        does. Its ``os.write`` to a pipe fails (BrokenPipeError)."""
        raise BrokenPipeError(errno.EPIPE, f"Broken pipe: {error}") from None

    def write(self, s: Any) -> None:
        """Send ``s`` (file-like)."""
        self.send(s)

    def writelines(self, sequence: Any) -> None:
        """Send each string of ``sequence``; no line ends are added."""
        for s in sequence:
            self.write(s)

    def flush(self) -> None:
        """Nothing to flush: every send is written at once."""

    def fileno(self) -> int:
        """The fd the child's output is read from."""
        return self.child_fd

    def isatty(self) -> bool:
        return False

    # -- the end -------------------------------------------------------------------

    def eof(self) -> bool:
        """Whether EOF was seen."""
        return self.flag_eof

    @staticmethod
    @contextlib.contextmanager
    def _status_known() -> Iterator[None]:
        """A lost exit status is an error here too, as pexpect's "Cannot wait for
        dead child process" (never an exit status of 0)."""
        try:
            yield
        except driver.ExitStatusUnknown as error:
            raise ExceptionPexpect(str(error)) from None

    def _record_returncode(self, returncode: int | None) -> None:
        if returncode is None:
            return
        self.terminated = True
        if returncode >= 0:
            self.exitstatus, self.signalstatus, self.status = returncode, None, returncode << 8
        else:
            self.exitstatus, self.signalstatus, self.status = None, -returncode, -returncode

    def __del__(self) -> None:
        # pexpect ends the child of a spawn that is dropped unclosed, quietly.
        session = getattr(self, "_session", None)
        if session is not None and not session.closed:
            with contextlib.suppress(OSError, driver.DriverError):  # the fds went with the process
                session.abort()

    def __enter__(self) -> SpawnBase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self, force: bool = True) -> None:  # pragma: no cover - each kind has its own
        raise NotImplementedError


def _log_to(spawn: weakref.ref[SpawnBase], data: Any, direction: str) -> None:
    target = spawn()
    if target is not None:
        target._log(data, direction)


async def _at_once(index: int) -> int:
    return index


def _async_flag(async_: bool, kw: dict[str, Any]) -> bool:
    """pexpect also takes ``async=`` (before ``async`` became a keyword)."""
    if "async" in kw:
        async_ = kw.pop("async")
    if kw:
        raise TypeError(f"Unknown keyword arguments: {sorted(kw)}")
    return async_
