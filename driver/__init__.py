"""driver: drive interactive, line-oriented programs over pipes or a pty.

The public names are imported when first used: ``import driver`` (and so the
pytest plugin, which every pytest run in the environment loads) costs
almost nothing until a session is started. The errors are imported at
once: they are small, and ``except driver.Timeout`` should not load the rest.
Each public class is marked ``@public`` where it is defined (``_public.py``).
"""

from __future__ import annotations

import importlib
import os
import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ._errors import EOF as EOF
from ._errors import DecodeError as DecodeError
from ._errors import DriverError as DriverError
from ._errors import ExitStatusUnknown as ExitStatusUnknown
from ._errors import InputTorn as InputTorn
from ._errors import SessionClosed as SessionClosed
from ._errors import SpawnError as SpawnError
from ._errors import Timeout as Timeout

if TYPE_CHECKING:
    from . import repl as repl
    from ._core import Match as Match
    from ._deadline import Deadline as Deadline
    from ._host import Host as Host
    from ._masking import Secret as Secret
    from ._masking import Secrets as Secrets
    from ._options import SpawnOptions as SpawnOptions
    from ._options import StreamOptions as StreamOptions
    from ._policy import CONTINUE as CONTINUE
    from ._run import RunResult as RunResult
    from ._run import run as run
    from ._screen import Screen as Screen
    from .aio import AsyncReader as AsyncReader
    from .aio import AsyncSession as AsyncSession
    from .aio import aspawn as aspawn
    from .repl import AsyncRepl as AsyncRepl
    from .repl import IncompleteCommand as IncompleteCommand
    from .repl import OutOfStep as OutOfStep
    from .repl import Repl as Repl
    from .session import Reader as Reader
    from .session import Session as Session
    from .session import attach as attach
    from .session import spawn as spawn

__version__ = "0.2.0.dev0"

#: An expect pattern-list entry that matches when the deadline passes.
TIMEOUT = Timeout

# Each public name imported on first use, by the module that defines it.
_LAZY = {
    "CONTINUE": "._policy",
    "AsyncReader": ".aio",
    "AsyncRepl": ".repl",
    "AsyncSession": ".aio",
    "Deadline": "._deadline",
    "Host": "._host",
    "IncompleteCommand": ".repl",
    "Match": "._core",
    "OutOfStep": ".repl",
    "Reader": ".session",
    "Repl": ".repl",
    "RunResult": "._run",
    "Screen": "._screen",
    "Secret": "._masking",
    "Secrets": "._masking",
    "Session": ".session",
    "SpawnOptions": "._options",
    "StreamOptions": "._options",
    "aspawn": ".aio",
    "attach": ".session",
    "run": "._run",
    "spawn": ".session",
}

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
    "ExitStatusUnknown",
    "Host",
    "IncompleteCommand",
    "InputTorn",
    "Match",
    "OutOfStep",
    "Reader",
    "Repl",
    "RunResult",
    "Screen",
    "Secret",
    "Secrets",
    "Session",
    "SessionClosed",
    "SpawnError",
    "SpawnOptions",
    "StreamOptions",
    "Timeout",
    "aspawn",
    "attach",
    "repl",
    "run",
    "spawn",
]


def __getattr__(name: str) -> Any:
    if name != "repl" and name not in _LAZY:
        raise AttributeError(f"module 'driver' has no attribute {name!r}")
    module = _import(_LAZY.get(name, ".repl"), name)
    # Not kept in this module's globals: see _forget_dropped_modules.
    return module if name == "repl" else getattr(module, name)


def _import(relative: str, name: str) -> ModuleType:
    if __name__ + relative not in sys.modules:
        _forget_dropped_modules()
    try:
        return importlib.import_module(relative, __name__)
    except (ImportError, AttributeError) as error:
        if os.name == "posix":
            raise
        raise ImportError(
            f"driver.{name} needs a POSIX system (Linux, macOS, a BSD): it starts programs"
            " with fork() and reads them with poll(). Windows support is designed in"
            " docs/platforms.rst, not built."
        ) from error


def _forget_dropped_modules() -> None:
    """Let go of driver's modules that are no longer in ``sys.modules``.

    A tool that restores ``sys.modules`` (pytest's pytester, after each test)
    drops the modules first imported during a test, but not the attributes
    the import set on their packages. Imported anew, a module would then
    get some of its siblings fresh and some old (``from . import _policy``
    takes the attribute), and a class of one copy is not the class of the
    other (a Secret sent unmasked, a Deadline refused). Forgotten, every
    one of them is imported anew together.
    """
    packages = [
        module
        for name, module in list(sys.modules.items())
        if (name == __name__ or name.startswith(__name__ + ".")) and hasattr(module, "__path__")
    ]
    for package in packages:
        for attribute, value in list(vars(package).items()):
            submodule = f"{package.__name__}.{attribute}"
            stale = sys.modules.get(submodule) is not value
            if isinstance(value, ModuleType) and value.__name__ == submodule and stale:
                delattr(package, attribute)


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
