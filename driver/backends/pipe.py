"""The pipe backend: non-blocking pipes, the child in a session of its own."""

from __future__ import annotations

import _signal
import os
import signal
import subprocess
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from .._errors import InputClosed
from . import READ_SIZE, Backend
from ._descendants import descendants
from ._process import ChildProcess
from ._spawn import Argv, Cwd, check, fork_exec, spawn_failure

# Python ignores SIGPIPE and SIGXFSZ itself, and Popen restores both in the
# child; any other signal the parent ignores, Popen's child inherits ignored.
_POPEN_RESTORES = {signal.SIGPIPE, signal.SIGXFSZ}
_CHECKED_SIGNALS = sorted(
    signal.valid_signals() - {signal.SIGKILL, signal.SIGSTOP} - _POPEN_RESTORES
)


class PipeBackend(Backend):
    """The child's stdin and stdout (and stderr with ``stderr="pipe"``) are pipes.

    ``stderr`` is ``"stdout"`` (merged into stdout), ``"pipe"`` (its own
    output stream), ``"devnull"`` or ``"inherit"`` (the parent's). ``mark``
    is the one ``env`` carries (see ``_descendants``), if close is to end
    the child's descendants.
    """

    def __init__(
        self,
        argv: Argv,
        *,
        cwd: Cwd,
        env: Mapping[str, str] | None,
        stderr: str,
        ignored: tuple[int, ...] = (),
        mark: str | None = None,
    ) -> None:
        program = check(argv, env, cwd)
        # The pipes are made here, not by Popen: the backend owns plain fds
        # whichever way the child starts, and no file object can later close
        # an fd number that was reused.
        ours, theirs = _pipes(stderr)
        try:
            self._process = _start(program, argv, env, cwd, theirs, ignored, mark)
        except BaseException:
            _close_all(ours.values())
            raise
        finally:
            _close_all({fd for fd in theirs if fd is not None})
        try:
            for fd in ours.values():
                os.set_blocking(fd, False)  # the session layer never blocks in a read or write
        except BaseException:  # interrupted: the child must not outlive the spawn
            self._process.signal(signal.SIGKILL)
            self._process.reap()
            _close_all(ours.values())
            raise
        self._input: int | None = ours.pop("stdin")
        self._outputs = ours
        self._outputs_view = MappingProxyType(ours)

    @property
    def name(self) -> str:
        return "pipe"

    @property
    def process(self) -> ChildProcess:
        return self._process

    @property
    def terminal(self) -> None:
        return None

    @property
    def input_fd(self) -> int | None:
        return self._input

    @property
    def output_fds(self) -> Mapping[str, int]:
        return self._outputs_view

    def write(self, data: bytes | memoryview) -> int:
        if self._input is None:
            raise InputClosed("the child's input is closed")
        try:
            return os.write(self._input, data)
        except BlockingIOError:
            return 0
        except BrokenPipeError as exc:
            raise InputClosed("the child closed its input (broken pipe)") from exc

    def read(self, fd: int) -> bytes | None:
        try:
            return os.read(fd, READ_SIZE)
        except BlockingIOError:
            return None

    def close_input(self) -> None:
        """Close the child's stdin: it reads EOF. Idempotent."""
        fd, self._input = self._input, None  # forgotten first: see ChildProcess.close
        if fd is not None:
            os.close(fd)

    def close(self) -> None:
        self.close_input()
        outputs = list(self._outputs.values())
        self._outputs.clear()
        _close_all(outputs)
        self._process.close()


def _pipes(stderr: str) -> tuple[dict[str, int], tuple[int, int, int | None]]:
    """Our ends by stream name, and the child's stdin, stdout and stderr (None: inherit)."""
    made: list[int] = []
    try:
        child_stdin, stdin = _pipe(made)
        stdout, child_stdout = _pipe(made)
        ours = {"stdin": stdin, "stdout": stdout}
        child_stderr: int | None = None
        if stderr == "stdout":
            child_stderr = child_stdout
        elif stderr == "pipe":
            ours["stderr"], child_stderr = _pipe(made)
        elif stderr == "devnull":
            child_stderr = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
            made.append(child_stderr)
    except BaseException:
        _close_all(made)
        raise
    return ours, (child_stdin, child_stdout, child_stderr)


def _pipe(made: list[int]) -> tuple[int, int]:
    # Close-on-exec, as every fd Python makes: the child gets only its dup2'd copies.
    read_end, write_end = os.pipe()
    made += (read_end, write_end)
    return read_end, write_end


def _start(
    program: str,
    argv: Argv,
    env: Mapping[str, str] | None,
    cwd: Cwd,
    stdio: tuple[int, int, int | None],
    ignored: tuple[int, ...],
    mark: str | None,
) -> ChildProcess:
    # Popen cannot start a child with a signal ignored (but by preexec_fn,
    # which runs Python in the child): our own fork can.
    if ignored or _popen_leaks_signals():
        pid = fork_exec(
            program, argv, env, cwd, stdio=stdio, controlling_terminal=False, ignored=ignored
        )
        return ChildProcess(pid, descendants=descendants(pid, mark))
    try:
        popen = subprocess.Popen(
            argv,
            executable=program,
            stdin=stdio[0],
            stdout=stdio[1],
            stderr=stdio[2],
            cwd=cwd,
            env=env,
            # A session of its own: the group can be signalled as a whole,
            # and the child cannot grab the user's terminal (a getpass
            # prompt would otherwise wait on the real keyboard).
            start_new_session=True,
        )
    except OSError as exc:
        raise spawn_failure(argv, exc) from exc
    # Popen is kept for its finaliser's sake only: its poll and wait would reap.
    return ChildProcess(popen.pid, popen=popen, descendants=descendants(popen.pid, mark))


def _popen_leaks_signals() -> bool:
    """Whether a Popen child would start with a signal ignored or blocked.

    exec keeps ignored dispositions and the signal mask, and Popen can
    neither reset the one (beyond SIGPIPE and SIGXFSZ) nor clear the other:
    a shell's background job starts Python with SIGINT and SIGQUIT ignored,
    and a thread may block signals. Then driver's own fork starts the child
    instead, about three times slower than Popen's vfork.
    """
    # _signal, the C module under signal: its answers are plain numbers, which
    # saves about 25 us of enum conversions per spawn.
    if _signal.pthread_sigmask(signal.SIG_BLOCK, ()):
        return True
    return any(_signal.getsignal(sig) == _signal.SIG_IGN for sig in _CHECKED_SIGNALS)


def _close_all(fds: Iterable[int]) -> None:
    for fd in fds:
        os.close(fd)
