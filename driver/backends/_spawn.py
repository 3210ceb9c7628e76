"""Starting a child: every check before the fork, then only exec after it.

``check`` refuses, with a message that names the bad value and the fix,
everything that could otherwise fail in the child. ``fork_exec`` is driver's
own fork for what subprocess.Popen cannot do (a controlling terminal, default
signal dispositions): modelled on CPython's ``_posixsubprocess``, the child
runs only driver's short guarded sequence and then exec; whatever still fails
there comes back through a close-on-exec pipe and the child ends with
``os._exit``, so the caller's program never runs twice.
"""

from __future__ import annotations

import _signal
import contextlib
import errno
import gc
import os
import shlex
import shutil
import signal
import stat
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn, TypeAlias

from .. import _messages as messages
from .._errors import SpawnError
from .._messages import command_line
from ..terminal import MAX_WINDOW_SIZE, check_window_size
from ._posix import fcntl, require_fork, require_terminal, termios

Argv: TypeAlias = Sequence[str | os.PathLike[str]]
Cwd: TypeAlias = str | os.PathLike[str] | None

# The signal module's wrappers turn every signal number they return into an
# enum, which costs about 70 us per spawn here; the C module under them
# (_signal) takes and returns plain numbers.
_ALL_SIGNALS = {int(sig) for sig in signal.valid_signals()}
# SIGKILL and SIGSTOP cannot be caught or ignored, so there is nothing to reset.
_RESET_SIGNALS = sorted(_ALL_SIGNALS - {signal.SIGKILL, signal.SIGSTOP})
_MAX_FD = os.sysconf("SC_OPEN_MAX")
# Python 3.12+ warns in the parent, after the child exists, when a process
# with threads forks; with warnings as errors that would abandon the child.
_FORK_WARNING = r"This process .* is multi-threaded, use of fork\(\) may lead to deadlocks"

# What each guarded step in the child was doing, for the parent's message.
_STEPS = {
    "session": "cannot start a new session",
    "stdio": "cannot set up its stdin, stdout and stderr",
    "tty": "cannot make the pty its controlling terminal",
    "fds": "cannot close the file descriptors it should not inherit",
    "cwd": "cannot enter cwd {cwd!r}",
    "signals": "cannot reset its signal handling",
    "exec": "cannot execute {program!r}",
}


def check(
    argv: Argv,
    env: Mapping[str, str] | None,
    cwd: Cwd,
    dimensions: tuple[int, int] | None = None,
    *,
    terminal: bool = False,
) -> str:
    """The program's path once everything a spawn needs is valid; else SpawnError.

    Raises SpawnError (errno set) naming the bad value and what to do: argv
    empty or holding a non-string or a NUL; env not a mapping of strings or
    with a name that is empty or holds ``=``; cwd missing, not a directory
    or not enterable; dimensions not two whole numbers from 1 to 65535; the
    program not found on env's PATH or not executable; no fork (or, for a
    ``terminal``, no POSIX terminal) in this Python.
    """
    _check_argv(argv)
    command = command_line(argv)
    (require_terminal if terminal else require_fork)(command)
    _check_env(env, command)
    _check_cwd(cwd, command)
    if dimensions is not None:
        check_dimensions(dimensions, command)
    return resolve_program(argv, env, cwd)


def _invalid(message: str) -> SpawnError:
    return SpawnError(message, errno.EINVAL)


def _check_argv(argv: Argv) -> None:
    if isinstance(argv, (str, bytes)):
        raise _invalid(
            f"cannot spawn {argv!r}: argv is a string, not a list of arguments;"
            f" split it (shlex.split({argv!r})) or pass a list such as [{argv!r}]"
        )
    if not argv:
        raise _invalid("cannot spawn an empty command: argv needs at least the program name")
    for index, arg in enumerate(argv):
        if not isinstance(arg, (str, os.PathLike)) or not isinstance(os.fspath(arg), str):
            raise _invalid(
                f"cannot spawn {list(argv)!r}: argv[{index}] is {arg!r}"
                f" (type {type(arg).__name__}); pass every argument as a str: str({arg!r})"
            )
        if "\0" in os.fspath(arg):
            raise _invalid(
                f"cannot spawn {list(argv)!r}: argv[{index}] {os.fspath(arg)!r} contains a NUL"
                " character, which no program can receive; remove it"
            )


def _check_env(env: Mapping[str, str] | None, command: str) -> None:
    if env is None:
        return
    if not isinstance(env, Mapping):
        raise _invalid(
            f"cannot spawn `{command}`: env must be a mapping of str to str (a dict),"
            f" not a {type(env).__name__}"
        )
    for key, value in env.items():
        problem = _env_problem(key, value)
        if problem:
            raise _invalid(f"cannot spawn `{command}`: {problem}")


def _env_problem(key: object, value: object) -> str:
    if not isinstance(key, str):
        return f"env key {key!r} (type {type(key).__name__}) is not a str; convert it: str({key!r})"
    if not key or "=" in key or "\0" in key:
        return (
            f"env key {key!r} is not a variable name: names are non-empty and hold no '='"
            " or NUL character; rename it"
        )
    # The value itself is never shown: environments carry tokens and passwords.
    if not isinstance(value, str):
        return (
            f"env[{key!r}] has type {type(value).__name__}; environment values are str:"
            f" convert it with str()"
        )
    if "\0" in value:
        return (
            f"env[{key!r}] holds a NUL character (at {value.index(chr(0))}),"
            " which no program can receive"
        )
    return ""


def _check_cwd(cwd: Cwd, command: str) -> None:
    if cwd is None:
        return
    if not isinstance(cwd, (str, os.PathLike)) or not isinstance(os.fspath(cwd), str):
        raise _invalid(f"cannot spawn `{command}`: cwd {cwd!r} is not a path (a str)")
    path = os.fspath(cwd)
    if "\0" in path:
        raise _invalid(f"cannot spawn `{command}`: cwd {path!r} contains a NUL character")
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        reason = (
            "does not exist" if exc.errno == errno.ENOENT else f"cannot be read: {exc.strerror}"
        )
        raise SpawnError(
            f"cannot spawn `{command}`: cwd {path!r} {reason}; pass an existing directory",
            exc.errno,
        ) from exc
    if not stat.S_ISDIR(mode):
        raise SpawnError(
            f"cannot spawn `{command}`: cwd {path!r} is not a directory", errno.ENOTDIR
        )
    if not os.access(path, os.X_OK):
        raise SpawnError(
            f"cannot spawn `{command}`: cwd {path!r} cannot be entered (no search permission);"
            f" run `chmod u+x {shlex.quote(path)}` or pass another directory",
            errno.EACCES,
        )


def check_dimensions(dimensions: object, command: str | None = None) -> None:
    """SpawnError unless ``dimensions`` is a terminal's (rows, columns)."""
    if not _is_window_size(dimensions):
        where = f"cannot spawn `{command}`: " if command else ""
        raise _invalid(
            f"{where}dimensions={dimensions!r} is not (rows, columns),"
            f" two whole numbers from 1 to {MAX_WINDOW_SIZE}; for example (24, 80)"
        )


def _is_window_size(dimensions: object) -> bool:
    if not isinstance(dimensions, (tuple, list)) or len(dimensions) != 2:
        return False
    try:
        check_window_size(*dimensions)
    except ValueError:
        return False
    return True


def resolve_program(argv: Argv, env: Mapping[str, str] | None, cwd: Cwd) -> str:
    """The path of ``argv[0]``, or a SpawnError that says what is wrong and what to do."""
    if not argv:
        raise SpawnError("cannot spawn an empty command: argv needs at least the program name")
    program = os.fspath(argv[0])
    command = command_line(argv)
    if os.sep in program:
        # As for Popen, a relative path is relative to cwd: the child enters
        # cwd before exec, so the path is returned as given.
        path = program if cwd is None else os.path.join(cwd, program)
        if not os.path.exists(path):
            raise SpawnError(f"cannot spawn `{command}`: {program!r} does not exist", errno.ENOENT)
        if os.path.isdir(path):
            raise SpawnError(f"cannot spawn `{command}`: {program!r} is a directory", errno.EACCES)
        if not os.access(path, os.X_OK):
            raise SpawnError(
                f"cannot spawn `{command}`: {program!r} is not executable;"
                f" run `chmod +x {program}` or start it through its interpreter"
                f" (for example ['python3', {program!r}])",
                errno.EACCES,
            )
        return program
    search_path = (env if env is not None else os.environ).get("PATH", os.defpath)
    found = shutil.which(program, path=search_path)
    if found is None:
        raise SpawnError(
            f"cannot spawn `{command}`: program {program!r} not found on PATH"
            " (check the spelling, install it, or pass its full path)",
            errno.ENOENT,
        )
    return found


def spawn_failure(argv: Argv, exc: OSError) -> SpawnError:
    """A SpawnError for an exec that failed in subprocess.Popen after ``check`` passed."""
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return out_of_descriptors(argv, exc.errno)
    reason = exc.strerror or str(exc)
    return SpawnError(f"cannot spawn `{command_line(argv)}`: {reason}", exc.errno)


def out_of_descriptors(argv: Argv, code: int) -> SpawnError:
    """The SpawnError for EMFILE or ENFILE (``code``), naming the limit and the fix."""
    import resource  # here: a POSIX module, and only a failure needs it

    limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    shown = None if limit == resource.RLIM_INFINITY else limit
    return SpawnError(messages.out_of_descriptors(command_line(argv), code, shown), code)


# -- fork and exec -------------------------------------------------------------


def fork_exec(
    program: str,
    argv: Argv,
    env: Mapping[str, str] | None,
    cwd: Cwd,
    *,
    stdio: tuple[int | None, int | None, int | None],
    controlling_terminal: bool,
    ignored: tuple[int, ...] = (),
) -> int:
    """Start ``program`` in a new session; its pid once exec has succeeded.

    ``stdio`` gives the fds that become the child's 0, 1 and 2 (None: keep
    the parent's); with ``controlling_terminal`` fd 0 must be a terminal,
    which becomes the child's controlling terminal. The child closes every
    other fd, enters ``cwd``, resets every signal to its default with an
    empty mask (unlike Popen, which keeps ignored signals and the mask), then
    ignores the ``ignored`` signals (as nohup does SIGHUP), and execs. A
    failure there raises SpawnError naming the step; the child is then reaped.
    The arguments are trusted: run ``check`` first.
    """
    encoded = _Encoded(program, argv, env, cwd)
    encoded.ignored = ignored
    duplicates, child_stdio = _above_stdio(stdio)
    try:
        read_end, write_end = _error_pipe()
    except BaseException:
        _close_all(duplicates)
        raise
    chunks: list[bytes] = []
    try:
        try:
            _fork(lambda: _exec_child(encoded, child_stdio, controlling_terminal, write_end))
        finally:
            _close_all([write_end, *duplicates])
        pid, report = _read_report(read_end, chunks)
    except BaseException:
        # Interrupted (^C, a signal handler's exception; with other threads
        # about, a Python handler can run at any point): if the child exists,
        # its pid comes through the pipe, and it must not outlive the spawn.
        pid, _ = _read_report(read_end, chunks)  # what is left of it
        if pid:
            kill_and_reap(pid)
        raise
    finally:
        _close_all([read_end])
    if report:
        kill_and_reap(pid)
        raise _child_failure(report, program, argv, cwd)
    return pid


class _Encoded:
    """The exec arguments as bytes, built before the fork: the child only uses them."""

    def __init__(
        self,
        program: str,
        argv: Argv,
        env: Mapping[str, str] | None,
        cwd: Cwd,
    ) -> None:
        self.ignored: tuple[int, ...] = ()
        self.program = os.fsencode(program)
        self.argv = [os.fsencode(arg) for arg in argv]
        source = os.environb if env is None else env
        self.env = {os.fsencode(key): os.fsencode(value) for key, value in source.items()}
        self.cwd = None if cwd is None else os.fsencode(cwd)


def _above_stdio(stdio: tuple[int | None, ...]) -> tuple[list[int], list[int | None]]:
    """Copies of any stdio fd below 3, so no dup2 onto 0-2 clobbers another's source.

    Only a parent whose own 0-2 are closed hands these out; dup2(fd, fd)
    would also leave the fd close-on-exec.
    """
    duplicates: list[int] = []
    result: list[int | None] = []
    try:
        for fd in stdio:
            if fd is not None and fd < 3:
                fd = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 3)
                duplicates.append(fd)
            result.append(fd)
    except BaseException:
        _close_all(duplicates)
        raise
    return duplicates, result


def _error_pipe() -> tuple[int, int]:
    read_end, write_end = os.pipe2(os.O_CLOEXEC)
    if write_end < 3:
        # The child's dup2 onto 0-2 must not close the error pipe under it.
        try:
            moved = fcntl.fcntl(write_end, fcntl.F_DUPFD_CLOEXEC, 3)
        except BaseException:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
        write_end = moved
    return read_end, write_end


def _fork(child: Callable[[], NoReturn]) -> None:
    # With every signal blocked in this thread across the fork, no Python
    # handler can run in the child before it has reset the dispositions
    # (os.fork drops signals that arrived earlier but were not yet handled:
    # bpo-9535).
    blocked = _signal.pthread_sigmask(signal.SIG_BLOCK, _ALL_SIGNALS)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", _FORK_WARNING, DeprecationWarning)
            # Python's cyclic GC could run the caller's finalizers in the child.
            gc_was_enabled = gc.isenabled()
            gc.disable()
            try:
                if os.fork() == 0:
                    child()
            finally:
                if gc_was_enabled:
                    gc.enable()
    finally:
        _signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _exec_child(
    encoded: _Encoded, stdio: list[int | None], controlling_terminal: bool, error_fd: int
) -> NoReturn:
    # Runs in the child. Whatever happens, it ends in exec or os._exit: an
    # exception must never unwind into the caller's code.
    step = "session"
    try:
        # First the pid: a parent interrupted before os.fork returned to it
        # learns from the pipe whom to kill.
        os.write(error_fd, b"%d\n" % os.getpid())
        os.setsid()
        step = "stdio"
        for target, fd in enumerate(stdio):
            if fd is not None:
                os.dup2(fd, target)
        if controlling_terminal:
            step = "tty"
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        step = "fds"
        os.closerange(3, error_fd)
        os.closerange(error_fd + 1, _MAX_FD)
        if encoded.cwd is not None:
            step = "cwd"
            os.chdir(encoded.cwd)
        step = "signals"
        _reset_signals()
        for sig in encoded.ignored:
            _signal.signal(sig, _signal.SIG_IGN)
        step = "exec"
        os.execve(encoded.program, encoded.argv, encoded.env)
    except BaseException as exc:
        code = exc.errno if isinstance(exc, OSError) and exc.errno else 0
        os.write(error_fd, f"{step}:{code}:{type(exc).__name__}: {exc}"[:400].encode())
    finally:
        os._exit(127)


def _reset_signals() -> None:
    for sig in _RESET_SIGNALS:
        try:
            _signal.signal(sig, _signal.SIG_DFL)
        except (OSError, ValueError):
            pass  # one the C library reserves for itself
    _signal.pthread_sigmask(signal.SIG_SETMASK, ())


def _read_report(read_end: int, chunks: list[bytes]) -> tuple[int, bytes]:
    """The child's pid (0 if there is none) and what it reported before exec
    closed the pipe: nothing if exec succeeded. ``chunks`` keeps what was
    read, should a read be interrupted and this be called again."""
    while chunk := os.read(read_end, 512):
        chunks.append(chunk)
    pid, _, report = b"".join(chunks).partition(b"\n")
    return int(pid or 0), report


def kill_and_reap(pid: int) -> None:
    """End a child whose spawn failed: it has not exec'd, or must not run on."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass  # reaped elsewhere (SIGCHLD ignored)


def _child_failure(report: bytes, program: str, argv: Argv, cwd: Cwd) -> SpawnError:
    step, _, rest = report.decode(errors="replace").partition(":")
    code_text, _, detail = rest.partition(":")
    code = int(code_text) if code_text.isdigit() else 0
    what = _STEPS.get(step, step).format(
        cwd=None if cwd is None else os.fspath(cwd), program=program
    )
    reason = os.strerror(code) if code else detail.strip()
    return SpawnError(f"cannot spawn `{command_line(argv)}`: {what}: {reason}", code or None)


def _close_all(fds: Sequence[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def check_ignored_signals(signals: object) -> tuple[int, ...]:
    """``signals`` as the signal numbers a child may start with ignored."""
    if isinstance(signals, (str, bytes)) or not isinstance(signals, (tuple, list, set, frozenset)):
        raise TypeError(
            f"ignore_signals={signals!r}: expected a sequence of signals, such as (signal.SIGHUP,)"
        )
    numbers = []
    for sig in signals:
        if isinstance(sig, bool) or not isinstance(sig, int) or sig not in _signal.valid_signals():
            raise ValueError(f"ignore_signals: {sig!r} is not a signal number")
        if sig in (_signal.SIGKILL, _signal.SIGSTOP):
            raise ValueError(f"ignore_signals: {signal.Signals(sig).name} cannot be ignored")
        numbers.append(int(sig))
    return tuple(numbers)
