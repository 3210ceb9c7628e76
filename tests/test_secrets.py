"""Secrets are never shown: one masking layer for everything that leaves driver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import driver
from helpers import Spawn, python

_ECHO = "import sys\nfor line in sys.stdin: print('got', line.strip(), flush=True)"


def test_a_secret_value_is_sent_but_never_shown(spawn: Spawn) -> None:
    s = spawn(python(_ECHO))
    s.send_line(driver.Secret("hunter2"))
    assert s.read_line() == "got hunter2"  # the code reads what the child printed
    assert "hunter2" not in s.transcript
    assert "> ********" in s.transcript
    assert "hunter2" not in repr(driver.Secret("hunter2"))


def test_a_bytes_session_masks_its_errors(spawn: Spawn) -> None:
    s = spawn(python(_ECHO), encoding=None)
    s.send_line(b"hunter2", secret=True)
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact(b"never", timeout=0.3)
    assert b"hunter2" not in error.value.output
    assert b"********" in error.value.output
    assert "hunter2" not in str(error.value)


def test_a_secret_in_a_pattern_is_masked_in_the_error(spawn: Spawn) -> None:
    s = spawn(python(_ECHO))
    s.send_line("hunter2", secret=True)
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact("hunter2 is not here", timeout=0.3)
    for shown in (str(error.value), error.value.pattern, error.value.message):
        assert "hunter2" not in shown


def test_a_decode_error_masks_the_raw_bytes(spawn: Spawn) -> None:
    s = spawn(python("import os; os.write(1, b'\\xff hunter2 follows a bad byte')"))
    s.add_secret("hunter2")
    with pytest.raises(driver.DecodeError) as error:
        s.read()
    assert b"hunter2" not in error.value.raw
    assert "hunter2" not in str(error.value)


def test_a_short_secret_is_masked_only_as_a_whole_word(spawn: Spawn) -> None:
    s = spawn(python("print('about the table: ab, then ab.')"))
    s.add_secret("ab")
    s.read()
    assert "about the table: ********, then ********." in s.transcript


# Echoes each line in two parts, the second only once the next line has
# come: the echo of a secret split by a later send.
_SPLIT_ECHO = (
    "import sys\n"
    "for line in sys.stdin:\n"
    "    print(line[:4], end='', flush=True)\n"
    "    following = sys.stdin.readline()\n"
    "    print(line[4:] + following, end='', flush=True)\n"
)


def _assert_no_piece_of(secret: str, *shown: str) -> None:
    for piece in (secret[i : i + 4] for i in range(len(secret) - 3)):
        for text in shown:
            assert piece not in text, f"{piece!r} shows in {text!r}"


def test_no_piece_of_a_secret_shows_when_its_echo_is_split(spawn: Spawn) -> None:
    s = spawn(python(_SPLIT_ECHO))
    s.send_line(driver.Secret("hunter2pass"))
    s.expect("....")  # the echo's first half
    s.send_line("next")
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact("never", timeout=0.3)
    assert error.value.output == "********\nnext\n"
    _assert_no_piece_of("hunter2pass", str(error.value), s.transcript)


@pytest.mark.parametrize("backend", ["pty"])
def test_no_piece_of_a_secret_shows_when_its_echo_is_consumed_to_its_middle(
    spawn: Spawn,
) -> None:
    s = spawn(["cat"], echo=True)
    s.send_line(driver.Secret("hunter2pass"))
    s.expect("r2")  # the terminal's echo, up to its middle
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact("never", timeout=0.3)
    _assert_no_piece_of("hunter2pass", str(error.value), error.value.output, s.transcript)
    assert s.transcript.count("********") >= 2  # the echo, and cat's copy


def test_a_bytes_session_masks_pieces_of_a_secret(spawn: Spawn) -> None:
    s = spawn(python(_SPLIT_ECHO), encoding=None)
    s.send_line(b"hunter2pass", secret=True)
    s.expect(b"....")
    s.send_line(b"next")
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact(b"never", timeout=0.3)
    assert error.value.output.replace(b"\r", b"") == b"********\nnext\n"
    _assert_no_piece_of("hunter2pass", str(error.value), s.transcript)


def test_run_answers_a_password_without_showing_it() -> None:
    program = (
        "import getpass\n"
        "p = getpass.getpass('Password: ')\n"
        "print('you typed', p, flush=True)\n"
        "input('More? ')\n"
    )
    with pytest.raises(driver.Timeout) as error:
        driver.run(python(program), {"Password: ": driver.Secret("hunter2")}, timeout=1)
    assert "hunter2" not in str(error.value)
    assert "hunter2" not in error.value.output
    assert "you typed ********" in error.value.output


def test_a_captured_secret_declared_late_never_shows(tmp_path: Path) -> None:
    token = "tok3nvalue9876"
    # Made up by the program, so the file's own text never holds it.
    program = "t = 'tok3n' + 'value9876'; print('token:', t); print('again', t)"
    session_file = tmp_path / "token.session"
    session_file.write_text(
        f'$ {sys.executable} -c "{program}"\n'
        "token: (?P<TOKEN>\\w+) (re)\n"
        "something else\n"
        "%secret TOKEN\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "driver", "run", "--verbose", str(session_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1  # the second line differs: a failure, with a diff
    err = session_file.with_suffix(".session.err").read_text()
    for shown in (result.stdout, result.stderr, err):
        assert token not in shown
    assert "********" in result.stdout


@pytest.mark.parametrize("value", ["hunter2\0rest", b"hunter2"])
def test_a_spawn_error_never_shows_an_env_value(backend: str, value: object) -> None:
    with pytest.raises(driver.SpawnError) as error:
        driver.spawn(["cat"], backend=backend, env={"TOKEN": value})  # type: ignore[dict-item]
    assert "TOKEN" in str(error.value)
    assert "hunter2" not in str(error.value)
