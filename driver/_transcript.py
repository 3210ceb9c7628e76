"""The record of a session, both directions, rendered in session-file form.

Output lines appear as the child printed them; what was sent appears as
``> text`` lines (``%send text`` for text without a newline, ``%eof``,
``%control c``, ``%signal INT`` for the other actions). A partial output
line followed by a send is a prompt: it gets a line of its own, as on a
terminal. Output lines are spelled as a session file spells them
(:mod:`driver.spelling`).

Recording is an append per event; rendering happens when someone asks (or,
for a live log, line by line as the lines complete).
"""

from __future__ import annotations

import codecs
from collections import deque
from collections.abc import Callable, Iterable
from typing import TextIO

from ._masking import MASK, Secrets
from .spelling import escape_output_line, escape_sent_line, output_line


class _Renderer:
    """Turns recorded events into complete session-file lines."""

    def __init__(
        self, placeholders: bool = False, spell: Callable[[str], str] = escape_output_line
    ) -> None:
        self.partial = ""  # output since the last newline
        self.placeholders = placeholders
        self.spell = spell  # an output line's session-file spelling

    def output(self, text: str) -> list[str]:
        if "\n" not in text:
            self.partial += text
            return []
        first, *middle, last = (self.partial + text).split("\n")
        self.partial = last
        return [self.spell(line) for line in (first, *middle)]

    def secret(self, number: str) -> list[str]:
        """A line sent with secret=True: masked, or a ${SECRET_n} placeholder when recording."""
        shown = f"${{SECRET_{number}}}" if self.placeholders else MASK
        return [*self._end_prompt(), f"> {shown}"]

    def sent(self, text: str) -> list[str]:
        lines = self._end_prompt()
        *complete, rest = text.split("\n")
        lines.extend(f"> {escape_sent_line(line)}" if line else ">" for line in complete)
        if rest:
            lines.append(f"%send {escape_sent_line(rest)}")
        return lines

    def directive(self, line: str) -> list[str]:
        return [*self._end_prompt(), line]

    def _end_prompt(self) -> list[str]:
        if not self.partial:
            return []
        prompt, self.partial = self.partial, ""
        return [self.spell(prompt)]


#: How much of the exchange a transcript keeps in memory by default
#: (characters, or bytes of a bytes session's output): the most recent part.
DEFAULT_LIMIT = 1 << 20
# What an event costs beyond its text (a tuple, a str object, a deque slot),
# counted against the limit so that a million tiny sends stay bounded too.
_EVENT_COST = 100
# What an error message's tail of the transcript looks at, at most, and how
# long a line of it may be: its cost never depends on how long the session ran.
_TAIL_BUDGET = 1 << 16
_TAIL_LINE = 500


class Transcript:
    """What a session sent and received, in order: the most recent ``limit``
    characters of it, rendered when asked for.

    Args:
        log: a text file that receives every transcript line as it completes
            (the full record, however long the session).
        limit: how many characters of the exchange to keep in memory, the
            most recent; None keeps everything.
    """

    def __init__(self, log: TextIO | None = None, limit: int | None = DEFAULT_LIMIT) -> None:
        # Events as (kind, text); a bytes session's output stays bytes until
        # it is rendered, so moving data costs no decoding.
        self._events: deque[tuple[str, str | bytes]] = deque()
        self._size = 0  # of the events kept
        self._limit = limit
        self._dropped = 0  # characters of the oldest events let go
        #: Texts sent with secret=True (and added): masked wherever they
        #: would be shown, the child's own output (an echo) included.
        self.secrets: Secrets = Secrets()
        self._secret_numbers: dict[str, int] = {}  # each secret line's SECRET_n
        self._log = log
        self._live = _Renderer(spell=self._spell) if log is not None else None
        self._log_decoder = codecs.getincrementaldecoder("utf-8")("backslashreplace")

    def record_output(self, text: str | bytes) -> None:
        if not text:
            return
        if isinstance(text, bytes) and self._live is None:
            self._append("output", text)  # decoded only if someone renders it
            return
        if isinstance(text, bytes):
            text = self._log_decoder.decode(text)
            if not text:  # the start of a character, so far
                return
        self._append("output", text)
        if self._live is not None:
            self._write_log(self._live.output(text))

    def _append(self, kind: str, text: str | bytes) -> None:
        """Keep an event, letting the oldest go beyond the limit."""
        limit = self._limit
        if limit is not None and len(text) > limit:
            if isinstance(text, str):  # masked before the cut, which could halve a secret
                text = self.mask(text)
            self._dropped += len(text) - limit
            text = text[-limit:]
        self._events.append((kind, text))
        self._size += len(text) + _EVENT_COST
        while limit is not None and self._size > limit and len(self._events) > 1:
            _, old = self._events.popleft()
            self._size -= len(old) + _EVENT_COST
            self._dropped += len(old)

    def record_sent(self, text: str | bytes, *, secret: bool = False) -> None:
        if isinstance(text, bytes) and not secret and self._live is None:
            self._append("sent", text)  # decoded only if someone renders it
            return
        if isinstance(text, bytes):
            if secret:  # as the bytes themselves, not only as shown decoded
                for part in text.split(b"\n"):
                    self.secrets.add(part)
            text = text.decode("utf-8", "backslashreplace")
        if secret and text.endswith("\n") and text.count("\n") == 1 and text != "\n":
            # One secret line: numbered, so a recording can name it ${SECRET_n}.
            # The same value typed twice (a password, then its repetition) is
            # one variable: a replay gives both the same value.
            value = text[:-1]
            self.secrets.add(value)
            number = self._secret_numbers.setdefault(value, len(self._secret_numbers) + 1)
            self._record("secret", str(number))
            return
        if secret:
            for line in text.split("\n"):
                self.secrets.add(line)
            text = "\n".join(MASK if line else "" for line in text.split("\n"))
        self._record("sent", text)

    def mask(self, text: str) -> str:
        """``text`` with every secret sent so far replaced by the mask."""
        return self.secrets.mask(text)

    def _spell(self, line: str) -> str:
        # Masked before it is escaped: an escaped secret is one no longer found.
        return escape_output_line(self.secrets.mask(line))

    def record_directive(self, line: str) -> None:
        self._record("directive", line)

    def _record(self, kind: str, text: str) -> None:
        self._append(kind, text)
        if self._live is not None:
            self._write_log(getattr(self._live, kind)(text))

    def _write_log(self, lines: list[str]) -> None:
        if lines and self._log is not None:
            self._log.write(self.mask("".join(line + "\n" for line in lines)))
            self._log.flush()

    def flush_log(self) -> None:
        """Write an unterminated last output line to the log (at close)."""
        if self._live is not None and self._live.partial:
            self._write_log(self._live._end_prompt())

    def render(self, *, placeholders: bool = False) -> str:
        """The exchange kept in memory, in session-file form.

        With ``placeholders`` (a recording), secret lines read ``>
        ${SECRET_n}`` (with matching ``%secret`` lines) instead of the mask;
        lines sent in clear read as sent; in the output, a secret line's
        value reads ``${SECRET_n}`` where the program shows it back, and any
        other secret or piece of one is a wildcard (a regex line). If older
        events were let go (see ``limit``), a first comment line says how much.
        """
        renderer = _Renderer(spell=self._spell)
        if placeholders:
            # A recording: output that holds a secret typed as SECRET_n is
            # written with ${SECRET_n}, so the replay matches it.
            named = self._named_in_output()
            renderer = _Renderer(True, lambda line: output_line(line, self.secrets, named))
        text = _render(self._events, renderer)
        if self._dropped:
            text = (
                f"# ... {self._dropped} earlier characters not kept"
                " (transcript_limit; log= gets the full record)\n" + text
            )
        if placeholders:
            # A line sent in clear is written as it was sent, even when it
            # holds a value also sent as SECRET_n: the file must say what the
            # program got (the screen showed it). Other secrets stay masked.
            numbered = self._secret_numbers.keys()
            return Secrets(v for v in self.secrets if v not in numbered).mask(text)
        return self.mask(text) if self.secrets else text

    def _named_in_output(self) -> dict[str, str]:
        """The secret lines whose value the output shows as ``${SECRET_n}``
        in a recording: each unless it is also ordinary text of the session
        (sent in clear, or printed before it was sent). Output holding such
        a value may not hold it as the secret (a user name that is also
        the password; a common word): there it is written as a wildcard,
        which the replay matches whatever the value."""
        before: dict[str, str] = {}  # the output before each secret line was first sent
        output: list[str] = []
        clear: list[str] = []
        for kind, text in self._events:
            text = _decode(text) if isinstance(text, bytes) else text
            if kind == "output":
                output.append(text)
            elif kind == "sent":
                clear.append(text)
            elif kind == "secret" and text not in before:
                before[text] = "".join(output)
        named = {}
        for value, number in self._secret_numbers.items():
            alone = Secrets([value])
            seen = [*clear, before.get(str(number), "")]
            if not any(hidden for text in seen for _, hidden in alone.split(text)):
                named[f"SECRET_{number}"] = value
        return named

    @property
    def secret_lines(self) -> int:
        """How many different secret lines were sent (SECRET_1 ... SECRET_n)."""
        return len(self._secret_numbers)

    def tail(self, count: int = 12) -> str:
        """The last ``count`` lines, for error messages: bounded work and size."""
        events: list[tuple[str, str | bytes]] = []
        size = 0
        for event in reversed(self._events):
            events.append(event)
            size += len(event[1])
            if size >= _TAIL_BUDGET:
                break
        # Masked before lines are cut: a cut must not leave part of a secret.
        text = self.mask(_render(reversed(events), _Renderer(spell=self._spell)))
        return "\n".join(_shorten(line) for line in text.splitlines()[-count:])


def _render(events: Iterable[tuple[str, str | bytes]], renderer: _Renderer) -> str:
    decoder = codecs.getincrementaldecoder("utf-8")("backslashreplace")
    lines: list[str] = []
    for kind, text in events:
        if isinstance(text, bytes):  # a bytes session's, kept as it came
            text = decoder.decode(text) if kind == "output" else _decode(text)
        lines.extend(getattr(renderer, kind)(text))
    text = "".join(line + "\n" for line in lines)
    if renderer.partial:
        text += renderer.spell(renderer.partial)
    return text


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "backslashreplace")


def _shorten(line: str) -> str:
    if len(line) <= _TAIL_LINE:
        return line
    return f"{line[:_TAIL_LINE]}... ({len(line) - _TAIL_LINE} more characters)"
