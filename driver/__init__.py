"""driver: drive interactive, line-oriented programs over pipes or a pty."""

from ._child import CONTINUE as CONTINUE
from ._core import Match as Match
from ._errors import EOF as EOF
from ._errors import DecodeError as DecodeError
from ._errors import DriverError as DriverError
from ._errors import SessionClosed as SessionClosed
from ._errors import SpawnError as SpawnError
from ._errors import Timeout as Timeout
from .aio import AsyncReader as AsyncReader
from .aio import AsyncSession as AsyncSession
from .aio import aspawn as aspawn
from .session import Reader as Reader
from .session import Session as Session
from .session import spawn as spawn

#: An expect pattern-list entry that matches when the deadline passes.
TIMEOUT = Timeout

__version__ = "0.1.0"

# Tracebacks and reprs say driver.Timeout, not driver._errors.Timeout.
for _name in ("AsyncReader", "AsyncSession", "DecodeError", "DriverError", "EOF", "Match",
              "Reader", "Session", "SessionClosed", "SpawnError", "Timeout"):  # fmt: skip
    globals()[_name].__module__ = __name__
del _name

__all__ = [
    "CONTINUE",
    "EOF",
    "TIMEOUT",
    "AsyncReader",
    "AsyncSession",
    "DecodeError",
    "DriverError",
    "Match",
    "Reader",
    "Session",
    "SessionClosed",
    "SpawnError",
    "Timeout",
    "aspawn",
    "spawn",
]
