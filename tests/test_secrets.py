"""Secrets are never shown: one masking layer for everything that leaves driver."""

from __future__ import annotations

import importlib.util
import io
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import driver
import driver.pexpect as pexpect
from driver.pexpect import replwrap
from driver.sessionfile import run_file, update_file
from helpers import Spawn, driver_command, python

pytest_plugins = ["pytester"]

needs_pyte = pytest.mark.skipif(
    importlib.util.find_spec("pyte") is None,
    reason="a screen needs pyte: pip install 'linedriver[screen]'",
)

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


# -- every place text can go ------------------------------------------------------


def test_a_session_file_waiting_for_an_echo_never_spells_the_password(tmp_path: Path) -> None:
    # A password prompt (echo off) whose program then never answers.
    program = (
        "import sys, termios; a = termios.tcgetattr(0); a[3] &= ~termios.ECHO;"
        " termios.tcsetattr(0, termios.TCSANOW, a);"
        " print('Password: ', end='', flush=True); sys.stdin.read()"
    )
    path = tmp_path / "hang.session"
    path.write_text(
        f'%timeout 1\n%secret PW\n$ {sys.executable} -c "{program}"\nPassword:\n> ${{PW}}\nok\n'
    )
    log = io.StringIO()
    result = run_file(path, variables={"PW": "Hunter2Hunter2"}, log=log)
    assert not result.passed
    shown = "".join(f.message for f in result.failures) + result.diff() + log.getvalue()
    assert "the echo of what was sent" in shown
    _assert_no_piece_of("Hunter2Hunter2", shown)


def test_a_value_captured_into_a_secret_is_masked_on_earlier_lines_too(tmp_path: Path) -> None:
    program = "t = 'r3w9YnqkX7qZ'[::-1]; print('issued', t); print('Token:', t)"
    path = tmp_path / "token.session"
    path.write_text(
        f'%backend pipe\n%secret TOKEN\n$ {sys.executable} -c "{program}"\n'
        "issued something-else\nToken: (?P<TOKEN>\\S+) (re)\n"
    )
    result = run_file(path)
    assert not result.passed
    shown = "".join(f.message for f in result.failures) + result.diff() + result.actual
    _assert_no_piece_of("Zq7XkqnY9w3r", shown)
    assert "+issued ${TOKEN}\n" in result.diff()  # so that --update writes a file that runs


def test_a_command_line_never_shows_a_secret(backend: str) -> None:
    token = "tok_SECRET_9876"
    s = driver.spawn(["sh", "-c", "exec cat", "sh", f"--token={token}"], backend=backend)
    s.add_secret(token)
    with pytest.raises(driver.Timeout) as error:
        s.expect_exact("never", timeout=0.2)
    s.close()
    with pytest.raises(driver.SessionClosed) as closed:
        s.send_line("x")
    for shown in (repr(s), s.describe(), str(error.value), str(closed.value)):
        _assert_no_piece_of(token, shown)
    assert token not in " ".join(error.value.argv)


def test_a_secret_argument_is_a_secret(backend: str) -> None:
    password = driver.Secret("hunter2hunter2")
    with pytest.raises(driver.SpawnError) as failed:
        driver.spawn(["/nonexistent/program", password], backend=backend)
    _assert_no_piece_of(password, str(failed.value))
    assert failed.value.__context__ is None
    with driver.spawn(["sh", "-c", "exec cat", "sh", password], backend=backend) as s:
        with pytest.raises(driver.Timeout) as error:
            s.expect_exact("never", timeout=0.2)
        _assert_no_piece_of(password, str(error.value), repr(s))


def test_a_secret_is_masked_before_a_line_or_pattern_is_escaped(spawn: Spawn) -> None:
    secret = "ab.cd ef#gh"
    s = spawn(python("import sys; print('export PW=${X}', sys.stdin.readline().strip())"))
    s.send_line(driver.Secret(secret))
    assert s.read_line().startswith("export")
    for pattern in (re.escape(secret), secret + " ("):  # a regex, and one that is not valid
        with pytest.raises((driver.Timeout, driver.EOF, ValueError)) as error:
            s.expect(pattern, timeout=0.2)
        _assert_no_piece_of(secret, str(error.value), s.transcript)
        _assert_no_piece_of(re.escape(secret), str(error.value))


@pytest.mark.parametrize("secret", ["tab\tsep\tpw", "пароль-секрет"])
def test_a_secret_is_masked_before_a_pattern_is_shown_with_repr(secret: str) -> None:
    with driver.spawn(["cat"], encoding=None) as s:
        s.add_secret(secret)
        with pytest.raises(driver.Timeout) as error:
            s.expect_exact(secret.encode(), timeout=0.2)
        shown = str(error.value)
        for hidden in (secret, repr(secret)[1:-1], repr(secret.encode())[2:-1]):
            _assert_no_piece_of(hidden, shown)


def test_a_bytes_secret_that_is_not_utf8_is_masked(spawn: Spawn) -> None:
    s = spawn(["cat"], encoding=None)
    s.send_line(b"p\xe4ssw\xf6rd", secret=True)
    with pytest.raises(driver.Timeout) as error:
        s.expect(b"never", timeout=0.3)
    assert b"ssw" not in error.value.output and "ssw" not in str(error.value)
    s.add_secret(b"\xffanother-secret")
    assert "another" not in s.transcript


def test_errors_about_bad_input_never_show_a_secret(spawn: Spawn) -> None:
    s = spawn(["cat"])
    with pytest.raises(TypeError) as wrong_kind:
        s.send_line(b"hunter2hunter2", secret=True)  # type: ignore[arg-type]
    s.add_secret("tok_SECRET_9876")
    with pytest.raises(TypeError) as wrong_pattern:
        s.expect(b"tok_SECRET_9876")  # type: ignore[arg-type]
    _assert_no_piece_of("hunter2hunter2", str(wrong_kind.value))
    _assert_no_piece_of("tok_SECRET_9876", str(wrong_pattern.value))


def test_a_decode_error_keeps_no_context_that_shows_the_secret(spawn: Spawn) -> None:
    s = spawn(python("import os; os.write(1, b'\\xffSECRETpass123\\n')"))
    s.add_secret("SECRETpass123")
    with pytest.raises(driver.DecodeError) as error:
        s.read()
    assert error.value.__context__ is None
    assert b"SECRET" not in error.value.raw


def test_a_repl_command_given_as_a_secret_is_sent_as_one() -> None:
    with driver.repl.python() as py:
        assert py.run(driver.Secret("token = 'Zq7Tok' 'enXYZ123'")) == ""
        py.session.add_secret("hunter2hunter2")
        with pytest.raises(driver.IncompleteCommand) as incomplete:
            py.run("x = ('hunter2hunter2',")
        _assert_no_piece_of("Zq7TokenXYZ123", py.session.transcript)
        _assert_no_piece_of("hunter2hunter2", str(incomplete.value))


def test_update_writes_a_short_secret_only_where_it_is_a_word(tmp_path: Path) -> None:
    path = tmp_path / "pin.session"
    path.write_text("%backend pipe\n%secret PIN\n$ echo 'account 4128, pin 12'\nwrong\n")
    result = run_file(path, variables={"PIN": "12"})
    update_file(result)
    assert path.read_text().endswith("\naccount 4128, pin ${PIN}\n")
    assert run_file(path, variables={"PIN": "12"}).passed


# -- text shown in pieces: a log written as it is read ----------------------------


def test_text_masked_in_pieces_reads_as_it_does_masked_whole() -> None:
    secrets = driver.Secrets(["hunter2pass", "12", "пароль"])
    text = "login hunter2pass, pin 12 (not 123), пароль!\n"
    whole = secrets.mask(text)
    assert whole == "login ********, pin ******** (not 123), ********!\n"
    for first in range(1, len(text)):
        for second in range(first, len(text)):
            masker = secrets.incremental()
            pieces = (text[:first], text[first:second], text[second:])
            shown = "".join(masker.mask(piece) for piece in pieces) + masker.mask("", final=True)
            assert shown == whole, pieces
    data = text.encode()  # in bytes, cut inside a character too
    for cut in range(1, len(data)):
        masker = secrets.incremental()
        shown_bytes = masker.mask(data[:cut]) + masker.mask(data[cut:]) + masker.mask(b"", True)
        assert shown_bytes == whole.encode(), cut


def test_a_masker_holds_back_only_what_could_begin_a_secret() -> None:
    masker = driver.Secrets(["hunter2pass"]).incremental()
    assert masker.mask("Password: ") == "Password: "  # nothing held: no secret starts so
    assert masker.mask("ok hun") == "ok "  # "hun" waits for what follows
    assert masker.mask("ter2pass, more.") == "********, more."
    assert masker.mask("hu", final=True) == "hu"  # the end: all that is left


# -- driver.pexpect -------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", None])
def test_a_secret_sent_with_driver_pexpect_never_shows(encoding: str | None) -> None:
    logs = {name: io.StringIO() if encoding else io.BytesIO() for name in ("all", "read", "send")}
    argument = driver.Secret("tok_SECRET_9876")  # a Secret argument is one too
    child = pexpect.spawn(
        "sh",
        ["-c", "exec cat", "sh", argument],
        encoding=encoding,
        timeout=0.3,
        logfile=logs["all"],
    )
    child.logfile_read, child.logfile_send = logs["read"], logs["send"]
    child.sendline(driver.Secret("hunter2pass"))
    with pytest.raises(pexpect.TIMEOUT) as timeout:
        child.expect("never")
    raw = "hunter2pass" if encoding else b"hunter2pass"
    assert raw in child.before  # for the code to match: the child's output as it came
    child.send(driver.Secret("sesame42open"))  # no line end: cat has not copied it
    with pytest.raises(pexpect.TIMEOUT) as unsent:
        child.expect_exact("never")
    shown = str(child)
    child.sendeof()  # hands the open line over
    child.sendeof()  # and ends cat's input
    with pytest.raises(pexpect.EOF) as eof:
        child.expect("never")
    child.close()
    written = [log.getvalue() for log in logs.values()]
    texts = [w if isinstance(w, str) else w.decode() for w in written]
    assert "********" in texts[0] and "********" in texts[2]
    for secret in ("hunter2pass", "sesame42open", argument):
        _assert_no_piece_of(secret, str(timeout.value), str(unsent.value), str(eof.value))
        _assert_no_piece_of(secret, shown, child.name, child._session.transcript, *texts)


@pytest.mark.parametrize("encoding", ["utf-8", None])
def test_a_secret_split_between_two_reads_never_shows_in_a_pexpect_logfile(
    encoding: str | None,
) -> None:
    # The child prints the password in two writes, the second once the
    # first was read (it waits for a signal in between): a cut inside a
    # character, too, in bytes.
    program = (
        "import signal, sys\n"
        "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})\n"
        "pw = sys.stdin.buffer.readline().strip()\n"
        "sys.stdout.buffer.write(pw[:3]); sys.stdout.flush()\n"
        "signal.sigwait({signal.SIGUSR1})\n"
        "sys.stdout.buffer.write(pw[3:] + b'\\n'); sys.stdout.flush()\n"
    )
    log: io.StringIO | io.BytesIO = io.StringIO() if encoding else io.BytesIO()
    child = pexpect.spawn(sys.executable, ["-c", program], echo=False, encoding=encoding)
    child.logfile_read = log
    child.sendline(driver.Secret("пароль-tail"))
    child.expect("." if encoding else b"...")  # the first write (in text: its one whole character)
    child.kill(signal.SIGUSR1)
    child.expect(pexpect.EOF)
    child.close()
    written = log.getvalue()
    assert (written if isinstance(written, str) else written.decode()) == "********\r\n"


def test_a_pexpect_repl_command_given_as_a_secret_never_shows() -> None:
    repl = replwrap.python()
    with pytest.raises(ValueError, match="input was incomplete") as incomplete:
        repl.run_command(driver.Secret("x = ('hunter2hunter2',"))
    _assert_no_piece_of("hunter2hunter2", str(incomplete.value), repl.child._session.transcript)
    repl.child.close()


# -- a screen's rows ------------------------------------------------------------------


def test_a_secret_wrapped_at_the_screens_edge_is_masked_in_each_row() -> None:
    secrets = driver.Secrets(["Zq7T9w"])
    rows = ["x" * 7 + "Zq7", "T9w and more", "a row ending Zq7", "T9w that was not wrapped"]
    wrapped = [True, False, False, False]
    assert secrets.mask_rows(rows, wrapped) == [
        "x" * 7 + "********",
        "******** and more",
        "a row ending Zq7",  # (the row ends before the edge: another line)
        "T9w that was not wrapped",
    ]
    assert secrets.mask_rows(["Zq", "7T", "9w"], [True, True, False]) == ["********"] * 3


#: Prints the password it reads where an 80-column screen's edge splits it
#: (3 + 3 characters), then on a line of its own; waits for a line to end.
_WRAPS_IT = (
    "import sys\n"
    "pw = sys.stdin.readline().strip()\n"
    "print('x' * 77 + pw)\n"
    "print('token:', pw, flush=True)\n"
    "sys.stdin.readline()\n"
    "print('bye', pw, flush=True)\n"
)
#: A secret shorter than two pieces: split in two by the edge, neither part
#: is a piece of it.
_SHORT = "Zq7T9w"


def _assert_no_part_of_short(*shown: str) -> None:
    for part in (_SHORT[:3], _SHORT[3:]):
        for text in shown:
            assert part not in text, f"{part!r} shows in {text!r}"


@needs_pyte
def test_a_short_secret_the_screens_edge_splits_never_shows_in_an_error() -> None:
    argv = [sys.executable, "-c", _WRAPS_IT]
    with driver.spawn(argv, backend="pty", screen=True, dimensions=(24, 80)) as s:
        s.send_line(driver.Secret(_SHORT))
        s.expect_screen("token: ")
        with pytest.raises(driver.Timeout) as error:
            s.expect_screen("never", timeout=0.3)
        _assert_no_part_of_short(error.value.screen, str(error.value))
        assert error.value.screen.count("********") == 3


@needs_pyte
def test_a_session_file_never_shows_a_secret_the_screens_edge_splits(tmp_path: Path) -> None:
    (tmp_path / "wraps.py").write_text(_WRAPS_IT)
    path = tmp_path / "wraps.session"
    path.write_text(
        "%timeout 1\n%secret PW\n%screen 24x80\n"
        f"$ {sys.executable} {tmp_path / 'wraps.py'}\n> ${{PW}}\n| not what it shows\n> \n[0]\n"
    )
    ran = driver_command("run", "--verbose", "--var", f"PW={_SHORT}", path)
    assert ran.returncode == 1, ran.stderr
    err = path.with_suffix(".session.err").read_text()
    updated = driver_command("run", "--update", "--var", f"PW={_SHORT}", path)
    assert updated.returncode == 0, updated.stderr
    written = path.read_text()
    _assert_no_part_of_short(ran.stdout, ran.stderr, err, updated.stdout, written)
    assert f"| {'x' * 77}.+ (re)\n| .+ (re)\n" in written
    assert driver_command("run", "--var", f"PW={_SHORT}", path).returncode == 0


# -- one secret, everywhere text goes ---------------------------------------------------


@needs_pyte
def test_one_secret_never_shows_wherever_driver_shows_text(
    tmp_path: Path, pytester: pytest.Pytester
) -> None:
    program = tmp_path / "wraps.py"
    program.write_text(_WRAPS_IT)
    argv = [sys.executable, str(program)]
    screen = {"backend": "pty", "screen": True, "dimensions": (24, 80)}
    shown: dict[str, str] = {}

    # A session: its transcript, log, errors (message, output, screen) and repr.
    log = io.StringIO()
    with driver.spawn(argv, log=log, **screen) as s:  # type: ignore[call-overload]
        s.send_line(driver.Secret(_SHORT))
        s.expect_screen("token: ")
        with pytest.raises(driver.Timeout) as timeout:
            s.expect_screen("never", timeout=0.3)
        s.send_line("")
        with pytest.raises(driver.EOF) as eof:
            s.expect("never")
        shown["repr"] = repr(s) + repr(driver.Secret(_SHORT))
    shown["transcript"], shown["log"] = s.transcript, log.getvalue()
    for name, error in (("timeout", timeout.value), ("eof", eof.value)):
        shown[name] = "\n".join([str(error), error.output, error.screen, error.transcript_tail])

    # driver.pexpect: its logfile, its messages and str(child).
    logfile = io.StringIO()
    child = pexpect.spawn(
        sys.executable, [str(program)], encoding="utf-8", logfile=logfile, timeout=0.3
    )
    child.sendline(driver.Secret(_SHORT))
    child.expect("token: ")
    with pytest.raises(pexpect.TIMEOUT) as pexpect_timeout:
        child.expect("never")
    shown["str(child)"] = str(child)
    child.sendline("")
    with pytest.raises(pexpect.EOF) as pexpect_eof:
        child.expect("never")
    child.close()
    shown["pexpect"] = f"{pexpect_timeout.value}\n{pexpect_eof.value}\n{logfile.getvalue()}"

    # pytest's report of a failed test, and the transcript files it writes.
    secret_file = tmp_path / "password"  # (pytest shows the test's source: not the value)
    secret_file.write_text(_SHORT)
    pytester.makepyfile(
        test_it=f"""
        import pathlib, driver
        def test_it(spawn):
            s = spawn({argv!r}, **{screen!r})
            s.send_line(driver.Secret(pathlib.Path({str(secret_file)!r}).read_text()))
            s.expect_screen("token: ")
            s.expect_screen("never", timeout=0.3)
        """
    )
    basetemp = pytester.path / "tmp"
    report = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:asyncio", f"--basetemp={basetemp}"
    )
    report.assert_outcomes(failed=1)
    shown["pytest"] = report.stdout.str()
    shown["transcript files"] = "".join(p.read_text() for p in basetemp.rglob("*.transcript"))

    # A session file: driver run's output, its .err file and what --update writes.
    path = tmp_path / "wraps.session"
    path.write_text(
        f"%timeout 1\n%secret PW\n%screen 24x80\n$ {sys.executable} {program}\n> ${{PW}}\n"
        "| not what it shows\n> \n[0]\n"
    )
    ran = driver_command("run", "--verbose", "--var", f"PW={_SHORT}", path)
    shown["driver run"] = ran.stdout + ran.stderr
    shown[".err"] = path.with_suffix(".session.err").read_text()
    updated = driver_command("run", "--update", "--var", f"PW={_SHORT}", path)
    shown["--update"] = updated.stdout + updated.stderr + path.read_text()

    assert "token: ********" in shown["pytest"]  # each place did show the line, masked
    for where, text in shown.items():
        for part in (_SHORT[:3], _SHORT[3:]):  # (the screen's edge splits it so)
            assert part not in text, f"{part!r} shows in the {where}: {text!r}"
