"""Session files for full-screen programs: %screen, %key and `| ` screen rows."""

from __future__ import annotations

import importlib.util
import io
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

from driver.sessionfile import FileResult, SessionFileError, parse, run_file, update_file
from helpers import ROOT, write_session

needs_pyte = pytest.mark.skipif(
    importlib.util.find_spec("pyte") is None,
    reason="a screen needs pyte: pip install 'linedriver[screen]'",
)
needs_whiptail = pytest.mark.skipif(
    shutil.which("whiptail") is None or importlib.util.find_spec("pyte") is None,
    reason="needs whiptail (apt-get install whiptail) and pyte (pip install 'linedriver[screen]')",
)

MENU = "%screen\n$ whiptail --title Fruit --menu 'Pick a fruit' 15 40 3 a Apple b Banana c Cherry\n"
#: The menu's items, one under another, whatever box the locale draws around them.
ITEMS = "| *a Apple* (glob)\n| *b Banana* (glob)\n| *c Cherry* (glob)\n"


def write(tmp_path: Path, text: str, name: str = "screen.session") -> Path:
    return write_session(tmp_path, text, name)


def run(path: Path, **options: Any) -> FileResult:
    options.setdefault("variables", {"PY": sys.executable})
    return run_file(path, **options)


def messages(result: FileResult) -> str:
    return "\n".join(f"{f.line}: {f.step}: {f.message}" for f in result.failures)


def problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "bad.session"
    with pytest.raises(SessionFileError) as caught:
        parse(path, text)
    return [line.removeprefix(f"{path}:") for line in str(caught.value).splitlines()]


# -- parsing ------------------------------------------------------------------------


def test_consecutive_rows_are_one_block_under_screen_only(tmp_path: Path) -> None:
    text = (
        "%screen 10x40\n$ prog\n| one\n|\n| \\$ two\n| t?o (glob)\n\n| x+ (re)\n"
        "%key down enter\n[0]\n%screen off\n$ echo '| a table |'\n| a table |\n"
    )
    steps = parse(tmp_path / "x.session", text).steps
    kinds = [step.kind for step in steps]
    assert kinds == ["set", "command", "screen", "screen", "key", "status", "set", "command",
                     "output"]  # fmt: skip
    first, second = steps[2], steps[3]
    assert [(row.text, row.match) for row in first.rows] == [
        ("one", "literal"), ("", "literal"), ("$ two", "literal"), ("t?o", "glob"),
    ]  # fmt: skip
    assert (first.line, first.raw) == (3, "| one\n|\n| \\$ two\n| t?o (glob)")
    assert [(row.text, row.match) for row in second.rows] == [("x+", "re")]
    assert steps[1].kind == "command" and steps[4].text == "down enter"
    # Without %screen a `|` line is output as it always was: a table's row, say.
    assert steps[-1].text == "| a table |"


def test_bad_screen_and_key_directives_are_reported_with_the_fix(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "%screen 24by80\n%screen 0x80\n%key down nokey\n%key\n$ prog\n%key ${KEYS}\n",
    )
    assert found[0] == (
        "1: %screen takes ROWSxCOLS (from 1x1 to 500x1000, say 24x80), off,"
        " or nothing for 24x80; got '24by80'"
    )
    assert found[1].startswith("2: %screen takes ROWSxCOLS")
    assert found[2].startswith("3: %key: key 'nokey' is not a key name; the names: a single")
    assert found[3] == "4: %key needs a key name (or several), such as enter, down or ctrl-c"
    assert len(found) == 4  # a variable's keys are checked when they are sent


def test_output_lines_under_screen_are_errors_naming_the_screen_rows(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        "%screen\n$ prog\nplain output\n...\n|no space\n| a\n| (?P<n>a) (re)\n| (?P<n>b) (re)\n",
    )
    assert found[0] == (
        "3: under %screen the program's output is its screen: expect it with `| ` lines"
    )
    assert found[1].startswith("4: `...` under %screen: a block of `| ` lines is found at any row")
    assert found[2] == (
        "5: a screen row is `| ` and the row's text (a bar and a space), or `|` alone for an"
        " empty row"
    )
    assert found[3].startswith("6: bad screen block (the 3 `|` lines from here): redefinition")


# -- running ------------------------------------------------------------------------


@needs_whiptail
def test_a_menu_is_driven_by_keys_and_shows_the_choice(tmp_path: Path) -> None:
    path = write(tmp_path, f"{MENU}{ITEMS}%key down down enter\n| c\n[0]\n")
    log = io.StringIO()
    # A screen is a terminal's: the pipe backend asked for is not used for it.
    result = run(path, log=log, backend="pipe")
    assert result.passed, messages(result)
    assert result.actual == result.expected
    shown = log.getvalue().splitlines()
    # The live exchange shows the rows that matched, not the escape sequences that drew them.
    assert shown[1] == shown[1].rstrip() and re.fullmatch(r"\| +\S.*a Apple.*", shown[1])
    assert shown[4:] == ["%key down down enter", "| c", "[0]"]
    assert "\x1b" not in log.getvalue()


@needs_whiptail
def test_a_yes_no_question_answered_no(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%screen 12x50\n$ whiptail --yesno 'Delete everything?' 8 40\n"
        "| *Delete everything?* (glob)\n\n| *<Yes>*<No>* (glob)\n%key tab enter\n[1]\n",
    )
    result = run(path)
    assert result.passed, messages(result)


@needs_whiptail
def test_a_line_is_typed_and_entered(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%screen\n$ whiptail --inputbox 'Your name?' 10 40\n| *Your name?* (glob)\n"
        "> Ada Lovelace\n| Ada Lovelace\n[0]\n",
    )
    result = run(path)
    assert result.passed, messages(result)


@needs_whiptail
def test_regex_rows_capture_for_later_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"{MENU}| .*a Apple.* (re)\n| .*(?P<second>b) Banana.* (re)\n"
        "%key down enter\n| ${second}\n[0]\n%screen off\n$ echo chose ${second}\nchose b\n",
    )
    result = run(path)
    assert result.passed, messages(result)


@needs_whiptail
def test_a_block_that_does_not_show_fails_with_the_screen(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"%timeout 1\n{MENU}| *a Apple* (glob)\n| *b Durian* (glob)\n%key down enter\n| b\n[0]\n",
    )
    result = run(path)
    [failure] = result.failures
    assert (failure.line, failure.step) == (4, "| *a Apple* (glob)")
    first, *snapshot = failure.message.splitlines()
    assert first == ("the screen did not show lines 4-5 (2 rows, one under another) within 1.0 s")
    assert snapshot[0].startswith("screen 24x80, cursor at row ")
    assert any(re.fullmatch(r" +\d+ \|.*b Banana.*", line) for line in snapshot)
    # The command went on after it: its keys were sent and its status checked.
    assert result.complete


@needs_whiptail
def test_a_program_on_a_screen_is_not_sent_eof_and_must_be_quit(tmp_path: Path) -> None:
    path = write(
        tmp_path, "%timeout 1\n%screen\n$ whiptail --msgbox Hello 8 30\n| *Hello* (glob)\n"
    )
    failure, killed = run(path).failures
    assert killed.message == "expected exit status [0], got [SIGKILL]"
    assert failure.message.startswith("the program did not finish: timed out after 1.0 s")
    assert "screen 24x80" in failure.message
    assert failure.message.endswith(
        "hint: a program on a screen is not sent EOF when its lines run out; send the keys"
        " that quit it (%key) or %eof"
    )


@needs_whiptail
def test_update_rewrites_a_failed_block_with_the_screen_and_keeps_the_rest(tmp_path: Path) -> None:
    original = f"%timeout 1\n{MENU}{ITEMS}%key down enter\n# the tag\n| a\n[0]\n"
    path = write(tmp_path, original)
    result = run(path)
    assert [failure.line for failure in result.failures] == [9]
    assert update_file(result)
    # The passing block stays as written; the failed one is the screen as it stood.
    assert path.read_text() == original.replace("| a\n", "| b\n")
    assert run(path).passed


@needs_whiptail
def test_update_writes_the_whole_screen_without_its_blank_rows_above_and_below(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, f"%timeout 1\n{MENU}| *a Durian* (glob)\n%key enter\n| a\n[0]\n")
    update_file(run(path))
    lines = path.read_text().splitlines()
    rows = lines[lines.index(MENU.splitlines()[1]) + 1 : lines.index("%key enter")]
    assert len(rows) == 15  # the dialog's rows: none of the blank ones around it
    assert rows[0] != "|" and rows[-1] != "|"
    assert all(re.fullmatch(r"\| +\S.*\S", row) for row in rows)
    assert run(path).passed


def test_keys_for_a_line_program_on_a_pty_are_not_taken_for_its_output(tmp_path: Path) -> None:
    # Without %screen the terminal echoes what the keys type, as it does a `>` line.
    path = write(tmp_path, "$ cat\n%key h i enter\nhi\n%key ctrl-d\n[0]\n")
    result = run(path)
    assert result.passed, messages(result)


@needs_pyte
def test_rows_that_read_as_markers_are_escaped_when_written(tmp_path: Path) -> None:
    screen = ["$ ls", "...", "x (re)", "${X}", "# heading", "", "\\d"]
    (tmp_path / "draw.py").write_text(f"print({chr(10).join(screen)!r})\n")
    path = write(tmp_path, "%screen 10x40\n$ ${PY} ${SESSION_DIR}/draw.py\n| nothing like it\n")
    result = run(path)
    assert len(result.failures) == 1
    assert "before the program's output ended" in result.failures[0].message
    update_file(result)
    rows = path.read_text().splitlines()[2:]
    assert rows == [
        "| \\$ ls", "| \\...", "| x \\(re\\) (re)", "| (?:)\\$\\{X\\} (re)", "| \\# heading", "|",
        "| \\\\d",
    ]  # fmt: skip
    assert run(path).passed


@needs_pyte
def test_secrets_on_the_screen_stay_hidden(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%secret TOKEN\n%screen 5x40\n$ ${PY} -c 'print(\"token: ${TOKEN}\")'\n| token: wrong\n",
    )
    log = io.StringIO()
    result = run(path, variables={"PY": sys.executable, "TOKEN": "hunter2hunter2"}, log=log)
    assert not result.passed
    shown = messages(result) + result.diff() + result.actual + log.getvalue()
    assert "hunter2" not in shown
    assert "token: ********" in messages(result)
    # In the rewrite the value reads as its variable, so the file still runs.
    assert "\n+| token: ${TOKEN}\n" in result.diff()
    update_file(result)
    assert run(path, variables={"PY": sys.executable, "TOKEN": "hunter2hunter2"}).passed


@needs_pyte
def test_the_shipped_menu_session_passes() -> None:
    path = ROOT / "fixtures" / "sessions" / "menu.session"
    result = run_file(path)
    if shutil.which("whiptail") is None:
        assert result.skipped == "whiptail not found on PATH (%require)"
        return
    assert result.passed, messages(result)
    assert result.actual == result.expected
