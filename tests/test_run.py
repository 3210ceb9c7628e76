"""driver.run: one call that answers a program's prompts."""

from __future__ import annotations

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


def test_timeout_carries_all_the_output_so_far() -> None:
    with pytest.raises(driver.Timeout) as caught:
        driver.run(fixture("questions.py"), responses={r"name\?.*\] ": "ada"}, timeout=0.5)
    assert "Your name? [anonymous] " in caught.value.output
    assert "Password: " in caught.value.output


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
    assert isinstance(caught.value.output, bytes)
    assert b"Your name? [anonymous] " in caught.value.output
