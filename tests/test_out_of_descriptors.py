"""Out of file descriptors, a spawn fails with a SpawnError that says so, and leaks nothing.

Each case runs in a subprocess whose descriptor limit is lowered, so this
process is unaffected. There, every spawn is tried with only 0, 1, 2...
descriptors free, so that it fails at each fd it makes in turn (a pipe, the
pty, the exec report pipe, Popen's own) and finally succeeds.
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys

import pytest

from driver import _messages as messages
from helpers import ROOT

SCRIPT = r"""
import asyncio, json, os, resource, signal, sys
import driver

backend, flavour, options = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if "ignore_signals" in options:
    options["ignore_signals"] = (signal.SIGHUP,)  # driver's own fork, not Popen
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))
loop = asyncio.new_event_loop()  # made first: the loop holds fds of its own
driver.spawn, driver.aspawn  # imported first: an import needs fds too


def open_fds():
    return sorted(os.listdir("/proc/self/fd"))


async def aspawn():
    return await driver.aspawn(["cat"], backend=backend, **options)


def spawn():
    if flavour == "sync":
        return driver.spawn(["cat"], backend=backend, **options)
    return loop.run_until_complete(aspawn())


def children_left():
    try:
        return os.waitpid(-1, os.WNOHANG) != (0, 0) or "running"
    except ChildProcessError:
        return False  # none at all


results = []
for free in range(12):
    before = open_fds()
    held = []
    try:
        while True:
            held.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    for fd in held[:free]:
        os.close(fd)
    try:
        session = spawn()
    except Exception as error:
        outcome = {"free": free, "type": type(error).__name__, "message": str(error),
                   "spawn_error": isinstance(error, driver.SpawnError)}
    else:
        outcome = {"free": free, "type": None}
    for fd in held[free:]:
        os.close(fd)
    if outcome["type"] is None:
        if flavour == "sync":
            session.close()
        else:
            loop.run_until_complete(session.close())
    outcome["leaked_fds"] = sorted(set(open_fds()) - set(before))
    outcome["children_left"] = children_left()
    results.append(outcome)
print(json.dumps(results))
"""

CASES = [
    ("pipe", {}),
    ("pipe", {"stderr": "pipe"}),
    ("pipe", {"stderr": "devnull"}),
    ("pipe", {"ignore_signals": True}),
    ("pty", {}),
]


@pytest.mark.parametrize("flavour", ["sync", "async"])
@pytest.mark.parametrize(("backend", "options"), CASES, ids=lambda case: str(case))
def test_out_of_descriptors_is_a_spawn_error_that_says_so_and_leaks_nothing(
    backend: str, options: dict[str, object], flavour: str
) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", SCRIPT, backend, flavour, json.dumps(options)],
        capture_output=True, text=True, timeout=120, cwd=ROOT,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    results = json.loads(ran.stdout)
    failed = [result for result in results if result["type"] is not None]
    assert failed, "no spawn ran out of descriptors"
    assert results[-1]["type"] is None, "no spawn succeeded once enough were free"
    for result in failed:
        assert result["spawn_error"], result
        message = result["message"]
        assert "out of file descriptors (EMFILE" in message, message
        assert "`ulimit -n`, is 64" in message and "session.close()" in message, message
    for result in results:
        assert result["leaked_fds"] == [], result
        assert result["children_left"] is False, result


def test_the_system_out_of_descriptors_is_told_apart() -> None:
    message = messages.out_of_descriptors("cat", errno.ENFILE, 1024)
    assert "the system is out of file descriptors (ENFILE)" in message
    assert "fs.file-max" in message and "session.close()" in message
    unlimited = messages.out_of_descriptors("cat", errno.EMFILE, None)
    assert "`ulimit -n`, is unlimited" in unlimited
