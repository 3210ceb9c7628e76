"""What a terminal does (driver.terminal), on plain data, and the one window-size
rule as the spawn, the pty and the screen apply it."""

from __future__ import annotations

import pytest

import driver
from driver.terminal import (
    MAX_SCREEN_COLS,
    MAX_SCREEN_ROWS,
    MAX_WINDOW_SIZE,
    check_window_size,
    control_bytes,
    key_bytes,
)


@pytest.mark.parametrize("size", [(1, 1), (24, 80), (MAX_WINDOW_SIZE, MAX_WINDOW_SIZE)])
def test_a_terminal_may_be_any_size_a_winsize_holds(size: tuple[int, int]) -> None:
    check_window_size(*size)


@pytest.mark.parametrize(
    ("rows", "cols", "problem"),
    [
        (0, 80, "rows=0 is not from 1 to 65535"),
        (24, 65536, "cols=65536 is not from 1 to 65535"),
        (True, 80, "rows=True is not from 1 to 65535"),
        (24, 80.0, "cols=80.0 is not from 1 to 65535"),
    ],
)
def test_a_size_no_terminal_can_have_is_named(rows: int, cols: int, problem: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_window_size(rows, cols)
    assert str(caught.value) == problem


def test_a_screen_has_its_own_limit_under_the_terminals() -> None:
    check_window_size(MAX_SCREEN_ROWS, MAX_SCREEN_COLS, screen=True)
    check_window_size(MAX_SCREEN_ROWS + 1, 80)  # a terminal may be that high
    with pytest.raises(ValueError) as caught:
        check_window_size(MAX_SCREEN_ROWS + 1, 80, screen=True)
    assert str(caught.value) == (
        "a screen of 501x80: at most 500x1000 (rows x columns); every search renders the"
        " whole screen"
    )


def test_a_screen_session_too_large_is_refused_with_the_limit_before_it_starts() -> None:
    with pytest.raises(ValueError) as caught:
        driver.spawn(["true"], backend="pty", screen=True, dimensions=(600, 80))
    assert str(caught.value) == (
        "a screen of 600x80: at most 500x1000 (rows x columns); every search renders the"
        " whole screen"
    )


def test_the_pipe_and_pty_refuse_a_size_no_terminal_can_have() -> None:
    with pytest.raises(driver.SpawnError, match=r"dimensions=\(0, 80\) is not \(rows, columns\)"):
        driver.spawn(["true"], backend="pty", dimensions=(0, 80))
    with driver.spawn(["cat"], backend="pty") as session:
        with pytest.raises(ValueError, match="set_window_size: cols=70000 is not from 1 to 65535"):
            session.set_window_size(24, 70000)
        assert session.window_size == (24, 80)


def test_control_characters_are_a_letter_or_a_mark() -> None:
    assert control_bytes("c") == control_bytes("C") == b"\x03"
    assert control_bytes("@") == b"\x00" and control_bytes("?") == b"\x7f"
    with pytest.raises(ValueError, match=r"expected a letter or one of \?\[\\\]\^_@"):
        control_bytes("1")


def test_a_ctrl_key_sends_its_control_character() -> None:
    for char in "abcz[\\]^_?@":
        assert key_bytes(f"ctrl-{char}") == control_bytes(char)
    assert key_bytes("ctrl-space") == b"\x00"
    with pytest.raises(ValueError, match="'ctrl-1' is not a key name"):
        key_bytes("ctrl-1")
