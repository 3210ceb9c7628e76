"""The actual file a session file's run writes (sessionfile/_actual.py), on plain data."""

from __future__ import annotations

from pathlib import Path

from hypothesis import example, given, settings
from hypothesis import strategies as st

from driver import Secrets
from driver.sessionfile import Step, parse, session_text
from driver.sessionfile._actual import ActualFile, output_lines, without_blank_ends
from driver.sessionfile._variables import Variables
from driver.spelling import escape_sent_line, output_line

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


# -- what --update and record write reads back ----------------------------------------

# Text biased towards what a file must spell: line and paragraph separators,
# control characters, markers, pattern suffixes, variables, trailing blanks.
_AWKWARD = "\r\x1b\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x9b\x7f\x00$>%#.\\ \t({[]}*?+)re glob esc"
_TEXT = st.text(st.one_of(st.characters(exclude_characters="\n"), st.sampled_from(_AWKWARD)))


@settings(max_examples=300)
@example([("output", "a\u2028b"), ("sent", "c\x85d"), ("output", "e\u2029")], {})
@example([("output", "pw: hunter2\u2028")], {"PW": "hunter2"})
@given(
    st.lists(st.tuples(st.sampled_from(["output", "sent"]), _TEXT), max_size=8),
    st.dictionaries(st.sampled_from(["PW", "TOKEN"]), _TEXT, max_size=2),
)
def test_what_update_and_record_write_parses_back_to_what_was_there(
    exchange: list[tuple[str, str]], named: dict[str, str]
) -> None:
    """Write then parse is the identity: each output line, spelled as
    ``--update`` and ``record`` spell it (with secrets named or not), is
    one line of the file that matches that output whole, and each sent line
    sends what was sent."""
    secrets = Secrets(value for value in named.values() if value)
    written = [
        output_line(text, secrets, named) if kind == "output" else f"> {escape_sent_line(text)}"
        for kind, text in exchange
    ]
    path = Path("round-trip.session")
    text = session_text(["prog"], "".join(line + "\n" for line in written), 0)
    # Lines that every reader (an editor, str.splitlines) sees as they are.
    assert text.splitlines() == text.split("\n")[:-1]
    file = parse(path, text)
    steps = [step for step in file.steps if step.kind in ("output", "send_line")]
    assert len(steps) == len(exchange)
    variables = Variables(path, named, named)
    for step, (kind, text) in zip(steps, exchange, strict=True):
        if kind == "output":
            assert step.kind == "output"
            assert variables.pattern(step).fullmatch(text.rstrip(" \t")), (step.raw, text)
        else:
            assert (step.kind, variables.expand_step(step)) == ("send_line", text)
