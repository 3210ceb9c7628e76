"""The runnable examples in scripts/ do what their docstrings say."""

from __future__ import annotations

import re
import sys

import pytest

import driver
from helpers import ROOT


@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_interaction_shows_both_styles(backend: str) -> None:
    argv = [sys.executable, str(ROOT / "scripts" / "interaction.py"), "--backend", backend]
    with driver.spawn(argv) as script:
        output = script.read(timeout=30)
        assert script.wait() == 0
    exchange = "repeater.py: starting\n0\n1\n2\n3\n4\nrepeater.py: exiting\n"
    assert output == f"One line at a time:\n{exchange}\nAll output at once:\n{exchange}"


def test_signal_parent_signals_the_child() -> None:
    argv = [sys.executable, str(ROOT / "scripts" / "signal_parent.py")]
    with driver.spawn(argv) as script:
        output = script.read(timeout=30)
        assert script.wait() == 0
    assert re.fullmatch(
        r"PARENT      : Waiting for the child to be ready\.\.\.\n"
        r"CHILD +\d+: Setting up signal handler\n"
        r"CHILD +\d+: Pausing to wait for signal\n"
        r"PARENT      : Signaling child\n"
        r"CHILD +\d+: Received USR1\n"
        r"PARENT      : child exited with status 0\n",
        output,
    )
