"""Shared helpers: fixture programs, and a `spawn` factory run on both backends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import driver
from helpers import Spawn


@pytest.fixture(params=["pipe", "pty"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def spawn(backend: str) -> Iterator[Spawn]:
    """driver.spawn on the test's backend; every session is closed at teardown."""
    sessions: list[driver.Session] = []

    def start(argv: Any, **options: Any) -> driver.Session:
        options.setdefault("backend", backend)
        session = driver.spawn(argv, **options)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close(grace=0.5)
