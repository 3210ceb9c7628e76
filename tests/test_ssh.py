"""Sessions over SSH, against a real OpenSSH server on a loopback port (tests/sshd.py).

A remote session is a session like any other: the same reads, expects,
REPLs and secrets; what differs (signals by the channel, no pid, a
terminal whose modes cannot be seen) is tested where it differs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sshd import Server, server

import driver
import driver.repl

pytest_plugins = ["pytester"]

pytest.importorskip("asyncssh", reason="asyncssh is not installed: pip install 'linedriver[ssh]'")

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PYTHON = "python3"  # the remote host's: the fixtures use the standard library only
#: Failures that must come "quickly": far below any timeout, generous for a loaded machine.
QUICKLY = 15.0
#: A program that says it runs, then sleeps.
SLEEPER = ["sh", "-c", "echo ready; exec sleep 30"]


def fixture(name: str) -> str:
    return str(FIXTURES / name)


# -- the basics: argv, exit status, stderr ---------------------------------------------


def test_argv_reaches_the_remote_program_as_a_list(sshd: Server) -> None:
    argv = [PYTHON, "-c", "import sys; print(sys.argv[1:]); sys.exit(3)", "a b", "$HOME", "'\""]
    with driver.spawn(argv, host=sshd.host()) as session:
        assert session.read_line() == str(["a b", "$HOME", "'\""])
        assert session.wait() == 3
        assert session.host == f"{sshd.user}@127.0.0.1:{sshd.port}"
        assert session.backend == "pipe"
        assert f"on {session.host} (exited with status 3)" in session.describe()


def test_the_seed_exchange_on_pipes(sshd: Server) -> None:
    with driver.spawn([PYTHON, fixture("repeater.py")], host=sshd.host()) as session:
        assert session.read_line() == "repeater.py: starting"
        for line in ("one", "two and three"):
            session.send_line(line)
            assert session.read_line() == line
        session.send_eof()
        assert session.read_line() == "repeater.py: exiting"
        assert session.wait() == 0


def test_a_pipe_session_keeps_stderr_apart(sshd: Server) -> None:
    script = "import sys; print('out'); print('err', file=sys.stderr); sys.exit(2)"
    with driver.spawn([PYTHON, "-c", script], host=sshd.host(), stderr="pipe") as session:
        assert session.stderr is not None
        assert session.read_line() == "out"
        assert session.stderr.read_line() == "err"
        assert session.wait() == 2


def test_send_eof_on_pipes_ends_the_remote_input(sshd: Server) -> None:
    with driver.spawn(["cat"], host=sshd.host()) as session:
        session.send_line("one")
        assert session.read_line() == "one"
        session.send_eof()
        assert session.read() == ""
        assert session.wait() == 0


def test_env_is_set_over_the_login_environment_and_cwd_is_remote(sshd: Server) -> None:
    script = (
        "import os; env = os.environ;"
        " print(os.getcwd(), env['GREETING'], env['TERM'], 'HOME' in env)"
    )
    with driver.spawn(
        [PYTHON, "-c", script], host=sshd.host(), env={"GREETING": "hi there"}, cwd="/tmp"
    ) as session:
        assert session.read_line() == "/tmp hi there dumb True"


def test_a_remote_program_that_is_missing_exits_127_with_the_shells_words(sshd: Server) -> None:
    with driver.spawn(["no-such-program-here"], host=sshd.host()) as session:
        assert "No such file or directory" in session.read()
        assert session.wait() == 127


# -- a terminal ------------------------------------------------------------------------


def test_a_pty_dialogue_with_a_password_keeps_it_out_of_everything(
    sshd: Server, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = driver.Secret("correct horse battery")
    prefix = f"/tmp/{tmp_path.name}-app"
    log = tmp_path / "log"
    with (
        log.open("w") as live,
        driver.spawn(
            [PYTHON, fixture("installer.py"), "--prefix", prefix],
            host=sshd.host(),
            backend="pty",
            echo=True,
            log=live,
        ) as session,
    ):
        assert session.has_terminal
        session.expect_exact(f"[{prefix}] ")
        session.send_line("")
        session.expect_exact("[admin] ")
        session.send_line("ada")
        session.expect_exact("password: ")
        session.send_line(password)
        session.expect_exact("password: ")
        session.send_line(password)
        session.expect_exact("[y/N] ")
        session.send_line("y")
        session.expect(r"Installed 3 files\.")
        assert session.wait() == 0
        transcript = session.transcript
    subprocess.run(["rm", "-rf", prefix], check=False)
    assert "> ********" in transcript
    for text in (transcript, log.read_text(), caplog.text):
        assert str(password) not in text


# Reports its size, then its size after a SIGWINCH, which it blocks first:
# a resize that comes as it prints is kept for sigwait, never lost or nested.
SIZES = """
import os, signal
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGWINCH})
for _ in range(2):
    size = os.get_terminal_size(1)
    print(f"size {size.lines}x{size.columns}", flush=True)
    signal.sigwait({signal.SIGWINCH})
"""


def test_a_remote_terminal_has_its_size_and_resizes(sshd: Server) -> None:
    with driver.spawn(
        [PYTHON, "-c", SIZES], host=sshd.host(), backend="pty", dimensions=(30, 100)
    ) as session:
        session.expect_exact("size 30x100")
        session.set_window_size(40, 120)
        session.expect_exact("size 40x120")
        assert session.window_size == (40, 120)


def test_a_remote_terminal_echo_is_as_asked(sshd: Server) -> None:
    with driver.spawn(["cat"], host=sshd.host(), backend="pty", echo=True) as session:
        session.send_line("twice")
        assert session.read_line() == "twice"  # the echo
        assert session.read_line() == "twice"  # cat's
        assert session.echo
        with pytest.raises(driver.DriverError, match="only when the session starts"):
            session.echo = False
    with driver.spawn(["cat"], host=sshd.host(), backend="pty") as session:
        session.send_line("once")
        assert session.read_line() == "once"
        session.send_eof()
        assert session.wait() == 0


def test_interrupt_on_a_remote_terminal_sends_ctrl_c(sshd: Server) -> None:
    with driver.spawn(["cat"], host=sshd.host(), backend="pty") as session:
        session.send_line("x")
        session.read_line()
        session.interrupt()
        assert session.wait() == -signal.SIGINT


# -- REPLs ----------------------------------------------------------------------------


def test_a_bash_repl_over_ssh(sshd: Server) -> None:
    with driver.repl.bash(host=sshd.host()) as bash:
        assert bash.run("echo $((6 * 7))") == "42"
        assert bash.run("whoami") == sshd.user
        assert bash.run("cd /tmp && pwd") == "/tmp"


def test_a_python_repl_over_ssh_runs_the_remote_python(sshd: Server) -> None:
    with driver.repl.python(host=sshd.host()) as python:
        assert python.run("import getpass; getpass.getuser()") == repr(sshd.user)


def test_an_async_repl_over_ssh(sshd: Server) -> None:
    async def main() -> str:
        async with driver.repl.abash(host=sshd.host()) as bash:
            return await bash.run("echo remote")

    assert asyncio.run(main()) == "remote"


# -- signals and exit -----------------------------------------------------------------


def test_send_signal_reaches_the_remote_program(sshd: Server) -> None:
    sshd.require_signals()
    with driver.spawn([PYTHON, fixture("signal_child.py")], host=sshd.host()) as session:
        session.expect_exact("Pausing to wait for signal")
        session.send_signal(signal.SIGUSR1)
        session.expect_exact("Received USR1")
        assert session.wait() == 0
    with driver.spawn(SLEEPER, host=sshd.host()) as session:
        session.expect_exact("ready")  # the server signals its process group, once it is one
        session.terminate()
        assert session.wait() == -signal.SIGTERM
        assert "killed by signal 15" in session.describe()


def test_interrupt_on_pipes_signals_sigint(sshd: Server) -> None:
    sshd.require_signals()
    with driver.spawn(SLEEPER, host=sshd.host()) as session:
        session.expect_exact("ready")
        session.interrupt()
        assert session.wait() == -signal.SIGINT


def test_a_signal_ssh_cannot_carry_is_refused_by_name(sshd: Server) -> None:
    with driver.spawn(["sleep", "30"], host=sshd.host()) as session:
        with pytest.raises(ValueError, match="SIGSTOP cannot be sent over SSH"):
            session.send_signal(signal.SIGSTOP)
        assert "%signal" not in session.transcript


def test_exit_signal_is_a_negative_returncode(sshd: Server) -> None:
    with driver.spawn(["sh", "-c", "kill -KILL $$"], host=sshd.host()) as session:
        assert session.wait() == -signal.SIGKILL


def test_close_ends_a_remote_program_that_ignores_eof(sshd: Server) -> None:
    sshd.require_signals()
    with driver.spawn(SLEEPER, host=sshd.host()) as session:
        session.expect_exact("ready")
        assert session.close(grace=0.2) == -signal.SIGTERM


def test_a_program_that_outlives_an_ignored_sigkill_has_its_channel_closed(
    sshd: Server,
) -> None:
    # OpenSSH ignores signals for root's own sessions (no privilege separation).
    if not sshd.privileged:
        pytest.skip("logs in as root, which only a server run as root allows")
    started = time.monotonic()
    session = driver.spawn(SLEEPER, host=sshd.host(username="root"))
    session.expect_exact("ready")
    with pytest.raises(driver.ExitStatusUnknown, match="did not end within 2 s of SIGKILL"):
        session.close(grace=0.2)
    assert session.closed
    assert time.monotonic() - started < QUICKLY


def test_ignore_signals_is_kept_remotely(sshd: Server) -> None:
    sshd.require_signals()
    session = driver.spawn(SLEEPER, host=sshd.host(), ignore_signals=(signal.SIGTERM,))
    session.expect_exact("ready")
    assert session.close(grace=0.2) == -signal.SIGKILL


def test_a_pid_is_not_known_remotely(sshd: Server) -> None:
    with (
        driver.spawn(["true"], host=sshd.host()) as session,
        pytest.raises(driver.DriverError, match="runs on another machine"),
    ):
        session.pid  # noqa: B018


# -- faults ---------------------------------------------------------------------------


def test_a_killed_connection_is_eof_with_the_reason_never_a_hang(sshd: Server) -> None:
    # Its own server: killing connections spares the other tests'.
    with server() as own, driver.spawn(["cat"], host=own.host()) as session:
        session.send_line("before")
        assert session.read_line() == "before"
        started = time.monotonic()
        own.kill_connections()
        with pytest.raises(driver.EOF) as raised:
            session.read_line(timeout=30)
        assert time.monotonic() - started < QUICKLY
        assert "connection to" in str(raised.value) and "lost" in str(raised.value)
        with pytest.raises(driver.ExitStatusUnknown, match="lost"):
            _ = session.returncode
        with pytest.raises(driver.EOF):
            session.send_line("after")


def test_an_unknown_host_key_is_refused(sshd: Server, tmp_path: Path) -> None:
    empty = tmp_path / "known_hosts"
    empty.write_text("")
    started = time.monotonic()
    with pytest.raises(driver.SpawnError) as raised:
        driver.spawn(["true"], host=sshd.host(known_hosts=str(empty)))
    assert time.monotonic() - started < QUICKLY
    message = str(raised.value)
    assert f"127.0.0.1:{sshd.port}" in message and "unknown" in message
    assert "known_hosts=None" in message


def test_a_changed_host_key_is_refused(sshd: Server, tmp_path: Path) -> None:
    other = tmp_path / "other"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
    kind, text = Path(f"{other}.pub").read_text().split()[:2]
    known = tmp_path / "known_hosts"
    known.write_text(f"[127.0.0.1]:{sshd.port} {kind} {text}\n")
    with pytest.raises(driver.SpawnError, match="CHANGED"):
        driver.spawn(["true"], host=sshd.host(known_hosts=str(known)))


def test_known_hosts_none_accepts_any_key(sshd: Server) -> None:
    with driver.spawn(["echo", "hi"], host=sshd.host(known_hosts=None)) as session:
        assert session.read_line() == "hi"


def test_a_password_logs_in_and_never_shows(sshd: Server, caplog: pytest.LogCaptureFixture) -> None:
    if sshd.password is None:
        pytest.skip("a user with a password is made only as root")
    caplog.set_level(logging.DEBUG)
    host = sshd.host(password=driver.Secret(sshd.password), client_keys=())
    assert sshd.password not in repr(host)
    with driver.spawn(["sh", "-c", f"echo {sshd.password}; exit 4"], host=host) as session:
        assert session.read_line() == sshd.password  # what the program prints is its own
        with pytest.raises(driver.EOF) as raised:
            session.expect("never")
        assert session.wait() == 4
    for text in (str(raised.value), session.transcript, caplog.text):
        assert sshd.password not in text


def test_a_wrong_password_is_a_spawn_error_quickly(
    sshd: Server, caplog: pytest.LogCaptureFixture
) -> None:
    if sshd.password is None:
        pytest.skip("a user with a password is made only as root")
    caplog.set_level(logging.DEBUG)
    wrong = "not-the-password-42"
    started = time.monotonic()
    with pytest.raises(driver.SpawnError) as raised:
        driver.spawn(["true"], host=sshd.host(password=driver.Secret(wrong), client_keys=()))
    assert time.monotonic() - started < QUICKLY
    message = str(raised.value)
    assert "authentication failed" in message and f"127.0.0.1:{sshd.port}" in message
    assert wrong not in message and wrong not in caplog.text


def test_a_refused_port_is_a_spawn_error_naming_host_and_reason() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, never listening: refused
        started = time.monotonic()
        with pytest.raises(driver.SpawnError) as raised:
            driver.spawn(["true"], host=f"someone@127.0.0.1:{port}")
    assert time.monotonic() - started < QUICKLY
    assert f"someone@127.0.0.1:{port}" in str(raised.value)
    assert "connection refused" in str(raised.value)


def test_a_name_that_does_not_resolve_is_a_spawn_error() -> None:
    with pytest.raises(
        driver.SpawnError, match=r"no-such-host\.invalid:22: the host name does not"
    ):
        driver.spawn(["true"], host="no-such-host.invalid")


def test_an_unreachable_host_fails_within_connect_timeout() -> None:
    # A documentation address nothing routes to: dropped, or unreachable at once.
    started = time.monotonic()
    with pytest.raises(driver.SpawnError, match=r"192\.0\.2\.1:22"):
        driver.spawn(["true"], host=driver.Host("192.0.2.1", connect_timeout=0.5))
    assert time.monotonic() - started < QUICKLY


def test_the_first_remote_aspawn_loads_asyncssh_off_the_loop(sshd: Server) -> None:
    # The first one loads asyncssh (a third of a second) and starts driver's
    # SSH thread: on another thread, so the loop's other sessions go on.
    code = f"""
import asyncio, sys, threading, driver

class Watch:
    def find_spec(self, name, path=None, target=None):
        if name == "asyncssh":
            print("loop thread" if threading.current_thread() is loop_thread else "elsewhere")
        return None

async def main():
    async with await driver.aspawn(["echo", "hi"], host={sshd.host()!r}) as session:
        print(await session.read_line())

loop_thread = threading.current_thread()
sys.meta_path.insert(0, Watch())
asyncio.run(main())
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == "elsewhere\nhi\n", done.stderr


def test_one_failing_host_never_stops_the_others(sshd: Server) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"x@127.0.0.1:{probe.getsockname()[1]}"

        async def one(host: Any) -> str:
            try:
                async with await driver.aspawn(["echo", "up"], host=host) as session:
                    return await session.read_line()
            except driver.SpawnError:
                return "refused"

        async def main() -> list[str]:
            hosts = [sshd.host(), dead] * 5
            return await asyncio.gather(*(one(host) for host in hosts))

        assert asyncio.run(main()) == ["up", "refused"] * 5


# -- many sessions ---------------------------------------------------------------------


@pytest.mark.slow
def test_200_sessions_share_a_few_connections() -> None:
    with server() as own:  # its own: no connection of another test's is counted
        host = own.host()
        all_up = asyncio.Event()
        up: list[int] = []

        async def one(number: int) -> str:
            async with await driver.aspawn(["cat"], host=host, timeout=60) as session:
                await session.send_line(f"session {number}")
                line = await session.read_line()
                up.append(number)
                if len(up) == 200:
                    all_up.set()
                await all_up.wait()  # all 200 at once, before any ends
                await session.send_eof()
                await session.wait()
                return line

        async def main() -> tuple[list[str], int]:
            waiting = asyncio.gather(*(one(n) for n in range(200)))
            await all_up.wait()
            connections = len(own.connections())
            return await waiting, connections

        lines, connections = asyncio.run(main())
    assert lines == [f"session {n}" for n in range(200)]
    # OpenSSH's MaxSessions (10) per connection: 20, give or take a race.
    assert 20 <= connections <= 30


def test_a_server_that_allows_fewer_sessions_is_learned(sshd: Server) -> None:
    with server(MaxSessions="3") as small:
        host = small.host()  # max_sessions=10, as for a default server
        sessions = [driver.spawn(["cat"], host=host) for _ in range(7)]
        try:
            for number, session in enumerate(sessions):
                session.send_line(str(number))
                assert session.read_line() == str(number)
            assert len(small.connections()) == 3
        finally:
            for session in sessions:
                session.close()


# -- options and errors without a server -------------------------------------------------


def test_a_host_is_parsed_and_checked() -> None:
    host = driver.Host("h", 2222, username="ada", password=driver.Secret("s3cret!"))
    assert str(host) == "ada@h:2222"
    assert "s3cret" not in repr(host)
    with pytest.raises(ValueError, match="port"):
        driver.Host("h", 0)
    with pytest.raises(TypeError, match="host=5"):
        driver.spawn(["true"], host=5)  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="expected 'name'"):
        driver.spawn(["true"], host="a b@c")


def test_import_driver_does_not_import_asyncssh() -> None:
    code = (
        "import sys, driver, driver.repl, driver.pytest_plugin;"
        " driver.Host('h'); driver.spawn;"
        " assert 'asyncssh' not in sys.modules, 'imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_asyncssh_a_remote_spawn_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['asyncssh'] = None\n"
        "import driver\n"
        "try:\n"
        "    driver.spawn(['true'], host='h')\n"
        "except driver.SpawnError as error:\n"
        "    print(error)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'linedriver[ssh]'" in done.stdout


def test_the_pytest_fixture_takes_a_host(sshd: Server, pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        import driver

        @pytest.mark.parametrize("host", [None, {sshd.host()!r}])
        def test_on_each_host(spawn, host):
            session = spawn(["sh", "-c", "echo $((1 + 1))"], host=host)
            assert session.read_line() == "2"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=2)


# -- session files and the driver command ------------------------------------------------

INSTALL = f"""\
%secret ADMIN_PASSWORD
$ ${{PYTHON}} {FIXTURES}/installer.py --prefix ${{TMPDIR}}/app
Welcome to the installer.
Install directory? [${{TMPDIR}}/app]
>
Administrator name? [admin]
> ada
Administrator password:
> ${{ADMIN_PASSWORD}}
Repeat the password:
> ${{ADMIN_PASSWORD}}
Install 3 files into ${{TMPDIR}}/app? [y/N]
> y
Copying files...
...
Installed \\d+ files\\. (re)
Administrator: (?P<admin>\\w+) \\(password of \\d+ characters\\) (re)
[0]

$ cat ${{TMPDIR}}/app/app.conf
administrator = ${{admin}}
"""


def _cli(sshd: Server, *args: str) -> list[str]:
    return ["-i", sshd.client_key, "--known-hosts", sshd.known_hosts, *args]


def test_driver_run_on_a_host_sends_secrets_over_the_channel_only(
    sshd: Server,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from driver.cli import main

    session_file = tmp_path / "install.session"
    session_file.write_text(INSTALL)
    password = "Zq7xW9pKd2mQ"
    monkeypatch.setenv("ADMIN_PASSWORD", password)
    status = main(["run", "--host", sshd.address, *_cli(sshd, str(session_file))])
    shown = capsys.readouterr().out
    assert status == 0, shown
    assert f"PASS {sshd.address} {session_file}" in shown
    assert password not in shown
    scratch = re.search(r"\[(/tmp/driver-\w+)/app\]", shown)
    assert scratch is not None and not Path(scratch.group(1)).exists()  # removed after


def test_a_secret_is_never_put_in_a_remote_command_line(
    sshd: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driver.cli import main

    session_file = tmp_path / "leak.session"
    session_file.write_text("%secret TOKEN\n$ echo ${TOKEN}\n")
    status = main(["run", "--host", sshd.address, *_cli(sshd, str(session_file))])
    shown = capsys.readouterr().out
    assert status == 1
    assert "a %secret value is part of this command" in shown


def test_driver_run_on_many_hosts_says_how_each_did(
    sshd: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driver.cli import main

    good = tmp_path / "good.session"
    good.write_text("$ whoami\n(?P<who>\\w+) (re)\n")
    required = tmp_path / "required.session"
    required.write_text("%require no-such-program-anywhere\n$ true\n")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"nobody@127.0.0.1:{probe.getsockname()[1]}"
        hosts = tmp_path / "hosts"
        hosts.write_text(f"# the fleet\n{sshd.address}\n\n{dead}\n{sshd.address}\n")
        status = main(
            ["run", "--hosts", str(hosts), "-j", "3", *_cli(sshd, str(good), str(required))]
        )
    lines = capsys.readouterr().out.splitlines()
    assert status == 1
    assert (
        sorted(line.split(" (")[0] for line in lines if line.startswith("PASS"))
        == [f"PASS {sshd.address} {good}"] * 2
    )
    assert len([line for line in lines if line.startswith(f"SKIP {sshd.address} {required}")]) == 2
    errors = [line for line in lines if line.startswith("ERROR")]
    assert len(errors) == 2 and all(
        dead in line and "connection refused" in line for line in errors
    )
    assert lines[-1].startswith("2 of 6 run(s) passed on 3 host(s) in ")
    assert lines[-1].endswith("2 failed, 2 skipped")


def test_a_hosts_file_with_a_bad_line_is_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from driver.cli import main

    hosts = tmp_path / "hosts"
    hosts.write_text("ada@one\nnot a host\n")
    session_file = tmp_path / "x.session"
    session_file.write_text("$ true\n")
    assert main(["run", "--hosts", str(hosts), str(session_file)]) == 2
    assert f"{hosts}:2: host='not a host'" in capsys.readouterr().err
    assert main(["run", "--hosts", str(hosts), "--update", str(session_file)]) == 2


def test_a_failed_tests_report_shows_a_lost_connection(
    sshd: Server, pytester: pytest.Pytester
) -> None:
    pytester.makepyfile(
        f"""
        import driver

        def test_dropped(spawn):
            # The shell kills the sshd process that carries its connection.
            session = spawn(["sh", "-c", "echo ready; kill -KILL $PPID; sleep 30"],
                            host={sshd.host()!r})
            assert session.read_line() == "ready"
            session.expect(driver.EOF, timeout=30)
            assert False, "the report follows"
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    assert "driver session sh" in report and "INTERNALERROR" not in report
    assert f"on {sshd.address} (connection to" in report
