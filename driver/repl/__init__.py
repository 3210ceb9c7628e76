"""driver.repl: run commands in a REPL and get their own output back, or an error.

A REPL is driven by its prompts: send a line, wait for the prompt, and what
came before it is the output. :class:`Repl` does this for any REPL; the
profiles here (:func:`python`, :func:`bash`, :func:`sh`, :func:`zsh`,
:func:`sqlite3`, :func:`node`, :func:`psql`, :func:`gdb`, :func:`pdb`,
:func:`tclsh` and their ``a``-named asyncio twins) set each program up so
that it cannot be misread.

Each profile takes the program's extra arguments, ``executable=`` to run
another build of it, ``session=`` to take over a session already running
(a remote bash over ssh, say: the profile sets it up the same way), ``env``
(added to the environment, as everywhere), ``quiet`` and the options of
:func:`driver.spawn`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from ..aio import AsyncSession
from ..session import Session
from . import _profiles
from ._exchange import IncompleteCommand, OutOfStep
from ._shells import AsyncRepl, Repl

if TYPE_CHECKING:
    from typing_extensions import Unpack  # typing.Unpack from Python 3.11

    from .. import SpawnOptions

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
    "atclsh",
    "azsh",
    "bash",
    "gdb",
    "node",
    "pdb",
    "psql",
    "python",
    "sh",
    "sqlite3",
    "tclsh",
    "zsh",
]

F = TypeVar("F", bound=Callable[..., Any])

# What every profile's docstring ends with: its own arguments come first.
_COMMON_ARGS = {
    Repl: """
        executable: another build of the program to run.
        session: a session already running (a remote shell over ``ssh``,
            say) to set up and drive instead of starting one; of the
            options it takes ``timeout`` alone.
        **options: the options of :func:`driver.spawn`
            (:class:`driver.SpawnOptions`); as for :class:`driver.Repl`,
            ``backend="pty"`` by default (and ``quiet=True``). ``env`` adds
            to the environment; what the program needs set goes over it.

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
            and drive instead of starting one; of the options it takes
            ``timeout`` alone.
        **options: the options of :func:`driver.spawn`
            (:class:`driver.SpawnOptions`); as for :class:`driver.Repl`,
            ``backend="pty"`` by default (and ``quiet=True``). ``env`` adds
            to the environment; what the program needs set goes over it.

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


def _sync(profile: _profiles.Profile, session: Session[str] | None, options: SpawnOptions) -> Repl:
    return profile.start(Repl, session, options)


def _async(
    profile: _profiles.Profile, session: AsyncSession[str] | None, options: SpawnOptions
) -> AsyncRepl:
    return profile.start(AsyncRepl, session, options)


@_profile(Repl)
def python(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> Repl:
    """Python's REPL (this interpreter unless ``executable``, on a ``host`` its
    ``python3``; ``args`` after ``-i``).

    Args:
        *args: more arguments, after ``-i`` (a script to run first, say).
    """
    return _sync(_profiles.python(executable, args), session, options)


@_profile(Repl)
def bash(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> Repl:
    """An interactive POSIX sh.

    Args:
        *args: more arguments for sh, after ``-i``.
    """
    return _sync(_profiles.sh(executable, args), session, options)


@_profile(Repl)
def zsh(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> Repl:
    """An interactive zsh without startup files or its line editor (zle).

    Args:
        *args: more arguments for zsh, after ``-i``.
    """
    return _sync(_profiles.zsh(executable, args), session, options)


@_profile(Repl)
def tclsh(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> Repl:
    """tclsh, Tcl's shell; ``args`` are its arguments.

    ^C kills tclsh, so a command Tcl would wait to complete (an open brace,
    bracket or quote: ``info complete``) raises :class:`IncompleteCommand`
    unsent, and a command that outlasts its timeout leaves a tclsh that the
    next :meth:`~driver.Repl.run` interrupts, which ends it (a
    :class:`driver.EOF` that says so).

    Args:
        *args: more arguments for tclsh.
    """
    return _sync(_profiles.tclsh(executable, args), session, options)


@_profile(Repl)
def sqlite3(
    database: str = ":memory:",
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> Repl:
    """A Node.js REPL.

    Args:
        *args: more arguments for node (before its ``-e``).
    """
    return _sync(_profiles.node(executable, args), session, options)


@_profile(Repl)
def psql(
    *args: str,
    password: str | None = None,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> Repl:
    """psql, with ``args`` saying where to connect (``-h``, ``-d``...): no pager, no readline.

    Args:
        *args: where to connect and how (``-h``, ``-d``, ``-U``...).
        password: the answer to psql's password prompt if it asks, sent as
            a :class:`driver.Secret` (masked wherever the session shows).
            With ``session=``, answer it before handing the session over.
    """
    return _sync(_profiles.psql(executable, args, password), session, options)


@_profile(Repl)
def gdb(
    *args: str,
    executable: str | None = None,
    session: Session[str] | None = None,
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> Repl:
    """``script`` under pdb as ``python -m pdb`` runs it; ``args`` are its arguments.

    Stopped at its first line; an uncaught exception starts post-mortem
    debugging where it was raised; the script starts again when it ends
    (``quit`` ends pdb). No ``.pdbrc`` is read.

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
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`sh` for asyncio.

    Args:
        *args: more arguments for sh, after ``-i``.
    """
    return _async(_profiles.sh(executable, args), session, options)


@_profile(AsyncRepl)
def azsh(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`zsh` for asyncio.

    Args:
        *args: more arguments for zsh, after ``-i``.
    """
    return _async(_profiles.zsh(executable, args), session, options)


@_profile(AsyncRepl)
def atclsh(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`tclsh` for asyncio.

    Args:
        *args: more arguments for tclsh.
    """
    return _async(_profiles.tclsh(executable, args), session, options)


@_profile(AsyncRepl)
def asqlite3(
    database: str = ":memory:",
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`node` for asyncio.

    Args:
        *args: more arguments for node (before its ``-e``).
    """
    return _async(_profiles.node(executable, args), session, options)


@_profile(AsyncRepl)
def apsql(
    *args: str,
    password: str | None = None,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`psql` for asyncio.

    Args:
        *args: where to connect and how (``-h``, ``-d``, ``-U``...).
        password: as for :func:`psql`.
    """
    return _async(_profiles.psql(executable, args, password), session, options)


@_profile(AsyncRepl)
def agdb(
    *args: str,
    executable: str | None = None,
    session: AsyncSession[str] | None = None,
    **options: Unpack[SpawnOptions],
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
    **options: Unpack[SpawnOptions],
) -> AsyncRepl:
    """:func:`pdb` for asyncio.

    Args:
        script: the Python file to debug.
        *args: its arguments.
    """
    return _async(_profiles.pdb(executable, [script, *args]), session, options)
