"""Checked by mypy (setup.cfg lists this file), never run: the public types hold.

A line marked ``# type: ignore[...]`` must be an error, or mypy's
``warn_unused_ignores`` (part of ``strict``) fails the check.
"""

from __future__ import annotations

import re

import driver


def sync_text() -> None:
    with driver.spawn(["cat"]) as s:
        line: str = s.read_line()
        everything: str = s.read()
        match: driver.Match[str] = s.expect("x")
        before: str = match.before
        s.send_line("ok")
        s.send("ok")
        s.send_line()
        s.send_line(42)  # type: ignore[arg-type]
        s.send_line(b"bytes")  # type: ignore[arg-type]
        wrong: bytes = s.read_line()  # type: ignore[assignment]
        for each in s:
            also: str = each
        del line, everything, before, wrong, also


def sync_bytes() -> None:
    with driver.spawn(["cat"], encoding=None) as s:
        line: bytes = s.read_line()
        match: driver.Match[bytes] = s.expect_exact(b"x")
        s.send(b"ok")
        s.send_line(b"ok")
        s.send_line()
        s.send("text")  # type: ignore[arg-type]
        wrong: str = s.read_line()  # type: ignore[assignment]
        del line, match, wrong


def deadlines() -> None:
    with driver.spawn(["cat"]) as s:
        deadline = driver.Deadline(5)
        s.read_line(timeout=deadline)
        s.expect("x", timeout=deadline)
        s.read_line(timeout=0.5)
        s.read_line(timeout="5")  # type: ignore[arg-type]


async def async_text_and_bytes() -> None:
    async with await driver.aspawn(["cat"]) as s:
        line: str = await s.read_line()
        await s.send_line("ok")
        await s.send_line(42)  # type: ignore[arg-type]
        async for each in s:
            also: str = each
        del line, also
    async with await driver.aspawn(["cat"], encoding=None) as b:
        data: bytes = await b.read_line()
        await b.send(b"ok")
        del data


def mistakes_the_type_checker_catches() -> None:
    driver.spawn(["cat"], backend="ptty")  # type: ignore[call-overload]
    driver.spawn(["cat"], stderr="pip")  # type: ignore[call-overload]
    driver.spawn(["cat"], backnd="pty")  # type: ignore[call-overload]
    with driver.spawn(["cat"]) as s:
        s.expect(123)  # type: ignore[arg-type]
        s.expect(b"bytes in a text session")  # type: ignore[arg-type]
        s.expect_exact(["a", 5])  # type: ignore[list-item]
    driver.attach(0, backend="pty")  # type: ignore[call-overload]


def refused() -> None:
    """Mistakes mypy catches before they run: the spawn options are Literal
    types, expect takes ``PatternArg`` and expect_exact ``ExactPatternArg``
    (driver._patterns), of the session's kind."""
    driver.spawn(["x"], backend="ptty")  # type: ignore[call-overload]
    driver.spawn(["x"], stderr="pip")  # type: ignore[call-overload]
    with driver.spawn(["cat"]) as s:
        s.expect(123)  # type: ignore[arg-type]
        s.expect(b"bytes in a text session")  # type: ignore[arg-type]
        s.expect([r"\$ ", 123])  # type: ignore[list-item]
        s.expect_exact(re.compile("x"))  # type: ignore[arg-type]
    with driver.spawn(["cat"], encoding=None) as b:
        b.expect("str in a bytes session")  # type: ignore[arg-type]


def accepted_patterns(prompts: list[str], compiled: list[re.Pattern[str]]) -> None:
    with driver.spawn(["cat"]) as s:
        s.expect(r"\$ ")
        s.expect(re.compile(r"\$ "))
        s.expect(driver.Secret("hunter2"))
        s.expect([r"\$ ", re.compile("> "), driver.EOF, driver.TIMEOUT])
        s.expect((r"\$ ", driver.EOF))
        s.expect(prompts)
        s.expect(compiled)
        s.expect_exact(["$ ", driver.TIMEOUT])
    with driver.spawn(["cat"], encoding=None) as b:
        b.expect([rb"\$ ", re.compile(rb"> "), driver.EOF])
        b.expect_exact(b"$ ")
