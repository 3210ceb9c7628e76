"""How bytes reach a child: one abstract interface, its adapters (pipe, pty,
an attached fd, and ``ssh``: a program on another host, given a ``host``).

A backend starts the child in a session and process group of its own,
exposes its file descriptors (non-blocking), moves bytes and maps the OS's
errors to driver's. It knows nothing of text, patterns or deadlines: the
session layer does the waiting. What every backend shares is not inherited
but held: the :class:`~driver.backends._process.ChildProcess` (exit, reaping,
signals) and, on a pty, the :class:`~driver.backends.pty.Terminal`
capability. Callers ask ``backend.terminal`` for what only a terminal can
do; they never compare a backend's name.
"""

from __future__ import annotations

import abc
import errno
import os
import signal
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from .._errors import SpawnError
from ._spawn import out_of_descriptors

if TYPE_CHECKING:
    from .._options import SpawnOptions
    from .pty import Terminal


class Process(Protocol):
    """What a session needs of its child: a :class:`~driver.backends._process.ChildProcess`,
    or for an attached fd the :class:`~driver.backends.fd.Endpoint` standing in for one."""

    @property
    def pid(self) -> int | None: ...
    @property
    def exit_fd(self) -> int | None: ...
    @property
    def returncode(self) -> int | None: ...
    @property
    def exited(self) -> bool: ...
    @property
    def status_lost(self) -> bool: ...
    @property
    def host(self) -> str | None:
        """Where it runs, for messages (``user@name:port``); None on this machine."""

    @property
    def lost_because(self) -> str | None:
        """Why the status is lost, where the process knows (a connection lost)."""

    def poll(self) -> int | None: ...
    def running(self) -> bool: ...
    def reading_input(self) -> bool | None: ...
    def idle(self) -> bool | None: ...
    def reap(self) -> int | None: ...
    def signal(self, sig: int) -> None: ...
    def signal_group(self, sig: int) -> bool: ...
    def group_survivors(self) -> list[int] | None: ...
    def escaped(self) -> list[int]: ...
    def signal_escaped(self, pids: list[int], sig: int) -> None: ...
    def close(self) -> None: ...


# A pipe holds 64 KiB; asking for more only makes each read allocate more.
READ_SIZE = 1 << 16


class Backend(abc.ABC):
    """The interface the session layer drives; see PipeBackend and PtyBackend."""

    @property
    @abc.abstractmethod
    def name(self) -> str:
        """``"pipe"``, ``"pty"`` or ``"fd"`` (on a remote host too): for people (reprs,
        reports), never for decisions."""

    @property
    @abc.abstractmethod
    def process(self) -> Process:
        """The child process: its exit, reaping and signals."""

    @property
    @abc.abstractmethod
    def terminal(self) -> Terminal | None:
        """The child's terminal, or None where it has none (pipes)."""

    @property
    @abc.abstractmethod
    def input_fd(self) -> int | None:
        """The fd ``write`` writes to (non-blocking); None once input is closed."""

    @property
    @abc.abstractmethod
    def output_fds(self) -> Mapping[str, int]:
        """Output fds by stream name: ``"stdout"``, and ``"stderr"`` with stderr="pipe"."""

    @abc.abstractmethod
    def write(self, data: bytes | memoryview) -> int:
        """Write what the input takes now: the count, 0 if it would block.

        Raises InputClosed when the child can no longer read (EPIPE; EIO on
        a pty whose child is gone; input already closed).
        """

    @abc.abstractmethod
    def read(self, fd: int) -> bytes | None:
        """Bytes available on ``fd``: ``b""`` at EOF, None if nothing yet."""

    @abc.abstractmethod
    def close_input(self) -> None:
        """End the child's input by closing it (pipes). A terminal has an EOF byte instead."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release every fd this backend holds (the process is reaped separately)."""


#: Signal names by number, for messages ("SIGTERM").
SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}


def discard(backend: Backend) -> None:
    """Kill, reap and release a backend whose session never came to be."""
    backend.process.signal_group(signal.SIGKILL)
    backend.process.reap()
    backend.close()


def start(argv: list[str], options: SpawnOptions, env: Mapping[str, str]) -> Backend:
    """Start ``argv`` on the backend ``options`` name (checked already), with
    the options that backend takes and the environment ``env`` (the whole
    of it; on a host, what is set over the login's).

    Running out of file descriptors can strike at any of the fds a spawn
    makes (pipes, a pty, the exec report pipe): whichever it is, it is the
    same SpawnError. A backend that fails part-way has closed what it made.
    """
    try:
        return _start(argv, options, env)
    except OSError as exc:
        if isinstance(exc, SpawnError) or exc.errno not in (errno.EMFILE, errno.ENFILE):
            raise
        raise out_of_descriptors(argv, exc.errno) from exc


async def start_async(argv: list[str], options: SpawnOptions, env: Mapping[str, str]) -> Backend:
    """:func:`start` for an event loop: a remote program's handshake is awaited,
    not waited for (a local one starts at once, as for :func:`start`)."""
    host = options["host"]
    if host is None:
        return start(argv, options, env)
    from .ssh import start_async as start_remote

    return await start_remote(argv, options, host, env)  # type: ignore[arg-type]


def _start(argv: list[str], options: SpawnOptions, env: Mapping[str, str]) -> Backend:
    """Where a new transport plugs in."""
    host = options["host"]
    if host is not None:
        from .ssh import start as start_remote

        return start_remote(argv, options, host, env)  # type: ignore[arg-type]
    cwd = options["cwd"]
    cwd_str = os.fspath(cwd) if cwd is not None else None
    mark = None
    if options["close_ends"] == "descendants":
        from ._descendants import new_mark, with_mark

        mark = new_mark()
        env = with_mark(env, mark)
    if options["backend"] == "pty":
        from .pty import PtyBackend

        return PtyBackend(
            argv,
            cwd=cwd_str,
            env=env,
            echo=options["echo"],
            dimensions=options["dimensions"],
            ignored=options["ignore_signals"],
            mark=mark,
        )
    from .pipe import PipeBackend

    return PipeBackend(
        argv,
        cwd=cwd_str,
        env=env,
        stderr=options["stderr"],
        ignored=options["ignore_signals"],
        mark=mark,
    )
