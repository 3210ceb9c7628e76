"""What only the pty backend does: a real terminal for the child."""

from __future__ import annotations

import pytest

import driver
import driver.terminal
from helpers import fixture


def pty(argv: list[str], **options: object) -> driver.Session:
    return driver.spawn(argv, backend="pty", **options)  # type: ignore[arg-type]


def test_child_sees_a_terminal_of_the_given_size() -> None:
    with pty(fixture("tty_info.py"), dimensions=(40, 132)) as s:
        assert s.read_line() == "isatty True True"
        assert s.read_line() == "dev-tty opened"
        assert s.read_line() == "size 40x132"


def test_set_window_size_reaches_the_child() -> None:
    with pty(fixture("tty_info.py")) as s:
        s.expect_exact("size 24x80")
        s.set_window_size(50, 100)
        # A signal that lands between Python's check for signals and its next
        # read() runs its handler only when that read returns: give it a line.
        s.send_line("wake")
        s.expect_exact("size 50x100")


def test_pipe_child_has_no_terminal() -> None:
    with driver.spawn(fixture("tty_info.py")) as s:
        assert s.read_line() == "isatty False False"
        assert s.read_line().startswith("dev-tty failed")
        with pytest.raises(driver.DriverError, match='backend="pty"'):
            s.set_window_size(1, 1)


def test_getpass_prompt_is_answered() -> None:
    with pty(fixture("getpass_prompt.py")) as s:
        s.expect_exact("Password: ")
        s.send_line("hunter2")
        assert s.read_line() == ""  # getpass ends the prompt line itself
        assert s.read_line() == "got a password of 7 characters"


def test_echo_off_by_default_and_on_when_asked() -> None:
    with pty(fixture("repeater.py")) as s:
        s.read_line()
        s.send_line("once")
        assert s.read_line() == "once"
        s.send_line("again")
        assert s.read_line() == "again"
    with pty(fixture("repeater.py"), echo=True) as s:
        s.read_line()
        s.send_line("twice")
        assert s.read_line() == "twice"  # the terminal's echo
        assert s.read_line() == "twice"  # the child's reply


def test_canonical_says_whether_the_program_edits_its_own_line() -> None:
    with pty(fixture("raw_prompts.py")) as s:
        s.expect_exact("name: ")  # it reads key by key, as readline does
        assert not s.canonical
        s.send("ada\r4\r5\r")
        s.expect_exact("hello ada")
    with pty(fixture("repeater.py")) as s:
        s.read_line()
        assert s.canonical
    with driver.spawn(fixture("repeater.py")) as s:
        assert not s.canonical  # no terminal on a pipe


def test_output_crlf_comes_out_as_lf() -> None:
    # The terminal turns the child's "\r\n" into "\r\r\n"; a lone "\r" stays.
    with pty(["printf", "a\\r\\nb\\n\\rc\\rd\\n"]) as s:
        assert s.read() == "a\nb\n\rc\rd\n"


@pytest.mark.parametrize("length", [4095, 4096, 10_000, 100_000])
def test_lines_longer_than_the_canonical_limit_arrive_whole(length: int) -> None:
    line = "x" * (length - 5) + "tail!"
    with pty(fixture("line_length.py")) as s:
        s.send_line(line)
        assert s.read_line() == f"length {length} ends tail!"
        s.send_line("short")
        assert s.read_line() == "length 5 ends short"


def test_control_characters() -> None:
    with pty(fixture("repeater.py")) as s:
        s.read_line()
        s.send_control("d")
        s.expect_exact("exiting")
        assert s.wait() == 0
        assert "%control d" in s.transcript


def test_control_characters_need_a_terminal() -> None:
    with driver.spawn(fixture("repeater.py")) as s:
        with pytest.raises(driver.DriverError, match="needs a terminal"):
            s.send_control("c")
        s.send_control("d")  # closes stdin, as ^D ends input on a terminal
        s.expect_exact("exiting")
    with pytest.raises(ValueError, match="expected a letter"):
        driver.terminal.control_bytes("1")
