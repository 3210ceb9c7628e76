"""pexpect's exceptions: what ``except pexpect.EOF`` and friends catch."""

from __future__ import annotations

import traceback


class ExceptionPexpect(Exception):
    """The base of the errors of :mod:`driver.pexpect`, as pexpect's."""

    def __init__(self, value: object) -> None:
        super().__init__(value)
        self.value = value

    def __str__(self) -> str:
        return str(self.value)

    def get_trace(self) -> str:
        """The traceback of the exception, as pexpect formats it (pexpect's
        own frames left out: here, driver's)."""
        frames = traceback.extract_tb(self.__traceback__)
        kept = [frame for frame in frames if "/driver/" not in frame.filename]
        return "".join(traceback.format_list(kept))


class EOF(ExceptionPexpect):
    """The child closed its output: raised, or an entry of an expect list."""


class TIMEOUT(ExceptionPexpect):
    """Nothing matched in time: raised, or an entry of an expect list."""
