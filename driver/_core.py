"""The sans-I/O heart: bytes in, decoded newline-normalised text out.

An :class:`OutputBuffer` is fed the bytes one output stream produced and
answers ``read_line`` and searches from what it holds: a result, or ``None``
for "need more data". It never touches a file descriptor or a clock, so the
sync and async sessions share every line of text logic, and the tests can
feed it any chunking they like.

Cost is linear in the output: each byte is decoded once; a search looks at
the new text plus a bounded look-back (see :class:`Search`).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from typing import Any, AnyStr, Generic, cast, overload

import regex

from ._errors import EOF, DecodeError, Timeout
from ._escapes import EscapeFilter
from ._patterns import Entry, Exact, Regex, is_sentinel
from ._public import public

# Every class here is generic in AnyStr: str in a text session, bytes in a
# bytes one (encoding=None).

#: How far before the new text a regex search resumes. A match no longer than
#: this is found the moment its last character arrives.
DEFAULT_WINDOW = 4096

# In a text session (newline=None) "\r\n" ends a line, and so does "\r\r\n": a
# pty turns the "\r\n" a child writes into "\r\r\n". A carriage return right
# before a newline shows as nothing. Bytes sessions change no byte.
_LINE_END = re.compile("\r+\n")

# Consumed text is cut off the front of the buffer once it is this large and
# at least half the buffer, so compaction costs O(1) amortised per character.
_COMPACT_AT = 1 << 16
# Unread text up to this size is kept joined as it arrives.
_JOIN_SMALL = 1 << 12


@public
class Match(Generic[AnyStr]):
    """What an expect found.

    Attributes:
        index: position in the pattern list of the entry that matched.
        text: the matched text (empty for a ``driver.EOF``/``driver.TIMEOUT`` entry).
        before: the output between the previous read position and the match.
        re: the match object of a regex entry (the ``regex`` package's, with
            :class:`re.Match`'s methods), else ``None``.
    """

    __slots__ = ("before", "index", "re", "text")
    index: int
    text: AnyStr
    before: AnyStr
    re: regex.Match[AnyStr] | None

    def __init__(
        self, index: int, text: AnyStr, before: AnyStr, match: regex.Match[AnyStr] | None
    ) -> None:
        self.index = index
        self.text = text
        self.before = before
        self.re = match

    def group(self, key: int | str = 0) -> AnyStr | Any:
        """A group of a regex match; group 0 is the whole match for every kind.

        Args:
            key: the group's number or name.

        Returns:
            The group's text (None for a group that did not take part).

        Raises:
            IndexError: no such group, or a group other than 0 of an entry
                that is not a regex.
        """
        if self.re is not None:
            return self.re.group(key)
        if key == 0:
            return self.text
        raise IndexError(f"no group {key!r}: entry {self.index} is not a regex")

    def groups(self) -> tuple[AnyStr | Any, ...]:
        """All groups of a regex match.

        Returns:
            Each group's text in order; ``()`` for an exact or EOF/TIMEOUT entry.
        """
        return self.re.groups() if self.re is not None else ()

    def __repr__(self) -> str:
        return f"<driver.Match index={self.index} text={self.text!r} before={self.before!r}>"


class _Storage(Generic[AnyStr]):
    """Append-only text addressed by absolute offset, with a consumed prefix.

    New text is kept as a list of parts and joined only when consumption
    reaches it, so appending is O(1) however large the unread text grows, and
    reading the recent end (what searches look at) never copies the rest.
    """

    def __init__(self, empty: AnyStr) -> None:
        self._empty: AnyStr = empty
        self._joined: AnyStr = empty
        self._base = 0  # absolute offset of _joined[0]
        self._parts: list[AnyStr] = []
        self._parts_length = 0
        self.consumed = 0  # absolute offset of the first unconsumed character

    @property
    def end(self) -> int:
        return self._base + len(self._joined) + self._parts_length

    def append(self, text: AnyStr) -> None:
        if not text:
            return
        unread = self._base + len(self._joined) - self.consumed
        if not self._parts and unread + len(text) <= _JOIN_SMALL:
            # The usual exchange: a few lines at a time, read as they come.
            # Joining them at once is cheaper than keeping parts.
            self._joined = self._joined[len(self._joined) - unread :] + text
            self._base = self.consumed
            return
        self._parts.append(text)
        self._parts_length += len(text)

    def _join(self) -> None:
        """Fold the parts into the joined text, dropping what was consumed."""
        if self._parts:
            head = self._joined[self.consumed - self._base :]
            self._joined = head + self._empty.join(self._parts)
            self._base = self.consumed
            self._parts.clear()
            self._parts_length = 0

    def slice(self, start: int, stop: int | None = None) -> AnyStr:
        """Text from absolute ``start`` to ``stop`` (default: the end)."""
        stop = self.end if stop is None else stop
        joined_end = self._base + len(self._joined)
        if stop <= joined_end:
            return self._joined[start - self._base : stop - self._base]
        # Gather the parts the range needs, walking back from the end: searches
        # look at recent text, so this touches only the newest parts.
        pieces: list[AnyStr] = []
        part_end = self.end
        for part in reversed(self._parts):
            part_start = part_end - len(part)
            if part_start < stop:
                pieces.append(part[max(start, part_start) - part_start : stop - part_start])
            if part_start <= start:
                break
            part_end = part_start
        else:
            if start < joined_end:
                pieces.append(self._joined[start - self._base :])
        pieces.reverse()
        return self._empty.join(pieces)

    def find(self, needle: AnyStr, start: int) -> int:
        """Absolute offset of ``needle`` (one character) at or after ``start``, or -1."""
        joined_end = self._base + len(self._joined)
        if start < joined_end:
            index = self._joined.find(needle, start - self._base)
            if index >= 0:
                return self._base + index
            start = joined_end
        part_start = joined_end
        for part in self._parts:
            part_end = part_start + len(part)
            if start < part_end:
                index = part.find(needle, max(0, start - part_start))
                if index >= 0:
                    return part_start + index
            part_start = part_end
        return -1

    def take_line(self, newline: AnyStr, start: int) -> AnyStr | None:
        """Consume through the first ``newline`` at or after ``start``; the text before it.

        None if there is none yet.
        """
        if self._parts:
            at = self.find(newline, start)
            return None if at < 0 else self.take(at, skip=1)
        # All unread text is one string: the usual case, kept short.
        joined, base = self._joined, self._base
        index = joined.find(newline, start - base)
        if index < 0:
            return None
        line = joined[self.consumed - base : index]
        self.consumed = base + index + 1
        if index >= _COMPACT_AT and index * 2 >= len(joined):
            self._joined = joined[index + 1 :]
            self._base = self.consumed
        return line

    def take(self, stop: int, skip: int = 0) -> AnyStr:
        """Consume the text from the read position to ``stop`` (and ``skip`` more); return it."""
        if stop + skip > self._base + len(self._joined):
            self._join()
        text = self._joined[self.consumed - self._base : stop - self._base]
        stop += skip
        self.consumed = stop
        dead = stop - self._base
        if dead >= _COMPACT_AT and dead * 2 >= len(self._joined):
            self._joined = self._joined[dead:]
            self._base = stop
        return text


class OutputBuffer(Generic[AnyStr]):
    """One output stream of a child: decoded, ``\\r\\n`` -> ``\\n``, unread text kept.

    An ``OutputBuffer[str]`` with an encoding, an ``OutputBuffer[bytes]``
    with ``encoding=None``.

    Args:
        encoding: codec for the bytes, or ``None`` for a bytes buffer, which
            keeps every byte as it came.
        errors: codec error handler; with ``"strict"`` a bad byte stops
            decoding there, the text before it stays readable, and the next
            read that needs more raises :class:`DecodeError`.
        newline: ``None`` turns ``\\r\\n`` (and ``\\r\\r\\n``) into ``\\n``
            in text; ``""`` keeps line ends as they came (lines still end at
            ``\\n``).
        strip_ansi: remove terminal escape sequences (colours, cursor moves,
            titles, charset switches) before the text enters the buffer, in
            text and bytes buffers alike; see :class:`EscapeFilter`. The
            text :meth:`feed` returns is the text without them.
        keep: keep only the most recent ``keep`` characters not consumed
            (up to twice that between cuts), letting the oldest go; None
            keeps all until consumed. For a screen session's output, which
            the screen has drawn already.
    """

    @overload
    def __init__(
        self: OutputBuffer[str],
        encoding: str = ...,
        errors: str = ...,
        newline: str | None = ...,
        *,
        strip_ansi: bool = ...,
        keep: int | None = ...,
    ) -> None: ...
    @overload
    def __init__(
        self: OutputBuffer[bytes],
        encoding: None,
        errors: str = ...,
        newline: str | None = ...,
        *,
        strip_ansi: bool = ...,
        keep: int | None = ...,
    ) -> None: ...
    @overload
    def __init__(  # the kind chosen at run time, by a session's encoding
        self: OutputBuffer[Any],
        encoding: str | None,
        errors: str = ...,
        newline: str | None = ...,
        *,
        strip_ansi: bool = ...,
        keep: int | None = ...,
    ) -> None: ...
    def __init__(
        self,
        encoding: str | None = "utf-8",
        errors: str = "strict",
        newline: str | None = None,
        *,
        strip_ansi: bool = False,
        keep: int | None = None,
    ) -> None:
        self.encoding = encoding
        self._keep = keep
        empty = cast(AnyStr, "" if encoding is not None else b"")
        self._empty: AnyStr = empty
        self._cr: AnyStr = cast(AnyStr, "\r" if encoding is not None else b"\r")
        self._newline: AnyStr = cast(AnyStr, "\n" if encoding is not None else b"\n")
        self._translate = encoding is not None and newline is None
        self._decoder = (
            codecs.getincrementaldecoder(encoding)(errors) if encoding is not None else None
        )
        self._storage: _Storage[AnyStr] = _Storage(empty)
        self._held_cr: AnyStr = empty  # trailing "\r"s wait to see if "\n" follows
        self._escapes: EscapeFilter[AnyStr] | None = (
            EscapeFilter(type(empty)) if strip_ansi else None
        )
        self._bytes_in = 0
        self.failure: DecodeError | None = None
        self._line_scan = 0  # absolute offset up to which there is no newline
        #: Whether the stream has ended.
        self.eof: bool = False

    # -- feeding --------------------------------------------------------

    def feed(self, data: bytes) -> AnyStr:
        """Add bytes read from the child; returns the text they completed."""
        if self.failure is not None:
            self.failure.raw += data
            return self._empty
        decoder = self._decoder
        text: str | bytes = data  # a bytes buffer keeps them as they came
        if decoder is not None:
            try:
                text = decoder.decode(data)
            except UnicodeDecodeError as exc:
                text = self._decode_failed(exc, data)
        self._bytes_in += len(data)
        return self._store(self._of_kind(text), final=False)

    def feed_eof(self) -> AnyStr:
        """The stream ended; returns any text that was held back."""
        if self.eof:
            return self._empty
        self.eof = True
        if self.failure is not None or self._decoder is None:
            return self._store(self._empty, final=True)
        try:
            text = self._decoder.decode(b"", True)
        except UnicodeDecodeError as exc:  # the output ends inside a character
            text = self._decode_failed(exc, b"")
        return self._store(self._of_kind(text), final=True)

    def _of_kind(self, text: str | bytes) -> AnyStr:
        """``text``, which is of the buffer's kind: str with an encoding, else bytes."""
        return cast(AnyStr, text)

    def _decode_failed(self, exc: UnicodeDecodeError, data: bytes) -> str:
        """Keep the text before the bad byte; record the failure for later reads."""
        decoder = self._decoder
        assert decoder is not None
        # A failed decode leaves the decoder's held bytes as they were, and
        # the error's offsets count from the first of them.
        held = decoder.getstate()[0]
        combined = held + data
        encoding = str(self.encoding)
        self.failure = DecodeError(
            encoding=encoding,
            offset=self._bytes_in - len(held) + exc.start,
            raw=combined[exc.start :],
            reason=exc.reason,
        )
        return combined[: exc.start].decode(encoding)

    def _store(self, text: AnyStr, *, final: bool) -> AnyStr:
        if self._escapes is not None:
            # Before "\r\n" is looked for: "\r\x1b[K\n" ends a line as "\r\n" does.
            text = self._escapes.feed(text)
            if final or self.failure is not None:  # no more text comes
                text += self._escapes.finish()
        if not self._translate:
            self._append(text)
            return text
        if self._held_cr:
            text = self._held_cr + text
            self._held_cr = self._empty
        if not final and self.failure is None and text.endswith(self._cr):
            held = len(text) - len(text.rstrip(self._cr))
            self._held_cr = text[-held:]
            text = text[:-held]
        if self._cr in text:
            text = self._of_kind(_line_ends_as_newline(text))
        self._append(text)
        return text

    def _append(self, text: AnyStr) -> None:
        storage = self._storage
        storage.append(text)
        # Cut only past twice the limit, down to it: each character is let go
        # once, so keeping the limit costs O(1) amortised per character.
        if self._keep is not None and storage.end - storage.consumed > 2 * self._keep:
            storage.take(storage.end - self._keep)

    # -- state ----------------------------------------------------------

    @property
    def consumed(self) -> int:
        return self._storage.consumed

    @property
    def end(self) -> int:
        return self._storage.end

    @property
    def exhausted(self) -> bool:
        """At EOF with nothing left to read."""
        return self.eof and self._storage.consumed == self._storage.end

    def held_escape(self) -> AnyStr:
        """With ``strip_ansi``: what arrived and is held back, not yet
        readable, because it began an escape sequence that has not ended."""
        return self._escapes.held if self._escapes is not None else self._empty

    def unconsumed(self) -> AnyStr:
        """The text read from the child and not yet consumed (not consumed now either)."""
        return self._storage.slice(self._storage.consumed)

    def take_unconsumed(self) -> AnyStr:
        """Consume and return everything read and not yet consumed."""
        return self._storage.take(self._storage.end)

    def replace_unconsumed(self, text: AnyStr) -> None:
        """Drop the unconsumed text and read ``text`` in its place; output
        still to come follows it."""
        storage = self._storage
        storage.take(storage.end)
        storage.append(text)

    def text_from(self, start: int) -> AnyStr:
        return self._storage.slice(start)

    def raise_if_undecodable(self) -> None:
        """Raise the pending DecodeError once the good text before it is used up."""
        if self.failure is not None and self._storage.consumed == self._storage.end:
            raise self.failure

    # -- answers --------------------------------------------------------

    def read_line(self) -> AnyStr | None:
        """The next line without its newline, or ``None`` until one is complete.

        At EOF an unterminated last line is returned once; after that ``None``
        with :attr:`exhausted` true.
        """
        storage = self._storage
        end = storage.end
        ended = self.eof or self.failure is not None
        if self._line_scan == end and not ended:
            return None  # nothing arrived since the last look
        line = storage.take_line(self._newline, max(self._line_scan, storage.consumed))
        if line is not None:
            return line
        self._line_scan = end
        if ended and storage.consumed < end:
            return storage.take(end)
        return None

    def read_all(self) -> AnyStr | None:
        """Everything up to EOF, once EOF has come; ``None`` before.

        Bytes that do not decode end the stream as EOF does: the text before
        them is returned, and the next read raises :class:`DecodeError`.
        """
        if self.failure is not None:
            self.raise_if_undecodable()
        elif not self.eof:
            return None
        return self._storage.take(self._storage.end)

    def read_some(self, limit: int) -> AnyStr | None:
        """Up to ``limit`` characters of what has arrived, or ``None`` until
        some has (after EOF too, with :attr:`exhausted` true)."""
        storage = self._storage
        if storage.consumed == storage.end:
            if self.failure is not None:
                self.raise_if_undecodable()
            return None
        return storage.take(min(storage.end, storage.consumed + limit))

    def take_match(self, start: int, stop: int) -> tuple[AnyStr, AnyStr]:
        """Consume through ``stop``; returns (before, matched)."""
        before = self._storage.take(start)
        return before, self._storage.take(stop)


def _line_ends_as_newline(text: str | bytes) -> str | bytes:
    # Only a text buffer translates line ends: bytes never come here.
    return _LINE_END.sub("\n", text) if isinstance(text, str) else text


class SlowSearch(Exception):
    """One regex search took longer than its ``budget`` (it backtracks
    catastrophically on this output, or the deadline was close)."""


class Search(Generic[AnyStr]):
    """One expect in progress over one buffer.

    :meth:`step` searches what arrived since the last step, resuming a bounded
    window before it; whenever the unconsumed text has doubled since the last
    full search it searches all of it again, so a long match is never missed
    and the total cost stays linear. :meth:`finish` does a last full search
    and then answers a ``driver.EOF``/``driver.TIMEOUT`` entry.
    """

    def __init__(
        self,
        buffer: OutputBuffer[AnyStr],
        entries: Sequence[Entry[AnyStr]],
        window: int = DEFAULT_WINDOW,
        *,
        within: int | None = None,
    ) -> None:
        self._buffer: OutputBuffer[AnyStr] = buffer
        self.entries: list[Entry[AnyStr]] = list(entries)
        # Only a match inside the last ``within`` characters of the unread
        # text counts (pexpect's searchwindowsize); None: anywhere.
        self._within = within
        self._searched_to = -1  # nothing searched yet
        self._full_size = 0
        exact_overlap = [len(e.text) - 1 for e in self.entries if isinstance(e, Exact)]
        has_regex = any(not isinstance(e, Exact) and not is_sentinel(e) for e in self.entries)
        self._lookback = window if has_regex else max(exact_overlap, default=0)
        self._window = window
        #: Seconds one regex search may take (None: no limit); the policy
        #: sets it to what is left of the deadline before each step.
        self.budget: float | None = None
        self._regexes = max(1, sum(1 for e in self.entries if isinstance(e, Regex)))

    def step(self) -> Match[AnyStr] | None:
        buffer = self._buffer
        if buffer.end == self._searched_to:
            return None
        unread = buffer.end - buffer.consumed
        full = self._searched_to < 0 or unread >= 2 * self._full_size
        return self._search(full)

    def finish(self, reason: type[EOF] | type[Timeout] | None) -> Match[AnyStr] | None:
        """Last full search, then the ``reason`` entry if the list has one."""
        found = self._search(full=True)
        if found is not None:
            return found
        return self.entry_for(reason)

    def entry_for(self, reason: type[EOF] | type[Timeout] | None) -> Match[AnyStr] | None:
        """The ``reason`` entry's match, without searching; None if the list has none."""
        for index, entry in enumerate(self.entries):
            if entry is reason:
                buffer = self._buffer
                if reason is Timeout:  # the output stays unread, as for a raised Timeout
                    return Match(index, buffer._empty, buffer.unconsumed(), None)
                before, _ = buffer.take_match(buffer.end, buffer.end)
                return Match(index, buffer._empty, before, None)
        return None

    def _search(self, full: bool) -> Match[AnyStr] | None:
        buffer = self._buffer
        consumed, end = buffer.consumed, buffer.end
        floor = consumed if self._within is None else max(consumed, end - self._within)
        if full:
            start = floor
            self._full_size = max(end - consumed, self._window)
        else:
            start = max(floor, self._searched_to - self._lookback)
        # One character before the searched text keeps ^ and \b honest there.
        context = 1 if start > consumed else 0
        segment = buffer.text_from(start - context)
        base = start - context
        self._searched_to = end
        # Where each entry matched, in the buffer's positions: (start, end, index, match).
        best: tuple[int, int, int, regex.Match[AnyStr] | None] | None = None
        unconsumed: AnyStr | None = None  # read once, for the entries anchored there
        # The regexes of a list share the budget: together they never take longer.
        budget = None if self.budget is None else self.budget / self._regexes
        for index, entry in enumerate(self.entries):
            found: regex.Match[AnyStr] | None
            if isinstance(entry, Exact):
                at = segment.find(entry.text, context)
                if at >= 0 and (best is None or base + at < best[0]):
                    best = (base + at, base + at + len(entry.text), index, None)
                continue
            if is_sentinel(entry):
                continue
            assert isinstance(entry, Regex)
            try:
                if entry.anchored and floor > consumed:
                    continue  # the unconsumed start lies outside the window
                if entry.anchored:
                    # \A: it can match at the unconsumed start only. Tried there
                    # alone; a search would try (and, on repetitive text, slowly
                    # fail) everywhere else.
                    if unconsumed is None:
                        unconsumed = buffer.text_from(consumed)
                    found = entry.compiled.match(unconsumed, timeout=budget)
                    offset = consumed
                else:
                    found = entry.compiled.search(segment, context, timeout=budget)
                    offset = base
            except TimeoutError:
                raise SlowSearch(str(entry)) from None
            if found is not None and (best is None or offset + found.start() < best[0]):
                best = (offset + found.start(), offset + found.end(), index, found)
        if best is None:
            return None
        start_at, stop, index, regex_match = best
        before, text = buffer.take_match(start_at, stop)
        return Match(index, text, before, regex_match)
