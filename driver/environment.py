"""The quiet environment: what a program is asked to print is plain text.

Programs dress their output for the terminal they think they have: colours,
bracketed-paste escapes around every prompt, a new REPL that redraws the
screen. A driven program gets a dumb terminal instead, so its output is the
same text on every machine, whatever the person's own TERM says. REPL
profiles, session files, ``driver record`` and the pytest plugin all use it.
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
}


def quiet_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with plain output asked for."""
    return {**(os.environ if env is None else env), **QUIET}
