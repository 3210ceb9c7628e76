"""What only the async session has to show: cancellation, many sessions, the loop."""

from __future__ import annotations

import asyncio
import gc
import os
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

import driver
from helpers import ROOT, fixture


def run(loop: asyncio.AbstractEventLoop, coroutine: Awaitable[Any]) -> Any:
    return loop.run_until_complete(coroutine)


async def until(condition: Callable[[], bool], limit: int = 1_000_000) -> None:
    """Yield to the loop until ``condition`` holds (the loop's callbacks make it so)."""
    for _ in range(limit):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def test_cancelled_expect_loses_nothing(
    event_loop_checked: asyncio.AbstractEventLoop, backend: str
) -> None:
    async def scenario() -> None:
        async with await driver.aspawn(fixture("ticker.py"), backend=backend) as s:
            waiting = asyncio.ensure_future(s.expect("never"))
            await until(lambda: "tick 2" in s.transcript)  # output arrived meanwhile
            waiting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiting
            assert await s.read_line() == "tick 0"
            assert await s.read_line() == "tick 1"

    run(event_loop_checked, scenario())


def test_timeout_on_the_loop_clock_keeps_the_output(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    async def scenario() -> None:
        code = "import sys; print('half', end='', flush=True); sys.stdin.readline()"
        async with await driver.aspawn([sys.executable, "-c", code]) as s:
            loop = asyncio.get_running_loop()
            started = loop.time()
            with pytest.raises(driver.Timeout) as caught:
                await s.expect_exact("whole", timeout=0.3)
            assert loop.time() - started >= 0.3
            assert caught.value.output == "half"
            assert (await s.expect_exact("half")).before == ""

    run(event_loop_checked, scenario())


@pytest.mark.slow
@pytest.mark.slow_callback(1.0)
@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_many_sessions_share_one_loop_without_threads(
    event_loop_checked: asyncio.AbstractEventLoop, backend: str
) -> None:
    sessions, trips = 200, 100
    threads_before = threading.active_count()
    thread_counts: list[int] = []

    async def converse(n: int) -> int:
        async with await driver.aspawn(
            fixture("repeater.py"),
            backend=backend,
            stderr="devnull" if backend == "pipe" else "stdout",
            timeout=60,
        ) as s:
            if backend == "pty":
                await s.read_line()  # the stderr banner shares the terminal
            for trip in range(trips):
                await s.send_line(f"{n}:{trip}")
                assert await s.read_line() == f"{n}:{trip}"
            thread_counts.append(threading.active_count())
            await s.send_eof()
            return await s.wait()

    async def everyone() -> list[int]:
        return await asyncio.gather(*(converse(n) for n in range(sessions)))

    assert run(event_loop_checked, everyone()) == [0] * sessions
    assert len(thread_counts) == sessions
    assert max(thread_counts) == threads_before


def test_without_pidfd_waiting_falls_back_to_polling(
    event_loop_checked: asyncio.AbstractEventLoop, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As on a platform (or kernel) without pidfd_open.
    monkeypatch.delattr(os, "pidfd_open", raising=False)

    async def scenario() -> None:
        async with await driver.aspawn(fixture("exit_status.py", "bye", "5")) as s:
            assert await s.read_line() == "bye"
            assert await s.wait() == 5
        s2 = await driver.aspawn(fixture("ignore_sigterm.py"))
        await s2.expect_exact("ignoring")
        assert await s2.close(grace=0.1) == -9

    run(event_loop_checked, scenario())
    with driver.spawn(fixture("exit_status.py", "bye", "6")) as s:
        assert s.wait() == 6


def test_unclosed_async_session_warns_and_is_cleaned_up(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    s = run(event_loop_checked, driver.aspawn(fixture("repeater.py")))
    pid = s.pid
    with pytest.warns(ResourceWarning, match="never closed"):
        del s
        gc.collect()
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("to_upper.py", "Changed : '\\nTHIS MESSAGE WILL BE CONVERTED\\nTO ALL CAPS.\\n'"),
        ("df_free_space.py", "Free space:"),
    ],
)
def test_async_seed_scripts(script: str, expected: str) -> None:
    with driver.spawn([sys.executable, str(ROOT / "scripts" / script)]) as s:
        output = s.read(timeout=30)
        assert s.wait() == 0
    assert expected in output.splitlines()
    if script == "df_free_space.py":
        assert any(line.startswith("/ ") for line in output.splitlines())
