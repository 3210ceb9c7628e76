"""Checked by mypy (setup.cfg lists this folder), never run: the core is typed
by what it reads, str with an encoding and bytes without.

A line marked ``# type: ignore[...]`` must be an error, or mypy's
``warn_unused_ignores`` (part of ``strict``) fails the check.
"""

from __future__ import annotations

from driver._core import Match, OutputBuffer, Search
from driver._escapes import EscapeFilter
from driver._patterns import compile_patterns


def text_buffer() -> None:
    buffer = OutputBuffer("utf-8")
    line: str | None = buffer.read_line()
    fed: str = buffer.feed(b"x")
    wrong: bytes | None = buffer.read_line()  # type: ignore[assignment]
    search = Search(buffer, compile_patterns(r"\d+", exact=False, kind=str))
    match: Match[str] | None = search.step()
    Search(buffer, compile_patterns(b"x", exact=True, kind=bytes))  # type: ignore[misc]
    del line, fed, wrong, match


def bytes_buffer() -> None:
    buffer = OutputBuffer(None)
    line: bytes | None = buffer.read_line()
    wrong: str = buffer.unconsumed()  # type: ignore[assignment]
    match: Match[bytes] | None = Search(
        buffer, compile_patterns([b"x", rb"\d"], exact=False, kind=bytes)
    ).step()
    del line, wrong, match


def escapes() -> None:
    text: str = EscapeFilter(str).feed("\x1b[1mbold")
    data: bytes = EscapeFilter(bytes).feed(b"\x1b[1mbold")
    EscapeFilter(str).feed(b"bytes")  # type: ignore[arg-type]
    del text, data
