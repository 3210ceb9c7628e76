"""The driver command: run, --update and record, as a person runs them."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
from pathlib import Path

import pytest

import driver
from helpers import FIXTURES, driver_command

DRIVER = [sys.executable, "-m", "driver"]
PY = sys.executable
REPEATER = f"$ {PY} -u {FIXTURES}/repeater.py"
PASSING = f"%backend pipe\n{REPEATER}\nrepeater.py: starting\n> hello\nhello\n%eof\n...\n"
FAILING = PASSING.replace("\nhello\n", "\ngoodbye\n")


def write(tmp_path: Path, text: str, name: str = "example.session") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_passing_file_shows_the_exchange_and_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, PASSING)
    done = driver_command("run", path)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"--- {path}"
    assert "> hello" in lines and "repeater.py: starting" in lines
    assert lines[-2].startswith(f"PASS {path} (")
    assert lines[-1] == "1 of 1 session file(s) passed"
    assert not path.with_name(path.name + ".err").exists()


def test_a_failure_names_the_line_shows_a_diff_and_writes_err(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    done = driver_command("run", "--quiet", path)
    assert done.returncode == 1
    report = done.stdout
    assert f"FAIL {path}" in report
    assert f"{path}:5: goodbye\n    expected 'goodbye', got 'hello'\n" in report
    assert f"--- {path} (expected)\n+++ {path} (actual)\n" in report
    assert "-goodbye\n+hello\n" in report
    assert "> hello" not in report.split(f"FAIL {path}")[0]  # --quiet: no live exchange
    assert report.endswith("0 of 1 session file(s) passed\n")
    error_file = path.with_name(path.name + ".err")
    assert error_file.read_text() == PASSING
    path.write_text(PASSING)
    assert driver_command("run", path).returncode == 0
    assert not error_file.exists()


def test_a_directory_runs_the_session_files_under_it(tmp_path: Path) -> None:
    write(tmp_path, PASSING, "a.session")
    (tmp_path / "deeper").mkdir()
    write(tmp_path / "deeper", PASSING, "b.session")
    write(tmp_path, FAILING, "not-a-session.txt")
    done = driver_command("run", "--quiet", tmp_path)
    assert done.returncode == 0, done.stdout
    assert done.stdout == "2 of 2 session file(s) passed\n"  # --quiet: no PASS lines


def test_verbose_shows_the_whole_error(tmp_path: Path) -> None:
    path = write(tmp_path, "%timeout 0.3\n$ sh -c 'echo partial; exec sleep 30'\npartial\nmore\n")
    short = driver_command("run", "--quiet", path).stdout
    long = driver_command("run", "--verbose", path).stdout
    assert f"{path}:4: more\n    timed out after 0.3 s waiting for a line" in short
    assert "last lines of the transcript" not in short
    assert "last lines of the transcript" in long


def test_update_rewrites_and_then_leaves_alone(tmp_path: Path) -> None:
    path = write(tmp_path, FAILING)
    done = driver_command("run", "--update", path)
    assert done.returncode == 0, done.stdout
    assert f"UPDATED {path}" in done.stdout
    assert path.read_text() == PASSING
    again = driver_command("run", "--update", path)
    assert f"UNCHANGED {path}" in again.stdout


def test_update_does_not_touch_a_file_whose_run_stopped_early(tmp_path: Path) -> None:
    text = "%timeout 0.3\n$ sleep 30\nnever\n"
    path = write(tmp_path, text)
    done = driver_command("run", "--update", path)
    assert done.returncode == 1
    assert f"NOT UPDATED {path}: the run stopped early" in done.stdout
    assert path.read_text() == text


def test_variables_timeout_and_backend_from_the_command_line(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"%backend pipe\n%timeout 0.01\n$ {PY} {FIXTURES}/tty_info.py\n"
        "isatty True True\n...\n> ${WORD}\nline ${WORD}\n%eof\n",  # `...` skips to line
    )
    done = driver_command("run", "--var", "WORD=ok", "--backend", "pty", "--timeout", "30", path)
    assert done.returncode == 0, done.stdout
    assert "line ok" in done.stdout


def test_bad_input_is_named_with_the_fix(tmp_path: Path) -> None:
    broken = write(tmp_path, "> hi\n%nope\n", "broken.session")
    missing = tmp_path / "missing.session"
    done = driver_command("run", broken, missing, write(tmp_path, PASSING))
    assert done.returncode == 1
    assert f"{broken}:1: `>` line before any `$ command`: start a program first" in done.stdout
    assert f"{broken}:2: unknown directive %nope" in done.stdout
    assert f"ERROR {broken}" in done.stdout and f"ERROR {missing}" in done.stdout
    assert "No such file or directory" in done.stdout
    assert done.stdout.endswith("1 of 3 session file(s) passed\n")
    skipped = write(tmp_path, "%require no-such-program-xyz\n$ no-such-program-xyz\n", "s.session")
    done = driver_command("run", skipped)
    assert done.returncode == 0
    assert f"SKIP {skipped}: no-such-program-xyz not found on PATH (%require)" in done.stdout
    assert done.stdout.endswith("0 of 1 session file(s) passed, 1 skipped\n")
    no_terminal = driver_command("record", "--", "true")  # stdin is /dev/null
    assert no_terminal.returncode == 2
    assert "driver record: stdin is not a terminal" in no_terminal.stderr
    bad_var = driver_command("run", "--var", "no-equals", broken)
    assert bad_var.returncode == 2
    assert "--var takes NAME=VALUE; got 'no-equals'" in bad_var.stderr


def test_a_screen_too_large_is_one_error_naming_the_line(tmp_path: Path) -> None:
    # It once passed the reader (a terminal can be 65535 rows high) and ended
    # in a traceback when the screen refused it at the spawn.
    path = write(tmp_path, "%screen 600x80\n$ echo hi\n| hi\n")
    done = driver_command("run", path)
    assert done.returncode == 1
    assert done.stdout == (
        f"--- {path}\n"
        f"{path}:1: %screen takes ROWSxCOLS (from 1x1 to 500x1000, say 24x80), off, or nothing"
        " for 24x80; got '600x80'\n"
        f"ERROR {path}\n"
        "0 of 1 session file(s) passed\n"
    )
    assert done.stderr == ""


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "driver"
    if not script.exists():
        pytest.skip("driver is not installed in this environment (pip install -e .)")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "record" in done.stdout


def test_version_is_the_package_s_and_the_distribution_s() -> None:
    done = driver_command("--version")
    assert done.returncode == 0
    assert done.stdout == f"driver {driver.__version__} (linedriver on PyPI)\n"
    try:
        installed = importlib.metadata.version("linedriver")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("linedriver is not installed in this environment (pip install -e .)")
    assert installed == driver.__version__


def test_the_shipped_installer_session_passes() -> None:
    done = driver_command("run", "fixtures/sessions/installer.session", cwd=FIXTURES.parent)
    assert done.returncode == 0, done.stdout
    # The live exchange reads like the file: the password by its name only.
    assert "Administrator password:\n> ${ADMIN_PASSWORD}\n" in done.stdout


def test_the_command_loads_the_session_layer_only_where_a_ctrl_c_is_caught() -> None:
    # A ^C while `driver` starts once ended in a KeyboardInterrupt traceback:
    # the console script imports driver.cli before main() can catch it. What
    # takes time to load now loads inside main().
    code = (
        "import sys, driver.cli\n"
        "heavy = [m for m in ('driver.session', 'driver.sessionfile') if m in sys.modules]\n"
        "print(heavy)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
