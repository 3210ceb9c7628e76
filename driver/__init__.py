"""driver: drive interactive, line-oriented programs over pipes or a pty."""

from . import repl as repl
from ._child import Deadline as Deadline
from ._core import Match as Match
from ._errors import EOF as EOF
from ._errors import DecodeError as DecodeError
from ._errors import DriverError as DriverError
from ._errors import SessionClosed as SessionClosed
from ._errors import SpawnError as SpawnError
from ._errors import Timeout as Timeout
from ._masking import Secret as Secret
from ._policy import CONTINUE as CONTINUE
from .aio import AsyncReader as AsyncReader
from .aio import AsyncSession as AsyncSession
from .aio import aspawn as aspawn
from .repl import AsyncRepl as AsyncRepl
from .repl import IncompleteCommand as IncompleteCommand
from .repl import OutOfStep as OutOfStep
from .repl import Repl as Repl
from .run import RunResult as RunResult
from .run import run as run
from .session import Reader as Reader
from .session import Session as Session
from .session import spawn as spawn

#: An expect pattern-list entry that matches when the deadline passes.
TIMEOUT = Timeout

__version__ = "0.1.0"


__all__ = [
    "CONTINUE",
    "EOF",
    "TIMEOUT",
    "AsyncReader",
    "AsyncRepl",
    "AsyncSession",
    "Deadline",
    "DecodeError",
    "DriverError",
    "IncompleteCommand",
    "Match",
    "OutOfStep",
    "Reader",
    "Repl",
    "RunResult",
    "Secret",
    "Session",
    "SessionClosed",
    "SpawnError",
    "Timeout",
    "aspawn",
    "repl",
    "run",
    "spawn",
]

# Tracebacks and reprs say driver.Timeout, not driver._errors.Timeout.
for _name in __all__:
    if isinstance(globals()[_name], type):
        globals()[_name].__module__ = __name__
del _name
