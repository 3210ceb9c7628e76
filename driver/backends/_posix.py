"""The POSIX terminal modules, where this Python has them (Windows has none).

Everything imports them from here, so that ``import driver``, the pytest
plugin and the pipe backend load without them; what needs a terminal (the
pty backend) calls :func:`require_terminal` first and says why it cannot.
"""

from __future__ import annotations

import errno
import os

try:
    import fcntl as fcntl
    import termios as termios
    import tty as tty
except ImportError:
    fcntl = termios = tty = None  # type: ignore[assignment]

from .._errors import SpawnError

#: The design for a terminal on Windows, for the message that refuses one.
WINDOWS_DESIGN = "docs/platforms.rst"


def require_terminal(command: str) -> None:
    """SpawnError unless this Python can make a pseudo-terminal."""
    require_fork(command)
    if termios is None:
        raise SpawnError(
            f"cannot start {command} on a pty: this Python has no POSIX terminal support"
            " (termios, fcntl: Windows has neither). Use backend='pipe'; a"
            f" Windows terminal backend (ConPTY) is designed in {WINDOWS_DESIGN}, not built.",
            errno.ENOSYS,
        )


def require_fork(command: str) -> None:
    """SpawnError unless this Python can fork (driver starts every child so)."""
    if not hasattr(os, "fork"):
        raise SpawnError(
            f"cannot start {command}: driver starts programs with fork(), which this Python"
            f" does not have (Windows). A Windows design is in {WINDOWS_DESIGN}, not built.",
            errno.ENOSYS,
        )
