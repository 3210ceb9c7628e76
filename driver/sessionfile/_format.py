"""The session-file format: reading a file into steps, and writing one.

One step per line: ``$ command``, ``> text``, expected output (literal,
`` (re)`` or `` (glob)``), ``...``, ``[N]``, ``%directive``, ``# comment``;
under ``%screen``, ``| row`` lines, a block of them one step.
:func:`parse` checks a whole file before anything runs and reports every
problem as ``file:line: message``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal as signals
import stat
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeAlias, cast

import regex

from .. import DriverError
from ..spelling import ESC_SUFFIX, MARKER_START, split_escaped
from ..terminal import (
    DEFAULT_WINDOW_SIZE,
    MAX_SCREEN_COLS,
    MAX_SCREEN_ROWS,
    check_window_size,
    control_bytes,
    key_bytes,
)
from ._documents import Block, document_kind, session_blocks

DEFAULT_TIMEOUT = 10.0
VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_PATTERN_SUFFIX = re.compile(r" \((re|glob)\)$")
#: The suffix of an output line printed without a newline after it (cram's).
NO_EOL_SUFFIX = " (no-eol)"
_STATUS = re.compile(r"^\[(-?\d+|SIG[A-Z0-9]+)\]$")
_DIRECTIVES = {
    "timeout", "backend", "env", "cwd", "secret", "require", "send", "eof", "control", "signal",
    "shell", "screen", "key",
}  # fmt: skip
SENDS = {"send_line", "send", "eof", "control", "signal", "key"}
#: A screen's size when ``%screen`` does not say (rows, columns).
_SCREEN_SIZE = re.compile(r"([0-9]+)x([0-9]+)")
_UNDER_SCREEN = "under %screen the program's output is its screen: expect it with `| ` lines"


# A `$` line's words, as a POSIX shell quotes them: blanks separate them,
# '...' is literal, "..." takes \\ \" \$ \` escapes, $'...' backslash escapes
# as C writes them (\n, \t, \e, \xNN...), a backslash escapes the next
# character. One pass, in linear time, however long a word is.
_WORD_PART = re.compile(
    r"""(?P<blank>[ \t]+)
    |'(?P<single>[^']*)'
    |"(?P<double>[^"\\]*(?:\\.[^"\\]*)*)"
    |\$'(?P<dollar>[^'\\]*(?:\\.[^'\\]*)*)'
    |\\(?P<escaped>.)
    |(?P<plain>(?:[^ \t'"\\$]|\$(?!'))+)""",
    re.VERBOSE | re.DOTALL,
)
_DOUBLE_QUOTED_ESCAPE = re.compile(r"\\([\\\"$`])")
# The escapes of a $'...' word (an unknown one stays as it is, as in bash).
_DOLLAR_ESCAPE = re.compile(
    r"\\(?:x([0-9a-fA-F]{1,2})|u([0-9a-fA-F]{4})|([0-7]{1,3})|(.))", re.DOTALL
)
_DOLLAR_NAMED = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n",
                 "r": "\r", "t": "\t", "v": "\v", "\\": "\\", "'": "'", '"': '"'}  # fmt: skip
_DOLLAR_SPELLING = {value: f"\\{key}" for key, value in _DOLLAR_NAMED.items() if key not in 'E"'}
# A word that only $'...' can hold on a line: control characters (a newline),
# and what else ends a line for str.splitlines().
_NEEDS_DOLLAR = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")


def split_command(text: str) -> list[str]:
    """The words of a `$` line, unquoted; ValueError for an unterminated quote.

    Variables are expanded after this, word by word (see the runner): a
    value never adds, removes or re-quotes a word.
    """
    words: list[str] = []
    word: list[str] | None = None  # the word being read, None between words
    position = 0
    while position < len(text):
        found = _WORD_PART.match(text, position)
        if found is None:
            quote = "$'" if text.startswith("$'", position) else text[position]
            raise ValueError(f"unterminated {quote} quote at column {position + 1}")
        position = found.end()
        kind = found.lastgroup
        assert kind is not None
        if kind == "blank":
            if word is not None:
                words.append("".join(word))
            word = None
            continue
        part = found.group(kind)
        if kind == "double":
            part = _DOUBLE_QUOTED_ESCAPE.sub(r"\1", part)
        elif kind == "dollar":
            part = _DOLLAR_ESCAPE.sub(_dollar_escape, part)
        if word is None:
            word = []
        word.append(part)
    if word is not None:
        words.append("".join(word))
    return words


def _dollar_escape(found: re.Match[str]) -> str:
    hexadecimal, unicode, octal, char = found.groups()
    if char is not None:
        return _DOLLAR_NAMED.get(char, found.group())
    return chr(int(octal, 8) if octal else int(hexadecimal or unicode, 16))


def command_line(argv: Sequence[str]) -> str:
    """What follows ``$ `` in a session file to run ``argv``: each word
    quoted as :func:`split_command` reads it back, in ``$'...'`` if it
    holds a control character (a newline), so the line stays one line."""
    return " ".join(_dollar_quoted(word) if _NEEDS_DOLLAR.search(word) else shlex.quote(word)
                    for word in argv)  # fmt: skip


def _dollar_quoted(word: str) -> str:
    spelled = (
        _DOLLAR_SPELLING.get(char) or (_code(char) if _NEEDS_DOLLAR.match(char) else char)
        for char in word
    )
    return "$'" + "".join(spelled) + "'"


def _code(char: str) -> str:
    # \xNN is a byte to bash: past ASCII, the character's \uNNNN.
    return f"\\x{ord(char):02x}" if ord(char) < 0x80 else f"\\u{ord(char):04x}"


def seconds(text: str, what: str) -> float:
    """``text`` as a timeout; a ValueError naming ``what`` unless it is a positive number."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not value > 0:  # also refuses nan
        raise ValueError(f"{what} takes seconds, a positive number; got {text!r}")
    return value


class SessionFileError(DriverError):
    """A session file that cannot run as written: ``file:line: message``."""


# -- parsing ------------------------------------------------------------------------


#: What a step does. A screen step is a block of rows; a row is one of them.
StepKind: TypeAlias = Literal[
    "command", "send_line", "send", "eof", "control", "signal", "key",
    "output", "skip", "status", "set", "screen", "row", "end",
]  # fmt: skip


@dataclass
class Step:
    """One line of a session file that does something."""

    line: int  # 1-based
    kind: StepKind
    text: str = ""  # as written, markers removed
    match: str = "literal"  # output and row: literal, re, glob
    raw: str = ""  # the whole line as written (a screen block: its lines)
    # An (esc) line's text, read once here: what it stands for, in pieces
    # around its ${NAME}s, the names at the odd places (spelling.split_escaped).
    # None for a line without escapes.
    unescaped: list[str] | None = None
    rows: list[Step] = field(default_factory=list)  # a screen block's rows, in order
    # An output line written with (no-eol): the output's last, without a newline.
    no_eol: bool = False
    # The indentation of the document's block the step is in (a reST block's).
    indent: str = ""

    @property
    def escaped(self) -> bool:
        """Whether the line is an (esc) line: ``text`` holds backslash escapes."""
        return self.unescaped is not None


@dataclass
class SessionFile:
    path: Path
    lines: list[str]
    steps: list[Step]
    #: A Markdown or reST document, whose session blocks are the steps.
    document: bool = False

    @property
    def requires(self) -> list[str]:
        """The programs named by ``%require`` lines."""
        return [
            step.text.split()[1]
            for step in self.steps
            if step.kind == "set" and step.text.startswith("require ")
        ]


#: The largest session file read (a larger one is surely not one).
MAX_FILE_BYTES = 16 << 20


def read(path: Path) -> str:
    """A session file's text; a SessionFileError says why it cannot be one."""
    try:
        # Non-blocking: opening a FIFO must not wait for a writer.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as error:
        raise SessionFileError(f"{path}: cannot open it: {error.strerror}") from None
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = (
                "a directory"
                if stat.S_ISDIR(mode)
                else "a FIFO"
                if stat.S_ISFIFO(mode)
                else (
                    "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
                )
            )
            raise SessionFileError(f"{path}: is {kind}; a session file is a text file")
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise SessionFileError(
            f"{path}: larger than {MAX_FILE_BYTES >> 20} MiB; that is not a session file"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SessionFileError(
            f"{path}:{line}: not UTF-8 text (byte {data[error.start]:#04x} at offset"
            f" {error.start}); session files are UTF-8"
        ) from None


#: How much of a file tells whether it is a session file at all.
_SNIFF_BYTES = 64 << 10
_SESSION_LINE = re.compile(r"^(?:\$ |> |%[a-z])", re.MULTILINE)


def looks_like_session_file(path: Path) -> bool:
    """Whether ``path`` is a session file at all, however broken: a regular
    file with a ``$ command``, ``> input`` or ``%directive`` line and no
    binary (a NUL) before it. Other tools name their own files ``*.session``
    too (SQLite databases, for one); those are not ours to read, let alone fail.
    A Markdown or reST document is one when it has a session block."""
    kind = document_kind(path)
    try:
        if not stat.S_ISREG(path.stat().st_mode):  # opening a FIFO would wait
            return False
        with open(path, "rb") as file:
            data = file.read(_SNIFF_BYTES if kind is None else MAX_FILE_BYTES)
    except OSError:
        return False
    head = data.decode("utf-8", "replace").removeprefix(BYTE_ORDER_MARK)
    if kind is not None:
        try:
            return bool(session_blocks(file_lines(head), kind))
        except ValueError:
            return True  # one never closed: the run says so
    ours = _SESSION_LINE.search(head)
    return ours is not None and "\0" not in head[: ours.start()]


#: What some editors write at the start of a UTF-8 file.
BYTE_ORDER_MARK = "\ufeff"
# A line ends at \n, \r\n or \r, not at the other characters str.splitlines
# ends one at (\v, \f, \x1c-\x1e, \x85, \u2028, \u2029): output holds those.
_LINE_END = re.compile(r"\r\n|\r|\n")


def file_lines(text: str) -> list[str]:
    """A session file's text as lines, without their ends."""
    lines = _LINE_END.split(text)
    if lines[-1] == "":
        lines.pop()  # (the end of the last line)
    return lines


def parse(path: Path, text: str | None = None) -> SessionFile:
    """Read and check a session file, before anything runs.

    A Markdown (``.md``) or reST (``.rst``) file is a document: its session
    blocks are the session file, in order (see ``_documents.py``).

    Args:
        path: the file.
        text: its text, if already read (``path`` then only names it).

    Returns:
        The file's lines and steps.

    Raises:
        SessionFileError: every problem found, each as ``file:line: message``
            (or a file that cannot be one: not UTF-8, a FIFO, too large, a
            cram test...).
    """
    text = read(path) if text is None else text
    # A byte order mark, as some editors write one, is no part of the first line.
    lines = file_lines(text.removeprefix(BYTE_ORDER_MARK))
    kind = document_kind(path)
    if kind is None:
        _check_it_is_one(path, lines)
        blocks = [Block(list(enumerate(lines, 1)))]
    else:
        try:
            blocks = session_blocks(lines, kind)
        except ValueError as problem:
            number, message = problem.args
            raise SessionFileError(f"{path}:{number}: {message}") from None
    reader = _Reader(path)
    for block in blocks:
        reader.read(block)
    return reader.session_file(lines, document=kind is not None)


class _Reader:
    """Reads blocks of lines into steps, and the problems found in them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.steps: list[Step] = []
        self.problems: list[tuple[int, str]] = []  # (line, "file:line: message")
        self.screen = False  # %screen is on for the commands from here on
        self.shell = False  # %shell is on for the commands from here on

    def problem(self, number: int, message: str) -> None:
        self.problems.append((number, f"{self.path}:{number}: {message}"))

    def read(self, block: Block) -> None:
        """A session file's lines, or a session block's: a command ends with its block."""
        started = False
        on_screen = False  # the current command runs on a screen
        early: list[Step] = []  # steps before any command, which cannot run
        lines = block.lines
        # Blank lines at the very end are an editor's habit, not expected output.
        while lines and not lines[-1][1]:
            lines = lines[:-1]
        for number, raw in lines:
            try:
                step = _parse_line(raw, number, screen=on_screen, shell=self.shell)
            except ValueError as problem:
                self.problem(number, str(problem))
                if raw.startswith("$ "):  # one problem, not one per line after
                    started, on_screen = True, self.screen
                continue
            if step is None:
                continue
            step.indent = block.indent
            if step.kind == "command":
                started, on_screen = True, self.screen
            elif step.kind in SENDS | {"output", "skip", "status"} and not started:
                early.append(step)
            elif step.kind == "set" and step.text.startswith("screen "):
                self.screen = step.text != "screen off"
            elif step.kind == "set" and step.text.startswith("shell "):
                self.shell = step.text != "shell off"
            self.add(step)
        if early:
            self.too_early(early)
        if block.end is not None and lines:
            self.steps.append(Step(block.end, "end", indent=block.indent))

    def add(self, step: Step) -> None:
        if step.kind != "row":
            self.steps.append(step)
            return
        screen = self.steps[-1] if self.steps and self.steps[-1].kind == "screen" else None
        if screen is None or screen.rows[-1].line != step.line - 1:
            screen = Step(step.line, "screen", indent=step.indent)
            self.steps.append(screen)
        screen.rows.append(step)
        screen.raw = "\n".join(row.raw for row in screen.rows)

    def too_early(self, early: list[Step]) -> None:
        """One problem for the lines before any command (prose, as often as
        not: a file that is something else), not one for each."""
        first = early[0]
        more = (
            f" (and {len(early) - 1} more lines to line {early[-1].line})" if len(early) > 1 else ""
        )
        self.problem(
            first.line, f"{_describe(first)} before any `$ command`{more}: start a program first"
        )

    def session_file(self, lines: list[str], *, document: bool) -> SessionFile:
        """The file read, once every line was; SessionFileError for its problems."""
        for step in self.steps:
            if step.kind == "screen":
                try:
                    re.compile(screen_block_pattern(step.rows, _pattern_for_checking))
                except (re.error, RecursionError, OverflowError, MemoryError) as exc:
                    bad = f"bad screen block (the {len(step.rows)} `|` lines from here): {exc}"
                    self.problem(step.line, bad)
        if self.problems:
            # (stable: a line's own problems keep their order)
            self.problems.sort(key=lambda problem: problem[0])
            raise SessionFileError("\n".join(message for _, message in self.problems))
        return SessionFile(self.path, lines, self.steps, document=document)


#: An indented ``$`` line, as cram writes its commands.
_CRAM_COMMAND = re.compile(r"^  \$ ", re.MULTILINE)


def _check_it_is_one(path: Path, lines: list[str]) -> None:
    """A file that is no session file gets one error saying so (not one for
    each of its lines); a cram test, one that says how to port it."""
    text = "\n".join(lines)
    if _SESSION_LINE.search(text) or all(not line or _is_comment(line) for line in lines):
        return  # (an empty file, or only comments, runs nothing and passes)
    if _CRAM_COMMAND.search(text):
        raise SessionFileError(
            f"{path}: a cram test, not a session file: cram indents commands and output by"
            " two spaces, reads unindented lines as comments, continues a command on `> `"
            " lines (here a `> ` line is input for the program) and runs one shell for the"
            " whole file\nhint: to port it, remove the indentation, make the prose `# `"
            " comments, join each command's `> ` lines to its `$` line and put `%shell one` at"
            ' the top, so that `cd` and variables carry over from line to line (see "Coming'
            " from cram\" in driver's documentation)"
        )
    raise SessionFileError(
        f"{path}: not a session file: no line starts with `$ ` (a command), `> ` (input) or"
        " `%` (a directive)\nhint: a session file starts each program on a `$ command` line;"
        " a Markdown (.md) or reST (.rst) file runs its session blocks (```session,"
        " ```console, .. code-block:: session)"
    )


def screen_block_pattern(rows: Sequence[Step], pattern: Callable[[Step], str]) -> str:
    """The regex that finds a screen block's ``rows`` on a screen (its rows
    joined with ``\\n``), given each row's own regex: the rows one after
    another, each whole, starting at any row (for ``re.MULTILINE``)."""
    return "^" + "\\n".join(f"(?:{pattern(row)})" for row in rows) + "$"


def _pattern_for_checking(row: Step) -> str:
    """A row's regex before the run, a variable standing for any text."""
    if row.match == "re":
        return VARIABLE.sub("x", row.text)
    return "x"  # a literal or a glob is always a valid regex


def _is_comment(line: str) -> bool:
    return line == "#" or line.startswith("# ")


def _parse_line(raw: str, number: int, *, screen: bool = False, shell: bool = False) -> Step | None:
    """One line as a step (None: a comment); ``screen``: the command it
    belongs to runs on a screen; ``shell``: a ``$`` line runs in a shell."""
    if _is_comment(raw):
        return None
    if screen and not raw:
        return None  # under %screen an empty line separates; output is not expected
    if "\0" in raw:
        raise ValueError(
            f"a NUL byte at column {raw.index(chr(0)) + 1}: no command, argument, variable"
            " or path can hold one"
        )
    escaped = raw.endswith(ESC_SUFFIX)
    body = raw[: -len(ESC_SUFFIX)] if escaped else raw
    # An (esc) line is read here, once (a ValueError names a bad escape).
    unescaped = split_escaped(body) if escaped else None
    # In an (esc) line, \${ is not a variable. Under %shell, the shell reads
    # a `$` line's ${...} (${HOME:-/}, ${#list[@]}), and driver does not.
    if not (shell and raw.startswith("$ ")):
        _check_variables(re.sub(r"\\.", "", body) if escaped else raw)
    if raw.startswith("$ "):
        if not raw[2:].strip():
            raise ValueError("`$` needs a command after it")
        try:
            split_command(raw[2:])
        except ValueError as exc:
            raise ValueError(f"cannot split the command: {exc}") from None
        return Step(number, "command", raw[2:], raw=raw)
    if raw == ">" or raw.startswith("> "):
        return Step(number, "send_line", body[2:], raw=raw, unescaped=_after(unescaped, 2))
    if raw.startswith("%"):
        step = _parse_directive(raw, number)
        if escaped and step.kind == "send":
            step.text, step.unescaped = body[len("%send ") :], _after(unescaped, len("%send "))
        return step
    if screen and raw.startswith("|"):
        if not (body == "|" or body.startswith("| ")):
            raise ValueError(
                "a screen row is `| ` and the row's text (a bar and a space), or `|` alone"
                " for an empty row"
            )
        return _expected(number, body[2:], raw, _after(unescaped, 2), kind="row")
    if raw == "...":
        if screen:
            raise ValueError(
                "`...` under %screen: a block of `| ` lines is found at any row of the screen"
                " and the output between is not compared; leave the `...` out"
            )
        return Step(number, "skip", raw=raw)
    if _STATUS.match(raw):
        status = raw[1:-1]
        if status.startswith("SIG") and not hasattr(signals.Signals, status):
            raise ValueError(f"unknown signal {status!r} in the exit status line")
        return Step(number, "status", status, raw=raw)
    if screen:
        raise ValueError(_UNDER_SCREEN)
    if body.endswith(NO_EOL_SUFFIX):  # (cram's: `text (no-eol)`, `text (no-eol) (esc)`)
        body = body.removesuffix(NO_EOL_SUFFIX)
        step = _expected(number, body, raw, split_escaped(body) if escaped else None)
        step.no_eol = True
        return step
    return _expected(number, body, raw, unescaped)


def _after(unescaped: list[str] | None, count: int) -> list[str] | None:
    """An (esc) line's pieces without the ``count`` characters of its marker
    (``> ``, ``| ``, ``%send ``), which are never escapes."""
    return None if unescaped is None else [unescaped[0][count:], *unescaped[1:]]


def _expected(
    number: int, line: str, raw: str, unescaped: list[str] | None, *, kind: StepKind = "output"
) -> Step:
    """An expected output line or screen row, ``line`` its text as written
    (an (esc) line's without its suffix, ``unescaped`` its pieces)."""
    if unescaped is not None:  # (its first character, if a marker's, is written as an escape)
        return Step(number, kind, line, raw=raw, unescaped=unescaped)
    if line.startswith("\\") and MARKER_START.match(line, 1):
        return Step(number, kind, line[1:], raw=raw)  # an escaped marker: literal
    suffix = _PATTERN_SUFFIX.search(line)
    if suffix is None:
        return Step(number, kind, line, raw=raw)
    body, match = line[: suffix.start()], suffix.group(1)
    if match == "re":
        try:
            # Python's re names a mistake best; the run's regex package must take it too.
            regex.compile(re.compile(VARIABLE.sub("x", body)).pattern)
        except (re.error, regex.error) as exc:
            raise ValueError(f"bad regex `{shortened(body, 80)}`: {exc}") from None
        except (RecursionError, OverflowError, MemoryError):
            raise ValueError(
                f"regex `{shortened(body, 80)}` is nested too deeply to compile"
            ) from None
    return Step(number, kind, body, match, raw=raw)


def shortened(text: str, limit: int = 300) -> str:
    """``text`` for a message: a long one cut, saying how much more there was."""
    return text if len(text) <= limit else f"{text[:limit]}...({len(text) - limit} more characters)"


def _parse_directive(raw: str, number: int) -> Step:
    name, _, argument = raw[1:].partition(" ")
    if name not in _DIRECTIVES:
        raise ValueError(
            f"unknown directive %{name}; known: {', '.join('%' + d for d in sorted(_DIRECTIVES))}"
        )
    if name in ("eof",):
        return Step(number, "eof", raw=raw)
    if name == "shell":
        # `%shell one [SHELL]`: the lines below as if one shell ran them all (cram's model).
        one, _, shell = argument.partition(" ")
        argument = f"one {shell.strip() or 'sh'}" if one == "one" else argument or "sh"
    if name == "screen":
        return Step(number, "set", f"screen {_screen_size(argument)}", raw=raw)
    if name == "key" and not argument.split():
        raise ValueError("%key needs a key name (or several), such as enter, down or ctrl-c")
    if not argument and name != "send":
        raise ValueError(f"%{name} needs a value")
    if name == "timeout":
        seconds(argument, "%timeout")
    elif name == "backend" and argument not in ("pipe", "pty"):
        raise ValueError(f"%backend is pipe or pty; got {argument!r}")
    elif name == "env" and "=" not in argument:
        raise ValueError(f"%env takes NAME=VALUE; got {argument!r}")
    elif name == "key":
        for key in argument.split():
            if "${" not in key:  # a variable's value is checked when it is sent
                try:
                    key_bytes(key)
                except ValueError as exc:
                    raise ValueError(f"%key: {exc}") from None
    elif name == "control":
        try:
            control_bytes(argument)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
    elif name == "signal" and not hasattr(signals.Signals, "SIG" + argument.removeprefix("SIG")):
        raise ValueError(f"unknown signal {argument!r} (INT, TERM, HUP, USR1, ...)")
    elif name == "secret" and not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", argument):
        raise ValueError(f"%secret takes a variable name; got {argument!r}")
    elif name == "require" and len(argument.split()) != 1:
        raise ValueError(f"%require takes one program name; got {argument!r}")
    if name in SENDS:
        return Step(number, cast(StepKind, name), argument, raw=raw)
    return Step(number, "set", f"{name} {argument}", raw=raw)


def _screen_size(argument: str) -> str:
    """``%screen``'s argument as ``ROWSxCOLS`` or ``off``; a ValueError naming the forms."""
    if argument == "off":
        return argument
    if not argument:
        return f"{DEFAULT_WINDOW_SIZE[0]}x{DEFAULT_WINDOW_SIZE[1]}"
    size = _SCREEN_SIZE.fullmatch(argument)
    try:
        rows, cols = (int(size.group(1)), int(size.group(2))) if size else (0, 0)
        # The limit the spawn would refuse a screen by, checked here to name the line.
        check_window_size(rows, cols, screen=True)
    except ValueError:  # (also an int of more digits than int() takes)
        raise ValueError(
            f"%screen takes ROWSxCOLS (from 1x1 to {MAX_SCREEN_ROWS}x{MAX_SCREEN_COLS}, say"
            f" 24x80), off, or nothing for {DEFAULT_WINDOW_SIZE[0]}x{DEFAULT_WINDOW_SIZE[1]};"
            f" got {argument!r}"
        ) from None
    return f"{rows}x{cols}"


def screen_size(text: str) -> tuple[int, int] | None:
    """A checked ``%screen`` value (``ROWSxCOLS`` or ``off``) as (rows, cols), or None."""
    if text == "off":
        return None
    rows, _, cols = text.partition("x")
    return int(rows), int(cols)


def _check_variables(raw: str) -> None:
    opened = raw.count("${")
    if opened != len(VARIABLE.findall(raw)):
        raise ValueError(
            "unterminated or malformed ${...}: write ${NAME} with a name of letters, digits and _"
        )


def _describe(step: Step) -> str:
    return {
        "send_line": "`>` line", "send": "%send", "eof": "%eof", "control": "%control",
        "signal": "%signal", "output": "expected output", "skip": "`...`", "status": "exit status",
        "key": "%key",
    }.get(step.kind, step.kind)  # fmt: skip


# -- writing ------------------------------------------------------------------------


def session_text(
    argv: Sequence[str], exchange: str, returncode: int | None, secrets: int = 0
) -> str:
    """One command's exchange as a session file: ``%secret`` lines for
    ``${SECRET_1}``... (after a comment on what a replay needs), the ``$``
    line, the exchange, the status (if it exited)."""
    names = [f"SECRET_{n}" for n in range(1, secrets + 1)]
    declarations = [*_secrets_comment(names), *(f"%secret {name}" for name in names)]
    # Trailing blanks (the space after a prompt) are not compared when the file runs.
    lines = [line.rstrip(" \t") for line in file_lines(exchange)]
    status = [] if returncode is None else [f"[{status_text(returncode)}]"]
    return "\n".join([*declarations, f"$ {command_line(argv)}", *lines, *status]) + "\n"


def _secrets_comment(names: list[str]) -> list[str]:
    """What a replay of a recording needs: the values typed unseen, which
    the file does not hold. A random one replays only where the output does
    not depend on the value."""
    if not names:
        return []
    were = f"{names[0]} was" if len(names) == 1 else f"{', '.join(names)} were"
    options = " ".join(f"--var\0{name}=VALUE" for name in names)  # (\0: not cut there)
    text = (
        f"{were} typed unseen and {'is' if len(names) == 1 else 'are'} not written here:"
        f" replay with {options} for this run (unset, a random value is typed, and"
        " output that depends on the value, its length say, differs)"
    )
    lines = textwrap.wrap(text, 78, initial_indent="# ", subsequent_indent="# ")
    return [line.replace("\0", " ") for line in lines]


def status_text(returncode: int) -> str:
    """What an exit status line says: ``3``, or ``SIGTERM`` for a signal."""
    if returncode < 0:
        try:
            return signals.Signals(-returncode).name
        except ValueError:
            return str(returncode)
    return str(returncode)
