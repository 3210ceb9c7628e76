"""Whether tclsh would run a script at once: Tcl's ``info complete``, in Python.

tclsh has no way to abandon a half-entered command (^C kills it), so the
tclsh profile refuses an incomplete one before it is sent, as the sqlite3
profile does. The rule is Tcl_CommandComplete's: a script is incomplete
only where its parser runs out of text inside braces, quotes, a command
substitution, a ``${name}``, an array index, or right after a
backslash-newline; any other error (extra characters after a close-brace)
is complete, for Tcl to report. Checked against tclsh's own answer by the tests.
"""

from __future__ import annotations

_SPACE = " \t\v\f\r"


class _Incomplete(Exception):
    """The text ran out where Tcl's parser wants more."""


class _Error(Exception):
    """A parse error Tcl reports when the command runs: the command is complete."""


def complete(script: str) -> bool:
    """Whether ``script`` is complete to Tcl (``info complete``)."""
    try:
        _Parser(script).script(0, nested=False)
    except _Incomplete:
        return False
    except _Error:
        return True
    return True


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.end = len(text)

    def at(self, i: int) -> str:
        return self.text[i] if i < self.end else ""

    def space(self, i: int) -> int:
        """Past blanks and backslash-newlines (which end the text incompletely)."""
        while i < self.end:
            if self.at(i) in _SPACE:
                i += 1
            elif self.text.startswith("\\\n", i):
                i += 2
                if i == self.end:
                    raise _Incomplete
            else:
                break
        return i

    def script(self, i: int, *, nested: bool) -> int:
        """Commands from ``i``; nested (a command substitution), up to its ``]``."""
        while True:
            i = self.space(i)
            while self.at(i) in ("\n", ";") and i < self.end:
                i = self.space(i + 1)
            if i >= self.end:
                if nested:
                    raise _Incomplete
                return i
            if nested and self.at(i) == "]":
                return i + 1
            if self.at(i) == "#":
                i = self.comment(i)
                continue
            i, closed = self.command(i, nested=nested)
            if closed:
                return i

    def comment(self, i: int) -> int:
        while i < self.end:
            if self.at(i) == "\\":
                if self.text.startswith("\\\n", i) and i + 2 == self.end:
                    raise _Incomplete
                i += 2
                continue
            i += 1
            if self.text[i - 1] == "\n":
                break
        return i

    def command(self, i: int, *, nested: bool) -> tuple[int, bool]:
        """The words of one command; whether a nested script's ``]`` closed it."""
        while True:
            i = self.space(i)
            if i >= self.end:
                if nested:
                    raise _Incomplete
                return i, False
            char = self.at(i)
            if char in ("\n", ";"):
                return i + 1, False
            if nested and char == "]":
                return i + 1, True
            i = self.word(i, nested=nested)

    def word(self, i: int, *, nested: bool) -> int:
        if self.text.startswith("{*}", i) and not self.separator(i + 3, nested):
            i += 3  # the expansion prefix; the word follows
        if self.at(i) == "{":
            i = self.braces(i)
        elif self.at(i) == '"':
            i = self.quoted(i)
        else:
            return self.bare(i, nested=nested)
        if not self.separator(i, nested):
            raise _Error  # extra characters after a close-brace or close-quote
        return i

    def separator(self, i: int, nested: bool) -> bool:
        char = self.at(i)
        return (
            i >= self.end
            or char in _SPACE + "\n;"
            or (nested and char == "]")
            or self.text.startswith("\\\n", i)
        )

    def braces(self, i: int) -> int:
        depth = 0
        while i < self.end:
            char = self.text[i]
            if char == "\\":
                i += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    return i + 1
            i += 1
        raise _Incomplete

    def quoted(self, i: int) -> int:
        i += 1
        while i < self.end:
            char = self.text[i]
            if char == '"':
                return i + 1
            i = self.substitution(i)
        raise _Incomplete

    def bare(self, i: int, *, nested: bool) -> int:
        while not self.separator(i, nested):
            i = self.substitution(i)
        return i

    def substitution(self, i: int) -> int:
        """Past one character, or the backslash sequence, command or variable there."""
        char = self.text[i]
        if char == "\\":
            return min(i + 2, self.end)
        if char == "[":
            return self.script(i + 1, nested=True)
        if char == "$":
            return self.variable(i + 1)
        return i + 1

    def variable(self, i: int) -> int:
        """Past ``${name}``, or a name and its array index (``$(x)`` too: the empty name)."""
        if self.at(i) == "{":
            close = self.text.find("}", i)
            if close < 0:
                raise _Incomplete
            return close + 1
        while i < self.end:
            if self.text[i].isascii() and (self.text[i].isalnum() or self.text[i] == "_"):
                i += 1
            elif self.text.startswith("::", i):
                i += 2
                while self.at(i) == ":":
                    i += 1
            else:
                break
        if self.at(i) != "(":
            return i  # a name, or a lone $ (itself)
        i += 1
        while i < self.end:
            if self.text[i] == ")":
                return i + 1
            i = self.substitution(i)
        raise _Incomplete
