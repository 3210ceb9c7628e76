"""driver.pexpect: the promises pexpect's own suite does not test (that suite
runs in CI: scripts/pexpect_suite.py)."""

from __future__ import annotations

import asyncio
import gc
import io
import os
import sys

import pytest

import driver.pexpect as pexpect
from driver.pexpect import fdpexpect

PY = sys.executable


def test_a_timeout_entry_keeps_the_output_for_the_next_expect() -> None:
    child = pexpect.spawn(PY, ["-c", "print('partial', flush=True); input(); print('done')"])
    assert child.expect([b"done", pexpect.TIMEOUT], timeout=0.3) == 1
    assert b"partial" in child.before and child.after is pexpect.TIMEOUT
    child.sendline("")
    assert child.expect(b"done") == 0
    assert b"partial" in child.before  # nothing was lost at the timeout
    child.close()


def test_eof_sets_before_empties_the_buffer_and_records_the_exit() -> None:
    child = pexpect.spawn(PY, ["-c", "print('tail'); raise SystemExit(3)"])
    with pytest.raises(pexpect.EOF):
        child.expect(b"never")
    assert b"tail" in child.before and child.buffer == b""
    assert child.after is pexpect.EOF
    assert (child.exitstatus, child.isalive()) == (3, False)  # known without wait()


def test_logfiles_see_what_is_read_and_what_is_sent() -> None:
    read, sent = io.StringIO(), io.StringIO()
    child = pexpect.spawn("cat", encoding="utf-8", echo=False)
    child.logfile_read, child.logfile_send = read, sent
    child.sendline("héllo")
    child.expect_exact("héllo\r\n")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert sent.getvalue() == "héllo\n\x04"
    assert read.getvalue().startswith("héllo\r\n")


def test_expect_async_runs_on_the_loop() -> None:
    child = pexpect.spawn("echo one two", encoding="utf-8")

    async def both() -> tuple[int, int]:
        return await child.expect("one", async_=True), await child.expect_exact(
            ["nothing", "two"], async_=True
        )

    assert asyncio.run(both()) == (0, 1)
    assert child.expect(pexpect.EOF) == 0  # the sync API carries on
    child.close()


def test_an_fd_closed_by_its_opener_is_never_closed_again() -> None:
    read_end, write_end = os.pipe()
    child = fdpexpect.fdspawn(read_end)
    os.close(read_end)
    assert not child.isalive()
    reused, other = os.pipe()  # may take the number read_end had
    try:
        del child
        gc.collect()
        os.fstat(reused)  # still open: the spawn let go of the number when it saw it closed
    finally:
        for fd in (reused, other, write_end):
            os.close(fd)


def test_preexec_fn_is_refused_with_the_way_out() -> None:
    with pytest.raises(pexpect.ExceptionPexpect, match="preexec_fn is not supported"):
        pexpect.spawn("true", preexec_fn=lambda: None)


def test_bash_prompts_come_without_bracketed_paste() -> None:
    env = {k: v for k, v in os.environ.items() if k != "INPUTRC"}
    env.update(PS1="PROMPT> ", TERM="xterm")
    child = pexpect.spawn("bash", ["--norc", "--noprofile"], env=env, encoding="utf-8")
    child.expect_exact("PROMPT> ")
    child.sendline("echo $((6 * 7))")
    child.expect_exact("PROMPT> ")
    assert "42" in child.before
    assert "\x1b[?2004" not in child.before + child.after
    child.close()


def test_an_incomplete_bash_command_is_interrupted_every_time() -> None:
    # A SIGINT sent the moment bash shows its continuation prompt can land
    # before readline reads, and wake nothing: once in three here, with one
    # signal. Each round that loses it fails; the interrupt is sent again.
    from driver.pexpect import replwrap

    bash = replwrap.bash()
    for _ in range(12):
        with pytest.raises(ValueError, match="input was incomplete"):
            bash.run_command("echo '5 6")
        assert bash.run_command("echo ok").strip() == "ok"
    bash.child.close()
