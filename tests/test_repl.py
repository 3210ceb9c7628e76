"""driver.Repl and its profiles, on the real programs."""

from __future__ import annotations

import asyncio
import os
import random
import re
import shutil
import signal
import sys
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import driver
from driver import repl
from helpers import FIXTURES, needs_waits_seen
from postgres import PASSWORD_ROLE, server

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
    "zsh": (
        repl.zsh, "echo $((6 * 7))", "42",
        "for i in 1 2; do\n  echo $i\ndone", "1\n2",
        "if true; then", "exit 3",
    ),
    "tclsh": (
        repl.tclsh, "expr {6 * 7}", "42",
        "foreach i {1 2} {\n  puts $i\n}", "1\n2",
        "while 1 {", "exit 3",
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
        if shutil.which("tclsh"):
            async with repl.atclsh() as tclsh:
                with pytest.raises(driver.IncompleteCommand):
                    await tclsh.run("proc f {} {")
                assert await tclsh.run("expr {1 + 1}") == "2"
        if shutil.which("zsh"):
            async with repl.azsh() as zsh:
                with pytest.raises(driver.IncompleteCommand):
                    await zsh.run("if true; then")
                assert await zsh.run("echo $((1 + 1))") == "2"

    event_loop_checked.run_until_complete(scenario())


# -- never out of step ------------------------------------------------------------

# A command that outlasts a short timeout, then prints "first".
OUTLASTING = {
    "python": (
        repl.python,
        "import time; time.sleep(5); print('first')",  # sleep-ok: the REPL's, not the test's
        "print('second')",
    ),
    "bash": (repl.bash, "sleep 5; echo first", "echo second"),
    "sh": (repl.sh, "sleep 5; echo first", "echo second"),
    "zsh": (repl.zsh, "sleep 5; echo first", "echo second"),
    "sqlite3": (
        repl.sqlite3,
        "with recursive c(x) as (select 1 union all select x + 1 from c where x < 1e9)"
        " select 'first', count(*) from c;",
        "select 'second';",
    ),
}


@pytest.mark.parametrize("name", list(OUTLASTING))
def test_a_timed_out_run_does_not_shift_the_answers_after_it(name: str) -> None:
    profile, outlasting, second = OUTLASTING[name]
    need(sys.executable if name == "python" else name)
    with profile() as r:
        with pytest.raises(driver.Timeout):
            r.run(outlasting, timeout=0.5)
        assert not r.in_step
        assert r.run(second) == "second"  # not "first": the command was interrupted first
        assert r.in_step
        assert r.run(second) == "second"


def test_a_cancelled_async_run_does_not_shift_the_answers_after_it(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    async def scenario() -> None:
        async with repl.apython() as py:
            with pytest.raises(asyncio.TimeoutError):
                await asyncio.wait_for(py.run(OUTLASTING["python"][1]), 0.2)
            assert await py.run("print('second')") == "second"

    event_loop_checked.run_until_complete(scenario())


def test_interrupt_brings_a_repl_back_in_step_at_once() -> None:
    with repl.bash() as sh:
        with pytest.raises(driver.Timeout):
            sh.run("sleep 5; echo first", timeout=0.3)
        sh.interrupt()
        assert sh.in_step
        assert sh.session.read_available() == ""  # nothing late is left to come
        assert sh.run("echo second") == "second"


def test_zsh_comes_back_from_an_interrupt_whatever_it_was_doing() -> None:
    # Reading a line without its editor, zsh acts on ^C only when the next
    # line comes, and drops it: at a continuation prompt, or in `read`.
    need("zsh")
    with repl.zsh() as zsh:
        for waiting in ["read answer", "while true; do :; done", "sleep 5"]:
            with pytest.raises(driver.Timeout):
                zsh.run(waiting, timeout=0.3)
            assert zsh.run("echo back") == "back"
            with pytest.raises(driver.IncompleteCommand):
                zsh.run("for i in 1 2; do")
            assert zsh.run("echo $((6 * 7))") == "42"
        zsh.interrupt()  # at its prompt
        assert [zsh.run(f"echo {c}") for c in "AB"] == ["A", "B"]


def test_a_repl_that_acts_on_interrupts_at_its_next_line_cancels_with_after_interrupt() -> None:
    need("zsh")
    setup = ["setopt no_prompt_cr no_prompt_sp; PS1='ready> ' PS2='more> '"]
    argv = ["zsh", "--no-rcs", "--no-zle", "-i"]
    options = dict(prompt="ready> ", continuation_prompt="more> ", initial_prompt="", setup=setup)
    with driver.Repl(argv, after_interrupt="", **options) as r:  # type: ignore[arg-type]
        with pytest.raises(driver.IncompleteCommand):
            r.run("if true; then")
        assert r.run("echo A") == "A"  # in step: the first interrupt brought the prompt


def test_zsh_takes_over_a_session_with_its_line_editor_on() -> None:
    need("zsh")
    session = driver.spawn(["zsh", "--no-rcs", "-i"], backend="pty")
    with repl.zsh(session=session) as zsh:
        assert zsh.run("echo $((6 * 7))") == "42"
        with pytest.raises(driver.IncompleteCommand):
            zsh.run("if true; then")
        assert zsh.run("printf 'no newline'") == "no newline"


def test_a_repl_killed_by_driver_interrupt_says_so() -> None:
    need("tclsh")
    with repl.tclsh() as tclsh:  # ^C kills tclsh: it has no handler for it
        with pytest.raises(driver.Timeout):
            tclsh.run("after 5000", timeout=0.3)
        with pytest.raises(driver.EOF, match="killed by driver's interrupt") as caught:
            tclsh.run("puts after")
        assert caught.value.returncode == -signal.SIGINT
        assert "timeout it will not outlast" in str(caught.value)


def test_tclsh_refuses_a_command_tcl_would_wait_to_complete() -> None:
    need("tclsh")
    with repl.tclsh() as tclsh:
        for incomplete in ["proc f {} {", 'puts "open', "puts [expr {1", "puts a \\", "# a \\"]:
            with pytest.raises(driver.IncompleteCommand, match="nothing was sent"):
                tclsh.run(incomplete)
        assert tclsh.run("puts {a}; # a comment {") == "a"
        assert tclsh.run("set tcl_interactive") == "1"  # tclsh's own REPL


def test_the_tcl_completeness_check_agrees_with_tclsh(tmp_path: Path) -> None:
    # Random scripts of the characters Tcl's parser acts on, each asked of
    # tclsh's `info complete` (one process for all) and of driver's check.
    need("tclsh")
    from driver.repl._tcl import complete

    pieces = [*'{}[]"\\$() \n;#ax:*\t', "{*}", "\\\n", "é"]
    chooser = random.Random(7)
    lengths = [chooser.randint(0, 16) for _ in range(4000)]
    scripts = sorted({"".join(chooser.choices(pieces, k=length)) for length in lengths})
    cases = tmp_path / "cases"
    cases.write_text("".join(script.encode().hex() + "\n" for script in scripts))
    tcl = (
        f"set cases [open {cases}]\n"
        "while {[gets $cases hex] >= 0} {"
        " puts [info complete [encoding convertfrom utf-8 [binary format H* $hex]]] }\n"
    )
    program = tmp_path / "complete.tcl"
    program.write_text(tcl)
    answers = driver.run(["tclsh", str(program)], backend="pipe").output.split()
    told = dict(zip(scripts, answers, strict=True))
    assert [script for script, answer in told.items() if complete(script) != (answer == "1")] == []


def test_a_repl_without_a_sync_command_says_it_is_out_of_step() -> None:
    need("ed")
    with driver.Repl(["ed", "-p", "ed> "], prompt="ed> ", exit_command="Q") as ed:
        with pytest.raises(driver.Timeout):
            ed.run("!sleep 5", timeout=0.3)
        with pytest.raises(driver.OutOfStep, match="sync_command"):
            ed.run("=")
        ed.interrupt()  # the caller's choice: trust the next prompt
        assert ed.run("=") == "0"


@pytest.mark.parametrize("name", ["bash", "sh", "zsh", "tclsh", "python"])
def test_no_prompt_is_in_the_environment_or_printable(name: str) -> None:
    need(sys.executable if name == "python" else name)
    shell = ('env; echo "$PS1 $PS2"; set', "echo after")
    commands = {
        "bash": shell,
        "sh": shell,
        "zsh": shell,
        "tclsh": ('puts "$tcl_prompt1 $tcl_prompt2"; puts [array get env]', "puts after"),
        "python": ("import os, sys; print(os.environ); print(sys.argv)", "print('after')"),
    }
    profile = getattr(repl, name)
    with profile() as r:
        printed = r.run(commands[name][0])
        assert "[driver " in printed or name == "python"  # the shells' PS1 shows...
        assert re.search(r"\[driver [0-9a-f]{8}\]", printed) is None  # ...but not the prompt
        assert r.run(commands[name][1]) == "after"


def test_node_output_that_looks_like_a_continuation_prompt_is_output() -> None:
    need("node")
    with repl.node() as node:
        assert node.run("console.log('... loading')") == "... loading\nundefined"
        assert node.run("6 * 7") == "42"


@pytest.mark.parametrize("program", ["ed", "gdb"])
def test_starting_sends_nothing_the_program_would_act_on(program: str) -> None:
    need(program)
    if program == "ed":
        r = driver.Repl(["ed", "-p", "ed> "], prompt="ed> ", exit_command="Q")
        first, answer = "=", "0"
    else:
        r = repl.gdb()
        first, answer = "print 6 * 7", "$1 = 42"
    with r:
        assert "\n>\n" not in r.session.transcript  # no empty line was sent
        assert r.run(first) == answer


def test_a_timeout_names_a_repls_prompt_once() -> None:
    need("ed")
    with driver.Repl(["ed", "-p", "ed> "], prompt="ed> ", exit_command="Q") as ed:
        with pytest.raises(driver.Timeout) as caught:
            ed.run("!sleep 5", timeout=0.3)
        assert "waiting for 'ed> ' from" in str(caught.value)  # not "any of" two


def test_a_question_in_the_middle_of_a_command_is_answered() -> None:
    need("gdb")
    with repl.gdb("-ex=set confirm on", "/bin/true") as gdb:
        assert gdb.run("break exit").startswith("Breakpoint 1")
        printed = gdb.run("delete", responses={r"\(y or n\) ": "y"})
        assert printed.startswith("Delete all breakpoints")
        assert gdb.run("info breakpoints") == "No breakpoints or watchpoints."


# -- the generic Repl and the profiles' options --------------------------------------


def test_a_repl_gets_the_quiet_environment_unless_told_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)
    options = dict(prompt="ready> ", initial_prompt="", setup=["PS1='ready> '"])
    with driver.Repl(["sh", "-i"], **options) as r:  # type: ignore[arg-type]
        assert r.run("echo $TERM $NO_COLOR") == "dumb 1"
    with driver.Repl(["sh", "-i"], quiet=False, **options) as r:  # type: ignore[arg-type]
        assert r.run("echo $TERM $NO_COLOR") == "xterm-256color"


def test_python_profile_takes_an_executable_and_arguments() -> None:
    with repl.python("-X", "utf8", executable=sys.executable) as py:
        assert py.run("import sys; sys.flags.utf8_mode") == "1"


def test_python_stays_plain_with_a_real_terminal_type() -> None:
    env = {**os.environ, "TERM": "xterm"}
    with repl.python(quiet=False, env=env) as py:
        assert py.run("6 * 7") == "42"
        assert py.run("for i in range(2):\n    print(i)") == "0\n1"
        assert "\x1b" not in py.session.transcript


def test_a_profile_takes_over_a_running_shell() -> None:
    # As a remote bash over ssh would be: line editing on, its own prompt.
    session = driver.spawn(["bash", "--norc", "-i"], backend="pty", echo=True)
    with repl.bash(session=session) as sh:
        assert sh.echoes
        assert sh.run("echo $((6 * 7))") == "42"
        assert sh.run("for i in 1 2; do\n  echo $i\ndone") == "1\n2"


def test_gdb_breaks_runs_prints_and_quits_a_live_process() -> None:
    need("gdb")
    with repl.gdb("/bin/sleep") as gdb:
        assert gdb.run("break nanosleep").startswith("Breakpoint 1")
        assert "Breakpoint 1" in gdb.run("run 5")
        assert gdb.run("print 6 * 7") == "$1 = 42"
        assert gdb.run("bt 1").startswith("#0")
        assert gdb.run("show prompt").startswith("Gdb's prompt is")  # not taken for one
        assert gdb.run("print 1") == "$2 = 1"
    assert gdb.session.returncode is not None


def test_pdb_steps_a_script(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("x = 1\ny = x + 1\nprint('y is', y)\n")
    with repl.pdb(str(script)) as pdb:
        assert pdb.run("n").endswith("-> y = x + 1")
        assert pdb.run("p x") == "1"
        finished = pdb.run("c")  # as python -m pdb: it starts again
        assert finished.startswith("y is 2\nThe program finished and will be restarted\n")
        assert finished.endswith("-> x = 1")
        with pytest.raises(driver.EOF) as caught:
            pdb.run("quit")
        assert caught.value.returncode == 0


def test_pdb_debugs_an_uncaught_exception_post_mortem_as_python_m_pdb(tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text("def divide(n):\n    return 1 / n\n\n\ndivide(0)\n")
    with repl.pdb(str(script)) as pdb:
        crashed = pdb.run("c")
        assert "ZeroDivisionError: division by zero" in crashed
        assert "Uncaught exception. Entering post mortem debugging" in crashed
        assert crashed.endswith("-> return 1 / n")  # where it was raised
        assert "/driver/" not in crashed  # the traceback shows no frame of driver's
        assert pdb.run("p n") == "0"
        assert pdb.run("c").endswith("-> def divide(n):")  # started again


def test_pdb_runs_on_another_python_without_driver_installed(tmp_path: Path) -> None:
    venv.create(tmp_path / "venv", with_pip=False)
    python = tmp_path / "venv" / "bin" / "python"
    (tmp_path / "script.py").write_text("import sys\nprint(sys.prefix)\n")
    with repl.pdb(str(tmp_path / "script.py"), executable=str(python)) as pdb:
        assert pdb.run("c").startswith(f"{tmp_path / 'venv'}\n")


@pytest.fixture(scope="module")
def postgres() -> Iterator[list[str]]:
    with server() as arguments:
        yield arguments


def test_psql_runs_queries_and_keeps_its_prompt_to_itself(postgres: list[str]) -> None:
    with repl.psql(*postgres) as db:
        assert db.run("select 6 * 7 as answer;") == " answer \n--------\n     42\n(1 row)\n"
        assert re.search(r"\[driver [0-9a-f]{8}\]", db.run("\\set")) is None
        with pytest.raises(driver.IncompleteCommand):
            db.run("select 1")
        with pytest.raises(driver.Timeout):
            db.run("select pg_sleep(5);", timeout=0.5)
        assert db.run("select 'second' as x;") == "   x    \n--------\n second\n(1 row)\n"


PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def password_role(postgres: list[str]) -> list[str]:
    """psql's arguments for a role that logs in with PASSWORD."""
    with repl.psql(*postgres) as db:
        db.run(f"create role {PASSWORD_ROLE} login password '{PASSWORD}';")
    arguments = list(postgres)
    arguments[arguments.index("-U") + 1] = PASSWORD_ROLE
    return arguments


def test_psql_answers_its_password_prompt_with_a_secret(password_role: list[str]) -> None:
    with repl.psql(*password_role, password=driver.Secret(PASSWORD)) as db:
        assert db.run("select current_user;").split("\n")[2].strip() == PASSWORD_ROLE
        assert f"Password for user {PASSWORD_ROLE}: " in db.session.transcript
        assert PASSWORD not in db.session.transcript
    with pytest.raises(ValueError, match="before handing it over"):
        repl.psql(session=db.session, password=PASSWORD)  # refused before anything is sent


def test_psql_takes_over_a_session_past_its_password_prompt(password_role: list[str]) -> None:
    # As one reached over ssh would be: readline on, psqlrc read, its own prompt.
    session = driver.spawn(["psql", *password_role], backend="pty")
    session.expect_exact(f"Password for user {PASSWORD_ROLE}: ")
    session.send_line(driver.Secret(PASSWORD))
    with repl.psql(session=session) as db:
        assert db.run("select 6 * 7 as answer;") == " answer \n--------\n     42\n(1 row)\n"
        with pytest.raises(driver.IncompleteCommand):
            db.run("select 1")
        assert db.run("select 'second' as x;") == "   x    \n--------\n second\n(1 row)\n"


def test_a_profile_given_a_session_takes_its_timeout_and_no_option_that_starts_one() -> None:
    with driver.spawn(["sleep", "30"], backend="pty") as silent:  # never prompts
        with pytest.raises(driver.Timeout) as caught:
            repl.psql(session=silent, timeout=0.5)
        assert caught.value.timeout == 0.5
    with driver.spawn(["bash", "--norc", "-i"], backend="pty") as shell:
        with pytest.raises(TypeError, match="takes no env: those options start a program"):
            repl.bash(session=shell, env={"A": "1"})
        with repl.bash(session=shell, timeout=3) as sh:  # refused before anything was sent
            assert sh.session.timeout == 3
            assert sh.run("echo $((6 * 7))") == "42"


def test_a_profile_env_adds_to_the_environment(
    postgres: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LANG", "C.UTF-8")  # as a person's usually is
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_CTYPE", raising=False)
    with repl.psql(*postgres, env={"PGAPPNAME": "driven"}) as db:
        assert db.run("show application_name;").split("\n")[2].strip() == "driven"
        # Characters counted, not bytes: psql got LANG.
        assert db.run("select 'Zoë ✓' as name;") == " name  \n-------\n Zoë ✓\n(1 row)\n"


@pytest.mark.slow
def test_psql_cancels_never_lose_the_race(postgres: list[str]) -> None:
    with repl.psql(*postgres) as db:
        for n in range(500):
            with pytest.raises(driver.IncompleteCommand):
                db.run(f"select {n}")
            assert db.run(f"select {n} as n;").split("\n")[2].strip() == str(n)


def test_after_an_interrupt_the_sync_waits_for_the_prompt_that_interrupt_brings() -> None:
    # The first ^C does nothing, so the sync after it is an error with a
    # prompt; each later ^C drops a line that comes before its own prompt.
    # Taking the earlier prompt for the interrupt's lost every sync (psql, CI).
    sync = "say {} {};".format
    argv = [sys.executable, str(FIXTURES / "slow_interrupts.py")]
    with driver.Repl(argv, prompt="db> ", continuation_prompt="..> ",
                     sync_command=lambda token: sync(token[:5], token[5:])) as db:  # fmt: skip
        with pytest.raises(driver.IncompleteCommand):
            db.run("select 1")
        assert db.run("say A B;") == "AB"


def test_a_command_a_terminal_would_split_is_refused() -> None:
    with repl.python() as py:
        with pytest.raises(ValueError, match=r"control characters.*repl\.interrupt\(\)"):
            py.run("x = 5\rprint(x)")  # two commands to the REPL, one to run()
        with pytest.raises(ValueError, match="one line per answer"):
            py.run("input()", responses={"": "ada\nlovelace"})
        assert py.run("x = 5\r\nprint(x)") == "5"  # CRLF line ends are line ends
        assert py.run("print(3)") == "3"


def test_node_stays_in_step_after_a_timeout_in_busy_code() -> None:
    need("node")
    busy = "(() => { const end = Date.now() + 300; while (Date.now() < end); })(); 'busy done'"
    with repl.node() as node:
        for _ in range(3):
            with pytest.raises(driver.Timeout):
                node.run(busy, timeout=0.1)
            assert [node.run(c) for c in ["'A'", "'B'", "'C'"]] == ["'A'", "'B'", "'C'"]


def test_a_question_is_only_what_the_program_waits_on() -> None:
    question = "read -p 'Continue? [y/n] ' a; echo \"answered Continue? [y/n] $a\""
    with repl.bash() as sh:  # the question's words again in the output are not a question
        answer = sh.run(question, responses={r"Continue\? \[y/n\] ": "y"})
        assert answer == "Continue? [y/n] answered Continue? [y/n] y"
        assert sh.run("echo A") == "A"
    with repl.bash(echo=True) as sh:  # nor are they in the echo of the command
        assert sh.run(question, responses={r"\? \[y/n\] ": "y"}).endswith("[y/n] y")
        assert sh.run("echo A") == "A"


def test_interrupt_without_a_sync_command_ignores_a_prompt_already_there() -> None:
    argv = ["bash", "--norc", "--noprofile", "--noediting", "-i"]
    setup = ["PS1='MYPROM''PT$ '"]
    with driver.Repl(argv, prompt="MYPROMPT$ ", initial_prompt="", setup=setup) as r:
        with pytest.raises(driver.Timeout):
            r.run("sleep 0.3; echo first", timeout=0.1)
        r.session.expect(r"first\n(?=MYPROMPT\$ )")  # its prompt has come, unread
        r.interrupt()
        assert [r.run(c) for c in ["echo A", "echo B"]] == ["A", "B"]


def test_a_byte_that_does_not_decode_does_not_stop_a_repl() -> None:
    with repl.bash() as sh:
        assert sh.run("printf 'a\\xffb\\n'") == "a\\xffb"
        assert sh.run("echo A") == "A"


@pytest.mark.slow
def test_a_repl_that_ignores_interrupts_is_out_of_step_within_the_timeout() -> None:
    with repl.python() as py:
        py.run("import signal, time; signal.signal(signal.SIGINT, signal.SIG_IGN)")
        with pytest.raises(driver.Timeout):
            py.run("time.sleep(30)", timeout=0.3)  # sleep-ok: the REPL's command, not ours
        with pytest.raises(driver.OutOfStep, match="did not come back"):
            py.run("print('B')")  # within the default 10 s, not a Timeout


# -- a line goes when the program reads it ------------------------------------------

SLOW_TO_READ = [sys.executable, str(FIXTURES / "slow_to_read.py")]


def test_a_line_waits_until_the_repl_reads_so_no_echo_shows() -> None:
    # The prompt shows while the terminal still echoes; were the line sent
    # then, "cmdN" would come back before the answer.
    with driver.Repl(SLOW_TO_READ, prompt="slow> ", echoes=False, exit_command="quit") as shell:
        if shell.session.waiting_for_input() is None:
            pytest.skip("this system does not show what a process waits on")
        assert [shell.run(f"cmd{i}") for i in range(5)] == [f"got cmd{i}" for i in range(5)]


def test_an_async_line_waits_until_the_repl_reads_so_no_echo_shows() -> None:
    async def converse() -> list[str]:
        shell = driver.AsyncRepl(SLOW_TO_READ, prompt="slow> ", echoes=False, exit_command="quit")
        async with shell:
            return [await shell.run(f"cmd{i}") for i in range(5)]

    needs_waits_seen()
    assert asyncio.run(converse()) == [f"got cmd{i}" for i in range(5)]


def test_wait_until_idle_says_when_the_child_reads() -> None:
    with driver.spawn(["cat"], backend="pty") as session:
        if session.wait_until_idle() is None:
            pytest.skip("this system does not show what a process waits on")
        assert session.wait_until_idle(timeout=5) is True
    code = "import itertools\nfor i in itertools.count(): pass"
    with driver.spawn([sys.executable, "-c", code]) as busy:
        assert busy.wait_until_idle(timeout=0.2) is False  # it never reads: no error
    with driver.spawn(["true"]) as done:
        done.wait()
        assert done.wait_until_idle(timeout=5) is False  # it exited


# -- output nobody asked for --------------------------------------------------------

# What a caller sends on repl.session behind run()'s back (run()'s own error
# message sends control characters there), and a command to run after it.
BEHIND_ITS_BACK = {
    "bash": (repl.bash, lambda s: s.send_control("c"), "echo {}"),
    "sh": (repl.sh, lambda s: s.send_control("c"), "echo {}"),
    "python ^C": (repl.python, lambda s: s.send_control("c"), "print({!r})"),
    "python line": (repl.python, lambda s: s.send_line("6 * 7"), "print({!r})"),
}


@pytest.mark.parametrize("name", list(BEHIND_ITS_BACK))
def test_what_a_caller_sends_on_the_session_never_becomes_an_answer(name: str) -> None:
    profile, send, command = BEHIND_ITS_BACK[name]
    with profile() as r:
        send(r.session)  # the REPL answers with a prompt that no run() waited for
        assert [r.run(command.format(word)) for word in ["A", "B", "C"]] == ["A", "B", "C"]
        assert r.in_step


def test_an_async_repl_notices_a_line_sent_on_its_session(
    event_loop_checked: asyncio.AbstractEventLoop,
) -> None:
    async def scenario() -> None:
        async with repl.apython() as py:
            await py.session.send_line("6 * 7")
            assert [await py.run(f"print({word!r})") for word in "AB"] == ["A", "B"]

    event_loop_checked.run_until_complete(scenario())


def test_without_a_sync_command_output_nobody_asked_for_is_named() -> None:
    need("ed")
    with driver.Repl(["ed", "-p", "ed> "], prompt="ed> ", exit_command="Q") as ed:
        ed.session.send_line("=")
        ed.session.unconsumed = ed.session.expect(r"0\ned> ").text  # arrived, unread
        with pytest.raises(driver.OutOfStep, match=r"printed '0\\ned> ' unasked.*sync_command"):
            ed.run("P")  # not answered with the "0" that "=" printed
        with pytest.raises(driver.OutOfStep, match="printed"):
            ed.run("=")
        ed.interrupt()  # the caller's choice: trust the next prompt
        assert ed.run("=") == "0"
        ed.session.send_line("=")  # its answer may not even have started
        with pytest.raises(driver.OutOfStep, match=r"input was sent on repl\.session"):
            ed.run("P")
        ed.interrupt()
        assert ed.run("=") == "0"


def test_a_prompt_that_shows_inside_output_is_reported_not_answered() -> None:
    need("tclsh")  # Debian: tcl
    with driver.Repl(["tclsh"], prompt="% ", exit_command="exit") as tcl:
        # What followed is what had come when it was seen: the next prompt may be later.
        with pytest.raises(driver.OutOfStep, match=r"prompt '% '.*'done\\n(% )?' followed"):
            tcl.run('puts "50% done"')  # not "50"
        with pytest.raises(driver.OutOfStep, match="sync_command"):
            tcl.run("puts ok")  # not "done", one answer behind


def _ed_sync(token: str) -> str:
    return f"!echo {token[:5]}''{token[5:]}"


@pytest.mark.parametrize("sync_command", [None, _ed_sync])
def test_ed_with_a_prompt_its_text_holds_is_reported_not_answered(
    tmp_path: Path, sync_command: Callable[[str], str] | None
) -> None:
    need("ed")
    text = tmp_path / "text"
    text.write_text("a*b\n")
    argv = ["ed", "-p", "*", str(text)]
    with driver.Repl(argv, prompt="*", exit_command="Q", sync_command=sync_command) as ed:
        with pytest.raises(driver.OutOfStep, match=r"prompt '\*'.*'b\\n\*' followed"):
            ed.run(",p")  # "a*b" holds the prompt: not "a"
        if sync_command is None:
            with pytest.raises(driver.OutOfStep):
                ed.run("=")  # not "b", one answer behind
            ed.interrupt()
        assert [ed.run(c) for c in ["=", "s/\\*/+/", "p"]] == ["1", "", "a+b"]
