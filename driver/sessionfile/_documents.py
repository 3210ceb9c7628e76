"""Session blocks in documentation: the Markdown and reST blocks that run.

A Markdown file runs its fenced blocks whose info string starts with
``session`` or ``console`` (trycmd's word, so its users' files run as
written), unless the info string also says ``ignore``. A reST file runs its
``.. code-block:: session`` blocks (``code`` and ``sourcecode`` too), unless
a ``.. driver: ignore`` comment comes just before one; ``console`` is not
taken there, where Sphinx projects show shell commands that are not tests.

The blocks of a document are one session file, run in order: what a block
sets up (a file in ``${TMPDIR}``, a captured variable, a directive) the next
one finds, as a reader following the page would. Each block's last command
ends with the block. Everything else in the document is prose: never read,
and written back by ``--update`` as it was.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

#: The languages of the Markdown blocks that run.
MARKDOWN_LANGUAGES = ("session", "console")
#: What a file's name ends with says it is a document, and which kind.
DocumentKind = Literal["markdown", "rest"]
_KINDS: dict[str, DocumentKind] = {".md": "markdown", ".markdown": "markdown", ".rst": "rest"}

_FENCE = re.compile(r"(?P<indent> *)(?P<fence>`{3,}|~{3,})(?P<info>.*)")
_INFO_WORD = re.compile(r"[^\s,]+")
_DIRECTIVE = re.compile(r"(?P<indent> *)\.\. +(?:code-block|code|sourcecode)::(?P<language>.*)")
_IGNORE = re.compile(r" *\.\. +driver: *ignore *")


@dataclass
class Block:
    """The lines of a session block, each with its line number in the document.

    Attributes:
        lines: (number, text) for each line, its indentation removed.
        indent: that indentation, for the lines ``--update`` writes in it.
        end: the number of the document's line after the block's last line
            that is not blank; None for a plain session file.
    """

    lines: list[tuple[int, str]]
    indent: str = ""
    end: int | None = None


def document_kind(path: Path) -> DocumentKind | None:
    """Which kind of document ``path`` is, by its name; None for a session file."""
    return _KINDS.get(path.suffix.lower())


def session_blocks(lines: list[str], kind: DocumentKind) -> list[Block]:
    """The blocks of a document that run, in order.

    Raises:
        ValueError: a Markdown session block never closed (its arguments:
            the line number and the message).
    """
    return _markdown_blocks(lines) if kind == "markdown" else _rest_blocks(lines)


def _markdown_blocks(lines: list[str]) -> list[Block]:
    blocks = []
    index = 0
    while index < len(lines):
        opening = _FENCE.fullmatch(lines[index])
        # A backtick fence's info string holds no backtick (CommonMark).
        if opening is None or ("`" in opening["info"] and opening["fence"][0] == "`"):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf" *{re.escape(fence[0])}{{{len(fence)},}}\s*")
        end = index + 1
        while end < len(lines) and not closing.fullmatch(lines[end]):
            end += 1
        words = _INFO_WORD.findall(opening["info"])
        runs = bool(words) and words[0] in MARKDOWN_LANGUAGES and "ignore" not in words[1:]
        if runs and end == len(lines):
            raise ValueError(
                index + 1,
                f"the ```{words[0]} block opened here is never closed: end it with a {fence} line",
            )
        if runs:  # (inside any other block, a fence is text: skipped with it)
            content = [(n + 1, _dedent(lines[n], indent)) for n in range(index + 1, end)]
            blocks.append(_block(content, " " * indent))
        index = end + 1
    return blocks


def _rest_blocks(lines: list[str]) -> list[Block]:
    blocks = []
    for index, line in enumerate(lines):
        directive = _DIRECTIVE.fullmatch(line)
        if directive is None or directive["language"].strip() != "session":
            continue
        before = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        if _IGNORE.fullmatch(before):
            continue
        # The directive's body: the lines indented more than it, blank ones
        # among them; its options (``:caption: ...``) come first.
        margin = len(directive["indent"])
        end = index + 1
        while end < len(lines) and (not lines[end].strip() or _indentation(lines[end]) > margin):
            end += 1
        start = index + 1
        while start < end and lines[start].strip().startswith(":"):
            start += 1
        body = [number for number in range(start, end) if lines[number].strip()]
        if not body:
            continue
        indent = min(_indentation(lines[number]) for number in body)
        content = [(number + 1, _dedent(lines[number], indent)) for number in range(body[0], end)]
        blocks.append(_block(content, " " * indent))
    return blocks


def _block(content: list[tuple[int, str]], indent: str) -> Block:
    """A block of ``content`` lines, without the blank ones at its end (as at
    a session file's end, an editor's habit rather than expected output)."""
    while content and not content[-1][1]:
        content.pop()
    end = content[-1][0] + 1 if content else None
    return Block(content, indent, end)


def _indentation(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _dedent(line: str, indent: int) -> str:
    """``line`` without up to ``indent`` spaces at its start; a blank one is empty."""
    if not line.strip():
        return ""
    return line[min(indent, _indentation(line)) :]
