"""The driver command: run, --update and record, as a person runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import driver
from helpers import FIXTURES

DRIVER = [sys.executable, "-m", "driver"]
PY = sys.executable
REPEATER = f"$ {PY} -u {FIXTURES}/repeater.py"
PASSING = f"%backend pipe\n{REPEATER}\nrepeater.py: starting\n> hello\nhello\n%eof\n...\n"
FAILING = PASSING.replace("\nhello\n", "\ngoodbye\n")


def driver_command(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DRIVER, *map(str, args)],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, cwd=cwd,
    )  # fmt: skip


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
    assert done.stdout.endswith("2 of 2 session file(s) passed\n")


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


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "driver"
    if not script.exists():
        pytest.skip("driver is not installed in this environment (pip install -e .)")
    done = subprocess.run([script, "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "record" in done.stdout


def test_the_shipped_installer_session_passes() -> None:
    done = driver_command("run", "fixtures/sessions/installer.session", cwd=FIXTURES.parent)
    assert done.returncode == 0, done.stdout
    # The live exchange reads like the file: the password by its name only.
    assert "Administrator password:\n> ${ADMIN_PASSWORD}\n" in done.stdout


# -- record --------------------------------------------------------------------------


def record(tmp_path: Path, *command: str) -> driver.Session:
    """`driver record` on a terminal that this test types into."""
    argv = [*DRIVER, "record", "-o", str(tmp_path / "recorded.session"), "--", *command]
    return driver.spawn(argv, backend="pty", timeout=30)


def test_record_an_installer_with_passwords_then_replay_it(tmp_path: Path) -> None:
    prefix = tmp_path / "app"
    command = [PY, str(FIXTURES / "installer.py"), "--prefix", str(prefix)]
    with record(tmp_path, *command) as terminal:
        for prompt, typed in [
            ("Install directory? ", ""),
            ("Administrator name? [admin] ", "ada"),
            ("Administrator password: ", "sesame"),
            ("Repeat the password: ", "sesame"),
            ("[y/N] ", "y"),
        ]:
            terminal.expect_exact(prompt)
            terminal.send(typed + "\r")  # raw mode: Enter is a carriage return
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    recorded = (tmp_path / "recorded.session").read_text()
    assert "sesame" not in recorded
    assert recorded == (
        "%secret SECRET_1\n"
        f"$ {' '.join(command)}\n"
        "Welcome to the installer.\n"
        f"Install directory? [{prefix}]\n>\n"
        "Administrator name? [admin]\n> ada\n"
        "Administrator password:\n> ${SECRET_1}\n"
        "Repeat the password:\n> ${SECRET_1}\n"  # one typed secret, one variable
        f"Install 3 files into {prefix}? [y/N]\n> y\n"
        "Copying files...\n  bin/app\n  README\n  app.conf\nInstalled 3 files.\n"
        "Administrator: ada (password of 6 characters)\n[0]\n"
    )
    replay = driver_command("run", "--var", "SECRET_1=abcdef", tmp_path / "recorded.session")
    assert replay.returncode == 0, replay.stdout
    assert "abcdef" not in replay.stdout  # one --var: both prompts get the same value


def test_record_writes_a_secret_the_program_prints_so_the_replay_matches(
    tmp_path: Path,
) -> None:
    program = (
        "import getpass; p = getpass.getpass('Password: ');"
        " print('saved', p, 'for', p[:5] + '-admin')"
    )
    with record(tmp_path, PY, "-c", program) as terminal:
        terminal.expect_exact("Password: ")
        terminal.send("sesame42\r")
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    recorded = (tmp_path / "recorded.session").read_text()
    assert "sesa" not in recorded
    assert recorded.endswith("Password:\n> ${SECRET_1}\nsaved ${SECRET_1} for .+-admin (re)\n[0]\n")
    replay = driver_command("run", "--var", "SECRET_1=abcdefgh", tmp_path / "recorded.session")
    assert replay.returncode == 0, replay.stdout
    assert "abcd" not in replay.stdout


def test_record_writes_the_exit_status_and_marker_like_lines_escaped(tmp_path: Path) -> None:
    with record(tmp_path, "sh", "-c", "read x; echo '$ not a command'; exit 3") as terminal:
        terminal.send("typed\r")
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    recorded = (tmp_path / "recorded.session").read_text()
    assert recorded.endswith("\n> typed\n\\$ not a command\n[3]\n")


def test_record_on_pipes_keeps_this_terminal_cooked(tmp_path: Path) -> None:
    # The person's terminal echoes and edits lines; ^D ends the child's input,
    # ^C interrupts the child (not driver); the child's own output stays whole.
    argv = [*DRIVER, "record", "--backend", "pipe", "-o", str(tmp_path / "recorded.session")]
    child = "trap 'echo caught; exit 4' INT; while read x; do echo \"$x\"; done; echo ended"
    with driver.spawn([*argv, "--", "sh", "-c", child], backend="pty", echo=True) as terminal:
        terminal.send("one\r")
        terminal.expect_exact("one\none\n")  # the terminal's echo, then the child's
        terminal.send("\x04")
        terminal.expect_exact("ended")
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    assert (tmp_path / "recorded.session").read_text().endswith("> one\none\n%eof\nended\n[0]\n")
    with driver.spawn([*argv, "--", "sh", "-c", child], backend="pty", echo=True) as terminal:
        terminal.send("two\r")
        terminal.expect_exact("two\ntwo\n")
        terminal.send_control("c")
        terminal.expect_exact("caught")
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    assert (
        (tmp_path / "recorded.session")
        .read_text()
        .endswith("> two\ntwo\n%signal INT\ncaught\n[4]\n")
    )


def test_record_a_program_that_does_not_exist(tmp_path: Path) -> None:
    with record(tmp_path, "no-such-program-xyz") as terminal:
        terminal.expect_exact("driver record: ")
        message = terminal.read()
        assert terminal.wait() == 1
    assert "no-such-program-xyz" in message and "PATH" in message
    assert not (tmp_path / "recorded.session").exists()
