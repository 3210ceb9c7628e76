"""Bad input gets an error that names the thing and the fix, and loses nothing."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

import driver
from helpers import Spawn, fixture


def test_missing_program(backend: str) -> None:
    with pytest.raises(driver.SpawnError, match="'no-such-program-x' not found on PATH") as caught:
        driver.spawn(["no-such-program-x", "--flag"], backend=backend)
    assert isinstance(caught.value, OSError)
    assert caught.value.errno == errno.ENOENT
    assert "`no-such-program-x --flag`" in str(caught.value)


def test_missing_path(backend: str) -> None:
    with pytest.raises(driver.SpawnError, match="does not exist"):
        driver.spawn(["./nowhere/prog"], backend=backend)


def test_file_that_is_not_executable(backend: str, tmp_path: Path) -> None:
    script = tmp_path / "script.sh"
    script.write_text("#!/bin/sh\necho hi\n")
    with pytest.raises(driver.SpawnError, match="is not executable; run `chmod \\+x"):
        driver.spawn([str(script)], backend=backend)


def test_exec_failure_after_the_checks(backend: str, tmp_path: Path) -> None:
    script = tmp_path / "bad-interpreter"
    script.write_text("#!/no/such/interpreter\n")
    script.chmod(0o755)
    fds = len(list(Path("/proc/self/fd").iterdir()))
    with pytest.raises(driver.SpawnError, match="cannot spawn"):
        driver.spawn([str(script)], backend=backend)
    assert len(list(Path("/proc/self/fd").iterdir())) == fds


def test_empty_argv(backend: str) -> None:
    with pytest.raises(driver.SpawnError, match="empty command"):
        driver.spawn([], backend=backend)


def test_bad_options_name_the_choices() -> None:
    with pytest.raises(ValueError, match="'pipe', 'pty'"):
        driver.spawn(["true"], backend="ssh")
    with pytest.raises(ValueError, match="stderr='nowhere'"):
        driver.spawn(["true"], stderr="nowhere")
    with pytest.raises(ValueError, match="needs the pipe backend"):
        driver.spawn(["true"], backend="pty", stderr="pipe")


def test_invalid_utf8_output(spawn: Spawn, backend: str) -> None:
    s = spawn(fixture("invalid_utf8.py"))
    assert s.read_line() == "good line"
    assert s.read_line() == "café then "  # the text before the bad byte is kept
    with pytest.raises(driver.DecodeError) as caught:
        s.read_line()
    error = caught.value
    newline = b"\r\n" if backend == "pty" else b"\n"  # offsets count the raw bytes
    offset = len(b"good line" + newline + b"caf\xc3\xa9 then ")
    assert error.offset == offset
    assert error.raw.startswith(b"\xff\xfe bad")
    assert f"byte {offset}" in str(error) and 'errors="replace"' in str(error)


def test_invalid_utf8_with_replace(spawn: Spawn) -> None:
    s = spawn(fixture("invalid_utf8.py"), errors="replace")
    s.read_line()
    assert s.read_line() == "café then \ufffd\ufffd bad"


def test_buffering_child_on_a_pipe_gets_a_hint() -> None:
    # Without PYTHONUNBUFFERED, as a Python program usually runs.
    with (
        driver.spawn(fixture("buffered.py"), env={"PYTHONUNBUFFERED": None}) as s,
        pytest.raises(driver.Timeout) as caught,
    ):
        s.read_line(timeout=0.3)
    message = str(caught.value)
    assert "buffer" in message and "stdout is a pipe" in message
    assert 'backend="pty"' in message


def test_the_same_child_on_a_pty_answers() -> None:
    env = {"PYTHONUNBUFFERED": None}
    with driver.spawn(fixture("buffered.py"), env=env, backend="pty") as s:
        assert s.read_line() == "hello from a buffering child"


def test_timeout_message_shows_output_and_transcript(spawn: Spawn) -> None:
    s = spawn(fixture("repeater.py"))
    s.read_line()
    s.send_line("partial answer")
    with pytest.raises(driver.Timeout) as caught:
        s.expect("complete answer", timeout=0.3)
    message = str(caught.value)
    assert "timed out after 0.3 s waiting for re 'complete answer'" in message
    assert "repeater.py" in message and "running" in message
    assert "'partial answer\\n'" in message
    assert "| > partial answer" in message


def test_send_after_the_child_closed_its_input(spawn: Spawn, backend: str) -> None:
    s = spawn(fixture("repeater.py"))
    s.send_eof()
    s.expect(driver.EOF)
    s.wait()
    if backend == "pipe":
        with pytest.raises(driver.EOF, match="its input is closed"):
            s.send_line("too late")


def test_child_that_dies_mid_dialogue(spawn: Spawn) -> None:
    s = spawn(["sh", "-c", "read line; echo got $line; exit 4"])
    s.send_line("one")
    assert s.read_line() == "got one"
    with pytest.raises(driver.EOF, match="exited with status 4"):
        s.read_line()
