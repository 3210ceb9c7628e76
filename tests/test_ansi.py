"""strip_ansi=True: escape sequences removed, at any chunking, and through sessions."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import driver
import helpers
from driver._core import OutputBuffer, Search
from driver._errors import DecodeError
from driver._escapes import EscapeFilter
from driver._patterns import compile_patterns
from helpers import chunked

# The grammar the filter implements, written out once more as one regex: over
# the whole output (shorter than the filter's string limit) it must agree with
# it. A sequence that is not a string is at most 128 characters long.
ORACLE = re.compile(
    r"\x1b(?:"
    r"\[(?=[0-? -/]{0,125}[@-~])[0-?]*[ -/]*[@-~]"  # CSI
    r"|\][^\x00-\x1f]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|[PX^_][^\x00-\x06\x08-\x1f]*\x1b\\"  # DCS, SOS, PM, APC, ended by ST
    r"|[ -/]{1,126}[0-~]"  # charset designations and other nF escapes
    r"|[0-OQ-WYZ\\`-~]"  # two-character escapes
    r")"
)


def all_lines(
    chunks: list[bytes], encoding: str | None = "utf-8", newline: str | None = None
) -> list[Any]:
    return helpers.all_lines(chunks, encoding, newline, strip_ansi=True)


def expected_lines(text: str) -> list[str]:
    """What a text session must read from ``text``: the oracle, then "\\r\\n" -> "\\n"."""
    plain = re.sub("\r+\n", "\n", ORACLE.sub("", text))
    lines = plain.split("\n")
    return lines[:-1] if lines[-1] == "" else lines


def filtered(
    chunks: list[Any], kind: type[str] | type[bytes], limit: int, short_limit: int = 128
) -> Any:
    escapes = EscapeFilter(kind, limit, short_limit)
    pieces = [escapes.feed(chunk) for chunk in chunks]
    pieces.append(escapes.finish())
    return kind().join(pieces)


def test_coloured_lines_become_plain() -> None:
    grep = b"\x1b[35m\x1b[Kfile.txt\x1b[m\x1b[K:\x1b[01;31m\x1b[Kneedle\x1b[m\x1b[K here\n"
    ls = b"\x1b[0m\x1b[01;34mdir\x1b[0m  \x1b[01;32mrun.sh\x1b[0m\n"
    assert all_lines([grep + ls]) == ["file.txt:needle here", "dir  run.sh"]


def test_without_the_option_escape_sequences_stay() -> None:
    buffer = OutputBuffer()
    buffer.feed(b"\x1b[31mred\x1b[0m\n")
    assert buffer.read_line() == "\x1b[31mred\x1b[0m"


def test_expect_exact_finds_text_that_colour_codes_split() -> None:
    buffer = OutputBuffer(strip_ansi=True)
    search = Search(buffer, compile_patterns("Done", exact=True, kind=str))
    for chunk in [b"all \x1b[1mDo", b"\x1b[", b"0", b"m", b"ne\x1b[0m!"]:
        buffer.feed(chunk)
        match = search.step()
    assert match is not None and (match.before, match.text) == ("all ", "Done")
    assert buffer.unconsumed() == "!"


def test_regex_expect_and_read_some_see_plain_text() -> None:
    buffer = OutputBuffer(strip_ansi=True)
    assert buffer.feed(b"\x1b[2K\r\x1b[32m 42%\x1b[0m") == "\r 42%"
    match = Search(buffer, compile_patterns(r"\d+%", exact=False, kind=str)).step()
    assert match is not None and (match.before, match.text) == ("\r ", "42%")
    buffer.feed(b"\x1b[1mab\x1b[0mc")
    assert buffer.read_some(2) == "ab"
    assert buffer.read_some(10) == "c"


def test_osc_titles_and_hyperlinks_are_removed() -> None:
    data = (
        b"\x1b]0;my title\x07one\n"  # title, ended by BEL
        b"\x1b]2;other\x1b\\two\n"  # title, ended by ST
        b"\x1b]8;;https://example.org/\x1b\\link\x1b]8;;\x1b\\ text\n"  # hyperlink
        b"\x1bPq#0;2;0;0;0\x1b\\three\x1b_app\x07data\x1b\\\n"  # DCS; APC (BEL inside)
    )
    assert all_lines([data]) == ["one", "two", "link text", "three"]


def test_charset_switches_and_two_character_escapes_are_removed() -> None:
    data = b"\x1b(Bplain\x1b)0 \x1b#8\x1b7saved\x1b8\x1b=\x1b>\x1bM\x1bc\x1b\\ end\n"
    assert all_lines([data]) == ["plain saved end"]


def test_an_esc_that_begins_no_sequence_stays_text() -> None:
    assert all_lines([b"a\x1b\nb\x1b\x01c\n"]) == ["a\x1b", "b\x1b\x01c"]
    # A CSI broken by a newline is no CSI; an OSC broken by another escape is
    # no OSC, and that escape is still removed.
    assert all_lines([b"\x1b[1\nx\x1b]ti\x1b[0mtle\n"]) == ["\x1b[1", "x\x1b]title"]
    # Intermediates take no parameter after them, nor a non-final character.
    assert all_lines([b"\x1b[1 2m|\x1b(\n|\x1b( \x1b(B|\n"]) == ["\x1b[1 2m|\x1b(", "|\x1b( |"]


@pytest.mark.parametrize("start", ["]", "P", "X", "^", "_"])
@pytest.mark.parametrize("control", ["\n", "\r", "\t", "\x00", "\x08", "\x1f"])
def test_a_control_character_shows_a_string_escape_was_none(start: str, control: str) -> None:
    # A string holds no control character but BEL: a stray one is text at
    # once, so the prompt on the next line is readable without waiting.
    stray = "\x1b" + start + "0;half a title" + control
    text, plain = stray + "\x1b[1mprompt> ", stray + "prompt> "
    for data, expected in [(text, plain), (text.encode(), plain.encode())]:
        for chunks in (chunked(data, []), chunked(data, [3, len(stray) - 1, len(stray)])):
            escapes = EscapeFilter(type(data))
            assert data[:0].join(map(escapes.feed, chunks)) == expected
            assert not escapes.held  # all of it readable before any more comes
    buffer = OutputBuffer(strip_ansi=True)
    buffer.feed((stray + "prompt> ").encode())
    assert (buffer.unconsumed(), buffer.held_escape()) == (stray + "prompt> ", "")


def test_bel_ends_an_osc_only() -> None:
    data = b"a\x1bP\x07dcs\x1b\\b\x1b_\x07\x1b\\c\x1b]\x07d\n"
    for cut in range(len(data) + 1):
        assert all_lines([data[:cut], data[cut:]]) == ["abcd"]


def test_an_empty_feed_inside_a_sequence_changes_nothing() -> None:
    # "é" read in two halves decodes to "" first: an empty feed between the
    # ESC that might begin ST and the character that shows it does not.
    assert all_lines([b"a\x1bP\x1b", b"\xc3", b"\xa9a\n"]) == ["a\x1bP\x1béa"]
    assert filtered(["\x1b]t\x1b", "", "\n"], str, 4096) == "\x1b]t\x1b\n"
    assert filtered([b"\x1b]t\x1b", b"", b"\n"], bytes, 4096) == b"\x1b]t\x1b\n"


def test_a_lone_esc_at_eof_is_kept() -> None:
    buffer = OutputBuffer(strip_ansi=True)
    buffer.feed(b"end\x1b")
    assert buffer.unconsumed() == "end"  # it might begin a sequence
    assert buffer.read_line() is None
    buffer.feed_eof()
    assert buffer.read_line() == "end\x1b"
    assert buffer.read_line() is None and buffer.exhausted
    # An unfinished sequence is released as text at EOF too.
    assert all_lines([b"x\x1b]0;half a title"]) == ["x\x1b]0;half a title"]


def test_carriage_returns_stay() -> None:
    progress = b"\r\x1b[K 10%\r\x1b[K 20%\r\x1b[K done\x1b[0m\r\n"
    assert all_lines([progress]) == ["\r 10%\r 20%\r done"]
    assert all_lines([progress], newline="") == ["\r 10%\r 20%\r done\r"]
    # A colour reset between "\r" and "\n" still makes them one line end.
    assert all_lines([b"ok\r", b"\x1b[0", b"m\n"]) == ["ok"]


def test_bytes_sessions_are_filtered_too() -> None:
    data = b"\x1b[32mok\x1b[0m\r\n\xc3\x9b\xff\x1b]0;t\x07\n\x1b(0q\x1b(B\n"
    assert all_lines([data], None) == [b"ok\r", b"\xc3\x9b\xff", b"q"]
    buffer = OutputBuffer(None, strip_ansi=True)
    buffer.feed(b"tail\x1b[")
    assert buffer.unconsumed() == b"tail"
    buffer.feed_eof()
    assert buffer.read_all() == b"tail\x1b["


def test_an_unterminated_osc_of_5000_characters_is_released_as_text() -> None:
    stray = b"\x1b]" + b"x" * 4998
    buffer = OutputBuffer(strip_ansi=True)
    for start in range(0, 4000, 100):
        buffer.feed(stray[start : start + 100])
    assert buffer.unconsumed() == ""  # held back while it could still end
    buffer.feed(stray[4000:])
    # Past 4096 characters it is no sequence: all of it is text, before EOF.
    assert buffer.unconsumed() == stray.decode()
    buffer.feed(b"\x07next\x1b[0m\n")
    assert buffer.read_line() == stray.decode() + "\x07next"
    assert all_lines(chunked(stray + b"\n", [7, 4095, 4097])) == [stray.decode()]


def test_a_sequence_may_be_as_long_as_the_limit() -> None:
    for size, kept in [(4096, False), (4097, True)]:
        osc = b"\x1b]" + b"x" * (size - 3) + b"\x07"
        assert all_lines(chunked(osc + b"ok\n", [1, 4094, 4095])) == [
            (osc.decode() if kept else "") + "ok"
        ]
    # A sequence begun by the ESC that broke an OSC counts from that ESC.
    for chunks in (["\x1b]a\x1b[1234m"], ["\x1b]a\x1b", "[1234m"]):
        assert filtered(chunks, str, 4096, 6) == "\x1b]a\x1b[1234m"
        assert filtered(chunks, str, 4096, 7) == "\x1b]a"
    # Any sequence but a string is at most 128 characters long.
    for size, kept in [(128, False), (129, True)]:
        csi = b"\x1b[" + b"1;" * ((size - 3) // 2) + b"1" * ((size - 3) % 2) + b"m"
        assert len(csi) == size
        assert all_lines(chunked(csi + b"ok\n", [1, 100, 127])) == [
            (csi.decode() if kept else "") + "ok"
        ]
    for spaces, kept in [(125, False), (126, True)]:
        nf = b"\x1b" + b" " * spaces + b"(B"
        assert all_lines(chunked(nf + b"ok\n", [1, 120])) == [(nf.decode() if kept else "") + "ok"]


def test_text_before_an_undecodable_byte_keeps_a_held_sequence() -> None:
    buffer = OutputBuffer("utf-8", "strict", strip_ansi=True)
    buffer.feed(b"ok\x1b[3")
    buffer.feed(b"1\xff\x1b[0m")
    assert buffer.read_all() == "ok\x1b[31"  # nothing read is lost
    with pytest.raises(DecodeError):
        buffer.read_all()


def test_a_timeout_entry_gives_the_plain_text() -> None:
    buffer = OutputBuffer(strip_ansi=True)
    buffer.feed(b"\x1b[1mwait\x1b[")
    found = Search(buffer, compile_patterns(["Done", driver.TIMEOUT], exact=True, kind=str))
    timed_out = found.finish(driver.Timeout)
    assert timed_out is not None and timed_out.before == "wait"


pieces = st.sampled_from(
    [
        "a",
        "é",
        "😀",
        " ",
        "\n",
        "\r",
        "\r\n",
        "x" * 20,
        "\x1b",
        "[",
        "]",
        "(",
        "#",
        "31",
        ";",
        "m",
        "\\",
        "!",
        "\x07",
        "\x1b[",
        "\x1b[0m",
        "\x1b[01;31m\x1b[K",
        "\x1b[?25l",
        "\x1b]0;title\x07",
        "\x1b]0;",
        "\x1b]0;a\tb\x07",  # a control character: no OSC, the BEL is text
        "\x1bPa\nb\x1b\\",  # no DCS, the ST alone is removed
        "\t",
        "\x1b]8;;http://x/\x1b\\",
        "\x1b\\",
        "\x1b(B",
        "\x1b)0",
        "\x1bP",
        "\x1b_",
        "\x1b7",
        "\x1b=",
    ]
)
mixed_text = st.lists(pieces, max_size=60).map("".join)
cut_points = st.lists(st.integers(min_value=0, max_value=10_000), max_size=20)


@settings(max_examples=400, deadline=None)
@given(text=mixed_text, cuts=cut_points)
# A read that ends inside "é" gives no text: the filter is fed "" between the
# ESC that may begin ST and what follows it (that ESC came back doubled).
@example(text="aé\x1bP\x1béa\n", cuts=[6, 7])
def test_lines_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    data = text.encode()
    whole = all_lines([data])
    assert whole == expected_lines(text)
    assert all_lines(chunked(data, cuts)) == whole
    assert all_lines(chunked(data, cuts), newline="") == all_lines([data], newline="")
    assert all_lines(chunked(data, cuts), None) == [
        line.encode() for line in all_lines([data], newline="")
    ]


@settings(max_examples=400, deadline=None)
@given(
    text=mixed_text,
    cuts=cut_points,
    limit=st.integers(min_value=1, max_value=12),
    short_limit=st.integers(min_value=2, max_value=12),
)
def test_the_length_limits_do_not_depend_on_chunking(
    text: str, cuts: list[int], limit: int, short_limit: int
) -> None:
    # The limits count characters of the text, or bytes in a bytes session.
    data = text.encode()
    whole = filtered([text], str, limit, short_limit)
    whole_bytes = filtered([data], bytes, limit, short_limit)
    assert filtered(chunked(text, cuts), str, limit, short_limit) == whole
    assert filtered(chunked(data, cuts), bytes, limit, short_limit) == whole_bytes
    if min(limit, short_limit) >= len(data):  # no sequence can reach a limit
        assert whole == ORACLE.sub("", text)
        assert whole_bytes == whole.encode()


# -- through a session: a real program that colours whatever it is connected to --


def test_grep_coloured_always_reads_as_plain_lines_with_strip_ansi(tmp_path: Path) -> None:
    log = tmp_path / "log.txt"
    log.write_text("start\nall ok here\nend\n")
    argv = ["grep", "--color=always", "ok", str(log)]
    with driver.spawn(argv) as coloured:
        assert "\x1b[" in coloured.read_line()  # grep colours on a pipe too
    with driver.spawn(argv, strip_ansi=True) as session:
        assert session.read_line() == "all ok here"
        assert "\x1b" not in session.transcript


def test_strip_ansi_holds_on_a_pty_and_in_the_async_session() -> None:
    code = "import sys; sys.stdout.write('\\x1b]0;title\\x07\\x1b[1mDo\\x1b[0mne\\n')"

    async def scenario() -> str:
        argv = [sys.executable, "-c", code]
        async with await driver.aspawn(argv, backend="pty", strip_ansi=True) as session:
            return await session.read_line()

    assert asyncio.run(scenario()) == "Done"


def test_a_prompt_on_the_line_after_a_stray_string_escape_is_found() -> None:
    # An OSC never ended (a title cut short) used to hide the next 4096
    # characters: the expect for the prompt after it waited out its deadline.
    code = "import sys; sys.stdout.write('\\x1b]0;half a title\\nready> '); input()"
    with driver.spawn([sys.executable, "-c", code], strip_ansi=True) as session:
        found = session.expect_exact("ready> ", timeout=30)
        assert found.before == "\x1b]0;half a title\n"
        session.send_line("")


def test_a_timeout_says_what_a_stray_escape_holds_back() -> None:
    # A stray ESC ] (an OSC never ended) holds back the text after it on its
    # line, up to 4096 characters: the error says so, and shows it.
    code = "import sys; sys.stdout.write('progress 50%\\n\\x1b]0;half a title, step two')"
    with driver.spawn([sys.executable, "-c", code + "; input()"], strip_ansi=True) as session:
        assert session.read_line() == "progress 50%"
        with pytest.raises(driver.Timeout) as caught:
            session.expect_exact("step two", timeout=0.3)
    assert re.search(r"strip_ansi holds back \d+ characters", str(caught.value))
    assert "step two" in caught.value.hint
