"""Nothing lost: what a child prints reaches the reader whole and unaltered."""

from __future__ import annotations

import os

import pytest

import driver
from helpers import Spawn, python


def test_a_timeout_entry_leaves_the_output_for_the_next_expect(spawn: Spawn) -> None:
    s = spawn(python("print('Do', end='', flush=True); input(); print('ne')"))
    polled = s.expect(["Done", driver.TIMEOUT], timeout=0.2)
    assert (polled.index, polled.before) == (1, "Do")
    s.send_line("")
    assert s.expect("Done").before == ""


def test_a_bytes_session_changes_no_byte() -> None:
    data = os.urandom(4 << 20)  # every \r\n, \r\r\n and lone \r a random stream holds
    copy = "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read())"
    with driver.spawn(python(copy), encoding=None, timeout=60) as s:
        s.send(data)
        s.send_eof()
        assert s.read() == data


def test_newline_empty_keeps_a_text_sessions_line_ends(spawn: Spawn) -> None:
    write = "import os; os.write(1, b'one\\r\\ntwo\\r\\n')"
    s = spawn(python(write), newline="")
    assert s.read() in ("one\r\ntwo\r\n", "one\r\r\ntwo\r\r\n")  # a pty adds its own \r
    t = spawn(python(write))
    assert t.read() == "one\ntwo\n"


def test_read_gives_the_good_text_then_the_decode_error(spawn: Spawn) -> None:
    s = spawn(python("import os; os.write(1, b'abc\\xe2\\x82')"))  # cut inside a character
    assert s.read() == "abc"
    with pytest.raises(driver.DecodeError) as error:
        s.read()
    assert error.value.offset == 3


def test_a_bad_newline_is_refused() -> None:
    with pytest.raises(ValueError, match="newline='\\\\n'"):
        driver.spawn(["cat"], newline="\n")
