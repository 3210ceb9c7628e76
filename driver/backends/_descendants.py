"""What a child started, wherever it went: found by a mark in the environment.

A process can leave the child's process group (``setpgid``: a shell's job
control) or its session too (``setsid``: a daemon, a double fork). A signal
to the group then misses it, and once its parent exits nothing in the
process tree links it to the child (it is reparented to init). What it
keeps is its environment: the child starts with :data:`VARIABLE` holding a
random mark, which every descendant inherits unless it clears or overwrites
its environment, and ``/proc/PID/environ`` shows it.

The other ways were weighed. A child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``)
makes the *calling* process the parent of every orphan of every child it
has, driver's or not, which it must then reap: a property of the whole
process, not of one session. A cgroup needs a delegated hierarchy (root, or
systemd's), which a test run rarely has. The mark needs neither; it costs a
read of ``/proc/PID/environ`` for each process of the user outside the
caller's session when a session closes (about 8 us each), and it needs
``/proc`` (Linux).
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable, Mapping

from ._process import PROC, running

#: The variable that carries the marks of the sessions a process descends from.
VARIABLE = "DRIVER_SESSION"


def findable() -> bool:
    """Whether descendants can be found here: this system has ``/proc``."""
    return os.path.isdir(f"{PROC}/self")


def new_mark() -> str:
    """A mark no other session has: 128 random bits, as hex."""
    return os.urandom(16).hex()


def with_mark(env: Mapping[str, str] | None, mark: str) -> dict[str, str]:
    """``env`` (default: this process's) with ``mark`` added to :data:`VARIABLE`.

    Added, not replaced: a child of a child of driver keeps the outer
    session's mark too, so that session still finds it.
    """
    base = os.environ if env is None else env
    inherited = base.get(VARIABLE)
    return {**base, VARIABLE: f"{inherited} {mark}" if inherited else mark}


def descendants(child: int, mark: str | None) -> Descendants | None:
    """What finds ``child``'s descendants by ``mark``; None without a mark."""
    return None if mark is None else Descendants(child, mark)


class Descendants:
    """The child's descendants outside its process group: ``child`` is its
    pid (also its group's and session's id), ``mark`` its environment's.

    Those in the child's session (a job a shell moved to a group of its own)
    count only while ``session_held``: the child is not reaped, so its pid,
    the session's id, cannot have been reused. Those in other sessions count
    by their mark.
    """

    def __init__(self, child: int, mark: str) -> None:
        self._child = child
        self._mark = mark.encode()

    def find(self, session_held: bool) -> list[int]:
        """Live processes the child started, at any depth, outside its group.
        Empty without /proc."""
        try:
            names = os.listdir(PROC)
        except OSError:
            return []
        foreign = self._foreign_sessions()
        return [
            pid
            for pid in map(int, filter(str.isdigit, names))
            if self._belongs(pid, session_held, foreign) and running(pid)
        ]

    def signal(self, pids: Iterable[int], sig: int, session_held: bool) -> None:
        """Send ``sig`` to each of ``pids`` that still belongs (see :meth:`find`)."""
        foreign = self._foreign_sessions()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                self._signal(pid, sig, session_held, foreign)

    def _signal(self, pid: int, sig: int, session_held: bool, foreign: set[int]) -> None:
        try:
            pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError) as exc:  # no pidfds (kernel < 5.3, not Linux)
            if isinstance(exc, ProcessLookupError):
                return
            pidfd = None
        try:
            # Checked after the pidfd is held: if the pid was reused between
            # the two, the pidfd names the process that is gone, and the
            # signal reaches nobody.
            if not self._belongs(pid, session_held, foreign):
                return
            if pidfd is None:
                os.kill(pid, sig)
            else:
                signal.pidfd_send_signal(pidfd, sig)
        finally:
            if pidfd is not None:
                os.close(pidfd)

    def _foreign_sessions(self) -> set[int]:
        """Sessions nothing of the child's can be in, known without reading
        an environment: the caller's, and those led by the caller's other
        children (the other sessions driver started, say).

        The child started a session of its own, and no process can join an
        older one; a session's members descend from its leader, so one led
        by a process that does not descend from the child holds nothing of
        the child's. While a session has members its id stays taken, so a
        live process with that pid is its leader.
        """
        foreign = _callers_children()
        foreign.discard(self._child)
        foreign.add(os.getsid(0))
        return foreign

    def _belongs(self, pid: int, session_held: bool, foreign: set[int]) -> bool:
        if pid == self._child:
            return False
        try:
            group, session = os.getpgid(pid), os.getsid(pid)
        except OSError:  # gone since the listing
            return False
        if group == self._child or session in foreign:
            return False  # the group's (the group signal ends it), or surely not the child's
        if session == self._child:
            return session_held
        return self._carries_mark(pid)

    def _carries_mark(self, pid: int) -> bool:
        try:
            fd = os.open(f"{PROC}/{pid}/environ", os.O_RDONLY)
        except OSError:  # gone, or another user's: no signal of ours could reach it
            return False
        chunks = []
        try:
            while chunk := os.read(fd, 1 << 16):
                chunks.append(chunk)
        except OSError:
            return False
        finally:
            os.close(fd)
        return self._mark in b"".join(chunks)


def _callers_children() -> set[int]:
    """The pids of this process's children (of every thread's); empty where
    the kernel does not list them (CONFIG_PROC_CHILDREN)."""
    children: set[int] = set()
    try:
        threads = os.listdir(f"{PROC}/self/task")
    except OSError:
        return children
    for thread in threads:
        try:
            with open(f"{PROC}/self/task/{thread}/children", "rb") as file:
                children.update(map(int, file.read().split()))
        except OSError:  # the thread has ended, or no such file
            continue
    return children
