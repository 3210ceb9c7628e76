"""Session files and the driver command: any program, any input, no tracebacks.

Through the real `driver` command, as a person runs it."""

from __future__ import annotations

import os
import resource
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import driver
from driver.sessionfile import parse
from helpers import FIXTURES, driver_command, needs_waits_seen

PY = sys.executable


def no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr


def write(tmp_path: Path, text: str, name: str = "example.session") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- $ lines ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['x" "y', "it's", "a b", "$(echo no)"])
def test_a_value_is_one_argument_whatever_it_holds(tmp_path: Path, value: str) -> None:
    path = write(
        tmp_path,
        "%backend pipe\n"
        '$ ${PYTHON} -c "import sys; print(len(sys.argv) - 1, sys.argv[1])" "${X}"\n'
        f"1 {value}\n",
    )
    done = driver_command("run", "--var", f"X={value}", path)
    no_traceback(done)
    assert done.returncode == 0, done.stdout


def test_a_shell_runs_lines_only_when_asked(tmp_path: Path) -> None:
    plain = write(tmp_path, "%backend pipe\n$ echo hi | tr a-z A-Z\nHI\n", "plain.session")
    done = driver_command("run", plain)
    assert done.returncode == 1
    assert "'|' reached it as an argument" in done.stdout and "%shell" in done.stdout
    shell = write(
        tmp_path,
        '%backend pipe\n%shell\n$ echo hi | tr a-z A-Z && echo "${X}"\nHI\nx; y\n',
        "shell.session",
    )
    done = driver_command("run", "--var", "X=x; y", shell)  # a value is data to the shell
    assert done.returncode == 0, done.stdout


def test_python_and_the_scripts_beside_it_are_found(tmp_path: Path) -> None:
    scripts = Path(PY).parent
    if not (scripts / "driver").exists():
        pytest.skip("the driver console script is not installed beside this Python")
    path = write(
        tmp_path,
        "%backend pipe\n$ ${PYTHON} -c \"print('ok')\"\nok\n"
        "$ driver run --help\nusage: driver run .* (re)\n...\n",
    )
    path_without_scripts = os.pathsep.join(
        entry for entry in os.environ.get("PATH", "").split(os.pathsep) if Path(entry) != scripts
    )
    done = driver_command("run", path, env={**os.environ, "PATH": path_without_scripts})
    assert done.returncode == 0, done.stdout


def test_long_words_and_lines_cost_time_in_proportion(tmp_path: Path) -> None:
    megabyte = "w" * 1_000_000  # more than one argument may hold: parsed, then refused
    path = write(tmp_path, f"%backend pipe\n$ echo {megabyte}\n{megabyte}\n", "mb.session")
    assert [step.text[:6] for step in parse(path).steps][1:] == ["echo w", "wwwwww"]
    done = driver_command("run", "--quiet", path)
    no_traceback(done)
    report = done.stdout.split("\n--- ")[0]  # the diff holds the file's own long line
    assert "cannot spawn" in report and len(report) < 5_000
    word = "w" * 100_000
    path = write(tmp_path, f"%backend pipe\n$ echo {word}\n{word}\n", "word.session")
    assert driver_command("run", "--quiet", path).returncode == 0
    for length in (500, 100_000):  # on a pty, with its echo
        line = "x" * length
        path = write(tmp_path, f"$ cat\n> {line}\n{line}\n%eof\n", f"line{length}.session")
        done = driver_command("run", "--quiet", path)
        no_traceback(done)
        assert done.returncode == 0, done.stdout[:2000]


# -- bad input --------------------------------------------------------------------------


def test_files_that_cannot_be_session_files_are_reported(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.session")
    (tmp_path / "loop.session").symlink_to("loop.session")
    (tmp_path / "binary.session").write_bytes(b"$ echo hi\n\xff\xfe\x00\n")
    (tmp_path / "nul.session").write_bytes(b"$ echo a\x00b\nhi\n")
    (tmp_path / "env.session").write_bytes(b"%env A=\x00\n$ echo hi\nhi\n")
    deep = "(" * 2000 + "x" + ")" * 2000
    write(tmp_path, f"$ echo x\n{deep} (re)\n", "deep.session")
    done = driver_command("run", tmp_path)  # a FIFO would wait forever for a writer
    no_traceback(done)
    assert done.returncode == 1
    out = done.stdout
    assert "fifo.session: is a FIFO" in out
    assert "loop.session: cannot open it: Too many levels of symbolic links" in out
    assert "binary.session:2: not UTF-8 text (byte 0xff" in out
    assert "nul.session:1: a NUL byte at column 9" in out
    assert "env.session:1: a NUL byte" in out
    assert "deep.session:2: regex" in out and "nested too deeply" in out
    assert "0 of 6 session file(s) passed" in out


def test_a_device_is_not_read() -> None:
    done = driver_command("run", "/dev/zero")
    no_traceback(done)
    assert "/dev/zero: is a device" in done.stdout


def test_a_report_is_shown_when_its_err_file_cannot_be_written(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ echo hi\nbye\n")
    (tmp_path / "example.session.err").mkdir()  # cannot be written, even by root
    done = driver_command("run", path)
    no_traceback(done)
    assert "expected 'bye', got 'hi'" in done.stdout
    assert "could not write" in done.stdout


@pytest.mark.parametrize("what", ["file", "directory"])
def test_update_leaves_a_read_only_file_alone(tmp_path: Path, what: str) -> None:
    path = write(tmp_path, "%backend pipe\n$ echo hi\nbye\n")
    target = path if what == "file" else tmp_path
    mode = target.stat().st_mode
    target.chmod(stat.S_IMODE(mode) & ~0o222)
    try:
        done = driver_command("run", "--update", path)
    finally:
        target.chmod(stat.S_IMODE(mode))
    no_traceback(done)
    assert done.returncode == 1
    assert "not updated" in done.stdout and "read-only" in done.stdout
    assert path.read_text() == "%backend pipe\n$ echo hi\nbye\n"


def test_update_on_a_full_disk_leaves_the_file_and_no_temporary(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ seq 1 500\nno\n")

    def small_files() -> None:  # in the child: writes past 200 bytes fail (EFBIG)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

    done = driver_command("run", "--update", path, preexec_fn=small_files)
    no_traceback(done)
    assert done.returncode == 1 and "not updated" in done.stdout
    assert path.read_text() == "%backend pipe\n$ seq 1 500\nno\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["example.session"]


# -- every output can be written down ----------------------------------------------


def test_control_characters_are_written_as_escapes_and_read_back(tmp_path: Path) -> None:
    printed = r"\rPassword: \n10%%\r50%%\r100%%\n\033[1mbold\033[0m\n... \nx (esc)\n$ \a\n"
    path = write(tmp_path, f"%backend pipe\n$ printf '{printed}'\nwrong\n")
    done = driver_command("run", "--update", path)
    no_traceback(done)
    assert done.returncode == 0, done.stdout
    rewritten = path.read_text()
    assert "\r" not in rewritten and "\x1b" not in rewritten
    assert rewritten.endswith(
        "\n\\rPassword: (esc)\n10%\\r50%\\r100% (esc)\n\\e[1mbold\\e[0m (esc)\n\\...\n"
        "x (esc) (esc)\n\\x24 \\a (esc)\n"
    )
    assert driver_command("run", path).returncode == 0  # and it replays
    changed = write(tmp_path, rewritten.replace("50%\\r100% (esc)", "50%\\r99% (esc)"), "c.session")
    done = driver_command("run", changed)
    assert "+10%\\r50%\\r100% (esc)" in done.stdout  # a diff shows them, visibly


def test_an_esc_line_sends_what_no_plain_line_can(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '%backend pipe\n$ sh -c \'IFS= read -r x; printf "[%s]\\n" "$x"\'\n'
        "> echo \\${#PW}\\x20 (esc)\n[echo \\${#PW} ] (esc)\n",
    )
    done = driver_command("run", path)
    assert done.returncode == 0, done.stdout


def test_a_bad_escape_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "$ echo\n\\q (esc)\n")
    done = driver_command("run", path)
    no_traceback(done)
    assert "example.session:2: unknown escape '\\\\q'" in done.stdout


def test_a_changed_prompt_is_reported_without_waiting_and_updated(tmp_path: Path) -> None:
    needs_waits_seen()
    path = write(
        tmp_path,
        "%timeout 60\n"  # were it waited out, the message would say so
        "$ ${PYTHON} -c \"n = input('Your name? '); print('hi', n)\"\nName?\n> ada\nhi ada\n",
    )
    done = driver_command("run", path)
    assert done.returncode == 1
    assert "expected 'Name?', got 'Your name?'" in done.stdout
    assert "timed out" not in done.stdout
    assert driver_command("run", "--update", path).returncode == 0
    assert "\nYour name?\n> ada\n" in path.read_text()
    assert driver_command("run", path).returncode == 0


@pytest.mark.parametrize(
    "program",
    [
        "import getpass; getpass.getpass('Passwd: ')",  # reads /dev/tty
        "import os; tty = os.open('/dev/tty', os.O_RDWR); os.write(tty, b'Passwd: ');"
        " os.read(tty, 100)",
    ],
)
def test_a_changed_prompt_read_from_the_terminal_is_reported_without_waiting(
    tmp_path: Path, program: str
) -> None:
    needs_waits_seen()
    path = write(
        tmp_path,
        "%timeout 60\n%backend pty\n"  # were it waited out, the message would say so
        f'$ ${{PYTHON}} -c "{program}"\nPassword:\n> secret\n',
    )
    done = driver_command("run", path)
    assert done.returncode == 1
    assert "expected 'Password:', got 'Passwd:'" in done.stdout
    assert "timed out" not in done.stdout


def test_a_read_from_the_terminal_counts_as_waiting_for_input() -> None:
    code = "import getpass; print(getpass.getpass('Passwd: '))"
    with driver.spawn([sys.executable, "-c", code], backend="pty") as session:
        if session.waiting_for_input() is None:
            pytest.skip("this system does not show what a process waits on")
        session.expect_exact("Passwd: ")
        deadline = session.deadline(10)
        while not session.waiting_for_input():  # it is about to block, if not yet
            assert deadline.remaining() > 0, "the read from /dev/tty was never seen"
        session.send_line("x")
        assert session.read().split() == ["x"]  # getpass's own newline, then the echo


def test_a_line_waits_until_a_slow_line_editor_reads(tmp_path: Path) -> None:
    # Sent the instant the prompt shows, the line would meet the terminal
    # before the editor switched it to its own mode, and its echo would be
    # taken for output.
    needs_waits_seen()
    editor = FIXTURES / "slow_editor.py"
    exchange = "".join(f"prompt>\n> line {n}\ngot line {n}\n" for n in range(3))
    path = write(tmp_path, f"%backend pty\n$ ${{PYTHON}} {editor}\n{exchange}prompt>\n> quit\n")
    done = driver_command("run", path)
    assert done.returncode == 0, done.stdout
