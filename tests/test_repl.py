"""driver.Repl and its profiles, on the real programs."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from collections.abc import Callable

import pytest

import driver
from driver import repl

Profile = Callable[..., driver.Repl]


def need(program: str) -> None:
    if shutil.which(program) is None:
        pytest.skip(f"{program} is not installed (see the README's test setup)")


# profile, a command, its output, a multi-line command, its output, an
# incomplete command, a command that makes the REPL exit with status 3.
CASES = {
    "python": (
        repl.python, "1 + 1", "2",
        "for i in range(3):\n    print(i)", "0\n1\n2",
        "if True:\n    x = (", "import os; os._exit(3)",
    ),
    "bash": (
        repl.bash, "echo $((6 * 7))", "42",
        "for i in 1 2; do\n  echo $i\ndone", "1\n2",
        "if true; then", "exit 3",
    ),
    "sh": (
        repl.sh, "echo $((6 * 7))", "42",
        "for i in 1 2; do\n  echo $i\ndone", "1\n2",
        "if true; then", "exit 3",
    ),
    "sqlite3": (
        repl.sqlite3, "select 6 * 7;", "42",
        "create table t(x);\ninsert into t values (1), (2);\nselect x\nfrom t;", "1\n2",
        "select 1", ".exit 3",
    ),
    "node": (
        repl.node, "6 * 7", "42",
        "for (let i = 1; i < 3; i++) {\n  console.log(i)\n}", "1\n2\nundefined",
        "if (true) {", "process.exit(3)",
    ),
}  # fmt: skip


@pytest.fixture(params=list(CASES))
def case(request: pytest.FixtureRequest) -> tuple[object, ...]:
    program = "sh" if request.param == "sh" else request.param
    need(sys.executable if program == "python" else program)
    return CASES[request.param]


def test_profiles_run_commands_and_blocks(case: tuple[object, ...]) -> None:
    profile, command, output, block, block_output, *_ = case
    with profile() as r:  # type: ignore[operator]
        assert not r.echoes
        assert r.run(command) == output
        assert r.run(block) == block_output
        assert r.run(command) == output


def test_incomplete_command_is_interrupted_and_the_repl_stays_usable(
    case: tuple[object, ...],
) -> None:
    profile, command, output, _, _, incomplete, _ = case
    with profile() as r:  # type: ignore[operator]
        with pytest.raises(driver.IncompleteCommand, match="is incomplete") as caught:
            r.run(incomplete)
        assert repr(incomplete) in str(caught.value)
        assert r.run(command) == output


def test_python_cancels_with_eof_not_a_signal_it_could_miss() -> None:
    with repl.python() as py:
        with pytest.raises(driver.IncompleteCommand):
            py.run("x = (")
        transcript = py.session.transcript
        assert "%eof" in transcript and "%control c" not in transcript
        assert "SyntaxError" in transcript
        assert py.run("6 * 7") == "42"


def test_a_repl_that_exits_raises_eof_with_its_status(case: tuple[object, ...]) -> None:
    profile, *_, dies = case
    with profile() as r:  # type: ignore[operator]
        with pytest.raises(driver.EOF) as caught:
            r.run(dies)
        assert caught.value.returncode == 3


def test_prompts_are_unique_and_output_is_plain() -> None:
    with repl.python() as py:
        assert py.run("print('>>> not a prompt\\n... nor this')") == (
            ">>> not a prompt\n... nor this"
        )
        assert "\x1b" not in py.session.transcript


def test_a_repl_that_echoes_has_its_echo_removed() -> None:
    argv = [sys.executable, "-q", "-i"]
    basic = {**os.environ, "PYTHON_BASIC_REPL": "1"}  # 3.13's REPL redraws each line
    with driver.Repl(
        argv, prompt=">>> ", continuation_prompt="... ", finish_block="", echo=True, env=basic
    ) as r:
        assert r.run("6 * 7") == "42"
        assert r.echoes  # found out from the first command's reply
        assert r.run("for i in range(2):\n    print(i)") == "0\n1"


def test_repl_over_a_session_with_setup() -> None:
    session = driver.spawn(["sh", "-i"], backend="pty", env={"PS1": "$ ", "PATH": "/usr/bin:/bin"})
    setup = ["PS1='ready> '"]
    with driver.Repl(session, prompt="ready> ", initial_prompt="$ ", setup=setup) as r:
        assert r.run("echo one; echo two") == "one\ntwo"


def test_repl_timeout_keeps_the_output() -> None:
    with repl.python() as py:
        with pytest.raises(driver.Timeout) as caught:
            # A command that outlasts the timeout; nothing here waits on it.
            outlasting = "import time; print('started', flush=True); time.sleep(30)"  # sleep-ok
            py.run(outlasting, timeout=0.5)
        assert "started" in caught.value.output


def test_async_repl(event_loop_checked: asyncio.AbstractEventLoop) -> None:
    async def scenario() -> None:
        async with repl.apython() as py:
            assert await py.run("1 + 1") == "2"
            assert await py.run("for i in range(2):\n    print(i)") == "0\n1"
            with pytest.raises(driver.IncompleteCommand):
                await py.run("(")
            assert await py.run("'still here'") == "'still here'"
        async with repl.abash() as sh:
            assert await sh.run("echo $((1 + 1))") == "2"

    event_loop_checked.run_until_complete(scenario())
