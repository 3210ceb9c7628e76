"""The pytest plugin, run the way its users run it: pytest on a project of tests."""

from __future__ import annotations

import os
import re
import select
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import driver
from helpers import FIXTURES

pytest_plugins = ["pytester"]

REPEATER = str(FIXTURES / "repeater.py")


def make_tests(pytester: pytest.Pytester, code: str) -> None:
    header = f"import sys\nimport pytest\nimport driver\nREPEATER = {REPEATER!r}\n"
    pytester.makepyfile(test_it=header + textwrap.dedent(code))


def run(pytester: pytest.Pytester, *args: str, asyncio: bool = False) -> pytest.RunResult:
    plugins = ["-p", "no:cacheprovider"] + ([] if asyncio else ["-p", "no:asyncio"])
    return pytester.runpytest(*plugins, *args)


# -- the spawn fixtures -----------------------------------------------------------


def test_sessions_run_in_tmp_path_with_a_scratch_home(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_environment(spawn, tmp_path):
            code = "import os; print(os.getcwd(), os.environ['HOME'], os.environ['NO_COLOR'],"
            code += " os.environ['TERM'], os.environ.get('EXTRA'))"
            s = spawn([sys.executable, "-c", code], env={"EXTRA": "given"})
            cwd, home, no_color, term, extra = s.read_line().split()
            assert cwd == str(tmp_path)
            assert home == str(tmp_path / "home")
            assert (no_color, term, extra) == ("1", "dumb", "given")

        def test_overridden(spawn, tmp_path):
            s = spawn([sys.executable, "-c", "import os; print(os.getcwd(), os.environ['TERM'])"],
                      cwd="/", env={"TERM": "xterm"})
            assert s.read_line() == "/ xterm"
        """,
    )
    run(pytester).assert_outcomes(passed=2)


def test_a_failure_reports_each_session_and_writes_its_transcript(
    pytester: pytest.Pytester,
) -> None:
    make_tests(
        pytester,
        """
        def test_timeout(spawn):
            s = spawn([sys.executable, "-u", REPEATER], name="repeater")
            spawn(["sh", "-c", "echo other; exit 3"]).wait()
            assert s.read_line() == "repeater.py: starting"
            s.send_line("hello")
            s.expect("never", timeout=0.3)
        """,
    )
    result = run(pytester, f"--basetemp={pytester.path / 'tmp'}")
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    # The traceback ends at the test's own line, then the error says it all.
    test_line = '>       s.expect("never", timeout=0.3)\n'
    assert test_line + "E       driver.Timeout: timed out after 0.3 s" in report
    assert re.search(r"^test_it.py:\d+: Timeout$", report, re.MULTILINE)
    assert "driver/session.py" not in report and "driver/_child.py" not in report
    # One section per session: the child, its state, the whole transcript.
    assert "- driver session repeater -" in report
    assert f"# `{sys.executable} -u {REPEATER}` (pid " in report
    assert ", running), backend pipe, timeout 10.0 s\n" in report
    assert f"$ {sys.executable} -u {REPEATER}\nrepeater.py: starting\n> hello\nhello\n" in report
    assert "- driver session sh -" in report
    assert "$ sh -c 'echo other; exit 3'\nother\n[3]\n" in report
    transcripts = sorted(p.name for p in (pytester.path / "tmp").rglob("*.transcript"))
    assert transcripts == ["repeater.transcript", "sh.transcript"]
    written = next((pytester.path / "tmp").rglob("sh.transcript")).read_text()
    assert written.endswith("$ sh -c 'echo other; exit 3'\nother\n[3]\n")


def test_an_assertion_failure_shows_the_sessions_too(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_wrong(spawn):
            s = spawn(["sh", "-c", "read x; echo got $x"])
            s.send_line("abc")
            assert s.read_line() == "got xyz"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "$ sh -c 'read x; echo got $x'\n> abc\ngot abc\n" in result.stdout.str()


def test_a_session_with_a_screen_reports_the_screen(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pyte", reason="the screen needs pyte: pip install 'linedriver[screen]'")
    make_tests(
        pytester,
        """
        def test_menu(spawn):
            code = "import os, sys; os.write(1, b'\\x1b[2J\\x1b[5;3H[ Install ]'); sys.stdin.read()"
            s = spawn([sys.executable, "-c", code], backend="pty", screen=True, name="menu")
            s.expect_screen("Install")
            assert s.screen.lines[4] == "  [ Quit ]"
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    assert "- driver session menu -" in report
    assert "# the screen 24x80, cursor at row 4, col 13:\n" in report
    assert "  4 |  [ Install ]\n" + " " * 18 + "^ cursor" in report


def test_a_passing_test_adds_no_report(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_fine(spawn):
            assert spawn(["echo", "hi"]).read_line() == "hi"
        """,
    )
    result = run(pytester, "-rA")
    result.assert_outcomes(passed=1)
    assert "driver session" not in result.stdout.str()


def test_sessions_are_closed_at_teardown_even_when_the_test_fails(
    pytester: pytest.Pytester,
) -> None:
    pids = pytester.path / "pids"
    make_tests(
        pytester,
        f"""
        def test_leaves_children(spawn):
            stubborn = spawn([sys.executable, {str(FIXTURES / "ignore_sigterm.py")!r}])
            stubborn.read_line()
            parent = spawn([sys.executable, {str(FIXTURES / "grandchild.py")!r}])
            grandchild = parent.read_line().split()[1]
            with open({str(pids)!r}, "w") as out:
                out.write(f"{{stubborn.pid}} {{parent.pid}} {{grandchild}}")
            assert False, "failing on purpose"
        """,
    )
    run(pytester).assert_outcomes(failed=1)
    stubborn, parent, grandchild = map(int, pids.read_text().split())
    for pid in (stubborn, parent):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped: not even a zombie is left
    assert exits(grandchild)  # killed with its process group; init reaps it


def exits(pid: int) -> bool:
    """Whether ``pid`` has exited or does within 10 s (waiting on a pidfd)."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        return bool(select.select([fd], [], [], 10)[0])
    finally:
        os.close(fd)


def test_defaults_from_ini_command_line_and_marker(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\ndriver_backend = pty\ndriver_timeout = 7\n")
    make_tests(
        pytester,
        """
        def test_ini_or_command_line(spawn, pytestconfig):
            s = spawn(["true"])
            expected = pytestconfig.getoption("driver_timeout") or 7.0
            assert (s.backend, s.timeout) == ("pty", expected)

        def test_no_timeout(spawn):
            assert spawn(["true"], timeout=None).timeout is None

        @pytest.mark.driver(timeout=0.5, backend="pipe")
        def test_marker(spawn):
            s = spawn(["true"])
            assert (s.backend, s.timeout) == ("pipe", 0.5)

        def test_argument_wins(spawn):
            assert spawn(["true"], backend="pipe").backend == "pipe"
        """,
    )
    run(pytester).assert_outcomes(passed=4)
    run(pytester, "--driver-timeout", "3").assert_outcomes(passed=4)


def test_a_bad_marker_is_named(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        @pytest.mark.driver(timout=1)
        def test_typo(spawn):
            pass
        """,
    )
    result = run(pytester)
    result.assert_outcomes(errors=1)
    assert "@pytest.mark.driver takes timeout= and backend= only; got timout" in str(result.stdout)


def test_a_program_that_does_not_start(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_missing(spawn):
            spawn(["no-such-program-xyz"])
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    report = result.stdout.str()
    assert "driver.SpawnError" in report and "no-such-program-xyz" in report
    assert "pytest_plugin.py" not in report


def test_secrets_stay_out_of_reports_and_transcripts(pytester: pytest.Pytester) -> None:
    # Each test fails with a secret, or a piece of one, in its output, its
    # pattern or its transcript; none of it may reach the report or a file.
    make_tests(
        pytester,
        """
        SECRET = "hun" + "ter2xq9z"

        def test_password(spawn):
            s = spawn([sys.executable, "-u", REPEATER])
            s.send_line(SECRET, secret=True)
            s.expect("nothing like this", timeout=0.3)

        def test_bytes_session(spawn):
            s = spawn([sys.executable, "-u", REPEATER], encoding=None)
            s.send_line(SECRET.encode(), secret=True)
            s.expect_exact(SECRET.encode() + b" is not here", timeout=0.3)

        def test_printed_token(spawn):
            code = "print('token', 'z9qx2retnuh'[::-1])"
            s = spawn([sys.executable, "-u", "-c", code, "--password", driver.Secret(SECRET)])
            s.add_secret(SECRET)
            s.expect_exact("never", timeout=0.3)

        SPLIT_ECHO = (  # echoes a line in halves, the second when the next line comes
            "import sys\\n"
            "for line in sys.stdin:\\n"
            "    print(line[:4], end='', flush=True)\\n"
            "    print(line[4:] + sys.stdin.readline(), end='', flush=True)\\n"
        )

        def test_split_echo(spawn):
            s = spawn([sys.executable, "-u", "-c", SPLIT_ECHO])
            s.send_line(driver.Secret(SECRET))
            s.expect("....")
            s.send_line("next")
            s.expect_exact("never", timeout=0.3)
        """,
    )
    result = run(pytester, f"--basetemp={pytester.path / 'tmp'}")
    result.assert_outcomes(failed=4)
    report = result.stdout.str()
    assert "> ********\n" in report
    transcripts = [path.read_text() for path in (pytester.path / "tmp").rglob("*.transcript")]
    assert len(transcripts) == 4
    for shown in (report, *transcripts):
        for piece in ("hunt", "unte", "nter", "ter2", "er2x", "r2xq", "2xq9", "xq9z"):
            assert piece not in shown


def test_aspawn_without_pytest_asyncio(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        import asyncio

        def test_async(aspawn, tmp_path):
            async def main():
                s = await aspawn([sys.executable, "-u", REPEATER])
                await s.send_line("hi")
                assert await s.read_line() == "repeater.py: starting"
                assert await s.read_line() == "hi"
                return s  # left open: the fixture closes it, its loop gone

            session = asyncio.run(main())
            assert session.alive

        def test_async_fails(aspawn):
            async def main():
                s = await aspawn([sys.executable, "-u", REPEATER], name="async-repeater")
                await s.expect("never", timeout=0.2)

            asyncio.run(main())
        """,
    )
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    report = result.stdout.str()
    assert "- driver session async-repeater -" in report
    assert "driver/aio.py" not in report


def test_aspawn_with_pytest_asyncio(pytester: pytest.Pytester) -> None:
    pytest.importorskip("pytest_asyncio")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    make_tests(
        pytester,
        """
        @pytest.mark.asyncio
        async def test_async(aspawn):
            s = await aspawn([sys.executable, "-u", REPEATER])
            await s.send_line("hi")
            assert await s.read_line() == "repeater.py: starting"
            assert await s.read_line() == "hi"

        @pytest.mark.asyncio
        async def test_async_fails(aspawn):
            s = await aspawn(["sh", "-c", "echo partial; exec sleep 30"])
            await s.expect("never", timeout=0.2)
        """,
    )
    result = run(pytester, asyncio=True)
    result.assert_outcomes(passed=1, failed=1)
    assert "$ sh -c 'echo partial; exec sleep 30'\npartial\n" in result.stdout.str()


# -- session files as tests -------------------------------------------------------

PASSING = (
    f"%backend pipe\n$ {sys.executable} -u {REPEATER}\nrepeater.py: starting\n> hi\nhi\n"
    "%eof\nrepeater.py: exiting\n"
)
FAILING = PASSING.replace("\nhi\n", "\nho\n")


def session_files_wanted(pytester: pytest.Pytester, pattern: str = "*.session") -> None:
    """The project says where its session files are (nothing is collected otherwise)."""
    pytester.makeini(f"[pytest]\ndriver_session_glob = {pattern}\n")


def test_session_files_are_collected_and_run(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    pytester.makefile(".session", passing=PASSING, failing=FAILING)
    pytester.makefile(".txt", ignored=FAILING)
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1, failed=1)
    report = result.stdout.str()
    assert "passing.session::passing PASSED" in report
    assert "failing.session::failing FAILED" in report
    failing = "failing.session"  # as typed: relative to where pytest runs
    assert f"{failing}:5: ho\n    expected 'ho', got 'hi'\n" in report
    assert f"--- {failing} (expected)\n+++ {failing} (actual)\n" in report
    assert "-ho\n+hi\n" in report
    assert "Traceback" not in report and "pytest_plugin.py" not in report


def test_a_broken_session_file_and_a_missing_program(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    pytester.makefile(".session", broken="> too early\n%what\n")
    pytester.makefile(".session", absent="%require no-such-program-xyz\n$ no-such-program-xyz\n")
    result = run(pytester, "-rs")
    result.assert_outcomes(failed=1, skipped=1)
    report = result.stdout.str()
    broken = "broken.session"
    assert f"{broken}:1: `>` line before any `$ command`" in report
    assert f"{broken}:2: unknown directive %what" in report
    assert "no-such-program-xyz not found on PATH (%require)" in report


def test_a_custom_glob_and_only_the_paths_asked_for(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester, "*.golden")
    pytester.makefile(".golden", one=PASSING)
    pytester.makefile(".session", not_a_test=FAILING)
    pytester.mkdir("elsewhere").joinpath("two.golden").write_text(FAILING)
    run(pytester, "one.golden").assert_outcomes(passed=1)
    run(pytester).assert_outcomes(passed=1, failed=1)


def test_driver_update_rewrites_session_files(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    pytester.makefile(".session", failing=FAILING, stuck="%timeout 0.2\n$ sleep 5\nnever\n")
    result = run(pytester, "--driver-update")
    result.assert_outcomes(passed=1, failed=1)
    assert (pytester.path / "failing.session").read_text() == PASSING
    assert (pytester.path / "stuck.session").read_text() == "%timeout 0.2\n$ sleep 5\nnever"
    assert "not updated: the run stopped early; fix that first" in result.stdout.str()
    run(pytester, "failing.session").assert_outcomes(passed=1)


def test_a_secret_in_a_session_file_is_never_reported(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    text = PASSING.replace("> hi\nhi\n", "> ${TOKEN}\nwrong\n")
    pytester.makefile(".session", secret="%secret TOKEN\n" + text)
    result = run(pytester)
    result.assert_outcomes(failed=1)
    assert "-wrong\n+${TOKEN}\n" in result.stdout.str()  # the value never shows


def test_under_xdist_each_worker_runs_its_own(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    pytest.importorskip("xdist")
    for n in range(4):
        pytester.makefile(".session", **{f"file{n}": FAILING})
    make_tests(
        pytester,
        """
        @pytest.mark.parametrize("n", range(4))
        def test_each(spawn, n, tmp_path):
            s = spawn([sys.executable, "-u", REPEATER])
            s.send_line(str(n))
            assert s.read_line() == "repeater.py: starting"
            assert s.read_line() == str(n)
        """,
    )
    result = pytester.runpytest_subprocess("-n", "2", "--driver-update", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)
    for n in range(4):
        assert (pytester.path / f"file{n}.session").read_text() == PASSING
    assert [p.name for p in pytester.path.glob("*.tmp")] == []


def test_the_projects_own_session_files_run_under_xdist() -> None:
    pytest.importorskip("xdist")
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider",
         "fixtures/sessions"],
        cwd=root, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout


def test_the_readme_example_fails_as_shown(pytester: pytest.Pytester) -> None:
    readme = (FIXTURES.parent / "README.rst").read_text()
    section = readme.split("Testing your CLI with driver\n")[1].split("Pipe or pty?\n")[0]
    blocks = re.findall(r"\.\. code-block:: \w+\n\n((?:   .*\n|\n)+)", section)
    code, ini, session_file, failure = (textwrap.dedent(block) for block in blocks)
    tests = pytester.mkdir("tests")
    for block in (code, ini, session_file):
        label, content = block.split("\n", 1)  # "# tests/<name>", then the file
        (pytester.path / label.removeprefix("# ")).write_text(content.rstrip("\n") + "\n")
    (tests / "greet.py").write_text('name = input("Your name? ")\nprint(f"Hello {name}")\n')
    result = run(pytester, "tests")
    result.assert_outcomes(failed=2)
    report = result.stdout.str()
    session_file_report = failure.split("\n", 1)[1].split("\n____")[0]
    assert session_file_report in report
    for line in failure.splitlines():
        if line.startswith(("E       driver.EOF", ">  ", "tests/test_greet.py:", "[0]")):
            assert re.sub(r"`.*`|pid \d+", "", line) in re.sub(r"`.*`|pid \d+", "", report)


def test_a_project_that_never_asked_for_session_files_is_left_alone(
    pytester: pytest.Pytester,
) -> None:
    # Telethon and Pyrogram keep SQLite databases as *.session; a text file
    # that is a session file is not a test either unless the project says so.
    database = sqlite3.connect(pytester.path / "account.session")
    database.execute("create table sessions (dc_id integer, auth_key blob)")
    database.execute("insert into sessions values (2, x'00ff10')")
    database.commit()
    database.close()
    pytester.makefile(".session", looks_like_one=FAILING)
    make_tests(pytester, "def test_mine():\n    pass\n")
    for ini in ["", "[pytest]\ndriver_session_glob =\n"]:  # no option; an empty one
        if ini:
            pytester.makeini(ini)
        result = run(pytester, "-v")
        result.assert_outcomes(passed=1)
        assert ".session" not in result.stdout.str()
    session_files_wanted(pytester)  # asked for: the session file, never the database
    result = run(pytester, "-v")
    result.assert_outcomes(passed=1, failed=1)
    assert "looks_like_one.session::looks_like_one FAILED" in result.stdout.str()
    assert "account.session" not in result.stdout.str()
    run(pytester, "looks_like_one.session").assert_outcomes(failed=1)  # named: run


def test_files_that_cannot_be_session_files_fail_with_a_message(pytester: pytest.Pytester) -> None:
    session_files_wanted(pytester)
    os.mkfifo(pytester.path / "fifo.session")  # not collected; the run must not wait on it
    (pytester.path / "binary.session").write_bytes(b"$ echo hi\n\xff\n")
    (pytester.path / "nul.session").write_bytes(b"$ echo a\x00b\n")
    result = run(pytester)
    result.assert_outcomes(failed=2)
    report = result.stdout.str()
    assert "binary.session:2: not UTF-8 text" in report
    assert "nul.session:1: a NUL byte" in report
    assert "Traceback" not in report


# -- a failure reads as the user's call and driver's message ---------------------------


def test_a_failure_shows_the_users_line_not_drivers_insides(pytester: pytest.Pytester) -> None:
    make_tests(
        pytester,
        """
        def test_waits(spawn):
            s = spawn(["sh", "-c", "echo hello; read x"])
            s.expect("goodbye", timeout=0.3)  # the user's line
        """,
    )
    result = run(pytester)
    result.assert_outcomes(failed=1)
    shown = result.stdout.str()
    assert "# the user's line" in shown
    assert "timed out after 0.3 s" in shown
    for inside in ("_policy.py", "session.py", "_state.py", "_session_base.py"):
        assert inside not in shown, inside


def test_a_traceback_holds_the_public_call_and_little_else() -> None:
    import traceback

    with driver.spawn(["sh", "-c", "echo hello; read x"]) as session:
        with pytest.raises(driver.Timeout) as caught:
            session.expect("goodbye", timeout=0.3)
        frames = traceback.extract_tb(caught.value.__traceback__)
        inside = [frame.name for frame in frames if "/driver/" in frame.filename]
        assert inside == ["expect", "run"]  # the public method and its engine


def test_an_async_traceback_holds_the_public_call_and_little_else() -> None:
    import asyncio
    import traceback

    async def fail() -> list[str]:
        async with await driver.aspawn(["sh", "-c", "echo hello; read x"]) as session:
            with pytest.raises(driver.Timeout) as caught:
                await session.read_line()
                await session.read_line(timeout=0.3)
            frames = traceback.extract_tb(caught.value.__traceback__)
            return [frame.name for frame in frames if "/driver/" in frame.filename]

    assert asyncio.run(fail()) == ["read_line", "run"]
