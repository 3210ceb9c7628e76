"""A terminal screen kept from a pty session's output: what a person would see.

A full-screen program (a menu, an editor, a pager, ``top``) draws with
escape sequences: its text is split by colour codes and cursor moves, so
no regex over the output finds what the screen shows. A :class:`Screen` is
fed the raw bytes the child wrote (before decoding and newline translation,
which would move the cursor where the terminal does not) and renders them
as an xterm does. The emulation is pyte's, an optional dependency
(``pip install 'linedriver[screen]'``); this module adds what a test needs
on top: the alternate screen that editors and pagers restore on exit, a
search and a snapshot for a failure message. The bytes each named key sends
and the largest screen kept are in :mod:`driver.terminal`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ._errors import DriverError
from ._masking import Secrets
from ._public import public
from .terminal import check_window_size

#: What a screen session's child is told it runs on (``TERM``): the keys
#: it is sent are the bytes an xterm sends (:func:`driver.terminal.key_bytes`).
TERM = "xterm"

#: pyte keeps a private mode N as N << 5 in Screen.mode.
_PRIVATE = 5
_DECCKM = 1 << _PRIVATE
#: The private modes that switch to the alternate screen and back.
_ALTERNATE_MODES = {47, 1047, 1049}
#: 132-column mode (DECCOLM), which xterm ignores unless told: the terminal
#: stays as wide as the pty says.
_DECCOLM = 3
#: How much of the screen a snapshot (an error message) shows at most.
_SNAPSHOT_ROWS, _SNAPSHOT_COLS = 100, 200
#: The most combining characters a cell keeps: Unicode's stream-safe limit
#: (UAX #15), more than any script needs. pyte renormalises a cell's whole
#: text for each one added, so a pile of them on one cell would cost time
#: quadratic in their number; those past the limit are dropped.
MAX_COMBINING = 30


def _pyte() -> Any:
    try:
        import pyte
    except ImportError:
        raise DriverError(
            "screen=True needs pyte, which emulates the terminal: pip install 'linedriver[screen]'"
        ) from None
    return pyte


@public
class Screen:
    """The terminal a pty session's child draws on, as it stands now.

    Rows and columns count from 0, as the cursor does. Each row is the text
    shown on it, trailing blanks removed; colours and attributes are not kept.
    """

    def __init__(self, rows: int, cols: int) -> None:
        check_window_size(rows, cols, screen=True)
        pyte = _pyte()
        screen_class, stream_class = _emulator(pyte)
        self._screen = screen_class(cols, rows)
        self._stream = stream_class(self._screen)
        #: How many times output was drawn: a match is looked for again only
        #: when it changed.
        self.version: int = 0

    def feed(self, data: bytes) -> None:
        """Draw output the child wrote (any piece of it: a sequence split
        between two pieces is drawn when its end comes)."""
        self._stream.feed(data)
        self.version += 1

    def resize(self, rows: int, cols: int) -> None:
        check_window_size(rows, cols, screen=True)
        self._screen.resize(rows, cols)
        self.version += 1

    @property
    def size(self) -> tuple[int, int]:
        """(rows, cols)."""
        return self._screen.lines, self._screen.columns

    @property
    def lines(self) -> list[str]:
        """Every row as it shows, trailing blanks removed."""
        return [row.rstrip() for row in self._screen.display]

    @property
    def wrapped(self) -> list[bool]:
        """For each row, whether it fills the last column, so that it may go
        on in the next row (a terminal wraps a long line there): how
        :meth:`driver.Secrets.mask_rows` finds a secret split by the edge."""
        last = self._screen.columns - 1
        # A wide character's second cell holds "": it fills the column too.
        return [self._screen.buffer[row][last].data != " " for row in range(self._screen.lines)]

    @property
    def text(self) -> str:
        """The rows joined with ``\\n``: what :meth:`driver.Session.expect_screen` searches."""
        return "\n".join(self.lines)

    @property
    def cursor(self) -> tuple[int, int]:
        """(row, col) of the cursor."""
        return self._screen.cursor.y, self._screen.cursor.x

    @property
    def cursor_keys_application(self) -> bool:
        """Whether the program asked for application cursor keys (DECCKM)."""
        return _DECCKM in self._screen.mode

    def region(self, top: int, left: int, bottom: int, right: int) -> list[str]:
        """The rows ``top`` to ``bottom`` and columns ``left`` to ``right``
        (ends excluded, as in a slice), trailing blanks removed.

        Raises:
            ValueError: the region is empty or outside the screen.
        """
        rows, cols = self.size
        whole = all(type(end) is int for end in (top, left, bottom, right))
        if not (whole and 0 <= top < bottom <= rows and 0 <= left < right <= cols):
            raise ValueError(
                f"region ({top}, {left}, {bottom}, {right}): expected"
                f" 0 <= top < bottom <= {rows} and 0 <= left < right <= {cols}"
                " (rows and columns count from 0; the ends are excluded)"
            )
        return [row[left:right].rstrip() for row in self._screen.display[top:bottom]]

    def search(
        self,
        pattern: Any,
        region: tuple[int, int, int, int] | None = None,
        *,
        timeout: float | None = None,
    ) -> Any:
        """``pattern`` (a compiled ``re`` or ``regex`` pattern) searched in
        :attr:`text`, or in a region's rows joined with ``\\n``.

        ``timeout``: seconds the search may take (a ``regex`` pattern only);
        past them it raises :class:`TimeoutError`.
        """
        text = self.text if region is None else "\n".join(self.region(*region))
        if timeout is None:
            return pattern.search(text)
        return pattern.search(text, timeout=timeout)

    def snapshot(self, secrets: Secrets | None = None) -> str:
        """The screen for a person to read: numbered rows, the cursor marked
        under its row, blank rows at the end left out. Bounded, however
        large the screen: at most 100 rows of 200 characters.

        Args:
            secrets: hidden in the rows, before any is cut, found whole
                where the screen's edge splits one (:meth:`driver.Secrets.mask_rows`).
        """
        lines = self.lines if secrets is None else secrets.mask_rows(self.lines, self.wrapped)
        row, col = self.cursor
        last = max(max((i for i, line in enumerate(lines) if line), default=-1), row)
        rows, cols = self.size
        out = [f"screen {rows}x{cols}, cursor at row {row}, col {col}:"]
        for number, line in enumerate(lines[: min(last + 1, _SNAPSHOT_ROWS)]):
            cut = line[:_SNAPSHOT_COLS] + ("..." if len(line) > _SNAPSHOT_COLS else "")
            out.append(f"{number:>3} |{cut}")
            if number == row and col <= _SNAPSHOT_COLS:
                out.append(f"{' ' * (5 + col)}^ cursor")  # under "NNN |" and col
        if last + 1 > _SNAPSHOT_ROWS:
            out.append(f"    (rows {_SNAPSHOT_ROWS}-{last} not shown)")
        if last + 1 < rows:
            out.append(f"    (rows {last + 1}-{rows - 1} blank)")
        return "\n".join(out)

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        rows, cols = self.size
        return f"<driver.Screen {rows}x{cols} cursor={self.cursor}>"


_EMULATOR: Any = None


def _emulator(pyte: Any) -> tuple[Any, Any]:
    """pyte's Screen with the alternate screen, and its byte stream made
    robust (made once: pyte is imported only here)."""
    global _EMULATOR
    if _EMULATOR is None:
        width = pyte.screens.wcwidth  # how pyte measures a character

        class Stream(pyte.ByteStream):  # type: ignore[misc]
            """A sequence pyte fails on (``CSI ? 4 m``, which vim sends, raises
            in 0.8.2) is skipped: the rest of the output is still drawn."""

            def _send_to_parser(self, data: str) -> bool | None:
                try:
                    result: bool | None = super()._send_to_parser(data)
                except Exception:  # pyte has reset its parser to plain text
                    return True
                return result

        class Emulator(pyte.Screen):  # type: ignore[misc]
            """An xterm's alternate screen, which pyte lacks: a pager or an
            editor draws on it, and on exit the screen before comes back."""

            saved: Any = None  # the main screen, while the alternate one shows

            def set_mode(self, *modes: int, **kwargs: Any) -> None:
                alternate = kwargs.get("private") and _ALTERNATE_MODES.intersection(modes)
                if alternate and self.saved is None:  # (entered twice: still one main screen)
                    self.saved = _copy_rows(self.buffer.items()), self.cursor.x, self.cursor.y
                    self.erase_in_display(2)
                super().set_mode(*_kept(modes, kwargs), **kwargs)

            def reset_mode(self, *modes: int, **kwargs: Any) -> None:
                alternate = kwargs.get("private") and _ALTERNATE_MODES.intersection(modes)
                if alternate and self.saved is not None:
                    rows, x, y = self.saved
                    self.saved = None
                    self.buffer.clear()
                    for number, row in rows:
                        self.buffer[number].update(row)
                    self.cursor.x, self.cursor.y = x, y
                    self.dirty.update(range(self.lines))
                super().reset_mode(*_kept(modes, kwargs), **kwargs)

            def draw(self, data: str) -> None:
                if not (data.isascii() and data.isprintable()):
                    data = "".join(_drawable(data, width, self._marks_before_cursor()))
                super().draw(data)

            def _marks_before_cursor(self) -> int:
                """How many combining characters the cell a mark drawn now
                would join holds (pyte's rule: the cell left of the cursor,
                or the end of the row above at the start of a row)."""
                x, y = self.cursor.x, self.cursor.y
                if x:
                    cell = self.buffer[y][x - 1]
                elif y:
                    cell = self.buffer[y - 1][self.columns - 1]
                else:
                    return 0
                # Counted decomposed: pyte composes a mark with its base where
                # it can ("a" and U+0301 make one character, U+00E1).
                decomposed = unicodedata.normalize("NFD", cell.data)
                return sum(1 for char in decomposed if unicodedata.combining(char))

        _EMULATOR = Emulator, Stream
    return _EMULATOR  # type: ignore[no-any-return]


def _kept(modes: tuple[int, ...], options: dict[str, Any]) -> list[int]:
    """The modes pyte is given: not the ones handled here or ignored, as xterm does."""
    if not options.get("private"):
        return list(modes)
    return [mode for mode in modes if mode not in _ALTERNATE_MODES and mode != _DECCOLM]


def _drawable(data: str, width: Callable[[str], int], marks: int) -> Iterator[str]:
    """The characters of ``data`` pyte is given; ``marks``: how many
    combining characters the cell the first mark would join holds.

    pyte stops drawing at a character of no width that combines with
    nothing (a zero-width joiner, U+FE0F after an emoji, a BOM): the rest
    of the text would be lost. A terminal shows nothing for them, and goes
    on. A combining character past :data:`MAX_COMBINING` on one cell is
    dropped too.
    """
    for char in data:
        cells = width(char)
        if cells > 0:
            marks = 0  # a new cell
            yield char
        elif cells == 0 and unicodedata.combining(char):
            marks += 1
            if marks <= MAX_COMBINING:
                yield char


def _copy_rows(rows: Iterable[tuple[int, dict[int, Any]]]) -> list[tuple[int, dict[int, Any]]]:
    return [(number, dict(row)) for number, row in rows]
