"""The echo of what a session file sends, kept out of the output it expects.

A session file reads like a terminal, where what is typed shows: the
program runs with its terminal's echo on, and the echo is not output the
file expects. So the run notes what the terminal will echo of each send
(:class:`EchoTracker`, plain data) and, before the next expected line, takes
that echo out of the output if that is what comes (:func:`drop_echo`).

What may come is more than the text sent: a password prompt echoes nothing
but its program ends the line; a prompt matched before its newline arrived
still has that newline to come, before or after the echo; a program that
edits its input line (readline) echoes the line its own way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from .. import EOF, DriverError, Session, Timeout
from ..terminal import displayed_line, echoed, is_line_editor_echo, key_bytes

#: A `>` line at least this long (bytes) is sent with the terminal's echo off.
LONG_LINE = 4096

# How a terminal echoes a control character (ECHOCTL): ^C, ^Z, ^\\.
_CARET = re.compile(r"\^[@-_?]")
# How much output past the echo is looked at to tell whether the echo came.
_LOOK_PAST = 64


@dataclass(frozen=True)
class PendingEcho:
    """What may come between the sends and the program's next output.

    Attributes:
        text: what the terminal echoes of the sends, in order.
        prompt_open: the last prompt matched before its newline came.
        shown: the terminal's echo was on for the first of the sends.
        line_editor: ``text`` is one line, echoed by a program that edits
            its input line itself, as it likes.
        control: ``text`` is the echo of a ``%control`` (not of a
            ``%send`` of the same key, after which the program's own output comes).
    """

    text: str = ""
    prompt_open: bool = False
    shown: bool = False
    line_editor: bool = False
    control: bool = False

    def __bool__(self) -> bool:
        """Whether there is anything to look for."""
        return bool(self.text or self.prompt_open)

    def forms(self, *, line_follows: bool) -> list[str]:
        """What the terminal may show for the echo, each form whole.

        After a prompt that matched before its line ended (``prompt_open``),
        that line's end may come too. Alone, when the program reads without
        the terminal's echo: getpass ends the line itself. With the echo the
        terminal ``shown``, when the "prompt" was a whole line whose newline
        came late: a pty read can split a line from its newline, and a
        program that writes the two apart (unbuffered) can be overtaken by
        the echo. Only for the echo of lines: a ^C's echo (bash redraws
        after it) keeps to the forms above.

        Args:
            line_follows: the file expects a line that is not blank next. A
                lone line end after the echo is taken only then, so a blank
                line the program prints is never lost.
        """
        echo = self.text
        one_line = echo.endswith("\n") and echo.count("\n") == 1
        forms = [echo] if echo else []
        if self.prompt_open and self.shown and echo.endswith("\n"):  # the echo of lines
            forms.append("\n" + echo)
            if one_line and line_follows:
                forms.append(echo + "\n")
        if self.prompt_open and (not echo or one_line):
            forms.append("\n")
        return forms

    @property
    def control_character(self) -> bool:
        """Whether the echo is a control character's (``^C``): at the end of a
        line it ends that line, as the echo of a line does."""
        return self.control and _CARET.fullmatch(self.text) is not None


def echo_in(arrived: str, forms: list[str]) -> tuple[int, bool]:
    """How the output that ``arrived`` starts with one of the ``forms`` of an echo.

    Blanks at the start and before a line end do not count: the end of a
    prompt ("> ") may arrive after the prompt matched.

    Returns:
        The length of the longest form found whole (0: none), and whether
        more output could still make a longer one.
    """
    whole = 0
    for form in forms:
        pattern = r"\A[ \t]*" + re.escape(form).replace("\\\n", r"[ \t]*\n")
        found = re.match(pattern, arrived)
        if found is not None:
            whole = max(whole, found.end())
    start = _without_line_end_blanks(arrived.lstrip(" \t"))
    longer = (_without_line_end_blanks(form) for form in forms)
    partial = any(len(form) > len(start) and form.startswith(start) for form in longer)
    return whole, partial


def _without_line_end_blanks(text: str) -> str:
    return re.sub(r"[ \t]+\n", "\n", text)


class EchoTracker:
    """What the terminal will echo of one command's sends since its last expected output.

    A new one for each command: an earlier program's echo is not this one's
    to show.

    Args:
        terminal: the command's input echoes on a terminal (a pty, not a
            pipe, and not a screen, where a program draws what it likes).
    """

    def __init__(self, *, terminal: bool) -> None:
        self.terminal = terminal
        self.pending = PendingEcho()
        #: The terminal's echo was turned off for a long line (see LONG_LINE);
        #: it comes back on before the next send.
        self.echo_turned_off = False

    def take(self) -> PendingEcho:
        """The echo to look for now, forgotten here."""
        pending, self.pending = self.pending, PendingEcho()
        return pending

    def prompt_matched(self, *, open: bool) -> None:
        """A prompt matched; ``open``: before its line ended."""
        self.pending = replace(self.pending, prompt_open=open)

    def sent_line(self, line: str, *, echo: bool, line_editor: bool) -> None:
        """``line`` was sent with its end, as keys (a ^V before a control
        character: :func:`driver.terminal.literal_line`); ``echo``: the terminal's echo was on;
        ``line_editor``: the program edits its input line itself (it reads by key)."""
        if not self.terminal:
            return self.sent_unechoed()
        # A program that reads a line at an open prompt with echo off echoes
        # it itself (readline) or ends the prompt line (getpass).
        shown = echoed(line) if echo else line
        self._add(shown + "\n" if echo or self.pending.prompt_open else "", echo=echo)
        if line_editor and self.pending.text == line + "\n":
            self.pending = replace(self.pending, line_editor=True)

    def sent_text(self, text: str, *, echo: bool) -> None:
        """``text`` was sent as it is (``%send``)."""
        if not self.terminal:
            return self.sent_unechoed()
        self._add(echoed(text) if echo else "", echo=echo)

    def sent_keys(self, names: list[str], *, echo: bool) -> None:
        """Keys were sent by name: echoed as the bytes each sends (``^[[B``
        for down, ``^@`` for ctrl-@)."""
        if not self.terminal:
            return self.sent_unechoed()
        typed = "".join(key_bytes(name).decode() for name in names)
        self._add(echoed(typed) if echo else "", echo=echo)

    def sent_control(self, char: str, *, echo: bool) -> None:
        """Control and ``char`` was sent (``%control c``)."""
        if not self.terminal:
            return self.sent_unechoed()
        # ECHOCTL shows most control characters as ^X; these it does not.
        shows = echo and char.lower() not in "dijmqs"
        alone = not self.pending.text
        self._add(f"^{char.upper()}" if shows else "", echo=echo)
        self.pending = replace(self.pending, control=alone)

    def sent_unechoed(self) -> None:
        """Something no terminal echoes was sent: the end of input, a signal."""
        self.pending = replace(self.pending, line_editor=False)

    def _add(self, echoed: str, *, echo: bool) -> None:
        pending = self.pending
        shown = echo if not pending.text else pending.shown  # (the first send's)
        self.pending = PendingEcho(pending.text + echoed, pending.prompt_open, shown)


class EchoTimeout(DriverError, TimeoutError):
    """The echo of what was sent began to come, then stopped before the deadline.

    Raised from the :class:`driver.Timeout` of the wait, whose message names
    the lookahead pattern waited for; this one says what that was, without
    spelling it out (the echo of a password is the password).

    Attributes:
        output: what came, unconsumed.
    """

    def __init__(self, timeout: Timeout, program: str) -> None:
        self.output = str(timeout.output)
        message = (
            f"timed out after {timeout.timeout} s waiting for the echo of what was sent"
            f" from {program}"
        )
        # The rest of the Timeout's text (output, transcript, hints) as it was.
        super().__init__(message + str(timeout)[len(timeout.message) :])


def drop_echo(session: Session[str], pending: PendingEcho, *, line_follows: bool) -> None:
    """Consume the ``pending`` echo, if that is what comes next.

    Waits only while what has arrived could still be the start of the echo.

    Args:
        session: the command's session.
        pending: what to look for (from :meth:`EchoTracker.take`).
        line_follows: the file expects a line that is not blank next.

    Raises:
        EchoTimeout: the echo began to come, then stopped.
    """
    if not pending:
        return
    forms = pending.forms(line_follows=line_follows)
    try:
        if pending.line_editor and _drop_line_editor_echo(session, pending.text[:-1]):
            return
        ended = False
        while True:
            arrived = session.peek()[: len(pending.text) + _LOOK_PAST]
            whole, partial = echo_in(arrived, forms)
            if partial and not ended:
                # It could still be the start of (a longer form of) the echo: wait for more.
                more = session.expect([rf"\A(?=[\s\S]{{{len(arrived) + 1}}})", EOF])
                ended = more.index == 1
                continue
            if whole:  # the echo, whole: taken out
                session.expect(rf"\A[\s\S]{{{whole}}}")
                if pending.control_character:
                    # A ^C the terminal echoed at the end of a line ends that line.
                    drop_echo(session, PendingEcho(prompt_open=True), line_follows=False)
            return  # else something else came: it was not echoed
    except Timeout as error:
        raise EchoTimeout(error, session.describe()) from None


def _drop_line_editor_echo(session: Session[str], sent: str) -> bool:
    """Consume a line editor's echo of ``sent``: whatever it shows up to the
    end of the line, if that can be its display of the line."""
    if session.expect([r"\A(?=[^\n]*\n)", EOF]).index == 1:  # a whole line, not taken
        return False
    line = session.peek().partition("\n")[0]
    if not is_line_editor_echo(displayed_line(line).strip(), sent):
        return False
    session.expect(r"\A[^\n]*\n")
    return True
