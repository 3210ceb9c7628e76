"""The sans-I/O core, fed plain bytes: no processes here."""

from __future__ import annotations

import re

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

import driver
from driver._core import OutputBuffer, Search
from driver._errors import DecodeError, Timeout
from driver._masking import Secret
from driver._patterns import CACHE_SIZE, Exact, Regex, _compiled, compile_patterns
from helpers import all_lines, chunked


def all_matches(
    chunks: list[bytes], patterns: list[str], exact: bool
) -> list[tuple[int, str, str]]:
    """Expect the pattern list over and over, feeding chunks only when asked."""
    buffer = OutputBuffer("utf-8", "replace")
    entries = compile_patterns(patterns, exact=exact, kind=str)
    found = []
    pending = list(chunks)
    search = Search(buffer, entries)
    while True:
        match = search.step()
        if match is None:
            if not pending:
                break
            buffer.feed(pending.pop(0))
            continue
        found.append((match.index, match.text, match.before))
        search = Search(buffer, entries)
    buffer.feed_eof()
    while (match := Search(buffer, entries).finish(driver.EOF)) is not None:
        found.append((match.index, match.text, match.before))
        break
    return found


text_with_lines = st.lists(
    st.sampled_from(["a", "b", "é", "€", "😀", "\r\n", "\n", "\r", "ab\n", "prompt> ", "x" * 50]),
    max_size=60,
).map("".join)
cut_points = st.lists(st.integers(min_value=0, max_value=10_000), max_size=20)


@settings(max_examples=300, deadline=None)
@given(text=text_with_lines, cuts=cut_points)
def test_lines_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    data = text.encode()
    assert all_lines(chunked(data, cuts)) == all_lines([data])
    assert all_lines(chunked(data, cuts), None) == all_lines([data], None)


@settings(max_examples=300, deadline=None)
@given(text=text_with_lines, cuts=cut_points)
def test_exact_matches_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    data = text.encode()
    patterns = ["prompt> ", "b\né", "😀"]
    assert all_matches(chunked(data, cuts), patterns, True) == all_matches([data], patterns, True)


@settings(max_examples=300, deadline=None)
@given(text=text_with_lines, cuts=cut_points)
def test_regex_matches_do_not_depend_on_chunking(text: str, cuts: list[int]) -> None:
    data = text.encode()
    # Anchored or fixed-length patterns: more output cannot make them longer.
    patterns = [r"pro\w+> ", r"^b+\n", r"[€😀]x"]
    assert all_matches(chunked(data, cuts), patterns, False) == all_matches([data], patterns, False)


def test_crlf_becomes_lf_even_split_between_reads() -> None:
    assert all_lines([b"one\r", b"\ntwo\r\n", b"lone\rcr\n"]) == ["one", "two", "lone\rcr"]


def test_unterminated_last_line_comes_once_at_eof() -> None:
    buffer = OutputBuffer()
    buffer.feed(b"a\npartial")
    assert buffer.read_line() == "a"
    assert buffer.read_line() is None
    buffer.feed_eof()
    assert buffer.read_line() == "partial"
    assert buffer.read_line() is None
    assert buffer.exhausted


def test_earliest_match_wins_and_ties_go_to_lowest_index() -> None:
    buffer = OutputBuffer()
    buffer.feed(b"xx abc def")
    entries = compile_patterns(["def", "abc", "ab", r"a\w+"], exact=False, kind=str)
    match = Search(buffer, entries).step()
    assert match is not None
    assert (match.index, match.text, match.before) == (1, "abc", "xx ")


def test_long_regex_match_is_found_by_the_full_search() -> None:
    # The match is far longer than the resume window: it is still found,
    # at the latest when the final search runs.
    buffer = OutputBuffer()
    search = Search(buffer, compile_patterns([r"START[^!]*END"], exact=False, kind=str), window=16)
    buffer.feed(b"START")
    for _ in range(100):
        buffer.feed(b"y" * 50)
        assert search.step() is None
    buffer.feed(b"END")
    match = search.step() or search.finish(driver.Timeout)
    assert match is not None and match.text.startswith("START") and match.text.endswith("END")


def test_caret_means_the_start_of_unconsumed_output() -> None:
    buffer = OutputBuffer()
    buffer.feed(b"zz>")
    entries = compile_patterns([r"^>"], exact=False, kind=str)
    search = Search(buffer, entries)
    assert search.step() is None
    buffer.take_match(2, 2)
    assert Search(buffer, entries).step() is not None


def test_bad_bytes_stop_decoding_and_keep_the_good_text() -> None:
    buffer = OutputBuffer("utf-8", "strict")
    buffer.feed(b"ok\ncaf\xc3")
    buffer.feed(b"\xa9 \xff rest")
    buffer.feed(b" more")
    assert buffer.read_line() == "ok"
    assert buffer.read_line() == "café "
    with pytest.raises(driver.DecodeError) as caught:
        buffer.raise_if_undecodable()
    assert caught.value.offset == 9
    assert caught.value.raw == b"\xff rest more"
    assert 'errors="replace"' in str(caught.value)


def test_decoding_with_replace_substitutes() -> None:
    assert all_lines([b"a\xffb\n"]) == ["a\ufffdb"]


def test_bytes_buffer_keeps_bytes() -> None:
    buffer = OutputBuffer(None)
    buffer.feed(b"\xff\xfe\r\nx\r\r\n\r")
    assert buffer.read_line() == b"\xff\xfe\r"  # a bytes session changes no byte
    assert buffer.read_line() == b"x\r\r"
    assert buffer.unconsumed() == b"\r"
    buffer.feed(b"x")
    match = Search(buffer, compile_patterns(b"x", exact=True, kind=bytes)).step()
    assert match is not None and (match.before, match.text) == (b"\r", b"x")


def test_newline_empty_keeps_line_ends_in_text() -> None:
    buffer = OutputBuffer("utf-8", newline="")
    buffer.feed(b"a\r\nb\r\r\nc\r")
    assert [buffer.read_line(), buffer.read_line()] == ["a\r", "b\r\r"]
    assert buffer.unconsumed() == "c\r"
    translated = OutputBuffer("utf-8")
    translated.feed(b"a\r\nb\r\r\nc\r")
    assert [translated.read_line(), translated.read_line()] == ["a", "b"]


def test_read_all_gives_the_good_text_then_the_decode_error() -> None:
    buffer = OutputBuffer("utf-8")
    buffer.feed(b"abc\xe2\x82")  # a character cut short by the end of the output
    buffer.feed_eof()
    assert buffer.read_all() == "abc"
    with pytest.raises(DecodeError) as error:
        buffer.read_all()
    assert error.value.offset == 3


def test_a_timeout_entry_leaves_the_output_unread() -> None:
    buffer = OutputBuffer("utf-8")
    buffer.feed(b"Do")
    search = Search(buffer, compile_patterns(["Done", Timeout], exact=True, kind=str))
    assert search.step() is None
    timed_out = search.finish(Timeout)
    assert timed_out is not None and (timed_out.index, timed_out.before) == (1, "Do")
    buffer.feed(b"ne")
    found = Search(buffer, compile_patterns("Done", exact=True, kind=str)).step()
    assert found is not None and found.text == "Done"


def test_patterns_of_the_wrong_kind_say_how_to_fix_it() -> None:
    with pytest.raises(TypeError, match="encoding=None"):
        compile_patterns(b"x", exact=False, kind=str)
    with pytest.raises(TypeError, match="bytes pattern"):
        compile_patterns("x", exact=True, kind=bytes)
    with pytest.raises(ValueError, match="not a valid regex"):
        compile_patterns("(", exact=False, kind=str)
    with pytest.raises(ValueError, match="at least one pattern"):
        compile_patterns([], exact=False, kind=str)


def test_match_groups() -> None:
    buffer = OutputBuffer()
    buffer.feed(b"token: abc123 ok")
    entries = compile_patterns(re.compile(r"token: (?P<t>\w+)"), exact=False, kind=str)
    match = Search(buffer, entries).step()
    assert match is not None
    assert match.group("t") == "abc123" and match.groups() == ("abc123",)
    assert match.re is not None and match.group(0) == "token: abc123"


def test_large_unread_output_is_searched_in_linear_time() -> None:
    # 8 MB in 64 KiB reads with the match at the very end: a quadratic
    # buffer would copy terabytes here; a linear one finishes at once.
    buffer = OutputBuffer()
    entries = compile_patterns([r"MARK\d"], exact=False, kind=str)
    search = Search(buffer, entries)
    chunk = b"x" * 99 + b"\n"
    for _ in range(128):
        buffer.feed(chunk * 655)
        assert search.step() is None
    buffer.feed(b"MARK1")
    match = search.step()
    assert match is not None and len(match.before) == 128 * 655 * 100


def test_a_buffer_that_keeps_a_limit_lets_the_oldest_text_go() -> None:
    # A screen session's buffer: 4 MB unread, 64 KiB kept (twice that at most).
    buffer = OutputBuffer(keep=1 << 16)
    entries = compile_patterns(["MARK"], exact=True, kind=str)
    search = Search(buffer, entries)
    for number in range(40_000):
        buffer.feed(b"line %05d " % number + b"x" * 88 + b"\r\n")
        assert search.step() is None
        assert buffer.end - buffer.consumed <= 2 << 16
    assert buffer.unconsumed().endswith("line 39999 " + "x" * 88 + "\n")
    assert len(buffer.unconsumed()) >= 1 << 16  # the most recent are kept
    buffer.feed(b"MARK")
    match = search.step()
    assert match is not None and match.before.endswith("line 39999 " + "x" * 88 + "\n")
    assert buffer.read_some(10) is None  # everything up to the match is consumed


def test_a_pattern_list_is_compiled_once() -> None:
    spec = [r"\$ $", re.compile(r"(?i)more\?"), driver.EOF]
    first = compile_patterns(spec, exact=False, kind=str)
    assert compile_patterns(list(spec), exact=False, kind=str) is first
    assert compile_patterns(tuple(spec), exact=False, kind=str) is first
    # What differs in what it compiles from, or how, is another entry.
    assert compile_patterns(r"\$ $", exact=True, kind=str) != compile_patterns(
        r"\$ $", exact=False, kind=str
    )
    as_re, as_regex = re.compile("a", re.IGNORECASE), regex.compile("a", regex.IGNORECASE)
    (from_re,) = compile_patterns(as_re, exact=False, kind=str)
    (from_regex,) = compile_patterns(as_regex, exact=False, kind=str)
    assert isinstance(from_re, Regex) and from_re.compiled.flags & regex.IGNORECASE
    assert isinstance(from_regex, Regex) and from_regex.compiled.flags & regex.IGNORECASE
    (without_flags,) = compile_patterns(re.compile("a"), exact=False, kind=str)
    assert isinstance(without_flags, Regex) and not without_flags.compiled.flags & regex.IGNORECASE
    # A pattern kept for a text session is still refused in a bytes one.
    with pytest.raises(TypeError, match="bytes session"):
        compile_patterns(r"\$ $", exact=False, kind=bytes)


def test_a_secret_pattern_is_never_kept() -> None:
    (plain,) = compile_patterns("hunter2", exact=True, kind=str)
    assert isinstance(plain, Exact) and not isinstance(plain.text, Secret)
    # Equal to the plain text, yet what it compiles to knows it is a secret.
    for spec, exact in [
        (Secret("hunter2"), True),
        ([Secret("hunter2"), "x"], True),
        (re.compile(Secret("hunter2")), False),
    ]:
        entries = compile_patterns(spec, exact=exact, kind=str)
        assert entries is not compile_patterns(spec, exact=exact, kind=str)
        entry = entries[0]
        assert isinstance(entry, (Exact, Regex))
        text = entry.text if isinstance(entry, Exact) else entry.compiled.pattern
        assert isinstance(text, Secret)
    assert not any(isinstance(part, Secret) for key in _compiled for part in _flatten(key))


def _flatten(key: object) -> list[object]:
    return [part for item in key for part in _flatten(item)] if isinstance(key, tuple) else [key]


def test_the_compiled_patterns_kept_are_bounded() -> None:
    for n in range(CACHE_SIZE + 10):
        compile_patterns(f"pattern {n}", exact=False, kind=str)
    assert len(_compiled) <= CACHE_SIZE
    # An error is raised each time, masked as its caller says, and nothing is kept.
    for _ in range(2):
        with pytest.raises(ValueError, match=r"pattern '\*\*\*' is not a valid regex"):
            compile_patterns("(", exact=False, kind=str, hide=lambda text: "***")
