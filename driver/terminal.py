"""What a terminal does, as pure functions: the bytes a key sends, the window
sizes there can be, and what a line shows once a program or a person edits it.

driver's pty backend and screen use these; so can code above driver that
has to reason about a terminal without one at hand: the session-file reader
checks ``%key`` names and ``%screen`` sizes before anything runs, and
``driver record`` turns what a line editor echoed back into the line typed.

Nothing here touches a file descriptor or a clock.
"""

from __future__ import annotations

import re
import unicodedata

# -- window sizes -------------------------------------------------------------------

#: The most rows or columns a terminal can have: a ``struct winsize`` field
#: is an unsigned short.
MAX_WINDOW_SIZE = 65535
#: The most rows and columns of a screen driver keeps (``screen=True``):
#: every search renders the whole screen.
MAX_SCREEN_ROWS, MAX_SCREEN_COLS = 500, 1000
#: The size of a pty driver opens, unless told, and of a terminal that
#: reports none (0 rows or columns: a pty nobody sized, as ``script`` makes
#: when its own input is not a terminal). xterm's, and VT100's.
DEFAULT_WINDOW_SIZE = (24, 80)
#: How long the REPLs and session files wait, at most, for a program on a
#: terminal to read (:meth:`driver.Session.wait_until_idle`) before a line
#: goes: one that never blocks where that shows gets its line this late.
READY_SECONDS = 1.0


def check_window_size(rows: int, cols: int, *, screen: bool = False) -> None:
    """Refuse a window size a terminal cannot have, or a screen too large to keep.

    Args:
        rows: the height, in lines.
        cols: the width, in characters.
        screen: the size is a kept screen's too (``screen=True``), which is
            at most ``MAX_SCREEN_ROWS`` x ``MAX_SCREEN_COLS``.

    Raises:
        ValueError: saying which number is wrong and what the limits are
            (a bool or a float is not a number of rows).
    """
    for name, value in (("rows", rows), ("cols", cols)):
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_WINDOW_SIZE
        ):
            raise ValueError(f"{name}={value!r} is not from 1 to {MAX_WINDOW_SIZE}")
    if screen and (rows > MAX_SCREEN_ROWS or cols > MAX_SCREEN_COLS):
        raise ValueError(
            f"a screen of {rows}x{cols}: at most {MAX_SCREEN_ROWS}x{MAX_SCREEN_COLS}"
            " (rows x columns); every search renders the whole screen"
        )


def usable_window_size(rows: int, cols: int) -> tuple[int, int]:
    """``(rows, cols)`` as a terminal reported them, the default in place of
    a 0 (a terminal nobody sized).

    Args:
        rows: the height it reported.
        cols: the width it reported.
    """
    default_rows, default_cols = DEFAULT_WINDOW_SIZE
    return rows or default_rows, cols or default_cols


# -- keys ---------------------------------------------------------------------------

#: Keys whose bytes do not depend on the terminal's modes.
_KEYS = {
    "enter": b"\r",
    "return": b"\r",
    "tab": b"\t",
    "shift-tab": b"\x1b[Z",
    "esc": b"\x1b",
    "escape": b"\x1b",
    "backspace": b"\x7f",
    "space": b" ",
    "insert": b"\x1b[2~",
    "delete": b"\x1b[3~",
    "pageup": b"\x1b[5~",
    "pagedown": b"\x1b[6~",
    "f1": b"\x1bOP",
    "f2": b"\x1bOQ",
    "f3": b"\x1bOR",
    "f4": b"\x1bOS",
    "f5": b"\x1b[15~",
    "f6": b"\x1b[17~",
    "f7": b"\x1b[18~",
    "f8": b"\x1b[19~",
    "f9": b"\x1b[20~",
    "f10": b"\x1b[21~",
    "f11": b"\x1b[23~",
    "f12": b"\x1b[24~",
}
#: Cursor keys: ESC [ X normally, ESC O X once the program asks for
#: "application cursor keys" (DECCKM), as curses programs, vim and less do.
_CURSOR_KEYS = {"up": b"A", "down": b"B", "right": b"C", "left": b"D", "home": b"H", "end": b"F"}
#: The modifier xterm encodes in a shifted, alt or ctrl cursor key.
_CURSOR_MODIFIERS = {"shift": b"2", "alt": b"3", "ctrl": b"5"}
#: Ctrl with a punctuation mark: the control characters that are not letters.
_CONTROL_MARKS = {"?": 0x7F, "[": 0x1B, "\\": 0x1C, "]": 0x1D, "^": 0x1E, "_": 0x1F, "@": 0x00}

#: The key names :func:`key_bytes` knows, for messages.
KEY_NAMES = (
    "a single character, enter, tab, shift-tab, esc, backspace, space, up, down, left,"
    " right, home, end (each also with shift-, alt- or ctrl-), insert, delete, pageup,"
    " pagedown, f1..f12, ctrl-X, alt-X"
)


def key_bytes(name: str, *, application: bool = False) -> bytes:
    """The bytes an xterm sends for a key.

    Args:
        name: a key name (see ``KEY_NAMES``), in any case: ``"enter"``,
            ``"Down"``, ``"ctrl-c"``, ``"alt-x"``, ``"shift-tab"``, ``"q"``.
        application: cursor keys in application mode (DECCKM), as the
            program asked for.

    Raises:
        ValueError: not a key name.
        TypeError: not a str.
    """
    if not isinstance(name, str):
        raise TypeError(f"key {name!r}: expected a key name (str), such as 'down' or 'ctrl-c'")
    if len(name) == 1:
        return name.encode()
    key = name.lower()
    if key in _KEYS:
        return _KEYS[key]
    if key in _CURSOR_KEYS:
        return (b"\x1bO" if application else b"\x1b[") + _CURSOR_KEYS[key]
    modifier, _, rest = key.partition("-")
    if modifier in _CURSOR_MODIFIERS and rest in _CURSOR_KEYS:
        # xterm's modified cursor keys: CSI 1 ; m X, in either cursor mode.
        return b"\x1b[1;" + _CURSOR_MODIFIERS[modifier] + _CURSOR_KEYS[rest]
    if modifier == "ctrl" and rest == "space":
        return b"\x00"  # as ctrl-@
    if modifier == "ctrl" and (rest in _CONTROL_MARKS or (len(rest) == 1 and "a" <= rest <= "z")):
        return control_bytes(rest)
    if modifier == "alt" and rest:
        return b"\x1b" + key_bytes(name[4:], application=application)
    raise ValueError(f"key {name!r} is not a key name; the names: {KEY_NAMES}")


def control_bytes(char: str) -> bytes:
    """The byte a terminal sends for Ctrl and ``char``: ``"c"`` gives ``b"\\x03"``.

    Args:
        char: an ASCII letter (either case) or one of ``?[\\]^_@``.

    Raises:
        ValueError: there is no such control character.
    """
    if len(char) == 1 and char.isalpha() and char.isascii():
        return bytes([ord(char.lower()) & 0x1F])
    if char in _CONTROL_MARKS:
        return bytes([_CONTROL_MARKS[char]])
    raise ValueError(
        f"send_control({char!r}): expected a letter or one of {''.join(_CONTROL_MARKS)}"
    )


# -- line editing -------------------------------------------------------------------
#
# A program that edits its own input line (readline, editline: the terminal
# is out of canonical mode) echoes each key itself, redrawing with backspaces,
# carriage returns and erase sequences; on a dumb terminal a line wider than
# the screen scrolls sideways behind a ``<``. Recording such a session needs
# the line the person submitted, and replaying one needs to know the echo
# when it sees it. Both questions are answered here, from the text alone.

# A control character, or an escape sequence (CSI with its parameters, or
# ESC and one character).
_CONTROL_OR_SEQUENCE = re.compile(r"\x1b\[([0-9;?]*)([@-~])|\x1bO?.?|[\x00-\x1f\x7f]", re.DOTALL)


def displayed_line(text: str, start: str = "") -> str:
    """The line a terminal shows once ``text`` is written after ``start``.

    Args:
        text: what a program wrote on the line (a line editor's echo).
        start: what the line showed before, the cursor at its end (a prompt).

    Returns:
        What backspaces, carriage returns, tabs and erasures leave, blanks
        included; a wide character (CJK) takes two columns.
    """
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
#: The key that makes the next one part of a terminal's line as it is
#: (VLNEXT, ^V): ^V ^C types a ^C instead of interrupting.
LITERAL_NEXT = "\x16"
_CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def edited_line(keys: str, *, editor: bool) -> tuple[str, bool]:
    """The line that ``keys`` make, and whether every key was understood.

    Args:
        keys: what was typed.
        editor: the program edits the line itself (cursor keys move, ^A/^E
            go to the ends, ^K kills to the end); otherwise the terminal
            does, and only backspace, ^U and ^W edit: every other key is
            part of the line.

    Returns:
        The line, and False if a key's effect depends on the program (Tab,
        history, search): such a key leaves the line as it was.
    """
    line: list[str] = []
    cursor = 0
    exact = True
    literal = False  # the key before was ^V, in the terminal's editing
    for key in _KEY.findall(keys):
        if literal or (key == LITERAL_NEXT and not editor):
            literal = not literal
            if not literal:
                line.insert(cursor, key)
                cursor += 1
        elif key in ("\x7f", "\b"):
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


def literal_line(text: str) -> str:
    """The keys that type ``text`` into a terminal's line as it is.

    In canonical mode the terminal acts on some control characters (^C
    interrupts, ^U erases the line, ^D ends input, a carriage return ends
    the line); ^V before one types it instead. Every control character but
    a tab gets a ^V (before one the terminal would not act on, it does no harm).
    """
    return _CONTROL_CHARACTER.sub(lambda found: LITERAL_NEXT + found.group(), text)


#: The control characters a terminal's line discipline acts on rather than
#: echo as ``^X`` (canonical mode, Linux's defaults) unless a ^V quotes
#: them: ^D ends the input, ^Q and ^S start and stop the output, ^? ^U ^W
#: erase, ^R reprints. What they show depends on the line: nothing, here.
ACTED_ON = "\x04\x11\x13\x7f\x15\x17\x12"


def echoed(keys: str) -> str:
    """What a terminal shows of ``keys`` typed with its echo on.

    As Linux and macOS terminals do by default (ECHOCTL): a control
    character as ``^`` and a letter (ESC as ``^[``), a tab and a newline as
    they are, a carriage return as a newline (ICRNL), ^V as a ``^`` that the
    next key's echo overwrites, and the characters it acts on
    (:data:`ACTED_ON`) as nothing, unless a ^V quoted them.

    Args:
        keys: keys as typed (a line as :func:`literal_line` gives it, or raw
            keys): what an erasing key erases is not shown here.
    """
    shown = []
    literal = False
    for key in keys:
        if literal:
            literal = False
        elif key == LITERAL_NEXT:
            literal = True
            shown.append("^\b")
            continue
        elif key in "\r\n":
            shown.append("\n")
            continue
        elif key in ACTED_ON:
            continue
        shown.append(f"^{chr(ord(key) ^ 0x40)}" if _CONTROL_CHARACTER.match(key) else key)
    return "".join(shown)


def hides_input(displayed: str, sent: str) -> bool:
    """Whether ``displayed`` is how a line editor reading a password shows
    ``sent``: as nothing, or as a ``*`` for each character."""
    return not displayed or (len(displayed) == len(sent) and set(displayed) == {"*"})


def is_line_editor_echo(displayed: str, sent: str) -> bool:
    """Whether ``displayed`` (a line editor's display after a prompt) can be
    its echo of ``sent``: the line, its end when the line scrolled sideways
    behind a ``<``, or hidden (a password)."""
    if hides_input(displayed, sent):
        return True
    sent = sent.rstrip()
    return sent.endswith(displayed) or (displayed.startswith("<") and sent.endswith(displayed[1:]))
