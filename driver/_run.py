"""driver.run: run a program to the end, answering its prompts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import CONTINUE, EOF, Match, Timeout
from ._public import public
from .answers import Answers
from .session import Session, spawn

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from . import SpawnOptions

#: Where driver.run's options differ from spawn's: questions are usually
#: asked of a terminal, and one deadline covers the whole run.
RUN_DEFAULTS: SpawnOptions = {"backend": "pty", "timeout": 30.0}


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


def run(
    argv: str | Sequence[str],
    responses: Mapping[str, str | Sequence[str]] | None = None,
    *,
    encoding: str | None = "utf-8",
    **options: Unpack[SpawnOptions],
) -> RunResult:
    """Run ``argv`` to the end, answering each prompt it shows.

    Runs on a pty by default, since programs that ask questions usually ask
    a terminal.

    Args:
        argv: the program and its arguments, as for :func:`driver.spawn`.
        responses: maps a regex to the answer sent (with a newline) each time
            it matches: a str is sent every time, a list is used in order. A
            :class:`driver.Secret` answer shows as ``********``.
        encoding: as for :func:`driver.spawn`.
        **options: as for :func:`driver.spawn` (:class:`driver.SpawnOptions`),
            but for two defaults: ``backend="pty"``, and ``timeout=30``, one
            deadline in seconds for the whole run (None for none).

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
    options = {**RUN_DEFAULTS, **options}
    started: Session[Any] = spawn(argv, encoding=encoding, **options)
    with started as session:
        empty = session.before  # "" or b"": nothing is matched yet

        def answer(match: Match[Any]) -> object:
            printed.append(match.before + match.text)
            reply = answers[match.index].next(session.argv, session.mask(empty.join(printed)))
            session.send_line(reply)
            return CONTINUE

        handlers: dict[Any, Any] = dict.fromkeys(prompts, answer)
        handlers[EOF] = None
        try:
            printed.append(session.dispatch(handlers).before)
        except Timeout as error:
            # The output the answers consumed belongs with what the error shows.
            output = session.mask(empty.join(printed)) + error.output
            raise error.with_output(output) from None
        returncode = session.wait()
        return RunResult(session.argv, returncode, empty.join(printed), session.transcript)
