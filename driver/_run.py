"""driver.run: run a program to the end, answering its prompts."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ._core import Match
from ._errors import EOF, DriverError, Timeout
from ._policy import CONTINUE
from ._public import public
from .session import spawn


@public
@dataclass(frozen=True)
class RunResult:
    """What :func:`driver.run` returns."""

    #: The command as started.
    argv: list[str]
    #: The exit status, or ``-N`` for signal N.
    returncode: int
    #: Everything the program printed (``\\r\\n`` normalised); bytes as
    #: they came with ``encoding=None``.
    output: Any
    #: The exchange in session-file form, answers as ``> `` lines.
    transcript: str


class Answers:
    """The answers for one prompt: a str every time, a list in order."""

    def __init__(self, prompt: Any, answers: Any) -> None:
        self.prompt = prompt
        every_time = isinstance(answers, (str, bytes))  # bytes in a bytes session
        self.given = [answers] if every_time else list(answers)
        self._next: Iterator[Any] | None = None if every_time else iter(self.given)
        self.used = 0

    def next(self, argv: Sequence[str], output: Any) -> Any:
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


def run(
    argv: str | Sequence[str],
    responses: Mapping[str, str | Sequence[str]] | None = None,
    *,
    timeout: float | None = 30.0,
    backend: str = "pty",
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    **spawn_options: Any,
) -> RunResult:
    """Run ``argv`` to the end, answering each prompt it shows.

    Runs on a pty by default, since programs that ask questions usually ask
    a terminal.

    Args:
        argv: the program and its arguments, as for :func:`driver.spawn`.
        responses: maps a regex to the answer sent (with a newline) each time
            it matches: a str is sent every time, a list is used in order. A
            :class:`driver.Secret` answer shows as ``********``.
        timeout: one deadline in seconds for the whole run; None for none.
        backend: ``"pty"`` (the default here) or ``"pipe"``.
        cwd: as for :func:`driver.spawn`.
        env: as for :func:`driver.spawn`.
        **spawn_options: the other options of :func:`driver.spawn`.

    Returns:
        A :class:`RunResult` once the program has exited.

    Raises:
        driver.Timeout: the run took longer than ``timeout``; it carries all
            the output so far.
        driver.DriverError: a prompt came back more times than its list has
            answers; the message names it and shows the output so far.
        driver.SpawnError: the program cannot start.
    """
    prompts = list(responses or {})
    answers = [Answers(prompt, (responses or {})[prompt]) for prompt in prompts]
    printed: list[Any] = []
    with spawn(
        argv, backend=backend, cwd=cwd, env=env, timeout=timeout, **spawn_options
    ) as session:
        empty = session.before  # "" or b"": nothing is matched yet

        def answer(match: Match[Any]) -> object:
            printed.append(match.before + match.text)
            reply = answers[match.index].next(session.argv, session.mask(empty.join(printed)))
            session.send_line(reply)
            return CONTINUE

        handlers: dict[Any, Any] = dict.fromkeys(prompts, answer)
        handlers[EOF] = None
        try:
            printed.append(session.dispatch(handlers, timeout).before)
        except Timeout as error:
            error.output = session.mask(empty.join(printed)) + error.output
            raise
        returncode = session.wait()
        return RunResult(session.argv, returncode, empty.join(printed), session.transcript)


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
