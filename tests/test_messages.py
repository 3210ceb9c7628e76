"""The words of every message, on plain data: no child, no clock."""

from __future__ import annotations

import math
import re

import pytest

import driver
from driver import _messages as messages
from driver._deadline import deadline_for, is_deadline


def test_a_child_is_described_by_its_command_pid_and_state() -> None:
    assert messages.describe_child(["python3", "repl.py"], 4711, None) == (
        "`python3 repl.py` (pid 4711, running)"
    )
    assert "exited with status 1" in messages.describe_child(["x"], 1, 1)
    assert "killed by signal 9" in messages.describe_child(["x"], 1, -9)
    assert messages.describe_child(["fd 5"], None, None) == "`fd 5`"


def test_a_long_argument_is_shortened_and_says_by_how_much() -> None:
    shown = messages.command_line(["echo", "x" * 1000])
    assert len(shown) < 300
    assert "800 more characters" in shown


def test_shell_syntax_is_found_where_a_shell_would_read_it() -> None:
    assert messages.shell_syntax(["ls", "|", "wc"]) == [1]
    assert messages.shell_syntax(["cd", "/tmp;", "ls"]) == [1]
    assert messages.shell_syntax(["python3", "-c", "x = 1;"]) == []  # the program's own text
    assert messages.shell_syntax(["expr", "1", "|", "0"]) == []  # expr takes it
    hint = messages.shell_hint(["ls", "|", "wc"])
    assert "['sh', '-c', 'ls | wc']" in hint
    assert messages.without_shell_hint(f"failed\n{hint}") == "failed"
    assert messages.without_shell_hint("failed") == "failed"


def test_a_wait_error_shows_output_transcript_and_hint_or_the_screen() -> None:
    text = messages.wait_error_text("timed out", "abc", "$ x", "hint: y", "")
    assert text == (
        "timed out\nunconsumed output (3 chars):\n    'abc'\n"
        "last lines of the transcript:\n    | $ x\nhint: y"
    )
    with_screen = messages.wait_error_text("timed out", "\x1b[H", "$ x", "", "  1 | menu")
    assert with_screen == "timed out\n      1 | menu"


def test_a_wait_error_shows_a_bounded_tail_of_the_output() -> None:
    text = messages.show_output("x" * 10_000)
    assert text.startswith("unconsumed output (last 2000 of 10000 chars)")
    assert messages.show_output("") == "no unconsumed output"


def test_hints_are_joined_without_blank_lines() -> None:
    assert messages.joined_hints("", "a", "", "b") == "a\nb"
    assert messages.held_escape_hint("") == ""
    assert "holds back 3 characters" in messages.held_escape_hint("\x1b]0")


@pytest.mark.parametrize(
    ("timeout", "default", "seconds"),
    [(None, 10.0, 10.0), (None, None, None), (2, 10.0, 2.0), (0, 10.0, 0.0), (math.inf, 1, None)],
)
def test_one_rule_turns_a_timeout_into_a_deadline(
    timeout: float | None, default: float | None, seconds: float | None
) -> None:
    deadline = deadline_for(timeout, default)
    assert is_deadline(deadline)
    assert deadline.seconds == seconds
    assert (deadline.when == math.inf) == (seconds is None)


def test_a_deadline_given_is_the_deadline_used() -> None:
    shared = driver.Deadline(5)
    assert deadline_for(shared, 10.0) is shared


@pytest.mark.parametrize("bad", [-1, math.nan, "5", True])
def test_a_bad_timeout_is_refused_by_the_rule(bad: object) -> None:
    with pytest.raises((ValueError, TypeError), match="timeout="):
        deadline_for(bad, 10.0)  # type: ignore[arg-type]


def test_a_deadline_of_another_copy_of_the_module_is_still_a_deadline() -> None:
    # A tool that restores sys.modules (pytester) can leave two copies alive.
    import importlib.util

    spec = importlib.util.find_spec("driver._deadline")
    assert spec is not None and spec.loader is not None
    copy = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(copy)
    theirs = copy.Deadline(3)
    assert not isinstance(theirs, driver.Deadline)
    assert deadline_for(theirs, 10.0) is theirs


def test_the_literal_regex_hint_names_the_special_characters() -> None:
    one = messages.literal_hint("'a.b'", ["."])
    assert "'.' is special and does not match itself" in one
    assert "expect_exact" in one
    several = messages.literal_hint("'[y/N]?'", ["[", "]", "?"])
    assert "'[', ']' and '?' are special and do not match themselves" in several
    secret = messages.literal_hint("a secret", [])
    assert "some characters are special" in secret


def test_the_literal_regex_hint_of_a_dict_key_names_how_to_write_the_key() -> None:
    hint = messages.literal_hint("re 'a.b'", ["."], api="dispatch", index=1, text="a.b")
    assert "the text of the key re 'a.b' as written" in hint
    assert "write it as re.escape('a.b')" in hint
    assert "entry 1" not in hint and "expect_exact" not in hint
    secret = messages.literal_hint("'********'", [], api="dispatch")
    assert "re.escape() it" in secret


def test_a_regex_that_is_escaped_text_shows_as_that_text() -> None:
    from driver._patterns import show_regex

    assert show_regex(re.escape("MySQL [shop]> ")) == "'MySQL [shop]> '"
    assert show_regex(re.escape(b"a.b\n")) == "b'a.b\\n'"
    assert show_regex(r"Continue\? \[y/N\] ") == "'Continue? [y/N] '"
    # Any other regex as written: one with no escape, or with anything special.
    assert show_regex("Password: ") == "re 'Password: '"
    assert show_regex(r"\d+ rows\.") == "re '\\\\d+ rows\\\\.'"
    assert show_regex(r"^MySQL\ ") == "re '^MySQL\\\\ '"
    assert show_regex("a\\") == "re 'a\\\\'"
    assert show_regex(r"a\.b", re.IGNORECASE) == "re 'a\\\\.b'"  # matches 'A.B' too


def test_a_prompt_asked_once_too_often_is_named_with_its_answers() -> None:
    text = messages.answers_used_up("prog", "'Name: '", 2, ["ada"], "Name: Name: ")
    assert text.startswith("`prog` asked 'Name: ' a 2nd time, but responses has 1 answer(s)")
    assert "['ada']" in text and text.endswith("output so far:\nName: Name: ")
    assert "output so far" not in messages.answers_used_up("prog", "'x'", 11, [], "")
    assert " 11th time" in messages.answers_used_up("prog", "'x'", 11, [], "")


def test_a_regex_found_as_written_is_named_with_its_special_characters() -> None:
    from driver._patterns import compile_patterns, regex_written_as_text

    entries = compile_patterns(["done", "Continue? [y/N]"], exact=False, kind=str)
    found = regex_written_as_text(entries, "Continue? [y/N] ")
    assert found is not None
    assert found.position == 1 and found.shown == "re 'Continue? [y/N]'"
    assert found.special == ["?", "[", "]"] and found.text == "Continue? [y/N]"
    assert regex_written_as_text(entries, "nothing here") is None


def test_a_remote_child_is_described_by_its_host() -> None:
    from driver._messages import describe_child

    assert describe_child(["cat"], None, None, host="ada@h:22") == "`cat` on ada@h:22 (running)"
    assert describe_child(["cat"], None, -15, host="ada@h:22").endswith("(killed by signal 15)")
    lost = describe_child(
        ["cat"], None, None, status_lost=True, host="ada@h:22", lost_because="connection lost"
    )
    assert lost == "`cat` on ada@h:22 (connection lost)"
    assert describe_child(["fd 3"], None, None) == "`fd 3`"  # an attached fd, as before
