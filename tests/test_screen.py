"""Full-screen programs: a screen drawn from the raw output, keys by name,
and failures that show the screen. Real programs: whiptail, vim, less, top."""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import sys
import time
import unicodedata
from pathlib import Path

import pytest

import driver
from driver._screen import MAX_COMBINING
from driver.terminal import key_bytes

pytest.importorskip("pyte", reason="the screen needs pyte: pip install 'linedriver[screen]'")


def needs(program: str, package: str) -> pytest.MarkDecorator:
    return pytest.mark.skipif(
        shutil.which(program) is None, reason=f"{program} not found: apt-get install {package}"
    )


def screen_session(argv: list[str], **options: object) -> driver.Session[str]:
    return driver.spawn(argv, backend="pty", screen=True, **options)  # type: ignore[arg-type]


def printer(code: str) -> list[str]:
    """A child that writes ``code``'s text raw (no newline translation of its own)."""
    program = f"import os, sys; os.write(1, {code!r}.encode()); sys.stdin.read()"
    return [sys.executable, "-c", program]


# -- the screen itself ------------------------------------------------------------


def test_colour_codes_split_text_that_the_screen_shows_whole() -> None:
    # As top draws "Tasks:": bold and colour codes inside the words.
    code = "\x1b[2J\x1b[H\x1b[1mTa\x1b[0;31msks:\x1b[m \x1b[1m42 \x1b[0mtotal\r\n  cursor here"
    with screen_session(printer(code)) as session:
        found = session.expect_screen(r"Tasks: (\d+) total")
        assert found.group(1) == "42"
        session.expect_screen("cursor here", exact=True)
        assert session.screen.lines[:2] == ["Tasks: 42 total", "  cursor here"]
        assert session.screen.cursor == (1, 13)
        assert session.screen.region(0, 0, 1, 5) == ["Tasks"]


def test_a_carriage_return_overwrites_the_row_as_on_a_terminal() -> None:
    with screen_session(printer("progress 10%\rprogress 99%\r\nnext")) as session:
        session.expect_screen("^next$")
        assert session.screen.lines[:2] == ["progress 99%", "next"]
        assert session.unconsumed == ""  # what the screen matched was consumed


def test_a_region_is_searched_alone_and_a_bad_one_is_refused() -> None:
    with screen_session(printer("left    right\r\nbelow")) as session:
        session.expect_screen("below")
        session.expect_screen("^right$", region=(0, 8, 1, 20))
        with pytest.raises(driver.Timeout):
            session.expect_screen("below", timeout=0.2, region=(0, 0, 1, 80))
        with pytest.raises(ValueError, match=r"region \(0, 0, 30, 80\).*<= 24"):
            session.expect_screen("x", region=(0, 0, 30, 80))
        with pytest.raises(ValueError, match="rows and columns count from 0"):
            session.expect_screen("x", region=(0.0, 0, 1.5, 80))  # type: ignore[arg-type]


def test_the_alternate_screen_gives_back_what_was_there() -> None:
    code = "before\x1b[?1049h\x1b[Hon the alternate screen\x1b[?1049lafter"
    with screen_session(printer(code)) as session:
        session.expect_screen("beforeafter")
        assert "alternate" not in session.screen.text


def test_a_sequence_the_emulator_fails_on_loses_nothing_after_it() -> None:
    # pyte 0.8.2 raises on a private SGR (CSI ? 4 m), which vim sends.
    with screen_session(printer("one \x1b[?4m two")) as session:
        session.expect_screen("one  two")


def test_resizing_the_terminal_resizes_the_screen() -> None:
    with screen_session(printer("x"), dimensions=(10, 30)) as session:
        assert session.screen.size == (10, 30)
        session.set_window_size(12, 40)
        assert session.screen.size == (12, 40)


def test_characters_of_no_width_lose_nothing_after_them() -> None:
    # pyte 0.8.2 stops drawing at a zero-width joiner, U+FE0F after an
    # emoji or a BOM: the rest of the text was lost.
    text = "I \u2764\ufe0f tests, really\r\nfoo\u200bbar\r\n\ufeffhello world"
    with screen_session(printer(text)) as session:
        session.expect_screen("^hello world$")
        assert session.screen.lines[:2] == ["I \u2764 tests, really", "foobar"]


def test_a_byte_that_is_not_utf8_shows_as_a_terminal_shows_it() -> None:
    code = "import os, sys; os.write(1, b'bad \\xff byte\\r\\nafter'); sys.stdin.read()"
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("^after$")
        assert session.screen.lines[0] == "bad \ufffd byte"


def test_combining_characters_piled_on_one_cell_are_capped() -> None:
    # 80,000 accents on one letter, in many reads: a cell keeps 30 of them
    # (pyte renormalises a cell for each: more would cost quadratic time).
    code = (
        "import os\n"
        "os.write(1, b'a')\n"
        "for i in range(40): os.write(1, '\\u0301'.encode() * 2000)\n"
        "os.write(1, b'!')\n"
        "os.read(0, 1)\n"
    )
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("!", exact=True, timeout=10)
        row = unicodedata.normalize("NFD", session.screen.lines[0])
        assert row == "a" + "\u0301" * MAX_COMBINING + "!"


def test_combining_characters_without_end_do_not_hold_deadlines() -> None:
    code = "import os\nos.write(1, b'a')\nwhile True: os.write(1, '\\u0301'.encode() * 4000)"
    with screen_session([sys.executable, "-c", code]) as session:
        # Without the cap, each read of accents took longer than the last:
        # this expect_screen overshot by 1.0-2.4 s, the close took 2.1-4.9 s.
        # With it, both overshoot by about 10 ms; the bounds are generous.
        started = time.monotonic()
        with pytest.raises(driver.Timeout):
            session.expect_screen("never", timeout=2)
        assert time.monotonic() - started < 2 + 0.8
        started = time.monotonic()
        session.close(grace=0.2)  # the child ignores EOF: SIGTERM after 0.2 s
        assert time.monotonic() - started < 0.2 + 1.0


def test_the_alternate_screen_entered_twice_still_gives_back_the_main_one() -> None:
    code = "main\x1b[?1049h\x1b[HALT A\x1b[?1049h\x1b[HALT B\x1b[?1049l!"
    with screen_session(printer(code)) as session:
        session.expect_screen("main!")
        assert "ALT" not in session.screen.text


def test_132_column_mode_is_ignored_as_xterm_does() -> None:
    with screen_session(printer("\x1b[?3hwide?")) as session:
        session.expect_screen("wide?", exact=True)
        assert session.screen.size == (24, 80)


def test_a_screen_too_large_to_search_is_refused_before_anything_starts() -> None:
    with pytest.raises(ValueError, match="at most 500x1000"):
        screen_session(["true"], dimensions=(600, 80))
    with screen_session(printer("x")) as session:
        with pytest.raises(ValueError, match="at most"):
            session.set_window_size(80, 5000)
        assert session.window_size == session.screen.size == (24, 80)  # both unchanged


# -- failures show the screen -------------------------------------------------------


def test_a_timeout_shows_the_screen_with_the_cursor_marked() -> None:
    with screen_session(printer("\x1b[2J\x1b[3;5HMenu\x1b[4;5HQuit\x1b[4;5H")) as session:
        session.expect_screen("Quit")
        with pytest.raises(driver.Timeout) as caught:
            session.expect_screen("Help", timeout=0.2)
    message = str(caught.value)
    assert "the screen to show 'Help'" in message
    assert "      2 |    Menu\n" in message
    assert "      3 |    Quit\n" + " " * 13 + "^ cursor" in message
    assert "\x1b" not in message  # the screen, not the escape sequences
    assert caught.value.screen.startswith("screen 24x80, cursor at row 3, col 4:")


def test_a_secret_on_the_screen_is_masked_in_the_failure() -> None:
    with screen_session(printer("token: hunter2-xyz")) as session:
        session.add_secret("hunter2-xyz")
        session.expect_screen("token")
        with pytest.raises(driver.Timeout) as caught:
            session.expect_screen("never", timeout=0.2)
    assert "hunter2" not in str(caught.value)
    assert "token: ********" in str(caught.value)


def test_a_secret_pattern_is_masked_in_the_failure() -> None:
    with screen_session(printer("token: hunter2-xyz")) as session:
        session.expect_screen("token")
        with pytest.raises(driver.Timeout) as caught:
            session.expect_screen(driver.Secret("hunter2-xyz-abc"), timeout=0.2, exact=True)
    assert "hunter2" not in str(caught.value) and "xyz" not in caught.value.pattern


def test_a_slow_regex_does_not_hold_expect_screen_past_its_deadline() -> None:
    # Nested repetition over rows of "a"s: exponential, even for the regex package.
    code = "import os, sys; os.write(1, b'a' * 9_000 + b'\\r\\n!'); sys.stdin.read()"
    with screen_session([sys.executable, "-c", code], dimensions=(110, 1000)) as session:
        session.expect_screen("!", exact=True)
        with pytest.raises(driver.Timeout) as caught:
            session.expect_screen(r"(a+)+\nX", timeout=0.5)
    message = str(caught.value)
    assert "did not finish in time" in message
    assert len(message) < 40_000  # the snapshot of a large screen is bounded too


def test_eof_before_the_screen_shows_it_shows_the_screen() -> None:
    argv = [sys.executable, "-c", "print('done drawing')"]
    with screen_session(argv) as session, pytest.raises(driver.EOF) as caught:
        session.expect_screen("never")
    assert "done drawing" in str(caught.value)


# -- bad input ------------------------------------------------------------------------


def test_a_screen_needs_a_pty_and_a_session_without_one_says_how_to_get_it() -> None:
    with pytest.raises(ValueError, match="screen=True needs backend='pty'"):
        driver.spawn(["true"], screen=True)
    with driver.spawn(["cat"], backend="pty") as session:
        with pytest.raises(driver.DriverError, match=r"spawn .* with screen=True"):
            session.expect_screen("x")
        with pytest.raises(driver.DriverError, match="screen=True"):
            session.screen  # noqa: B018


def test_bad_patterns_and_keys_are_refused_with_the_fix() -> None:
    with screen_session(printer("x")) as session:
        with pytest.raises(ValueError, match="not a valid regex"):
            session.expect_screen("(")
        with pytest.raises(TypeError, match="the screen is text"):
            session.expect_screen(b"x")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="'dwon' is not a key name; the names: a single"):
            session.send_key("dwon")
        with pytest.raises(ValueError, match="at least one key name"):
            session.send_key()


def test_key_names_give_an_xterms_bytes() -> None:
    assert key_bytes("enter") == b"\r"
    assert key_bytes("Down") == b"\x1b[B"
    assert key_bytes("down", application=True) == b"\x1bOB"
    assert key_bytes("ctrl-c") == b"\x03"
    assert key_bytes("ctrl-[") == b"\x1b"
    assert key_bytes("alt-x") == b"\x1bx"
    assert key_bytes("alt-down") == key_bytes("alt-down", application=True) == b"\x1b[1;3B"
    assert key_bytes("ctrl-left") == b"\x1b[1;5D"
    assert key_bytes("shift-end") == b"\x1b[1;2F"
    assert key_bytes("f5") == b"\x1b[15~"
    assert key_bytes("q") == b"q"


def test_keys_follow_the_cursor_mode_the_program_asks_for() -> None:
    # The child turns application cursor keys on (as curses does), then shows what it reads.
    code = (
        "import os, sys, tty; tty.setraw(0); os.write(1, b'\\x1b[?1hready');"
        " os.write(1, repr(os.read(0, 16)).encode())"
    )
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("ready")
        session.send_key("up")
        session.expect_screen(r"b'\x1bOA'", exact=True)


def test_settle_returns_once_the_output_pauses_and_at_its_end() -> None:
    with screen_session(printer("drawn")) as session:
        session.settle(quiet=0.05)
        assert "drawn" in session.screen.text
    with screen_session([sys.executable, "-c", "print('bye')"]) as session:
        session.settle(quiet=60)  # the output ends: nothing more can come
        assert "bye" in session.screen.text
    with screen_session(printer("x")) as session, pytest.raises(ValueError, match="quiet=0"):
        session.settle(quiet=0)


def test_settle_waits_for_the_answer_before_it_waits_for_a_pause() -> None:
    # The answer comes after a second of work: a pause of 0.05 s before it
    # began is not the program being done.
    code = (
        "import sys\nprint('ready', end='', flush=True)\nsys.stdin.readline()\n"
        "sum(range(30_000_000))\nprint('answered', flush=True)\nsys.stdin.read()"
    )
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("ready")
        session.send_line("go")
        session.settle(quiet=0.05)
        assert "answered" in session.screen.text


def test_settle_says_so_when_nothing_answers() -> None:
    with screen_session(printer("drawn")) as session:
        session.settle(quiet=0.05)
        session.send_key("x")  # the child reads nothing: no answer comes
        with pytest.raises(driver.Timeout, match="nothing arrived since the last thing sent"):
            session.settle(quiet=0.05, timeout=0.5)


def test_settle_times_out_on_a_program_that_never_stops_drawing() -> None:
    code = "import os, itertools\nfor i in itertools.count(): os.write(1, b'\\r%d' % i)"
    with (
        screen_session([sys.executable, "-c", code]) as session,
        pytest.raises(driver.Timeout, match="never stopped writing"),
    ):
        session.settle(quiet=5, timeout=0.5)


def test_a_screen_sessions_buffer_is_consumed_as_the_screen_is_matched() -> None:
    code = "import os\nfor i in range(2000): os.write(1, b'\\x1b[H\\x1b[2Jframe %d' % i)"
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("frame 1999")
        assert len(session.unconsumed) < 100


@pytest.mark.parametrize("waiting", ["settle", "expect_screen timing out", "wait"])
def test_a_screen_sessions_buffer_is_bounded_whatever_waits(waiting: str) -> None:
    # Only a match on the screen consumes: without one, 512 KB of output
    # stays unconsumed. The buffer keeps the most recent transcript_limit
    # characters (twice that between cuts), as the transcript does.
    limit = 1 << 15
    code = (
        "import os\n"
        "for i in range(6000): os.write(1, b'line %05d %s\\r\\n' % (i, b'x' * 74))\n"
        "os.write(1, b'done')\n"
        f"{'' if waiting == 'wait' else 'os.read(0, 1)'}\n"
    )
    with screen_session([sys.executable, "-c", code], transcript_limit=limit) as session:
        if waiting == "settle":
            session.settle(quiet=0.5, timeout=60)
        elif waiting == "wait":
            assert session.wait(timeout=60) == 0
        while "done" not in session.screen.text:
            with pytest.raises(driver.Timeout):
                session.expect_screen("never", timeout=0.5)
        unconsumed = session.unconsumed
        assert len(unconsumed) <= 2 * limit
        assert unconsumed.endswith("line 05999 " + "x" * 74 + "\ndone")


def exited(session: driver.Session[str], timeout: float = 10) -> None:
    """Wait until the child has exited, without reaping it or reading its output."""
    assert session.pid is not None
    pidfd = os.pidfd_open(session.pid)
    try:
        assert select.select([pidfd], [], [], timeout)[0], "the child did not exit"
    finally:
        os.close(pidfd)


def test_wait_draws_what_the_child_wrote_as_it_exited() -> None:
    # As whiptail restores the screen and prints its answer as it exits: by
    # the time wait() runs, the exit shows and the last output is unread.
    code = (
        "import os\n"
        "os.write(1, b'\\x1b[2J\\x1b[Hmenu')\n"
        "os.read(0, 1)\n"
        "os.write(1, b'\\x1b[2J\\x1b[Hrestored')\n"
    )
    with screen_session([sys.executable, "-c", code]) as session:
        session.expect_screen("^menu$")
        session.send_key("enter")
        exited(session)
        assert session.wait() == 0
        assert session.screen.lines[0] == "restored"
        assert session.unconsumed.endswith("restored")


@needs("whiptail", "whiptail")
def test_the_screens_guide_example_prints_the_restored_screen() -> None:
    menu = ["whiptail", "--menu", "Pick a fruit", "15", "40", "4",
            "a", "Apple", "b", "Banana", "c", "Cherry"]  # fmt: skip
    with screen_session(menu) as session:
        session.expect_screen("Cherry")
        session.send_key("down", "down", "enter")
        assert session.wait() == 0
        assert session.screen.lines[0] == "c"  # the tag, on the restored screen


# -- real programs --------------------------------------------------------------------


@needs("whiptail", "whiptail")
def test_a_whiptail_menu_moved_down_two_items_gives_the_third_tag(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    menu = "whiptail --menu Pick 15 40 4 a Apple b Banana c Cherry 2> " + str(chosen)
    with screen_session(["sh", "-c", menu]) as session:
        session.expect_screen(r"Apple[\s\S]*Banana[\s\S]*Cherry")
        session.send_key("down", "down", "enter")
        assert session.wait() == 0
    assert chosen.read_text() == "c"


@needs("whiptail", "whiptail")
def test_a_whiptail_yesno_answered_no_exits_1() -> None:
    with screen_session(["whiptail", "--yesno", "Proceed?", "8", "40"]) as session:
        session.expect_screen(r"<Yes>.*<No>")
        session.send_key("tab", "enter")
        assert session.wait() == 1


@needs("vim", "vim")
def test_vim_inserts_text_and_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    env = {**os.environ, "HOME": str(tmp_path)}
    with screen_session(["vim", "-u", "NONE", "-N", "-n", str(path)], env=env) as session:
        session.expect_screen(r'notes\.txt" \[New\]')
        session.send("ihello from driver")
        session.send_key("esc")
        session.expect_screen("^hello from driver$")
        session.send(":wq")
        session.send_key("enter")
        assert session.wait() == 0
    assert path.read_text() == "hello from driver\n"


@needs("less", "less")
def test_less_searches_a_long_file_and_quits(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("".join(f"line {n}{' needle' * (n == 700)}\n" for n in range(1000)))
    env = {**os.environ, "LESS": "", "LESSHISTFILE": "-"}
    with screen_session(["less", str(path)], env=env) as session:
        session.expect_screen("^line 22$")
        session.send("/needle")
        session.send_key("enter")
        session.expect_screen("^line 700 needle$", region=(0, 0, 1, 80))
        session.send_key("q")
        assert session.wait() == 0


@needs("top", "procps")
def test_top_shows_its_task_count() -> None:
    with screen_session(["top"]) as session:
        found = session.expect_screen(r"Tasks:\s+(\d+) total")
        assert int(found.group(1)) > 0
        session.send_key("q")
        assert session.wait() == 0


@needs("whiptail", "whiptail")
def test_the_async_session_keeps_a_screen(tmp_path: Path) -> None:
    chosen = tmp_path / "chosen"
    menu = "whiptail --menu Pick 15 40 4 a Apple b Banana c Cherry 2> " + str(chosen)

    async def scenario() -> int:
        session = await driver.aspawn(["sh", "-c", menu], backend="pty", screen=True)
        async with session:
            await session.expect_screen("Cherry")
            await session.send_key("down", "enter")
            await session.settle(quiet=0.05)
            return await session.wait()

    assert asyncio.run(scenario()) == 0
    assert chosen.read_text() == "b"
