"""What a session knows about its child, whatever way it waits.

A :class:`SessionState` holds the backend, the output buffers, the
transcript and the screen; it encodes what is sent, takes in what is read,
and gathers the facts an error shows (the words are in
:mod:`driver._messages`). It never waits: the steps in :mod:`driver._policy`
decide what to wait for, and the sync and async shells carry them out.
:func:`start` makes one for a new child; :func:`driver.attach` makes one
over a backend it opened itself.
"""

from __future__ import annotations

import os
import shlex
import signal
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from . import _messages as messages
from ._core import OutputBuffer
from ._deadline import Deadline, TimeoutArg, deadline_for
from ._errors import (
    EOF,
    DecodeError,
    DriverError,
    ExitStatusUnknown,
    InputTorn,
    SessionClosed,
    SpawnError,
    Timeout,
)
from ._host import Host
from ._masking import Secret, Secrets
from ._options import SpawnOptions
from ._patterns import Entry, Regex, regex_written_as_text
from ._screen import TERM as SCREEN_TERM
from ._screen import Screen
from ._transcript import Transcript
from .backends import SIGNAL_NAMES, Backend, Process, discard
from .backends import start as start_backend
from .backends import start_async as start_backend_async
from .backends.pty import Terminal
from .environment import QUIET
from .terminal import key_bytes

E = TypeVar("E", Timeout, EOF)
#: What a wait was for, as an error names it; a callable when building the
#: words costs (a list of patterns), so that only a failure pays for it.
What = str | Callable[[], str]


class Outgoing(NamedTuple):
    """Bytes a send writes, and what the transcript records of them once
    written (a NamedTuple: one is made for every send)."""

    data: bytes
    #: The text as sent (bytes in a bytes session), or a directive ("%key up").
    shown: str | bytes
    secret: bool = False
    directive: bool = False
    #: What ``line_open`` becomes once it is written whole (None: unchanged).
    line_open: bool | None = None


class Torn(NamedTuple):
    """A send interrupted part-way: the child took ``written`` bytes of ``data``."""

    data: bytes
    written: int
    #: What interrupted it (``CancelledError``, ``KeyboardInterrupt``...).
    interruption: str


def start(argv: str | Sequence[str], encoding: str | None, options: SpawnOptions) -> SessionState:
    """Start ``argv`` with ``options`` (resolved by :func:`driver._options.resolve`)."""
    given, secrets, env, screen = _prepare(argv, options)
    failure: SpawnError | None = None
    try:
        backend = start_backend(given, options, env)
    except SpawnError as error:
        failure = _shown_spawn_error(error, given, secrets)
        if failure is error:
            raise
    if failure is not None:  # raised here, so that it has no context to show
        raise failure
    return _state(backend, given, encoding, options, secrets, screen)


async def start_async(
    argv: str | Sequence[str], encoding: str | None, options: SpawnOptions
) -> SessionState:
    """:func:`start` for an event loop: a remote program's handshake is awaited."""
    given, secrets, env, screen = _prepare(argv, options)
    failure: SpawnError | None = None
    try:
        backend = await start_backend_async(given, options, env)
    except SpawnError as error:
        failure = _shown_spawn_error(error, given, secrets)
        if failure is error:
            raise
    if failure is not None:
        raise failure
    return _state(backend, given, encoding, options, secrets, screen)


def _prepare(
    argv: str | Sequence[str], options: SpawnOptions
) -> tuple[list[Any], Secrets, Mapping[str, str], Screen | None]:
    """The argv, its secrets, the child's environment, and the screen."""
    given = shlex.split(argv) if isinstance(argv, str) else list(argv)
    # An argument given as a Secret is masked wherever the command line shows.
    secrets = Secrets(argument for argument in given if isinstance(argument, Secret))
    host = options["host"]
    if isinstance(host, Host):  # what logs in is never shown either
        for secret in (host.password, host.passphrase):
            if secret:
                secrets.add(secret)
    screen = Screen(*options["dimensions"]) if options["screen"] else None
    return given, secrets, environment(options), screen


def _state(
    backend: Backend,
    given: list[Any],
    encoding: str | None,
    options: SpawnOptions,
    secrets: Secrets,
    screen: Screen | None,
) -> SessionState:
    try:
        return SessionState(backend, given, encoding, options, secrets=secrets, screen=screen)
    except BaseException:  # interrupted: the child must not outlive the spawn
        discard(backend)
        raise


def environment(options: SpawnOptions) -> Mapping[str, str]:
    """The child's environment, by the one rule of every entry point: this
    process's (unless ``inherit_env=False``), the quiet variables over it,
    ``env`` over those (a None value removes), a screen's TERM last.

    On a host it is what is set over the remote login's environment: this
    process's is never sent, nor ``INPUTRC``, which names a file here.
    """
    given = options["env"]
    if given is not None and not isinstance(given, Mapping):
        return given  # the backend refuses it, naming the program
    remote = options["host"] is not None
    env = dict(os.environ) if options["inherit_env"] and not remote else {}
    if options["quiet"]:
        env.update({k: v for k, v in QUIET.items() if not (remote and k == "INPUTRC")})
    for name, value in (given or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    if options["screen"]:
        env["TERM"] = SCREEN_TERM  # the screen is an xterm's: the program must draw for one
    return env


def _shown_spawn_error(error: SpawnError, argv: list[Any], secrets: Secrets) -> SpawnError:
    """``error`` as it may be shown: with the hint if argv holds shell syntax
    (the likely reason a command copied from a shell cannot start), secrets masked."""
    hint = messages.shell_hint(argv)
    if not hint and not secrets:
        return error
    message = f"{error.message}\n{hint}" if hint else error.message
    masked = SpawnError(secrets.mask(message), error.errno)
    if not secrets:  # the OS's reason holds no secret; with secrets, no context shows
        masked.__cause__ = error.__cause__
    return masked


class SessionState:
    """One session's child: backend, buffers, transcript, screen, options."""

    def __init__(
        self,
        backend: Backend,
        argv: Sequence[Any],
        encoding: str | None,
        options: SpawnOptions,
        *,
        secrets: Iterable[str] = (),
        screen: Screen | None = None,
    ) -> None:
        self.backend = backend
        self.argv: list[str] = [os.fspath(arg) for arg in argv]  # checked by the backend
        self.encoding = encoding
        self.errors: str = options["errors"]
        self.kind: type = str if encoding is not None else bytes
        #: The session's default timeout (None: no limit).
        self.timeout: float | None = options["timeout"]
        #: The terminal's screen, kept from the raw output (screen=True), or None.
        self.screen = screen
        self.process: Process = backend.process
        self.terminal: Terminal | None = backend.terminal
        # A screen session's output is drawn as it comes, and only a match on
        # the screen consumes it: it is kept as the transcript is, the most
        # recent transcript_limit characters, whatever waits.
        keep = options["transcript_limit"] if screen is not None else None
        self.buffers: dict[str, OutputBuffer[Any]] = {
            name: OutputBuffer(
                encoding,
                self.errors,
                options["newline"],
                strip_ansi=options["strip_ansi"],
                keep=keep,
            )
            for name in backend.output_fds
        }
        self.open_outputs: int = len(self.buffers)  # not yet at EOF
        self.transcript: Transcript = Transcript(options["log"], options["transcript_limit"])
        for secret in secrets:
            self.transcript.secrets.add(secret)
        #: True once the child is reaped and every fd released.
        self.closed: bool = False
        #: Whether a wait for the exit that usually follows EOF was done.
        self.exit_after_eof_awaited = False
        #: How many bytes of stdout were read so far.
        self.received: int = 0
        #: ``received`` when something was last written to the child (0 before
        #: anything was): what came after it is the child's answer.
        self.received_when_sent: int = 0
        #: How many inputs the child was sent: writes, a closed input, signals.
        self.inputs: int = 0
        #: Whether the last thing sent ended mid-line (a send() without "\n").
        self.line_open: bool = False
        #: The send interrupted part-way, until accept_torn_input(); else None.
        self.torn: Torn | None = None
        #: Called with each piece of stdout as it is read (str or bytes, as the session).
        self.read_tap: Callable[[Any], object] | None = None
        #: Called with each thing sent once written (a send interrupted part-way: the part).
        self.send_tap: Callable[[Any], object] | None = None

    # -- facts ----------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The child's pid; None for an attached fd, which has no child."""
        return self.process.pid

    def describe(self) -> str:
        process = self.process
        returncode = process.returncode if self.closed else process.poll()
        return messages.describe_child(
            self.masked_argv(),
            self.pid,
            returncode,
            status_lost=process.status_lost,
            host=process.host,
            lost_because=process.lost_because,
        )

    def exit_status(self) -> int:
        """The exited child's returncode (see :meth:`returncode`)."""
        returncode = self.returncode()
        assert returncode is not None, "asked for the exit status of a running child"
        return returncode

    def returncode(self) -> int | None:
        """The child's exit status (``-N`` for signal N), None while it runs.

        Raises:
            ExitStatusUnknown: it has exited but its status is lost; it is
                never reported as 0.
        """
        process = self.process
        returncode = process.returncode if self.closed else process.poll()
        if process.status_lost:
            ignored = signal.getsignal(signal.SIGCHLD) == signal.SIG_IGN
            message = messages.exit_status_unknown(self.describe(), ignored, process.lost_because)
            raise ExitStatusUnknown(message)
        return returncode

    def masked_argv(self) -> list[str]:
        """The command line as driver shows it: each argument masked."""
        return [self.transcript.secrets.mask(argument) for argument in self.argv]

    def check_open(self) -> None:
        if self.closed:
            raise SessionClosed(messages.session_closed(self.describe()))

    def deadline(self, timeout: TimeoutArg) -> Deadline:
        """The deadline of a call given ``timeout`` (None: the session's default)."""
        return deadline_for(timeout, self.timeout)

    def needs_terminal(self, what: str) -> Terminal:
        self.check_open()
        if self.terminal is None:
            raise DriverError(messages.needs_terminal(what))
        return self.terminal

    # -- sending ----------------------------------------------------------

    def encode(self, text: Any, *, secret: bool = False) -> bytes:
        if isinstance(text, str):
            if self.encoding is not None:
                return text.encode(self.encoding, self.errors)
            if not text:
                return b""  # send_line() with no text in a bytes session
            raise TypeError(messages.send_type(self._shown_value(text, secret), bytes_session=True))
        if self.encoding is None and isinstance(text, (bytes, bytearray, memoryview)):
            return bytes(text)
        raise TypeError(messages.send_type(self._shown_value(text, secret), bytes_session=False))

    def _shown_value(self, value: Any, secret: bool) -> str:
        if secret:
            return f"a secret {type(value).__name__}"
        if isinstance(value, (str, bytes)):
            return repr(self.transcript.secrets.hide(value))
        return repr(value)

    def outgoing(self, text: Any, end: bytes = b"", *, secret: bool = False) -> Outgoing:
        """What to write for ``send(text)`` (plus ``end``); recorded once written."""
        self.check_open()
        secret = secret or isinstance(text, Secret)
        data = self.encode(text, secret=secret) + end
        sent = data if self.kind is bytes else str(text) + end.decode()
        if secret:  # a secret from now on: its echo, read while it is written, is masked too
            lines = sent.split("\n") if isinstance(sent, str) else sent.split(b"\n")
            for line in lines:
                self.transcript.secrets.add(line)
        return Outgoing(data, sent, secret, line_open=self._leaves_line_open(sent))

    def _leaves_line_open(self, sent: str | bytes) -> bool | None:
        if not sent:
            return None
        last = sent[-1:] if isinstance(sent, str) else sent[-1:].decode("latin-1")
        # A terminal hands Enter ("\r") over as "\n" (ICRNL); a pipe, bytes as they are.
        return last not in ("\n\r" if self.terminal is not None else "\n")

    def wrote(self, outgoing: Outgoing | bytes, written: int, interruption: str = "") -> None:
        """The child took ``written`` bytes of ``outgoing`` (all, or of a send
        interrupted by ``interruption``): the transcript records them, and a
        part leaves the input torn until accept_torn_input()."""
        data = outgoing if isinstance(outgoing, bytes) else outgoing.data
        if 0 < written < len(data) and interruption:
            self.torn = Torn(data, written, interruption)
        if isinstance(outgoing, bytes):
            return  # bytes typed by a person: interact() records what they make
        if data and not written:
            return  # nothing reached the child
        whole = written == len(data)
        shown, line_open = outgoing.shown, outgoing.line_open
        if not whole:
            # The part written, as the child got it: an interrupted directive
            # (a key's escape sequence) shows as the bytes it sent.
            part = data[:written]
            shown = part if self.kind is bytes else part.decode(self.encoding or "", "replace")
            line_open = self._leaves_line_open(shown)
        if outgoing.directive and whole:
            self.transcript.record_directive(str(shown))
        else:
            self.transcript.record_sent(shown, secret=outgoing.secret)
            if self.send_tap is not None and shown:
                self.send_tap(shown)
        if line_open is not None:
            self.line_open = line_open

    def check_input_whole(self) -> None:
        """InputTorn if a send was interrupted part-way and not yet accepted."""
        torn = self.torn
        if torn is not None:
            message = messages.input_torn(
                self.describe(), torn.written, len(torn.data), torn.interruption
            )
            raise InputTorn(self.masked(message))

    def torn_rest(self) -> Any:
        """What an interrupted send did not write (str or bytes, as the
        session), or None if the input is whole."""
        torn = self.torn
        if torn is None:
            return None
        rest = torn.data[torn.written :]
        # A character cut in two shows as U+FFFD at the start of the rest.
        return rest if self.kind is bytes else rest.decode(self.encoding or "", "replace")

    def add_secret_patterns(self, spec: Any) -> None:
        """A pattern given as a :class:`Secret` (or compiled from one) is a secret
        from now on, as a value sent as one is: neither it nor output holding
        its text ever shows."""
        for item in spec if isinstance(spec, (list, tuple)) else [spec]:
            text = getattr(item, "pattern", item)
            if isinstance(text, Secret):
                self.transcript.secrets.add(text)

    def masked(self, output: Any) -> Any:
        """Output as an error may show it: secrets masked, in str or bytes."""
        if isinstance(output, str):
            return self.transcript.secrets.mask(output)
        return self.transcript.secrets.mask_bytes(output, self.encoding or "utf-8")

    def decode_error(self, error: DecodeError) -> DecodeError:
        """``error`` as it may be shown: the secrets in its raw bytes masked."""
        raw = self.masked(error.raw)
        if raw == error.raw:
            return error
        return DecodeError(
            encoding=error.encoding, offset=error.offset, raw=raw, reason=error.reason
        )

    def needs_screen(self, what: str) -> Screen:
        """The screen, for ``what``; an error that says how to get one if none
        is kept. (It stays readable once the session is closed.)"""
        if self.screen is None:
            raise DriverError(messages.needs_screen(what, self.describe()))
        return self.screen

    def key_bytes(self, names: Sequence[str]) -> Outgoing:
        """The bytes the keys ``names`` send, in the cursor-key mode the screen
        is in (normal without a screen); recorded as a ``%key`` line."""
        self.check_open()
        if not names:
            raise ValueError("send_key() needs at least one key name, such as 'enter'")
        application = self.screen is not None and self.screen.cursor_keys_application
        data = b"".join(key_bytes(name, application=application) for name in names)
        return Outgoing(data, f"%key {' '.join(names)}", directive=True)

    def control(self, char: str) -> Outgoing | None:
        """The bytes for Ctrl-``char``; None when it means "end the input" on a pipe."""
        self.check_open()
        if self.terminal is None:
            if char.lower() != "d":
                raise DriverError(messages.control_needs_terminal(char))
            return None
        data = self.terminal.control_bytes(char)
        # ^D hands an open line over, ^C and ^U drop it.
        return Outgoing(data, f"%control {char}", directive=True, line_open=False)

    def eof_bytes(self) -> Outgoing | None:
        """send_eof: the terminal's EOF byte to write, or None once a pipe's input is closed."""
        self.check_open()
        if self.terminal is None:
            self.transcript.record_directive("%eof")
            self.line_open = False  # the child gets what is open, then EOF
            if self.backend.input_fd is not None:
                self.inputs += 1
                self.backend.close_input()
            return None
        return Outgoing(self.terminal.eof_bytes(), "%eof", directive=True, line_open=False)

    def signal(self, sig: int, *, group: bool = False) -> None:
        """Signal the child (as subprocess does), or with ``group`` its process group."""
        self.check_open()
        name = SIGNAL_NAMES.get(int(sig), str(int(sig)))
        if group:
            self.process.signal_group(sig)
        else:
            self.process.signal(sig)  # first: a signal that cannot be sent is not recorded
        self.transcript.record_directive(f"%signal {name.removeprefix('SIG')}")
        self.inputs += 1

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

    def release(self) -> None:
        """Reap the child (it has exited or been killed) and release every fd.

        ``closed`` turns true only here, once the child is reaped.
        """
        self.process.reap()
        self.closed = True
        try:
            self.backend.close()
        finally:
            self.transcript.flush_log()

    def abort(self) -> None:
        """Kill the process group and what the child started outside it, reap,
        release: for when waiting politely is no longer possible (an
        interrupted close, a session nobody closed)."""
        process = self.process
        process.signal_group(signal.SIGKILL)
        process.signal_escaped(process.escaped(), signal.SIGKILL)
        self.release()

    # -- errors: the facts of a failure, in the words of driver._messages ----------

    def _error(
        self,
        kind: type[E],
        message: str,
        what: What,
        *,
        buffer: OutputBuffer[Any] | None = None,
        waited: float | None = None,
        hint: str = "",
    ) -> E:
        """A Timeout or EOF carrying what a person needs to see: output, transcript, child."""
        buffer = self.buffers["stdout"] if buffer is None else buffer
        # Whatever went wrong, a command line copied from a shell is a likely cause.
        hint = messages.joined_hints(
            hint,
            messages.held_escape_hint(buffer.held_escape()),
            messages.shell_hint(self.argv),
        )
        return kind(
            self.masked(message),
            pattern=self.masked(what if isinstance(what, str) else what()),
            timeout=waited,
            output=self.masked(buffer.unconsumed()),
            transcript_tail=self.transcript.tail(),
            argv=self.masked_argv(),
            pid=self.pid,
            returncode=self.process.returncode,
            hint=self.masked(hint),
            screen=self.screen.snapshot(self.transcript.secrets) if self.screen is not None else "",
        )

    def timeout_error(
        self,
        buffer: OutputBuffer[Any],
        what: What,
        deadline: Deadline,
        *,
        quiet: bool,
        hint: str = "",
        entries: Sequence[Entry[Any]] = (),
        api: messages.PatternApi = "expect",
    ) -> Timeout:
        """``entries``: the patterns waited for (given to ``api``, see
        :func:`driver._messages.literal_hint`); ``quiet``: nothing came meanwhile."""
        hint = hint or self._timeout_hint(buffer, entries, api, quiet=quiet)
        shown = what if isinstance(what, str) else what()
        message = messages.timed_out(deadline.seconds, shown, self.describe())
        return self._error(
            Timeout, message, shown, buffer=buffer, waited=deadline.seconds, hint=hint
        )

    def _timeout_hint(
        self,
        buffer: OutputBuffer[Any],
        entries: Sequence[Entry[Any]],
        api: messages.PatternApi,
        *,
        quiet: bool,
    ) -> str:
        """The likeliest cause that shows, first the surest: a regex whose text
        came as written, a line sent without its end, output held in a buffer."""
        hint = self._literal_hint(buffer, entries, api)
        if hint:
            return hint
        if self._line_left_open():
            return messages.OPEN_LINE_HINT
        # Nothing came, and nothing unread is waiting: the child may be buffering.
        nothing_unread = buffer.consumed == buffer.end
        has_child = self.pid is not None  # an attached fd has none to hold output back
        if (
            quiet
            and nothing_unread
            and self.terminal is None
            and has_child
            and self.process.running()
        ):
            return messages.BUFFERING_HINT
        return ""

    def _line_left_open(self) -> bool:
        """Whether the last thing sent ended mid-line while the child reads its
        input: a program that reads lines then waits for the end of that one."""
        if not self.line_open or not self.process.running():
            return False
        if self.terminal is not None:
            try:
                if not self.terminal.canonical:
                    return False  # the program reads by key: it got every byte
            except OSError:
                return False
        if self.pid is None:
            return True  # an attached fd: the other end may well wait for the line
        return self.process.reading_input() is not False  # None: it cannot be seen; say it

    def eof_error(
        self,
        buffer: OutputBuffer[Any],
        what: What,
        entries: Sequence[Entry[Any]] = (),
        api: messages.PatternApi = "expect",
    ) -> EOF:
        shown = what if isinstance(what, str) else what()
        message = messages.output_ended(shown, self.describe())
        hint = self._literal_hint(buffer, entries, api)
        return self._error(EOF, message, shown, buffer=buffer, hint=hint)

    def _literal_hint(
        self, buffer: OutputBuffer[Any], entries: Sequence[Entry[Any]], api: messages.PatternApi
    ) -> str:
        """The literal-regex hint on the unconsumed output, read only if a regex
        was waited for (it may be large)."""
        if not any(isinstance(entry, Regex) for entry in entries):
            return ""
        found = regex_written_as_text(entries, buffer.unconsumed(), self.transcript.secrets.hide)
        if found is None:
            return ""
        index = found.position if len(entries) > 1 else None
        return messages.literal_hint(
            found.shown, found.special, api=api, index=index, text=found.text
        )

    def write_timeout_error(self, unwritten: int, total: int, deadline: Deadline) -> Timeout:
        waited = deadline.seconds
        message = messages.write_timed_out(waited, self.describe(), unwritten, total)
        return self._error(Timeout, message, "input to be read", waited=waited)

    def input_closed_error(self) -> EOF:
        return self._error(EOF, messages.input_closed(self.describe()), "input")

    def echo_timeout_error(self, deadline: Deadline) -> Timeout:
        message = messages.echo_not_off(deadline.seconds, self.describe())
        return self._error(Timeout, message, "echo off", waited=deadline.seconds)
