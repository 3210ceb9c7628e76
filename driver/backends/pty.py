"""The pty backend: ptyprocess for the fork/exec, then the master fd is ours.

ptyprocess starts the child on a new pseudo-terminal (its own session and
process group, echo off unless asked, the window size set) and reports a
failed exec through a close-on-exec pipe. After that driver owns the master
fd outright: ptyprocess's close/terminate sleep a fixed 0.1 s, which the
sessions avoid by doing the lifecycle themselves.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import struct
import sys
import termios
import threading
from collections.abc import Mapping, Sequence

import ptyprocess

from . import Backend, exit_code, resolve_program, spawn_failure

# The Linux line discipline holds at most 4095 characters of an unfinished
# line in canonical mode and silently drops the rest; other systems drop
# beyond MAX_CANON (1024 or less). Longer lines go in pieces (prepare_input).
_CANON_LIMIT = 4095 if sys.platform.startswith("linux") else 255
_PIECE = 1024 if sys.platform.startswith("linux") else 128

_CONTROL_NAMES = {"?": 0x7F, "[": 0x1B, "\\": 0x1C, "]": 0x1D, "^": 0x1E, "_": 0x1F, "@": 0x00}


class _PtyChild(ptyprocess.PtyProcess):  # type: ignore[misc]
    """A PtyProcess that leaves a trace of itself even when spawn raises.

    ptyprocess creates the instance (and so the master fd) before it learns
    the exec failed, then raises without closing it or reaping the child.
    """

    created = threading.local()

    def __init__(self, pid: int, fd: int) -> None:
        super().__init__(pid, fd)
        _PtyChild.created.last = self


class PtyBackend(Backend):
    """The child's stdin, stdout and stderr are one pseudo-terminal."""

    name = "pty"

    def __init__(
        self,
        argv: Sequence[str],
        *,
        cwd: str | None,
        env: Mapping[str, str] | None,
        echo: bool,
        dimensions: tuple[int, int],
    ) -> None:
        program = resolve_program(argv, env, cwd)
        _PtyChild.created.last = None
        try:
            child = _PtyChild.spawn(
                [program, *argv[1:]],
                cwd=cwd,
                env=dict(env) if env is not None else None,
                echo=echo,
                dimensions=dimensions,
            )
        except OSError as exc:
            self._abandon(_PtyChild.created.last)
            raise spawn_failure(argv, exc) from exc
        self.pid = child.pid
        self._fd = os.dup(child.fd)  # non-inheritable; ptyprocess's copy goes
        child.fileobj.close()
        child.closed = True  # so its __del__ never runs its sleeping close()
        os.set_blocking(self._fd, False)
        self.input_fd = self._fd
        self.output_fds = {"stdout": self._fd}
        self._open_exit_fd()

    @staticmethod
    def _abandon(child: _PtyChild | None) -> None:
        if child is not None:
            child.fileobj.close()
            child.closed = True
            with contextlib.suppress(ChildProcessError):
                os.waitpid(child.pid, 0)  # it has exited: the exec failed

    def read(self, fd: int) -> bytes | None:
        try:
            return super().read(fd)
        except OSError as exc:
            if exc.errno == errno.EIO:  # Linux: the slave side is closed, i.e. EOF
                return b""
            raise

    def prepare_input(self, data: bytes) -> bytes:
        if len(data) <= _CANON_LIMIT or not _has_long_line(data):
            return data
        attributes = termios.tcgetattr(self._fd)
        if not attributes[3] & termios.ICANON:
            return data  # the child reads raw input: no line limit applies
        # In canonical mode the EOF character in mid-line hands the pending
        # text to the reader without ending input, and while a handed-over
        # piece waits to be read the kernel holds further input back instead
        # of dropping it. Each piece is non-empty, so no EOF is ever seen.
        push = attributes[6][termios.VEOF]
        return b"\n".join(
            push.join(segment[i : i + _PIECE] for i in range(0, len(segment), _PIECE))
            for segment in data.split(b"\n")
        )

    def echo_on(self) -> bool:
        """Whether the terminal echoes input (a password prompt turns this off)."""
        return bool(termios.tcgetattr(self._fd)[3] & termios.ECHO)

    def set_echo(self, on: bool) -> None:
        attributes = termios.tcgetattr(self._fd)
        attributes[3] = attributes[3] | termios.ECHO if on else attributes[3] & ~termios.ECHO
        termios.tcsetattr(self._fd, termios.TCSANOW, attributes)

    def send_eof(self) -> None:
        eof_char = termios.tcgetattr(self._fd)[6][termios.VEOF]
        os.write(self._fd, eof_char)

    def control_bytes(self, char: str) -> bytes | None:
        return control_bytes(char)

    def set_window_size(self, rows: int, cols: int) -> None:
        # The kernel sends SIGWINCH to the terminal's foreground process group.
        fcntl.ioctl(self._fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def poll(self) -> int | None:
        if self.returncode is None:
            self._wait(os.WNOHANG)
        return self.returncode

    def reap(self) -> int:
        while self.returncode is None:
            self._wait(0)
        return self.returncode

    def _wait(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self.pid, options)
        except ChildProcessError:
            # Reaped elsewhere (SIGCHLD set to SIG_IGN): the status is gone.
            pid, status = self.pid, 0
        if pid:
            self.returncode = exit_code(status)

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
            self.input_fd = None
        self._close_exit_fd()


def _has_long_line(data: bytes) -> bool:
    return max(map(len, data.split(b"\n"))) > _CANON_LIMIT


def control_bytes(char: str) -> bytes:
    """The byte a terminal sends for Ctrl-``char`` (``"c"`` -> ``b"\\x03"``)."""
    if len(char) == 1 and char.isalpha() and char.isascii():
        return bytes([ord(char.lower()) & 0x1F])
    if char in _CONTROL_NAMES:
        return bytes([_CONTROL_NAMES[char]])
    raise ValueError(
        f"send_control({char!r}): expected a letter or one of {''.join(_CONTROL_NAMES)}"
    )
