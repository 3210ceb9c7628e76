"""How a session file spells text: one home for writing it and reading it back.

A session file is line-oriented text, so some output cannot stand in it as
it is: a line that starts like a marker (``$ ``, ``> ``, ``%``, ``...``)
gets a leading backslash; a line with control characters (a bare ``\\r``,
an escape sequence) is written with backslash escapes and the `` (esc)``
suffix; a line that ends like a pattern line, or holds ``${``, becomes a
regex line that matches it literally. The transcript writes this spelling
(:meth:`driver.Session.render_transcript`, ``driver record``) and the
session-file reader (:mod:`driver.sessionfile`) reads it, both from here.

Every function is pure: text in, text out.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence

from ._masking import PIECE, Secrets

#: The start of a line that a session file reads as something other than
#: expected output; such an output line is written with a leading backslash.
MARKER_START = re.compile(r"(?:[$>](?: |$)|#(?: |$)|%|\.\.\.$|\\|\[[\w-]+\]$)")
#: The suffix of a line written with backslash escapes (control characters).
ESC_SUFFIX = " (esc)"

# Output lines that a plain line cannot spell: one that ends like a pattern
# line, or holds a ${NAME} that would be expanded. They are written as a regex
# line that matches them literally.
_NEEDS_REGEX = re.compile(r" \((?:re|glob)\)$|\$\{")
_REGEX_SPECIAL = re.compile(r"[.^$*+?{}\[\]\\|()]")
# Control characters (C0 but the tab, DEL, C1) and the Unicode line and
# paragraph separators: a file cannot hold them as they are, since a reader
# (str.splitlines, an editor) may end a line at one.
_CONTROL_CHARACTER = r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]"
_CONTROL = re.compile(_CONTROL_CHARACTER)
# What only an (esc) line can spell: control characters (a bare \r, escape
# sequences, a backspace), and a line that ends like an (esc) line.
_NEEDS_ESC = re.compile(_CONTROL_CHARACTER + r"| \(esc\)$")
_ESCAPES = {"\\": "\\", "r": "\r", "n": "\n", "t": "\t", "a": "\a", "b": "\b", "f": "\f",
            "v": "\v", "e": "\x1b", "$": "$"}  # fmt: skip
_NAMED = {value: f"\\{key}" for key, value in _ESCAPES.items() if key not in "$\\t"}
# One backslash escape, or a ${NAME} (a variable, kept apart in the same pass).
_ESCAPE_OR_VARIABLE = re.compile(
    r"\\(?:x(?P<x>[0-9a-fA-F]{2})|u(?P<u>[0-9a-fA-F]{4})|(?P<named>[\\rntabfve$]))"
    r"|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}"
    r"|(?P<bad>\\.?)",
    re.DOTALL,
)


def escape(text: str, *, keep_trailing_blanks: bool = False) -> str:
    """``text`` in (esc) spelling.

    Backslashes are doubled, control characters written as ``\\r``,
    ``\\x1b``..., and ``${`` as ``\\${`` (not a variable).

    Args:
        text: any text.
        keep_trailing_blanks: write trailing blanks as escapes, since a
            session file does not keep them as they are (a sent line's).

    Returns:
        The spelling, without the `` (esc)`` suffix.
    """
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char in _NAMED:
            out.append(_NAMED[char])
        elif char != "\t" and _CONTROL.match(char):
            out.append(_code(char))
        else:
            out.append(char)
    escaped = "".join(out).replace("${", "\\${")
    if keep_trailing_blanks:
        stripped = escaped.rstrip(" \t")
        escaped = stripped + "".join(f"\\x{ord(c):02x}" for c in escaped[len(stripped) :])
    return escaped


def split_escaped(text: str) -> list[str]:
    """An (esc) spelling read once: the text it stands for, in pieces around its variables.

    Args:
        text: an (esc) line's text, without its suffix.

    Returns:
        The text at the even places, the name of each ``${NAME}`` at the
        odd ones, as :func:`re.split` with a group gives them: ``"a\\tb
        ${X}"`` is ``["a\\tb ", "X", ""]``. ``\\${X}`` is text, not a variable.

    Raises:
        ValueError: an escape the spelling does not know, named.
    """
    pieces = [""]
    position = 0
    for found in _ESCAPE_OR_VARIABLE.finditer(text):
        pieces[-1] += text[position : found.start()]
        position = found.end()
        if found.group("name") is not None:
            pieces += [found.group("name"), ""]
        elif found.group("bad") is not None:
            raise ValueError(
                f"unknown escape {found.group('bad')!r} in an (esc) line: use \\\\, \\r, \\n,"
                " \\t, \\e, \\xNN, \\uNNNN or \\$"
            )
        else:
            code = found.group("x") or found.group("u")
            pieces[-1] += chr(int(code, 16)) if code else _ESCAPES[found.group("named")]
    pieces[-1] += text[position:]
    return pieces


def unescape(text: str, variable: Callable[[str], str] = lambda name: f"${{{name}}}") -> str:
    """The text an (esc) spelling stands for.

    Args:
        text: an (esc) line's text, without its suffix.
        variable: the value of a ``${NAME}`` in it; by default the
            variable stays as it is written.

    Returns:
        The text, each ``${NAME}`` replaced by ``variable(NAME)``.

    Raises:
        ValueError: an escape the spelling does not know, named.
    """
    pieces = split_escaped(text)
    return "".join(variable(piece) if index % 2 else piece for index, piece in enumerate(pieces))


def escape_output_line(line: str) -> str:
    """The session-file spelling of an output line.

    Args:
        line: a line of output, without its line end.

    Returns:
        A line that a session file reads back as exactly ``line`` (trailing
        blanks aside: they are not compared): as it is, with a leading
        backslash, as an (esc) line or as a literal regex line.
    """
    if _NEEDS_ESC.search(line):
        return _esc_line(escape(line))
    if _NEEDS_REGEX.search(line):
        return _regex_line(_literal_regex(line))
    return _marked(line)


def escape_sent_line(text: str) -> str:
    """What follows ``> `` (or ``%send ``) in a session file to send exactly ``text``."""
    plain = not _NEEDS_ESC.search(text) and "${" not in text and text == text.rstrip(" \t")
    return text if plain else _esc_line(escape(text, keep_trailing_blanks=True))


def output_line(
    line: str,
    secrets: Secrets,
    variables: Mapping[str, str] = {},
    *,
    hidden_ends: tuple[int, int] = (0, 0),
) -> str:
    """The session-file spelling of an output line that may hold secrets.

    Written so that the file still runs and shows no secret.

    Args:
        line: a line of output, without its line end.
        secrets: the values to hide.
        variables: secrets that have a name: each shows as its ``${NAME}``.
        hidden_ends: how many characters at the line's start and at its end
            are part of a secret that goes on in the row above or below (a
            screen's row, see :func:`output_rows`).

    Returns:
        As :func:`escape_output_line`, but the value of one of ``variables``
        written as its ``${NAME}``, and any other secret or piece of one as
        ``.+`` in a regex line.
    """
    lead, trail = hidden_ends
    trail = min(trail, len(line) - lead)
    parts: list[tuple[str, str]] = [(line[:lead], "secret")] if lead else []
    # (text, "text"), (name, "variable") or (text, "secret")
    for part, name in _variables_in(line[lead : len(line) - trail], variables):
        if name is not None:
            parts.append((name, "variable"))
        else:
            parts.extend(
                (piece, "secret" if hidden else "text") for piece, hidden in secrets.split(part)
            )
    if trail > 0:
        parts.append((line[len(line) - trail :], "secret"))
    kinds = {kind for _, kind in parts}
    if kinds <= {"text"}:
        return escape_output_line(line)
    spelled_plain = not any(
        _NEEDS_REGEX.search(t) or _NEEDS_ESC.search(t) for t, k in parts if k == "text"
    )
    if "secret" not in kinds and spelled_plain:
        plain = "".join(f"${{{t}}}" if k == "variable" else t for t, k in parts)
        return "\\" + plain if MARKER_START.match(plain) else plain
    pattern = "".join(
        f"${{{text}}}" if kind == "variable" else ".+" if kind == "secret" else _literal_regex(text)
        for text, kind in parts
    )
    return _regex_line(pattern)


def output_rows(
    rows: Sequence[str],
    wrapped: Sequence[bool],
    secrets: Secrets,
    variables: Mapping[str, str] = {},
) -> list[str]:
    """The spelling of a screen's rows, each as :func:`output_line` spells it,
    a secret that wraps at the screen's edge found whole
    (:meth:`driver.Secrets.split_rows`): each row's part of it is ``.+``.

    Args:
        rows: the rows, one under another.
        wrapped: for each row, whether it fills the screen's width
            (:attr:`driver.Screen.wrapped`).
        secrets, variables: as for :func:`output_line`.
    """
    parts = secrets.split_rows(rows, wrapped)
    # Whether a secret goes on from each row into the next: their parts meet at the edge.
    goes_on = [
        wrapped[index] and bool(above and below) and above[-1][1] and below[0][1]
        for index, (above, below) in enumerate(itertools.pairwise(parts))
    ] + [False]
    return [
        output_line(
            row,
            secrets,
            variables,
            hidden_ends=(
                len(parts[index][0][0]) if index and goes_on[index - 1] else 0,
                len(parts[index][-1][0]) if goes_on[index] else 0,
            ),
        )
        for index, row in enumerate(rows)
    ]


def _esc_line(escaped: str) -> str:
    # A first character that would read as a marker is written as an escape.
    if MARKER_START.match(escaped) and not escaped.startswith("\\"):
        escaped = f"\\x{ord(escaped[0]):02x}{escaped[1:]}"
    return escaped + ESC_SUFFIX


def _marked(line: str) -> str:
    # A leading backslash keeps a line that reads as a marker output (once
    # its trailing blanks are gone, as they are in a file: "... " is "...").
    return "\\" + line if MARKER_START.match(line.rstrip(" \t")) else line


def _variables_in(line: str, variables: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """``line`` in parts, each with the name of the variable whose value it is, or None."""
    names = {value: name for name, value in variables.items() if value}
    if not names:
        return [(line, None)]
    # The longest first: one value may contain another. A short value only
    # as a whole word, as masking has it (a PIN "12" is not the 12 in "4128").
    values = sorted(names, key=len, reverse=True)
    alternatives = (
        re.escape(value) if len(value) >= PIECE else rf"(?<!\w){re.escape(value)}(?!\w)"
        for value in values
    )
    parts = re.split("(" + "|".join(alternatives) + ")", line)
    # re.split puts the values found at the odd places.
    return [(part, names[part] if index % 2 else None) for index, part in enumerate(parts) if part]


def _literal_regex(text: str) -> str:
    # Control characters as \xNN: a file line cannot hold a raw \r or \n.
    escaped = _REGEX_SPECIAL.sub(r"\\\g<0>", text)
    return _CONTROL.sub(lambda found: _code(found.group()), escaped)


def _code(char: str) -> str:
    """``char`` as an escape both an (esc) line and a regex read: ``\\xNN`` or ``\\uNNNN``."""
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def _regex_line(pattern: str) -> str:
    # "(?:)" keeps the line from reading as a marker ("\$", "> ", "# " ...).
    return ("(?:)" if MARKER_START.match(pattern) else "") + pattern + " (re)"
