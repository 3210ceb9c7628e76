"""The spawn options, declared once: names, types, defaults, docs and checks.

:class:`StreamOptions` are what any session takes (how its output is read
and recorded); :class:`SpawnOptions` add what starting a program takes.
Every entry point (:func:`driver.spawn`, :func:`driver.aspawn`,
:func:`driver.attach`, :class:`driver.Repl` and the profiles,
:func:`driver.run`, the pytest fixtures, :mod:`driver.pexpect`) takes its
options as ``**options: Unpack[SpawnOptions]`` and hands them to
:func:`resolve`, which fills in the defaults and checks every value before
anything starts. Adding an option is its line in a TypedDict below, its
default and check in :data:`_DEFAULTS`/:data:`_CHECKS`, and the code that
uses it; a test walks this module and every entry point.

``encoding`` stays a parameter of its own in each signature: it decides
whether the session is one of ``str`` or of ``bytes``, which the type
checker learns from the overloads.
"""

from __future__ import annotations

import codecs
import difflib
import os
from collections.abc import Callable, Mapping
from typing import Any, Literal, TextIO, TypedDict

from ._deadline import check_timeout
from ._host import Host, check_host
from ._transcript import DEFAULT_LIMIT
from .backends._descendants import findable
from .terminal import DEFAULT_WINDOW_SIZE

#: How bytes reach the child: pipes, or a pseudo-terminal.
BackendName = Literal["pipe", "pty"]
#: Where a piped child's stderr goes.
StderrMode = Literal["stdout", "pipe", "devnull", "inherit"]
#: What close() ends besides the child.
CloseEnds = Literal["descendants", "group"]

BACKENDS: tuple[BackendName, ...] = ("pipe", "pty")
STDERR_MODES: tuple[StderrMode, ...] = ("stdout", "pipe", "devnull", "inherit")
CLOSE_ENDS: tuple[CloseEnds, ...] = ("descendants", "group")


class StreamOptions(TypedDict, total=False):
    """The options of any session, spawned or attached.

    Attributes:
        timeout: default deadline in seconds of every read, expect, wait
            and blocked send; None waits forever. Default 10.
        errors: decoding error handler; with ``"strict"`` (the default) bad
            output raises :class:`driver.DecodeError`.
        log: a text file that receives the transcript live, line by line.
        newline: ``None`` (the default) reads ``\\r\\n`` as ``\\n`` in a
            text session; ``""`` keeps line ends as they came. A bytes
            session never changes a byte.
        transcript_limit: how many characters of the exchange the
            transcript keeps in memory, the most recent (default 1 MiB);
            None keeps it all. ``log`` gets the full record either way.
            A screen session keeps as much of its output not consumed.
        strip_ansi: remove terminal escape sequences (colours, cursor
            moves, titles) from the output that reads and expects see, for
            a line program that colours whatever ``TERM`` says.
    """

    timeout: float | None
    errors: str
    log: TextIO | None
    newline: Literal[""] | None
    transcript_limit: int | None
    strip_ansi: bool


class SpawnOptions(StreamOptions, total=False):
    """The options of :func:`driver.spawn` and every entry point that starts
    a program, besides ``encoding``; those of :class:`StreamOptions` too.

    Attributes:
        backend: ``"pipe"`` (the default) or ``"pty"`` for a program that
            needs a terminal (prompts with getpass, line-buffers only on a
            tty, ...).
        cwd: the child's working directory, as for :class:`subprocess.Popen`.
        env: variables added to the child's environment, which is this
            process's (and, with ``quiet``, the quiet variables over it):
            ``env={"LANG": "C.UTF-8"}`` sets ``LANG`` and keeps the rest; a
            value of None removes that variable. Every entry point takes it
            so. Unlike :class:`subprocess.Popen`, where ``env`` is the whole
            environment: for that, add ``inherit_env=False``.
        inherit_env: False starts the child from an empty environment
            instead of this process's (then the quiet variables, then
            ``env``), as :class:`subprocess.Popen` does given ``env``.
        stderr: ``"stdout"`` (merged, the default), ``"pipe"`` (read it
            from ``session.stderr``), ``"devnull"`` or ``"inherit"``. On a
            pty stderr is always the terminal.
        echo: pty only: let the terminal echo what is sent (off by default,
            so ``read_line`` returns the child's replies, not your input).
        dimensions: pty only: (rows, cols) of the terminal, default (24, 80).
        ignore_signals: signals the child starts with ignored, say
            ``(signal.SIGHUP,)`` for one that must outlive its terminal (as
            ``nohup``). Every other signal starts at its default.
        screen: pty only: keep the terminal's screen
            (:attr:`Session.screen`), for a full-screen program; the child
            gets ``TERM=xterm``. Needs pyte: ``pip install 'linedriver[screen]'``.
        quiet: start the program in the quiet environment
            (:data:`driver.environment.QUIET`): a dumb terminal
            (``TERM=dumb``), ``NO_COLOR=1``, a readline set-up without
            bracketed paste, Python's basic REPL, no pager (``PAGER=cat``,
            ``GIT_PAGER=cat``...); set over this process's environment,
            beneath ``env`` (``env={"TERM": "xterm"}`` puts one back). True
            by default at every entry point (``spawn``, ``aspawn``,
            ``driver.run``, the REPLs, session files, ``driver record``, the
            pytest fixtures); ``quiet=False`` passes the environment as it
            is, as ``driver.pexpect`` does. A screen session's child gets
            ``TERM=xterm`` either way.
        close_ends: what ``close()`` ends besides the child.
            ``"descendants"`` (the default on Linux): every process the
            child started, at any depth, wherever it went: its process
            group, a group of its own, a new session (``setsid``, a daemon's
            double fork). Those outside the group are found by a mark in the
            environment (``DRIVER_SESSION``), so one that clears or
            overwrites its environment escapes. ``"group"`` (the default
            where there is no ``/proc``): the child's process group only, so
            a daemon the child starts on purpose keeps running. A program on
            a ``host`` is ended through its SSH channel either way.
        host: run the program on another machine, over SSH:
            ``"user@name:port"`` or a :class:`driver.Host` (keys, password,
            host keys, limits); None (the default) runs it here. Needs
            asyncssh: ``pip install 'linedriver[ssh]'``. ``argv`` reaches
            the remote program as the list it is; ``env`` is set over the
            remote login's environment, ``cwd`` is a remote directory.
            ``backend="pty"`` asks the server for a terminal.
    """

    backend: BackendName
    cwd: str | os.PathLike[str] | None
    env: Mapping[str, str | None] | None
    inherit_env: bool
    stderr: StderrMode
    echo: bool
    dimensions: tuple[int, int]
    ignore_signals: tuple[int, ...]
    screen: bool
    quiet: bool
    close_ends: CloseEnds
    host: Host | str | None


#: Every option's default: what an option not given is.
_DEFAULTS: SpawnOptions = {
    "timeout": 10.0,
    "errors": "strict",
    "log": None,
    "newline": None,
    "transcript_limit": DEFAULT_LIMIT,
    "strip_ansi": False,
    "backend": "pipe",
    "cwd": None,
    "env": None,
    "inherit_env": True,
    "stderr": "stdout",
    "echo": False,
    "dimensions": DEFAULT_WINDOW_SIZE,
    "ignore_signals": (),
    "screen": False,
    "quiet": True,
    "close_ends": "descendants" if findable() else "group",
    "host": None,
}

#: The names of :class:`StreamOptions` and of :class:`SpawnOptions`.
STREAM_OPTION_NAMES = frozenset(StreamOptions.__annotations__)
SPAWN_OPTION_NAMES = frozenset(SpawnOptions.__annotations__) | STREAM_OPTION_NAMES


def defaults() -> SpawnOptions:
    """A copy of every option's default."""
    return _DEFAULTS.copy()


def resolve(
    encoding: str | None,
    given: Mapping[str, Any],
    *,
    entry: str = "spawn",
    names: frozenset[str] = SPAWN_OPTION_NAMES,
) -> SpawnOptions:
    """Every option, ``given`` or default, each checked; before anything starts.

    Args:
        encoding: the session's encoding, checked with ``errors``.
        given: the options as the caller passed them.
        entry: the entry point, for messages (``"spawn"``, ``"attach"``...).
        names: the options ``entry`` takes.

    Raises:
        TypeError: an option ``entry`` does not take, or a value of the wrong type.
        ValueError: a value out of range, or options that do not go together.
    """
    for name in given:
        if name not in names:
            raise TypeError(_unknown_option(entry, name, names))
    options: dict[str, Any] = {**_DEFAULTS, **given}
    for name in given:
        options[name] = _CHECKS[name](options[name])
    _check_together(encoding, options)
    return options  # type: ignore[return-value]


def _unknown_option(entry: str, name: str, names: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1)
    if close:
        return f"{entry}() got an unknown option {name!r}; did you mean {close[0]!r}?"
    if name in SPAWN_OPTION_NAMES:
        return f"{entry}() does not take {name!r}: it starts no program"
    known = ", ".join(sorted(names))
    return f"{entry}() got an unknown option {name!r}; it takes {known}, and encoding"


def _check_together(encoding: str | None, options: dict[str, Any]) -> None:
    """What one option says about another."""
    if encoding is not None:
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ValueError(
                f"encoding={encoding!r} is not a codec Python knows (for example 'utf-8',"
                " 'latin-1'); use encoding=None for a bytes session"
            ) from None
    if options["backend"] == "pty" and options["stderr"] != "stdout":
        raise ValueError(
            f"stderr={options['stderr']!r} needs the pipe backend: on a pty, stderr is the terminal"
        )
    if options["screen"]:
        if options["backend"] != "pty":
            raise ValueError(
                f"screen=True needs backend='pty' (got {options['backend']!r}): a screen is"
                " what a terminal shows"
            )
        if options["errors"] == "strict":
            # The screen shows a byte that is not UTF-8 as a terminal does (as
            # U+FFFD): the text reads see it the same way, not as an error.
            options["errors"] = "replace"


# -- each option's check: it returns the value to keep, or raises ------------------


def _one_of(name: str, allowed: tuple[str, ...]) -> Callable[[object], object]:
    def check(value: object) -> object:
        if value not in allowed:
            choices = ", ".join(repr(choice) for choice in allowed)
            raise ValueError(f"{name}={value!r} is not one of {choices}")
        return value

    return check


def _flag(name: str) -> Callable[[object], object]:
    def check(value: object) -> object:
        if not isinstance(value, bool):
            raise TypeError(f"{name}={value!r}: expected True or False")
        return value

    return check


def _check_errors(errors: object) -> object:
    try:
        codecs.lookup_error(errors)  # type: ignore[arg-type]
    except (LookupError, TypeError):
        raise ValueError(
            f"errors={errors!r} is not an error handler Python knows"
            " ('strict', 'replace', 'backslashreplace', 'ignore', ...)"
        ) from None
    return errors


def _check_log(log: object) -> object:
    if log is not None and not callable(getattr(log, "write", None)):
        raise TypeError(
            f"log={log!r}: expected a text file open for writing (sys.stdout, open(path, 'w'))"
        )
    return log


def _check_newline(newline: object) -> object:
    if newline not in (None, ""):
        raise ValueError(
            f"newline={newline!r}: expected None (\\r\\n read as \\n) or '' (line ends"
            " kept as they came)"
        )
    return newline


def _check_transcript_limit(limit: object) -> object:
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(
            f"transcript_limit={limit!r}: expected how many characters of the exchange to"
            " keep in memory (a positive int), or None for all"
        )
    return limit


def _check_dimensions(dimensions: object) -> object:
    from .backends._spawn import check_dimensions

    check_dimensions(dimensions)
    return dimensions


def _check_ignore_signals(signals: object) -> tuple[int, ...]:
    from .backends._spawn import check_ignored_signals

    return check_ignored_signals(signals)


def _check_close_ends(close_ends: object) -> object:
    _one_of("close_ends", CLOSE_ENDS)(close_ends)
    if close_ends == "descendants" and not findable():
        raise ValueError(
            "close_ends='descendants' needs /proc (Linux) to find the processes the child"
            " started outside its process group, and this system has none; pass"
            " close_ends='group' (close ends the child's process group)"
        )
    return close_ends


def _as_given(value: object) -> object:
    """Checked where it is used (cwd and env by the backend, before the fork)."""
    return value


_CHECKS: dict[str, Callable[[Any], Any]] = {
    "timeout": check_timeout,
    "errors": _check_errors,
    "log": _check_log,
    "newline": _check_newline,
    "transcript_limit": _check_transcript_limit,
    "strip_ansi": _flag("strip_ansi"),
    "backend": _one_of("backend", BACKENDS),
    "cwd": _as_given,
    "env": _as_given,
    "inherit_env": _flag("inherit_env"),
    "stderr": _one_of("stderr", STDERR_MODES),
    "echo": _flag("echo"),
    "dimensions": _check_dimensions,
    "ignore_signals": _check_ignore_signals,
    "screen": _flag("screen"),
    "quiet": _flag("quiet"),
    "close_ends": _check_close_ends,
    "host": check_host,
}
