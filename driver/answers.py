"""Answers to a prompt that may come more than once: a str every time, a list in order.

What :func:`driver.run`'s ``responses`` and :meth:`driver.Repl.run`'s
``responses`` share: each maps a prompt to its answers, and a prompt asked
more often than its list has answers is an error that says so.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from . import _messages as messages
from ._errors import DriverError
from ._masking import Secret
from ._patterns import show_regex


class Answers:
    """The answers for one prompt: a str every time, a list in order.

    Args:
        prompt: the prompt: a regex (str or bytes) or a compiled pattern, as
            the user gave it; the error shows it as its other messages do.
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
            # A compiled pattern's flags: re's and regex's share the bits looked at.
            source = getattr(self.prompt, "pattern", self.prompt)
            shown = (
                "a secret prompt"
                if isinstance(source, Secret)
                else show_regex(source, int(getattr(self.prompt, "flags", 0)))
            )
            command = " ".join(argv)
            raise DriverError(
                messages.answers_used_up(command, shown, self.used, self.given, output)
            ) from None
