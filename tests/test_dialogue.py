"""Dialogues: Tcl-style dispatch, password prompts, secrets that never show."""

from __future__ import annotations

import asyncio
import io

import pytest

import driver
from helpers import Spawn, fixture, python

ASK_TWICE = """
import sys
for question in ("Continue? [y/N] ", "Really? [y/N] "):
    print(question, end="", flush=True)
    print("answer:", sys.stdin.readline().strip(), flush=True)
print("done")
"""


def test_dispatch_answers_until_a_handler_stops(backend: str) -> None:
    with driver.spawn(python(ASK_TWICE), backend=backend) as s:
        asked = []

        def answer(match: driver.Match[str]) -> object:
            asked.append(match.text)
            s.send_line("y")
            return driver.CONTINUE

        found = s.dispatch({r"\w+\? \[y/N\] ": answer, "done": None})
        assert found.index == 1
        assert asked == ["Continue? [y/N] ", "Really? [y/N] "]
        assert s.before == "answer: y\n"  # since the previous match
        assert s.transcript.count("answer: y") == 2


def test_async_dispatch_awaits_coroutine_handlers(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    async def scenario() -> None:
        async with await driver.aspawn(python(ASK_TWICE)) as s:

            async def answer(match: driver.Match[str]) -> object:
                await s.send_line("n")
                return driver.CONTINUE

            found = await s.expect({r"\w+\? \[y/N\] ": answer, "done": None})
            assert found.index == 1
            assert s.before == "answer: n\n"
            assert s.transcript.count("> n") == 2

    event_loop_checked.run_until_complete(scenario())


def test_expect_with_a_dict_is_a_dispatch_with_one_deadline(spawn: Spawn) -> None:
    s = spawn(fixture("ticker.py"))
    seen = []
    # Every tick continues; the dialogue as a whole still ends at its deadline.
    found = s.expect(
        {r"tick \d+\n": lambda m: seen.append(m.text) or driver.CONTINUE, driver.TIMEOUT: None},
        timeout=0.5,
    )
    assert found.index == 1
    assert seen[:2] == ["tick 0\n", "tick 1\n"]


def test_dispatch_exact_and_eof(spawn: Spawn) -> None:
    s = spawn(python("print('a.b'); print('bye')"))
    found = s.dispatch({"a.b": lambda m: driver.CONTINUE, driver.EOF: None}, exact=True)
    assert found.index == 1 and found.before.strip() == "bye"


def test_secret_never_reaches_transcript_log_or_errors(spawn: Spawn) -> None:
    log = io.StringIO()
    s = spawn(fixture("repeater.py"), log=log)
    s.read_line()
    s.send_line("hunter2", secret=True)  # the repeater echoes it straight back
    assert s.read_line() == "hunter2"  # reading it is the caller's business
    s.send_line("tell hunter2 again")
    with pytest.raises(driver.Timeout) as caught:
        s.expect("never", timeout=0.3)
    for shown in (s.transcript, log.getvalue(), str(caught.value)):
        assert "hunter2" not in shown
        assert "********" in shown
    assert "> ********" in s.transcript


def test_wait_echo_off_sees_a_password_prompt() -> None:
    with driver.spawn(fixture("getpass_prompt.py"), backend="pty", echo=True) as s:
        s.wait_echo_off()
        s.expect_exact("Password: ")
        s.send_line("sesame", secret=True)
        s.expect_exact("got a password of 6 characters")
        assert "sesame" not in s.transcript


def test_wait_echo_off_times_out_and_needs_a_terminal() -> None:
    session = driver.spawn(fixture("repeater.py"), backend="pty", echo=True)
    with session as s, pytest.raises(driver.Timeout, match="echo off"):
        s.wait_echo_off(timeout=0.2)
    with driver.spawn(fixture("repeater.py")) as s, pytest.raises(driver.DriverError):
        s.wait_echo_off()
