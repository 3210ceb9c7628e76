"""The SSH backend: a program on another machine, over an SSH channel.

To the session layer it is a backend like the others: the channel's data
comes and goes through a socketpair, its end through a pipe that turns
readable (the bridge in :mod:`driver.backends._bridge` does the SSH). What
differs is said where it differs: there is no pid, signals are the
channel's (the server signals the program's process group), and a remote
terminal's modes cannot be seen, only set when the session starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import shlex
import signal
import socket
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

from .. import _messages as messages
from .._errors import DriverError, InputClosed, SpawnError
from .._masking import MASK, Secret, Secrets
from ..terminal import check_window_size, control_bytes
from . import READ_SIZE, SIGNAL_NAMES, Backend
from ._bridge import (
    KILL_WAIT_SECONDS,
    SSH_SIGNALS,
    Bridge,
    Link,
    bridge,
    bridge_started,
    result,
    wait_for,
)
from ._bridge import Terminal as TerminalRequest
from ._pool import Refused
from ._spawn import _check_argv, _check_env, check_dimensions
from .pty import Terminal

if TYPE_CHECKING:
    from .._host import Host
    from .._options import SpawnOptions

# What `exec` alone cannot give a program: the signals it starts with ignored.
_IGNORABLE = {int(getattr(signal, f"SIG{name}")): name for name in SSH_SIGNALS if name != "KILL"}


def remote_command(
    argv: Sequence[str],
    env: Mapping[str, str] | None,
    cwd: str | None,
    ignored: Sequence[int] = (),
) -> str:
    """The command line for the remote login shell that runs ``argv`` as the list it is.

    The shell (any POSIX one: sh, bash, dash, zsh, ksh) enters ``cwd``, sets
    ``env`` over the login's environment and replaces itself with the
    program, so that the program is the one the channel's signals reach.
    """
    words: list[str] = []
    if ignored:
        names = " ".join(_signal_name(sig) for sig in ignored)
        words.append(f"trap '' {names};")
    if cwd is not None:
        words += ["cd", shlex.quote(cwd), "&&"]
    words.append("exec")
    if env:
        words += ["env", *(shlex.quote(f"{name}={value}") for name, value in env.items())]
    words += [shlex.quote(arg) for arg in argv]
    return " ".join(words)


def _signal_name(sig: int) -> str:
    name = SIGNAL_NAMES.get(int(sig), str(sig)).removeprefix("SIG")
    return name


class RemoteProcess:
    """The program at the other end of a channel, where a child process would be.

    It has no pid here. It has exited once its channel is closed; its
    returncode is the exit status the server sent, ``-N`` for the signal
    that killed it, or lost (:attr:`lost_because` says why) when the
    connection dropped or driver had to close the channel.
    """

    pid = None

    def __init__(self, bridge: Bridge, link: Link, exit_fd: int, host: str) -> None:
        self._bridge = bridge
        self._link = link
        self._end = link.end
        self._exit_fd: int | None = exit_fd
        self._host = host

    def __repr__(self) -> str:
        return f"<RemoteProcess on {self._host} returncode={self.returncode}>"

    @property
    def host(self) -> str:
        return self._host

    @property
    def exit_fd(self) -> int | None:
        """Readable once the channel is closed and its output handed over."""
        return self._exit_fd

    @property
    def exited(self) -> bool:
        return self._end.done.is_set()

    @property
    def returncode(self) -> int | None:
        return self._end.returncode if self.exited else None

    @property
    def status_lost(self) -> bool:
        return self.exited and self._end.returncode is None

    @property
    def lost_because(self) -> str | None:
        return self._end.lost_because if self.exited else None

    def poll(self) -> int | None:
        return self.returncode

    def running(self) -> bool:
        return not self.exited

    def reading_input(self) -> bool | None:
        return None  # what the remote program is blocked in cannot be seen

    def idle(self) -> bool | None:
        return None

    def reap(self) -> int | None:
        """Wait until the channel is closed. Close and abort signal first, so
        this is bounded: SIGKILL closes the channel if the server ignores it."""
        if not self._end.done.wait(KILL_WAIT_SECONDS * 2):
            self._bridge.call(self._link.release)
            self._end.done.wait()
        return self.returncode

    def signal(self, sig: int) -> None:
        """Send ``sig`` over the channel. The server (OpenSSH) signals the
        program's process group: the program leads it, as driver's children do."""
        self.signal_group(sig)

    def signal_group(self, sig: int) -> bool:
        name = _signal_name(sig)
        if name not in SSH_SIGNALS:
            raise ValueError(messages.ssh_unsupported_signal(f"SIG{name}", SSH_SIGNALS))
        if self.exited:
            return False
        self._bridge.call(self._link.send_signal, name, name == "KILL")
        return True

    def group_survivors(self) -> list[int]:
        return []  # what else runs remotely cannot be seen from here

    def escaped(self) -> list[int]:
        return []  # nor what left the remote program's group

    def signal_escaped(self, pids: list[int], sig: int) -> None:
        """Nothing to signal: :meth:`escaped` finds nothing."""

    def close(self) -> None:
        fd, self._exit_fd = self._exit_fd, None
        if fd is not None:
            os.close(fd)


class RemoteTerminal(Terminal):
    """A terminal on the remote host, seen through SSH.

    SSH sets a terminal's modes once, when the session starts: echo is as
    asked then (a program that turns it off, as a password prompt does,
    cannot be seen doing so), and can no longer be changed. Lines are taken
    to be handed over whole (canonical mode); the window can be resized.
    """

    def __init__(self, link: Link, bridge: Bridge, echo: bool, dimensions: tuple[int, int]) -> None:
        super().__init__(-1)
        self._detach()
        self._link = link
        self._bridge = bridge
        self._echo = echo
        self._size = dimensions

    @property
    def echo(self) -> bool:
        """The echo asked for at the start (what the program does since cannot be seen)."""
        return self._echo

    @echo.setter
    def echo(self, on: bool) -> None:
        raise DriverError(
            "cannot change the echo of a terminal on a remote host: SSH sets terminal"
            " modes only when the session starts; spawn it with echo=True or False"
        )

    @property
    def canonical(self) -> bool:
        return True

    @property
    def window_size(self) -> tuple[int, int]:
        return self._size

    def set_window_size(self, rows: int, cols: int) -> None:
        try:
            check_window_size(rows, cols)
        except ValueError as exc:
            raise ValueError(f"set_window_size: {exc}") from None
        self._size = (rows, cols)
        self._bridge.call(self._link.resize, rows, cols)

    def control_bytes(self, char: str) -> bytes:
        return control_bytes(char)

    def eof_bytes(self) -> bytes:
        return b"\x04"  # the remote terminal's VEOF, as SSH leaves it

    def prepare_input(self, data: bytes) -> bytes:
        return data

    @staticmethod
    def input_taken(data: bytes, prepared: bytes, written: int) -> int:
        return written


class SshBackend(Backend):
    """A program run over SSH: its channel bridged to a socketpair.

    Made by :func:`start` or :func:`start_async`, which wait for the
    channel to open; until then it is not usable.
    """

    def __init__(
        self, argv: Sequence[str], options: SpawnOptions, host: Host, env: Mapping[str, str]
    ) -> None:
        """``env``: what is set over the remote login's environment."""
        command = messages.command_line(argv)
        _check_argv(argv)
        _check_env(env, command)
        check_dimensions(options["dimensions"], command)
        cwd = options["cwd"]
        ignored = options["ignore_signals"]
        for sig in ignored:
            if sig not in _IGNORABLE:
                raise SpawnError(
                    f"cannot spawn `{command}` on {host}: ignore_signals={ignored!r}: only"
                    f" {', '.join(f'SIG{n}' for n in _IGNORABLE.values())} can be ignored"
                    " remotely",
                    errno.EINVAL,
                )
        self._command = command
        self._host = host
        self._pty = options["backend"] == "pty"
        self.remote_command: str = remote_command(
            [os.fspath(arg) for arg in argv],
            {k: v for k, v in (env or {}).items() if not (self._pty and k == "TERM")},
            None if cwd is None else os.fspath(cwd),
            ignored,
        )
        # As a log may show it: secrets and the environment's values masked.
        self._shown_command = remote_command(
            _masked(argv, host),
            {name: MASK for name in (env or {})},
            None if cwd is None else os.fspath(cwd),
            ignored,
        )
        self._terminal_request: TerminalRequest | None = None
        if self._pty:
            rows, cols = options["dimensions"]
            term = (env or {}).get("TERM") or os.environ.get("TERM") or "xterm"
            self._terminal_request = TerminalRequest(term, rows, cols, options["echo"])
        self._bridge = bridge()
        stderr = "stdout" if self._pty else options["stderr"]
        made: list[socket.socket | int] = []
        try:
            self._output, theirs = _pair(made)
            self._errors: socket.socket | None = None
            their_errors = None
            if stderr == "pipe":
                self._errors, their_errors = _pair(made)
            exit_fd, exit_writer = os.pipe()
            made += [exit_fd, exit_writer]
            os.set_blocking(exit_fd, False)
        except BaseException:
            _close_all(made)
            raise
        self._link = Link(str(host), theirs, their_errors, stderr, self._pty, exit_writer)
        self._process = RemoteProcess(self._bridge, self._link, exit_fd, str(host))
        self._input_open = True
        fds = {"stdout": self._output.fileno()}
        self._sockets = {self._output.fileno(): self._output}
        if self._errors is not None:
            fds["stderr"] = self._errors.fileno()
            self._sockets[self._errors.fileno()] = self._errors
        self._outputs = MappingProxyType(fds)
        self._terminal = (
            RemoteTerminal(self._link, self._bridge, options["echo"], options["dimensions"])
            if self._pty
            else None
        )

    def _opening(self) -> object:
        return self._bridge.submit(
            self._bridge.open(
                self._host,
                self.remote_command,
                self._shown_command,
                self._link,
                self._terminal_request,
            )
        )

    def _failed(self, refused: Refused) -> SpawnError:
        self._release_local()
        message = messages.ssh_spawn_failed(self._command, str(self._host), refused.reason)
        return SpawnError(message, refused.code)

    def _release_local(self) -> None:
        self._outputs = MappingProxyType({})
        self._input_open = False
        self._sockets.clear()
        for sock in (self._output, self._errors):
            if sock is not None:
                sock.close()
        self._process.close()

    @property
    def name(self) -> str:
        return "pty" if self._pty else "pipe"  # on a host: Session.host says so

    @property
    def process(self) -> RemoteProcess:
        return self._process

    @property
    def terminal(self) -> RemoteTerminal | None:
        return self._terminal

    @property
    def input_fd(self) -> int | None:
        return self._output.fileno() if self._input_open and self._sockets else None

    @property
    def output_fds(self) -> Mapping[str, int]:
        return self._outputs

    def write(self, data: bytes | memoryview) -> int:
        if not self._input_open or not self._sockets:
            raise InputClosed("the remote program's input is closed")
        try:
            return self._output.send(data, socket.MSG_NOSIGNAL)
        except BlockingIOError:
            return 0
        except OSError as exc:  # EPIPE, ECONNRESET: the channel ended
            raise InputClosed(f"the channel to {self._host} is closed") from exc

    def read(self, fd: int) -> bytes | None:
        try:
            return self._sockets[fd].recv(READ_SIZE)
        except BlockingIOError:
            return None
        except ConnectionResetError:
            return b""

    def close_input(self) -> None:
        if self._pty:
            raise DriverError(
                "a terminal has no input to close: end the program's input with the"
                " terminal's EOF byte (terminal.eof_bytes(), Ctrl-D) at the start of a line"
            )
        if self._input_open and self._sockets:
            with contextlib.suppress(OSError):
                self._output.shutdown(socket.SHUT_WR)  # the channel's EOF, by the bridge
        self._input_open = False

    def close(self) -> None:
        if self._sockets:
            self._bridge.call(self._link.release)
            self._release_local()


def _masked(argv: Sequence[str], host: Host) -> list[str]:
    """``argv`` as driver shows it: its Secret arguments and the host's password masked."""
    secrets = Secrets(arg for arg in argv if isinstance(arg, Secret))
    for secret in (host.password, host.passphrase):
        if secret:
            secrets.add(secret)
    return [secrets.mask(os.fspath(arg)) for arg in argv]


def _pair(made: list[socket.socket | int]) -> tuple[socket.socket, socket.socket]:
    ours, theirs = socket.socketpair()
    made += [ours, theirs]
    ours.setblocking(False)
    theirs.setblocking(False)
    return ours, theirs


def _close_all(made: list[socket.socket | int]) -> None:
    for item in made:
        if isinstance(item, socket.socket):
            item.close()
        else:
            os.close(item)


def start(
    argv: Sequence[str], options: SpawnOptions, host: Host, env: Mapping[str, str]
) -> SshBackend:
    """Open a session on ``host`` running ``argv``; SpawnError if it cannot be had."""
    backend = SshBackend(argv, options, host, env)
    try:
        result(backend._opening())  # type: ignore[arg-type]
    except Refused as refused:
        raise backend._failed(refused) from None
    except BaseException:
        backend._bridge.call(backend._link.release)
        backend._release_local()
        raise
    return backend


async def start_async(
    argv: Sequence[str], options: SpawnOptions, host: Host, env: Mapping[str, str]
) -> SshBackend:
    """:func:`start` without blocking the running loop: the handshake runs on the bridge."""
    if not bridge_started():
        # The first one imports asyncssh and starts the thread: not on the loop.
        await asyncio.get_running_loop().run_in_executor(None, bridge)
    backend = SshBackend(argv, options, host, env)
    try:
        await wait_for(backend._opening())  # type: ignore[arg-type]
    except Refused as refused:
        raise backend._failed(refused) from None
    except BaseException:
        backend._bridge.call(backend._link.release)
        backend._release_local()
        raise
    return backend
