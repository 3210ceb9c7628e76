"""`driver record`: a person's session at a terminal, written as a session
file that replays green unchanged. Each test types into `driver record` on a
terminal as a person would (waiting for each prompt), then runs the file."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import driver
from driver.terminal import displayed_line, edited_line
from helpers import FIXTURES, driver_command, on_a_fresh_terminal, on_a_terminal

DRIVER = [sys.executable, "-m", "driver"]
PY = sys.executable
LEFT, UP, BACKSPACE = "\x1b[D", "\x1b[A", "\x7f"


#: What a recording says its replay needs, over its one %secret line.
UNSEEN_1 = (
    "# SECRET_1 was typed unseen and is not written here: replay with\n"
    "# --var SECRET_1=VALUE for this run (unset, a random value is typed, and\n"
    "# output that depends on the value, its length say, differs)\n"
)


def record(tmp_path: Path, *command: str) -> driver.Session:
    """`driver record` on a terminal that this test types into."""
    argv = [*DRIVER, "record", "-o", str(tmp_path / "recorded.session"), "--", *command]
    return driver.spawn(argv, backend="pty", timeout=30)


def recording(tmp_path: Path, command: list[str], keys: list[tuple[str, str]]) -> str:
    """Record ``command``, typing each ``(prompt, keys)`` once the prompt shows."""
    with record(tmp_path, *command) as terminal:
        for (prompt, typed), (answer, _) in zip(keys, [*keys[1:], ("", "")], strict=True):
            terminal.expect_exact(prompt)
            terminal.send(typed)
            answered = re.compile(f"(?={re.escape(answer)})")  # left unread
            if typed == "\x03" and terminal.expect([answered, driver.TIMEOUT], 3).index:
                # bash's readline loses a ^C that comes while it redraws the
                # line (it acts at the next key): a person presses it again
                terminal.send(typed)
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    return (tmp_path / "recorded.session").read_text()


def replays(tmp_path: Path, *variables: str) -> None:
    """The recorded file passes, unchanged."""
    path = tmp_path / "recorded.session"
    before = path.read_text()
    done = driver_command("run", *(f"--var={v}" for v in variables), path)
    assert done.returncode == 0, done.stdout
    assert path.read_text() == before


def needs(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed")


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
        f"{UNSEEN_1}%secret SECRET_1\n"
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
    # Without it, a random value is typed: the output says its length, as
    # the file's first lines warn.
    replay = driver_command("run", tmp_path / "recorded.session")
    assert replay.returncode == 1
    assert "+Administrator: ada (password of 16 characters)" in replay.stdout


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


def test_record_a_user_name_that_is_also_the_password(tmp_path: Path) -> None:
    # "admin" is typed in clear, then unseen: the line typed in clear is
    # written as typed, and output that holds the word may come from either
    # (or be the program's own text): a wildcard, not ${SECRET_1}.
    program = (
        "import getpass; print('Site admin console'); user = input('User: ');"
        " getpass.getpass('Password: '); print('Logged in as', user)"
    )
    recorded = recording(
        tmp_path, [PY, "-c", program], [("User: ", "admin\r"), ("Password: ", "admin\r")]
    )
    assert recorded.endswith(
        "\nSite .+ console (re)\nUser:\n> admin\nPassword:\n> ${SECRET_1}\n"
        "Logged in as .+ (re)\n[0]\n"
    ), recorded
    replays(tmp_path)  # with any password: the output does not depend on it


def test_record_a_command_whose_arguments_hold_a_newline(tmp_path: Path) -> None:
    # The `$` line stays one line: $'...' spells the newline, and reads back.
    program = "import sys\nprint(sys.argv[1:])"
    with record(tmp_path, PY, "-c", program, "two\nlines", "it's") as terminal:
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    recorded = (tmp_path / "recorded.session").read_text()
    assert recorded == (
        f"$ {PY} -c $'import sys\\nprint(sys.argv[1:])' $'two\\nlines' 'it'\"'\"'s'\n"
        "['two\\nlines', \"it's\"]\n[0]\n"
    )
    replays(tmp_path)


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


def test_record_on_a_terminal_nobody_sized(tmp_path: Path) -> None:
    # As under `script` with its input not a terminal: 0 rows, 0 columns.
    # The child gets a terminal of 24x80.
    path = tmp_path / "recorded.session"
    argv = [*DRIVER, "record", "-o", str(path), "--", "sh", "-c", "stty size; read x; echo got $x"]
    with on_a_fresh_terminal(argv) as terminal:
        terminal.expect_exact("24 80")
        terminal.send("typed\r")
        terminal.expect_exact("driver record: wrote")
    assert path.read_text().endswith("24 80\n> typed\ngot typed\n[0]\n")


def test_record_restores_the_terminal_on_sigterm(tmp_path: Path) -> None:
    repeater = str(FIXTURES / "repeater.py")
    argv = [*DRIVER, "record", "-o", str(tmp_path / "recorded.session"), "--", PY, repeater]
    with on_a_terminal(argv) as (record, terminal):
        terminal.expect_exact("repeater.py: starting")
        terminal.send("hello\r")
        terminal.expect_exact("hello\nhello\n")  # the reply came through: this one is raw
        record.send_signal(signal.SIGTERM)
        assert record.wait(timeout=20) == -signal.SIGTERM


def test_record_a_program_that_does_not_exist(tmp_path: Path) -> None:
    with record(tmp_path, "no-such-program-xyz") as terminal:
        terminal.expect_exact("driver record: ")
        message = terminal.read()
        assert terminal.wait() == 1
    assert "no-such-program-xyz" in message and "PATH" in message
    assert not (tmp_path / "recorded.session").exists()


# What the program got of a line, as Python writes bytes.
READ_BYTES = "import os, sys; sys.stdout.write('in: '); sys.stdout.flush(); print(os.read(0, 99))"


@pytest.mark.parametrize(
    ("keys", "written", "got"),
    [
        ("a\tb", "a\tb", "a\\tb"),  # the terminal echoes a tab as it is
        ("a\x1bb", "a\\eb (esc)", "a\\x1bb"),  # ^[
        ("a\x00b", "a\\x00b (esc)", "a\\x00b"),  # ^@
        ("x\x07y", "x\\ay (esc)", "x\\x07y"),  # ^G
        ("ab\x1b[D", "ab\\e[D (esc)", "ab\\x1b[D"),  # a cursor key moves nothing here
        ("\x16\x03x", "\\x03x (esc)", "\\x03x"),  # ^V ^C: a ^C in the line, no interrupt
        ("a\x16\x15b", "a\\x15b (esc)", "a\\x15b"),  # ^V ^U: not the line erased
        ("\x16\x04", "\\x04 (esc)", "\\x04"),  # ^V ^D: not the end of input
    ],
    ids=["tab", "esc", "nul", "bell", "cursor-key", "lnext-intr", "lnext-kill", "lnext-eof"],
)
def test_record_control_keys_typed_into_a_line_the_terminal_edits(
    tmp_path: Path, keys: str, written: str, got: str
) -> None:
    # The terminal (canonical mode, echo on) shows a control character as
    # ^X: still the echo of the line, which is the keys, control
    # characters and all; on replay they reach the program as they did.
    recorded = recording(tmp_path, [PY, "-c", READ_BYTES], [("in: ", keys + "\r")])
    assert recorded.endswith(f"\nin:\n> {written}\nb'{got}\\n'\n[0]\n"), recorded
    assert "SECRET" not in recorded
    replays(tmp_path)


def test_record_an_escape_read_as_a_single_key(tmp_path: Path) -> None:
    # Out of canonical mode, the echo on: the terminal shows ESC as ^[, and
    # the program's own newline after it is output, not part of that echo.
    program = "read -n1 -p 'key? ' k; echo; printf '%q\\n' \"$k\""
    recorded = recording(tmp_path, ["bash", "--norc", "-c", program], [("key? ", "\x1b")])
    assert recorded.endswith("\nkey?\n%send \\e (esc)\n\n$'\\E'\n[0]\n"), recorded
    replays(tmp_path)


# -- programs that edit their own input line (readline) -------------------------------


def test_record_bash_with_line_editing_history_and_a_password(tmp_path: Path) -> None:
    bash = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"]
    recorded = recording(
        tmp_path,
        bash,
        [
            ("$ ", "echo hello\r"),
            ("$ ", f"echo wrold{BACKSPACE * 4}orld\r"),  # the line as edited
            ("$ ", f"echo abc{LEFT * 3}X\r"),  # inserted mid-line
            ("$ ", "ech\t"),  # completed by bash: the screen says what it became
            ("echo ", "done\r"),
            ("$ ", f"{UP}\r"),  # recalled from history
            ("$ ", "given up"),
            ("given up", "\x03"),  # ^C abandons the line
            ("$ ", 'read -s -p "pw"": " PW; echo ${#PW}\r'),  # its echo does not show "pw: "
            ("pw: ", "sesame\r"),  # echo off, canonical: a password
            ("$ ", "\x04"),  # ^D at an empty line: bash ends
        ],
    )
    assert "sesame" not in recorded
    assert recorded == (
        f"{UNSEEN_1}%secret SECRET_1\n"
        "$ env 'PS1=$ ' bash --norc --noprofile\n"
        "\\$\n> echo hello\nhello\n"
        "\\$\n> echo world\nworld\n"
        "\\$\n> echo Xabc\nXabc\n"
        "\\$\n> echo done\ndone\n"
        "\\$\n> echo done\ndone\n"
        "\\$\n%control c\n"
        '\\$\n> read -s -p "pw"": " PW; echo \\${#PW} (esc)\npw:\n> ${SECRET_1}\n6\n'
        "\\$\n%eof\nexit\n[0]\n"
    )
    replays(tmp_path, "SECRET_1=abc123")


def test_record_a_control_c_that_interrupts_a_running_command(tmp_path: Path) -> None:
    # The terminal echoes ^C; bash ends the line. (The command says when it
    # runs, so that the ^C, typed and replayed, reaches it and not bash.)
    bash = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"]
    command = "sh -c 'echo started; exec sleep 30'"
    recorded = recording(
        tmp_path,
        bash,
        [("$ ", f"{command}\r"), ("started\n", "\x03"), ("$ ", "echo after\r"), ("$ ", "exit\r")],
    )
    assert recorded.endswith(
        f"\\$\n> {command}\nstarted\n%control c\n\\$\n> echo after\nafter\n\\$\n> exit\nexit\n[0]\n"
    )
    replays(tmp_path)


def test_record_a_completion_list_and_a_single_key(tmp_path: Path) -> None:
    # Tab, Tab lists the candidates and redraws the line: all display. A key
    # read without Enter (read -n1) is `%send`, at its place.
    (tmp_path / "alpha1").touch()
    (tmp_path / "alpha2").touch()
    bash = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"]
    recorded = recording(
        tmp_path,
        bash,
        [
            ("$ ", f"cd {tmp_path}\r"),
            ("$ ", "echo al\t"),
            ("pha", "\t\t"),  # completed as far as one name goes; then a list
            ("alpha2", ""),
            ("$ echo alpha", "1\r"),
            # the prompt is spelled so that the command's echo does not show it
            ("$ ", "read -n1 -p 'ok''? ' a; echo; echo got $a\r"),
            ("ok? ", "y"),
            ("$ ", "exit\r"),
        ],
    )
    assert recorded.endswith(
        f"\\$\n> cd {tmp_path}\n\\$\n> echo alpha1\nalpha1\n"
        "\\$\n> read -n1 -p 'ok''? ' a; echo; echo got $a\nok?\n%send y\n\ngot y\n"
        "\\$\n> exit\nexit\n[0]\n"
    )
    replays(tmp_path)


def test_record_wide_characters_edited_with_cursor_keys(tmp_path: Path) -> None:
    # Each CJK character fills two columns; readline steps back over both.
    bash = ["env", "PS1=$ ", "bash", "--norc", "--noprofile"]
    recorded = recording(
        tmp_path,
        bash,
        [("$ ", "echo 日本語"), ("語", f"{LEFT}{BACKSPACE}X\r"), ("$ ", "exit\r")],
    )
    assert recorded.endswith("\\$\n> echo 日X語\n日X語\n\\$\n> exit\nexit\n[0]\n")
    replays(tmp_path)


def test_record_lines_pasted_together_at_a_coloured_prompt(tmp_path: Path) -> None:
    # Pasted lines reach bash one at a time, each after the last one's output.
    bash = ["env", "PS1=\\[\\e[32m\\]ok\\[\\e[0m\\]$ ", "bash", "--norc", "--noprofile"]
    recorded = recording(
        tmp_path,
        bash,
        [("$ ", "echo one\recho two\r"), ("two\n", ""), ("$ ", "echo é日本\r"), ("$ ", "exit\r")],
    )
    prompt = "\\e[32mok\\e[0m$  (esc)\n"
    assert recorded.endswith(
        f"{prompt}> echo one\none\n{prompt}> echo two\ntwo\n"
        f"{prompt}> echo é日本\né日本\n{prompt}> exit\nexit\n[0]\n"
    )
    replays(tmp_path)


def test_record_python_with_blocks_completion_and_getpass(tmp_path: Path) -> None:
    recorded = recording(
        tmp_path,
        [PY, "-q"],
        [
            (">>> ", "1 + 1\r"),
            (">>> ", "def twice(x):\r"),
            ("... ", "    return x * 2\r"),
            ("... ", "\r"),
            (">>> ", "twice(21)\r"),
            (">>> ", "pri\t"),  # completed by Python: the screen says
            ("print(", "'tab')\r"),
            (">>> ", "import getpass; p = getpass.getpass('pw: '.upper())\r"),
            ("PW: ", "sesame\r"),
            (">>> ", "len(p)\r"),
            (">>> ", "\x04"),
        ],
    )
    assert recorded == (
        f"{UNSEEN_1}%secret SECRET_1\n"
        f"$ {PY} -q\n"
        ">>>\n> 1 + 1\n2\n"
        ">>>\n> def twice(x):\n\\...\n>     return x * 2\n\\...\n>\n"
        ">>>\n> twice(21)\n42\n"
        ">>>\n> print('tab')\ntab\n"
        ">>>\n> import getpass; p = getpass.getpass('pw: '.upper())\nPW:\n> ${SECRET_1}\n"
        ">>>\n> len(p)\n6\n"
        ">>>\n%eof\n[0]\n"
    )
    replays(tmp_path, "SECRET_1=abc123")


def test_record_sqlite3_with_a_continued_statement(tmp_path: Path) -> None:
    needs("sqlite3")
    recorded = recording(
        tmp_path,
        ["sqlite3"],
        [
            ("sqlite> ", "create table t(x);\r"),
            ("sqlite> ", "insert into t values (1), (2), (39);\r"),
            ("sqlite> ", "select sum(x)\r"),
            ("...> ", "from t;\r"),
            ("sqlite> ", "select 'it''s';\r"),
            ("sqlite> ", ".quit\r"),
        ],
    )
    assert recorded.endswith(
        "sqlite>\n> create table t(x);\n"
        "sqlite>\n> insert into t values (1), (2), (39);\n"
        "sqlite>\n> select sum(x)\n   ...>\n> from t;\n42\n"
        "sqlite>\n> select 'it''s';\nit's\n"
        "sqlite>\n> .quit\n[0]\n"
    )
    replays(tmp_path)


def test_record_an_ssh_passphrase_dialogue(tmp_path: Path) -> None:
    # OpenSSH reads passphrases on /dev/tty with the echo off, as ssh and scp
    # read passwords; changing one asks three times.
    needs("ssh-keygen")
    key = tmp_path / "key"
    made = driver.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "first-secret", "-C", "c", "-f", str(key)]
    )
    assert made.returncode == 0, made.output
    comment = key.with_suffix(".pub").read_text().split()[2]  # user@host
    recorded = recording(
        tmp_path,
        ["ssh-keygen", "-p", "-f", str(key)],
        [
            ("old passphrase: ", "first-secret\r"),
            ("no passphrase): ", "2nd-secret\r"),
            ("again: ", "2nd-secret\r"),
        ],
    )
    assert "secret" not in recorded.replace("%secret SECRET_", "").replace("${SECRET_", "")
    assert recorded == (
        "# SECRET_1, SECRET_2 were typed unseen and are not written here: replay with\n"
        "# --var SECRET_1=VALUE --var SECRET_2=VALUE for this run (unset, a random\n"
        "# value is typed, and output that depends on the value, its length say,\n"
        "# differs)\n"
        "%secret SECRET_1\n%secret SECRET_2\n"
        f"$ ssh-keygen -p -f {key}\n"
        "Enter old passphrase:\n> ${SECRET_1}\n"
        f"Key has comment '{comment}'\n"
        "Enter new passphrase (empty for no passphrase):\n> ${SECRET_2}\n"
        "Enter same passphrase again:\n> ${SECRET_2}\n"
        "Your identification has been saved with the new passphrase.\n[0]\n"
    )
    replays(tmp_path, "SECRET_1=2nd-secret", "SECRET_2=third-one")


def test_a_line_editor_showing_nothing_or_stars_is_reading_a_password(tmp_path: Path) -> None:
    # Out of canonical mode, a program that echoes nothing (or `*`s) for a
    # line is reading a password; one that echoes the keys is not.
    program = FIXTURES / "raw_prompts.py"
    recorded = recording(
        tmp_path,
        [PY, str(program)],
        [("name: ", "ada\r"), ("pin: ", "4321\r"), ("code: ", "xyzzy\r")],
    )
    assert "4321" not in recorded and "xyzzy" not in recorded
    assert recorded.endswith(
        "name:\n> ada\npin:\n> ${SECRET_1}\ncode:\n> ${SECRET_2}\nhello ada, 4 + 5\n[0]\n"
    )
    replays(tmp_path, "SECRET_1=9999", "SECRET_2=plugh")


def test_a_control_key_pressed_again_on_the_same_line_is_one_step(tmp_path: Path) -> None:
    # The first ^C changed nothing on the screen (bash's readline can lose
    # one): the person pressed it again, and the file says what they saw.
    program = FIXTURES / "second_interrupt.py"
    with record(tmp_path, PY, str(program)) as terminal:
        terminal.expect_exact("> ")
        terminal.send("draft")
        terminal.expect_exact("draft")
        terminal.send("\x03")
        terminal.send("\x03")
        terminal.expect_exact("\n> ")
        terminal.send("exit\r")
        terminal.expect_exact("driver record: wrote")
        assert terminal.wait() == 0
    recorded = (tmp_path / "recorded.session").read_text()
    assert recorded.endswith("\n\\>\n%control c\n\\>\n> exit\n[0]\n"), recorded


def test_replay_takes_a_long_line_that_a_line_editor_scrolled(tmp_path: Path) -> None:
    # On a dumb terminal readline shows a line wider than the screen scrolled
    # sideways behind a `<`: that is still its echo of the line.
    word = "x" * 300
    path = tmp_path / "long.session"
    path.write_text(
        "$ env 'PS1=$ ' bash --norc --noprofile\n"
        f"\\$\n> echo {word}\n{word}\n\\$\n> exit\nexit\n[0]\n"
    )
    done = driver_command("run", path)
    assert done.returncode == 0, done.stdout


# -- what the screen shows, what keys make ---------------------------------------------


def test_shown_applies_backspaces_returns_and_erasures() -> None:
    assert displayed_line("abc\b\bX") == "aXc"
    assert displayed_line("hello\rJ") == "Jello"
    assert displayed_line("abcdef\x1b[3D\x1b[K!") == "abc!"
    assert displayed_line("ab\x07c") == "abc"  # a bell changes nothing
    assert displayed_line("x\b \b", start="$ ") == "$  "  # blanks are kept
    assert displayed_line("\r<tail", start="$ echo ") == "<tailo "  # over the prompt
    assert displayed_line("日本語\b\b\b\bX") == "日X 語"  # two columns each
    assert displayed_line("\b\b\bX", start="日本") == " X本"  # half a wide character goes whole


@pytest.mark.parametrize(
    ("keys", "editor", "line", "exact"),
    [
        ("abc\x7fd", True, "abd", True),
        ("abc\x1b[D\x1b[DX", True, "aXbc", True),
        ("one two\x17three", True, "one three", True),
        ("abc\x01X\x05Y", True, "XabcY", True),
        ("abc\x1b[D\x1b[D\x0b", True, "a", True),
        ("ab\tc", True, "abc", False),  # completion: the program decides
        ("\x1b[A", True, "", False),  # history
        ("ab\x1b[Dc", False, "ab\x1b[Dc", True),  # the terminal passes keys on
        ("abc\x15x", False, "x", True),
        ("a\x16\x03\x16\x15b\x16", False, "a\x03\x15b", True),  # ^V: the next key as it is
    ],
)
def test_edited_is_the_line_the_keys_make(keys: str, editor: bool, line: str, exact: bool) -> None:
    assert edited_line(keys, editor=editor) == (line, exact)


def test_record_to_a_path_that_cannot_be_written(tmp_path: Path) -> None:
    # Checked before the session starts; a write that still fails prints the file.
    for output, problem in [
        (tmp_path / "no-such-dir" / "x.session", "no directory"),
        (tmp_path, "it is a directory"),
    ]:
        argv = [*DRIVER, "record", "-o", str(output), "--", "echo", "hi"]
        with driver.spawn(argv, backend="pty", timeout=30) as terminal:
            message = terminal.read()
            assert terminal.wait() == 2
        assert f"driver record: cannot write {output}: {problem}" in message
        assert "Traceback" not in message
    if not Path("/proc/version").is_file():
        pytest.skip("no /proc/version to fail a write")
    argv = [*DRIVER, "record", "-o", "/proc/version", "--", "echo", "kept"]
    with driver.spawn(argv, backend="pty", timeout=30) as terminal:
        shown = terminal.read()
        assert terminal.wait() == 1
    assert "$ echo kept\nkept\n[0]\n" in shown
    assert "driver record: could not write /proc/version" in shown
    assert "Traceback" not in shown


# -- writing the file ------------------------------------------------------------------

#: A program whose session file is larger than the room left for it (in bytes).
LONG_OUTPUT = "for n in range(300): print('line', n, 'x' * 60)"
ROOM = 8192


@contextlib.contextmanager
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A directory on a tmpfs of 64 KiB (root only), unmounted afterwards."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root and mount(8)")
    directory = tmp_path / "small"
    directory.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(directory)],
        capture_output=True, text=True,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=True)


def fill(directory: Path, room: int) -> None:
    """Fill ``directory``'s file system but for ``room`` bytes (ENOSPC after them)."""
    with open(directory / "filler", "wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 4096)
    free = os.statvfs(directory)
    taken = (directory / "filler").stat().st_size
    os.truncate(directory / "filler", max(0, taken - room + free.f_bavail * free.f_frsize))


def record_over(path: Path, *limits: str) -> str:
    """`driver record -o path` of LONG_OUTPUT (``limits``: RLIMIT_FSIZE
    bytes, set before driver starts); what it printed."""
    start = [PY, "-c", SET_FILE_SIZE_LIMIT, *limits] if limits else [PY]
    argv = [*start, "-m", "driver", "record", "-o", str(path), "--", PY, "-c", LONG_OUTPUT]
    with driver.spawn(argv, backend="pty", timeout=30) as terminal:
        shown = terminal.read()
        assert terminal.wait() == 1, shown
    return shown


SET_FILE_SIZE_LIMIT = (
    "import os, resource, sys; limit = int(sys.argv.pop(1));"
    " resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit));"
    " os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


@pytest.mark.parametrize("how", ["full-disk", "file-size-limit"])
def test_record_keeps_the_earlier_recording_when_the_new_one_cannot_be_written(
    tmp_path: Path, how: str
) -> None:
    # Written beside it and renamed over it: a write that fails (no room
    # left: ENOSPC, or EFBIG past RLIMIT_FSIZE) leaves the earlier file whole.
    with contextlib.ExitStack() as stack:
        directory = stack.enter_context(small_disk(tmp_path)) if how == "full-disk" else tmp_path
        path = directory / "kept.session"
        earlier = "$ echo earlier\nearlier\n[0]\n"
        path.write_text(earlier)
        if how == "full-disk":
            fill(directory, ROOM)
            shown = record_over(path)
        else:
            shown = record_over(path, str(ROOM))
        assert path.read_text() == earlier
        assert sorted(p.name for p in directory.iterdir()) == sorted(
            ["kept.session", *(["filler"] if how == "full-disk" else [])]
        )  # no temporary file left behind
    why = "No space left on device" if how == "full-disk" else "File too large"
    assert f"driver record: could not write {path} ({why}); the file there is as it was" in shown
    assert "line 299 " in shown  # the session file, on the terminal instead
    assert "Traceback" not in shown
