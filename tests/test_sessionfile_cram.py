"""cram's model on request: %shell one, (no-eol), escapes in (glob), exit 80,
a stable environment, and cram tests themselves, through the `driver` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

from helpers import driver_command, write_session

CRAM = shutil.which("cram") or shutil.which("cram3")  # (Debian's python3-cram: cram3)


def passes(tmp_path: Path, text: str, **options: object) -> str:
    """Run ``text`` as a session file; its output, once it is seen to pass."""
    path = write_session(tmp_path, textwrap.dedent(text).lstrip("\n"))
    done = driver_command("run", path, **options)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def fails(tmp_path: Path, text: str) -> str:
    path = write_session(tmp_path, textwrap.dedent(text))
    done = driver_command("run", "--quiet", path)
    assert done.returncode == 1, done.stdout + done.stderr
    return done.stdout


def test_shell_one_carries_cd_and_variables_from_line_to_line(tmp_path: Path) -> None:
    passes(
        tmp_path,
        """\
        %shell one
        %cwd ${TMPDIR}
        $ mkdir work && cd work
        $ name=world; unset HOME
        $ echo "hello, $name" > greeting; echo "${HOME-no home}"
        no home
        $ cat greeting; pwd
        hello, world
        */work (glob)
        $ sh -c 'echo "$name, exported"'
        world, exported
        $ exit 3
        [3]
        $ echo "$name in ${PWD##*/}"
        world in work
        %env name=directive
        %cwd ${TMPDIR}
        $ echo "$name in ${PWD##*/}"
        directive in driver-* (glob)
        %shell one
        $ echo "${name}"
        directive
        %shell
        $ cd /
        $ pwd
        ${TMPDIR}
        """,  # %shell alone: each line a shell of its own, nothing carried
    )


def test_without_shell_one_nothing_carries_over(tmp_path: Path) -> None:
    output = fails(tmp_path, '%shell\n$ name=world\n$ echo "$name"\nworld\n')
    assert "expected 'world', got ''" in output


def test_shell_one_with_bash(tmp_path: Path) -> None:
    passes(tmp_path, "%shell one bash\n$ word=abc\n$ echo ${word^^}\nABC\n")


def test_no_eol_is_a_last_line_without_a_newline(tmp_path: Path) -> None:
    passes(
        tmp_path,
        r"""
        $ printf 'done'
        done (no-eol)
        $ printf 'a\tb\r'
        a\tb\r (no-eol) (esc)
        $ printf 'build 42'
        build \d+ (re) (no-eol)
        """,
    )
    output = fails(tmp_path, "$ echo done\ndone (no-eol)\n")
    assert "expected 'done (no-eol)', got 'done'" in output


def test_update_spells_an_output_line_that_ends_like_no_eol(tmp_path: Path) -> None:
    path = write_session(tmp_path, "$ echo 'x (no-eol)'\n")
    assert driver_command("run", "--update", path).returncode == 0
    assert path.read_text() == "$ echo 'x (no-eol)'\nx \\(no-eol\\) (re)\n"
    assert driver_command("run", path).returncode == 0


def test_a_backslash_escapes_glob_wildcards_as_in_cram(tmp_path: Path) -> None:
    passes(
        tmp_path,
        r"""
        %backend pipe
        $ echo 'a*b?c\d [x]'
        a\*b\?c\\d [x] (glob)
        $ echo 'value: *'
        value: ${STAR} (glob)
        """,
        env={**os.environ, "STAR": "*"},
    )
    output = fails(tmp_path, "$ echo 'axxb'\na\\*b (glob)\n")  # \* is a star, not a wildcard
    assert "expected 'a\\\\*b (glob)', got 'axxb'" in output


def test_exit_80_skips_the_file_under_shell_one(tmp_path: Path) -> None:
    output = passes(
        tmp_path,
        """\
        %shell one
        $ echo before
        before
        $ command -v no-such-program-here || exit 80
        $ echo never
        never
        """,
    )
    assert "\n$ echo never" not in output
    assert (
        "SKIP {}: line 4 (`$ command -v no-such-program-here || exit 80`) exited with status 80,"
    ).format(tmp_path / "example.session") in output
    passes(tmp_path, "%shell one\n$ exit 80\n[80]\n$ echo after\nafter\n")  # expected: no skip
    output = fails(tmp_path, "$ sh -c 'exit 80'\n")  # not under %shell one: a failure
    assert "expected exit status [0], got [80]" in output


def test_session_files_run_in_a_stable_environment(tmp_path: Path) -> None:
    machine = {**os.environ, "LC_ALL": "fr_FR.UTF-8", "LC_TIME": "de_DE.UTF-8",
               "LANGUAGE": "fr", "TZ": "Asia/Tokyo", "CDPATH": "/", "COLUMNS": "200"}  # fmt: skip
    script = (
        "import os; print(*(f'{k}={os.environ.get(k)}' for k in"
        " ('LANG', 'LC_ALL', 'LC_TIME', 'LANGUAGE', 'TZ', 'CDPATH', 'COLUMNS')))"
    )
    expected = "LANG=C.UTF-8 LC_ALL=None LC_TIME=None LANGUAGE=None TZ=UTC CDPATH=None COLUMNS=80"
    passes(
        tmp_path,
        f"""\
        $ ${{PYTHON}} -c "{script}"
        {expected}
        %env LANG=C
        %screen 10x100
        $ ${{PYTHON}} -c "{script}"
        | {expected.replace("C.UTF-8", "C").replace("80", "100")}
        """,
        env=machine,
    )


@pytest.mark.skipif(shutil.which("date") is None, reason="needs date (Debian package coreutils)")
def test_dates_read_the_same_on_every_machine(tmp_path: Path) -> None:
    passes(
        tmp_path,
        "$ date -d @0\nThu Jan  1 00:00:00 UTC 1970\n",
        env={**os.environ, "TZ": "America/New_York", "LC_ALL": "de_DE.UTF-8"},
    )


CRAM_TEST = """\
The shell's state carries over from command to command:

  $ mkdir work && cd work
  $ NAME=world
  $ echo "hello $NAME" > greeting
  $ cat greeting
  hello world
  $ pwd
  */work (glob)

A last line without a newline, a star that is a star, a status:

  $ printf 'no end'
  no end (no-eol)
  $ echo 'a*b'
  a\\*b (glob)
  $ false
  [1]
"""


def test_a_cram_test_gets_one_error_with_the_way_to_port_it(tmp_path: Path) -> None:
    test = tmp_path / "example.t"
    test.write_text(CRAM_TEST)
    done = driver_command("run", test)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert lines[1].startswith(f"{test}: a cram test, not a session file: cram indents commands")
    assert lines[2].startswith("hint: to port it, remove the indentation, make the prose `# `")
    assert "put `%shell one` at the top" in lines[2]
    assert lines[3] == f"ERROR {test}"


def ported(cram_test: str) -> str:
    """A cram test ported as the hint says: no indentation, prose as
    comments (blank lines dropped), ``%shell one`` at the top."""
    lines = ["%shell one"]
    for line in cram_test.splitlines():
        if line.startswith("  "):
            lines.append(line[2:])
        elif line:
            lines.append(f"# {line}")
    return "\n".join(lines) + "\n"


@pytest.mark.skipif(CRAM is None, reason="needs cram (Debian package python3-cram)")
def test_a_cram_test_ported_as_the_hint_says_passes_as_it_does_in_cram(tmp_path: Path) -> None:
    assert CRAM is not None
    test = tmp_path / "example.t"
    test.write_text(CRAM_TEST)
    done = subprocess.run([CRAM, str(test)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr  # cram takes it as written
    work = tmp_path / "run"
    work.mkdir()  # (cram runs a test in a scratch directory; the port, in this one)
    session = write_session(tmp_path, ported(CRAM_TEST), "example.session")
    done = driver_command("run", session, cwd=work)
    assert done.returncode == 0, done.stdout
    # And both fail alike when the output changes.
    broken = CRAM_TEST.replace("hello world", "hello there")
    test.write_text(broken)
    assert subprocess.run([CRAM, str(test)], capture_output=True, timeout=60).returncode == 1
    session.write_text(ported(broken))
    shutil.rmtree(work / "work")
    done = driver_command("run", "--quiet", session, cwd=work)
    assert "expected 'hello there', got 'hello world'" in done.stdout
