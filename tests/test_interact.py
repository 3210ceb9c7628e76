"""Session.interact(), driven the way a person would: from a terminal, by driver."""

from __future__ import annotations

import signal
import sys

import pytest

import driver
from helpers import fixture, on_a_fresh_terminal, on_a_terminal

REPEATER = fixture("repeater.py")[1]


def host(
    *child: str, upper: bool = False, wait: str | None = None, screen: bool = False
) -> driver.Session[str]:
    options = [*(["--upper"] if upper else []), *(["--wait", wait] if wait else [])]
    argv = fixture("interact_host.py", *options, *(["--screen"] if screen else []), "--", *child)
    return driver.spawn(argv, backend="pty", timeout=20, dimensions=(30, 100))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_that_ends_interact_restores_the_terminal_first(sig: int) -> None:
    with on_a_terminal(fixture("interact_host.py", "--", sys.executable, REPEATER)) as (host, h):
        h.expect_exact("repeater.py: starting")
        h.send("hello\r")
        h.expect_exact("hello\nhello\n")  # the reply came through interact: it is raw
        host.send_signal(sig)
        assert host.wait(timeout=20) == -sig  # then the signal took its normal effect


def test_a_sigterm_handler_the_caller_set_runs_with_the_terminal_restored() -> None:
    argv = fixture("interact_host.py", "--on-sigterm", "--", sys.executable, REPEATER)
    with on_a_terminal(argv) as (host, h):
        h.expect_exact("repeater.py: starting")
        h.send("hello\r")
        h.expect_exact("hello\nhello\n")
        host.send_signal(signal.SIGTERM)
        assert h.expect(r"host: SIGTERM handled, modes restored (\w+)").group(1) == "True"
        h.send("\x1d")  # its handler returned: interact goes on, raw again
        h.expect_exact("host: back, modes restored True")
        h.expect_exact("host: SIGTERM handler kept True")
        h.expect_exact("host: returncode 0")


def test_keys_reach_the_child_and_escape_gives_the_session_back() -> None:
    with host(sys.executable, REPEATER) as h:
        h.expect_exact("host: interacting")
        h.expect_exact("repeater.py: starting")
        h.send("hello\r")  # raw mode: Enter arrives as a carriage return
        h.expect_exact("hello\nhello\n")  # the terminal's echo, then the reply
        h.send("\x1d")  # Ctrl-]
        h.expect_exact("host: back, modes restored True")
        h.expect_exact("host: child said after escape")
        h.expect_exact("host: returncode 0")
        transcript = h.expect(r"host: transcript '(.*)'").group(1)
        assert "> hello" in transcript


def test_interact_ends_when_the_child_exits() -> None:
    with host("sh", "-c", "read answer; echo got $answer") as h:
        h.expect_exact("host: interacting")
        h.send("abc\r")
        h.expect_exact("got abc")
        h.expect_exact("host: back, modes restored True")
        h.expect_exact("host: returncode 0")


def test_window_size_changes_are_passed_on() -> None:
    with host(sys.executable, fixture("tty_info.py")[1]) as h:
        h.expect_exact("host: interacting")
        h.expect_exact("isatty True True")
        h.set_window_size(33, 99)
        h.expect_exact("size 33x99")
        h.send("\x1d")
        h.expect_exact("host: back, modes restored True")


def test_output_filter_and_typed_password_stays_secret() -> None:
    with host(sys.executable, fixture("getpass_prompt.py")[1], upper=True) as h:
        h.expect_exact("PASSWORD: ")
        h.send("sesame\r")
        h.expect_exact("GOT A PASSWORD OF 6 CHARACTERS")
        h.expect_exact("host: back, modes restored True")
        transcript = h.expect(r"host: transcript '(.*)'").group(1)
        assert "sesame" not in transcript and "> ********" in transcript


def test_interact_needs_a_terminal() -> None:
    code = (
        "import driver, sys\n"
        "with driver.spawn(['cat']) as s:\n"
        "    try:\n"
        "        s.interact()\n"
        "    except driver.DriverError as e:\n"
        "        print('refused:', e)\n"
    )
    with driver.spawn([sys.executable, "-c", code]) as s:
        assert s.read_line().startswith("refused: interact() needs a terminal on stdin")


@pytest.mark.parametrize("escape", ["\x1d"])
def test_unconsumed_output_is_shown_first(escape: str) -> None:
    code = (
        "import driver, sys\n"
        "with driver.spawn(['sh', '-c', 'echo early; cat'], backend='pty') as s:\n"
        "    s.expect_exact('ear')\n"
        "    s.interact()\n"
        "    print('back')\n"
    )
    with driver.spawn([sys.executable, "-c", code], backend="pty") as s:
        s.expect_exact("ly\n")  # the rest of the line, unconsumed when interact began
        s.send(escape)
        s.expect_exact("back")


def test_interact_leaves_a_password_prompts_echo_off() -> None:
    """As at su's prompt: the child turned echo off before interact began."""
    with host(sys.executable, fixture("getpass_prompt.py")[1], wait="Password: ") as h:
        h.expect_exact("host: interacting")
        h.send("sesame\r")
        h.expect_exact("got a password of 6 characters")
        assert "sesame" not in h.before
        h.expect_exact("host: back, modes restored True")
        transcript = h.expect(r"host: transcript '(.*)'").group(1)
        assert "sesame" not in transcript and "> ********" in transcript


def test_the_screen_shows_what_the_child_drew_during_interact() -> None:
    pytest.importorskip("pyte", reason="the screen needs pyte: pip install 'linedriver[screen]'")
    draw = r"printf '\033[2J\033[Hdrawn during interact'; read answer"
    with host("sh", "-c", draw, screen=True) as h:
        h.expect_exact("drawn during interact")
        h.send("\r")
        # The screen has this terminal's size, and what it showed.
        h.expect_exact("host: screen (30, 100) 'drawn during interact'")


def test_interact_on_a_terminal_nobody_sized_gives_the_child_24_by_80() -> None:
    argv = fixture("interact_host.py", "--", sys.executable, fixture("tty_info.py")[1])
    with on_a_fresh_terminal(argv) as terminal:
        terminal.expect_exact("host: interacting")
        terminal.expect_exact("isatty True True")
        terminal.expect_exact("dev-tty opened")  # the child's controlling terminal
        terminal.expect_exact("size 24x80")
        terminal.send("\x1d")
        terminal.expect_exact("host: back, modes restored True")
        terminal.expect_exact("host: returncode 0")
