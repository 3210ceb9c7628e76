"""Terminal escape sequences taken out of output text, fed in pieces (sans-I/O).

For :class:`driver._core.OutputBuffer` with ``strip_ansi``: a line program
that colours its output whatever it is connected to splits the words a
test looks for with codes.
"""

from __future__ import annotations

import re
from typing import AnyStr, Generic, cast

#: A string sequence (OSC, DCS, SOS, PM, APC) still unfinished after this
#: many characters is not one: what was held back is released as text, so a
#: stray ``ESC ]`` cannot swallow the output (see :class:`EscapeFilter`).
#: Hyperlinks and titles are long, so this is generous; a control character
#: ends a stray string much sooner.
_ESCAPE_LIMIT = 4096

#: The same for every other sequence (CSI, nF, two characters): real ones are
#: short (xterm keeps 30 parameters, each a few digits and a separator).
_SHORT_ESCAPE_LIMIT = 128

# The grammar EscapeFilter follows, as one regex: what it removes from a
# whole output no longer than its limits is what this pattern's sub removes.
# A string holds no control character but BEL (which ends an OSC): a stray
# ESC ] is over at the end of its line, not 4096 characters later.
_ESCAPE_SEQUENCE = (
    r"\x1b(?:"
    r"\[[0-?]*[ -/]*[@-~]"  # CSI
    r"|\][^\x00-\x1f]*(?:\x07|\x1b\\)"  # OSC, ended by BEL or ST
    r"|[PX^_][^\x00-\x06\x08-\x1f]*\x1b\\"  # DCS, SOS, PM, APC, ended by ST
    r"|[ -/]+[0-~]"  # nF: charset designations (ESC ( B) and the like
    r"|[0-OQ-WYZ\\`-~]"  # a final alone: ESC 7, ESC =, ESC M, ESC c...
    r")"
)

# EscapeFilter's states: in plain text; after ESC (and any intermediate
# bytes); inside a CSI; inside an OSC/DCS/SOS/PM/APC string; after an ESC in
# such a string (the first half of the terminator ST, ``ESC \``, or not).
_TEXT, _ESC, _CSI, _STRING, _STRING_ESC = range(5)


def _cooked(text: str, as_bytes: bool) -> str | bytes:
    """``text`` as a filter of bytes (latin-1: each character one byte) or of str has it."""
    return text.encode("latin-1") if as_bytes else text


def _chars(first: int, last: int, but: str = "") -> str:
    return "".join(c for c in map(chr, range(first, last + 1)) if c not in but)


class EscapeFilter(Generic[AnyStr]):
    r"""Removes terminal escape sequences from decoded text, fed in pieces.

    Some line programs colour their output whatever it is connected to
    (``grep --color=always``, ``ls --color=always``, progress bars): the
    codes split the words a test looks for, so a buffer made with
    ``strip_ansi`` passes its text through one of these first. Removed are
    the 7-bit forms of ECMA-48 (``_ESCAPE_SEQUENCE`` as a regex), each an
    ESC and then:

    - CSI (colours, cursor moves): ``[``, parameters ``[0-?]*``,
      intermediates ``[ -/]*``, a final ``[@-~]``;
    - OSC (titles, hyperlinks): ``]``, anything but a C0 control
      character (ESC, BEL, newline...), then BEL or ST (``ESC \``);
    - DCS, SOS, PM, APC: one of ``P X ^ _``, anything but a C0 control
      character other than BEL, then ST;
    - charset designations and the like: intermediates ``[ -/]+`` and a
      final ``[0-~]`` (``ESC ( B``, ``ESC ) 0``, ``ESC # 8``);
    - two characters: a final ``[0-~]`` not named above (``ESC 7``,
      ``ESC =``, ``ESC M``, ``ESC c``).

    The result is what ``re.sub`` with that grammar gives over the whole
    output: an ESC that begins no sequence stays text, and the scan goes on
    after it. A sequence cut by the end of a feed is held back until it
    completes or proves not to be one, so the chunking never changes the
    result; a string (OSC, DCS, SOS, PM, APC) still unfinished after
    ``limit`` characters, any other after ``short_limit``, and whatever is
    held at the end of the output (:meth:`finish`), is released as text.
    (ECMA-48 lets a command string hold ``\b`` to ``\r`` too; titles and
    links do not, and a newline ending a stray string is what lets the next
    line be read.) Each character is
    looked at no more than twice (a sequence whole by the regex, then if need
    be in parts, runs of text or of a sequence's body by ``find`` or a regex),
    and held text is never scanned again. The 8-bit C1 forms
    (``\x9b`` for CSI) are left alone: in a bytes session 0x9b is also a
    UTF-8 continuation byte. ``\r`` is no escape sequence and stays.

    An ``EscapeFilter[str]`` filters text, an ``EscapeFilter[bytes]`` bytes
    (``kind``).
    """

    def __init__(
        self,
        kind: type[AnyStr],
        limit: int = _ESCAPE_LIMIT,
        short_limit: int = _SHORT_ESCAPE_LIMIT,
    ) -> None:
        if short_limit < 2:
            # The ESC that begins a string is looked at under short_limit too.
            raise ValueError(f"EscapeFilter: short_limit={short_limit!r}; it must be 2 or more")
        as_bytes = not issubclass(kind, str)

        def cook(text: str) -> AnyStr:
            return cast(AnyStr, _cooked(text, as_bytes))

        self._empty: AnyStr = cook("")
        self._esc: AnyStr = cook("\x1b")
        self._bel: AnyStr = cook("\x07")
        self._st_final: AnyStr = cook("\\")
        self._intermediate: AnyStr = cook(_chars(0x20, 0x2F))
        self._parameter: AnyStr = cook(_chars(0x30, 0x3F))
        self._csi_final: AnyStr = cook(_chars(0x40, 0x7E))
        self._nf_final: AnyStr = cook(_chars(0x30, 0x7E))
        self._single_final: AnyStr = cook(_chars(0x30, 0x7E, but="[]PX^_"))
        self._string_start: AnyStr = cook("PX^_")
        self._any_string_start: AnyStr = cook("]PX^_")
        self._csi_start: AnyStr = cook("[")
        self._osc_start: AnyStr = cook("]")
        self._whole: re.Pattern[AnyStr] = re.compile(cook(_ESCAPE_SEQUENCE))
        # Runs of a sequence's body, each matched at once (they match empty too).
        self._intermediates_run: re.Pattern[AnyStr] = re.compile(cook("[ -/]*"))
        self._parameters_run: re.Pattern[AnyStr] = re.compile(cook("[0-?]*"))
        self._osc_run: re.Pattern[AnyStr] = re.compile(cook("[^\\x00-\\x1f]*"))
        self._string_run: re.Pattern[AnyStr] = re.compile(cook("[^\\x00-\\x06\\x08-\\x1f]*"))
        self._limit = limit
        self._short_limit = short_limit
        self._state = _TEXT
        self._held: list[AnyStr] = []  # the unfinished sequence, from its ESC
        self._held_length = 0
        # In _ESC/_CSI: an intermediate byte came (only a final may follow).
        # In _STRING/_STRING_ESC: the string is an OSC (BEL ends it too).
        self._flag = False

    def feed(self, text: AnyStr) -> AnyStr:
        """The text of ``text`` with the escape sequences it completes removed."""
        if self._state == _TEXT and self._esc not in text:
            return text
        out: list[AnyStr] = []
        self._scan(text, out)
        return self._empty.join(out)

    @property
    def held(self) -> AnyStr:
        """What is held back now: the start of a sequence not yet ended."""
        return self._empty.join(self._held)

    def finish(self) -> AnyStr:
        """The end of the output: what was held back, released as text."""
        held = self._empty.join(self._held)
        self._held, self._held_length, self._state = [], 0, _TEXT
        return held

    @staticmethod
    def _run_end(run: re.Pattern[AnyStr], s: AnyStr, i: int) -> int:
        """Where the run of ``run``'s characters from ``i`` ends."""
        found = run.match(s, i)
        assert found is not None  # a run matches the empty string too
        return found.end()

    def _scan(self, s: AnyStr, out: list[AnyStr]) -> None:
        n = len(s)
        i = 0
        start = 0  # where in ``s`` the sequence under way begins (after what is held)
        state, flag = self._state, self._flag
        while True:
            if state == _TEXT:
                at = s.find(self._esc, i)
                if at < 0:
                    out.append(s[i:])
                    break
                out.append(s[i:at])
                # The usual case, a whole sequence, at once; the steps below
                # take it one part at a time (and one cut by the feed's end).
                whole = self._whole.match(s, at)
                if whole is not None:
                    string = s[at + 1 : at + 2] in self._any_string_start  # a whole has 2+
                    if whole.end() - at <= (self._limit if string else self._short_limit):
                        i = whole.end()
                        continue
                state, flag, start, i = _ESC, False, at, at + 1
                continue
            # A run may take a sequence past the limit: it fails here, and the
            # characters past the limit are text either way (no ESC in a run).
            length = self._held_length + i - start
            limit = self._limit if state in (_STRING, _STRING_ESC) else self._short_limit
            c: AnyStr | None = None  # the next character; None: too long to be a sequence
            if length < limit:
                if i == n:
                    break  # the sequence goes on in the next feed
                c = s[i : i + 1]
            done = False  # ``c`` ends a whole sequence
            if c is None:
                pass
            elif state == _ESC:
                if c in self._intermediate:
                    flag = True
                    i = self._run_end(self._intermediates_run, s, i)
                    continue
                if flag:
                    done = c in self._nf_final
                elif c == self._csi_start:
                    state, i = _CSI, i + 1
                    continue
                elif c == self._osc_start or c in self._string_start:
                    state, flag, i = _STRING, c == self._osc_start, i + 1
                    continue
                else:
                    done = c in self._single_final
            elif state == _CSI:
                if not flag and c in self._parameter:
                    i = self._run_end(self._parameters_run, s, i)
                    continue
                if c in self._intermediate:
                    flag = True
                    i = self._run_end(self._intermediates_run, s, i)
                    continue
                done = c in self._csi_final
            elif state == _STRING:
                if c == self._esc:
                    state, i = _STRING_ESC, i + 1
                    continue
                if flag and c == self._bel:
                    done = True
                else:
                    end = self._run_end(self._osc_run if flag else self._string_run, s, i)
                    if end > i:
                        i = end
                        continue
                    # A control character no string holds: it was not one.
            else:  # _STRING_ESC
                done = c == self._st_final
            if done:  # a whole sequence: dropped
                self._held, self._held_length = [], 0
                state, i = _TEXT, i + 1
                continue
            # Not a sequence: what was held back, and ``s`` up to ``i``, are
            # text; the scan goes on at ``i``. Only an ESC that ended the held
            # part can begin another sequence, so it alone is looked at again.
            out.extend(self._held)
            self._held, self._held_length = [], 0
            if state != _STRING_ESC:
                out.append(s[start:i])
                state = _TEXT
            elif i > start:
                out.append(s[start : i - 1])
                state, flag, start = _ESC, False, i - 1
            else:  # that ESC came in an earlier feed
                out[-1] = out[-1][:-1]
                self._held, self._held_length = [self._esc], 1
                state, flag, start = _ESC, False, i
        # Never an empty piece (a read that ended inside a UTF-8 character
        # gives ""): the held part's last piece must end with its last
        # character, which the _STRING_ESC branch above takes back.
        if state != _TEXT and start < n:
            self._held.append(s[start:])
            self._held_length += n - start
        self._state, self._flag = state, flag
