"""Helpers the tests share: argv for fixture programs and inline Python."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import inspect
import itertools
import logging
import os
import signal
import struct
import subprocess
import sys
import termios
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import driver

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

#: The `spawn` fixture: driver.spawn on the test's backend, closed at teardown.
Spawn = Callable[..., driver.Session]


def fixture(name: str, *args: str) -> list[str]:
    """argv running fixtures/<name> with this Python."""
    return [sys.executable, str(FIXTURES / name), *args]


def driver_command(*args: str | Path, **options: Any) -> subprocess.CompletedProcess[str]:
    """The `driver` command, run to its end with no stdin; ``options`` for subprocess.run."""
    return subprocess.run(
        [sys.executable, "-m", "driver", *map(str, args)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, **options,
    )  # fmt: skip


@contextlib.contextmanager
def on_a_fresh_terminal(argv: list[str]) -> Iterator[driver.Session[str]]:
    """``argv`` on a pty nobody sized (0 rows, 0 columns, as ``script``
    gives when its input is not a terminal), its controlling terminal; the
    session drives the pty's master, as a person would type at it."""
    master, slave = os.openpty()
    try:
        assert os.get_terminal_size(slave) == (0, 0)
        # A session leader that opens a terminal makes it its controlling one.
        reopen = 'exec "$@" <>"$0" >&0 2>&0'
        child = subprocess.Popen(
            ["sh", "-c", reopen, os.ttyname(slave), *argv],
            stdin=slave, stdout=slave, stderr=slave, start_new_session=True,
        )  # fmt: skip
    except BaseException:
        os.close(master)
        raise
    finally:
        os.close(slave)  # the child holds it: its exit ends the output
    try:
        with driver.attach(master, name="a terminal nobody sized", timeout=30) as terminal:
            yield terminal
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def python(code: str, *args: str) -> list[str]:
    """argv running ``code`` with this Python, unbuffered."""
    return [sys.executable, "-u", "-c", code, *args]


class Blocking:
    """Drives an async session (or reader) from sync test code.

    Each coroutine method runs to completion on the given loop, so every
    behaviour test written against driver.Session runs against
    driver.AsyncSession unchanged.
    """

    def __init__(self, target: Any, loop: asyncio.AbstractEventLoop) -> None:
        self._target = target
        self._loop = loop

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("_"):
            super().__setattr__(name, value)
        else:
            setattr(self._target, name, value)  # a settable property of the session

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if isinstance(value, driver.AsyncReader):
            return Blocking(value, self._loop)
        if not callable(value):
            return value

        def call(*args: Any, **kwargs: Any) -> Any:
            result = value(*args, **kwargs)
            return self._loop.run_until_complete(result) if inspect.isawaitable(result) else result

        return call

    def __iter__(self) -> Iterator[Any]:
        while True:
            try:
                yield self._loop.run_until_complete(self._target.__anext__())
            except StopAsyncIteration:
                return

    def __enter__(self) -> Blocking:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class SlowCallbacks(logging.Handler):
    """Collects asyncio debug mode's "Executing ... took N seconds" warnings."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("Executing") and " took " in message:
            self.messages.append(message)


def all_lines(
    chunks: list[bytes],
    encoding: str | None = "utf-8",
    newline: str | None = None,
    *,
    strip_ansi: bool = False,
) -> list[Any]:
    """Every line an OutputBuffer gives for output read in ``chunks``, up to its EOF."""
    from driver._core import OutputBuffer

    buffer = OutputBuffer(encoding, "replace", newline, strip_ansi=strip_ansi)
    lines = []
    for chunk in chunks:
        buffer.feed(chunk)
        while (line := buffer.read_line()) is not None:
            lines.append(line)
    buffer.feed_eof()
    while (line := buffer.read_line()) is not None:
        lines.append(line)
    assert buffer.exhausted
    return lines


def chunked(data: Any, cuts: list[int]) -> list[Any]:
    """``data`` cut at ``cuts`` (taken modulo its length), as reads might deliver it."""
    points = sorted({c % (len(data) + 1) for c in cuts})
    edges = [0, *points, len(data)]
    return [data[a:b] for a, b in itertools.pairwise(edges) if b > a]


@contextlib.contextmanager
def on_a_terminal(
    argv: list[str],
) -> Iterator[tuple[subprocess.Popen[bytes], driver.Session[str]]]:
    """``argv`` on a new pty whose slave side this test holds (to read its modes
    once the program is gone), driven from its master side."""
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # not 0x0
    with contextlib.closing(os.fdopen(slave, "rb", buffering=0)) as terminal:
        modes = termios.tcgetattr(slave)
        assert modes[3] & termios.ICANON and modes[3] & termios.ECHO and modes[3] & termios.ISIG
        process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, start_new_session=True
        )
        try:
            with driver.attach(master, name=" ".join(argv), timeout=20) as session:
                yield process, session
                process.wait(timeout=20)
                # While the master is open: closed, the slave only answers EIO.
                assert termios.tcgetattr(terminal.fileno()) == modes  # icanon, echo, isig set
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def write_session(tmp_path: Path, text: str, name: str = "example.session") -> Path:
    """A session file holding ``text``, in ``tmp_path``."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def needs_waits_seen() -> None:
    """Skip where what a process is blocked in cannot be seen (no Linux /proc)."""
    with driver.spawn(["cat"]) as probe:
        if probe.waiting_for_input() is None:
            pytest.skip("this system does not show what a process waits on")
