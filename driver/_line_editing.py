"""What a line on a terminal shows, and what keys make of a line.

A program that edits its own input line (readline, editline: the terminal
is out of canonical mode) echoes each key itself, redrawing with backspaces,
carriage returns and erase sequences; on a dumb terminal a line wider than
the screen scrolls sideways behind a ``<``. Recording such a session needs
the line the person submitted, and replaying one needs to know the echo
when it sees it. Both questions are answered here, from the text alone.
"""

from __future__ import annotations

import re
import unicodedata

# A control character, or an escape sequence (CSI with its parameters, or
# ESC and one character).
_CONTROL_OR_SEQUENCE = re.compile(r"\x1b\[([0-9;?]*)([@-~])|\x1bO?.?|[\x00-\x1f\x7f]", re.DOTALL)


def shown(text: str, start: str = "") -> str:
    """The line a terminal shows once ``text`` is written after ``start``
    (cursor at its end): what backspaces, carriage returns and erasures
    leave, blanks included."""
    # One cell per column; a wide character (CJK) fills two, the second
    # holding "" so that joining the cells gives the text.
    cells: list[str] = []
    cursor = 0

    def put(char: str) -> None:
        nonlocal cursor
        width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        cells.extend(" " * (cursor + width - len(cells)))
        if cells[cursor] == "":  # half of a wide character goes: all of it does
            cells[cursor - 1] = " "
        end = cursor + width
        if end < len(cells) and cells[end] == "":
            cells[end] = " "
        cells[cursor:end] = [char, ""][:width]
        cursor = end

    for char in start:
        put(char)

    position = 0
    for found in _CONTROL_OR_SEQUENCE.finditer(text):
        for char in text[position : found.start()]:
            put(char)
        position = found.end()
        control = found.group()
        if control == "\b":
            cursor = max(0, cursor - 1)
        elif control == "\r":
            cursor = 0
        elif control == "\t":
            for _ in range(8 - cursor % 8):
                put(" ")
        elif found.group(2) is not None:
            cursor = _csi(cells, cursor, found.group(1), found.group(2))
        # Anything else (a bell, a mode switch) changes nothing on the line.
    for char in text[position:]:
        put(char)
    return "".join(cells)


def _csi(cells: list[str], cursor: int, parameters: str, final: str) -> int:
    """Carry out one CSI sequence on the line; the new cursor column."""
    count = int(parameters) if parameters.isdigit() else 1
    if final == "C":
        return cursor + count
    if final == "D":
        return max(0, cursor - count)
    if final == "G":
        return count - 1
    if final == "K":
        if parameters in ("", "0"):
            del cells[cursor:]
        elif parameters == "2":
            cells[:] = [" "] * cursor
        return cursor
    if final == "P":
        del cells[cursor : cursor + count]
    elif final == "@":
        cells[cursor:cursor] = [" "] * count
    return cursor


# Keys a line editor (in its emacs mode) or the terminal's own line editing
# understand, as what they do to the line.
_LEFT = ("\x02", "\x1b[D", "\x1bOD")
_RIGHT = ("\x06", "\x1b[C", "\x1bOC")
_HOME = ("\x01", "\x1b[H", "\x1bOH", "\x1b[1~", "\x1b[7~")
_END = ("\x05", "\x1b[F", "\x1bOF", "\x1b[4~", "\x1b[8~")
_DELETE = ("\x04", "\x1b[3~")
_KEY = re.compile(r"\x1b\[[0-9;]*[@-~]|\x1bO.|\x1b.?|.", re.DOTALL)


def edited(keys: str, *, editor: bool) -> tuple[str, bool]:
    """The line that ``keys`` make, and whether every key was understood.

    ``editor``: the program edits the line itself (cursor keys move, ^A/^E
    go to the ends, ^K kills to the end); otherwise the terminal does, and
    only backspace, ^U and ^W edit: every other key is part of the line.
    Keys whose effect depends on the program (Tab, history, search) leave
    the line as it was and make the answer inexact.
    """
    line: list[str] = []
    cursor = 0
    exact = True
    for key in _KEY.findall(keys):
        if key in ("\x7f", "\b"):
            if cursor:
                del line[cursor - 1]
                cursor -= 1
        elif key == "\x15":  # kill back to the start
            del line[:cursor]
            cursor = 0
        elif key == "\x17":  # kill the word before the cursor
            start = cursor
            while start and line[start - 1].isspace():
                start -= 1
            while start and not line[start - 1].isspace():
                start -= 1
            del line[start:cursor]
            cursor = start
        elif not editor:
            line.append(key)  # the terminal passes it on as typed
            cursor += 1
        elif key in _LEFT:
            cursor = max(0, cursor - 1)
        elif key in _RIGHT:
            cursor = min(len(line), cursor + 1)
        elif key in _HOME:
            cursor = 0
        elif key in _END:
            cursor = len(line)
        elif key in _DELETE:
            del line[cursor : cursor + 1]
        elif key == "\x0b":  # kill to the end
            del line[cursor:]
        elif key.isprintable():
            line.insert(cursor, key)
            cursor += 1
        else:
            exact = False
    return "".join(line), exact


def hides(shown_line: str, sent: str) -> bool:
    """Whether ``shown_line`` is how a line editor reading a password shows
    ``sent``: as nothing, or as a ``*`` for each character."""
    return not shown_line or (len(shown_line) == len(sent) and set(shown_line) == {"*"})


def editor_echo_ends(shown_line: str, sent: str) -> bool:
    """Whether ``shown_line`` (a line editor's display after a prompt) can be
    its echo of ``sent``: the line, its end when the line scrolled sideways
    behind a ``<``, or hidden (a password)."""
    if hides(shown_line, sent):
        return True
    sent = sent.rstrip()
    return sent.endswith(shown_line) or (
        shown_line.startswith("<") and sent.endswith(shown_line[1:])
    )
