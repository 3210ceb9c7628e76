"""The actual file a session file's run writes (sessionfile/_actual.py), on plain data."""

from __future__ import annotations

from driver.sessionfile import Step
from driver.sessionfile._actual import ActualFile, output_lines, without_blank_ends

FILE = ["# a comment", "$ prog", "expected", "", "# the end"]


def test_the_files_lines_are_copied_once_around_what_the_run_keeps() -> None:
    actual = ActualFile(FILE)
    actual.copy_lines_before(Step(2, "command", "prog", raw="$ prog"))
    actual.keep("$ prog")
    actual.copy_lines_before(Step(3, "output", "expected", raw="expected"))
    actual.keep_output("got  \nthis\n")  # in place of the expected line
    actual.copy_lines_before(None)
    actual.copy_lines_before(None)  # (once)
    assert actual.text(str.upper) == "# a comment\n$ prog\nGOT\nTHIS\n\n# the end\n"


def test_output_lines_are_spelled_only_when_the_file_is_written() -> None:
    actual = ActualFile([])
    actual.keep_output("token abc")
    spelled: list[str] = []
    assert actual.text(lambda line: spelled.append(line) or "token ${TOKEN}") == "token ${TOKEN}\n"
    assert spelled == ["token abc"]


def test_a_screen_is_kept_without_its_blank_rows_above_and_below() -> None:
    actual = ActualFile([])
    assert actual.keep_screen(["", "menu", "", "  ok", ""]) == ["menu", "", "  ok"]
    assert actual.keep_screen(["", ""]) == [""]
    assert actual.text(lambda row: row) == "| menu\n|\n|   ok\n|\n"


def test_a_screen_blocks_rows_are_its_own_lines() -> None:
    rows = [Step(3, "row", "a", raw="| a"), Step(4, "row", "b", raw="| b")]
    actual = ActualFile(["%screen", "$ prog", "| a", "| b", "# after"])
    actual.copy_lines_before(Step(2, "command", "prog", raw="$ prog"))
    actual.keep("$ prog")
    actual.copy_lines_before(Step(3, "screen", raw="| a\n| b", rows=rows))
    actual.keep("| a\n| b")
    actual.copy_lines_before(None)
    assert actual.text(str) == "%screen\n$ prog\n| a\n| b\n# after\n"


def test_output_is_read_as_lines_without_trailing_blanks() -> None:
    assert output_lines("a \nb\t\n") == ["a", "b"]
    assert output_lines("partial") == ["partial"]
    assert output_lines("") == []
    assert without_blank_ends(["", ""]) == []
