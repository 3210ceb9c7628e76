"""The child process both backends hold: its exit, reaping and signals.

The child leads a session and process group of its own, so its pid is also
its group's id. Unlike subprocess.Popen, :meth:`ChildProcess.poll` learns of
the exit without reaping: until :meth:`ChildProcess.reap`, the zombie holds
the pid and the group id, so neither a signal to the child nor one to its
group can ever reach a process that reused the number.
"""

from __future__ import annotations

import contextlib
import os
import platform
import signal
import stat
import subprocess
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._descendants import Descendants

_PROC = "/proc"
# Dead processes: they stay listed until their parent reaps them, but no
# signal can reach them any more.
_DEAD_STATES = (b"Z", b"X")


class ChildProcess:
    """A child driver started: ``poll`` never reaps, ``reap`` does, once.

    With ``popen`` (the pipe backend's subprocess.Popen), its returncode is
    set on reaping, so that Popen's finaliser neither warns nor reaps; the
    Popen's own poll and wait must never be called (they reap). With
    ``descendants``, :meth:`escaped` finds what the child started outside its
    process group.
    Not thread-safe: one owner polls, signals and reaps.
    """

    #: It runs on this machine.
    host = None
    #: The SIGCHLD disposition or another waiter says why a status is lost.
    lost_because = None

    def __init__(
        self,
        pid: int,
        *,
        popen: subprocess.Popen[bytes] | None = None,
        descendants: Descendants | None = None,
    ) -> None:
        self._pid = pid
        self._popen = popen
        self._descendants = descendants
        self._returncode: int | None = None
        self._reaped = False
        self._status_lost = False
        self._exit_fd = _open_pidfd(pid)
        self._syscalls = SyscallWatch(pid)  # until close()

    def __repr__(self) -> str:
        state = "reaped" if self._reaped else "running" if self._returncode is None else "exited"
        state += ", status lost" if self._status_lost else ""
        return f"<ChildProcess pid={self._pid} {state} returncode={self._returncode}>"

    @property
    def pid(self) -> int:
        """The child's pid, also its process group's id."""
        return self._pid

    @property
    def exit_fd(self) -> int | None:
        """A pidfd, readable once the child has exited; None where there is none.

        Open until :meth:`close`, so an event loop never watches a reused fd
        number. Without one, a caller polls :meth:`poll`.
        """
        return self._exit_fd

    @property
    def returncode(self) -> int | None:
        """The exit status, ``-N`` for signal N (as subprocess); None while running,
        and None for good once :attr:`status_lost`.

        Known once :meth:`poll` or :meth:`reap` has seen the exit.
        """
        return self._returncode

    @property
    def exited(self) -> bool:
        """Whether the child is known to have exited (as of the last look)."""
        return self._reaped or self._returncode is not None

    @property
    def status_lost(self) -> bool:
        """Whether the child was reaped before its status was seen, so that it
        can never be known: SIGCHLD ignored (the kernel reaps at exit and
        discards it), or another part of the program waited for the child."""
        return self._status_lost

    @property
    def reaped(self) -> bool:
        """Whether the child has been waited for, its pid released."""
        return self._reaped

    def poll(self) -> int | None:
        """The returncode if the child has exited, else None (see :attr:`exited`
        for whether it has, when its status is lost). Does not reap."""
        if self._returncode is not None or self._reaped:
            return self._returncode
        waitid = getattr(os, "waitid", None)
        if waitid is None:  # macOS: no way to look without reaping
            self._wait(os.WNOHANG)
            return self._returncode
        try:
            info = waitid(os.P_PID, self._pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            self._reaped_elsewhere()
        else:
            if info is not None:
                self._returncode = _returncode(info)
        return self._returncode

    def reading_input(self) -> bool | None:
        """See :meth:`SyscallWatch.reading_input`."""
        return self._syscalls.reading_input()

    def idle(self) -> bool | None:
        """See :meth:`SyscallWatch.idle`."""
        return self._syscalls.idle()

    def running(self) -> bool:
        """Whether the child has not exited, looking again (does not reap)."""
        self.poll()
        return not self.exited

    def reap(self) -> int | None:
        """Wait for the child to exit (blocking) and reap it; its returncode, None
        if its status is lost. Idempotent."""
        while not self._reaped:
            self._wait(0)
        return self._returncode

    def _wait(self, options: int) -> None:
        try:
            pid, status = os.waitpid(self._pid, options)
        except ChildProcessError:
            self._reaped_elsewhere()
        else:
            if pid:
                self._mark_reaped(os.waitstatus_to_exitcode(status))

    def _reaped_elsewhere(self) -> None:
        # SIGCHLD set to SIG_IGN makes the kernel reap at exit; the status is
        # gone, and reading it as 0 would report a failure as success.
        self._status_lost = self._returncode is None
        self._mark_reaped(self._returncode)

    def _mark_reaped(self, returncode: int | None) -> None:
        self._returncode = returncode
        self._reaped = True
        if self._popen is not None:  # Popen's own bookkeeping: reaped, whatever the status
            self._popen.returncode = 0 if returncode is None else returncode

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the child alone; nothing once it is reaped."""
        if self._exit_fd is not None and hasattr(signal, "pidfd_send_signal"):
            # A pidfd names this process and no other, whoever reaped it.
            with contextlib.suppress(ProcessLookupError):
                signal.pidfd_send_signal(self._exit_fd, sig)
        elif not self._gone():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._pid, sig)

    def signal_group(self, sig: int) -> bool:
        """Send ``sig`` to the child's process group; nothing once the child is reaped.

        Only until then is the group id certainly still this group's. (With
        SIGCHLD ignored the kernel reaps the child at its exit; that is found
        out here and nothing is sent.) Whether it was sent.
        """
        if self._gone():
            return False
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._pid, sig)
        return True

    def _gone(self) -> bool:
        """Whether the child is reaped, looking again: SIGCHLD ignored, or a
        handler that waits for any child, may have reaped it behind our back."""
        if self._reaped:
            return True
        if not hasattr(os, "waitid"):
            self.poll()
            return self._reaped
        try:
            info = os.waitid(os.P_PID, self._pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            self._reaped_elsewhere()
        else:
            if info is not None and self._returncode is None:
                self._returncode = _returncode(info)
        return self._reaped

    def group_survivors(self) -> list[int] | None:
        """Live processes other than the child in the child's process group.

        Grandchildren that kept the group (a shell's background job, say),
        however they were reparented; exited ones not yet reaped by their
        parent are left out. None where this cannot be known (no /proc).
        """
        try:
            names = os.listdir(_PROC)
        except OSError:
            return None
        # getpgid(2) for every pid is one cheap call each; reading every
        # /proc/PID/stat costs about ten times as much.
        return [
            pid
            for pid in map(int, filter(str.isdigit, names))
            if pid != self._pid and _group_of(pid) == self._pid and running(pid)
        ]

    def escaped(self) -> list[int]:
        """Live processes the child started that left its process group:
        found by the environment's mark (close_ends="descendants"), else none."""
        if self._descendants is None:
            return []
        return self._descendants.find(session_held=not self._gone())

    def signal_escaped(self, pids: list[int], sig: int) -> None:
        """Send ``sig`` to each of ``pids`` (from :meth:`escaped`) that is still one."""
        if self._descendants is not None:
            self._descendants.signal(pids, sig)

    def close(self) -> None:
        """Close the pidfd. Idempotent; the child is neither signalled nor reaped."""
        # Forget the fd before closing it: an exception from a signal handler
        # between the two must not leave a number that a second close would
        # take from whoever reuses it.
        fd, self._exit_fd = self._exit_fd, None
        self._syscalls.close()
        if fd is not None:
            os.close(fd)


def _open_pidfd(pid: int) -> int | None:
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        return None
    try:
        fd: int = pidfd_open(pid)
    except OSError:  # kernels before 5.3
        return None
    return fd


def _returncode(info: os.waitid_result) -> int:
    if info.si_code == os.CLD_EXITED:
        return info.si_status
    return -info.si_status  # CLD_KILLED or CLD_DUMPED: the signal


def _group_of(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except OSError:  # gone since the listing
        return None


# The number of the read system call, where /proc/PID/syscall names it by number.
_READ_SYSCALL = {"x86_64": 0, "aarch64": 63, "i686": 3, "i386": 3, "armv7l": 3}.get(
    platform.machine()
)
# The calls that wait for any of several fds (poll, select, epoll and their
# kin): an event loop or a line editor blocks there while it waits for a key.
_WAIT_SYSCALLS = {
    "x86_64": {7, 23, 232, 270, 271, 281, 441},
    "aarch64": {22, 72, 73, 441},
}.get(platform.machine(), set())


class SyscallWatch:
    """What a process is blocked in, from /proc/PID/syscall, read through one
    open fd: a pread costs about a microsecond, opening the file each time
    fifty, and a REPL asks before every line it sends."""

    def __init__(self, pid: int) -> None:
        self._pid = pid
        self._fd: int | None = None
        self._unavailable = _READ_SYSCALL is None

    def blocked_in(self) -> tuple[int, int] | None:
        """The system call it is blocked in and its first argument; (-1, 0)
        while it runs; None where that cannot be seen (not Linux, another
        architecture, the process gone)."""
        fd = self._open()
        if fd is None:
            return None
        try:
            fields = os.pread(fd, 512, 0).split()
        except OSError:  # reaped: its /proc entry is gone
            return None
        if len(fields) < 2 or not fields[0].isdigit():
            return -1, 0  # running, or not in a system call
        return int(fields[0]), int(fields[1], 16)

    def reading_input(self) -> bool | None:
        """Whether it is blocked reading its input: its stdin, or its terminal
        opened again (``/dev/tty``, as getpass and ssh's password prompt read
        it). None where that cannot be seen."""
        blocked = self.blocked_in()
        return None if blocked is None else self._reads_input(*blocked)

    def idle(self) -> bool | None:
        """Whether it is blocked reading its input or waiting on fds (poll,
        select, epoll): done with what it was doing, and ready for input if
        any program is. Looser than :meth:`reading_input`: which fds a poll
        waits on cannot be seen. None where that cannot be seen."""
        blocked = self.blocked_in()
        if blocked is None:
            return None
        return blocked[0] in _WAIT_SYSCALLS or self._reads_input(*blocked)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        self._unavailable = True
        if fd is not None:
            os.close(fd)

    def _reads_input(self, call: int, fd: int) -> bool:
        return call == _READ_SYSCALL and (fd == 0 or _is_its_terminal(self._pid, fd))

    def _open(self) -> int | None:
        if self._fd is None and not self._unavailable:
            try:
                self._fd = os.open(f"{_PROC}/{self._pid}/syscall", os.O_RDONLY | os.O_CLOEXEC)
            except OSError:
                self._unavailable = True
        return self._fd


#: /dev/tty: whichever terminal controls the process that opens it.
_CONTROLLING_TERMINAL = os.makedev(5, 0)


def _is_its_terminal(pid: int, fd: int) -> bool:
    """Whether ``pid``'s ``fd`` is the terminal its stdin is, or /dev/tty."""
    try:
        target = os.stat(f"{_PROC}/{pid}/fd/{fd}")
        stdin = os.stat(f"{_PROC}/{pid}/fd/0")
    except OSError:
        return False
    if not stat.S_ISCHR(target.st_mode):
        return False
    if target.st_rdev == _CONTROLLING_TERMINAL:
        return True
    return stat.S_ISCHR(stdin.st_mode) and target.st_rdev == stdin.st_rdev


def running(pid: int) -> bool:
    """Whether ``pid`` has not exited, from the state in /proc/PID/stat.

    A process that exited counts as gone even before its parent reaps it.
    Where there is no /proc, whether the pid exists at all.
    """
    if not os.path.isdir(_PROC):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    fields = _stat_fields(pid)
    return fields is not None and fields[0] not in _DEAD_STATES


def start_time(pid: int, *, exited_too: bool = False) -> int | None:
    """When ``pid`` started, in clock ticks since boot: with its pid, what
    names one process. None once it has exited (unless ``exited_too``) or is gone."""
    fields = _stat_fields(pid)
    if fields is None or len(fields) < 20 or (fields[0] in _DEAD_STATES and not exited_too):
        return None
    return int(fields[19])  # starttime, field 22 of the whole line


def _stat_fields(pid: int) -> list[bytes] | None:
    """The fields of /proc/PID/stat after the name (the state first); None if it is gone."""
    try:
        fd = os.open(f"{_PROC}/{pid}/stat", os.O_RDONLY)
    except OSError:
        return None
    try:
        stat = os.read(fd, 512)
    except OSError:
        return None
    finally:
        os.close(fd)
    # "pid (comm) state ...": comm may hold spaces and parentheses.
    fields = stat[stat.rfind(b")") + 2 :].split()
    return fields or None
