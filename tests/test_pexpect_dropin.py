"""driver.pexpect standing in for pexpect under other projects' tests: what
IPython's, mycli's, argcomplete's and pytest's tests do with pexpect, side by
side with pexpect 4.9 (in the test extras) where that helps. Those suites
themselves run in CI: scripts/pexpect_users.py."""

from __future__ import annotations

import asyncio
import getpass
import io
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pexpect as real_pexpect
import pytest
from pexpect import popen_spawn as real_popen_spawn

import driver
import driver.pexpect as pexpect
from driver.pexpect import popen_spawn, pxssh, replwrap
from helpers import FIXTURES

pytest_plugins = ["pytester"]

PY = sys.executable
BOTH = pytest.mark.parametrize("module", [real_pexpect, pexpect], ids=["pexpect", "driver"])


def need(*programs: str) -> None:
    for program in programs:
        if shutil.which(program) is None:
            pytest.skip(f"{program} is not installed (see the README's test setup)")


# -- expect_exact, as IPython's and mycli's tests call it ------------------------------


def empty_string_matches(module: ModuleType) -> list[Any]:
    """What an empty string finds at each point: IPython's debugger tests
    expect_exact each line of a block, the blank ones too."""
    child = module.spawn(PY, ["-c", "print('first'); print('second'); input()"], encoding="utf-8")
    child.expect("first(?=\r\nsecond\r\n)")  # all of it arrived: the same buffer for both
    seen = []
    for patterns in ["", ["second", ""], ["", "\r\n"], ["\r\n", ""], ("",)]:
        index = child.expect_exact(patterns, timeout=5)
        seen.append((index, child.before, child.after, child.match, child.buffer))
    child.expect_exact("second", timeout=5)  # nothing was consumed on the way
    child.sendline("")
    child.expect(module.EOF, timeout=5)
    seen.append((child.expect_exact(""), child.before, child.after, child.buffer))
    child.close()
    return seen


def test_an_empty_string_matches_at_once_as_in_pexpect() -> None:
    assert empty_string_matches(pexpect) == empty_string_matches(real_pexpect)


def test_an_empty_string_matches_at_once_with_async() -> None:
    child = pexpect.spawn(PY, ["-c", "input()"], encoding="utf-8")
    assert asyncio.run(child.expect_exact("", async_=True)) == 0
    assert (child.before, child.after) == ("", "")
    child.close()


def exact_iterables(module: ModuleType) -> list[Any]:
    """mycli's wait_prompt passes a tuple; pexpect iterates any non-string."""
    code = "print('mysql> ', end='', flush=True); input(); print('done')"
    child = module.spawn(PY, ["-c", code], encoding="utf-8", timeout=5)
    seen = [child.expect_exact(("mysql> ",)), child.after]
    child.sendline("")
    seen += [child.expect_exact(p for p in ["nothing", "done"]), child.after]
    with pytest.raises(TypeError):
        child.expect_exact(5)
    child.close()
    return seen


def test_expect_exact_takes_a_tuple_or_any_iterable_as_pexpect() -> None:
    assert exact_iterables(pexpect) == exact_iterables(real_pexpect) == [0, "mysql> ", 1, "done"]


# -- bashrc.sh, as argcomplete's tests start bash ---------------------------------------


def test_bash_starts_on_the_rc_file_beside_the_package_as_argcomplete_starts_it(
    tmp_path: Path,
) -> None:
    need("bash")
    bashrc = Path(pexpect.__file__).parent / "bashrc.sh"
    (tmp_path / "inputrc").write_text("set bell-style none\n")  # a project's own, as argcomplete's
    env = dict(os.environ, PS1="$", TERM="", HOME=str(tmp_path), INPUTRC=str(tmp_path / "inputrc"))
    env["PROMPT_COMMAND"] = "echo redrawn"
    child = pexpect.spawn("bash", ["--rcfile", str(bashrc)], echo=False, encoding="utf-8", env=env)
    prompts = "PS1='[PEXPECT_\\[\\]PROMPT>' PS2='[PEXPECT_\\[\\]PROMPT+' PROMPT_COMMAND=''"
    bash = replwrap.REPLWrapper(child, "\\$", prompts)
    assert bash.run_command("echo $((6 * 7))") == "42\r\n"  # no bracketed-paste escapes
    child.close()


# -- a ^D right after an expect, as pytest's pdb tests send it ---------------------------


def test_an_eof_sent_right_after_an_expect_reaches_pdb_every_time() -> None:
    # pytest's test_pdb_interaction_exception: expect pdb's output, sendeof() at
    # once. A ^D that reaches the terminal before readline reads was lost.
    child = pexpect.spawn(PY, [str(FIXTURES / "pdb_eof.py")], encoding="utf-8", timeout=10)
    child.expect_exact("(Pdb) ")
    for tries in range(1, 201):
        child.sendline("globalfunc")
        child.expect("function")
        child.sendeof()
        child.expect_exact(f"eof {tries}\r\n")  # a lost ^D: TIMEOUT
    child.close()


def test_a_delay_a_script_sets_is_slept_as_pexpect_sleeps_it() -> None:
    child = pexpect.spawn("cat", encoding="utf-8")
    assert child.delaybeforesend == 0.05  # pexpect's, shown as pexpect shows it
    child.delaybeforesend = 0.3
    started = time.monotonic()
    child.sendline("slept")
    assert time.monotonic() - started >= 0.3
    child.expect_exact("slept")
    child.close()


# -- sending once the child has exited ---------------------------------------------------


def sends_after_the_end(module: ModuleType) -> list[Any]:
    child = module.spawn("true")
    child.expect(module.EOF)
    calls = [
        lambda: child.send("x"),
        lambda: child.sendline("x"),
        child.sendeof,
        lambda: child.sendcontrol("c"),
        child.sendintr,
        lambda: child.write("x"),
    ]
    results = [call() for call in calls]
    child.close()
    return results


def test_sending_to_a_child_that_exited_returns_as_in_pexpect() -> None:
    assert sends_after_the_end(pexpect) == sends_after_the_end(real_pexpect)


def popen_sends_after_the_end(module: ModuleType, popen: ModuleType) -> list[Any]:
    child = popen.PopenSpawn("true")
    child.expect(module.EOF)
    seen = []
    for call in (lambda: child.send("x"), child.sendeof, lambda: child.sendline("x")):
        try:
            seen.append(call())
        except Exception as error:
            seen.append(type(error))
    child.wait()
    # pexpect's PopenSpawn has no close(): its pipe is closed by hand
    (getattr(child, "close", None) or child.proc.stdout.close)()
    return seen


def test_sending_to_a_pipe_child_that_exited_fails_as_in_pexpect() -> None:
    ours = popen_sends_after_the_end(pexpect, popen_spawn)
    theirs = popen_sends_after_the_end(real_pexpect, real_popen_spawn)
    assert ours == theirs == [BrokenPipeError, None, ValueError]


# -- pxssh --------------------------------------------------------------------------------


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """An sshd on a free local port taking one key, whose passphrase is
    ``phrase``, for this user; what ``pxssh.login`` needs to reach it."""
    need("ssh", "ssh-keygen")
    sshd = shutil.which("sshd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if sshd is None:
        pytest.skip("sshd is not installed (openssh-server; see the README's test setup)")
    for name, phrase in (("host", ""), ("user", "phrase")):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", phrase, "-f", str(tmp_path / name)],
            check=True, timeout=60,
        )  # fmt: skip
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {tmp_path / 'host'}\n"
        f"AuthorizedKeysFile {tmp_path / 'user.pub'}\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPidFile none\n"
    )
    server = driver.spawn([sshd, "-D", "-e", "-f", str(config)])
    if server.expect(["Server listening on", driver.EOF], timeout=30).index == 1:
        pytest.skip(f"sshd does not start here: {server.before.strip()}")
    yield {
        "server": "127.0.0.1",
        "username": getpass.getuser(),
        "password": "phrase",  # the key's passphrase: ssh asks for it, pxssh answers
        "port": port,
        "ssh_key": str(tmp_path / "user"),
    }
    server.terminate()  # sshd ends on SIGTERM, not on EOF
    server.close()


def test_pxssh_logs_in_with_the_local_ssh_and_runs_commands(sshd: dict[str, Any]) -> None:
    options = {"StrictHostKeyChecking": "no", "UserKnownHostsFile": "/dev/null"}
    session = pxssh.pxssh(options=options, encoding="utf-8", timeout=30)
    log = io.StringIO()
    session.logfile_send = log
    assert session.login(**sshd) is True
    session.sendline("echo $((6 * 7))")
    assert session.prompt()
    assert "42" in session.before
    session.logout()
    assert session.exitstatus == 0
    assert "phrase" not in log.getvalue()  # the password is a secret


def test_pxssh_reports_a_refused_login(sshd: dict[str, Any]) -> None:
    session = pxssh.pxssh(options={"StrictHostKeyChecking": "no"}, encoding="utf-8")
    with pytest.raises(pxssh.ExceptionPxssh, match=r"password refused|permission denied"):
        session.login(**{**sshd, "password": "wrong"}, login_timeout=30)
    assert session.closed


def test_pxssh_builds_pexpects_command_line() -> None:
    session = pxssh.pxssh(debug_command_string=True, options={"ConnectTimeout": "5"})
    command = session.login("host", "me", port=2222, ssh_key=True, ssh_tunnels={"local": ["1:h:2"]})
    expected = "ssh -o 'ConnectTimeout=5' -q -p 2222 -A -L 1:h:2 -l me host"
    assert command.split() == expected.split(" ")


# -- install_as_pexpect -------------------------------------------------------------------


def test_install_as_pexpect_makes_pexpect_and_its_modules_drivers() -> None:
    code = textwrap.dedent(
        """
        import pexpect as before  # pexpect's own, imported first
        import driver.pexpect
        driver.pexpect.install_as_pexpect()
        import pexpect
        import pexpect.pxssh
        from pexpect import replwrap
        from pexpect.popen_spawn import PopenSpawn
        assert pexpect is driver.pexpect and before is not pexpect
        assert pexpect.pxssh is driver.pexpect.pxssh
        assert replwrap is driver.pexpect.replwrap
        assert PopenSpawn is driver.pexpect.popen_spawn.PopenSpawn
        assert pexpect.__spec__.name == "driver.pexpect"  # driver's own, kept
        try:
            import pexpect.FSM
        except ImportError as error:
            print(error)
        """
    )
    done = subprocess.run(
        [PY, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "No module named 'pexpect.FSM'" in done.stdout
    assert "install_as_pexpect()" in done.stdout


# -- a tool that restores sys.modules ------------------------------------------------------


@pytest.mark.parametrize("where", ["conftest", "test"])
def test_sessions_work_after_pytester_restored_sys_modules(
    pytester: pytest.Pytester, where: str
) -> None:
    # pytester restores sys.modules after each test, dropping what a test
    # imported first; the next test's session must not mix old and new copies.
    # driver.pexpect is imported by the conftest (as pexpect, at module level,
    # as pytest-timeout's and pdbpp's conftests import it), or first in a test.
    if where == "conftest":
        pytester.makeconftest(
            "import driver.pexpect\ndriver.pexpect.install_as_pexpect()\nimport pexpect\n"
        )
    importing = "import pexpect" if where == "conftest" else "import driver.pexpect as pexpect"
    pytester.makepyfile(
        f"""
        import io
        import sys

        import driver

        pytest_plugins = ["pytester"]


        def test_names_first_used_here(pytester):
            driver.Deadline(1), driver.Secret("x"), driver.CONTINUE, driver.Secrets


        def test_a_session_started_after(pytester):
            {importing}

            child = pexpect.spawn({PY!r}, ["-c", "print(input()); print('bye')"],
                                  encoding="utf-8", timeout=10)
            child.logfile_read = log = io.StringIO()
            child.sendline(driver.Secret("hush"))
            child.expect("bye")
            child.expect(pexpect.EOF)
            assert child.wait() == 0
            assert "hush" not in log.getvalue()
            with driver.spawn([{PY!r}, "-c", "print(input())"]) as session:
                session.send_line(driver.Secret("quiet"))
                assert session.read_line(timeout=driver.Deadline(None)) == "quiet"
                assert "quiet" not in session.transcript


        def test_again(pytester):
            test_names_first_used_here(pytester)
            test_a_session_started_after(pytester)
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=3)
