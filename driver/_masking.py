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

import re
from collections.abc import Iterable, Iterator

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
        self._patterns = None

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


def _escaped(data: bytes) -> str:
    """``data`` as a transcript shows bytes that are not UTF-8: backslash escapes."""
    return data.decode("utf-8", "backslashreplace")


def _any_of(values: set[str], *, whole_word: bool = False) -> re.Pattern[str] | None:
    if not values:
        return None
    # The longest first: one short secret may contain another.
    pattern = "|".join(re.escape(value) for value in sorted(values, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{pattern})(?!\w)" if whole_word else pattern)
