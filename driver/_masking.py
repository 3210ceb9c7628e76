"""The one masking layer: every text that leaves driver passes through a Secrets.

A secret is a value that must never be shown: a password sent with
``secret=True`` or as a :class:`Secret`, or one declared with
``session.add_secret``. Wherever driver shows text (the transcript, the
live log, an error's message and attributes, reports and files), each
secret in it reads ``********``.

Pieces: output does not always hold a secret whole. An echo is read in
parts, consumed up to its middle, or split by a later send. So any run of
``PIECE`` or more characters taken from a secret is masked too, wherever it
stands. The cost is that a password built of words ("password1") also masks
those words ("Password:" reads "P********:"); a mask too many is the safe
side of this trade. Runs of whitespace alone are not masked: they tell
nothing and are everywhere.

Short secrets: a secret of fewer than ``PIECE`` characters is masked only
where it stands as a whole word. Masking every occurrence of ``"ab"`` would
garble unrelated output (every "about", every "table") and, worse, tell a
reader where the secret's letters occur.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import AnyStr

from ._public import public

MASK = "********"
#: The shortest piece of a secret that is masked wherever it stands;
#: secrets shorter than this are masked only as whole words.
PIECE = 4


@public
class Secret(str):
    """A str to send that must never be shown: ``send_line(driver.Secret(pw))``.

    It behaves as the str it holds; only its ``repr`` hides the value, so a
    traceback or a log of arguments does not show it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"driver.Secret({MASK!r})"


@public
class Secrets:
    """A set of secrets, and the one way driver masks them in str and bytes.

    A session keeps one (:meth:`Session.add_secret`, :meth:`Session.mask`);
    a tool whose secrets outlive its sessions (a session-file run, masking
    the file it writes after the last session ended) keeps its own.

    Args:
        values: the secrets to hide from the start.
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pieces: set[str] = set()  # every PIECE-character run of a long secret
        self._short: set[str] = set()  # the secrets shorter than PIECE
        self._patterns: tuple[re.Pattern[str] | None, re.Pattern[str] | None] | None = None
        self._stubs: set[str] | None = None  # the shorter runs a piece may grow from
        for value in values:
            self.add(value)

    def add(self, value: str | bytes) -> None:
        """Hide ``value`` from now on (bytes: as UTF-8, or escaped as driver shows them)."""
        if isinstance(value, bytes):
            for decoded in {value.decode("utf-8", "surrogateescape"), _escaped(value)}:
                self.add(decoded)
            return
        # A Secret's own repr is masked: its repr variant below must be the value's.
        value = str(value)
        if not value or value in self._values:
            return
        self._values.add(value)
        # As a message may spell it too: regex-escaped (a pattern), or as repr does.
        for variant in {value, re.escape(value), repr(value)[1:-1]}:
            if len(variant) < PIECE:
                self._short.add(variant)
            pieces = (variant[i : i + PIECE] for i in range(len(variant) - PIECE + 1))
            self._pieces.update(piece for piece in pieces if not piece.isspace())
        self._patterns = self._stubs = None

    def __bool__(self) -> bool:
        return bool(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def mask(self, text: str) -> str:
        """``text`` with every secret in it, and every piece of one, replaced by the mask."""
        if not self._values or not text:
            return text
        return "".join(MASK if secret else part for part, secret in self.split(text))

    def split(self, text: str) -> list[tuple[str, bool]]:
        """``text`` in parts, each with whether it is (a piece of) a secret.

        For a writer that shows a secret its own way, such as a session
        file's ``${NAME}``; most callers want :meth:`mask`.
        """
        runs: list[list[int]] = []  # [start, end] of each masked run, merged
        for start, end in sorted(self._spans(text)):
            if runs and start <= runs[-1][1]:
                runs[-1][1] = max(runs[-1][1], end)
            else:
                runs.append([start, end])
        parts: list[tuple[str, bool]] = []
        done = 0  # text[:done] is in parts
        for start, end in runs:
            if start > done:
                parts.append((text[done:start], False))
            parts.append((text[start:end], True))
            done = end
        if done < len(text):
            parts.append((text[done:], False))
        return parts

    def _spans(self, text: str) -> Iterator[tuple[int, int]]:
        """Where ``text`` holds a secret or a piece of one (spans may overlap)."""
        if self._patterns is None:
            self._patterns = (_any_of(self._pieces), _any_of(self._short, whole_word=True))
        pieces, short = self._patterns
        if pieces is not None:
            found = pieces.search(text)
            while found is not None:
                start, end = found.span()
                # Pieces overlap ("hunter2" is "hunt", "unte", "nter", "ter2"):
                # the run goes on while the next piece does.
                while text[end - PIECE + 1 : end + 1] in self._pieces:
                    end += 1
                yield start, end
                found = pieces.search(text, end - PIECE + 2)
        if short is not None:
            for found in short.finditer(text):
                yield found.span()

    def split_rows(
        self, rows: Sequence[str], wrapped: Sequence[bool]
    ) -> list[list[tuple[str, bool]]]:
        """A screen's ``rows`` each in parts, as :meth:`split` gives them, the
        rows taken as the terminal shows them: one after another.

        A row that fills the screen's width (``wrapped[i]``, see
        :attr:`driver.Screen.wrapped`) goes on in the next one, as a terminal
        wraps a long line; a shorter row ends in blanks. So a secret that
        wraps at the right edge is found whole, and each row's part of it
        is hidden, however short.
        """
        if not self._values:
            return [[(row, False)] if row else [] for row in rows]
        separators = ["" if wrap else " " for wrap in wrapped]
        joined = "".join(row + separator for row, separator in zip(rows, separators, strict=True))
        spans: list[tuple[int, int, bool]] = []  # each part's start, end and whether hidden
        for text, hidden in self.split(joined):
            start = spans[-1][1] if spans else 0
            spans.append((start, start + len(text), hidden))
        out: list[list[tuple[str, bool]]] = []
        start, index = 0, 0  # where the row starts in joined; the first part not behind it
        for row, separator in zip(rows, separators, strict=True):
            end = start + len(row)
            parts: list[tuple[str, bool]] = []
            while index < len(spans) and spans[index][0] < end:
                first, last, hidden = spans[index]
                parts.append((joined[max(first, start) : min(last, end)], hidden))
                if last > end:  # it goes on in the next row
                    break
                index += 1
            out.append(parts)
            start = end + len(separator)
            while index < len(spans) and spans[index][1] <= start:
                index += 1
        return out

    def mask_rows(self, rows: Sequence[str], wrapped: Sequence[bool]) -> list[str]:
        """A screen's ``rows`` with every secret hidden, found as :meth:`split_rows` finds it."""
        return [
            "".join(MASK if hidden else text for text, hidden in parts)
            for parts in self.split_rows(rows, wrapped)
        ]

    def mask_bytes(self, data: bytes, encoding: str = "utf-8") -> bytes:
        """``data`` with every secret (as ``encoding`` spells it) replaced by the mask."""
        if not self._values or not data:
            return data
        # surrogateescape carries undecodable bytes through unchanged.
        text = data.decode(encoding, "surrogateescape")
        masked = self.mask(text)
        return data if masked == text else masked.encode(encoding, "surrogateescape")

    def hide(self, value: str | bytes) -> str | bytes:
        """``value`` masked, whichever kind it is."""
        return self.mask(value) if isinstance(value, str) else self.mask_bytes(value)

    def incremental(self, encoding: str = "utf-8") -> IncrementalMasker:
        """A masker for text that is shown as it comes, in pieces (a log fed
        each read): a secret split between two pieces is masked as if it had
        come whole. See :class:`IncrementalMasker`.

        Args:
            encoding: how bytes given to it spell text.
        """
        return IncrementalMasker(self, encoding)

    def _stub_length(self, text: str) -> int:
        """How long the end of ``text`` is that more text could make a piece
        (or a short secret) of: the longest end, shorter than ``PIECE``, that
        is found in one."""
        if self._stubs is None:
            whole = self._pieces | self._short
            self._stubs = {
                value[i : i + n]
                for value in whole
                for n in range(1, PIECE)
                for i in range(len(value))
            }
        for length in range(min(PIECE - 1, len(text)), 0, -1):
            if text[-length:] in self._stubs:
                return length
        return 0


class IncrementalMasker:
    """Masks text that comes in pieces as :meth:`Secrets.mask` masks it whole.

    Masking each piece alone would show the ends of a secret split between
    two pieces (``"hun"``, then ``"ter2"``), each too short to be masked. So
    the end of what came is held back while more could make it part of a
    secret (at most ``PIECE - 1`` characters), and what comes next is masked
    with the characters before it in view. Bytes are decoded incrementally
    too: a character split between two pieces is masked whole.
    """

    def __init__(self, secrets: Secrets, encoding: str = "utf-8") -> None:
        self._secrets = secrets
        self._seen = ""  # the end of what was shown, unmasked: context for what comes
        self._masked_last = False  # whether the last character shown was masked
        self._held = ""  # not shown yet: more could make it part of a secret
        self._encoding = encoding
        # surrogateescape carries undecodable bytes through unchanged.
        self._decoder = codecs.getincrementaldecoder(encoding)("surrogateescape")

    def mask(self, data: AnyStr, final: bool = False) -> AnyStr:
        """What can be shown of ``data`` (str or bytes) now, masked; with
        ``final``, all that is left."""
        if isinstance(data, str):
            return self._masked(data, final)
        if not self._secrets and not self._held and not final:
            return data  # nothing to mask (a secret is never taken back): as it came
        text = self._decoder.decode(data, final)
        return self._masked(text, final).encode(self._encoding, "surrogateescape")

    def _masked(self, text: str, final: bool) -> str:
        if not self._secrets:
            return text
        whole = self._seen + self._held + text
        start = len(self._seen)
        end = len(whole) if final else len(whole) - self._secrets._stub_length(whole)
        shown: list[str] = []
        first = 0  # where the part starts in whole
        for part, hidden in self._secrets.split(whole):
            last = first + len(part)
            if first < end and last > start:
                if not hidden:
                    shown.append(whole[max(first, start) : min(last, end)])
                elif first >= start or not self._masked_last:  # (else: its mask was shown)
                    shown.append(MASK)
                if first < end <= last:
                    self._masked_last = hidden
            first = last
        self._seen, self._held = whole[max(0, end - PIECE + 1) : end], whole[end:]
        return "".join(shown)


def _escaped(data: bytes) -> str:
    """``data`` as a transcript shows bytes that are not UTF-8: backslash escapes."""
    return data.decode("utf-8", "backslashreplace")


def _any_of(values: set[str], *, whole_word: bool = False) -> re.Pattern[str] | None:
    if not values:
        return None
    # The longest first: one short secret may contain another.
    pattern = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)" if whole_word else pattern)
