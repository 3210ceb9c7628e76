"""What a person types into a session (interact), recorded as session-file steps.

The transcript should read as the person's exchange: the prompt, then
``> the line they entered``, then the answer. On a terminal that takes
working out, because what was typed is also on the screen, in one of three
ways, told apart by the terminal's modes when Enter is pressed:

- canonical mode, echo on: the terminal shows the keys and edits the line
  (backspace, ^U, ^W); the keys say what the line is.
- canonical mode, echo off: a password prompt. Nothing shows; the line is
  secret.
- canonical mode off: the program edits the line itself (readline). It
  redraws as it likes, so the keys say what the line is only while they
  are plain typing and editing; after Tab or a history key the screen says.
  A line editor that shows nothing (or only ``*``) for a line is reading a
  password.

So output is held back a line at a time, and each line ended by an Enter
is split into its prompt (the screen when the first key of the line was
typed) and the echo, which is left out. ^C, ^\\, ^Z and ^D at an empty line
are recorded as ``%control``/``%eof`` the same way.

On a pipe, the person's own terminal does the echo and the editing, and
lines arrive whole: they are recorded as they come.
"""

from __future__ import annotations

import codecs
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .terminal import (
    LITERAL_NEXT,
    displayed_line,
    echoed,
    edited_line,
    hides_input,
    literal_line,
)

if TYPE_CHECKING:
    from ._state import SessionState

# Keys that a terminal turns into signals (ISIG), by their %control name.
_SIGNAL_KEYS = {"\x03": "c", "\x1c": "\\", "\x1a": "z"}
_EOF_KEY = "\x04"


@dataclass
class _Entry:
    """An Enter (or a signal key, or ^D) whose line on the screen has not ended yet."""

    kind: str  # "line", "control" or "eof"
    keys: str  # the keys typed for the line, before the Enter
    prompt: str  # the screen line when the first of them was typed
    editor: bool  # the program edited the line (canonical mode off)
    echo: bool  # the terminal echoed the keys
    control: str = ""  # for "control": the key's name ("c")
    screen: str = ""  # the screen line when it was pressed
    listed: list[str] = field(default_factory=list)  # shown while it was typed


class TypedInput:
    """Turns a person's keys and the child's output into transcript events."""

    def __init__(self, child: SessionState) -> None:
        self._transcript = child.transcript
        self._terminal = child.terminal
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._keys = ""  # of the line being typed
        self._prompt: str | None = None  # the screen line when its first key came
        self._screen = ""  # output since the last newline, not recorded yet
        self._entered: deque[_Entry] = deque()  # waiting for their line to end
        # Lines a line editor showed while a line was being typed (the list
        # that Tab shows): its display, unless the line ends up elsewhere.
        self._listed: list[str] = []
        self._echo_to_skip = ""  # of keys sent one by one (see _key)
        self._literal_next = False  # ^V came: the terminal takes the next key as it is

    def typed(self, data: bytes) -> None:
        """Keys from the person, as read from their terminal."""
        for key in self._decoder.decode(data):
            literal, self._literal_next = self._literal_next, False
            if literal:  # ^V ^C: a ^C in the line, not an interrupt
                self._type(key)
            elif key in "\r\n":
                self._enter("line")
            elif self._terminal is None:
                self._keys += key  # edited already, by the person's terminal
            elif key == LITERAL_NEXT and self._terminal.canonical:
                self._literal_next = True
                self._type(key)
            elif key in _SIGNAL_KEYS:
                self._enter("control", _SIGNAL_KEYS[key])
            elif key == _EOF_KEY and not edited_line(self._keys, editor=self._editing())[0]:
                self._enter("eof")
            elif self._editing() and self._terminal.echo and not self._keys:
                self._key(key)
            else:
                self._type(key)

    def _type(self, key: str) -> None:
        """A key of the line being typed."""
        if self._prompt is None:
            self._prompt = self._screen
        self._keys += key

    def _key(self, key: str) -> None:
        """A key taken as it is typed: the terminal echoes it but edits
        nothing (out of canonical mode, echo on: ``read -n1``, "press a key")."""
        self._transcript.record_output(self._screen)
        self._screen = ""
        self._transcript.record_sent(key)
        self._echo_to_skip += echoed(key)

    def output(self, text: str) -> None:
        """Output from the child (decoded, ``\\r\\n`` made ``\\n``)."""
        if self._terminal is None:
            self._transcript.record_output(text)
            return
        skip = self._echo_to_skip
        if skip:  # the echo of keys sent one by one, which may come in pieces
            if text.startswith(skip):
                text, skip = text[len(skip) :], ""
            elif skip.startswith(text):
                text, skip = "", skip[len(text) :]
            else:
                skip = ""  # something else came: it was not echoed
            self._echo_to_skip = skip
        *ended, self._screen = (self._screen + text).split("\n")
        for line in ended:
            if self._entered and _is_line_of(self._entered[0], line):
                self._resolve(self._entered.popleft(), line, ended=True)
            elif self._prompt is not None and self._editing():
                self._listed.append(line)
            else:
                self._transcript.record_output(line + "\n")

    def finish(self) -> None:
        """At the end: what is held back is recorded, and keys never entered are sent text."""
        while self._entered:
            line, self._screen = self._screen, ""
            self._resolve(self._entered.popleft(), line, ended=False)
        for line in self._listed:
            self._transcript.record_output(line + "\n")
        self._listed = []
        if self._screen:
            self._transcript.record_output(self._screen)
            self._screen = ""
        if self._keys:
            self._transcript.record_sent(self._keys)
            self._keys = ""

    def _editing(self) -> bool:
        return self._terminal is not None and not self._terminal.canonical

    def _enter(self, kind: str, control: str = "") -> None:
        if kind == "control" and self._pressed_again(control):
            return
        keys, prompt = self._keys, self._prompt
        self._keys, self._prompt = "", None
        terminal = self._terminal
        if terminal is None:  # a pipe: nothing of it is on the screen
            self._transcript.record_sent(keys + "\n")
            return
        entry = _Entry(
            kind, keys, self._screen if prompt is None else prompt,
            editor=not terminal.canonical, echo=terminal.echo, control=control,
            screen=self._screen, listed=self._listed,
        )  # fmt: skip
        self._listed = []
        self._entered.append(entry)

    def _pressed_again(self, control: str) -> bool:
        """Whether ^C (say) is pressed again before the line it was pressed on
        has ended: the first press changed nothing on the screen (bash's
        readline loses a ^C that comes while it redraws the line, and a
        person presses it again). One step replays what the person saw."""
        last = self._entered[-1] if self._entered else None
        return (
            last is not None and last.kind == "control" and last.control == control
            and not self._keys and self._screen == last.screen
        )  # fmt: skip

    def _resolve(self, entry: _Entry, line: str, *, ended: bool) -> None:
        """Record the screen ``line`` that ``entry`` ended: prompt, step, output."""
        record = self._transcript
        if entry.listed and not line.startswith(entry.prompt):
            for listed in entry.listed:  # not the line editor's: the program's output
                record.record_output(listed + "\n")
        if entry.kind == "line":
            split = _editor_line if entry.editor else _terminal_line
            prompt, sent, secret, rest = split(entry, line)
            record.record_output(prompt)
            record.record_sent(sent + "\n", secret=secret)
        else:
            prompt = entry.prompt if entry.prompt and line.startswith(entry.prompt) else ""
            rest = line[len(prompt) :]
            record.record_output(prompt)
            record.record_directive("%eof" if entry.kind == "eof" else f"%control {entry.control}")
            caret = f"^{entry.control.upper()}"
            if entry.editor and entry.kind == "control":
                rest = ""  # the line editor's display of the line it gave up
            elif entry.echo and caret in rest:  # the terminal echoes ^C as that
                rest = rest[rest.index(caret) + len(caret) :]
        if rest.strip():  # printed after the line was entered
            record.record_output(rest + ("\n" if ended else ""))


def _is_line_of(entry: _Entry, line: str) -> bool:
    """Whether screen ``line`` is where ``entry`` was typed. Lines entered
    together (a paste) reach a line editor one at a time, each after the
    output of the one before; keys typed while a command runs are echoed
    after what it printed so far: a line that neither starts with the
    prompt nor shows the keys is such output. (Where nothing echoes, the
    program ends the line itself, at once: the next line is it.)"""
    if entry.kind != "line" or not (entry.editor or entry.echo):
        return True
    if entry.prompt and line.startswith(entry.prompt):
        return True
    keys = edited_line(entry.keys, editor=entry.editor)[0]
    shown = keys.rstrip() if entry.editor else _shown(keys)
    return not shown or displayed_line(line).rstrip().endswith(shown)


# How a screen line splits: (prompt, the line entered, secret, output after it).
_Split = tuple[str, str, bool, str]


def _shown(line: str) -> str:
    """How a terminal's echo shows a ``line`` typed there: ESC as ``^[``...
    (a control character in the line was quoted with ^V to get there)."""
    return displayed_line(echoed(literal_line(line))).rstrip()


def _typed_ahead(line: str, keys: str) -> tuple[str, str]:
    """(prompt, echo) of a screen ``line`` whose keys were typed before its
    prompt showed: the prompt is what is left of the line without them."""
    visible = displayed_line(line).rstrip()
    shown = _shown(keys)
    if shown.strip() and visible.endswith(shown):
        return visible[: len(visible) - len(shown)], keys
    return line, ""  # none of the keys on it: it is all prompt


def _terminal_line(entry: _Entry, line: str) -> _Split:
    """A line the terminal edited (canonical mode)."""
    keys = edited_line(entry.keys, editor=False)[0]
    if entry.prompt and line.startswith(entry.prompt):
        prompt, after = entry.prompt, line[len(entry.prompt) :]
    else:
        prompt, after = _typed_ahead(line, keys)
    # Echo on when Enter was pressed, and the keys on the screen: an echo.
    # Otherwise a password prompt (which may have turned the echo off just
    # after its prompt showed), and what follows is the program's output.
    shown = entry.echo and displayed_line(after).startswith(_shown(keys))
    return prompt, keys, bool(keys.strip()) and not shown, "" if shown else after


def _editor_line(entry: _Entry, line: str) -> _Split:
    """A line the program edited itself (readline)."""
    keys, exact = edited_line(entry.keys, editor=True)
    if not (entry.prompt and line.startswith(entry.prompt)):
        prompt, _ = _typed_ahead(line, keys)
        return prompt, keys, False, ""
    prompt_cells = displayed_line(entry.prompt)
    visible = displayed_line(line)
    if not visible.startswith(prompt_cells):
        return entry.prompt, keys, False, ""  # redrawn over the prompt: a long line scrolled
    on_screen = visible[len(prompt_cells) :].rstrip()
    if exact and on_screen == keys.rstrip():
        return entry.prompt, keys, False, ""
    if keys.strip() and hides_input(on_screen, keys):
        return entry.prompt, keys, True, ""  # not shown, or shown as ***: a password
    # Completed, recalled or otherwise changed by the program: the screen says.
    return entry.prompt, on_screen, False, ""
