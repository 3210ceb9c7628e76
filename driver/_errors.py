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

_SHOWN_OUTPUT_CHARS = 2000


def describe_child(argv: Sequence[str], pid: int | None, returncode: int | None) -> str:
    """`python3 repl.py` (pid 4711, exited with status 1), for messages."""
    command = command_line(argv)
    if pid is None:
        return f"`{command}`"
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


class DriverError(Exception):
    """Base of every error driver raises."""


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

    def __str__(self) -> str:
        parts = [self.message, _show_output(self.output)]
        text = "\n".join(parts) + _show_transcript(self.transcript_tail)
        if self.hint:
            text += "\n" + self.hint
        return text


class Timeout(_WaitError, TimeoutError):
    """Nothing expected arrived before the deadline. Also a :class:`TimeoutError`.

    As an entry in an expect pattern list (``driver.TIMEOUT``), it is returned
    as a match instead of raised.
    """


class EOF(_WaitError, EOFError):
    """The child closed its output before what was expected arrived.

    Also an :class:`EOFError`. As an entry in an expect pattern list
    (``driver.EOF``), it is returned as a match instead of raised.
    """


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
