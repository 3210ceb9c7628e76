"""The one masking layer: every text that leaves driver passes through a Secrets.

A secret is a value that must never be shown: a password sent with
``secret=True`` or as a :class:`Secret`, or one declared with
``session.add_secret``. Wherever driver shows text (the transcript, the
live log, an error's message and attributes, reports and files), each
secret in it reads ``********``.

The rule for short values: a secret of fewer than ``WHOLE_WORD_BELOW``
characters is masked only where it stands as a whole word. Masking every
occurrence of ``"ab"`` would garble unrelated output (every "about", every
"table") and, worse, tell a reader where the secret's letters occur.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

MASK = "********"
#: Secrets shorter than this are masked only as whole words.
WHOLE_WORD_BELOW = 4


class Secret(str):
    """A str to send that must never be shown: ``send_line(driver.Secret(pw))``.

    It behaves as the str it holds; only its ``repr`` hides the value, so a
    traceback or a log of arguments does not show it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"driver.Secret({MASK!r})"


class Secrets:
    """The values to hide, and the masking of str and bytes."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._bytes_pattern: re.Pattern[bytes] | None = None
        for value in values:
            self.add(value)

    def add(self, value: str) -> None:
        if value and value not in self._values:
            self._values.add(value)
            self._pattern = self._bytes_pattern = None

    def __bool__(self) -> bool:
        return bool(self._values)

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __contains__(self, value: object) -> bool:
        return value in self._values

    def mask(self, text: str) -> str:
        """``text`` with every secret in it replaced by the mask."""
        if not self._values or not text:
            return text
        if self._pattern is None:
            self._pattern = re.compile(_alternatives(self._values))
        return self._pattern.sub(MASK, text)

    def mask_bytes(self, data: bytes, encoding: str = "utf-8") -> bytes:
        """``data`` with every secret (as ``encoding`` spells it) replaced by the mask."""
        if not self._values or not data:
            return data
        if self._bytes_pattern is None:
            self._bytes_pattern = re.compile(_alternatives(self._values).encode(encoding))
        return self._bytes_pattern.sub(MASK.encode(), data)

    def hide(self, value: str | bytes) -> str | bytes:
        """``value`` masked, whichever kind it is."""
        return self.mask(value) if isinstance(value, str) else self.mask_bytes(value)


def _alternatives(values: Iterable[str]) -> str:
    # The longest first: one secret may contain another.
    parts = []
    for value in sorted(values, key=len, reverse=True):
        escaped = re.escape(value)
        if len(value) < WHOLE_WORD_BELOW:
            escaped = rf"(?<!\w){escaped}(?!\w)"
        parts.append(escaped)
    return "|".join(parts)
