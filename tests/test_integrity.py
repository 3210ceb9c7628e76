"""Nothing lost: what a child prints reaches the reader whole and unaltered."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import pytest

import driver
from helpers import ROOT, Spawn, python


def test_a_timeout_entry_leaves_the_output_for_the_next_expect(spawn: Spawn) -> None:
    s = spawn(python("print('Do', end='', flush=True); input(); print('ne')"))
    polled = s.expect(["Done", driver.TIMEOUT], timeout=0.2)
    assert (polled.index, polled.before) == (1, "Do")
    s.send_line("")
    assert s.expect("Done").before == ""


def test_a_bytes_session_changes_no_byte() -> None:
    data = os.urandom(4 << 20)  # every \r\n, \r\r\n and lone \r a random stream holds
    copy = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"
    with driver.spawn(python(copy), encoding=None, timeout=60) as s:
        s.send(data)
        s.send_eof()
        assert s.read() == data


def test_newline_empty_keeps_a_text_sessions_line_ends(spawn: Spawn) -> None:
    write = "import os; os.write(1, b'one\\r\\ntwo\\r\\n')"
    s = spawn(python(write), newline="")
    assert s.read() in ("one\r\ntwo\r\n", "one\r\r\ntwo\r\r\n")  # a pty adds its own \r
    t = spawn(python(write))
    assert t.read() == "one\ntwo\n"


def test_read_gives_the_good_text_then_the_decode_error(spawn: Spawn) -> None:
    s = spawn(python("import os; os.write(1, b'abc\\xe2\\x82')"))  # cut inside a character
    assert s.read() == "abc"
    with pytest.raises(driver.DecodeError) as error:
        s.read()
    assert error.value.offset == 3


def test_a_bad_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="newline='\\\\n'"):
        driver.spawn(["cat"], newline="\n")


# -- nothing unbounded --------------------------------------------------------------


@pytest.mark.slow
def test_reading_256_mb_line_by_line_keeps_memory_flat() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "memory.py"), "256"],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    # "65536 lines (256 MiB) read in 2.1 s; peak RSS grew 3 MiB"
    words = result.stdout.split()
    assert words[0] == "65536"
    assert int(words[-2]) < 100


def test_the_transcript_keeps_a_bounded_tail_and_says_so(spawn: Spawn) -> None:
    s = spawn(
        python("for i in range(3000): print(f'line {i:04} ' + 'x' * 90)"),
        transcript_limit=10_000,
    )
    assert s.read().count("\n") == 3000
    transcript = s.transcript
    assert transcript.startswith("# ... ")
    assert "earlier characters not kept" in transcript.splitlines()[0]
    assert len(transcript) < 11_000
    assert transcript.rstrip().endswith("line 2999 " + "x" * 90)


def test_an_error_after_a_huge_line_stays_small_and_keeps_all_output(spawn: Spawn) -> None:
    huge = 10_000_000
    s = spawn(python(f"import sys; sys.stdout.write('x' * {huge} + '\\n' + 'tail'); input()"))
    s.expect_exact("tail")  # through the huge line
    s.send_line("")
    with pytest.raises(driver.EOF):
        s.expect_exact("never")
    s2 = spawn(python(f"import sys; sys.stdout.write('y' * {huge} + 'END'); input()"))
    with pytest.raises(driver.Timeout) as error:
        s2.expect_exact("never", timeout=3)
    assert len(str(error.value)) < 20_000  # a bounded piece, for people
    assert "more characters" in str(error.value) or "last" in str(error.value)
    # For code, all that had come, unread: what comes after it follows on.
    so_far = error.value.output
    found = s2.expect_exact("END")
    assert (found.before + found.text).startswith(so_far) and found.before == "y" * huge


@pytest.mark.slow_callback(10)  # the search runs on the loop, 1 s of CPU time
def test_a_slow_regex_does_not_hold_expect_past_its_deadline(spawn: Spawn) -> None:
    s = spawn(python("print('a' * 200_000, flush=True); input()"))
    started = time.monotonic()
    with pytest.raises(driver.Timeout) as error:
        s.expect("a+END", timeout=1)  # quadratic: every start scans to the end
    overshoot = time.monotonic() - started - 1
    # regex's budget is CPU time: a process starved to a quarter of a CPU
    # (parallel tests) runs about 4 s. One unbounded search took 25 s here.
    assert overshoot < 10
    assert "did not finish in time" in error.value.hint
    s.send_line("")


def test_compiled_re_patterns_still_work(spawn: Spawn) -> None:
    s = spawn(python("print('12 apples, 3 pears')"))
    found = s.expect(re.compile(r"(\d+) APPLES", re.IGNORECASE))
    assert (found.group(1), found.groups()) == ("12", ("12",))
    assert s.expect([re.compile(r"(?P<n>\d+) pears")]).group("n") == "3"


@pytest.mark.slow_callback(10)  # the searches run on the loop, 1 s of CPU time
def test_a_list_of_slow_regexes_shares_the_deadline_and_returns_its_timeout_entry(
    spawn: Spawn,
) -> None:
    s = spawn(python("print('a' * 60_000, flush=True); input()"))
    patterns = [f"a+END{n}" for n in range(5)]  # each slow, none hopeless alone
    started = time.monotonic()
    found = s.expect([*patterns, driver.TIMEOUT], timeout=1)
    assert found.index == 5
    assert time.monotonic() - started < 10  # CPU time, as above; five full budgets took 5 s
    s.send_line("")


def test_re_flags_keep_their_meaning(spawn: Spawn) -> None:
    s = spawn(python("print('\u00e91 Word')"))
    assert s.expect(re.compile(r"\w+", re.ASCII)).text == "1"
    assert s.expect(re.compile(r"word", re.IGNORECASE)).text == "Word"


def test_many_tiny_sends_keep_the_transcript_bounded(spawn: Spawn) -> None:
    s = spawn(["sh", "-c", "cat > /dev/null"], transcript_limit=100_000)
    for _ in range(20_000):
        s.send("a")
    kept = s.transcript.count("%send a")
    assert 0 < kept < 2_000  # each kept event counts its own cost, not just one character


def test_an_error_never_shows_part_of_a_secret_in_a_long_line(spawn: Spawn) -> None:
    secret = "correct-horse-battery-staple-42"
    s = spawn(python(f"print('x' * 490 + {secret!r} + 'y' * 100, flush=True); input()"))
    s.add_secret(secret)
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact("never", timeout=0.5)
    shown = str(error.value)
    for start in range(0, len(secret) - 4):
        assert secret[start : start + 5] not in shown
    s.send_line("")
