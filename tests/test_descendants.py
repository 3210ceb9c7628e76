"""close() ends what the child started, wherever it went (close_ends).

A daemon leaves the child's process group, often its session too, and is
reparented to init: a signal to the group misses it. Each test checks by
pid, waiting on a pidfd with a deadline, whether it is gone.
"""

from __future__ import annotations

import contextlib
import gc
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import driver
from driver.backends._process import running
from helpers import ROOT, Spawn, fixture, python

# Long enough for a loaded machine: only a failure waits it out.
DEADLINE = 10.0

WAYS = [
    pytest.param(
        "setsid",
        marks=pytest.mark.skipif(not shutil.which("setsid"), reason="no setsid(1)"),
    ),
    "fork",
    "double-fork",
    "job",
    "member",
]


def gone(pid: int, within: float = DEADLINE) -> bool:
    """Whether ``pid`` has exited (a zombie counts), waiting up to ``within`` seconds."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        # A pidfd turns readable when its process exits, whoever its parent.
        select.select([pidfd], [], [], within)
    finally:
        os.close(pidfd)
    return not running(pid)


@pytest.fixture
def daemons() -> Iterator[list[int]]:
    """Pids the test started; whatever is left of them is killed at teardown."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            group = os.getpgid(pid)
            if group != os.getpgid(0):  # the daemon's sleep too
                os.killpg(group, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)


def started(session: driver.Session, daemons: list[int]) -> int:
    pid = int(session.expect(r"daemon (\d+)").group(1))
    daemons.append(pid)
    assert running(pid)
    return pid


@pytest.mark.parametrize("way", WAYS)
def test_close_ends_what_the_child_started_outside_its_group(
    spawn: Spawn, way: str, daemons: list[int]
) -> None:
    s = spawn(fixture("daemon.py", way))
    daemon = started(s, daemons)
    assert s.close(grace=1.0) == 0
    assert gone(daemon)


@pytest.mark.parametrize("way", ["fork", "double-fork"])
def test_close_ends_a_daemon_of_a_child_that_has_exited(
    spawn: Spawn, way: str, daemons: list[int]
) -> None:
    s = spawn(fixture("daemon.py", way, "exit"))
    daemon = started(s, daemons)
    assert s.wait() == 0
    s.close()
    assert gone(daemon)


def test_run_ends_the_daemon_its_command_started(daemons: list[int]) -> None:
    result = driver.run(fixture("daemon.py", "double-fork", "exit"))
    daemon = int(re.search(r"daemon (\d+)", result.output).group(1))  # type: ignore[union-attr]
    daemons.append(daemon)
    assert gone(daemon)


def test_close_ends_group_keeps_a_daemon_started_on_purpose(
    spawn: Spawn, daemons: list[int]
) -> None:
    s = spawn(fixture("daemon.py", "double-fork", "exit"), close_ends="group")
    daemon = started(s, daemons)
    s.close()
    assert not gone(daemon, within=0.2)


@pytest.mark.parametrize("spawn_class", ["spawn", "PopenSpawn"])
def test_driver_pexpect_keeps_daemons_as_pexpect_does(spawn_class: str, daemons: list[int]) -> None:
    import driver.pexpect
    import driver.pexpect.popen_spawn

    make = {"spawn": driver.pexpect.spawn, "PopenSpawn": driver.pexpect.popen_spawn.PopenSpawn}
    child = make[spawn_class](" ".join(fixture("daemon.py", "double-fork", "exit")))
    child.expect(rb"daemon (\d+)")
    daemons.append(int(child.match.group(1)))
    child.expect(driver.pexpect.EOF)
    child.close()
    assert not gone(daemons[0], within=0.2)


def test_a_daemon_that_ignores_sigterm_is_killed(spawn: Spawn, daemons: list[int]) -> None:
    code = textwrap.dedent(
        """
        import os, signal, sys
        read, write = os.pipe()
        daemon = os.fork()
        if daemon == 0:
            os.setsid()
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            os.write(write, b"x")
            while True:
                signal.pause()
        os.read(read, 1)
        print("daemon", daemon, flush=True)
        sys.stdin.read()
        """
    )
    s = spawn(python(code))
    daemon = started(s, daemons)
    assert s.close(grace=0.2) == 0
    assert gone(daemon)


def test_what_a_daemon_starts_as_it_ends_is_found_too(
    spawn: Spawn, daemons: list[int], tmp_path: Path
) -> None:
    # On SIGTERM the daemon starts its successor in a session of its own,
    # writes down its pid, and exits.
    successor = tmp_path / "successor"
    code = textwrap.dedent(
        f"""
        import os, signal, sys
        def hand_over(sig, frame):
            pid = os.fork()
            if pid == 0:
                os.setsid()
                while True:
                    signal.pause()
            with open({str(successor)!r}, "w") as file:
                file.write(str(pid))
            os._exit(0)
        read, write = os.pipe()
        daemon = os.fork()
        if daemon == 0:
            os.setsid()
            signal.signal(signal.SIGTERM, hand_over)
            os.write(write, b"x")
            while True:
                signal.pause()
        os.read(read, 1)
        print("daemon", daemon, flush=True)
        sys.stdin.read()
        """
    )
    s = spawn(python(code))
    daemon = started(s, daemons)
    assert s.close(grace=0.5) == 0
    assert gone(daemon)
    daemons.append(int(successor.read_text()))
    assert gone(daemons[-1])


def test_a_process_that_clears_its_environment_escapes(spawn: Spawn, daemons: list[int]) -> None:
    # The documented limit: outside the child's session, only the mark finds it.
    s = spawn(fixture("daemon.py", "clean"))
    daemon = started(s, daemons)
    s.close()
    assert not gone(daemon, within=0.2)


def test_another_session_is_left_alone(daemons: list[int]) -> None:
    with driver.spawn(fixture("daemon.py", "fork")) as first:
        daemon = started(first, daemons)
        with driver.spawn(fixture("daemon.py", "fork")) as second:
            other = started(second, daemons)
        assert gone(other)
        assert not gone(daemon, within=0.2)
    assert gone(daemon)


def test_abort_and_an_unclosed_session_end_the_daemon(backend: str, daemons: list[int]) -> None:
    s = driver.spawn(fixture("daemon.py", "fork"), backend=backend)
    aborted = started(s, daemons)
    s.abort()
    assert gone(aborted)
    s = driver.spawn(fixture("daemon.py", "fork"), backend=backend)
    collected = started(s, daemons)
    with pytest.warns(ResourceWarning, match="never closed"):
        del s
        gc.collect()
    assert gone(collected)


def test_a_session_inside_the_child_keeps_the_outer_mark(daemons: list[int]) -> None:
    # The child drives a daemon itself, and keeps it (close_ends="group"):
    # the outer session still finds it, by the mark the inner one added to.
    inner = textwrap.dedent(
        f"""
        import sys
        import driver
        with driver.spawn({fixture("daemon.py", "fork", "exit")!r}, close_ends="group") as s:
            print(s.read_line(), flush=True)
        sys.stdin.read()
        """
    )
    with driver.spawn(python(inner)) as s:
        daemon = started(s, daemons)
    assert gone(daemon)


def test_the_child_carries_the_mark() -> None:
    echo = ["sh", "-c", 'echo "$DRIVER_SESSION"']
    with driver.spawn(echo) as s:
        assert re.fullmatch("[0-9a-f]{32}", s.read_line())
    with driver.spawn(echo, env={"DRIVER_SESSION": "outer", "PATH": os.defpath}) as s:
        assert re.fullmatch("outer [0-9a-f]{32}", s.read_line())
    with driver.spawn(echo, close_ends="group") as s:
        assert s.read_line() == ""


def test_without_proc_the_default_is_the_group_and_descendants_are_refused() -> None:
    code = textwrap.dedent(
        """
        import driver.backends._process
        driver.backends._process._PROC = "/no/proc/here"
        import driver
        from driver import _options
        print(_options.defaults()["close_ends"])
        try:
            driver.spawn(["true"], close_ends="descendants")
        except ValueError as error:
            print(error)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    default, refusal = done.stdout.splitlines()
    assert default == "group"
    assert refusal.startswith("close_ends='descendants' needs /proc (Linux)")
    assert "pass close_ends='group'" in refusal
