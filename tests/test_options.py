"""The spawn options are declared once, and every entry point takes each of them.

Each option is given a value it refuses; an entry point that passes the
option on reaches its check, whose message names the option. One that
dropped it, or took it under another name, would raise something else.
"""

from __future__ import annotations

import asyncio
import os
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import driver
import driver.repl
from driver import _options
from helpers import driver_command, write_session

pytest_plugins = ["pytester"]

#: A value each option refuses, and what the error then says.
REFUSED: dict[str, tuple[object, str]] = {
    "timeout": ("soon", "timeout='soon'"),
    "errors": ("lenient", "errors='lenient'"),
    "log": (5, "log=5"),
    "newline": ("CR", "newline='CR'"),
    "transcript_limit": (0, "transcript_limit=0"),
    "strip_ansi": ("yes", "strip_ansi='yes'"),
    "backend": ("ptty", "backend='ptty'"),
    "cwd": ("/no/such/directory", "/no/such/directory"),
    "env": ({"": "x"}, "env"),
    "inherit_env": ("no", "inherit_env='no'"),
    "stderr": ("pip", "stderr='pip'"),
    "echo": ("on", "echo='on'"),
    "dimensions": ((0, 80), "dimensions"),
    "ignore_signals": ("SIGHUP", "ignore_signals='SIGHUP'"),
    "screen": ("on", "screen='on'"),
    "quiet": ("very", "quiet='very'"),
    "close_ends": ("all", "close_ends='all'"),
    "host": (22, "host=22"),
}


def _async(start: Callable[..., Any]) -> Callable[..., Any]:
    def call(argv: list[str], **options: Any) -> Any:
        async def main() -> Any:
            return await start(argv, **options)

        return asyncio.run(main())

    return call


def _repl(argv: list[str], **options: Any) -> Any:
    return driver.Repl(argv, prompt=">>> ", **options)


def _profile(argv: list[str], **options: Any) -> Any:
    return driver.repl.python(**options)


def _async_profile(argv: list[str], **options: Any) -> Any:
    async def main() -> Any:
        async with driver.repl.apython(**options):
            pass

    return asyncio.run(main())


ENTRY_POINTS: dict[str, Callable[..., Any]] = {
    "spawn": driver.spawn,
    "aspawn": _async(driver.aspawn),
    "run": driver.run,
    "Repl": _repl,
    "repl.python": _profile,
    "repl.apython": _async_profile,
}


def test_every_option_is_declared_once_with_a_default_and_a_check() -> None:
    names = set(typing.get_type_hints(driver.SpawnOptions))
    assert names == set(REFUSED)
    assert names == set(_options.defaults()) == set(_options._CHECKS)
    assert _options.STREAM_OPTION_NAMES < _options.SPAWN_OPTION_NAMES == names


@pytest.mark.parametrize("entry", ENTRY_POINTS)
@pytest.mark.parametrize("name", REFUSED)
def test_every_entry_point_takes_every_option(entry: str, name: str) -> None:
    value, message = REFUSED[name]
    with pytest.raises((ValueError, TypeError, driver.SpawnError)) as raised:
        ENTRY_POINTS[entry](["true"], **{name: value})
    assert "unknown option" not in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize("name", sorted(_options.STREAM_OPTION_NAMES))
def test_attach_takes_every_stream_option(name: str) -> None:
    value, message = REFUSED[name]
    read, write = os.pipe()
    try:
        with pytest.raises((ValueError, TypeError)) as raised:
            driver.attach(read, **{name: value}, close_fd=False)
        assert message in str(raised.value)
    finally:
        os.close(read)
        os.close(write)


def test_attach_refuses_an_option_of_starting_a_program_by_name() -> None:
    with pytest.raises(TypeError, match="attach\\(\\) does not take 'backend': it starts no"):
        driver.attach(0, backend="pty")  # type: ignore[call-overload]


def test_a_misspelt_option_is_named_with_the_likely_one() -> None:
    with pytest.raises(TypeError, match="unknown option 'backnd'; did you mean 'backend'"):
        driver.spawn(["true"], backnd="pty")  # type: ignore[call-overload]


def test_the_fixtures_take_every_option(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        import pytest

        REFUSED = {REFUSED!r}

        @pytest.mark.parametrize("name", sorted(REFUSED))
        def test_option(spawn, name):
            value, message = REFUSED[name]
            with pytest.raises(Exception) as raised:
                spawn(["true"], **{{name: value}})
            assert message in str(raised.value)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=len(REFUSED))


# -- the quiet environment: one default, everywhere ---------------------------------

SHOW_ENV = [
    "python3",
    "-c",
    "import os; print(os.environ.get('TERM'), os.environ.get('NO_COLOR'),"
    " os.environ.get('INPUTRC', '').endswith('inputrc'))",
]
QUIET_SEEN = "dumb 1 True"


@pytest.fixture
def loud_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person's own environment: a colour terminal, no INPUTRC."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("INPUTRC", raising=False)


@pytest.mark.usefixtures("loud_terminal")
@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_spawn_and_run_start_programs_quiet_by_default(backend: str) -> None:
    with driver.spawn(SHOW_ENV, backend=backend) as session:
        assert session.read_line() == QUIET_SEEN
    assert driver.run(SHOW_ENV, backend=backend).output.strip() == QUIET_SEEN

    async def started() -> str:
        async with await driver.aspawn(SHOW_ENV, backend=backend) as session:
            return await session.read_line()

    assert asyncio.run(started()) == QUIET_SEEN


@pytest.mark.usefixtures("loud_terminal")
def test_quiet_false_passes_the_environment_as_it_is() -> None:
    with driver.spawn(SHOW_ENV, backend="pty", quiet=False) as session:
        assert session.read_line() == "xterm-256color None False"
    with driver.spawn(SHOW_ENV, backend="pty", env={"TERM": "vt100"}) as session:
        assert session.read_line() == "vt100 1 True"  # env goes over quiet
    with driver.spawn(SHOW_ENV, backend="pty", screen=True) as session:
        session.expect_exact("\n")
        assert session.before.startswith("xterm 1 True")  # a screen draws for an xterm


@pytest.mark.usefixtures("loud_terminal")
def test_the_pexpect_layer_passes_the_environment_as_pexpect_does() -> None:
    from driver import pexpect

    child = pexpect.spawn(SHOW_ENV[0], SHOW_ENV[1:], encoding="utf-8")
    child.expect(pexpect.EOF)
    assert child.before.split()[:2] == ["xterm-256color", "None"]


# -- env adds to the environment: one rule, everywhere -------------------------------

SHOW_ADDED = "import os; print(*(os.environ.get(f'DRIVER_{n}') for n in ('KEPT', 'ADDED', 'GONE')))"
SHELL_ADDED = "echo ${DRIVER_KEPT-None} ${DRIVER_ADDED-None} ${DRIVER_GONE-None}"
ADDED: dict[str, str | None] = {"DRIVER_ADDED": "added", "DRIVER_GONE": None}
ADDED_SEEN = "kept added None"


@pytest.fixture
def inherited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Variables of this process, one that ``env`` keeps and one it removes."""
    monkeypatch.setenv("DRIVER_KEPT", "kept")
    monkeypatch.setenv("DRIVER_GONE", "there")


@pytest.mark.usefixtures("inherited")
def test_env_adds_to_the_environment_at_every_entry_point() -> None:
    argv = ["python3", "-c", SHOW_ADDED]
    with driver.spawn(argv, env=ADDED) as session:
        assert session.read_line() == ADDED_SEEN
    assert driver.run(argv, env=ADDED).output.strip() == ADDED_SEEN

    async def started() -> str:
        async with await driver.aspawn(argv, env=ADDED) as session:
            return await session.read_line()

    assert asyncio.run(started()) == ADDED_SEEN
    shell = dict(prompt="ready> ", initial_prompt="", setup=["PS1='ready> '"])
    with driver.Repl(["sh", "-i"], env=ADDED, **shell) as r:  # type: ignore[arg-type]
        assert r.run(SHELL_ADDED) == ADDED_SEEN
    with driver.repl.bash(env=ADDED) as sh:
        assert sh.run(SHELL_ADDED) == ADDED_SEEN
    with driver.repl.python(env=ADDED) as py:  # a profile that sets variables of its own
        assert py.run(SHOW_ADDED) == ADDED_SEEN


@pytest.mark.usefixtures("inherited")
def test_inherit_env_false_starts_from_an_empty_environment() -> None:
    argv = ["python3", "-c", SHOW_ADDED + "; print(os.environ.get('TERM'))"]
    path = {"PATH": os.environ["PATH"]}
    with driver.spawn(argv, env={**path, **ADDED}, inherit_env=False) as session:
        assert session.read_line() == "None added None"
        assert session.read_line() == "dumb"  # the quiet variables still go over it
    with driver.spawn(argv, env={**path, **ADDED}, inherit_env=False, quiet=False) as session:
        assert session.read_line() == "None added None"
        assert session.read_line() == "None"


@pytest.mark.usefixtures("inherited")
def test_the_pexpect_layer_takes_env_as_the_whole_environment() -> None:
    from driver import pexpect
    from driver.pexpect.popen_spawn import PopenSpawn

    env = {"PATH": os.environ["PATH"], "DRIVER_ADDED": "added"}
    child = pexpect.spawn("python3", ["-c", SHOW_ADDED], env=env, encoding="utf-8")
    child.expect(pexpect.EOF)
    assert child.before.strip() == "None added None"
    popen = PopenSpawn(["python3", "-c", SHOW_ADDED], env=env, encoding="utf-8")
    popen.expect(pexpect.EOF)
    assert popen.before.strip() == "None added None"


@pytest.mark.usefixtures("inherited")
def test_the_fixtures_add_env_as_spawn_does(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        f"""
        def test_env(spawn):
            s = spawn(["python3", "-c", {SHOW_ADDED!r}], env={ADDED!r})
            assert s.read_line() == {ADDED_SEEN!r}
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=1)


@pytest.mark.usefixtures("loud_terminal")
def test_a_session_file_env_goes_over_the_quiet_environment(tmp_path: Path) -> None:
    path = write_session(tmp_path, "%env TERM=xterm\n$ sh -c 'echo $TERM $NO_COLOR'\nxterm 1\n")
    done = driver_command("run", path)
    assert done.returncode == 0, done.stdout + done.stderr
