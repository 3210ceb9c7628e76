"""An exit status that cannot be known is never read as success.

With SIGCHLD ignored (set here, or inherited across exec from whoever
started Python) the kernel reaps every child at its exit and discards its
status. Each test runs in a fresh Python that ignores SIGCHLD, so that this
process's own children are unaffected.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATIENCE = 60


def ignoring_sigchld(
    code: str, *argv: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a Python that ignores SIGCHLD (as if its parent had)."""
    prelude = "import signal\nsignal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *argv],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
        cwd=cwd,
    )


@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_wait_close_and_returncode_say_the_status_is_unknown(backend: str) -> None:
    result = ignoring_sigchld(
        """
        import sys, driver
        session = driver.spawn(["sh", "-c", "exit 3"], backend=sys.argv[1])
        for ask in (session.wait, lambda: session.returncode, session.close, session.abort):
            try:
                print("status", ask())
            except driver.ExitStatusUnknown as error:
                print("unknown:", error)
        print("closed", session.closed)
        with driver.spawn(["sh", "-c", "exit 3"], backend=sys.argv[1]) as quiet:
            pass  # a with block that never asks for the status ends quietly
        print("repr", repr(quiet))
        """,
        backend,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [line.split(":")[0] for line in lines[:4]] == ["unknown"] * 4, result.stdout
    assert "ignores SIGCHLD" in lines[0]
    assert "signal.signal(signal.SIGCHLD, signal.SIG_DFL)" in lines[0]
    assert "exited, status unknown" in lines[0]
    assert lines[4] == "closed True"
    assert "status unknown" in lines[5]


def test_a_child_killed_by_a_signal_does_not_read_as_success() -> None:
    result = ignoring_sigchld(
        """
        import driver
        session = driver.spawn(["sleep", "100"])
        session.kill()
        try:
            print(session.wait())
        except driver.ExitStatusUnknown:
            print("unknown")
        session.close()
        """
    )
    assert result.stdout.split() == ["unknown"], result.stderr


def test_driver_run_raises_rather_than_return_zero() -> None:
    result = ignoring_sigchld(
        """
        import driver
        try:
            print(driver.run(["sh", "-c", "echo hi; exit 1"]).returncode)
        except driver.ExitStatusUnknown:
            print("unknown")
        """
    )
    assert result.stdout.split() == ["unknown"], result.stderr


def test_the_driver_command_knows_the_status_when_started_ignoring_sigchld(
    tmp_path: Path,
) -> None:
    session_file = tmp_path / "fails.session"
    session_file.write_text("$ sh -c 'echo hi; exit 1'\nhi\n")
    # SIG_IGN is inherited across exec: the driver command starts that way,
    # and as a program it restores the default, so the status is known.
    result = ignoring_sigchld(
        """
        import os, sys
        os.execv(sys.executable, [sys.executable, "-m", "driver", "run", sys.argv[1]])
        """,
        str(session_file),
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "expected exit status [0], got [1]" in result.stdout
    assert "Traceback" not in result.stderr


def test_a_session_file_run_from_a_program_ignoring_sigchld_fails(tmp_path: Path) -> None:
    session_file = tmp_path / "fails.session"
    session_file.write_text("$ sh -c 'echo hi; exit 1'\nhi\n")
    result = ignoring_sigchld(
        """
        import sys
        from pathlib import Path
        from driver.sessionfile import run_file
        result = run_file(Path(sys.argv[1]))
        print("passed" if result.passed else "failed")
        for failure in result.failures:
            print(failure.message)
        """,
        str(session_file),
    )
    assert result.stdout.splitlines()[0] == "failed", result.stdout + result.stderr
    assert "exit status cannot be known" in result.stdout


def test_the_pexpect_layer_raises_as_pexpect_does() -> None:
    result = ignoring_sigchld(
        """
        from driver import pexpect
        child = pexpect.spawn("sh", ["-c", "exit 3"])
        child.expect(pexpect.EOF)
        try:
            child.wait()
            print("exitstatus", child.exitstatus)
        except pexpect.ExceptionPexpect as error:
            print("raised", "SIGCHLD" in str(error))
        """
    )
    assert result.stdout.split() == ["raised", "True"], result.stdout + result.stderr


def test_with_sigchld_at_its_default_the_status_is_known() -> None:
    assert signal.getsignal(signal.SIGCHLD) == signal.SIG_DFL
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import driver; print(driver.run(['sh', '-c', 'exit 3']).returncode)",
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert result.stdout.split() == ["3"], result.stderr
