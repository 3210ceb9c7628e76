"""pexpect's ``SocketSpawn``: drive a connected socket."""

from __future__ import annotations

import socket
from typing import Any

import driver

from .spawnbase import SpawnBase


class SocketSpawn(SpawnBase):
    """pexpect's ``SocketSpawn`` over :func:`driver.attach`; closing it closes the socket."""

    def __init__(
        self,
        socket: socket.socket,
        args: Any = None,
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
        use_poll: bool = False,
    ) -> None:
        super().__init__(timeout, maxread, searchwindowsize, logfile, encoding, codec_errors)
        self.args: None = None
        self.command: None = None
        self.socket = socket
        self.child_fd: int = socket.fileno()
        self.name: str = f"<socket {socket}>"
        self.use_poll = use_poll
        # The socket object owns the fd: closing it closes the fd.
        self._drive(driver.attach(socket, name=self.name, close_fd=False, **self._driver_options()))

    def close(self) -> None:  # type: ignore[override]
        """Close the socket."""
        if self.child_fd == -1:
            return
        self._session.close()
        self.socket.close()
        self.child_fd = -1
        self.closed = True
        self._release_read_log()

    def isalive(self) -> bool:
        """Whether the socket is open."""
        return self.socket.fileno() >= 0

    def sendeof(self) -> None:
        """Shut the socket's sending half down: the peer reads EOF."""
        self._session.send_eof()
