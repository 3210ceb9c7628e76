"""driver.attach: an fd opened elsewhere (a socket, a pipe) driven like a child."""

from __future__ import annotations

import os
import socket

import pytest

import driver


def test_a_socket_is_driven_both_ways_and_send_eof_shuts_its_sending_half() -> None:
    ours, peer = socket.socketpair()
    with peer, driver.attach(ours, name="the peer") as s:
        assert (s.backend, s.alive) == ("fd", True)
        with pytest.raises(driver.DriverError, match="no child process"):
            s.pid  # noqa: B018
        peer.sendall(b"hello\nprompt> ")
        assert s.read_line() == "hello"
        s.expect_exact("prompt> ")
        s.send_line("answer")
        assert peer.recv(100) == b"answer\n"
        s.send_eof()
        assert peer.recv(100) == b""  # the peer reads EOF: our sending half is shut
        assert not s.alive  # nothing more can go to it: it counts as ended
        peer.sendall(b"still read\n")  # its sending half is open: we keep reading
        assert s.read_line() == "still read"
        peer.close()
        with pytest.raises(driver.EOF, match="`the peer`"):
            s.read_line()
    assert s.closed and s.returncode == 0
    assert ours.fileno() == -1  # the socket object was closed, not just its number


def test_close_fd_false_leaves_the_fd_open_and_blocking_as_found() -> None:
    ours, peer = socket.socketpair()
    with ours, peer:
        with driver.attach(ours, close_fd=False) as s:
            peer.sendall(b"x\n")
            assert s.read_line() == "x"
        assert ours.getblocking()  # back as found
        ours.sendall(b"after\n")
        assert peer.recv(100) == b"after\n"


def test_a_pipe_read_end_reports_eof_and_a_timeout_names_the_fd() -> None:
    read_end, write_end = os.pipe()
    with driver.attach(read_end, timeout=0.2) as s:
        with pytest.raises(driver.Timeout, match=f"`fd {read_end}`"):
            s.read_line()
        os.write(write_end, b"last line")
        os.close(write_end)
        assert s.read_line() == "last line"
        with pytest.raises(driver.EOF):
            s.read_line()
    with pytest.raises(OSError):
        os.fstat(read_end)  # closed with the session


def test_bad_fds_are_refused_before_anything_starts() -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)
    os.close(write_end)
    with pytest.raises(OSError):
        driver.attach(read_end)
    with pytest.raises(TypeError, match="fileno"):
        driver.attach("0")
