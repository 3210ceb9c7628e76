"""The SSH side of remote sessions: asyncssh on an event loop of its own.

The session layer waits on file descriptors, so a remote session gets real
ones: each SSH channel is bridged to a socketpair (and a second one for a
separate stderr), and a pipe that turns readable once the channel is closed
stands for the pidfd of a local child. One daemon thread runs one event
loop for every SSH session of the process, whichever shell (sync, asyncio)
drives it; so both engines stay as they are, and an asyncio program's own
loop never runs SSH's crypto.

Connections are pooled per :class:`~driver.Host` (:mod:`._pool`).

Everything here runs on the bridge's loop except :func:`bridge` and the
methods of :class:`Bridge` that say otherwise.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import errno
import functools
import logging
import os
import signal
import socket
import threading
import warnings
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from .. import _messages as messages
from .._errors import SpawnError
from . import READ_SIZE
from ._pool import Handshakes, Pool, Refused

if TYPE_CHECKING:
    from .._host import Host

T = TypeVar("T")

#: Handshakes in flight to one host (address and port), and in all: under
#: OpenSSH's MaxStartups (10 unauthenticated connections before it drops).
HANDSHAKES_PER_HOST = 8
HANDSHAKES = 64
#: After SIGKILL, how long the server has to report the exit before driver
#: closes the channel itself (a server may ignore signals).
KILL_WAIT_SECONDS = 2.0
#: Tries to find a connection that takes one more session.
OPEN_ATTEMPTS = 4
#: The signals SSH can carry (RFC 4254, 6.10).
SSH_SIGNALS = (
    "ABRT", "ALRM", "FPE", "HUP", "ILL", "INT", "KILL", "PIPE", "QUIT", "SEGV", "TERM", "USR1",
    "USR2",
)  # fmt: skip


def import_asyncssh() -> Any:
    """asyncssh, or a SpawnError saying how to install it."""
    try:
        with warnings.catch_warnings():
            # cryptography deprecates algorithms asyncssh still offers (DSA):
            # warned at import, for a choice this program did not make.
            warnings.simplefilter("ignore")
            import asyncssh
    except ImportError as exc:
        raise SpawnError(messages.SSH_MISSING) from exc
    return asyncssh


class _ShownCommands(logging.Filter):
    """asyncssh logs each command it runs: the log gets the command as driver
    shows it (secrets and environment values masked), never the one sent."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: dict[str, str] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if self.shown and isinstance(record.args, tuple):
            record.args = tuple(
                self.shown.get(arg, arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True


_SHOWN_COMMANDS = _ShownCommands()


@dataclass(frozen=True)
class Terminal:
    """The terminal a session asks for: its type, size and echo."""

    term: str
    rows: int
    cols: int
    echo: bool


class End:
    """How a channel ended, told by the bridge to the session's thread.

    ``done`` is set once the channel is closed and every byte of output was
    handed to the session's sockets; the attributes are set before it.
    """

    def __init__(self) -> None:
        self.returncode: int | None = None
        self.lost_because: str | None = None
        self.done: threading.Event = threading.Event()


class Link:
    """One channel bridged to the session's sockets: an asyncssh session.

    Made on the caller's thread; from then on touched on the bridge's only.
    ``output`` is the bridge's end of the socketpair the session reads and
    writes; ``errors`` that of a separate stderr (``stderr="pipe"``).
    """

    def __init__(
        self,
        host: str,
        output: socket.socket,
        errors: socket.socket | None,
        stderr: str,
        terminal: bool,
        exit_writer: int,
    ) -> None:
        self.host = host
        self.output = output
        self.errors = errors
        self.stderr = stderr
        self.terminal = terminal
        self.end: End = End()
        self._exit_writer: int | None = exit_writer
        self._loop: asyncio.AbstractEventLoop | None = None
        self._channel: Any = None
        self._pending: dict[socket.socket, bytearray] = {}
        self._reading_paused = False
        self._input_open = False
        self._remote_eof = False
        self._shut = False
        self._closed = False  # the channel
        self._lost: Exception | None = None
        self._forced: str | None = None
        self._finished = False
        self._released: Callable[[], None] | None = None
        self._discarded = False

    # -- asyncssh's session callbacks ---------------------------------------

    def connection_made(self, channel: Any) -> None:
        self._channel = channel
        self._loop = asyncio.get_running_loop()
        if self._discarded:
            channel.close()

    def session_started(self) -> None:
        assert self._loop is not None
        self._input_open = True
        self._loop.add_reader(self.output, self._on_input)

    def data_received(self, data: bytes, datatype: int | None) -> None:
        if datatype is None or self.stderr == "stdout":
            self._deliver(self.output, data)
        elif self.errors is not None:
            self._deliver(self.errors, data)
        elif self.stderr == "inherit":
            with contextlib.suppress(OSError):
                os.write(2, data)

    def eof_received(self) -> bool:
        self._remote_eof = True
        self._shut_down_if_flushed()
        return True  # half-open: the program may still read its input

    def exit_status_received(self, status: int) -> None:
        self.end.returncode = status

    def exit_signal_received(self, name: str, core_dumped: bool, message: str, lang: str) -> None:
        number = getattr(signal, f"SIG{name}", None)
        if number is not None:
            self.end.returncode = -int(number)
        else:
            self.end.lost_because = f"killed by signal {name}, unknown here"

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._lost = exc
        self._remote_eof = True
        self._stop_input()
        self._finish_if_flushed()

    def pause_writing(self) -> None:
        # The channel's window is full: stop taking the session's input.
        if self._input_open and self._loop is not None:
            self._loop.remove_reader(self.output)

    def resume_writing(self) -> None:
        if self._input_open and self._loop is not None:
            self._loop.add_reader(self.output, self._on_input)

    def xon_xoff_requested(self, client_can_do: bool) -> None:
        pass

    # -- the session's input -----------------------------------------------

    def _on_input(self) -> None:
        try:
            data = self.output.recv(READ_SIZE)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            self._channel.write(data)
            return
        # The session shut its input (pipes) or let go of its end (a
        # terminal has no input to close: it is released).
        self._stop_input()
        with contextlib.suppress(OSError):
            if self.terminal or self._discarded:
                self._channel.close()
            else:
                self._channel.write_eof()

    def _stop_input(self) -> None:
        if self._input_open and self._loop is not None:
            self._input_open = False
            self._loop.remove_reader(self.output)

    # -- the session's output ----------------------------------------------

    def _deliver(self, sock: socket.socket, data: bytes) -> None:
        pending = self._pending.get(sock)
        if pending:
            pending += data
            return
        try:
            sent = sock.send(data)
        except BlockingIOError:
            sent = 0
        except OSError:  # the session let go of its end: nobody reads any more
            return
        if sent < len(data):
            self._pending[sock] = bytearray(data[sent:])
            assert self._loop is not None
            self._loop.add_writer(sock, self._flush, sock)
            if not self._reading_paused:
                # Back-pressure: the server stops sending once the window is spent.
                self._reading_paused = True
                self._channel.pause_reading()

    def _flush(self, sock: socket.socket) -> None:
        pending = self._pending[sock]
        try:
            sent = sock.send(pending)
        except BlockingIOError:
            return
        except OSError:
            sent = len(pending)
        del pending[:sent]
        if pending:
            return
        del self._pending[sock]
        assert self._loop is not None
        self._loop.remove_writer(sock)
        if not self._pending and self._reading_paused:
            self._reading_paused = False
            if not self._closed:
                self._channel.resume_reading()
        self._shut_down_if_flushed()
        self._finish_if_flushed()

    def _shut_down_if_flushed(self) -> None:
        """The output's end, once the session has every byte before it."""
        if self._remote_eof and not self._pending and not self._shut:
            self._shut = True
            for sock in (self.output, self.errors):
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_WR)

    # -- the end -----------------------------------------------------------

    def _finish_if_flushed(self) -> None:
        if self._closed and not self._pending:
            self.finish()

    def finish(self) -> None:
        """Tell the session how the channel ended; release what the bridge holds. Once."""
        if self._finished:
            return
        self._finished = True
        self._closed = True
        self._stop_input()
        for sock in list(self._pending):
            assert self._loop is not None
            self._loop.remove_writer(sock)
        self._pending.clear()
        self._remote_eof = True
        self._shut_down_if_flushed()
        end = self.end
        if end.returncode is None and end.lost_because is None:
            end.lost_because = self._why_no_status()
        self._close_sockets()
        end.done.set()
        # The session's exit fd turns readable: its waits wake up.
        writer, self._exit_writer = self._exit_writer, None
        if writer is not None:
            with contextlib.suppress(OSError):
                os.write(writer, b"x")
            os.close(writer)
        released, self._released = self._released, None
        if released is not None:
            released()

    def _why_no_status(self) -> str:
        if self._forced:
            return self._forced
        if self._lost is not None:
            return f"connection to {self.host} lost: {describe_failure(self._lost)}"
        return "the channel closed without an exit status"

    def _close_sockets(self) -> None:
        for sock in (self.output, self.errors):
            if sock is not None:
                sock.close()

    def abandon(self) -> None:
        """The channel never opened: release the bridge's ends. (Any thread, before use.)"""
        self._close_sockets()
        writer, self._exit_writer = self._exit_writer, None
        if writer is not None:
            os.close(writer)

    # -- requests from the session (through Bridge.call) ----------------------

    def send_signal(self, name: str, then_close: bool) -> None:
        if self._closed:
            return
        with contextlib.suppress(OSError):
            self._channel.send_signal(name)
        if then_close and self._loop is not None:
            self._loop.call_later(KILL_WAIT_SECONDS, self._force_close, f"SIG{name}")

    def _force_close(self, signal_name: str) -> None:
        if self._closed:
            return
        self._forced = messages.ssh_forced_close(signal_name, KILL_WAIT_SECONDS)
        self.release()

    def resize(self, rows: int, cols: int) -> None:
        if not self._closed:
            with contextlib.suppress(OSError):
                self._channel.change_terminal_size(cols, rows)

    def release(self) -> None:
        """The session is done with the channel: close it, and finish now."""
        self._discarded = True
        if self._channel is not None and not self._closed:
            self._channel.close()
        if self._channel is not None or self._loop is not None:
            self.finish()
        else:
            self.abandon()


def describe_failure(exc: BaseException) -> str:
    """What went wrong with a connection, in a few words."""
    reason = getattr(exc, "reason", None) or str(exc) or type(exc).__name__
    return str(reason).rstrip(".")


class Bridge:
    """The thread and loop every SSH session of this process runs on."""

    def __init__(self) -> None:  # (on the caller's thread)
        self.asyncssh: Any = import_asyncssh()
        self.loop: asyncio.AbstractEventLoop = asyncio.new_event_loop()
        self._pools: dict[Host, Pool] = {}
        self._per_host: dict[tuple[str, int], asyncio.Semaphore] = {}
        self._all: asyncio.Semaphore | None = None
        logging.getLogger("asyncssh").addFilter(_SHOWN_COMMANDS)
        self._thread = threading.Thread(target=self._run, name="driver-ssh", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_forever()

    # -- from any thread ---------------------------------------------------

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Run ``coroutine`` on the bridge's loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop)

    def call(self, function: Callable[..., object], *args: Any) -> None:
        """Call ``function(*args)`` on the bridge's loop, soon."""
        with contextlib.suppress(RuntimeError):  # the loop is closed: the process is ending
            self.loop.call_soon_threadsafe(function, *args)

    def stop(self) -> None:
        """Close every connection and end the thread (at exit)."""
        if not self.loop.is_running():
            return
        closing = self.submit(self._close_all())
        with contextlib.suppress(Exception):
            closing.result(timeout=2.0)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=2.0)

    async def _close_all(self) -> None:
        pools = list(self._pools.values())
        for pool in pools:
            pool.close()
        for pool in pools:
            for connection in pool.connections:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.ssh.wait_closed(), 1.0)

    # -- on the loop -------------------------------------------------------

    async def open(
        self, host: Host, command: str, shown: str, link: Link, terminal: Terminal | None
    ) -> None:
        """Open a session running ``command`` on ``host``, bridged by ``link``;
        ``shown`` is the command as a log may show it.

        Raises Refused with the reason it could not be had.
        """
        pool = self._pools.get(host)
        if pool is None:
            pool = self._pools[host] = Pool(self, host)
        asyncssh = self.asyncssh
        extra: dict[str, Any] = {"request_pty": False}
        if terminal is not None:
            extra = {
                "request_pty": "force",
                "term_type": terminal.term,
                "term_size": (terminal.cols, terminal.rows, 0, 0),
                "term_modes": {asyncssh.PTY_ECHO: int(terminal.echo)},
            }
        _SHOWN_COMMANDS.shown[command] = shown
        try:
            await self._open_channel(pool, command, link, extra)
        except BaseException:
            link.release()
            raise
        finally:
            _SHOWN_COMMANDS.shown.pop(command, None)

    async def _open_channel(
        self, pool: Pool, command: str, link: Link, extra: dict[str, Any]
    ) -> None:
        asyncssh = self.asyncssh
        for attempt in range(OPEN_ATTEMPTS):
            connection = await pool.slot()
            try:
                await connection.ssh.create_session(lambda: link, command, encoding=None, **extra)
            except asyncssh.ChannelOpenError as exc:
                # OpenSSH: "open failed" once a connection carries MaxSessions.
                pool.full(connection)
                if attempt + 1 < OPEN_ATTEMPTS:
                    continue
                raise Refused(f"the server refused a session: {describe_failure(exc)}") from exc
            except BaseException as exc:
                pool.release(connection)
                if isinstance(exc, (asyncssh.DisconnectError, OSError)):
                    pool.lost(connection)
                if isinstance(exc, (asyncssh.Error, OSError)):
                    reason = f"the session could not start: {describe_failure(exc)}"
                    raise Refused(reason) from exc
                raise
            link._released = functools.partial(pool.release, connection)
            if link._discarded:  # given up while it opened
                link.release()
            return
        raise AssertionError("unreachable")

    def handshakes(self, host: Host) -> Handshakes:
        if self._all is None:
            self._all = asyncio.Semaphore(HANDSHAKES)
        key = (host.name, host.port)
        per_host = self._per_host.get(key)
        if per_host is None:
            per_host = self._per_host[key] = asyncio.Semaphore(HANDSHAKES_PER_HOST)
        return Handshakes(per_host, self._all)

    def connection_options(self, host: Host) -> Any:
        """asyncssh's options for ``host``, made once per pool (they read key files)."""
        asyncssh = self.asyncssh
        keys: Any = ()  # asyncssh's default: the agent, then ~/.ssh/id_*
        if host.client_keys is not None:
            # None, to asyncssh: no key at all (a password alone).
            keys = [os.fspath(key) for key in host.client_keys] or None
        try:
            return asyncssh.SSHClientConnectionOptions(
                username=host.username or (),
                password=host.password,
                client_keys=keys,
                passphrase=host.passphrase,
                known_hosts=self.known_hosts(host),
                connect_timeout=host.connect_timeout,
                login_timeout=host.connect_timeout,
                keepalive_interval=host.keepalive_interval,
                # Not ~/.ssh/config: what a Host says is what is used.
                config=None,
            )
        except (OSError, ValueError, asyncssh.Error) as exc:
            raise Refused(_option_problem(exc), getattr(exc, "errno", None)) from exc

    def known_hosts(self, host: Host) -> Any:
        if host.known_hosts is None:
            return None  # asked for: any key accepted
        files = known_hosts_files(host)
        # No file at all trusts no key: every host is unknown (never "any key").
        if not files:
            return self.asyncssh.import_known_hosts("")
        return self.asyncssh.read_known_hosts(files)

    async def connect(self, host: Host, options: Any, pool: Pool) -> Any:
        asyncssh = self.asyncssh
        base: Any = asyncssh.SSHClient

        class Client(base):  # type: ignore[misc]
            def connection_lost(self, exc: Exception | None) -> None:
                if ssh is not None:
                    pool.lost_ssh(ssh)

        ssh: Any = None
        try:
            ssh = await asyncio.wait_for(
                asyncssh.connect(host.name, host.port, options=options, client_factory=Client),
                host.connect_timeout + 1.0,  # asyncssh's own timeout comes first
            )
        except asyncio.TimeoutError as exc:
            raise Refused(
                f"no answer within {host.connect_timeout:g} s (connect_timeout): the host is"
                " down or unreachable, or a firewall drops the packets",
                errno.ETIMEDOUT,
            ) from exc
        except asyncssh.HostKeyNotVerifiable as exc:
            files = known_hosts_files(host)
            changed = _known_key(self, host, files)
            raise Refused(messages.ssh_host_key_refused(str(host), files, changed)) from exc
        except asyncssh.PermissionDenied as exc:
            raise Refused(_auth_failure(host), errno.EACCES) from exc
        except (asyncssh.KeyImportError, asyncssh.KeyEncryptionError) as exc:
            raise Refused(_option_problem(exc)) from exc
        except asyncssh.Error as exc:
            raise Refused(
                f"the server ended the connection: {describe_failure(exc)} (too many"
                " connections at once? OpenSSH's MaxStartups drops bursts)"
            ) from exc
        except OSError as exc:
            raise Refused(_os_failure(exc), exc.errno) from exc
        return ssh


def known_hosts_files(host: Host) -> list[str]:
    """The known_hosts files ``host`` names that exist, tilde expanded."""
    given = host.known_hosts
    assert given is not None
    names = [given] if isinstance(given, (str, os.PathLike)) else list(given)
    paths = [os.path.expanduser(os.fspath(name)) for name in names]
    return [path for path in paths if os.path.isfile(path)]


def _known_key(bridge: Bridge, host: Host, files: list[str]) -> bool:
    """Whether known_hosts holds a key for ``host``: then it has changed."""
    if not files:
        return False
    try:
        known = bridge.asyncssh.read_known_hosts(files)
        name = host.name if host.port == 22 else f"[{host.name}]:{host.port}"
        for candidate in (host.name, name):
            if known.match(candidate, "", host.port)[0]:
                return True
    except (OSError, ValueError):
        return False
    return False


def _auth_failure(host: Host) -> str:
    user = host.username or "this user's name"
    tried = ["keys (the agent, ~/.ssh/id_*)" if host.client_keys is None else "client_keys"]
    if host.password is not None:
        tried.append("the password")
    return (
        f"authentication failed for {user} (tried {' and '.join(tried)}): check the"
        " username, give Host(password=driver.Secret(...)) or Host(client_keys=[...]),"
        " or add your public key to the remote ~/.ssh/authorized_keys"
    )


def _os_failure(exc: OSError) -> str:
    if isinstance(exc, socket.gaierror):
        return f"the host name does not resolve ({exc.strerror})"
    if exc.errno == errno.ECONNREFUSED:
        return "connection refused: no SSH server listens on that port"
    return exc.strerror or str(exc)


def _option_problem(exc: BaseException) -> str:
    # A passphrase or password never shows: asyncssh's own words do not hold them.
    return f"cannot use the client keys: {describe_failure(exc)}"


# -- the one bridge of the process ---------------------------------------------------

_lock = threading.Lock()
_bridge: Bridge | None = None


def bridge() -> Bridge:
    """The process's bridge, started on first use. (Any thread.)"""
    global _bridge
    with _lock:
        if _bridge is None:
            _bridge = Bridge()
            atexit.register(_bridge.stop)
        return _bridge


def bridge_started() -> bool:
    """Whether the process's bridge is running (asyncssh imported). (Any thread.)"""
    return _bridge is not None


def _forget_in_child() -> None:
    # A forked child has no bridge thread: it starts its own if it needs one.
    global _bridge, _lock
    _bridge = None
    _lock = threading.Lock()


os.register_at_fork(after_in_child=_forget_in_child)


async def wait_for(future: concurrent.futures.Future[T]) -> T:
    """``future`` awaited from another loop; cancelling the wait cancels it."""
    return await asyncio.wrap_future(future)


def result(future: concurrent.futures.Future[T]) -> T:
    """``future`` waited for on this thread; interrupted (^C), it is cancelled."""
    try:
        return future.result()
    except BaseException:
        future.cancel()
        raise
