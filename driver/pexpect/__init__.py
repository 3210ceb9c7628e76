"""pexpect's API on driver: ``import driver.pexpect as pexpect``.

Scripts written for pexpect 4.9 run unchanged, with driver underneath: no
fixed 50 ms sleep before each send (a wait until the child reads instead) or
after close, a search that stays linear
however long the output, long lines on a pty intact, nothing lost at a
timeout, ``expect(async_=True)`` without threads. See the docs' "Coming
from pexpect" for the few deliberate differences.

A project whose code imports ``pexpect`` tries driver without an edit:
``driver.pexpect.install_as_pexpect()`` (first thing in its ``conftest.py``)
makes that name resolve here.
"""

from __future__ import annotations

from ._alias import install_as_pexpect
from .exceptions import EOF, TIMEOUT, ExceptionPexpect
from .pty_spawn import spawn, spawnu
from .run import run, runu
from .spawnbase import SpawnBase
from .utils import split_command_line, which

#: The pexpect version whose API this follows.
__version__ = "4.9.0"
__revision__ = ""
#: pexpect ran on Python 2 as well; this is always Python 3.
PY3 = True

__all__ = [
    "EOF",
    "TIMEOUT",
    "ExceptionPexpect",
    "SpawnBase",
    "install_as_pexpect",
    "run",
    "runu",
    "spawn",
    "spawnu",
    "split_command_line",
    "which",
]
