"""driver.run: one call that answers a program's prompts."""

from __future__ import annotations

import re

import pytest

import driver
from helpers import fixture


def test_run_answers_prompts_in_order() -> None:
    result = driver.run(
        fixture("questions.py"),
        responses={
            r"Your name\? \[anonymous\] ": "ada",
            r"Password: ": "hunter2",
            r"Continue\? \[y/N\] \(\d\) ": ["y", "n"],
        },
        timeout=30,
    )
    assert result.returncode == 0
    assert "name=ada password-length=7 answers=y,n" in result.output
    assert "> ada" in result.transcript


def test_a_str_answer_is_used_every_time() -> None:
    result = driver.run(
        fixture("questions.py"),
        responses={r"\? \[\w+\] ": "", r"Password: ": "pw", r"\(\d\) ": "y"},
    )
    assert "name=anonymous password-length=2 answers=y,y" in result.output


def test_running_out_of_answers_names_the_prompt() -> None:
    responses = {r"name\?.*\] ": "ada", "Password: ": "pw", r"Continue.*\) ": ["y"]}
    with pytest.raises(driver.DriverError) as caught:
        driver.run(fixture("questions.py"), responses=responses)
    message = str(caught.value)
    assert "'Continue.*\\\\) '" in message or "Continue" in message
    assert "2nd time" in message and "['y']" in message
    assert "Continue? [y/N] (2)" in message  # the output so far


def test_a_timeout_shows_as_unread_only_what_came_after_the_last_answer() -> None:
    with pytest.raises(driver.Timeout) as caught:
        driver.run(fixture("questions.py"), responses={r"name\?.*\] ": "ada"}, timeout=0.5)
    error = caught.value
    assert error.output == "Password: "  # the prompt answered is not unread
    assert "unconsumed output (10 chars):\n    'Password: '" in str(error)
    assert "Your name? [anonymous] \n    | > ada" in str(error)  # the transcript shows it


def test_a_caret_key_matches_at_every_line_start() -> None:
    # As getpass does: echo off, the prompt, and a newline once the line is read.
    # The second prompt follows that newline, not the start of what is unread.
    twice = (
        "stty -echo; for n in 1 2; do printf 'Password: '; read p; echo; done; stty echo;"
        " echo got it twice"
    )
    result = driver.run(["sh", "-c", twice], {"^Password: ": "pw"}, timeout=10)
    assert result.returncode == 0
    assert result.output.count("Password: ") == 2 and "got it twice" in result.output


def test_a_literal_key_is_shown_as_written() -> None:
    key = re.escape("MySQL [shop]> ")
    with pytest.raises(driver.DriverError) as caught:
        driver.run(fixture("mysql_prompt.py"), {key: ["select 1;"]})
    message = str(caught.value)
    assert "asked 'MySQL [shop]> ' a 2nd time" in message
    assert "\\" not in message.partition("output so far")[0]
    with pytest.raises(driver.Timeout) as timed_out:
        driver.run(fixture("mysql_prompt.py"), {key: ["lock;"]}, timeout=0.5)
    assert "waiting for any of ['MySQL [shop]> ', driver.EOF]" in str(timed_out.value)


def test_a_key_that_is_not_a_regex_is_refused_before_the_program_starts() -> None:
    with pytest.raises(ValueError) as caught:
        driver.run(["no-such-program-x"], {"Continue? (y/N": "y"})
    message = str(caught.value)
    assert "responses key 'Continue? (y/N' is not a valid regex" in message
    assert "re.escape('Continue? (y/N')" in message


def test_a_bytes_run_answers_and_returns_bytes_as_they_came() -> None:
    result = driver.run(
        fixture("questions.py"),
        responses={rb"\? \[\w+\] ": b"ada", rb"Password: ": b"pw", rb"\(\d\) ": [b"y", b"n"]},
        encoding=None,
    )
    assert isinstance(result.output, bytes)
    assert b"name=ada password-length=2 answers=y,n\r\n" in result.output  # \r\n kept


def test_a_bytes_run_that_times_out_carries_the_output_as_bytes() -> None:
    with pytest.raises(driver.Timeout) as caught:
        driver.run(fixture("questions.py"), {rb"name\?.*\] ": b"ada"}, timeout=0.5, encoding=None)
    assert caught.value.output == b"Password: "


def test_a_secret_prompt_asked_too_often_is_not_shown() -> None:
    ask_twice = "for i in 1 2; do printf 'Tok''en-7x: '; read x; done"  # not in argv whole
    with pytest.raises(driver.DriverError, match="asked a secret prompt a 2nd time") as caught:
        driver.run(["sh", "-c", ask_twice], responses={driver.Secret("Token-7x: "): ["a"]})
    assert "Token-7x" not in str(caught.value)
