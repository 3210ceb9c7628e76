"""The actual file: a session file rewritten from what its programs printed.

It is built line by line as the run goes: the file's own lines as written
where the programs did what they said (variables and patterns stay), and
what they printed instead where they did not. That one text is the
``.err`` file of a failure, the right side of its diff, and what
``--update`` writes (:attr:`FileResult.actual`).

Output lines are spelled only at the end, when every secret of the run is
known: a value captured late is hidden where it showed early too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ._format import Step


@dataclass(frozen=True)
class _Output:
    """A line the program printed."""

    text: str


@dataclass(frozen=True)
class _Screen:
    """A screen's rows, and which of them fill its width: spelled together,
    so that a secret the edge splits is hidden in each row."""

    rows: list[str]
    wrapped: list[bool]


#: How the actual file spells a screen's rows, given which fill its width.
SpellRows = Callable[[list[str], list[bool]], list[str]]


class ActualFile:
    """The actual file of one run, as far as it has gone.

    Args:
        lines: the session file's lines, as written.
    """

    def __init__(self, lines: Sequence[str]) -> None:
        self._file = lines
        self._copied = 0  # the file's lines copied so far
        self._lines: list[str | _Output | _Screen] = []

    def copy_lines_before(self, step: Step | None) -> None:
        """The file's comments and other inert lines up to ``step`` (None: to
        the end), as written; each line once."""
        stop = len(self._file) if step is None else step.line - 1
        self._lines.extend(self._file[self._copied : stop])
        # (A screen block's lines are its own: up to its last.)
        end = stop if step is None else step.rows[-1].line if step.rows else step.line
        self._copied = max(self._copied, end)

    def keep(self, line: str) -> None:
        """A line of the file, as written (it did what it said)."""
        self._lines.append(line)

    def keep_output(self, text: str) -> None:
        """Output the file did not expect, line by line."""
        self._lines.extend(_Output(line) for line in output_lines(text))

    def keep_screen(self, rows: list[str], wrapped: list[bool] | None = None) -> list[str]:
        """A screen as it stands, in the place of a block it did not show;
        ``wrapped``: which rows fill its width (:attr:`driver.Screen.wrapped`).

        Returns:
            The rows kept: the screen's without the blank ones above and
            below (one empty row for a blank screen).
        """
        wrapped = [False] * len(rows) if wrapped is None else wrapped
        shown = [number for number, row in enumerate(rows) if row]
        kept = slice(shown[0], shown[-1] + 1) if shown else slice(0, 0)
        screen = _Screen(rows[kept] or [""], wrapped[kept] or [False])
        self._lines.append(screen)
        return screen.rows

    def text(self, spell: Callable[[str], str], spell_rows: SpellRows | None = None) -> str:
        """The actual file, each output line spelled by ``spell`` (see
        :func:`driver.spelling.output_line`), each screen's rows by
        ``spell_rows`` (:func:`driver.spelling.output_rows`; by default
        each row by ``spell``)."""
        lines: list[str] = []
        for line in self._lines:
            if isinstance(line, str):
                lines.append(line)
            elif isinstance(line, _Output):
                lines.append(spell(line.text))
            elif spell_rows is not None:
                lines.extend(screen_row(row) for row in spell_rows(line.rows, line.wrapped))
            else:
                lines.extend(screen_row(spell(row)) for row in line.rows)
        return "\n".join(lines) + "\n"


def output_lines(text: str) -> list[str]:
    """Output text as lines, without line ends or trailing blanks."""
    lines = [line.rstrip(" \t") for line in text.split("\n")]
    if lines[-1] == "":
        lines.pop()
    return lines


def screen_row(spelled: str) -> str:
    """A screen row's line in a session file, given its spelling as an output line."""
    return f"| {spelled}" if spelled else "|"


def without_blank_ends(rows: list[str]) -> list[str]:
    """A screen's rows without the blank ones above and below what it shows."""
    shown = [number for number, row in enumerate(rows) if row]
    return rows[shown[0] : shown[-1] + 1] if shown else []
