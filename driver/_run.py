"""driver.run: run a program to the end, answering its prompts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

from . import CONTINUE, EOF, Match
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
            :class:`driver.Secret` answer shows as ``********``. Each regex is
            searched with ``re.MULTILINE``: ``^`` and ``$`` match at the start
            and end of every line (and ``^`` also where the output after the
            last prompt answered begins). Write text that holds special
            characters as ``re.escape("Continue? [y/N] ")``.
        encoding: as for :func:`driver.spawn`.
        **options: as for :func:`driver.spawn` (:class:`driver.SpawnOptions`),
            but for two defaults: ``backend="pty"``, and ``timeout=30``, one
            deadline in seconds for the whole run (None for none).

    Returns:
        A :class:`RunResult` once the program has exited.

    Raises:
        driver.Timeout: the run took longer than ``timeout``; its output is
            what came after the last prompt answered, and its transcript's last
            lines show the exchange before.
        driver.DriverError: a prompt came back more times than its list has
            answers; the message names it and shows the output so far.
        driver.SpawnError: the program cannot start.
        ValueError: a key of ``responses`` is not a valid regex.
    """
    keys = list(responses or {})
    prompts = [_line_anchored(key) for key in keys]
    answers = [Answers(key, (responses or {})[key]) for key in keys]
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
        printed.append(session.dispatch(handlers).before)
        returncode = session.wait()
        return RunResult(session.argv, returncode, empty.join(printed), session.transcript)


def _line_anchored(key: Any) -> Any:
    """A responses key as it is searched: ``^`` at the start of a line, where a
    person writing ``^Password: `` means it, not only where the search began
    (after the last prompt answered). A compiled pattern keeps its own flags."""
    if not isinstance(key, (str, bytes)):
        return key
    try:
        return regex.compile(key, regex.MULTILINE)
    except regex.error as exc:
        raise ValueError(
            f"responses key {key!r} is not a valid regex ({exc}); to answer its text as"
            f" written, write it as re.escape({key!r})"
        ) from None
