"""pexpect's ``spawn``: a program on a pseudo-terminal, driven by driver."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Callable, Mapping
from typing import Any

import driver
from driver.terminal import DEFAULT_WINDOW_SIZE

from ..environment import INPUTRC
from .exceptions import ExceptionPexpect
from .spawnbase import SpawnBase
from .utils import split_command_line, which

#: How long close() gives the child after EOF, and after each signal, to exit.
_CLOSE_GRACE = 0.5


class spawn(SpawnBase):
    """pexpect's ``spawn``: ``command`` on a pty, bytes unless ``encoding`` is given.

    As pexpect: echo on, line ends as the terminal sends them (``\\r\\n``),
    ``expect`` returns the index. Unlike pexpect: no fixed sleep before a
    send (a wait until the child reads, see ``delaybeforesend``) or after
    close, a search that stays linear however long the output, and
    ``preexec_fn`` refused (no Python code runs between fork and exec).
    """

    use_native_pty_fork = False

    def __init__(
        self,
        command: str | None,
        args: list[str] | None = None,
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        ignore_sighup: bool = False,
        echo: bool = True,
        preexec_fn: Callable[[], object] | None = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
        dimensions: tuple[int, int] | None = None,
        use_poll: bool = False,
    ) -> None:
        super().__init__(timeout, maxread, searchwindowsize, logfile, encoding, codec_errors)
        self.cwd = cwd
        self.env = env
        self.echo = echo
        self.ignore_sighup = ignore_sighup
        self.use_poll = use_poll
        if command is None:  # a factory (pxssh): _spawn() starts the child later
            self.command: str | None = None
            self.args: list[str] | None = None
            self.name = "<pexpect factory incomplete>"
        else:
            self._spawn(command, args, preexec_fn, dimensions)

    def _spawn(
        self,
        command: Any,
        args: Any = None,
        preexec_fn: Any = None,
        dimensions: tuple[int, int] | None = None,
    ) -> None:
        if preexec_fn is not None:
            raise ExceptionPexpect(
                "preexec_fn is not supported: driver runs no Python code in the child"
                " between fork and exec. Set the child up before (env, cwd,"
                " ignore_sighup) or in the program it runs (a shell's `trap`, `ulimit`)."
            )
        if isinstance(command, int):
            raise ExceptionPexpect(
                "Command is an int type. If this is a file descriptor then maybe you want"
                " to use fdpexpect.fdspawn which takes an existing file descriptor instead"
                " of a command string."
            )
        if args is None:
            args = []
        if not isinstance(args, list):
            raise TypeError("The argument, args, must be a list.")
        argv = [command, *args] if args else split_command_line(command)
        found = which(argv[0] if argv else command, env=self.env)
        if found is None:
            raise ExceptionPexpect(
                f"The command was not found or was not executable: {argv[0] if argv else command}."
            )
        argv[0] = found
        self.args, self.command = argv, found
        ignored = (signal.SIGHUP,) if self.ignore_sighup else ()
        session = driver.spawn(
            self.args,
            backend="pty",
            cwd=self.cwd,
            env=_without_bracketed_paste(self.env),
            # As pexpect: the whole environment as given, with readline made plain.
            inherit_env=False,
            quiet=False,
            echo=self.echo,
            dimensions=dimensions or DEFAULT_WINDOW_SIZE,
            ignore_signals=ignored,
            close_ends="group",  # as pexpect: a daemon the script starts outlives close
            **self._driver_options(),
        )
        self._drive(session)
        self.name: str = self._masked("<" + " ".join(self.args) + ">")  # a Secret argument too
        self.pid: int | None = session.pid
        self.child_fd: int = session.fileno()

    def __str__(self) -> str:
        lines = [
            repr(self),
            f"command: {getattr(self, 'command', None)}",
            f"args: {getattr(self, 'args', None)!r}",
            f"buffer (last 100 chars): {self._shown(self.buffer, 100)}",
            f"before (last 100 chars): {self._shown(self.before or self._empty(), 100)}",
            f"after: {self._shown(self.after)}",
            f"match: {self._shown(self.match)}",
            f"match_index: {self.match_index}",
            f"exitstatus: {self.exitstatus}",
            f"flag_eof: {self.flag_eof}",
            f"pid: {self.pid}",
            f"child_fd: {self.child_fd}",
            f"closed: {self.closed}",
            f"timeout: {self.timeout}",
            f"delimiter: {self.delimiter}",
            f"logfile: {self.logfile!r}",
            f"logfile_read: {self.logfile_read!r}",
            f"logfile_send: {self.logfile_send!r}",
            f"maxread: {self.maxread}",
            f"ignorecase: {self.ignorecase}",
            f"searchwindowsize: {self.searchwindowsize}",
            f"delaybeforesend: {self.delaybeforesend}",
            f"delayafterclose: {self.delayafterclose}",
            f"delayafterterminate: {self.delayafterterminate}",
        ]
        return self._masked("\n".join(lines))

    # -- the child -----------------------------------------------------------

    def _at_eof(self) -> None:
        # EOF on a terminal means the child is ending: its status is known
        # (driver gave it a moment to exit) and recorded, as pexpect does.
        super()._at_eof()
        with contextlib.suppress(ExceptionPexpect):  # a lost status: wait() and close() say so
            self.isalive()

    def isalive(self) -> bool:
        """Whether the child is running; once it is not, the exit status is set."""
        if self._session is None:
            return False
        alive: bool = self._session.alive
        if not alive:
            with self._status_known():
                self._record_returncode(self._session.returncode)
        return alive

    def wait(self) -> int | None:
        """Wait for the child to exit (reading its output meanwhile); its exit status
        (None if a signal ended it)."""
        session = self._session
        if session is None:
            raise ExceptionPexpect("Cannot wait for dead child process.")
        with self._status_known():
            returncode = session.returncode if session.closed else session.wait(self._waited(None))
        self._record_returncode(returncode)
        return self.exitstatus

    def kill(self, sig: int) -> None:
        """Send ``sig`` to the child, if it is running."""
        if self.isalive():
            self._session.send_signal(sig)

    def terminate(self, force: bool = False) -> bool:
        """SIGHUP, SIGCONT, SIGINT in turn (then SIGKILL with ``force``) until the
        child exits; whether it did."""
        if not self.isalive():
            return True
        signals = [signal.SIGHUP, signal.SIGCONT, signal.SIGINT]
        if force:
            signals.append(signal.SIGKILL)
        for sig in signals:
            self.kill(sig)
            if self._exited_within(self.delayafterterminate):
                return True
        return not self.isalive()

    def _exited_within(self, seconds: float) -> bool:
        try:
            with self._status_known():
                self._record_returncode(self._session.wait(seconds))
        except driver.Timeout:
            return False
        return True

    def close(self, force: bool = True) -> None:
        """End the child and release the terminal: EOF, then SIGTERM, then SIGKILL.

        Unlike pexpect, the child is always ended (``force`` is accepted).
        """
        if self._session is None or self.closed:
            return
        try:
            with self._status_known():
                self._record_returncode(self._session.close(grace=_CLOSE_GRACE))
        finally:  # released either way
            self.closed = True
            self.child_fd = -1
            self._release_read_log()

    # -- the terminal -------------------------------------------------------------

    def isatty(self) -> bool:
        return self.child_fd >= 0 and os.isatty(self.child_fd)

    def getecho(self) -> bool:
        """Whether the terminal echoes what is sent."""
        echo: bool = self._session.echo
        return echo

    def setecho(self, state: bool) -> None:
        """Turn the terminal's echo on or off."""
        self._session.echo = state

    def waitnoecho(self, timeout: float | None = -1) -> bool:
        """Wait until the child turns echo off (a password prompt); whether it did."""
        try:
            self._session.wait_echo_off(self._timeout_for(timeout))
        except driver.Timeout:
            return False
        return True

    def getwinsize(self) -> tuple[int, int]:
        """(rows, cols) of the terminal."""
        size: tuple[int, int] = self._session.window_size
        return size

    def setwinsize(self, rows: int, cols: int) -> None:
        """Resize the terminal; the child gets SIGWINCH."""
        self._session.set_window_size(rows, cols)

    def sendcontrol(self, char: str) -> int:
        """Send Ctrl-``char``; 1, or 0 if no control character goes with it."""
        self._check_open()
        self._until_ready()
        try:
            self._session.send_control(char.lower())
        except ValueError:
            return 0
        except driver.EOF:
            pass  # the child is gone: pexpect's write to the terminal still succeeds
        self._log_control(bytes([ord(char.lower()) & 0x1F]))
        return 1

    def sendeof(self) -> None:
        """Send the terminal's EOF character (^D), ending the input line."""
        self._check_open()
        self._until_ready()
        with contextlib.suppress(driver.EOF):  # the child is gone: as sendcontrol
            self._session.send_eof()
        self._log_control(b"\x04")

    def sendintr(self) -> None:
        """Send the terminal's interrupt character (^C)."""
        self._check_open()
        with contextlib.suppress(driver.EOF):  # the child is gone: as sendcontrol
            self._session.interrupt()

    def _sent_after_end(self, data: bytes, error: driver.EOF) -> int:
        # pexpect writes to the terminal the child has left, and succeeds.
        return len(data)

    def interact(
        self,
        escape_character: str | None = chr(29),
        input_filter: Callable[[bytes], bytes] | None = None,
        output_filter: Callable[[bytes], bytes] | None = None,
    ) -> None:
        """Hand the child to the person at this terminal until ``escape_character``."""
        self._check_open()
        self._session.interact(
            escape_character, input_filter=input_filter, output_filter=output_filter
        )


def spawnu(*args: Any, **kwargs: Any) -> spawn:
    """``spawn`` with ``encoding="utf-8"`` unless another is given."""
    kwargs.setdefault("encoding", "utf-8")
    return spawn(*args, **kwargs)


def _without_bracketed_paste(env: Mapping[str, str] | None) -> dict[str, str]:
    """``env`` (default: this process's) with driver's readline settings unless
    it names its own INPUTRC: readline then never wraps a prompt in
    bracketed-paste escapes (bash 5.1 and later do by default), which no
    script that matches prompts wants to see."""
    chosen = dict(os.environ if env is None else env)
    chosen.setdefault("INPUTRC", INPUTRC)
    return chosen
