"""Session files: parsing, running, failures, captures, secrets and --update."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driver.sessionfile import (
    FileResult,
    SessionFileError,
    looks_like_session_file,
    parse,
    run_file,
    update_file,
)
from driver.sessionfile._format import command_line, split_command
from helpers import FIXTURES, driver_command, write_session

VARIABLES = {"PY": sys.executable, "FIXTURES": str(FIXTURES)}
REPEATER = "$ ${PY} -u ${FIXTURES}/repeater.py"


def write(tmp_path: Path, text: str, name: str = "example.session") -> Path:
    return write_session(tmp_path, text, name)


def run(path: Path, **options: Any) -> FileResult:
    options["variables"] = {**VARIABLES, **options.get("variables", {})}
    return run_file(path, **options)


def assert_passes(tmp_path: Path, text: str, **options: Any) -> None:
    result = run(write(tmp_path, text), **options)
    assert result.passed, messages(result)


def messages(result: FileResult) -> str:
    return "\n".join(f"{f.line}: {f.step}: {f.message}" for f in result.failures)


# -- parsing ------------------------------------------------------------------------


def test_every_problem_in_a_file_is_reported_before_anything_runs(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(
        tmp_path,
        "> too early\n"
        f"$ touch {marker}\n"
        "%frobnicate 3\n"
        "Token: (?P<token>\\w+ (re)\n"
        "> ${unterminated\n"
        "%timeout soon\n"
        "[SIGNOPE]\n",
    )
    with pytest.raises(SessionFileError) as caught:
        run(path)
    lines = str(caught.value).splitlines()
    assert lines[0] == f"{path}:1: `>` line before any `$ command`: start a program first"
    assert lines[1].startswith(f"{path}:3: unknown directive %frobnicate; known: %backend, ")
    assert lines[2] == (
        f"{path}:4: bad regex `Token: (?P<token>\\w+`: missing ), unterminated subpattern"
        " at position 7"
    )
    assert lines[3].startswith(f"{path}:5: unterminated or malformed ${{...}}")
    assert lines[4] == f"{path}:6: %timeout takes seconds, a positive number; got 'soon'"
    assert lines[5] == f"{path}:7: unknown signal 'SIGNOPE' in the exit status line"
    assert not marker.exists()


def test_markers_and_their_escapes(tmp_path: Path) -> None:
    text = (
        "# a comment\n#\n$ cat\n> $ ls\n\\$ ls\n> ...\n\\...\n> # heading\n\\# heading\n"
        "> a (re)\na \\(re\\) (re)\n> \\d\n\\\\d\n%eof\n[0]\n"
    )
    steps = parse(tmp_path / "x.session", text).steps
    assert [(s.kind, s.text, s.match) for s in steps] == [
        ("command", "cat", "literal"),
        ("send_line", "$ ls", "literal"),
        ("output", "$ ls", "literal"),
        ("send_line", "...", "literal"),
        ("output", "...", "literal"),
        ("send_line", "# heading", "literal"),
        ("output", "# heading", "literal"),
        ("send_line", "a (re)", "literal"),
        ("output", "a \\(re\\)", "re"),
        ("send_line", "\\d", "literal"),
        ("output", "\\d", "literal"),
        ("eof", "", "literal"),
        ("status", "0", "literal"),
    ]
    assert run(write(tmp_path, text)).passed


# -- running ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_a_dialogue_passes_on_either_backend(tmp_path: Path, backend: str) -> None:
    path = write(
        tmp_path,
        f"%backend {backend}\n{REPEATER}\nrepeater.py: starting\n> hello\nhello\n"
        "> wild card\nw*d ?ard (glob)\n> 42 apples\n\\d+ apples (re)\n%eof\n"
        "repeater.py: exiting\n[0]\n",
    )
    result = run(path)
    assert result.passed, messages(result)
    assert result.actual == result.expected


def test_a_mismatch_names_the_line_and_shows_a_diff(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"%backend pipe\n{REPEATER}\nrepeater.py: starting\n> hello\ngoodbye\n%eof\n"
        "repeater.py: exiting\n",
    )
    result = run(path)
    assert not result.passed
    [failure] = result.failures
    assert (failure.line, failure.step) == (5, "goodbye")
    assert failure.message == "expected 'goodbye', got 'hello'"
    assert "-goodbye\n+hello\n" in result.diff()
    assert result.diff().startswith(f"--- {path} (expected)\n+++ {path} (actual)\n")
    assert result.actual == result.expected.replace("goodbye", "hello")


def test_blank_lines_at_the_end_of_a_file_are_not_expected(tmp_path: Path) -> None:
    text = "%backend pipe\n$ printf 'a\\n\\nb\\n'\na\n\nb\n\n\n"
    result = run(write(tmp_path, text))
    assert result.passed, messages(result)
    assert result.actual == text


def test_output_that_ends_early_and_output_nobody_expected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%backend pipe\n$ ${PY} -c 'print(1); print(2)'\n1\n2\n3\n"
        "$ ${PY} -c 'print(1); print(2)'\n1\n[0]\n",
    )
    result = run(path)
    assert [(f.line, f.message) for f in result.failures] == [
        (5, "expected '3', but the program's output ended"),
        (8, "unexpected output: '2\\n'"),
    ]
    assert result.actual.endswith("$ ${PY} -c 'print(1); print(2)'\n1\n2\n[0]\n")


def test_input_ends_when_the_script_for_a_command_does(tmp_path: Path) -> None:
    path = write(tmp_path, f"{REPEATER}\nrepeater.py: starting\n> last\nlast\n")
    result = run(path)
    assert [f.message for f in result.failures] == ["unexpected output: 'repeater.py: exiting\\n'"]
    assert result.actual.endswith("> last\nlast\nrepeater.py: exiting\n")


def test_output_that_is_not_utf8_reads_as_escapes(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ printf 'caf\\351\\n'\ncafe\n")
    update_file(run(path))
    assert path.read_text().endswith("\ncaf\\xe9\n")
    assert run(path).passed


@pytest.mark.parametrize("backend", ["pipe", "pty"])
def test_a_process_left_running_does_not_hold_the_file_up(tmp_path: Path, backend: str) -> None:
    # The background sleep keeps the output open; the command has exited.
    path = write(tmp_path, f"%backend {backend}\n$ sh -c 'sleep 60 & echo started'\nstarted\n")
    result = run(path)
    assert result.passed, messages(result)


def test_exit_status_and_signal_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%backend pipe\n$ ${PY} -c 'raise SystemExit(3)'\n[3]\n"
        "$ ${PY} -c 'import os, signal; os.kill(os.getpid(), signal.SIGTERM)'\n[SIGTERM]\n"
        "$ ${PY} -c 'raise SystemExit(4)'\n",
    )
    result = run(path)
    assert [(f.line, f.message) for f in result.failures] == [
        (6, "expected exit status [0], got [4]")
    ]
    assert result.actual.endswith("raise SystemExit(4)'\n[4]\n")


def test_skip_lines_until_what_follows_matches(tmp_path: Path) -> None:
    assert_passes(
        tmp_path, "%backend pipe\n$ ${PY} -c 'for i in range(100): print(i)'\n0\n...\n50\n...\n"
    )
    missing = write(tmp_path, "%backend pipe\n$ ${PY} -c 'print(1)'\n...\nnever\n", "m.session")
    [failure] = run(missing).failures
    assert failure.message == "expected 'never', but the output ended while skipping with `...`"


def test_named_groups_capture_for_later_lines(tmp_path: Path) -> None:
    assert_passes(
        tmp_path,
        "%backend pipe\n$ ${PY} -c 'print(\"Token: ab12\")'\nToken: (?P<token>\\w+) (re)\n"
        f"{REPEATER}\nrepeater.py: starting\n> ${{token}}.x\n${{token}}.x\n%eof\n"
        "repeater.py: exiting\n",
    )
    # In a regex line a captured value matches literally: "." is not a wildcard.
    literal = write(
        tmp_path,
        '%backend pipe\n$ ${PY} -c \'print("v: a.c"); print("abc")\'\n'
        "v: (?P<v>.*) (re)\n${v} (re)\n",
        "literal.session",
    )
    [failure] = run(literal).failures
    assert failure.message == "expected '${v} (re)', got 'abc'"


def test_a_capture_line_that_does_not_match_is_the_failure(tmp_path: Path) -> None:
    """Not a file error about the variable it would have set: the mismatch,
    with its diff, and the later use of the variable pointing back at it."""
    path = write(
        tmp_path,
        "%backend pipe\n$ printf 'tokn: abc\\n'\ntoken: (?P<tok>\\w+) (re)\n$ echo ${tok}\nabc\n"
        "$ echo next\nnext\n",
    )
    result = run(path)
    assert [(f.line, f.message) for f in result.failures] == [
        (3, "expected 'token: (?P<tok>\\\\w+) (re)', got 'tokn: abc'"),
        (
            4,
            "${tok} is not set: line 3 (`token: (?P<tok>\\w+) (re)`), which captures it,"
            " did not match",
        ),
    ]
    assert "-token: (?P<tok>\\w+) (re)\n+tokn: abc\n" in result.diff()
    # A capture line never reached (its command stopped) is named the same way.
    stopped = write(
        tmp_path,
        "%backend pipe\n%timeout 0.5\n$ sleep 5\nfirst\nv(?P<version>\\d+) (re)\n"
        "$ echo ${version}\n",
        "stopped.session",
    )
    failures = run(stopped).failures
    assert [f.line for f in failures] == [4, 6]
    assert "line 5 (`v(?P<version>\\d+) (re)`), which captures it" in failures[1].message


@pytest.mark.slow
def test_a_regex_line_is_matched_by_its_steps_deadline(tmp_path: Path) -> None:
    """(a|a)+$ backtracks for ages on 40 a's and a '!' (in re and the regex
    package alike): the step fails at its %timeout, with the hint an expect
    gives, whether the line is a prompt or not; (a+)+$, which re took
    minutes over, is a plain mismatch. Run by the `driver` command, whose
    time limit (see driver_command) stands for the overshoot's bound."""
    shown = "a" * 40 + "!"
    path = write(
        tmp_path,
        f"%timeout 0.5\n$ printf '{shown}\\n'\n(a|a)+$ (re)\n"
        f"$ sh -c \"printf '{shown}'; read x\"\n(a|a)+$ (re)\n> x\n"
        f"$ printf '{'a' * 32}!\\n'\n(a+)+$ (re)\n",
    )
    done = driver_command("run", path)
    assert done.returncode == 1, done.stdout + done.stderr
    for line in (3, 5):
        assert (
            f"{path}:{line}: (a|a)+$ (re)\n    matching '(a|a)+$ (re)' against the line"
            f" '{shown}' did not finish within the step's 0.5 s timeout\n"
            "    hint: searching for `(a|a)+$` did not finish in time;"
        ) in done.stdout
    assert "or use a plain or a (glob) line." in done.stdout
    assert f"{path}:8: (a+)+$ (re)\n    expected '(a+)+$ (re)', got '{'a' * 32}!'" in done.stdout


def test_an_unset_variable_is_named_with_the_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "$ echo ${NOT_SET_ANYWHERE}\n")
    with pytest.raises(SessionFileError, match=r":1: \$\{NOT_SET_ANYWHERE\} is not set: .*--var"):
        run(path)


def test_variables_env_cwd_and_a_scratch_directory(tmp_path: Path) -> None:
    assert_passes(
        tmp_path,
        "%backend pipe\n%env GREETING=hi ${WHO}\n%cwd ${TMPDIR}\n"
        "$ ${PY} -c 'import os; print(os.environ[\"GREETING\"]); print(os.getcwd())'\n"
        "hi there\n${TMPDIR}\n$ ls ${SESSION_DIR}\nexample.session\n",
        variables={"WHO": "there"},
    )


def test_sends_without_newline_eof_control_and_signal(tmp_path: Path) -> None:
    assert_passes(
        tmp_path,
        "$ cat\n%send abc\n%eof\nabc\n%eof\n"
        "$ ${PY} ${FIXTURES}/signal_child.py\n...\nCHILD *: Pausing to wait for signal (glob)\n"
        "%signal USR1\nCHILD *: Received USR1 (glob)\n"
        "$ sleep 60\n%control c\n[SIGINT]\n",
    )


def test_a_prompt_without_a_newline_then_a_password(tmp_path: Path) -> None:
    assert_passes(
        tmp_path,
        "%secret PASSWORD\n$ ${PY} ${FIXTURES}/getpass_prompt.py\nPassword:\n> ${PASSWORD}\n"
        "got a password of 6 characters\n",
        variables={"PASSWORD": "sesame"},
    )


@pytest.mark.parametrize("prompt", ["user@host's password:", "\\ruser@host's password: (esc)"])
def test_a_carriage_return_before_a_prompt_need_not_be_written(tmp_path: Path, prompt: str) -> None:
    """ssh (scp, sftp) writes a \\r to the terminal before its password prompt,
    after whatever line came before: a plain line matches it, and the (esc)
    line that spells the \\r out still does."""
    assert_passes(
        tmp_path,
        f"%secret PASSWORD\n$ ${{PY}} ${{FIXTURES}}/tty_password.py\nWelcome to the host\n"
        f"{prompt}\n> ${{PASSWORD}}\ngot a password of 6 characters\n",
        variables={"PASSWORD": "sesame"},
    )
    # The line before it, when the prompt is not one (no `>` follows), too.
    assert_passes(
        tmp_path,
        "%backend pty\n$ printf 'banner\\n\\rdone\\n'\nbanner\ndone\n",
    )


@pytest.mark.parametrize("blank", [False, True])
def test_a_line_whose_newline_comes_after_the_echo(tmp_path: Path, blank: bool) -> None:
    # An unbuffered program writes a line and its newline apart; the echo of
    # the line sent after it can come between them. The newline after the
    # echo is the prompt line's own, unless the file expects a blank line.
    program = (
        "import sys; sys.stdout.write('starting'); line = input(); print(); print(line.upper())"
    )
    expected = "\n" if blank else ""
    assert_passes(
        tmp_path, f'$ ${{PY}} -c "{program}"\nstarting\n> hello\n{expected}HELLO\n', backend="pty"
    )


def test_a_secret_never_shows_in_failures_diffs_logs_or_rewrites(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        f"%secret TOKEN\n%backend pipe\n{REPEATER}\nrepeater.py: starting\n> ${{TOKEN}}\n"
        "${TOKEN}\n> say ${TOKEN} twice ${TOKEN}\n%eof\nsay wrong\n",
    )
    log = io.StringIO()
    result = run(path, variables={"TOKEN": "hunter2"}, log=log)
    assert not result.passed
    shown = messages(result) + result.diff() + result.actual + log.getvalue()
    assert "hunter2" not in shown
    assert "say ******** twice ********" in log.getvalue()
    # In the rewrite a secret in the output reads as its variable, so the file still runs.
    assert "-say wrong\n+say ${TOKEN} twice ${TOKEN}\n" in result.diff()
    update_file(result)
    assert "hunter2" not in path.read_text()
    assert run(path, variables={"TOKEN": "hunter2"}).passed


def test_update_keeps_the_files_own_text_whatever_a_secret_is(tmp_path: Path) -> None:
    """--var ADMIN=admin must not turn the file's own ${admin} or prompts into masks."""
    path = write(
        tmp_path,
        "%secret ADMIN\n%backend pipe\n# the admin account, password ${ADMIN}\n"
        f"{REPEATER}\nrepeater.py: starting\n> admin ${{ADMIN}}\n%eof\nwrong\n",
    )
    result = run(path, variables={"ADMIN": "admin"})
    assert not result.passed
    update_file(result)
    rewritten = path.read_text()
    assert "# the admin account, password ${ADMIN}" in rewritten
    assert "> admin ${ADMIN}" in rewritten
    assert "********" not in rewritten
    assert run(path, variables={"ADMIN": "admin"}).passed


def test_update_writes_a_piece_of_a_secret_as_a_wildcard(tmp_path: Path) -> None:
    """Output holding part of a secret is masked, and written so the file still runs."""
    path = write(
        tmp_path,
        # The program spells its output backwards, so that only the output holds it.
        "%secret PASSWORD\n%backend pipe\n"
        "$ ${PY} -c \"print('5 :retnuoC'[::-1]); print('tnuh dna 2retnuh'[::-1])\"\nwrong\n",
    )
    log = io.StringIO()
    result = run(path, variables={"PASSWORD": "hunter2"}, log=log)
    assert not result.passed
    update_file(result)
    rewritten = path.read_text()
    for shown in (rewritten, log.getvalue(), result.diff()):
        assert "unte" not in shown and "hunt" not in shown
    assert "Co********: 5" in log.getvalue()
    assert rewritten.endswith("\nCo.+: 5 (re)\n${PASSWORD} and .+ (re)\n")
    assert run(path, variables={"PASSWORD": "hunter2"}).passed


def test_an_unset_secret_is_made_up(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%secret MADE_UP\n%backend pipe\n$ ${PY} -c 'import sys; print(len(sys.argv[1]))' "
        "${MADE_UP}\n\\d+ (re)\n",
    )
    assert run(path).passed


def test_a_missing_program_fails_its_command_and_the_next_one_runs(tmp_path: Path) -> None:
    path = write(tmp_path, "$ no-such-program-xyz --flag\nhello\n> hi\n$ echo after\nafter\n")
    result = run(path)
    [failure] = result.failures
    assert failure.line == 1
    assert "no-such-program-xyz" in failure.message and "PATH" in failure.message


def test_the_shell_syntax_hint_is_for_its_own_command_only(tmp_path: Path) -> None:
    # A `|` an echo took as an argument, and passed: the next command's
    # failure once carried the hint about it.
    path = write(tmp_path, "%backend pipe\n$ echo a | b\na | b\n$ echo c\nd\n")
    result = run(path)
    assert [failure.message for failure in result.failures] == ["expected 'd', got 'c'"]
    result = run(write(tmp_path, "%backend pipe\n$ echo a | b\nb\n"))
    assert "'|' reached it as an argument" in result.failures[0].message


def test_a_required_program_that_is_missing_skips_the_file(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = write(tmp_path, f"%require sh\n%require no-such-program-xyz\n$ touch {marker}\n")
    result = run(path)
    assert result.skipped == "no-such-program-xyz not found on PATH (%require)"
    assert not marker.exists()
    assert run(write(tmp_path, f"%require sh\n$ touch {marker}\n", "runs.session")).passed
    assert marker.exists()


def test_a_program_that_stops_talking_times_out_at_its_step(tmp_path: Path) -> None:
    path = write(tmp_path, "%timeout 0.5\n$ sleep 30\nnever printed\n")
    result = run(path)
    [failure] = result.failures
    assert failure.line == 3
    assert failure.message.startswith("timed out after 0.5 s waiting for a line from `sleep 30`")
    # What would have come after the timeout is unknown: no rewrite.
    with pytest.raises(ValueError, match="stopped early"):
        update_file(result)
    assert path.read_text() == "%timeout 0.5\n$ sleep 30\nnever printed\n"


def test_a_prompt_that_changed_is_reported_without_waiting_for_it(tmp_path: Path) -> None:
    # One write: the prompt has arrived by the time the extra line is read.
    program = '$ ${PY} -c \'print("Welcome\\nName? ", end=""); input(); print("hi")\''
    path = write(tmp_path, f"%timeout 30\n{program}\nName?\n> ada\nhi\n")
    # A line the file does not have, then the prompt: one failure, then on.
    result = run(path)
    [failure] = result.failures
    assert (failure.line, failure.message) == (3, "expected 'Name?', got 'Welcome'")
    assert result.actual == f"%timeout 30\n{program}\nWelcome\nName?\n> ada\nhi\n"
    # A line that is not the prompt, and no prompt after it: the step fails
    # at once (well inside the 30 s timeout), and the rest still runs.
    other = program.replace("\\nName? ", "\\n")
    path = write(tmp_path, f"%timeout 30\n{other}\nName?\n> ada\nhi\n", "other.session")
    result = run(path)
    assert [f.message for f in result.failures] == ["expected 'Name?', got 'Welcome'"]
    assert result.actual == f"%timeout 30\n{other}\nWelcome\n> ada\nhi\n"


def test_timeout_and_backend_given_by_the_caller_win(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "%backend pipe\n$ ${PY} ${FIXTURES}/tty_info.py\nisatty True True\n...\n%eof\n",
    )
    assert not run(path).passed
    assert run(path, backend="pty").passed


# -- --update ---------------------------------------------------------------------


def test_update_rewrites_output_and_keeps_what_still_matches(tmp_path: Path) -> None:
    original = (
        "# the comment stays\n%backend pipe\n"
        '$ ${PY} -c \'print("v1.2"); print("header"); [print(i) for i in range(5)];'
        ' print("changed"); print("added")\'\n'
        "v\\d+\\.\\d+ (re)\nhe*er (glob)\n...\n4\nold text\n[0]\n"
    )
    path = write(tmp_path, original)
    path.chmod(0o640)
    result = run(path)
    assert not result.passed
    assert update_file(result)
    rewritten = path.read_text()
    assert rewritten == original.replace("old text\n", "changed\nadded\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert os.listdir(tmp_path) == [path.name]  # no temporary file left behind
    again = run(path)
    assert again.passed and not update_file(again)


def test_update_replaces_a_pattern_that_no_longer_matches(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ echo version 2\nversion 1.\\d+ (re)\n")
    update_file(run(path))
    assert path.read_text() == "%backend pipe\n$ echo version 2\nversion 2\n"


def test_update_writes_the_exit_status_that_happened(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ sh -c 'echo hi; exit 5'\nhi\n")
    update_file(run(path))
    assert path.read_text() == "%backend pipe\n$ sh -c 'echo hi; exit 5'\nhi\n[5]\n"
    assert run(path).passed


def test_output_that_looks_like_a_marker_is_escaped_when_written(tmp_path: Path) -> None:
    path = write(tmp_path, "%backend pipe\n$ printf '$ ls\\n...\\n[1]\\nx (re)\\n> \\044{X}\\n'\n")
    update_file(run(path))
    assert path.read_text().endswith(
        "\n\\$ ls\n\\...\n\\[1]\nx \\(re\\) (re)\n(?:)> \\$\\{X\\} (re)\n"
    )
    assert run(path).passed


def test_update_writes_line_separators_so_that_the_file_reads_back(tmp_path: Path) -> None:
    # str.splitlines (and many an editor) ends a line at each of these.
    printed = "a\\u2028b|c\\x85d|e\\u2029|\\x0cf"
    command = f'$ ${{PY}} -c \'print("{printed}".replace("|", "\\n"))\''
    path = write(tmp_path, f"%backend pipe\n{command}\n")
    update_file(run(path))
    written = path.read_text(encoding="utf-8")
    assert written.endswith("\na\\u2028b (esc)\nc\\x85d (esc)\ne\\u2029 (esc)\n\\ff (esc)\n")
    assert run(path).passed


def test_a_file_line_ends_only_at_a_line_end(tmp_path: Path) -> None:
    """A file that holds a line or paragraph separator as it is (written by
    hand, or by an older --update) reads it as part of its line."""
    text = "%backend pipe\n$ ${PY} -c 'print(\"a\\u2028b\\x0cc\")'\na\u2028b\x0cc\n"
    assert_passes(tmp_path, text)


def test_a_byte_order_mark_is_read_past_and_kept_by_update(tmp_path: Path) -> None:
    path = tmp_path / "bom.session"
    path.write_bytes("\ufeff%backend pipe\n$ echo hi\nhi\n".encode())
    assert run(path).passed, messages(run(path))
    path.write_bytes("\ufeff$ echo changed\nhi\n".encode())
    assert update_file(run(path))
    assert path.read_bytes() == "\ufeff$ echo changed\nchanged\n".encode()
    assert looks_like_session_file(path)


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git (Debian package git)")
def test_git_log_prints_without_a_pager(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Programs start as a script would start them: git, on a terminal, would
    start less (which waits for a key on a dumb terminal) whatever the
    person's PAGER and GIT_PAGER say."""
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    identity = ["-c", "user.name=A", "-c", "user.email=a@example.com"]
    commit = ["git", "-C", str(repo), *identity, "commit", "-q", "--allow-empty", "-m"]
    subprocess.run([*commit, "first"], check=True)
    monkeypatch.setenv("PAGER", "less")
    monkeypatch.setenv("GIT_PAGER", "less")
    assert_passes(tmp_path, f"%backend pty\n%cwd {repo}\n$ git log --format=%s\nfirst\n[0]\n")


@settings(max_examples=300)
@given(st.lists(st.text(st.characters(blacklist_characters="\0")), min_size=1))
def test_a_recorded_command_line_is_one_line_that_reads_back_as_its_words(
    argv: list[str],
) -> None:
    line = command_line(argv)
    assert len(f"$ {line}".splitlines()) == 1
    assert split_command(line) == argv


def test_dollar_quotes_take_the_escapes_a_shell_gives_them() -> None:
    assert split_command(r"a$'\t\e\x41\101\u00e9\\\'\q'b c$ $x") == [
        "a\t\x1bAAé\\'\\qb",
        "c$",
        "$x",
    ]
    with pytest.raises(ValueError, match=r"unterminated \$' quote at column 3"):
        split_command("a $'b")
