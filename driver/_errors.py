"""The exceptions driver raises, all rooted at :class:`DriverError`.

The classes alone: they hold the facts of a failure, and their words come
from :mod:`driver._messages`, where every message is written for a person
reading a failed test.
"""

from __future__ import annotations

from collections.abc import Sequence

from ._public import public


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


@public
class ExitStatusUnknown(DriverError):
    """The child has exited, but its exit status can never be known.

    The kernel reaped it and discarded the status (this process ignores
    SIGCHLD), or another part of the program waited for it first. Raised
    where the status is the answer (``returncode``, ``wait``, ``close``),
    never read as 0.
    """


@public
class InputTorn(DriverError):
    """A send was refused: an earlier one was interrupted part-way.

    A send cancelled, interrupted (^C) or timed out after the child took part
    of it leaves the child holding the start of a line. What is sent next
    would be glued to it, so every send is refused until
    :meth:`Session.accept_torn_input` says how to go on (or the session is
    closed).
    """


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
        self.argv: list[str] = list(argv)
        self.pid = pid
        self.returncode = returncode
        self.hint = hint
        self.screen = screen

    def __str__(self) -> str:
        from ._messages import wait_error_text  # here: `import driver` stays cheap

        return wait_error_text(
            self.message, self.output, self.transcript_tail, self.hint, self.screen
        )


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
        from ._messages import decode_error_text  # here: `import driver` stays cheap

        return decode_error_text(self.encoding, self.offset, self.raw, self.reason)


class InputClosed(DriverError):
    """The child's input takes no more (it was closed, or the child is gone).

    Raised by a backend's write; the session layer turns it into an
    :class:`EOF` that shows the child and its output.
    """
