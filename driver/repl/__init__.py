"""driver.repl: run commands in a REPL and get their own output back, or an error.

A REPL is driven by its prompts: send a line, wait for the prompt, and what
came before it is the output. :class:`Repl` does this for any REPL; the
profiles here (:func:`python`, :func:`bash`, :func:`sh`, :func:`sqlite3`,
:func:`node`, :func:`psql`, :func:`gdb`, :func:`pdb` and their ``a``-named
asyncio twins) set each program up so that it cannot be misread.

Each profile takes the program's extra arguments, ``executable=`` to run
another build of it, ``session=`` to take over a session already running
(a remote bash over ssh, say: the profile sets it up the same way), ``env``,
``quiet`` and the options of :func:`driver.spawn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from ..aio import AsyncSession
from ..session import Session
from . import _profiles
from ._exchange import IncompleteCommand, OutOfStep
from ._shells import AsyncRepl, Repl

__all__ = [
    "AsyncRepl",
    "IncompleteCommand",
    "OutOfStep",
    "Repl",
    "abash",
    "agdb",
    "anode",
    "apdb",
    "apsql",
    "apython",
    "ash",
    "asqlite3",
    "bash",
    "gdb",
    "node",
    "pdb",
    "psql",
    "python",
    "sh",
    "sqlite3",
]

Options = Any  # the options of driver.spawn, with env= and quiet=
F = TypeVar("F", bound=Callable[..., Any])

# What every profile's docstring ends with: its own arguments come first.
_COMMON_ARGS = {
    Repl: """
        executable: another build of the program to run.
        session: a session already running (a remote shell over ``ssh``,
            say) to set up and drive instead of starting one.
        **options: ``env`` (the environment; the quiet settings are added
            unless ``quiet=False``), ``quiet`` (default True: a dumb
            terminal, no colour), and the options of
            :func:`driver.spawn` (``timeout``, ``cwd``, ``backend``...).

    Returns:
        The :class:`driver.Repl`, started and at its prompt.

    Raises:
        driver.SpawnError: the program cannot start.
        driver.Timeout: its first prompt did not come in time.
        driver.EOF: it exited before its first prompt.
""",
    AsyncRepl: """
        executable: another build of the program to run.
        session: an :class:`driver.AsyncSession` already running, to set up
            and drive instead of starting one.
        **options: ``env`` (the environment; the quiet settings are added
            unless ``quiet=False``), ``quiet`` (default True: a dumb
            terminal, no colour), and the options of
            :func:`driver.spawn` (``timeout``, ``cwd``, ``backend``...).

    Returns:
        The :class:`driver.AsyncRepl`, not yet started: ``async with`` it
        (or ``await repl.start()``).
""",
}


def _profile(kind: type[Repl | AsyncRepl]) -> Callable[[F], F]:
    """Ends a profile's docstring with the arguments and results all profiles share."""

    def document(function: F) -> F:
        function.__doc__ = (function.__doc__ or "").rstrip() + _COMMON_ARGS[kind]
        return function

    return document


def _sync(profile: _profiles.Profile, session: Session[str] | None, options: Options) -> Repl:
    env = options.pop("env", None)
    quiet = options.pop("quiet", True)
    return profile.start(Repl, session, env, quiet, options)


def _async(
    profile: _profiles.Profile, session: AsyncSession[str] | None, options: Options
) -> AsyncRepl:
    env = options.pop("env", None)
    quiet = options.pop("quiet", True)
    return profile.start(AsyncRepl, session, env, quiet, options)


@_profile(Repl)
def python(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """Python's REPL (this interpreter unless ``executable``; ``args`` after ``-i``).

    Args:
        *args: more arguments, after ``-i`` (a script to run first, say).
    """
    return _sync(_profiles.python(executable, args), session, options)


@_profile(Repl)
def bash(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """An interactive bash without startup files or line editing.

    Args:
        *args: more arguments for bash, after ``-i``.
    """
    return _sync(_profiles.bash(executable, args), session, options)


@_profile(Repl)
def sh(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """An interactive POSIX sh.

    Args:
        *args: more arguments for sh, after ``-i``.
    """
    return _sync(_profiles.sh(executable, args), session, options)


@_profile(Repl)
def sqlite3(
    database: str = ":memory:",
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """The sqlite3 shell on ``database`` (in memory by default).

    Args:
        database: the database file, or ``:memory:``.
        *args: more arguments for sqlite3, before ``database``.
    """
    return _sync(_profiles.sqlite3(executable, args, database), session, options)


@_profile(Repl)
def node(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """A Node.js REPL.

    Args:
        *args: more arguments for node (before its ``-e``).
    """
    return _sync(_profiles.node(executable, args), session, options)


@_profile(Repl)
def psql(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """psql, with ``args`` saying where to connect (``-h``, ``-d``...): no pager, no readline.

    Args:
        *args: where to connect and how (``-h``, ``-d``, ``-U``...).
    """
    return _sync(_profiles.psql(executable, args), session, options)


@_profile(Repl)
def gdb(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """gdb, with ``args`` naming the program: no pagination, confirmation or styling.

    Args:
        *args: the program to debug, and more arguments for gdb.
    """
    return _sync(_profiles.gdb(executable, args), session, options)


@_profile(Repl)
def pdb(
    script: str,
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Options,
) -> Repl:
    """``script`` under pdb, stopped at its first line; ``args`` are its arguments.

    Args:
        script: the Python file to debug.
        *args: its arguments.
    """
    return _sync(_profiles.pdb(executable, [script, *args]), session, options)


@_profile(AsyncRepl)
def apython(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`python` for asyncio: ``async with driver.repl.apython() as py``.

    Args:
        *args: more arguments, after ``-i`` (a script to run first, say).
    """
    return _async(_profiles.python(executable, args), session, options)


@_profile(AsyncRepl)
def abash(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`bash` for asyncio.

    Args:
        *args: more arguments for bash, after ``-i``.
    """
    return _async(_profiles.bash(executable, args), session, options)


@_profile(AsyncRepl)
def ash(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`sh` for asyncio.

    Args:
        *args: more arguments for sh, after ``-i``.
    """
    return _async(_profiles.sh(executable, args), session, options)


@_profile(AsyncRepl)
def asqlite3(
    database: str = ":memory:",
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`sqlite3` for asyncio.

    Args:
        database: the database file, or ``:memory:``.
        *args: more arguments for sqlite3, before ``database``.
    """
    return _async(_profiles.sqlite3(executable, args, database), session, options)


@_profile(AsyncRepl)
def anode(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`node` for asyncio.

    Args:
        *args: more arguments for node (before its ``-e``).
    """
    return _async(_profiles.node(executable, args), session, options)


@_profile(AsyncRepl)
def apsql(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`psql` for asyncio.

    Args:
        *args: where to connect and how (``-h``, ``-d``, ``-U``...).
    """
    return _async(_profiles.psql(executable, args), session, options)


@_profile(AsyncRepl)
def agdb(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`gdb` for asyncio.

    Args:
        *args: the program to debug, and more arguments for gdb.
    """
    return _async(_profiles.gdb(executable, args), session, options)


@_profile(AsyncRepl)
def apdb(
    script: str,
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Options,
) -> AsyncRepl:
    """:func:`pdb` for asyncio.

    Args:
        script: the Python file to debug.
        *args: its arguments.
    """
    return _async(_profiles.pdb(executable, [script, *args]), session, options)
