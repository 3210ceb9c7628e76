"""Output as a stream: read_some, peeking at and replacing unconsumed output,
taps, a search window, signals a child starts with ignored, an async view of
a sync session. (driver.pexpect is built on these; each is useful alone.)"""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

import driver
from helpers import Spawn, python

# Writes abcdef without a newline, then waits for its input to end.
ABCDEF = python("import sys; sys.stdout.write('abcdef'); sys.stdout.flush(); sys.stdin.read()")


def test_read_some_returns_output_as_it_came_up_to_the_limit(spawn: Spawn) -> None:
    s = spawn(ABCDEF)
    pieces = []
    while sum(map(len, pieces)) < 6:
        piece = s.read_some(4)
        assert 1 <= len(piece) <= 4
        pieces.append(piece)
    assert "".join(pieces) == "abcdef"  # no line end needed, nothing lost or repeated
    s.send_eof()
    with pytest.raises(driver.EOF):
        s.read_some()


def test_read_some_times_out_and_keeps_nothing_back(spawn: Spawn) -> None:
    s = spawn(ABCDEF)
    assert s.expect_exact("abcdef").before == ""
    with pytest.raises(driver.Timeout):
        s.read_some(timeout=0.2)
    with pytest.raises(ValueError, match="limit=0"):
        s.read_some(0)


def test_unconsumed_is_a_peek_and_can_be_replaced(spawn: Spawn) -> None:
    s = spawn(ABCDEF)
    s.expect_exact("ab")
    s.expect_exact("f", timeout=5)  # consumes through f: nothing left
    assert s.unconsumed == ""
    s.unconsumed = "xyz"  # read next, before any output still to come
    assert s.unconsumed == "xyz"  # peeking consumed nothing
    assert s.read_some() == "xyz"
    s.unconsumed = "dropped"
    s.unconsumed = ""
    with pytest.raises(driver.Timeout):
        s.read_some(timeout=0.1)
    with pytest.raises(TypeError, match="reads str"):
        s.unconsumed = b"bytes"


def test_taps_see_everything_read_and_sent(spawn: Spawn) -> None:
    s = spawn([*python("import sys\nfor line in sys.stdin: print(line.upper(), end='')")])
    read: list[str] = []
    sent: list[str] = []
    s.on_read, s.on_send = read.append, sent.append
    s.send_line("one")
    s.send("two\n")
    assert s.read_line() == "ONE"
    assert s.read_line() == "TWO"
    assert sent == ["one\n", "two\n"]
    assert "".join(read).replace("\r", "") == "ONE\nTWO\n"
    s.on_read = None
    s.send_line("three")
    assert s.read_line() == "THREE"
    assert "THREE" not in "".join(read)
    with pytest.raises(TypeError, match="on_read"):
        s.on_read = "not callable"  # type: ignore[assignment]


def test_a_window_searches_only_the_last_characters() -> None:
    # An fd that already holds the whole line: it arrives in one read.
    def attached() -> driver.Session[str]:
        read_end, write_end = os.pipe()
        os.write(write_end, b"foobarbazbop\n")
        os.close(write_end)
        return driver.attach(read_end)

    with attached() as s:
        assert s.expect(["bar", "bop"]).index == 0  # anywhere: the earliest wins
    with attached() as s:
        found = s.expect(["bar", "bop"], window=6)  # "zbop\n" and what precedes it
        assert (found.index, found.before) == (1, "foobarbaz")
    with attached() as s:
        assert s.expect_exact(["bar", "bop"], window=6).index == 1
        with pytest.raises(ValueError, match="window=0"):
            s.expect("x", window=0)


@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_a_child_can_start_with_a_signal_ignored(backend: str) -> None:
    script = ["sh", "-c", "kill -HUP $$; echo survived"]
    with driver.spawn(script, backend=backend, ignore_signals=(signal.SIGHUP,)) as s:
        assert s.read_line() == "survived"
        assert s.wait() == 0
    with driver.spawn(script, backend=backend) as s:  # by default every signal is the default
        assert s.wait() == -signal.SIGHUP
    with pytest.raises(ValueError, match="SIGKILL cannot be ignored"):
        driver.spawn(script, ignore_signals=(signal.SIGKILL,))
    with pytest.raises(TypeError, match="ignore_signals"):
        driver.spawn(script, ignore_signals="HUP")  # type: ignore[arg-type]


def test_as_async_shares_the_session_with_asyncio_code() -> None:
    counter = python("for n in range(3): print(n, flush=True)\nimport sys; sys.stdin.read()")
    with driver.spawn(counter) as s:

        async def first_line() -> tuple[str, bool]:
            view = s.as_async()
            line = await view.read_line()
            return line, view is s.as_async()

        assert asyncio.run(first_line()) == ("0", True)
        assert s.read_line() == "1"  # the sync session goes on where the view stopped
        assert asyncio.run(first_line())[0] == "2"
        assert s.alive  # a view that was dropped ended nothing
    assert s.closed
    with pytest.raises(RuntimeError):
        s.as_async()  # no loop is running


def test_fileno_and_window_size() -> None:
    with driver.spawn(["cat"], backend="pty", dimensions=(30, 100)) as s:
        assert os.isatty(s.fileno())
        assert s.window_size == (30, 100)
        s.set_window_size(40, 120)
        assert s.window_size == (40, 120)
    with driver.spawn(["cat"]) as s:
        assert not os.isatty(s.fileno())
        with pytest.raises(driver.DriverError, match="needs a terminal"):
            s.window_size  # noqa: B018
