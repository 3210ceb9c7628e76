"""Spawning and ending children: no leaked fds, no zombies, nothing left hanging."""

from __future__ import annotations

import gc
import os
import signal
from pathlib import Path

import pytest

import driver
from helpers import Spawn, fixture


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def zombie_children() -> list[int]:
    zombies = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]
        if int(ppid) == os.getpid() and state == "Z":
            zombies.append(int(entry.name))
    return zombies


@pytest.mark.slow
def test_many_spawn_close_cycles_leak_nothing(backend: str) -> None:
    with driver.spawn(["true"], backend=backend) as warm_up:
        warm_up.wait()
    fds_before = open_fds()
    for _ in range(500):
        s = driver.spawn(["true"], backend=backend)
        assert s.close() == 0
    assert open_fds() == fds_before
    assert zombie_children() == []


def test_closing_twice_is_fine_and_use_after_close_is_an_error(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    s.read_line()
    assert s.close() == 0
    assert s.close() == 0
    for use in (lambda: s.send_line("x"), s.read_line, lambda: s.expect("x"), s.read):
        with pytest.raises(driver.SessionClosed, match="is closed"):
            use()
    assert s.wait() == 0


def test_child_that_ignores_sigterm_is_killed(spawn: Spawn) -> None:
    s = spawn(fixture("ignore_sigterm.py"))
    s.expect_exact("ignoring SIGTERM")
    assert s.close(grace=0.2) == -signal.SIGKILL


def test_grandchild_holding_the_output_open_does_not_block_close(spawn: Spawn) -> None:
    s = spawn(fixture("grandchild.py"))
    grandchild = int(s.expect(r"grandchild (\d+)").group(1))
    assert s.close(grace=2.0) == 0
    # close() ended the grandchild too: it was in the child's process group.
    with pytest.raises(ChildProcessError):
        os.waitpid(grandchild, 0)  # not our child; what matters is that close returned


def test_grandchild_keeps_output_open_after_the_child_exits(spawn: Spawn, backend: str) -> None:
    s = spawn(["sh", "-c", "sleep 30 & echo started"])
    assert s.read_line() == "started"
    assert s.wait() == 0  # wait() watches the process, not the pipe
    if backend == "pipe":
        with pytest.raises(driver.Timeout):
            s.read_line(timeout=0.2)
    else:
        # The session leader exited: the kernel hangs the terminal up.
        with pytest.raises(driver.EOF):
            s.read_line(timeout=0.2)
    s.close(grace=0.2)


def test_wait_times_out_with_a_clear_error(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    with pytest.raises(driver.Timeout, match="the child to exit"):
        s.wait(timeout=0.2)


def test_wait_keeps_draining_output_so_a_chatty_child_can_exit(spawn: Spawn) -> None:
    s = spawn(["python3", "-c", "print('x' * 1_000_000)"])
    assert s.wait(timeout=30) == 0
    assert len(s.read()) == 1_000_001


def test_unclosed_session_warns_and_is_cleaned_up(backend: str) -> None:
    s = driver.spawn(fixture("repeater.py"), backend=backend)
    pid = s.pid
    with pytest.warns(ResourceWarning, match="never closed"):
        del s
        gc.collect()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped
