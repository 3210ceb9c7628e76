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
systemd's), which a test run rarely has. The mark needs neither. It needs
``/proc`` (Linux), and costs, as a session closes, a pass over ``/proc``
(two cheap system calls a process), a read of ``/proc/PID/stat`` for each
other session (its leader's start time), and a read of
``/proc/PID/environ`` for each one started since the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterable, Mapping

from ._process import _PROC as PROC
from ._process import start_time

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

    They are found a session at a time. A session's members all descend
    from its leader (the process that made it), so while the leader lives,
    its mark decides for all of them; once it has exited, any member's mark
    does. Those in the child's own session (a job a shell moved to a group
    of its own) count without a mark while ``session_held``: the child is
    not reaped, so its pid, the session's id, cannot have been reused.
    """

    def __init__(self, child: int, mark: str) -> None:
        self._child = child
        self._mark = mark.encode()
        # Nothing that started before the child descends from it: most
        # processes are ruled out by this alone, without reading their
        # environment (which waits while its owner forks or maps memory).
        self._started = start_time(child, exited_too=True) or 0
        # What the last find found, each pid with its start time: the two
        # together name one process, never one that later gets its pid.
        self._found: dict[int, int] = {}

    def find(self, session_held: bool) -> list[int]:
        """Live processes the child started, at any depth, outside its group.
        Empty without /proc."""
        self._found = {}
        unsure = []
        for session, members in self._sessions().items():
            verdict = self._childs(session, members, session_held)
            if verdict is None:
                unsure.append((session, members))
            elif verdict:
                self._keep(members)
        # A process in the middle of exec shows an empty environment for a
        # moment (its old memory is gone, its new stack not yet filled in):
        # those get one more look, once the whole pass is done.
        for session, members in unsure:
            if self._childs(session, members, session_held):
                self._keep(members)
        return list(self._found)

    def _keep(self, members: list[int]) -> None:
        for pid in members:
            started = start_time(pid)
            if started is not None:
                self._found[pid] = started

    def signal(self, pids: Iterable[int], sig: int) -> None:
        """Send ``sig`` to each of ``pids`` that :meth:`find` found and that is still
        the process it found."""
        for pid in pids:
            started = self._found.get(pid)
            if started is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    _signal_if_same(pid, started, sig)

    def _sessions(self) -> dict[int, list[int]]:
        """Every process outside the child's group, by session, but for the
        sessions :meth:`_foreign_sessions` rules out."""
        try:
            names = os.listdir(PROC)
        except OSError:
            return {}
        foreign = self._foreign_sessions()
        sessions: dict[int, list[int]] = {}
        for pid in map(int, filter(str.isdigit, names)):
            try:
                group, session = os.getpgid(pid), os.getsid(pid)
            except OSError:  # gone since the listing
                continue
            if group != self._child and session not in foreign:
                sessions.setdefault(session, []).append(pid)
        return sessions

    def _foreign_sessions(self) -> set[int]:
        """Sessions nothing of the child's can be in, known without reading
        an environment: the caller's, those led by the caller's other
        children (the other sessions driver started, say), and the kernel's.

        The child started a session of its own, and no process can join an
        older one; one led by a process that does not descend from the child
        holds nothing of the child's. While a session has members its id
        stays taken, so a live process with that pid is its leader.
        """
        foreign = _callers_children()
        foreign.discard(self._child)
        foreign.update((os.getsid(0), 0))
        return foreign

    def _childs(self, session: int, members: list[int], session_held: bool) -> bool | None:
        """Whether ``session``'s ``members`` descend from the child; None if
        that depends on an empty environment (see :meth:`_marked`)."""
        if session == self._child:
            return session_held
        if session in members:
            leader_started = start_time(session)
            if leader_started is not None:  # the leader lives: it decides for all
                return self._marked(session, leader_started)
        verdicts = {self._marked(pid, start_time(pid)) for pid in members}
        return True if True in verdicts else None if None in verdicts else False

    def _marked(self, pid: int, started: int | None) -> bool | None:
        """Whether ``pid``, which started at ``started``, carries the mark; None
        if its environment is empty (or it is in the middle of exec)."""
        if started is None or started < self._started:
            return False
        environment = _environment(pid)
        if environment == b"":
            return None
        return environment is not None and self._mark in environment


def _environment(pid: int) -> bytes | None:
    """``pid``'s environment as /proc shows it (empty once it has exited); None
    if it cannot be read (gone, or another user's: no signal of ours could reach it)."""
    try:
        fd = os.open(f"{PROC}/{pid}/environ", os.O_RDONLY)
    except OSError:
        return None
    chunks = []
    try:
        while chunk := os.read(fd, 1 << 16):
            chunks.append(chunk)
    except OSError:
        return None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _signal_if_same(pid: int, started: int, sig: int) -> None:
    """Send ``sig`` to ``pid`` if it is still the process that started at ``started``."""
    try:
        pidfd: int | None = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except (AttributeError, OSError):  # no pidfds (kernel < 5.3): a narrow race remains
        pidfd = None
    try:
        # Checked once the pidfd is held: if the pid was reused before it
        # was opened, the start time differs; if after, the pidfd names the
        # process that is gone, and the signal reaches nobody.
        if start_time(pid) != started:
            return
        if pidfd is None:
            os.kill(pid, sig)
        else:
            signal.pidfd_send_signal(pidfd, sig)
    finally:
        if pidfd is not None:
            os.close(pidfd)


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
