"""Answers to a prompt that may come more than once: a str every time, a list in order.

What :func:`driver.run`'s ``responses`` and :meth:`driver.Repl.run`'s
``responses`` share: each maps a prompt to its answers, and a prompt asked
more often than its list has answers is an error that says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from ._errors import DriverError


class Answers:
    """The answers for one prompt: a str every time, a list in order.

    Args:
        prompt: the prompt, as the error names it.
        answers: a str (or bytes) given every time, or a list used in order.
    """

    def __init__(self, prompt: Any, answers: Any) -> None:
        self.prompt = prompt
        every_time = isinstance(answers, (str, bytes))  # bytes in a bytes session
        self.given: list[Any] = [answers] if every_time else list(answers)
        self._next: Iterator[Any] | None = None if every_time else iter(self.given)
        self.used: int = 0

    def next(self, argv: Sequence[str], output: Any) -> Any:
        """The answer to the prompt's next coming.

        Args:
            argv: the command, as the error names it.
            output: the output so far, masked, for the error.

        Raises:
            driver.DriverError: the list of answers is used up.
        """
        self.used += 1
        if self._next is None:
            return self.given[0]
        try:
            return next(self._next)
        except StopIteration:
            raise DriverError(
                f"`{' '.join(argv)}` asked {self.prompt!r} a {_ordinal(self.used)} time, but"
                f" responses has {len(self.given)} answer(s) for it: {self.given!r}."
                " Add answers, or give a str to answer every time."
                + (f"\noutput so far:\n{output}" if output else "")
            ) from None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
