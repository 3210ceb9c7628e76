"""Session.interact(): hand a session to the person at this terminal.

The user's terminal goes into raw mode (restored on the way out, whatever
happens, a SIGTERM or SIGHUP included) so every key reaches the child as
typed; the child's output goes straight to the user's screen. Window size
changes are passed on. It ends when the child exits or the escape character
is typed; the session is then usable again from code.
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import TYPE_CHECKING

from ._core import OutputBuffer
from ._errors import DriverError
from ._policy import EXIT_AFTER_EOF_SECONDS
from ._typed import TypedInput
from .backends._posix import termios, tty
from .terminal import MAX_SCREEN_COLS, MAX_SCREEN_ROWS, usable_window_size

if TYPE_CHECKING:
    from ._state import SessionState

Filter = Callable[[bytes], bytes]

_READABLE = select.POLLIN | select.POLLHUP | select.POLLERR


def interact(
    child: SessionState,
    write: Callable[[bytes], None],
    end_input: Callable[[], None],
    *,
    escape_character: str | None,
    input_filter: Filter | None,
    output_filter: Filter | None,
    stdin_fd: int,
    stdout_fd: int,
) -> None:
    """Connect ``stdin_fd``/``stdout_fd`` (a terminal) to the child until exit or escape."""
    if not os.isatty(stdin_fd):
        raise DriverError(
            "interact() needs a terminal on stdin: it hands the child to a person at a"
            " keyboard; to feed input from a program, use send()/send_line()"
        )
    escape = escape_character.encode() if escape_character else None
    backend = child.backend
    # What the session read and nobody consumed yet is on the screen first.
    for buffer in child.buffers.values():
        _write_all(stdout_fd, _encode(child, buffer.take_unconsumed()))
    # A child on a terminal gets every key as typed, and its terminal does the
    # echo and line editing. A child on a pipe has no terminal, so this one
    # stays as it is and does them: whole lines arrive, ^C is passed on.
    on_terminal = child.terminal is not None
    key_mode = _raw(stdin_fd) if on_terminal else _interrupts_forwarded(child)
    # The child's echo stays as the child set it: a password prompt turned it
    # off, and what is typed there must not show (nor be recorded in clear).
    typed = TypedInput(child)
    with key_mode, _window_size_forwarded(child, stdin_fd), _finally(typed.finish):
        poller = select.poll()
        poller.register(stdin_fd, select.POLLIN)
        streams = {fd: name for name, fd in backend.output_fds.items()}
        for fd in streams:
            poller.register(fd, select.POLLIN)
        exit_fd = child.process.exit_fd
        if exit_fd is not None:
            poller.register(exit_fd, select.POLLIN)

        # The screen gets the bytes as they are; the transcript gets text
        # with the line ends the session's own buffers would give it.
        as_text = OutputBuffer("utf-8", "backslashreplace")

        def show(fd: int) -> bytes | None:
            """Read ``fd`` once; what came is recorded and on the screen."""
            data = backend.read(fd)
            if data:
                if child.screen is not None:  # it shows what this terminal shows
                    child.screen.feed(data)
                typed.output(as_text.feed(data))
                as_text.take_unconsumed()  # only the text was wanted, not kept
                _write_all(stdout_fd, output_filter(data) if output_filter else data)
            return data

        while True:
            for fd, mask in poller.poll():
                if fd == stdin_fd:
                    keys = os.read(stdin_fd, 4096)
                    if not keys and on_terminal:
                        return
                    if not keys:  # ^D: the child's input ends; its output goes on
                        poller.unregister(stdin_fd)
                        typed.finish()  # what was said before it, in order
                        end_input()
                        continue
                    escaped = escape is not None and escape in keys
                    if escape is not None and escaped:
                        keys = keys[: keys.index(escape)]
                    if keys:
                        typed.typed(keys)
                        write(input_filter(keys) if input_filter else keys)
                    if escaped:
                        return
                elif fd in streams and mask & _READABLE:
                    if show(fd) == b"":
                        # The child closed its terminal: it is exiting. Once
                        # this returns, ``alive`` should say so.
                        _await_exit(child)
                        return
                elif fd == exit_fd and not child.process.running():
                    for fd in streams:  # what it printed before it exited
                        while show(fd):
                            pass
                    return


def _await_exit(child: SessionState) -> None:
    """Wait (on its pidfd, for at most a moment) for a child that closed its output."""
    process = child.process
    if process.exit_fd is not None and process.running():
        select.select([process.exit_fd], [], [], EXIT_AFTER_EOF_SECONDS)
    process.poll()


@contextlib.contextmanager
def _finally(action: Callable[[], None]) -> Iterator[None]:
    try:
        yield
    finally:
        action()


def _encode(child: SessionState, text: str | bytes) -> bytes:
    if isinstance(text, bytes):
        return text
    return text.encode(child.encoding or "utf-8", "replace")


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


@contextlib.contextmanager
def _raw(fd: int) -> Iterator[None]:
    saved = termios.tcgetattr(fd)

    def restore() -> None:
        # A terminal that hung up (SIGHUP) has no modes left to restore.
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)

    def raw() -> None:
        tty.setraw(fd, termios.TCSANOW)  # TCSAFLUSH would drop keys typed ahead

    def raw_again() -> None:
        with contextlib.suppress(termios.error):  # it hung up: the reads will say so
            raw()

    # The handlers first: a signal between the two would leave the terminal raw.
    with _restored_on_ending_signals(restore, raw_again):
        try:
            raw()
            yield
        finally:
            restore()


#: The signals that end a program unless it handles them, and that a person
#: sends to one: their terminal must not be left raw on the way out (their
#: shell would not echo). SIGINT and SIGQUIT cannot come from a raw terminal.
_ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


@contextlib.contextmanager
def _restored_on_ending_signals(
    restore: Callable[[], None], resume: Callable[[], None]
) -> Iterator[None]:
    """On SIGTERM or SIGHUP, ``restore`` the terminal, then let the signal do
    what it did before: end this program by default, or run the handler the
    caller set (``resume`` raw mode if that handler returns). A signal
    ignored, or handled outside Python, is left alone."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous: dict[int, Callable[[int, FrameType | None], object]] = {}

    def handle(signum: int, frame: FrameType | None) -> None:
        restore()
        handler = previous.get(signum)
        if handler is None:  # SIG_DFL: die of it as without driver (returncode -N)
            signal.signal(signum, signal.SIG_DFL)
            signal.raise_signal(signum)
            return  # still here: this thread blocks it, which ends us once unblocked
        handler(signum, frame)  # what it raises leaves interact (restoring again)
        resume()

    replaced = []
    for ending in _ENDING_SIGNALS:
        before = signal.getsignal(ending)
        if before is None or before == signal.SIG_IGN:
            continue
        if callable(before):
            previous[ending] = before
        replaced.append((ending, before))
        signal.signal(ending, handle)
    try:
        yield
    finally:
        for ending, before in replaced:
            signal.signal(ending, before)


@contextlib.contextmanager
def _interrupts_forwarded(child: SessionState) -> Iterator[None]:
    """^C on this terminal interrupts the child (on a pipe), not this program."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGINT, lambda *_: child.signal(signal.SIGINT))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def _window_size_forwarded(child: SessionState, fd: int) -> Iterator[None]:
    """The child's terminal follows the user's size, now and on every SIGWINCH."""
    terminal = child.terminal
    if terminal is None:
        yield
        return

    def follow(*_: object) -> None:
        with contextlib.suppress(OSError):
            size = os.get_terminal_size(fd)
            rows, cols = usable_window_size(size.lines, size.columns)
            screen = child.screen
            if screen is not None:  # the screen follows, up to the largest it keeps
                rows, cols = min(rows, MAX_SCREEN_ROWS), min(cols, MAX_SCREEN_COLS)
                screen.resize(rows, cols)
            terminal.set_window_size(rows, cols)

    follow()
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers can only be set in the main thread
        return
    previous = signal.signal(signal.SIGWINCH, follow)
    try:
        yield
    finally:
        signal.signal(signal.SIGWINCH, previous)
