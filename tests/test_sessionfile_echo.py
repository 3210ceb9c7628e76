"""The echo of what a session file sends (sessionfile/_echo.py): what the
terminal will show of the sends, as plain data, and taking it out of a live
program's output."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from driver import spawn
from driver.sessionfile import run_file
from driver.sessionfile._echo import (
    EchoTimeout,
    EchoTracker,
    PendingEcho,
    drop_echo,
    echo_in,
)
from driver.terminal import echoed

# -- what the terminal will echo ----------------------------------------------------


def test_nothing_echoes_on_a_pipe() -> None:
    tracker = EchoTracker(terminal=False)
    tracker.sent_line("hello", echo=True, line_editor=False)
    tracker.sent_text("more", echo=True)
    tracker.sent_control("c", echo=True)
    assert not tracker.take()


def test_each_kind_of_send_echoes_as_a_terminal_shows_it() -> None:
    tracker = EchoTracker(terminal=True)
    tracker.sent_line("hello", echo=True, line_editor=False)
    tracker.sent_text("no end", echo=True)
    tracker.sent_keys(["h", "i", "space", "tab", "enter", "down"], echo=True)
    tracker.sent_control("c", echo=True)
    tracker.sent_control("d", echo=True)  # ECHOCTL does not show ^D
    tracker.sent_unechoed()  # the end of input, a signal
    assert tracker.take() == PendingEcho("hello\nno endhi \t\n^[[B^C", shown=True)
    assert tracker.take() == PendingEcho()  # taken: nothing is looked for twice


def test_control_characters_sent_echo_as_the_terminal_shows_them() -> None:
    tracker = EchoTracker(terminal=True)
    tracker.sent_text("a\x00b\x1b[A\r", echo=True)
    tracker.sent_keys(["ctrl-@", "ctrl-a", "esc", "backspace", "ctrl-d"], echo=True)
    tracker.sent_line("x\x7fy\x01", echo=True, line_editor=False)
    # ^? erases and ^D ends the input: what they show depends on the line.
    assert tracker.take().text == "a^@b^[[A\n^@^A^[xy^A\n"
    assert echoed("tab\tand\nline") == "tab\tand\nline"


@pytest.mark.parametrize(
    ("send", "output"),
    [
        ("%send a\\x00b (esc)\n>", "a\\x00b (esc)"),
        ("%key ctrl-@ x enter", "\\x00x (esc)"),
        ("> \\x01\\e[A (esc)", "\\x01\\e[A (esc)"),
    ],
)
def test_the_echo_of_a_control_character_is_not_output(
    tmp_path: Path, send: str, output: str
) -> None:
    """On a pty the terminal echoes ^@ for a NUL (ECHOCTL), and cat prints
    the NUL itself: the one is the echo, the other the output."""
    path = tmp_path / "control.session"
    path.write_text(f"%backend pty\n$ cat\n{send}\n{output}\n%eof\n[0]\n", encoding="utf-8")
    result = run_file(path)
    assert result.passed, [(f.line, f.message) for f in result.failures]


def test_with_the_echo_off_only_a_line_at_an_open_prompt_shows() -> None:
    tracker = EchoTracker(terminal=True)
    tracker.sent_text("secret", echo=False)
    tracker.sent_line("secret", echo=False, line_editor=False)
    assert not tracker.take()
    # A password prompt: the program ends the line itself (getpass) or a
    # line editor echoes it its own way.
    tracker.prompt_matched(open=True)
    tracker.sent_line("secret", echo=False, line_editor=False)
    assert tracker.take() == PendingEcho("secret\n", prompt_open=True, shown=False)


def test_the_echo_state_of_the_first_send_is_kept() -> None:
    tracker = EchoTracker(terminal=True)
    tracker.sent_text("a", echo=True)
    tracker.sent_text("b", echo=False)
    assert tracker.take() == PendingEcho("a", shown=True)


def test_a_line_editors_echo_is_only_ever_a_lone_line() -> None:
    tracker = EchoTracker(terminal=True)
    tracker.sent_line("ls", echo=True, line_editor=True)
    assert tracker.pending.line_editor
    tracker.sent_unechoed()
    assert not tracker.pending.line_editor
    tracker.take()
    tracker.sent_text("x", echo=True)
    tracker.sent_line("ls", echo=True, line_editor=True)  # "xls\n": not the line alone
    assert not tracker.take().line_editor


# -- the forms the echo may take ----------------------------------------------------


def test_a_prompt_whose_newline_came_late_may_end_before_or_after_the_echo() -> None:
    late = PendingEcho("hello\n", prompt_open=True, shown=True)
    assert late.forms(line_follows=True) == ["hello\n", "\nhello\n", "hello\n\n", "\n"]
    # A blank line expected next is the program's, not the prompt's end.
    assert late.forms(line_follows=False) == ["hello\n", "\nhello\n", "\n"]
    assert PendingEcho("hello\n").forms(line_follows=True) == ["hello\n"]
    assert PendingEcho(prompt_open=True).forms(line_follows=True) == ["\n"]


def test_a_control_characters_echo_keeps_to_its_own_forms() -> None:
    caret = PendingEcho("^C", prompt_open=True, shown=True, control=True)
    assert caret.forms(line_follows=True) == ["^C"]
    assert caret.control_character
    assert not PendingEcho("^Cx", control=True).control_character
    # The same echo of a key sent as text (%send \e): the program's output follows.
    assert not PendingEcho("^[", prompt_open=True, shown=True).control_character


@pytest.mark.parametrize(
    ("arrived", "found"),
    [
        ("hello\nHELLO\n", (6, False)),
        ("  hello \nHELLO\n", (9, False)),  # a prompt's blanks, late
        ("hel", (0, True)),  # more may make it whole: wait
        ("", (0, True)),
        ("HELLO\n", (0, False)),  # something else came
        ("\nhello\nHELLO", (7, False)),  # the longest form found
    ],
)
def test_the_echo_is_found_whole_or_partly_at_the_start(
    arrived: str, found: tuple[int, bool]
) -> None:
    forms = PendingEcho("hello\n", prompt_open=True, shown=True).forms(line_follows=False)
    assert echo_in(arrived, forms) == found


# -- taken out of a live program's output -------------------------------------------


def test_a_line_taken_as_a_prompt_before_its_newline_came_then_its_echo() -> None:
    # A pty read can split a line from its "\r\n"; the line before a `>` is
    # then matched as a prompt still open. What follows is the newline, then
    # the terminal's echo of the sent line: both are taken, not only the
    # newline (the echo "hello" once showed as the program's first line).
    # The split cannot be timed from outside, so the run stands at that
    # point: the line taken, its newline arrived but not read.
    program = "print('starting'); print(input().upper())"
    with spawn([sys.executable, "-c", program], backend="pty", echo=True) as session:
        session.expect(r"starting(?=\n)")
        tracker = EchoTracker(terminal=True)
        tracker.prompt_matched(open=True)
        tracker.sent_line("hello", echo=session.echo, line_editor=False)
        session.send_line("hello")
        drop_echo(session, tracker.take(), line_follows=True)
        assert session.read_line() == "HELLO"


def test_output_that_is_not_the_echo_is_left_alone() -> None:
    with spawn([sys.executable, "-c", "print('other')"]) as session:
        drop_echo(session, PendingEcho("hello\n", shown=True), line_follows=True)
        assert session.read_line() == "other"


def test_an_echo_that_stops_halfway_says_what_was_waited_for() -> None:
    # The wait's own Timeout names a lookahead regex; the failure names the echo.
    code = "import sys; sys.stdout.write('hel'); sys.stdout.flush(); sys.stdin.read()"
    with (
        spawn([sys.executable, "-c", code], timeout=0.5) as session,
        pytest.raises(EchoTimeout) as caught,
    ):
        drop_echo(session, PendingEcho("hello\n", shown=True), line_follows=False)
    text = str(caught.value)
    assert text.startswith("timed out after 0.5 s waiting for the echo of what was sent from `")
    assert "\nunconsumed output (3 chars):\n    'hel'\n" in text
    assert caught.value.output == "hel"
    assert isinstance(caught.value, TimeoutError)
