"""pexpect's ``PopenSpawn``: a program on pipes, driven by driver."""

from __future__ import annotations

import os
import shlex
import signal
from collections.abc import Mapping
from typing import Any

import driver

from .exceptions import ExceptionPexpect
from .spawnbase import SpawnBase


class PopenSpawn(SpawnBase):
    """pexpect's ``PopenSpawn``: ``cmd`` with its stdin and stdout (stderr merged)
    on pipes. Lines end as the child writes them (``os.linesep`` is ``crlf``)."""

    def __init__(
        self,
        cmd: str | list[str],
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
        preexec_fn: Any = None,
    ) -> None:
        super().__init__(timeout, maxread, searchwindowsize, logfile, encoding, codec_errors)
        if preexec_fn is not None:
            raise ExceptionPexpect(
                "preexec_fn is not supported: driver runs no Python code in the child"
                " between fork and exec"
            )
        self.crlf: Any = self.linesep
        self._stdin_closed = False
        argv = shlex.split(cmd, posix=os.name == "posix") if isinstance(cmd, str) else list(cmd)
        # As pexpect: the whole environment as given (or this process's), not
        # driver's quiet one; a daemon the script starts outlives close.
        session = driver.spawn(
            argv, backend="pipe", cwd=cwd, env=env, inherit_env=env is None, quiet=False,
            close_ends="group", **self._driver_options(),
        )  # fmt: skip
        self._drive(session)
        self.pid: int | None = session.pid
        self.child_fd: int = session.fileno()
        self.name: str = self._masked(f"<{' '.join(argv)}>")  # a Secret argument too

    def sendeof(self) -> None:
        """Close the child's stdin."""
        self._session.send_eof()
        self._stdin_closed = True

    def _sent_after_end(self, data: bytes, error: driver.EOF) -> int:
        if self._stdin_closed:  # pexpect's write to the stdin it closed
            raise ValueError(f"I/O operation on closed file: {error}") from None
        return super()._sent_after_end(data, error)

    def kill(self, sig: int) -> None:
        """Send ``sig`` to the child (SIGTERM for SIGINT, as pexpect does on Windows)."""
        if self._session.alive:
            self._session.send_signal(sig)

    def terminate(self) -> None:
        """Send SIGTERM to the child."""
        self.kill(signal.SIGTERM)

    def isalive(self) -> bool:
        """Whether the child is running; once it is not, the exit status is set."""
        alive: bool = self._session.alive
        if not alive:
            with self._status_known():
                self._record_returncode(self._session.returncode)
        return alive

    def wait(self) -> int | None:
        """Wait for the child to exit; its exit status (None if a signal ended it)."""
        session = self._session
        with self._status_known():
            returncode = session.returncode if session.closed else session.wait(self._waited(None))
        self._record_returncode(returncode)
        return self.exitstatus

    def close(self, force: bool = True) -> None:
        """End the child (EOF, then SIGTERM, then SIGKILL) and release its pipes."""
        if not self.closed:
            try:
                with self._status_known():
                    self._record_returncode(self._session.close(grace=0.5))
            finally:  # released either way
                self.closed = True
                self._release_read_log()
