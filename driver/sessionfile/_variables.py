"""The variables of a session file's run, and its secrets.

``${NAME}`` takes its value from the environment, ``--var`` and the named
groups of the lines matched so far. The value of a ``%secret`` variable,
wherever it came from, is hidden in everything the run shows: the live log,
the failures, and the actual file, where it reads as its ``${NAME}`` so that
the file still runs.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

import regex

from .. import DriverError, Secrets
from ..spelling import output_line, output_rows
from ._format import VARIABLE, SessionFileError, Step, shortened


class NotCaptured(DriverError):
    """A variable that a line of the file captures is used, but that line
    did not match: the step that uses it fails, and the mismatch before it
    is the error to read (the file itself is fine)."""


class Variables:
    """The values of a run's variables, and which of them are secrets.

    Args:
        path: the session file, for messages.
        values: the values known before the run.
        secret_names: the names its ``%secret`` lines declare, wherever in
            the file: a value given now, captured later or made up at the
            declaration is a secret from the start.
    """

    def __init__(self, path: Path, values: Mapping[str, str], secret_names: Iterable[str]) -> None:
        self.path = path
        self.values = dict(values)
        self.secret_names = set(secret_names)
        #: Every secret value the run came to know.
        self.secrets = Secrets(self.values[name] for name in self.secret_names & self.values.keys())
        # The first line that would have captured each of these, had it matched.
        self._not_captured: dict[str, Step] = {}

    def value(self, name: str, step: Step, *, regex: bool = False) -> str:
        """The value of ``${name}`` in ``step``; ``regex``: escaped for a regex.

        Raises:
            SessionFileError: it is not set, with the ways to set it.
        """
        if name not in self.values and name in self._not_captured:
            missed = self._not_captured[name]
            raise NotCaptured(
                f"${{{name}}} is not set: line {missed.line} (`{shortened(missed.raw, 80)}`),"
                " which captures it, did not match"
            )
        if name not in self.values:
            raise SessionFileError(
                f"{self.path}:{step.line}: ${{{name}}} is not set: define it with"
                f" --var {name}=VALUE, in the environment, or capture it with (?P<{name}>...)"
            )
        return re.escape(self.values[name]) if regex else self.values[name]

    def expand(self, text: str, step: Step, *, regex: bool = False) -> str:
        """``text`` (of ``step``) with its variables replaced."""
        return VARIABLE.sub(lambda found: self.value(found.group(1), step, regex=regex), text)

    def expand_step(self, step: Step, *, regex: bool = False) -> str:
        """The step's text with its variables replaced; an (esc) line's as it
        was read, where an escaped ``\\${`` is no variable."""
        if step.unescaped is None:
            return self.expand(step.text, step, regex=regex)
        return "".join(
            self.value(piece, step, regex=regex) if index % 2 else piece
            for index, piece in enumerate(step.unescaped)
        )

    def pattern(self, step: Step) -> re.Pattern[str] | regex.Pattern[str]:
        """What an output line or a screen row must match, whole.

        A ``(re)`` line's is a ``regex`` pattern, as driver's expect compiles
        one, so that its match can have a deadline. A literal or glob line's
        is an ``re`` one: it has no nested repetition to backtrack through,
        and the regex
        package takes time cubic in a long literal's length to match it the
        first time (a second for 1,000 characters), whatever the timeout.
        """
        if step.match == "re":
            return regex.compile(self.expand_step(step, regex=True))
        text = self.expand_step(step).rstrip(" \t")  # as output lines are compared
        if step.match == "glob":
            parts = ("." if c == "?" else ".*" if c == "*" else re.escape(c) for c in text)
            return re.compile("".join(parts))
        return re.compile(re.escape(text))

    def declare_secret(self, name: str) -> None:
        """A ``%secret``: unset, its value is made up, so a recipe runs as is
        (a fresh password)."""
        self.values.setdefault(name, secrets.token_urlsafe(12))
        self.secrets.add(self.values[name])

    def not_matched(self, step: Step) -> None:
        """``step`` (an output line or a screen block) did not match, or was
        never reached: what it captures is not set by it."""
        for line in step.rows or [step]:
            if line.match == "re":
                names = re.compile(VARIABLE.sub("x", line.text)).groupindex
                for name in names:
                    self._not_captured.setdefault(name, line)

    def remember(self, found: re.Match[str] | regex.Match[str]) -> list[str]:
        """A match's named groups, as variables.

        Returns:
            The values captured for declared secrets (now hidden here too).
        """
        captured = {k: v for k, v in found.groupdict().items() if v is not None}
        self.values.update(captured)
        hidden = [captured[name] for name in self.secret_names & captured.keys()]
        for value in hidden:
            self.secrets.add(value)
        return hidden

    def mask(self, text: str) -> str:
        """``text`` with every secret known so far hidden."""
        return self.secrets.mask(text)

    def mask_rows(self, rows: list[str], wrapped: list[bool]) -> list[str]:
        """A screen's rows with every secret known so far hidden, one the
        screen's edge splits too (:meth:`driver.Secrets.mask_rows`)."""
        return self.secrets.mask_rows(rows, wrapped)

    def output_line(self, line: str) -> str:
        """An output line as the actual file spells it, with every secret the
        run came to know: a named secret's value as its ``${NAME}``, any other
        secret or piece of one as a wildcard."""
        return output_line(line, self.secrets, self._named())

    def output_rows(self, rows: list[str], wrapped: list[bool]) -> list[str]:
        """A screen's rows as the actual file spells them, as :meth:`output_line`
        does, a secret the screen's edge splits hidden in each row."""
        return output_rows(rows, wrapped, self.secrets, self._named())

    def _named(self) -> dict[str, str]:
        return {name: self.values.get(name, "") for name in self.secret_names}
