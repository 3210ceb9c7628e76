"""The exceptions driver raises, all rooted at :class:`DriverError`.

Every message is written for a person reading a failed test: it names the
child, says what was waited for and for how long, shows what came instead,
and suggests the next step.
"""

from __future__ import annotations

import os
import shlex
import textwrap
from collections.abc import Sequence
from typing import Any

from ._public import public

_SHOWN_OUTPUT_CHARS = 2000


def describe_child(argv: Sequence[str], pid: int | None, returncode: int | None) -> str:
    """`python3 repl.py` (pid 4711, exited with status 1), for messages; for
    an attached fd (no pid) its name, as given."""
    if pid is None:
        return f"`{' '.join(argv)}`"
    command = command_line(argv)
    if returncode is None:
        state = "running"
    elif returncode < 0:
        state = f"killed by signal {-returncode}"
    else:
        state = f"exited with status {returncode}"
    return f"`{command}` (pid {pid}, {state})"


def command_line(argv: Sequence[Any]) -> str:
    """``argv`` as a shell would read it, for messages; a long argument shortened."""
    return shlex.join(_shortened(os.fspath(argument)) for argument in argv)


def _shortened(argument: str, limit: int = 200) -> str:
    # A message stays readable, and bounded, whatever the command line holds.
    if len(argument) <= limit:
        return argument
    return f"{argument[:limit]}...({len(argument) - limit} more characters)"


#: Words a shell reads as syntax (a pipe, a redirection, a list of commands)
#: and a program almost never takes as an argument of its own.
_SHELL_OPERATORS = frozenset({"|", "|&", "||", "&&", ";", "&", "<", ">", ">>", "2>", "2>&1", "&>"})
#: Programs that do take some of them (``expr 1 \| 0``, ``[ a \< b ]``,
#: ``find . -exec rm {} \;``): no hint for these.
_TAKE_OPERATORS = frozenset({"expr", "test", "[", "find"})
#: How the line of :func:`shell_hint` starts.
_SHELL_HINT = "hint: argv["


def shell_syntax(argv: Sequence[object]) -> list[int]:
    """Where ``argv`` holds a word a shell reads as syntax (``|``, ``&&``, ``>``,
    ``/tmp;``...), as a command line copied from a shell does; empty if nowhere."""
    words = _words(argv)
    if not words or os.path.basename(words[0]) in _TAKE_OPERATORS:
        return []
    last = len(words) - 1
    return [i for i in range(1, len(words)) if _is_shell_syntax(words[i], i == last)]


def shell_hint(argv: Sequence[object]) -> str:
    """A hint when ``argv`` holds shell syntax: no shell runs it, so the program
    gets ``|`` as an argument. Empty if it holds none."""
    found = shell_syntax(argv)
    if not found:
        return ""
    words = _words(argv)
    command = " ".join(_as_shell_word(word, i in found) for i, word in enumerate(words))
    return (
        f"{_SHELL_HINT}{found[0]}] {words[found[0]]!r} reaches the program as an argument:"
        " no shell is involved, so pipes, redirections, && and ; mean nothing here. To run"
        f" a shell command line, spawn {['sh', '-c', command]!r}; for a shell session,"
        " use driver.repl.sh() or driver.repl.bash()."
    )


def without_shell_hint(text: str) -> str:
    """An error's ``text`` without the line of :func:`shell_hint` (always its
    last), for a caller that gives its own advice (a session file's ``%shell``)."""
    head, found, tail = text.rpartition("\n" + _SHELL_HINT)
    return head if found and "\n" not in tail else text


def _words(argv: Sequence[object]) -> list[str]:
    """``argv`` as text; empty if an argument is not text (that error stands alone)."""
    words = []
    for argument in argv:
        word = os.fspath(argument) if isinstance(argument, (str, os.PathLike)) else None
        if not isinstance(word, str):
            return []
        words.append(word)
    return words


def _is_shell_syntax(word: str, last: bool) -> bool:
    if word in _SHELL_OPERATORS:
        return True
    # shlex.split("cd /tmp; ls") gives "/tmp;". A ";" that ends the last word
    # ("python3 -c 'x = 1;'") or a word with spaces ("select 1;") is more
    # likely the program's own text.
    return not last and len(word) > 1 and word.endswith(";") and word.split() == [word]


def _as_shell_word(word: str, syntax: bool) -> str:
    """``word`` as a shell command line should hold it: syntax bare, the rest quoted."""
    if not syntax:
        return shlex.quote(_shortened(word))
    if word in _SHELL_OPERATORS:
        return word
    return shlex.quote(_shortened(word[:-1])) + ";"


def _show_output(output: str | bytes) -> str:
    if not output:
        return "no unconsumed output"
    shown = output[-_SHOWN_OUTPUT_CHARS:]
    cut = len(output) - len(shown)
    prefix = f"last {len(shown)} of " if cut else ""
    return f"unconsumed output ({prefix}{len(output)} chars):\n    {shown!r}"


def _show_transcript(transcript_tail: str) -> str:
    if not transcript_tail:
        return ""
    return "\nlast lines of the transcript:\n" + textwrap.indent(transcript_tail, "    | ")


@public
class DriverError(Exception):
    """Base of every error driver raises."""


@public
class SpawnError(DriverError, OSError):
    """The program could not be started. Also an :class:`OSError`."""

    def __init__(self, message: str, errno: int | None = None) -> None:
        if errno is None:
            super().__init__(message)
        else:
            super().__init__(errno, message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@public
class SessionClosed(DriverError):
    """The session was used after :meth:`Session.close`."""


class _WaitError(DriverError):
    """What Timeout and EOF share: the wait, what came, where it stood."""

    def __init__(
        self,
        message: str,
        *,
        pattern: str = "",
        timeout: float | None = None,
        output: str | bytes = "",
        transcript_tail: str = "",
        argv: Sequence[str] = (),
        pid: int | None = None,
        returncode: int | None = None,
        hint: str = "",
        screen: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.pattern = pattern
        self.timeout = timeout
        self.output = output
        self.transcript_tail = transcript_tail
        self.argv = list(argv)
        self.pid = pid
        self.returncode = returncode
        self.hint = hint
        self.screen = screen

    def __str__(self) -> str:
        if self.screen:
            # What a full-screen program wrote is escape sequences: the
            # screen they drew is what a person can read.
            text = f"{self.message}\n{textwrap.indent(self.screen, '    ')}"
        else:
            parts = [self.message, _show_output(self.output)]
            text = "\n".join(parts) + _show_transcript(self.transcript_tail)
        if self.hint:
            text += "\n" + self.hint
        return text


@public
class Timeout(_WaitError, TimeoutError):
    """Nothing expected arrived before the deadline. Also a :class:`TimeoutError`.

    As an entry in an expect pattern list (``driver.TIMEOUT``), it is returned
    as a match instead of raised.

    Attributes:
        pattern: what was waited for, as the message names it.
        timeout: the seconds waited (None for no limit).
        output: the unconsumed output (all of it; the message shows a
            bounded piece), secrets masked.
        transcript_tail: the last lines of the transcript.
        argv: the command, secrets masked.
        pid: the child's process id.
        returncode: the child's returncode then, None while it ran.
        screen: a snapshot of the screen, for a session that keeps one
            (``screen=True``), else ``""``; the message shows it instead of
            the output and the transcript.
    """


@public
class EOF(_WaitError, EOFError):
    """The child closed its output before what was expected arrived.

    Also an :class:`EOFError`. As an entry in an expect pattern list
    (``driver.EOF``), it is returned as a match instead of raised. It
    carries the attributes of :class:`Timeout`.
    """


@public
class DecodeError(DriverError, UnicodeError):
    """Output that does not decode with the session's encoding.

    The text before the bad bytes was delivered; ``raw`` holds the bytes from
    the first undecodable one on, ``offset`` its position in the output stream.
    """

    def __init__(self, *, encoding: str, offset: int, raw: bytes, reason: str) -> None:
        self.encoding = encoding
        self.offset = offset
        self.raw = raw
        self.reason = reason
        super().__init__(str(self))

    def __str__(self) -> str:
        return (
            f"output byte {self.offset} does not decode as {self.encoding} ({self.reason});"
            f" the bytes from there on are {self.raw[:40]!r}"
            f'{"..." if len(self.raw) > 40 else ""}. Spawn with errors="replace" to'
            f" substitute U+FFFD, or encoding=None for a bytes session."
        )


class InputClosed(DriverError):
    """The child's input takes no more (it was closed, or the child is gone).

    Raised by a backend's write; the session layer turns it into an
    :class:`EOF` that shows the child and its output.
    """
