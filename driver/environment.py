"""The quiet environment: what a program is asked to print is plain text.

Programs dress their output for the terminal they think they have: colours,
bracketed-paste escapes around every prompt, a new REPL that redraws the
screen, a pager (``git log``, ``man``) that waits for a key on a terminal. A
driven program gets a dumb terminal and no pager instead, as a script would,
so its output is the same text on every machine, whatever the person's own
TERM, PAGER or git configuration says. Every entry point uses it by default
(``spawn``, ``driver.run``, the REPL profiles, session files, ``driver
record``, the pytest plugin).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

#: A readline setup without bracketed paste, colours or echoed ^C.
INPUTRC = str(Path(__file__).resolve().parent / "inputrc")

#: What the quiet environment sets.
QUIET = {
    "TERM": "dumb",
    "NO_COLOR": "1",
    "INPUTRC": INPUTRC,
    "PYTHON_BASIC_REPL": "1",  # Python 3.13+: the REPL that reads lines, not screens
    "PYTHON_COLORS": "0",
    # No pager: the output comes whole, as it would into a pipe. The
    # program-specific variables go over PAGER (GIT_PAGER over git's
    # core.pager too); "cat" is the value each of these programs takes for none.
    "PAGER": "cat",
    "GIT_PAGER": "cat",
    "MANPAGER": "cat",
    "SYSTEMD_PAGER": "cat",
}


def quiet_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with plain output asked for."""
    return {**(os.environ if env is None else env), **QUIET}
