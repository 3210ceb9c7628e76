"""The session layer under faults: interrupted closes, leftover groups, reused
pids, inherited signal state, full inputs, bad options, concurrent sends."""

from __future__ import annotations

import asyncio
import io
import math
import os
import select
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_lifecycle import open_fds, zombie_children

import driver
from helpers import Spawn, python

# Reads its input to EOF, then tells its parent (the test) with SIGUSR1 and
# ignores everything but SIGKILL: a close() of it waits out its grace.
_STUBBORN = """
import os, signal, sys
for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
    signal.signal(sig, signal.SIG_IGN)
print("ready", flush=True)
sys.stdin.read()
os.kill(os.getppid(), signal.SIGUSR1)
while True:
    signal.pause()
"""


class Interrupted(BaseException):
    """Stands for ^C arriving at the worst moment."""


@pytest.fixture
def usr1_interrupts() -> Iterator[None]:
    def interrupt(*_: object) -> None:
        raise Interrupted

    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGUSR1, previous)


def exited(pidfd: int) -> bool:
    """Whether the process behind ``pidfd`` has exited (its pid cannot fool this)."""
    return bool(select.select([pidfd], [], [], 0)[0])


# -- close that is interrupted -----------------------------------------------------


@pytest.mark.usefixtures("usr1_interrupts")
def test_an_interrupted_close_still_kills_and_reaps(backend: str) -> None:
    s = driver.spawn(python(_STUBBORN), backend=backend)
    s.expect_exact("ready")
    pidfd = os.pidfd_open(s.pid)
    try:
        with pytest.raises(Interrupted):
            s.close(grace=60)  # the child's SIGUSR1 interrupts the grace period
        assert exited(pidfd)
        assert s.closed
        assert zombie_children() == []
        assert s.close() == -signal.SIGKILL  # done: returns at once
    finally:
        os.close(pidfd)


def test_a_cancelled_async_close_still_kills_and_reaps(
    event_loop_checked: asyncio.AbstractEventLoop, backend: str
) -> None:
    async def scenario() -> None:
        s = await driver.aspawn(python(_STUBBORN), backend=backend)
        await s.expect_exact("ready")
        pidfd = os.pidfd_open(s.pid)
        try:
            closing = asyncio.ensure_future(s.close(grace=60))
            # The child is sent EOF by close; when it tells us, cancel.
            got_usr1 = asyncio.Event()
            event_loop_checked.add_signal_handler(signal.SIGUSR1, got_usr1.set)
            try:
                await got_usr1.wait()
            finally:
                event_loop_checked.remove_signal_handler(signal.SIGUSR1)
            closing.cancel()
            with pytest.raises(asyncio.CancelledError):
                await closing
            assert exited(pidfd)
            assert s.closed
            assert await s.close() == -signal.SIGKILL
            assert await s.wait(timeout=5) == -signal.SIGKILL
        finally:
            os.close(pidfd)

    event_loop_checked.run_until_complete(scenario())
    assert zombie_children() == []


# -- what is left in the process group ---------------------------------------------


_LEAVES_STUBBORN_GRANDCHILDREN = """
import subprocess, sys
code = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.pause()"
for _ in range(20):
    child = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    print(child.pid, flush=True)
sys.stdin.read()  # then exit on EOF, leaving them running in its group
"""


def test_close_ends_a_group_the_child_left_behind(spawn: Spawn) -> None:
    s = spawn(python(_LEAVES_STUBBORN_GRANDCHILDREN))
    pidfds = [os.pidfd_open(int(s.read_line())) for _ in range(20)]
    try:
        s.close(grace=0.2)
        assert [exited(fd) for fd in pidfds] == [True] * 20
    finally:
        for fd in pidfds:
            os.close(fd)


def test_an_exited_child_is_not_reaped_before_close(spawn: Spawn) -> None:
    """Its group id stays held until close, so group signals cannot go astray."""
    s = spawn(python("print('bye')"))
    assert s.read() == "bye\n"
    assert s.wait() == 0
    assert s.returncode == 0 and not s.alive
    stat = Path(f"/proc/{s.pid}/stat").read_text()
    assert stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie, still ours
    s.kill()  # signals only the zombie's group: harmless
    assert s.close() == 0


@pytest.mark.skipif(
    os.geteuid() != 0 or not os.access("/proc/sys/kernel/ns_last_pid", os.W_OK),
    reason="forcing a pid to be reused needs root (ns_last_pid)",
)
def test_signals_after_close_never_reach_a_process_that_reuses_the_pid(backend: str) -> None:
    s = driver.spawn(["true"], backend=backend)
    pid = s.pid
    s.close()
    Path("/proc/sys/kernel/ns_last_pid").write_text(str(pid - 1))
    # The victim blocks SIGTERM, so one sent to it stays pending where it shows.
    victim = subprocess.Popen(
        python(_BLOCKS_SIGTERM), start_new_session=True, stdout=subprocess.PIPE, text=True
    )
    try:
        assert victim.stdout is not None and victim.stdout.readline() == "ready\n"
        if victim.pid != pid:
            pytest.skip("another process took the pid first")
        s.terminate()
        pending = _signal_masks(Path(f"/proc/{victim.pid}/status").read_text())["ShdPnd"]
        assert pending & (1 << (signal.SIGTERM - 1)) == 0
    finally:
        victim.kill()
        victim.wait()
        victim.stdout.close()  # type: ignore[union-attr]


_BLOCKS_SIGTERM = """
import signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
print("ready", flush=True)
signal.pause()
"""


# -- what children inherit ---------------------------------------------------------


def _signal_masks(status: str) -> dict[str, int]:
    fields = dict(line.split(":\t") for line in status.splitlines() if ":\t" in line)
    return {name: int(fields[name], 16) for name in ("SigBlk", "SigIgn", "ShdPnd")}


def test_children_start_with_default_signals_and_no_mask(backend: str) -> None:
    """Run as a background job (^C ignored), driver's children still take ^C."""
    ignored = {signal.SIGINT: signal.SIG_IGN, signal.SIGQUIT: signal.SIG_IGN}
    previous = {sig: signal.signal(sig, handler) for sig, handler in ignored.items()}
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR2})
    try:
        with driver.spawn(["cat", "/proc/self/status"], backend=backend) as s:
            masks = _signal_masks(s.read())
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    bits = {sig: 1 << (sig - 1) for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGPIPE)}
    assert [sig for sig, bit in bits.items() if masks["SigIgn"] & bit] == []
    assert masks["SigBlk"] == 0


# -- input ---------------------------------------------------------------------------


def test_send_eof_on_a_full_terminal_input_times_out_as_drivers_error() -> None:
    with driver.spawn(
        python("import signal; print('deaf', flush=True); signal.pause()"),
        backend="pty",
        timeout=0.3,
    ) as s:
        s.expect_exact("deaf")
        with pytest.raises(driver.Timeout):
            s.send("x" * 100_000)  # the terminal's input fills up
        s.accept_torn_input()  # the child holds part of it (see test_torn.py)
        with pytest.raises(driver.Timeout, match="sending to"):
            s.send_eof()


def test_concurrent_sends_reach_the_child_whole(
    event_loop_checked: asyncio.AbstractEventLoop, backend: str
) -> None:
    report = "import sys\nfor line in sys.stdin: print(len(line), len(set(line)), flush=True)"

    async def scenario() -> None:
        async with await driver.aspawn(python(report), backend=backend, echo=False) as s:
            size = 300_000
            await asyncio.gather(*(s.send_line(letter * size) for letter in "abc"))
            lines = [await s.read_line() for _ in range(3)]
            assert lines == [f"{size + 1} 2"] * 3  # each line one letter and "\n"

    event_loop_checked.run_until_complete(scenario())


# -- options -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"encoding": "no-such-codec"}, ValueError, "no-such-codec"),
        ({"errors": "no-such-handler"}, ValueError, "no-such-handler"),
        ({"timeout": "5"}, TypeError, "timeout='5'"),
        ({"timeout": math.nan}, ValueError, "timeout=nan"),
        ({"timeout": 0}, ValueError, "timeout=0"),
        ({"timeout": -1}, ValueError, "timeout=-1"),
        ({"timeout": True}, TypeError, "timeout=True"),
        ({"backend": "ssh"}, ValueError, "backend='ssh'"),
    ],
)
def test_bad_options_are_refused_before_anything_starts(
    backend: str, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    options = {"backend": backend, **options}
    fds_before = open_fds()
    with pytest.raises(error, match=message.replace("(", r"\(")):
        driver.spawn(["cat"], **options)
    assert open_fds() == fds_before
    assert zombie_children() == []


@pytest.mark.parametrize("timeout", [None, math.inf, 0.5, 3])
def test_good_timeouts_are_taken(backend: str, timeout: float | None) -> None:
    with driver.spawn(["cat"], backend=backend, timeout=timeout) as s:
        assert s.timeout == (None if timeout == math.inf else timeout)


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"cwd": "/no/such/dir"}, "/no/such/dir"),
        ({"cwd": "/etc/passwd"}, "/etc/passwd"),
        ({"argv": ["cat", "a\0b"]}, "a\\x00b"),
        ({"env": {"A": "x\0y", "PATH": os.defpath}}, "A"),
        ({"env": {"A": 1, "PATH": os.defpath}}, "A"),
    ],
)
def test_spawn_failures_name_the_bad_value(
    backend: str, options: dict[str, Any], named: str
) -> None:
    options = dict(options)  # the parameters are shared between backends
    argv = options.pop("argv", ["cat"])
    with pytest.raises(driver.SpawnError, match=named.replace("\\", "\\\\")):
        driver.spawn(argv, backend=backend, **options)
    assert zombie_children() == []


@pytest.mark.parametrize("dimensions", [(0, 80), (24, 70_000), (24,), ("24", 80)])
def test_bad_dimensions_are_refused(dimensions: Any) -> None:
    with pytest.raises(driver.SpawnError, match="dimensions"):
        driver.spawn(["cat"], backend="pty", dimensions=dimensions)


# -- alive -----------------------------------------------------------------------------


def test_alive_is_false_once_the_output_ended(spawn: Spawn) -> None:
    for _ in range(20):
        s = spawn(python("print('done')"))
        assert s.read() == "done\n"
        assert (s.alive, s.returncode) == (False, 0)
        s.close()


# -- what helper probes found: interrupted spawns, stuck closes, odd parents -----------


def test_a_spawn_interrupted_right_after_the_fork_leaves_no_child(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """^C can land the moment the child exists; the spawn must take it down."""
    forked: list[int] = []
    real_fork = os.fork

    def fork_then_interrupt() -> int:
        pid = real_fork()
        if pid:  # in the parent, as a ^C arriving now would
            forked.append(pid)
            os.kill(os.getpid(), signal.SIGUSR1)
        return pid

    def interrupt(*_: object) -> None:
        raise Interrupted

    monkeypatch.setattr(os, "fork", fork_then_interrupt)
    previous = signal.signal(signal.SIGUSR1, interrupt)
    try:
        with pytest.raises(Interrupted):
            driver.spawn(["sleep", "1000"], backend="pty")
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert len(forked) == 1
    with pytest.raises(ChildProcessError):  # reaped already
        os.waitpid(forked[0], os.WNOHANG)


def test_close_of_a_terminal_that_takes_no_input_does_not_wait_the_session_timeout() -> None:
    s = driver.spawn(
        python("import signal; print('deaf', flush=True); signal.pause()"),
        backend="pty",
        timeout=0.3,
    )
    s.expect_exact("deaf")
    with pytest.raises(driver.Timeout):
        s.send("x" * 100_000)  # the terminal's input fills up
    s.timeout = 120
    started = time.monotonic()
    s.close(grace=0.1)
    assert time.monotonic() - started < 60  # generous: the session's 120 s is not waited out


def test_a_failing_log_still_ends_and_reaps(backend: str) -> None:
    log = io.StringIO()
    s = driver.spawn(python("print('unterminated', end='')"), backend=backend, log=log)
    s.read()
    log.close()  # the transcript's last line cannot be written now
    with pytest.raises(ValueError):
        s.close()
    assert s.closed
    assert zombie_children() == []


def test_with_sigchld_ignored_close_still_ends_the_group(backend: str) -> None:
    previous = signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps our children
    try:
        with driver.spawn(python(_LEAVES_STUBBORN_GRANDCHILDREN), backend=backend) as s:
            pidfds = [os.pidfd_open(int(s.read_line())) for _ in range(20)]
            with pytest.raises(driver.ExitStatusUnknown):  # everything ended all the same
                s.close(grace=0.2)
            assert s.closed
        assert [exited(fd) for fd in pidfds] == [True] * 20
        for fd in pidfds:
            os.close(fd)
    finally:
        signal.signal(signal.SIGCHLD, previous)


@pytest.mark.parametrize(
    ("argv", "options", "error", "named"),
    [
        (["echo", 5], {}, driver.SpawnError, "argv\\[1\\] is 5"),
        (["echo", None], {}, driver.SpawnError, "argv\\[1\\] is None"),
        (["echo"], {"dimensions": (0, 80)}, driver.SpawnError, "dimensions=\\(0, 80\\)"),
        (["echo"], {"log": "file.txt"}, TypeError, "log='file.txt'"),
    ],
)
def test_more_bad_arguments_name_themselves(
    backend: str, argv: list[Any], options: dict[str, Any], error: type[Exception], named: str
) -> None:
    with pytest.raises(error, match=named):
        driver.spawn(argv, backend=backend, **options)
    assert zombie_children() == []


def test_aspawn_without_a_running_loop_starts_nothing() -> None:
    children_before = _children()
    coroutine = driver.aspawn(["sleep", "1000"])
    with pytest.raises(RuntimeError, match="no running event loop"):
        coroutine.send(None)
    coroutine.close()
    assert _children() == children_before


def _children() -> set[int]:
    tasks = Path(f"/proc/{os.getpid()}/task")
    return {int(pid) for task in tasks.iterdir() for pid in (task / "children").read_text().split()}


def test_two_tasks_waiting_for_the_exit_do_not_unwatch_each_other(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    # The grandchild keeps the output open, so only the exit (pidfd) can wake a wait.
    holds_output = "import subprocess; subprocess.Popen(['sleep', '30']); input()"

    async def scenario() -> None:
        async with await driver.aspawn(python(holds_output)) as s:
            first = asyncio.ensure_future(s.wait(timeout=60))
            second = asyncio.ensure_future(s.wait(timeout=10))
            await asyncio.sleep(0)  # both are waiting now
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first  # its wait is over before the child exits
            exit_fd = os.pidfd_open(s.pid)
            exited = asyncio.Event()
            event_loop_checked.add_reader(exit_fd, exited.set)
            try:
                await s.send_line("")  # the child exits
                await exited.wait()
            finally:
                event_loop_checked.remove_reader(exit_fd)
                os.close(exit_fd)
            for _ in range(1000):  # the loop's next turns see the exit, not its deadline
                if second.done():
                    break
                await asyncio.sleep(0)
            assert second.done()
            assert second.result() == 0

    event_loop_checked.run_until_complete(scenario())


def test_echo_of_a_closed_session_is_an_error() -> None:
    s = driver.spawn(["cat"], backend="pty")
    s.close()
    with pytest.raises(driver.SessionClosed):
        s.echo  # noqa: B018
