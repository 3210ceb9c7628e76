"""Helpers the tests share: argv for fixture programs and inline Python."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import driver

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: The `spawn` fixture: driver.spawn on the test's backend, closed at teardown.
Spawn = Callable[..., driver.Session]


def fixture(name: str, *args: str) -> list[str]:
    """argv running fixtures/<name> with this Python."""
    return [sys.executable, str(FIXTURES / name), *args]


def python(code: str, *args: str) -> list[str]:
    """argv running ``code`` with this Python, unbuffered."""
    return [sys.executable, "-u", "-c", code, *args]
