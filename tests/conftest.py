"""Shared fixtures: `spawn` runs each behaviour test on both backends, sync and async."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest

import driver
from helpers import Blocking, SlowCallbacks, Spawn

# A callback or task step this long blocks every other session on the loop.
SLOW_CALLBACK_SECONDS = 0.5


@pytest.fixture(params=["pipe", "pty"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def event_loop_checked(request: pytest.FixtureRequest) -> Iterator[asyncio.AbstractEventLoop]:
    """A debug-mode event loop; the test fails if any callback blocked it.

    ``@pytest.mark.slow_callback(seconds)`` raises the bar for a test that
    loads the machine itself (hundreds of interpreters starting at once
    starve this process of CPU, so any step can be descheduled that long).
    """
    marker = request.node.get_closest_marker("slow_callback")
    loop = asyncio.new_event_loop()
    loop.set_debug(True)
    loop.slow_callback_duration = marker.args[0] if marker else SLOW_CALLBACK_SECONDS
    slow = SlowCallbacks()
    logger = logging.getLogger("asyncio")
    logger.addHandler(slow)
    try:
        yield loop
    finally:
        logger.removeHandler(slow)
        loop.close()
    assert slow.messages == [], "the event loop was blocked"


@pytest.fixture(params=["sync", "async"])
def flavour(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def spawn(backend: str, flavour: str, request: pytest.FixtureRequest) -> Iterator[Spawn]:
    """driver.spawn (or aspawn) on the test's backend; all closed at teardown."""
    sessions: list[Any] = []
    loop = request.getfixturevalue("event_loop_checked") if flavour == "async" else None

    def start(argv: Any, **options: Any) -> Any:
        options.setdefault("backend", backend)
        if loop is None:
            session: Any = driver.spawn(argv, **options)
        else:
            session = Blocking(loop.run_until_complete(driver.aspawn(argv, **options)), loop)
        sessions.append(session)
        return session

    yield start
    for session in sessions:
        session.close(grace=0.5)


@pytest.fixture(scope="session")
def sshd() -> Iterator[Any]:
    """An OpenSSH server on a loopback port for this test run (see tests/sshd.py)."""
    from sshd import server

    with server() as running:
        yield running
