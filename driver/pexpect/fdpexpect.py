"""pexpect's ``fdspawn``: drive an fd opened elsewhere (a serial port, a pipe, a pty)."""

from __future__ import annotations

import os
from typing import Any

import driver

from .exceptions import ExceptionPexpect
from .spawnbase import SpawnBase


class fdspawn(SpawnBase):
    """pexpect's ``fdspawn`` over :func:`driver.attach`: ``fd`` is read and
    written as it is; closing this closes it."""

    def __init__(
        self,
        fd: Any,
        args: Any = None,
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
        use_poll: bool = False,
    ) -> None:
        if not isinstance(fd, int) and hasattr(fd, "fileno"):
            fd = fd.fileno()
        if not isinstance(fd, int):
            raise ExceptionPexpect(
                "The fd argument is not an int. If this is a command string"
                " then maybe you want to use pexpect.spawn."
            )
        try:
            os.fstat(fd)
        except OSError:
            raise ExceptionPexpect("The fd argument is not a valid file descriptor.") from None
        super().__init__(timeout, maxread, searchwindowsize, logfile, encoding, codec_errors)
        self.args: None = None
        self.command: None = None
        self.child_fd: int = fd
        self.own_fd = False
        self.name: str = f"<file descriptor {fd}>"
        self.use_poll = use_poll
        self._attach(fd)

    def _attach(self, fd: int) -> None:
        self._drive(driver.attach(fd, name=self.name, **self._driver_options()))

    def isalive(self) -> bool:
        """Whether the fd is still open."""
        if self.child_fd == -1:
            return False
        try:
            os.fstat(self.child_fd)
        except OSError:
            # Closed by its opener: let go of the number now, while it is
            # free, so that no later close can take it from its next owner.
            self.close()
            return False
        return True

    def close(self) -> None:  # type: ignore[override]
        """Close the fd."""
        if self.child_fd == -1:
            return
        self._session.close()
        self.child_fd = -1
        self.closed = True
        self._release_read_log()

    def terminate(self, force: bool = False) -> None:
        raise ExceptionPexpect("This method is not valid for file descriptors.")

    def send(self, s: Any) -> int:
        """Send ``s``; the number of bytes written."""
        return super().send(s)

    def sendline(self, s: Any = "") -> int:
        return super().sendline(s)

    def read_nonblocking(self, size: int = 1, timeout: float | None = -1) -> Any:
        if self.child_fd == -1:
            raise ValueError("I/O operation on closed file.")
        return super().read_nonblocking(size, timeout)
