"""How bytes reach a child: one small interface, two backends.

A backend starts the child in a process group of its own, exposes its file
descriptors (non-blocking), moves bytes, delivers signals and reaps. It
knows nothing of text, patterns or deadlines; the sessions do the waiting.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import shutil
import signal
from collections.abc import Mapping, Sequence

from .._errors import SpawnError

# A pipe holds 64 KiB; asking for more only makes each read allocate more.
READ_SIZE = 1 << 16


class Backend:
    """The interface the sessions drive; see PipeBackend and PtyBackend."""

    name = ""
    pid: int
    #: fd that ``write`` writes to; None once input is closed.
    input_fd: int | None
    #: output fds by stream name ("stdout", and "stderr" with stderr="pipe").
    output_fds: dict[str, int]
    #: a pidfd readable once the child has exited, open until close() so an
    #: event loop never watches a reused fd number; None where the platform
    #: has none (the sessions then poll).
    exit_fd: int | None = None
    returncode: int | None = None

    def _open_exit_fd(self) -> None:
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is not None:
            with contextlib.suppress(OSError):  # kernels before 5.3
                self.exit_fd = pidfd_open(self.pid)

    # -- bytes ----------------------------------------------------------

    def write(self, data: bytes | memoryview) -> int:
        """Write what the fd takes now; 0 if it would block."""
        assert self.input_fd is not None
        try:
            return os.write(self.input_fd, data)
        except BlockingIOError:
            return 0

    def read(self, fd: int) -> bytes | None:
        """Bytes available on ``fd``: ``b""`` at EOF, None if nothing yet."""
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None

    def prepare_input(self, data: bytes) -> bytes:
        """The bytes to write so the child reads ``data``; the pty backend splits long lines."""
        return data

    def send_eof(self) -> None:
        raise NotImplementedError

    def control_bytes(self, char: str) -> bytes | None:
        """The bytes for Ctrl-``char``, or None where the backend has no terminal."""
        raise NotImplementedError

    def set_window_size(self, rows: int, cols: int) -> None:
        raise NotImplementedError

    def echo_on(self) -> bool:
        raise NotImplementedError

    def set_echo(self, on: bool) -> None:
        raise NotImplementedError

    # -- process --------------------------------------------------------

    def poll(self) -> int | None:
        """Reap the child if it has exited; its returncode (``-N`` for signal N)."""
        raise NotImplementedError

    def reap(self) -> int:
        """Wait for the child to exit, blocking; its returncode."""
        raise NotImplementedError

    def send_signal(self, sig: int) -> None:
        """Signal the child itself, as subprocess does; nothing once it is reaped."""
        if self.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, sig)

    def signal_group(self, sig: int) -> None:
        """Signal the child's whole process group (grandchildren included)."""
        # The group id is the child's pid: both backends start a new session.
        # It stays reserved while any member lives, so this is safe after reaping.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, sig)

    def close(self) -> None:
        """Close every fd this backend holds."""
        raise NotImplementedError

    def _close_exit_fd(self) -> None:
        if self.exit_fd is not None:
            os.close(self.exit_fd)
            self.exit_fd = None


def resolve_program(argv: Sequence[str], env: Mapping[str, str] | None, cwd: str | None) -> str:
    """The path of ``argv[0]``, or a SpawnError that says what is wrong and what to do."""
    if not argv:
        raise SpawnError("cannot spawn an empty command: argv needs at least the program name")
    program = argv[0]
    command = shlex.join(argv)
    if os.sep in program:
        path = program if cwd is None or os.path.isabs(program) else os.path.join(cwd, program)
        if not os.path.exists(path):
            raise SpawnError(f"cannot spawn `{command}`: {program!r} does not exist", errno.ENOENT)
        if os.path.isdir(path):
            raise SpawnError(f"cannot spawn `{command}`: {program!r} is a directory", errno.EACCES)
        if not os.access(path, os.X_OK):
            raise SpawnError(
                f"cannot spawn `{command}`: {program!r} is not executable;"
                f" run `chmod +x {program}` or start it through its interpreter"
                f" (for example ['python3', {program!r}])",
                errno.EACCES,
            )
        return program
    search_path = (env if env is not None else os.environ).get("PATH", os.defpath)
    found = shutil.which(program, path=search_path)
    if found is None:
        raise SpawnError(
            f"cannot spawn `{command}`: program {program!r} not found on PATH"
            " (check the spelling, install it, or pass its full path)",
            errno.ENOENT,
        )
    return found


def spawn_failure(argv: Sequence[str], exc: OSError) -> SpawnError:
    """A SpawnError for an exec that failed after the checks above passed."""
    reason = exc.strerror or str(exc)
    return SpawnError(f"cannot spawn `{shlex.join(argv)}`: {reason}", exc.errno)


def exit_code(status: int) -> int:
    """A wait status as subprocess reports it: the exit status, or -N for signal N."""
    return os.waitstatus_to_exitcode(status)


SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}
