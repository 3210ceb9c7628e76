"""driver where it cannot start programs, and what importing it costs.

pytest loads the plugin in every run in an environment that has driver,
for every project there: on a Python without POSIX terminals (Windows) it
must still load, and it must not slow pytest's start down.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from helpers import ROOT

# Python as on Windows, as far as the terminal goes: none of these exist there.
WITHOUT_TERMINALS = """
import sys
for name in ("termios", "fcntl", "pty", "tty"):
    sys.modules[name] = None
"""


def python(*parts: str) -> subprocess.CompletedProcess[str]:
    code = "\n".join(textwrap.dedent(part) for part in parts)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_without_posix_terminals_driver_imports_and_the_pipe_backend_works() -> None:
    done = python(
        WITHOUT_TERMINALS,
        """
        import driver
        import driver.pytest_plugin
        for name in driver.__all__:
            getattr(driver, name)
        with driver.spawn(["cat"]) as cat:
            cat.send_line("over a pipe")
            assert cat.read_line() == "over a pipe"
        try:
            driver.spawn(["cat"], backend="pty")
        except driver.SpawnError as error:
            print(error)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("cannot start cat on a pty: this Python has no POSIX terminal")
    assert "Use backend='pipe'" in done.stdout


def test_without_posix_terminals_pytest_runs_a_project_with_the_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_mine.py").write_text("def test_mine():\n    assert 1 + 1 == 2\n")
    done = python(
        WITHOUT_TERMINALS,
        f"""
        import pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", {str(tmp_path)!r}]))
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 passed" in done.stdout


def imported_by(code: str, setup: str = "") -> set[str]:
    """The modules that ``code`` imports, after ``setup`` has run."""
    done = python(
        f"""
        import json, sys
        {setup}
        before = set(sys.modules)
        {code}
        print(json.dumps(sorted(set(sys.modules) - before)))
        """
    )
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout))


# What a session needs, and no project that merely has driver installed should pay for.
HEAVY = {"asyncio", "sqlite3", "inspect", "driver.session", "driver.repl", "driver.aio"}


def test_importing_driver_loads_nothing_a_session_needs() -> None:
    loaded = imported_by("import driver")
    assert not loaded & HEAVY, loaded & HEAVY
    assert {"driver", "driver._errors"} <= loaded
    loaded = imported_by("driver.spawn", setup="import driver")
    assert "driver.session" in loaded  # on first use


def test_loading_the_plugin_loads_nothing_a_session_needs() -> None:
    loaded = imported_by("import driver.pytest_plugin", setup="import pytest")
    assert not loaded & HEAVY, loaded & HEAVY


def test_the_public_names_are_the_ones_documented_whichever_module_loads_first() -> None:
    done = python(
        """
        import driver._run, driver.repl._exchange
        import driver
        assert callable(driver.run) and driver.run.__name__ == "run"
        assert repr(driver.Session) == "<class 'driver.Session'>"
        assert driver.OutOfStep.__module__ == "driver"
        assert "spawn" in dir(driver)
        """
    )
    assert done.returncode == 0, done.stderr
