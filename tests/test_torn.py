"""A send reaches the child whole, or the session says its input is torn.

A send cancelled, interrupted (^C) or timed out part-way leaves the child
holding the start of a line: the transcript shows only that part, and every
send is refused until the caller accepts the torn input.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import signal
from collections.abc import Iterator

import pytest

import driver
from helpers import fixture, python

# More than a pipe (64 KiB) or a terminal holds: a child that does not read
# takes only the start of it.
BIG = 200_000


def sent_text(transcript: str) -> str:
    """What a transcript says was sent, as one text (sends hold only letters here)."""
    sent = []
    for line in transcript.splitlines():
        if line == ">" or line.startswith("> "):
            sent.append(line[2:] + "\n")
        elif line.startswith("%send "):
            sent.append(line[len("%send ") :])
    return "".join(sent)


def reported(text: str) -> str:
    """What input_report.py prints for ``text`` as its whole input."""
    lines = [f"line {len(line)} {line[:1]!r} {line[-1:]!r}" for line in text.splitlines()]
    digest = hashlib.sha256(text.encode()).hexdigest()
    return "\n".join([*lines, f"bytes {len(text.encode())} sha256 {digest}"])


@pytest.fixture
def default_sigint() -> Iterator[None]:
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_cancelled_async_send_tears_the_input_until_it_is_accepted(
    event_loop_checked: asyncio.AbstractEventLoop, backend: str
) -> None:
    async def scenario() -> None:
        argv = fixture("input_report.py", "--hold")
        async with await driver.aspawn(argv, backend=backend, echo=False, timeout=30) as s:
            await s.expect_exact("ready\n")
            sending = asyncio.ensure_future(s.send_line("x" * BIG))
            await asyncio.sleep(0)  # its first step: the child's input takes what it holds
            sending.cancel()
            with pytest.raises(asyncio.CancelledError):
                await sending
            rest = s.torn_input
            assert rest is not None and 0 < len(rest) < BIG + 1 and rest.endswith("x\n")
            with pytest.raises(driver.InputTorn, match=r"CancelledError.*accept_torn_input\(\)"):
                await s.send_line("next")
            with pytest.raises(driver.InputTorn):
                await s.send_eof()
            written = sent_text(s.transcript)
            assert written == "x" * (BIG + 1 - len(rest))  # only what the child took
            assert s.accept_torn_input() == rest
            assert s.torn_input is None
            s.send_signal(signal.SIGUSR1)  # the child reads now
            await s.send(rest)  # the line completed: the child gets it whole
            await s.send_line("next")
            await s.send_eof()
            whole = "x" * BIG + "\nnext\n"
            assert (await s.read()).rstrip("\n") == reported(whole)
            assert sent_text(s.transcript) == whole

    event_loop_checked.run_until_complete(scenario())


def test_a_send_cancelled_while_waiting_its_turn_is_not_recorded(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    async def scenario() -> None:
        async with await driver.aspawn(fixture("input_report.py", "--hold")) as s:
            await s.expect_exact("ready\n")
            first = asyncio.ensure_future(s.send_line("x" * BIG))
            second = asyncio.ensure_future(s.send_line("second"))
            await asyncio.sleep(0)  # the first writes and waits; the second waits its turn
            second.cancel()
            with pytest.raises(asyncio.CancelledError):
                await second
            assert "second" not in s.transcript
            assert s.torn_input is None  # the first is still going
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            assert s.torn_input is not None
            s.send_signal(signal.SIGUSR1)  # so that it ends at close

    event_loop_checked.run_until_complete(scenario())


def test_a_write_timeout_tears_the_input(backend: str) -> None:
    argv = fixture("input_report.py", "--hold")
    with driver.spawn(argv, backend=backend, echo=False, timeout=0.5) as s:
        s.expect_exact("ready\n")
        with pytest.raises(driver.Timeout, match=r"(?s)unwritten.*accept_torn_input\(\)"):
            s.send_line("y" * BIG)
        with pytest.raises(driver.InputTorn, match=r"\(Timeout\)"):
            s.send("more")
        rest = s.accept_torn_input()
        assert 0 < len(rest) < BIG + 1
        written = sent_text(s.transcript)
        assert written == "y" * (BIG + 1 - len(rest))
        s.send_signal(signal.SIGUSR1)  # the child reads now, and takes the rest
        s.timeout = 30
        s.send(rest)
        s.send_eof()
        whole = "y" * BIG + "\n"
        assert s.read().rstrip("\n") == reported(whole)
        assert sent_text(s.transcript) == whole


def test_keyboard_interrupt_in_a_sync_send_tears_the_input(
    backend: str, default_sigint: None
) -> None:
    # The child reads a little of the line, then interrupts us (as ^C would)
    # and reads no more: the send is certainly part-way then.
    code = (
        "import os, signal, sys\n"
        "sys.stdin.buffer.raw.read(1000)\n"
        "os.kill(os.getppid(), signal.SIGINT)\n"
        "signal.pause()\n"
    )
    with driver.spawn(python(code), backend=backend, echo=False, timeout=30) as s:
        with pytest.raises(KeyboardInterrupt):
            s.send_line("z" * BIG)
        rest = s.torn_input
        assert rest is not None and 0 < len(rest) < BIG + 1
        assert sent_text(s.transcript) == "z" * (BIG + 1 - len(rest))
        with pytest.raises(driver.InputTorn, match="KeyboardInterrupt"):
            s.send_line("next")
        s.kill()  # it reads no more: close need not ask it politely


def test_a_torn_secret_stays_masked_and_its_echo_too(backend: str) -> None:
    password = "hunter2-" * (BIG // 8)
    # On a terminal the echo of what the child's input took arrives while the
    # send still waits: the error must not show it.
    argv = fixture("input_report.py", "--hold")
    with driver.spawn(argv, backend=backend, echo=True, timeout=0.5) as s:
        s.expect_exact("ready\n")
        with pytest.raises(driver.Timeout) as timed_out:
            s.send_line(driver.Secret(password))
        assert "hunter" not in str(timed_out.value)
        assert "hunter" not in s.transcript
        assert "%send ********" in s.transcript
        assert password.endswith(s.accept_torn_input().rstrip("\n"))
        s.kill()


def test_a_key_that_could_not_be_written_is_not_recorded() -> None:
    argv = fixture("input_report.py", "--hold")
    with driver.spawn(argv, backend="pty", echo=False, timeout=0.3) as s:
        s.expect_exact("ready\n")
        with pytest.raises(driver.Timeout):
            s.send("k" * BIG)  # the terminal's input is full now
        s.accept_torn_input()
        before = s.transcript
        with pytest.raises(driver.Timeout):
            s.send_key("up")
        assert s.torn_input is None  # nothing of it was written
        assert s.transcript == before
        s.kill()


def test_sends_written_whole_are_not_torn(spawn: driver.Session) -> None:
    s = spawn(fixture("input_report.py"), echo=False)
    s.expect_exact("ready\n")
    s.send_line("abc")
    assert s.torn_input is None
    assert s.accept_torn_input() == ""
    s.send_eof()
    assert s.read().rstrip("\n") == reported("abc\n")


@pytest.mark.slow
def test_thousands_of_random_cancellations_never_glue_or_misrecord(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    """Soak: random sends, some of them concurrent, cancelled at random points."""
    rounds = 3000
    chance = random.Random(20240607)
    counts = {"torn": 0, "unwritten": 0, "whole": 0, "refused": 0}

    async def scenario() -> tuple[str, str, driver.AsyncSession[str]]:
        argv = fixture("input_report.py", "--small-pipe", "--digest")
        session = await driver.aspawn(argv, timeout=60, transcript_limit=None)
        async with session as s:
            await s.expect_exact("ready\n")
            expected: list[str] = []
            written: list[str] = []
            s.on_send = written.append
            for round_number in range(rounds):
                letters = chance.sample("abcdefgh", chance.choice((1, 1, 2, 3)))
                lines = [
                    f"{letter * chance.randint(1, 20_000)}{round_number}.{index}\n"
                    for index, letter in enumerate(letters)
                ]
                tasks = [asyncio.ensure_future(s.send(line)) for line in lines]
                for _ in range(chance.randint(0, 6)):
                    await asyncio.sleep(0)  # a step of the loop: the sends go on meanwhile
                for task in tasks:
                    if chance.random() < 0.7:
                        task.cancel()
                results = await asyncio.gather(*tasks, return_exceptions=True)
                rest = s.torn_input
                # The torn send is the last one written: nothing is after it.
                torn_line = None if rest is None else written[-1] + rest
                for line, result in zip(lines, results, strict=True):
                    if result is None:
                        counts["whole"] += 1
                        expected.append(line)
                    elif isinstance(result, driver.InputTorn):
                        counts["refused"] += 1
                    elif line == torn_line:
                        counts["torn"] += 1
                        expected.append(line)  # completed below
                    else:
                        assert isinstance(result, asyncio.CancelledError), result
                        counts["unwritten"] += 1
                if rest is not None:
                    assert torn_line in lines
                    await s.send(s.accept_torn_input())
            await s.send_eof()
            return await s.read_line(), "".join(expected), s

    # Checked off the loop: rendering and hashing megabytes would block it.
    report, text, session = event_loop_checked.run_until_complete(scenario())
    digest = hashlib.sha256(text.encode()).hexdigest()
    assert report == f"bytes {len(text)} sha256 {digest}"
    assert sent_text(session.transcript) == text
    assert counts["torn"] > 100 and counts["unwritten"] > 100 and counts["whole"] > 100, counts
