"""The one rule that turns a call's ``timeout`` into a deadline.

Every call that waits takes ``timeout``: seconds, None for the session's
default, or a :class:`Deadline` shared with other calls. :func:`deadline_for`
is the only place that reads it; everything below the public methods
receives the :class:`Deadline` it returns.
"""

from __future__ import annotations

import math
import time

from ._public import public

#: What a regex search at the deadline may still take, so a match that is
#: there is found even when the deadline has just passed.
MIN_SEARCH_SECONDS = 0.1


def check_timeout(value: object, what: str = "timeout", *, zero_ok: bool = False) -> float | None:
    """``value`` as seconds to wait: a positive number, None or math.inf (no limit).

    A single call may also take 0: look only at what has arrived.
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(
            f"{what}={value!r}: expected a positive number of seconds, or None to wait forever"
        )
    if math.isnan(value) or value < 0 or (value == 0 and not zero_ok):
        least = "0 or more" if zero_ok else "a positive number of"
        raise ValueError(f"{what}={value!r}: expected {least} seconds, or None to wait forever")
    return None if value == math.inf else float(value)


@public
class Deadline:
    """One overall deadline that several calls share.

    Pass it as ``timeout=`` to any call that waits: each waits only for what
    is left of it. ``Deadline(5)`` ends 5 seconds after it is made;
    ``Deadline(None)`` never ends.

    Args:
        seconds: from now until the end: 0 or more, or None (or
            ``math.inf``) for no end.

    Raises:
        ValueError: a negative number or NaN.
        TypeError: not a number.
    """

    __slots__ = ("seconds", "when")

    #: Marks the class for :func:`is_deadline`, which must not rely on
    #: isinstance: a tool that restores ``sys.modules`` (pytester) can leave
    #: two copies of this module alive, each with its own class.
    _driver_deadline = True

    def __init__(self, seconds: float | None) -> None:
        #: The seconds it was made for (None for no end), as messages show them.
        self.seconds: float | None = check_timeout(seconds, "Deadline", zero_ok=True)
        #: The end on the :func:`time.monotonic` clock (``math.inf`` for none).
        self.when: float = math.inf if self.seconds is None else time.monotonic() + self.seconds

    def remaining(self) -> float:
        """Seconds left.

        Returns:
            What is left of it (0 once passed, ``math.inf`` for no end).
        """
        return max(0.0, self.when - time.monotonic())

    def search_budget(self) -> float | None:
        """How long one regex search may take by this deadline, as every
        ``expect`` lets it: what is left, and at least a moment (a match
        that is there is found even when the deadline has just passed).

        Returns:
            Seconds, for the ``timeout`` of a ``regex`` search; None for no end.
        """
        if self.when == math.inf:
            return None
        return max(self.when - time.monotonic(), MIN_SEARCH_SECONDS)

    def __repr__(self) -> str:
        return f"driver.Deadline({self.seconds}, remaining={self.remaining():.3f})"


#: What every call that waits takes as ``timeout``: seconds, None (the
#: session's default), or a :class:`Deadline` shared with other calls.
TimeoutArg = float | Deadline | None


def is_deadline(value: object) -> bool:
    """Whether ``value`` is a :class:`Deadline` (of any copy of this module)."""
    return getattr(value, "_driver_deadline", False) is True


def deadline_for(timeout: TimeoutArg, default: float | None) -> Deadline:
    """The deadline of a call given ``timeout``: a :class:`Deadline` as it is,
    None as ``default`` seconds from now (None: no end), a number as that many.

    Raises:
        TypeError, ValueError: ``timeout`` is none of these.
    """
    if is_deadline(timeout):
        return timeout  # type: ignore[return-value]
    return Deadline(default if timeout is None else check_timeout(timeout, zero_ok=True))
