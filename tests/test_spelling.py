"""The session-file spelling (driver.spelling), on plain text: what is written reads back."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driver.spelling import (
    ESC_SUFFIX,
    MARKER_START,
    escape,
    escape_output_line,
    escape_sent_line,
    split_escaped,
    unescape,
)


@given(st.text())
def test_an_escaped_text_unescapes_to_itself(text: str) -> None:
    assert unescape(escape(text)) == text
    assert unescape(escape(text, keep_trailing_blanks=True)) == text


def test_an_escaped_text_is_read_in_pieces_around_its_variables() -> None:
    assert split_escaped(r"a\tb ${NAME}\x1b[0m") == ["a\tb ", "NAME", "\x1b[0m"]
    assert split_escaped(r"\${NAME} is text") == ["${NAME} is text"]
    assert split_escaped("${A}${B}") == ["", "A", "", "B", ""]
    assert unescape(r"${A} and \${A}", lambda name: name.lower()) == "a and ${A}"


def test_an_unknown_escape_is_named_with_the_ones_there_are() -> None:
    with pytest.raises(ValueError, match=r"unknown escape '\\\\q' in an \(esc\) line: use"):
        split_escaped(r"a\qb")


@pytest.mark.parametrize(
    ("line", "spelled"),
    [
        ("plain output", "plain output"),
        ("$ not a command", "\\$ not a command"),
        ("...", "\\..."),
        ("[0]", "\\[0]"),
        ("bell\a", "bell\\a" + ESC_SUFFIX),
        ("> \x1b[1mbold", "\\x3e \\e[1mbold" + ESC_SUFFIX),
        ("costs ${HOME}", "costs \\$\\{HOME\\} (re)"),
        ("ends like (re)", "ends like \\(re\\) (re)"),
    ],
)
def test_an_output_line_is_spelled_so_it_reads_back(line: str, spelled: str) -> None:
    assert escape_output_line(line) == spelled
    if spelled.endswith(" (re)"):
        assert re.fullmatch(spelled.removesuffix(" (re)"), line)
    elif spelled.endswith(ESC_SUFFIX):
        assert unescape(spelled.removesuffix(ESC_SUFFIX)) == line
    else:
        assert spelled.removeprefix("\\") == line
        assert spelled == line or MARKER_START.match(line)


def test_a_sent_line_keeps_its_trailing_blanks_only_when_escaped() -> None:
    assert escape_sent_line("yes") == "yes"
    assert escape_sent_line("yes ") == "yes\\x20" + ESC_SUFFIX
    assert escape_sent_line("${X}") == "\\${X}" + ESC_SUFFIX
