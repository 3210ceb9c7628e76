"""A Timeout, EOF or SpawnError whose likely cause is a common slip says so,
and names the fix: a regex meant as plain text, shell syntax in argv, a
send without its newline."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

import driver
from helpers import Spawn, driver_command, python

PROMPT = "Continue? [y/N] "
# Shows PROMPT (a regex that does not match its own text) and waits for an answer.
ASKS = python(f"import sys; print({PROMPT!r}, end=''); sys.stdin.readline()")


def arrived(s: Any, text: str | bytes) -> None:
    """Wait until ``text`` has arrived, consuming none of it: a zero-width
    match just before it, so a later timeout finds it in the output."""
    escaped = re.escape(text)
    s.expect(b"(?=" + escaped + b")" if isinstance(escaped, bytes) else f"(?={escaped})")


# -- a regex meant as plain text ------------------------------------------------


def test_a_regex_that_came_as_plain_text_suggests_expect_exact(spawn: Spawn) -> None:
    s = spawn(ASKS)
    arrived(s, PROMPT)
    with pytest.raises(driver.Timeout) as caught:
        s.expect(PROMPT, timeout=0.2)
    message = str(caught.value)
    assert "hint: the output holds the text of re 'Continue? [y/N] '" in message
    assert "'?', '[' and ']' are special" in message
    assert "expect_exact" in message and "re.escape" in message
    assert s.expect_exact(PROMPT).text == PROMPT  # the fix it names works


def test_the_hint_names_the_entry_of_a_list() -> None:
    with driver.spawn(ASKS) as s:
        arrived(s, PROMPT)
        with pytest.raises(driver.Timeout) as caught:
            s.expect([r"\d+ files copied", re.compile(PROMPT)], timeout=0.2)
    assert "the text of entry 1 of the list, re 'Continue? [y/N] '" in str(caught.value)


def test_the_hint_in_a_bytes_session() -> None:
    with driver.spawn(ASKS, encoding=None) as s:
        arrived(s, PROMPT.encode())
        with pytest.raises(driver.Timeout) as caught:
            s.expect(PROMPT.encode(), timeout=0.2)
    assert "the text of re b'Continue? [y/N] '" in str(caught.value)
    assert "expect_exact" in str(caught.value)


def test_the_hint_never_shows_a_secret_pattern() -> None:
    with driver.spawn(ASKS) as s:
        arrived(s, PROMPT)
        with pytest.raises(driver.Timeout) as caught:
            s.expect(driver.Secret(PROMPT), timeout=0.2)
    error = caught.value
    assert "expect_exact" in str(error)
    for shown in (str(error), error.output, error.pattern, error.hint):
        assert "y/N" not in shown and "'?'" not in shown


def test_the_hint_at_eof() -> None:
    with driver.spawn(python("print('Total: $5')")) as s, pytest.raises(driver.EOF) as caught:
        s.expect("Total: $5")
    assert "'$' is special" in str(caught.value) and "expect_exact" in str(caught.value)


def test_the_hint_for_a_response_of_driver_run() -> None:
    with pytest.raises(driver.Timeout) as caught:
        driver.run(ASKS, {PROMPT: "y"}, timeout=2)
    message = str(caught.value)
    assert "the text of the key re 'Continue? [y/N] ' as written" in message
    assert "write it as re.escape('Continue? [y/N] ')" in message
    assert "expect_exact" not in message  # which driver.run does not have
    assert driver.run(ASKS, {re.escape(PROMPT): "y"}).returncode == 0  # the fix it names


def test_the_hint_for_a_key_of_dispatch(spawn: Spawn) -> None:
    s = spawn(ASKS)
    arrived(s, PROMPT)
    with pytest.raises(driver.Timeout) as caught:
        s.dispatch({"done": None, PROMPT: None}, timeout=0.2)
    message = str(caught.value)
    assert "the text of the key re 'Continue? [y/N] ' as written" in message
    assert "entry 1" not in message and "expect_exact" not in message


def test_no_hint_when_the_text_is_not_there(spawn: Spawn) -> None:
    s = spawn(ASKS)
    arrived(s, PROMPT)
    with pytest.raises(driver.Timeout) as caught:
        s.expect(r"Continue\? \[y/N\] now", timeout=0.2)
    assert "expect_exact" not in str(caught.value)


# -- shell syntax in argv ---------------------------------------------------------


def test_a_pipe_in_a_command_that_cannot_start(backend: str) -> None:
    with pytest.raises(driver.SpawnError) as caught:
        driver.spawn("no-such-program-x --flag | cat", backend=backend)
    message = str(caught.value)
    assert "not found on PATH" in message  # the cause first
    assert "hint: argv[2] '|' reaches the program as an argument: no shell" in message
    assert "['sh', '-c', 'no-such-program-x --flag | cat']" in message


def test_the_shell_hint_masks_a_secret_argument_and_nothing_else() -> None:
    with pytest.raises(driver.SpawnError) as caught:
        driver.spawn(["no-such-program-x", driver.Secret("hunter2pass"), "|", "cat"])
    message = str(caught.value)
    assert "hunter2pass" not in message
    assert "'no-such-program-x ******** | cat'" in message
    assert "driver.repl.sh()" in message  # not garbled by the Secret's repr


def test_a_pipe_the_program_got_as_an_argument(spawn: Spawn) -> None:
    s = spawn(["echo", "hi", "|", "cat"])
    with pytest.raises(driver.EOF) as caught:
        s.expect_exact("hi\n")
    message = str(caught.value)
    assert "'hi | cat\\n'" in message  # what echo made of it
    assert "argv[2] '|'" in message and "['sh', '-c', 'echo hi | cat']" in message


def test_a_semicolon_ending_a_word_of_a_string_command(spawn: Spawn) -> None:
    s = spawn("sh -c 'read line' x; echo done")
    with pytest.raises(driver.Timeout) as caught:
        s.read_line(timeout=0.2)
    message = str(caught.value)
    assert "argv[3] 'x;'" in message
    assert """['sh', '-c', "sh -c 'read line' x; echo done"]""" in message


def test_a_session_file_gives_its_own_shell_hint_alone(tmp_path: Path) -> None:
    path = tmp_path / "pipe.session"
    path.write_text("%backend pipe\n$ no-such-program-x | cat\n")
    done = driver_command("run", path)
    assert "not found on PATH" in done.stdout and "%shell" in done.stdout
    assert "'sh', '-c'" not in done.stdout  # driver's advice for code, not for a session file


def test_no_shell_hint_for_arguments_that_merely_hold_shell_characters(spawn: Spawn) -> None:
    s = spawn(python("import sys; sys.stdin.readline()", "a|b", "select 1;", "x;"))
    with pytest.raises(driver.Timeout) as caught:
        s.read_line(timeout=0.2)
    assert "no shell" not in str(caught.value)


# -- a send without its newline -----------------------------------------------------


def test_a_send_without_a_newline_gets_a_hint(spawn: Spawn) -> None:
    s = spawn(python("import sys; print('ready'); print('got', sys.stdin.readline())"))
    assert s.read_line() == "ready"
    s.send("yes")
    with pytest.raises(driver.Timeout) as caught:
        s.expect("got", timeout=0.5)
    message = str(caught.value)
    assert "hint: the last thing sent ended without a newline" in message
    assert "send_line" in message
    assert "stdout is a pipe" not in message  # not the buffering hint: the cause is known
    s.send_line()
    assert s.read_line() == "got yes"


def test_no_newline_hint_once_the_line_is_complete(spawn: Spawn) -> None:
    s = spawn(python("import sys; print('ready'); sys.stdin.readline(); sys.stdin.readline()"))
    assert s.read_line() == "ready"
    s.send("yes")
    s.send("\n")
    with pytest.raises(driver.Timeout) as caught:
        s.read_line(timeout=0.2)
    assert "without a newline" not in str(caught.value)
