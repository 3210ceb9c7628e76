"""A backend over an fd opened elsewhere: a socket, a serial line, a pty's master.

There is no child process: the :class:`Endpoint` stands in for one. It is
"running" until the session ends its input, and signals go nowhere. So a
session's close ends the input (a socket's sending half is shut down) and
releases the fd, with no grace period to wait.
"""

from __future__ import annotations

import contextlib
import errno
import os
import socket
import stat
from collections.abc import Mapping
from types import MappingProxyType

from .._errors import InputClosed
from . import READ_SIZE, Backend

# What a read or write on an fd whose other end went away raises.
_GONE = (errno.EIO, errno.ECONNRESET, errno.ENOTCONN, errno.EPIPE)


class Endpoint:
    """The other end of an attached fd, where a child process would be."""

    pid = None
    exit_fd = None
    host = None
    lost_because = None
    reaped = False
    status_lost = False

    def __init__(self) -> None:
        self.returncode: int | None = None

    def finish(self) -> None:
        """Our side is done with it: it counts as having exited, with status 0."""
        if self.returncode is None:
            self.returncode = 0

    @property
    def exited(self) -> bool:
        return self.returncode is not None

    def poll(self) -> int | None:
        return self.returncode

    def running(self) -> bool:
        return self.returncode is None

    def reading_input(self) -> bool | None:
        return None  # what is at the other end cannot be seen

    def idle(self) -> bool | None:
        return None

    def reap(self) -> int:
        self.finish()
        return 0

    def signal(self, sig: int) -> None:
        """No process to signal."""

    def signal_group(self, sig: int) -> bool:
        return False

    def group_survivors(self) -> list[int]:
        return []

    def escaped(self) -> list[int]:
        return []

    def signal_escaped(self, pids: list[int], sig: int) -> None:
        """No process to signal."""

    def close(self) -> None:
        self.finish()


class FdBackend(Backend):
    """Bytes in and out of one fd that someone else opened.

    Args:
        fd: readable, and writable for sends; made non-blocking.
        owned: close the fd with the session (else it is left open, in
            blocking mode as found).
        holder: the object the fd came from (a socket, a file), if any. It
            is what gets closed, so that it never closes the number later,
            when the number may be another file's.
    """

    def __init__(self, fd: int, *, owned: bool, holder: object = None) -> None:
        mode = os.fstat(fd).st_mode  # OSError (EBADF) for an fd that is not open
        self._fd: int | None = fd
        self._input_open = True
        self._owned = owned
        self._holder = holder
        self._is_socket = stat.S_ISSOCK(mode)
        self._was_blocking = os.get_blocking(fd)
        os.set_blocking(fd, False)
        self._outputs = MappingProxyType({"stdout": fd})
        self._endpoint = Endpoint()

    @property
    def name(self) -> str:
        return "fd"

    @property
    def process(self) -> Endpoint:
        return self._endpoint

    @property
    def terminal(self) -> None:
        return None

    @property
    def input_fd(self) -> int | None:
        return self._fd if self._input_open else None

    @property
    def output_fds(self) -> Mapping[str, int]:
        return self._outputs

    def write(self, data: bytes | memoryview) -> int:
        if self._fd is None or not self._input_open:
            raise InputClosed("the input is closed")
        try:
            return os.write(self._fd, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            if exc.errno in _GONE:
                raise InputClosed(f"the other end is gone ({exc.strerror})") from exc
            raise

    def read(self, fd: int) -> bytes | None:
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno in _GONE:
                return b""  # the other end is gone: that is the end of the output
            raise

    def close_input(self) -> None:
        """No more sends: a socket's sending half is shut down (the peer reads EOF)."""
        if self._input_open and self._fd is not None and self._is_socket:
            with contextlib.suppress(OSError):
                peer = socket.socket(fileno=os.dup(self._fd))
                try:
                    peer.shutdown(socket.SHUT_WR)
                finally:
                    peer.close()
        self._input_open = False
        self._endpoint.finish()

    def close(self) -> None:
        fd, self._fd = self._fd, None
        self._input_open = False
        self._endpoint.finish()
        if fd is None:
            return
        if self._owned:
            with contextlib.suppress(OSError):  # EBADF: its opener closed it already
                close = getattr(self._holder, "close", None)
                if callable(close):
                    close()
                else:
                    os.close(fd)
        else:
            with contextlib.suppress(OSError):
                os.set_blocking(fd, self._was_blocking)
