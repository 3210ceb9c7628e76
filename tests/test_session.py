"""Session behaviour that holds on both backends (the `backend` fixture runs each twice)."""

from __future__ import annotations

import re
import signal
import time

import pytest

import driver
from helpers import Spawn, fixture, python


def test_seed_exchange_one_line_at_a_time(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    assert s.read_line() == "repeater.py: starting"
    for i in range(5):
        s.send_line(str(i))
        assert s.read_line() == str(i)
    s.send_eof()
    assert s.read_line() == "repeater.py: exiting"
    with pytest.raises(driver.EOF):
        s.read_line()
    assert s.wait() == 0


def test_seed_exchange_all_at_once(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    for i in range(5):
        s.send_line(str(i))
    s.send_eof()
    lines = list(s)
    assert lines[0] == "repeater.py: starting"
    assert lines[1:] == ["0", "1", "2", "3", "4", "repeater.py: exiting"]


def test_transcript_reads_like_the_session(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    s.read_line()
    s.send_line("hello")
    s.read_line()
    s.send_line("$ not a command")
    s.read_line()
    assert s.transcript == (
        "repeater.py: starting\n> hello\nhello\n> $ not a command\n\\$ not a command\n"
    )


def test_log_receives_the_transcript_live(spawn: Spawn) -> None:
    import io

    log = io.StringIO()
    s = spawn(fixture("repeater.py"), log=log)
    s.read_line()
    s.send_line("one")
    s.read_line()
    assert log.getvalue() == "repeater.py: starting\n> one\none\n"


def test_expect_returns_match_and_sets_before_after(spawn: Spawn) -> None:
    s = spawn(python("print('Token: abc123 and more'); print('done')"))
    m = s.expect(r"Token: (?P<token>\w+)")
    assert m.index == 0 and m.group("token") == "abc123" and m.groups() == ("abc123",)
    assert s.before == "" and s.after == "Token: abc123" and s.match is m
    assert s.read_line() == " and more"
    m = s.expect_exact(["nope", "done"])
    assert (m.index, m.text, m.re) == (1, "done", None)


def test_expect_list_with_eof_entry_returns_instead_of_raising(spawn: Spawn) -> None:
    s = spawn(python("print('last words')"))
    m = s.expect(["never", driver.EOF])
    assert m.index == 1
    assert m.before.strip() == "last words"


def test_expect_list_with_timeout_entry(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    s.read_line()
    m = s.expect_exact(["never", driver.TIMEOUT], timeout=0.2)
    assert m.index == 1


def test_eof_error_names_the_child_and_its_status(spawn: Spawn) -> None:
    s = spawn(fixture("exit_status.py", "bye", "3"))
    with pytest.raises(driver.EOF) as caught:
        s.expect("never")
    error = caught.value
    assert isinstance(error, EOFError)
    assert error.returncode == 3
    assert "exited with status 3" in str(error)
    assert error.output.strip() == "bye"
    assert "'never'" in str(error)


def test_timeout_is_an_overall_deadline(spawn: Spawn) -> None:
    # The ticker is never quiet for long: a deadline per read would wait for
    # its whole run (10 s) and then report EOF; an overall one stops at 0.5 s.
    s = spawn(fixture("ticker.py"))
    with pytest.raises(driver.Timeout) as caught:
        s.expect("never", timeout=0.5)
    error = caught.value
    assert isinstance(error, TimeoutError)
    assert error.timeout == 0.5
    assert "tick 0" in error.output
    assert s.alive
    # Nothing lost: the unconsumed output is still there to read.
    assert s.read_line() == "tick 0"


def test_timeout_on_a_silent_child_carries_the_unconsumed_output(spawn: Spawn) -> None:
    s = spawn(python("import sys; print('prompt> ', end='', flush=True); sys.stdin.readline()"))
    started = time.monotonic()
    with pytest.raises(driver.Timeout) as caught:
        s.expect("never", timeout=0.5)
    assert time.monotonic() - started >= 0.5  # never early (how late: scripts/bench.py)
    assert caught.value.output == "prompt> "
    assert s.expect_exact("prompt> ").before == ""


def test_read_returns_everything_to_eof(spawn: Spawn) -> None:
    s = spawn(python("print('a'); print('b', end='')"))
    assert s.read() == "a\nb"
    assert s.read() == ""


def test_large_send_does_not_deadlock_and_every_byte_returns(spawn: Spawn, backend: str) -> None:
    # A pty processes input a line at a time; lines keep it realistic there.
    line = "0123456789" * 9 + "abcdefghi\n"
    data = line * (10 * 1024 * 1024 // len(line))
    s = spawn(fixture("echo_bytes.py"), timeout=120)
    s.send(data)
    s.send_eof()
    received = s.read(timeout=120)
    assert len(received) == len(data)
    assert received == data


def test_bytes_session(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"), encoding=None)
    assert s.read_line().rstrip(b"\r") == b"repeater.py: starting"
    s.send_line(b"\xc3\xa9t\xc3\xa9")
    # Every byte as it came: a terminal ends lines with "\r\n".
    ending = b"\r" if s.backend == "pty" else b""
    assert s.read_line() == "été".encode() + ending
    assert s.expect(re.compile(rb"x|$"), timeout=0.2).index == 0
    with pytest.raises(TypeError, match="bytes session"):
        s.send_line("str")


def test_send_signal_reaches_the_child(spawn: Spawn) -> None:
    s = spawn(fixture("signal_child.py"))
    s.expect_exact("Pausing to wait for signal")
    s.send_signal(signal.SIGUSR1)
    s.expect_exact("Received USR1")
    assert s.wait() == 0
    assert "%signal USR1" in s.transcript


def test_interrupt_sends_sigint(spawn: Spawn) -> None:
    # The child stands for a busy program; the test waits on "ready", then SIGINT.
    s = spawn(python("import time; print('ready'); time.sleep(60)"))  # sleep-ok: busy child
    s.expect_exact("ready")
    s.interrupt()
    s.expect_exact("KeyboardInterrupt")
    assert s.wait() == -signal.SIGINT  # Python re-raises an unhandled SIGINT


def test_inputs_counts_everything_sent_to_the_child(spawn: Spawn) -> None:
    s = spawn(python("import sys; sys.stdin.read()"))
    assert s.inputs == 0
    s.send("a")
    s.send_line("b")
    s.send_signal(signal.SIGWINCH)  # ignored unless handled
    s.send_eof()
    assert s.inputs == 4
    assert s.wait() == 0


def test_returncode_is_negative_for_a_signal(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    s.read_line()
    assert s.returncode is None and s.alive
    s.kill()
    assert s.wait() == -signal.SIGKILL
    assert not s.alive


def test_stderr_pipe_is_a_reader_of_its_own() -> None:
    with driver.spawn(fixture("repeater.py"), stderr="pipe") as s:
        assert s.stderr is not None
        assert s.stderr.read_line() == "repeater.py: starting"
        s.send_line("x")
        assert s.read_line() == "x"
        s.send_eof()
        assert s.stderr.expect_exact("exiting").before == "repeater.py: "
        assert s.read() == ""


def test_stderr_devnull_and_inherit() -> None:
    with driver.spawn(fixture("repeater.py"), stderr="devnull") as s:
        assert s.stderr is None
        s.send_line("first")
        assert s.read_line() == "first"


def test_argv_string_is_split_without_a_shell(spawn: Spawn) -> None:
    s = spawn("echo 'two words' $HOME")
    assert s.read_line() == "two words $HOME"
    assert s.argv == ["echo", "two words", "$HOME"]


def test_cwd_and_env(spawn: Spawn, tmp_path: object) -> None:
    s = spawn(
        python("import os; print(os.getcwd()); print(os.environ['GREETING'])"),
        cwd=tmp_path,
        env={"GREETING": "hi", "PATH": "/usr/bin:/bin"},
    )
    assert s.read_line() == str(tmp_path)
    assert s.read_line() == "hi"


def test_peek_shows_what_arrived_and_consumes_nothing() -> None:
    with driver.spawn(python("print('one'); print('two'); input()")) as session:
        session.expect_exact("two\n")  # both lines have arrived
        assert session.peek() == ""
        session.unconsumed = "kept\n"
        assert session.peek() == "kept\n"
        assert session.peek() == "kept\n"  # peeking twice consumes nothing
        assert session.read_line() == "kept"
