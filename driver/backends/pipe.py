"""The pipe backend: subprocess.Popen, non-blocking pipes, own process group."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping, Sequence

from . import Backend, resolve_program, spawn_failure

_STDERR_MODES = {
    "stdout": subprocess.STDOUT,
    "pipe": subprocess.PIPE,
    "devnull": subprocess.DEVNULL,
    "inherit": None,
}


class PipeBackend(Backend):
    """The child's stdin and stdout (and stderr with ``stderr="pipe"``) are pipes."""

    name = "pipe"

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | None,
        env: Mapping[str, str] | None,
        stderr: str,
    ) -> None:
        if stderr not in _STDERR_MODES:
            raise ValueError(
                f"stderr={stderr!r} is not one of {', '.join(map(repr, _STDERR_MODES))}"
            )
        program = resolve_program(argv, env, cwd)
        try:
            self._popen = subprocess.Popen(
                [program, *argv[1:]],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=_STDERR_MODES[stderr],
                cwd=cwd,
                env=env,
                bufsize=0,
                # A session of its own: the group can be signalled as a whole,
                # and the child cannot grab the user's terminal (a getpass
                # prompt would otherwise wait on the real keyboard).
                start_new_session=True,
            )
        except OSError as exc:
            raise spawn_failure(argv, exc) from exc
        self.pid = self._popen.pid
        assert self._popen.stdin is not None and self._popen.stdout is not None
        self.input_fd = self._popen.stdin.fileno()
        self.output_fds = {"stdout": self._popen.stdout.fileno()}
        if self._popen.stderr is not None:
            self.output_fds["stderr"] = self._popen.stderr.fileno()
        for fd in (self.input_fd, *self.output_fds.values()):
            os.set_blocking(fd, False)
        self._open_exit_fd()

    def send_eof(self) -> None:
        if self._popen.stdin is not None and not self._popen.stdin.closed:
            self._popen.stdin.close()
        self.input_fd = None

    def control_bytes(self, char: str) -> bytes | None:
        return None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._popen.poll()
        return self.returncode

    def reap(self) -> int:
        self.returncode = self._popen.wait()
        return self.returncode

    def close(self) -> None:
        for stream in (self._popen.stdin, self._popen.stdout, self._popen.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.input_fd = None
        self._close_exit_fd()
