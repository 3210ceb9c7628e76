"""The pty backend: driver's own fork onto a new pseudo-terminal.

The child leads a new session with the pty's slave as stdin, stdout, stderr
and controlling terminal; the master is driver's. What only a terminal can do
(echo, window size, control characters, its EOF byte) is the
:class:`Terminal` capability, built on the master.
"""

from __future__ import annotations

import errno
import os
import select
import struct
import sys
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .._errors import DriverError, InputClosed, SpawnError
from .._messages import command_line
from ..terminal import check_window_size, control_bytes
from . import READ_SIZE, Backend
from ._descendants import descendants
from ._posix import fcntl, termios
from ._process import ChildProcess
from ._spawn import Argv, Cwd, check, fork_exec, kill_and_reap

# The Linux line discipline holds at most 4095 characters of an unfinished
# line in canonical mode and silently drops the rest; other systems drop
# beyond MAX_CANON (1024 or less). Longer lines go in pieces (prepare_input).
_CANON_LIMIT = 4095 if sys.platform.startswith("linux") else 255
_PIECE = 1024 if sys.platform.startswith("linux") else 128


class Terminal:
    """The child's terminal, seen from the master side.

    Termios settings read and set here are the slave's: the child sees them.
    Getters and setters raise OSError when the terminal cannot be asked (it
    is closed: EBADF); :meth:`eof_bytes` and :meth:`prepare_input`, which
    serve writing, raise InputClosed instead.
    """

    def __init__(self, fd: int) -> None:
        # The master; the slave answers the same questions (set-up before the fork).
        self._fd: int | None = fd

    def _master(self) -> int:
        if self._fd is None:
            raise OSError(errno.EBADF, "the terminal is closed")
        return self._fd

    def _detach(self) -> None:
        """Forget the master: its owner is closing it."""
        self._fd = None

    def _attributes(self) -> list[Any]:
        try:
            return termios.tcgetattr(self._master())
        except termios.error as exc:  # not an OSError, but carries (errno, message)
            raise OSError(*exc.args) from exc

    def _set_local_flag(self, flag: int, on: bool) -> None:
        attributes = self._attributes()
        attributes[3] = attributes[3] | flag if on else attributes[3] & ~flag
        try:
            termios.tcsetattr(self._master(), termios.TCSANOW, attributes)
        except termios.error as exc:
            raise OSError(*exc.args) from exc

    @property
    def echo(self) -> bool:
        """Whether the terminal echoes input (a password prompt turns this off)."""
        return bool(self._attributes()[3] & termios.ECHO)

    @echo.setter
    def echo(self, on: bool) -> None:
        self._set_local_flag(termios.ECHO, on)

    @property
    def canonical(self) -> bool:
        """Whether input is edited and handed over by line (ICANON), not by byte."""
        return bool(self._attributes()[3] & termios.ICANON)

    @property
    def window_size(self) -> tuple[int, int]:
        """(rows, columns)."""
        packed = fcntl.ioctl(self._master(), termios.TIOCGWINSZ, bytes(8))
        rows, cols, _, _ = struct.unpack("HHHH", packed)
        return rows, cols

    def set_window_size(self, rows: int, cols: int) -> None:
        """Resize; the kernel sends SIGWINCH to the terminal's foreground group.

        Raises ValueError unless both are whole numbers from 1 to 65535.
        """
        try:
            check_window_size(rows, cols)
        except ValueError as exc:
            raise ValueError(f"set_window_size: {exc}") from None
        fcntl.ioctl(self._master(), termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def control_bytes(self, char: str) -> bytes:
        """The byte for Ctrl-``char``; ValueError naming ``char`` if there is none."""
        return control_bytes(char)

    def eof_bytes(self) -> bytes:
        """The terminal's EOF character (VEOF, Ctrl-D unless the child changed it).

        At the start of a line in canonical mode, the child's read returns
        nothing: its EOF. Raises InputClosed once the terminal is closed.
        """
        try:
            char = self._attributes()[6][termios.VEOF]
        except OSError as exc:
            raise InputClosed(f"cannot send EOF: {exc.strerror}") from exc
        # Where VEOF shares its slot with VMIN, raw mode reports a number.
        return char if isinstance(char, bytes) else bytes([char])

    def prepare_input(self, data: bytes) -> bytes:
        """The bytes to write so the child reads ``data`` whole.

        In canonical mode a line longer than the line discipline holds is
        cut (the rest silently dropped); such lines are split into pieces
        joined by the EOF character, which hands each piece over without
        ending input. Raises InputClosed once the terminal is closed.
        """
        if len(data) <= _CANON_LIMIT or not _has_long_line(data):
            return data
        try:
            attributes = self._attributes()
        except OSError as exc:
            raise InputClosed(f"cannot write to the terminal: {exc.strerror}") from exc
        if not attributes[3] & termios.ICANON:
            return data  # the child reads raw input: no line limit applies
        # While a handed-over piece waits to be read, the kernel holds further
        # input back instead of dropping it. Each piece is non-empty, so the
        # child never reads an empty piece, which would be its EOF.
        push = attributes[6][termios.VEOF]
        return b"\n".join(
            push.join(segment[i : i + _PIECE] for i in range(0, len(segment), _PIECE))
            for segment in data.split(b"\n")
        )

    @staticmethod
    def input_taken(data: bytes, prepared: bytes, written: int) -> int:
        """How many bytes of ``data`` the child got when ``written`` bytes of
        ``prepared`` (what :meth:`prepare_input` made of it) were written:
        the EOF characters put between pieces are not the child's input."""
        if prepared is data:
            return written
        taken = done = 0  # of data; of prepared
        for index, segment in enumerate(data.split(b"\n")):
            if index:  # the newline before this segment
                if written <= done:
                    return taken
                taken, done = taken + 1, done + 1
            for start in range(0, len(segment), _PIECE):
                if start:  # the EOF character before this piece
                    if written <= done:
                        return taken
                    done += 1
                piece = min(_PIECE, len(segment) - start)
                if written <= done + piece:
                    return taken + written - done
                taken, done = taken + piece, done + piece
        return taken


def _has_long_line(data: bytes) -> bool:
    return max(map(len, data.split(b"\n"))) > _CANON_LIMIT


class PtyBackend(Backend):
    """The child's stdin, stdout and stderr are one pseudo-terminal, its controlling one.

    Output is one stream, ``"stdout"``; input ends with the terminal's EOF
    byte, not by closing. ``mark`` as for :class:`~driver.backends.pipe.PipeBackend`.
    """

    def __init__(
        self,
        argv: Argv,
        *,
        cwd: Cwd,
        env: Mapping[str, str] | None,
        echo: bool,
        dimensions: tuple[int, int],
        ignored: tuple[int, ...] = (),
        mark: str | None = None,
    ) -> None:
        program = check(argv, env, cwd, dimensions, terminal=True)
        master, slave = os.openpty()  # both close-on-exec
        try:
            _set_up_terminal(slave, echo, dimensions, argv)
            pid = fork_exec(
                program,
                argv,
                env,
                cwd,
                stdio=(slave, slave, slave),
                controlling_terminal=True,
                ignored=ignored,
            )
        except BaseException:
            os.close(master)
            raise
        finally:
            # The child has its copies; ours would keep the terminal open, so
            # the master would never report EOF.
            os.close(slave)
        try:
            os.set_blocking(master, False)
            self._master: int | None = master
            self._outputs = {"stdout": master}
            self._outputs_view = MappingProxyType(self._outputs)
            self._process = ChildProcess(pid, descendants=descendants(pid, mark))
            self._terminal = Terminal(master)
            # No event: POLLHUP is always reported, once no process holds the slave.
            self._hangup = select.poll()
            self._hangup.register(master, 0)
        except BaseException:  # interrupted: the child must not outlive the spawn
            kill_and_reap(pid)
            os.close(master)
            raise

    @property
    def name(self) -> str:
        return "pty"

    @property
    def process(self) -> ChildProcess:
        return self._process

    @property
    def terminal(self) -> Terminal:
        return self._terminal

    @property
    def input_fd(self) -> int | None:
        return self._master

    @property
    def output_fds(self) -> Mapping[str, int]:
        return self._outputs_view

    def write(self, data: bytes | memoryview) -> int:
        if self._master is None:
            raise InputClosed("the terminal is closed")
        # Linux takes (and loses) what is written to a master nobody holds
        # the slave of; it reports EIO only to reads. Ask first.
        if self._hangup.poll(0):
            raise InputClosed("no process holds the terminal any more: the child is gone")
        try:
            return os.write(self._master, data)
        except BlockingIOError:
            return 0
        except OSError as exc:
            if exc.errno == errno.EIO:  # other systems: the slave side is closed
                raise InputClosed("the child's terminal is closed") from exc
            raise

    def read(self, fd: int) -> bytes | None:
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None
        except OSError as exc:
            if exc.errno == errno.EIO:  # Linux: the slave side is closed, i.e. EOF
                return b""
            raise

    def close_input(self) -> None:
        raise DriverError(
            "a terminal has no input to close: end the child's input with the terminal's"
            " EOF byte (terminal.eof_bytes(), Ctrl-D) at the start of a line"
        )

    def close(self) -> None:
        master, self._master = self._master, None  # forgotten first: see ChildProcess.close
        if master is not None:
            self._outputs.clear()
            self._terminal._detach()
            self._hangup.unregister(master)
            os.close(master)
        self._process.close()


def _set_up_terminal(slave: int, echo: bool, dimensions: tuple[int, int], argv: Argv) -> None:
    """Echo and window size, set before the fork so nothing can fail in the child."""
    terminal = Terminal(slave)
    try:
        terminal.echo = echo
        terminal.set_window_size(*dimensions)
    except OSError as exc:
        raise SpawnError(
            f"cannot spawn `{command_line(argv)}`: cannot set up its terminal: {exc.strerror}",
            exc.errno,
        ) from exc
