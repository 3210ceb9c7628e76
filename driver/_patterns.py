"""Pattern lists for expect: regexes, exact strings, and the EOF/TIMEOUT entries.

Regexes are searched with the ``regex`` package, not ``re``: one ``re``
search cannot be interrupted (and holds the GIL, so no thread can stop it),
and a pattern that backtracks catastrophically (``(a+)+$``) would hold an
expect far past its deadline. ``regex`` takes a timeout per search (in
CPU time: a starved process overruns by the factor it is starved). Its
syntax is ``re``'s (its default version 0 is compatible); a compiled
``re.Pattern`` is recompiled from its pattern and flags.

What a list compiles to is kept (:func:`compile_patterns`): an expect
repeated in a loop pays no compile.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import AnyStr, Generic, NamedTuple, TypeAlias, TypeGuard, Union, cast

import regex

from ._errors import EOF, Timeout
from ._masking import Secret

# What expect and expect_exact take, for the signatures of the sessions.
# (Union, not |: an alias is evaluated at import, and a | of generics fails on 3.10.)

#: One pattern of an expect, of the kind the session reads (str, or bytes with
#: ``encoding=None``): a regex as text (a :class:`driver.Secret` too, in a
#: text session), a compiled ``re`` or ``regex`` pattern, ``driver.EOF`` or
#: ``driver.TIMEOUT``.
ExpectPattern: TypeAlias = Union[  # noqa: UP007
    AnyStr, re.Pattern[AnyStr], regex.Pattern[AnyStr], type[EOF], type[Timeout]
]
#: What ``expect`` takes: one pattern, or a list or tuple of them (the first
#: to match wins). Typed as a Sequence so that a ``list[str]`` is accepted;
#: only a list or a tuple is read as a list of patterns.
PatternArg: TypeAlias = Union[ExpectPattern[AnyStr], Sequence[ExpectPattern[AnyStr]]]  # noqa: UP007
#: One pattern of an expect_exact: a text, ``driver.EOF`` or ``driver.TIMEOUT``.
ExactPattern: TypeAlias = Union[AnyStr, type[EOF], type[Timeout]]  # noqa: UP007
#: What ``expect_exact`` takes: one pattern, or a list or tuple of them.
ExactPatternArg: TypeAlias = Union[ExactPattern[AnyStr], Sequence[ExactPattern[AnyStr]]]  # noqa: UP007


@dataclass(frozen=True)
class Exact(Generic[AnyStr]):
    """A literal string to find."""

    text: AnyStr

    def show(self, hide: Hide) -> str:
        return repr(hide(self.text))


@dataclass(frozen=True)
class Regex(Generic[AnyStr]):
    """A compiled regular expression to search for."""

    compiled: regex.Pattern[AnyStr]

    @property
    def anchored(self) -> bool:
        """Whether it can match only where the search starts: ``\\A`` first, and
        no ``|`` outside a group (that alternative would match anywhere)."""
        source = self.compiled.pattern
        text = source if isinstance(source, str) else source.decode("latin-1")
        return text.startswith("\\A") and not _top_level_bar(text)

    def show(self, hide: Hide) -> str:
        return show_regex(self.compiled.pattern, int(self.compiled.flags), hide)


#: How a pattern's text is shown in a message: secrets masked before repr
#: escapes them (:meth:`driver._masking.Secrets.hide`).
Hide = Callable[[Union[str, bytes]], Union[str, bytes]]  # noqa: UP007


def _shown_as_is(text: str | bytes) -> str | bytes:
    return text


#: The characters that make a regex's text differ from the text it matches.
_SPECIAL = "\\.^$*+?{}[]()|"


def show_regex(source: str | bytes, flags: int = 0, hide: Hide = _shown_as_is) -> str:
    """A regex as a message shows it: ``re '...'``, or the text it finds when it is
    nothing but text with its special characters escaped (``re.escape()``, a REPL's
    literal prompt), since its escaped form reads as noise: ``'MySQL [shop]> '``.

    ``flags``: the pattern's; ``re`` and ``regex`` share the bits looked at.
    """
    literal = _escaped_text(source, flags)
    if literal is not None:
        return repr(hide(literal))
    return f"re {hide(source)!r}"


def _escaped_text(source: str | bytes, flags: int) -> str | bytes | None:
    """The one text ``source`` matches, if it is text with escaped special
    characters and nothing else; None for any other regex, and for one with
    no escape (shown as written)."""
    if flags & (regex.IGNORECASE | regex.VERBOSE):
        return None  # it finds more than the text, or its blanks mean nothing
    pattern = source if isinstance(source, str) else source.decode("latin-1")
    chars: list[str] = []
    escaped = False
    for char in pattern:
        if escaped:
            if char.isascii() and char.isalnum():
                return None  # \d, \b, \1, \n: a class, an anchor, a reference
            chars.append(char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in _SPECIAL:
            return None
        else:
            chars.append(char)
    if escaped or len(chars) == len(pattern):
        return None
    text = "".join(chars)
    return text if isinstance(source, str) else text.encode("latin-1")


def _top_level_bar(pattern: str) -> bool:
    """Whether ``pattern`` has a ``|`` outside every group and character class."""
    depth = 0
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            return True
    return False


# An entry of a pattern list (Union: a | of generics fails at runtime on 3.10).
Entry = Union[Exact[AnyStr], Regex[AnyStr], type[EOF], type[Timeout]]  # noqa: UP007


def is_sentinel(entry: object) -> TypeGuard[type[EOF] | type[Timeout]]:
    return entry is EOF or entry is Timeout


#: How many compiled pattern lists are kept; past it the oldest goes.
CACHE_SIZE = 256
# (spec's key, exact, kind) -> the entries. Looked up without the lock: a
# dict read is atomic; the lock keeps two misses from evicting at once.
_compiled: dict[tuple[object, ...], tuple[Entry[str], ...] | tuple[Entry[bytes], ...]] = {}
_compiled_lock = threading.Lock()


def compile_patterns(
    spec: object, *, exact: bool, kind: type[AnyStr], hide: Hide = _shown_as_is
) -> tuple[Entry[AnyStr], ...]:
    """Turn what the user passed to expect/expect_exact into a list of entries.

    ``kind`` is ``str`` for a text session, ``bytes`` for a bytes one; a
    pattern of the other kind is a TypeError that says how to fix it.
    ``hide`` masks what an error shows of a pattern.

    The entries of a list that compiled are kept (:data:`CACHE_SIZE` lists)
    and given again for an equal list, unless it holds a
    :class:`driver.Secret`: a secret is not kept past its use.
    """
    items: Sequence[object] = spec if isinstance(spec, (list, tuple)) else (spec,)
    if not items:
        raise ValueError("expect needs at least one pattern; got an empty list")
    key = _key(items)
    if key is not None:
        kept = _compiled.get((key, exact, kind))
        if kept is not None:
            return cast("tuple[Entry[AnyStr], ...]", kept)  # the key holds the kind
    entries = tuple(_compile_one(item, exact=exact, kind=kind, hide=hide) for item in items)
    if key is not None:
        with _compiled_lock:
            if len(_compiled) >= CACHE_SIZE:
                del _compiled[next(iter(_compiled))]  # the oldest (dicts keep order)
            _compiled[(key, exact, kind)] = entries
    return entries


def _key(items: Sequence[object]) -> tuple[object, ...] | None:
    """What an equal list of patterns compiles the same from; None to compile it anew.

    Text is its own key, but only a plain str or bytes: a driver.Secret equals
    its text and compiles to entries that know it is a secret (and it is not
    to be kept). A compiled pattern's key is what it is compiled from: its
    class (for its flags), its text and its flags. Anything else is not kept
    (it may fail to compile, and its message is made each time).
    """
    keys: list[object] = []
    for item in items:
        if type(item) is str or type(item) is bytes or item is EOF or item is Timeout:
            keys.append(item)
        elif isinstance(item, (re.Pattern, regex.Pattern)) and type(item.pattern) in (str, bytes):
            keys.append((type(item), item.pattern, item.flags))
        else:
            return None
    return tuple(keys)


def _compile_one(item: object, *, exact: bool, kind: type[AnyStr], hide: Hide) -> Entry[AnyStr]:
    if is_sentinel(item):
        return item
    if isinstance(item, (re.Pattern, regex.Pattern)) and not exact:
        source = _of_kind(item.pattern, kind, hide)
        try:
            return Regex(regex.compile(source, _regex_flags(item)))
        except regex.error as exc:
            raise ValueError(f"pattern {hide(source)!r} cannot be searched: {exc}") from None
    if isinstance(item, (str, bytes)):
        text = _of_kind(item, kind, hide)
        if exact:
            if not text:
                raise ValueError("expect_exact cannot look for an empty string")
            return Exact(text)
        try:
            return Regex(regex.compile(text))
        except regex.error as exc:
            raise ValueError(f"pattern {hide(text)!r} is not a valid regex: {exc}") from None
    what = "a str" if kind is str else "bytes"
    extra = "" if exact else ", a compiled re.Pattern"
    raise TypeError(
        f"pattern {hide(item) if isinstance(item, (str, bytes)) else item!r} has type"
        f" {type(item).__name__}; expected {what}{extra},"
        " driver.EOF or driver.TIMEOUT"
    )


# re's flags by their regex names: the bits differ (re.ASCII is regex.VERSION1).
_FLAGS = {
    re.IGNORECASE: regex.IGNORECASE,
    re.MULTILINE: regex.MULTILINE,
    re.DOTALL: regex.DOTALL,
    re.VERBOSE: regex.VERBOSE,
    re.ASCII: regex.ASCII,
    re.LOCALE: regex.LOCALE,
}


def _regex_flags(pattern: re.Pattern[AnyStr] | regex.Pattern[AnyStr]) -> int:
    if isinstance(pattern, regex.Pattern):
        return int(pattern.flags)
    flags = 0
    for re_flag, regex_flag in _FLAGS.items():
        if pattern.flags & re_flag:
            flags |= regex_flag
    return flags


def _of_kind(value: str | bytes, kind: type[AnyStr], hide: Hide) -> AnyStr:
    """``value``, if it is of the session's kind."""
    if isinstance(value, kind):
        return value
    if kind is str:
        raise TypeError(
            f"pattern {hide(value)!r} is bytes but this session decodes its output to str;"
            " pass a str pattern, or spawn with encoding=None for a bytes session"
        )
    raise TypeError(
        f"pattern {hide(value)!r} is str but this is a bytes session (encoding=None);"
        " pass a bytes pattern, or spawn with an encoding"
    )


class WrittenAsText(NamedTuple):
    """A regex of a pattern list whose text stands in the output as written."""

    #: Its place in the list.
    position: int
    #: How a message shows it.
    shown: str
    #: The special characters of its text; none for a secret.
    special: list[str]
    #: Its text, for the fix a hint names; None for a secret.
    text: str | bytes | None


def regex_written_as_text(
    entries: Sequence[Entry[AnyStr]], output: AnyStr, hide: Hide = _shown_as_is
) -> WrittenAsText | None:
    """The regex entry whose text stands in ``output`` as written, if one does.

    Asked once the wait failed, so that regex did not match there: its text
    was meant as plain text (``expect("Continue? [y/N] ")``).
    """
    for index, entry in enumerate(entries):
        if not isinstance(entry, Regex) or not entry.compiled.pattern:
            continue
        source = entry.compiled.pattern
        if source not in output:
            continue
        # A secret's special characters would tell something about it.
        if isinstance(source, Secret) or hide(source) != source:
            return WrittenAsText(index, entry.show(hide), [], None)
        return WrittenAsText(index, entry.show(hide), _special_characters(source), source)
    return None


def _special_characters(source: str | bytes) -> list[str]:
    """The special characters ``source`` holds, each once, in order."""
    text = source if isinstance(source, str) else source.decode("latin-1")
    return [char for char in dict.fromkeys(text) if char in _SPECIAL]


def describe(entries: Sequence[Entry[AnyStr]], hide: Hide = _shown_as_is) -> str:
    """The pattern list as a person would write it, for error messages."""
    names = [
        e.show(hide) if isinstance(e, (Exact, Regex)) else "driver.EOF" if e is EOF
        else "driver.TIMEOUT"
        for e in entries
    ]  # fmt: skip
    return names[0] if len(names) == 1 else "any of [" + ", ".join(names) + "]"
