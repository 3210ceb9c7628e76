"""Every policy that waits, written once as steps both shells carry out.

A policy is a generator. It decides, and when it needs time to pass it
yields a :class:`Wait` (wake me when output, room for input, the child's exit
or the deadline comes) and is sent back whether the deadline is still ahead;
a dispatch handler is run through a :class:`Call`. What interrupts a step
(^C, a cancellation, a handler's error) is thrown into the policy where it
waits, so a policy that must clean up (close) can. The sync shell carries a
step out with ``poll``, the async one by awaiting the event loop: that is
all they add (see :func:`driver.session.Engine.run` and its twin). Output
that arrives while anyone waits goes straight into the core buffers, so a
policy abandoned half-way (an exception, a cancellation) loses nothing.

Every deadline here is on the :func:`time.monotonic` clock.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import select
import signal
import time
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar

import regex

from . import _messages as messages
from ._core import Match, OutputBuffer, Search, SlowSearch
from ._deadline import Deadline, check_timeout
from ._errors import EOF, DecodeError, DriverError, InputClosed, Timeout
from ._patterns import compile_patterns, describe
from ._state import Outgoing, SessionState, What
from .backends import Process
from .backends._process import running

T = TypeVar("T")


class Wait(NamedTuple):
    """Wait until ``deadline`` or an event, reading output meanwhile.

    The shell sends back True if it woke before the deadline. (A NamedTuple:
    one is made for every wait, and a tuple is the cheapest to make.)
    """

    deadline: float
    #: also wake when the child's input can take more
    writing: bool = False
    #: also wake when the child exits
    exiting: bool = False
    #: also wake when one of these fds is readable (pidfds of a group's survivors)
    fds: tuple[int, ...] = ()


@dataclass(frozen=True)
class Call:
    """Run ``function(argument)``; the async shell awaits what it returns, if awaitable."""

    function: Callable[[Any], Any]
    argument: Any


#: What a policy yields to its shell.
PolicyStep = Wait | Call
Steps = Generator[PolicyStep, Any, T]


class _Continue:
    """The type of :data:`driver.CONTINUE`."""

    def __repr__(self) -> str:
        return "driver.CONTINUE"


#: What a dispatch handler returns to keep waiting (Tcl's exp_continue).
CONTINUE = _Continue()

#: How often to look again at what no fd reports: the terminal's modes, and a
#: child's exit or a group's survivors where the platform has no pidfd.
LOOK_AGAIN_SECONDS = 0.01
#: EOF on a child's output usually means it is exiting: how long to give it
#: before reporting it as still running. Only a child that closed its output
#: and carries on costs this, once per session.
EXIT_AFTER_EOF_SECONDS = 1.0


# -- reading ----------------------------------------------------------------------


def until(
    state: SessionState,
    buffer: OutputBuffer[Any],
    attempt: Callable[[], T | None],
    what: What,
    deadline: Deadline,
    search: Search[Any] | None = None,
    api: messages.PatternApi = "expect",
) -> Steps[T]:
    """Wait until ``attempt`` answers from ``buffer``; Timeout or EOF if it never does.

    ``api``: how the patterns of ``search`` were given, for a hint's words
    (see :func:`driver._messages.literal_hint`).
    """
    state.check_open()
    arrived_before = buffer.end
    timed_out = False
    while True:
        if search is not None:
            search.budget = deadline.search_budget()
        undecodable: DecodeError | None = None
        try:
            result = attempt()
            if result is None and (buffer.eof or timed_out or buffer.failure is not None):
                result = yield from _at_an_end(state, buffer, what, search, timed_out, api)
        except SlowSearch as slow:
            assert search is not None
            if (timed_out_entry := search.entry_for(Timeout)) is not None:
                return timed_out_entry  # type: ignore[return-value]
            raise state.timeout_error(
                buffer, what, deadline, quiet=False, hint=messages.slow_search_hint(str(slow))
            ) from None
        except DecodeError as error:
            undecodable = state.decode_error(error)
        if undecodable is not None:  # raised here, so that it has no context to show
            raise undecodable
        if result is not None:
            if state.open_outputs == 0:
                yield from _exit_after_eof(state)
            return result
        if timed_out:
            quiet = buffer.end == arrived_before
            entries = () if search is None else search.entries
            raise state.timeout_error(buffer, what, deadline, quiet=quiet, entries=entries, api=api)
        timed_out = not (yield Wait(deadline.when))


def _at_an_end(
    state: SessionState,
    buffer: OutputBuffer[Any],
    what: What,
    search: Search[Any] | None,
    timed_out: bool,
    api: messages.PatternApi,
) -> Steps[Any]:
    """What an unanswered wait gives at a decode failure, EOF or the deadline:
    an EOF/TIMEOUT entry of the pattern list, else an error; None to go on."""
    if buffer.failure is not None:
        if search is not None and (found := search.finish(None)) is not None:
            return found
        buffer.raise_if_undecodable()
        raise buffer.failure
    if buffer.eof:
        if search is not None and (found := search.finish(EOF)) is not None:
            return found
        yield from _exit_after_eof(state)
        raise state.eof_error(buffer, what, () if search is None else search.entries, api)
    if timed_out and search is not None:
        return search.finish(Timeout)
    return None


def _exit_after_eof(state: SessionState) -> Steps[None]:
    """Give a child whose output ended a moment to exit, so ``alive`` and the
    returncode in an EOF error are right."""
    if not state.exit_after_eof_awaited:
        state.exit_after_eof_awaited = True
        yield from exited_by(state, time.monotonic() + EXIT_AFTER_EOF_SECONDS)


def expect(
    state: SessionState,
    buffer: OutputBuffer[Any],
    spec: Any,
    deadline: Deadline,
    *,
    exact: bool,
    window: int | None = None,
    api: messages.PatternApi = "expect",
) -> Steps[Match[Any]]:
    """Wait for any pattern of ``spec`` (see Reader.expect); ``api`` as for :func:`until`."""
    state.check_open()
    if window is not None and (type(window) is not int or window < 1):
        raise ValueError(
            f"window={window!r}: expected how many of the last characters to search"
            " (1 or more), or None for all"
        )
    state.add_secret_patterns(spec)
    hide = state.transcript.secrets.hide
    entries = compile_patterns(spec, exact=exact, kind=state.kind, hide=hide)
    search = Search(buffer, entries, within=window)

    def what() -> str:  # words built only for an error
        return describe(search.entries, hide)

    return (yield from until(state, buffer, search.step, what, deadline, search, api))


def dispatch(
    state: SessionState,
    expect_one: Callable[[list[Any], Deadline], Steps[Match[Any]]],
    handlers: Mapping[Any, Any],
    deadline: Deadline,
) -> Steps[Match[Any]]:
    """A Tcl-style dialogue: expect any of ``handlers``, run its handler, until one
    returns something other than CONTINUE. One deadline for the whole dialogue."""
    patterns, actions = list(handlers), list(handlers.values())
    while True:
        found = yield from expect_one(patterns, deadline)
        action = actions[found.index]
        outcome = None if action is None else (yield Call(action, found))
        if outcome is not CONTINUE:
            return found


# -- writing ----------------------------------------------------------------------


def write(
    state: SessionState,
    outgoing: Outgoing | bytes,
    deadline: Deadline | None = None,
    *,
    closing: bool = False,
) -> Steps[None]:
    """Write all of ``outgoing``, reading output meanwhile so neither side blocks the other.

    Only what the child took is recorded (see SessionState.wrote). Interrupted
    part-way (a cancellation, ^C, the deadline), the input is torn: sends are
    refused until the caller says how to go on, since anything written now
    would be glued to the half line the child holds. ``closing`` (close's
    EOF) goes ahead regardless.
    """
    if not closing:
        state.check_input_whole()
    data = outgoing if isinstance(outgoing, bytes) else outgoing.data
    backend, terminal = state.backend, state.terminal
    prepared = data if terminal is None else terminal.prepare_input(data)
    state.received_when_sent = state.received
    state.inputs += 1
    view = memoryview(prepared)
    try:
        while view:
            try:
                view = view[backend.write(view) :]
            except InputClosed as exc:
                raise state.input_closed_error() from exc
            if view:
                if deadline is None:  # the clock is read only if the input is full
                    deadline = state.deadline(None)
                if not (yield Wait(deadline.when, writing=True)):
                    raise state.write_timeout_error(len(view), len(prepared), deadline)
    except BaseException as exc:
        written = len(prepared) - len(view)
        if terminal is not None:
            written = terminal.input_taken(data, prepared, written)
        # A closed input takes nothing more: EOF says so, there is nothing to tear.
        state.wrote(outgoing, written, "" if isinstance(exc, EOF) else type(exc).__name__)
        raise
    state.wrote(outgoing, len(data))


def send_eof(
    state: SessionState, deadline: Deadline | None = None, *, closing: bool = False
) -> Steps[None]:
    """End the child's input: a pipe's is closed; a terminal gets its EOF byte."""
    if not closing:
        state.check_input_whole()
    outgoing = state.eof_bytes()
    if outgoing is not None:
        yield from write(state, outgoing, deadline, closing=closing)


def control(state: SessionState, char: str) -> Steps[None]:
    """Ctrl-``char`` as a terminal sends it; on a pipe only ^D, which ends the input."""
    data = state.control(char)
    if data is None:
        yield from send_eof(state)
    else:
        yield from write(state, data)


def interrupt(state: SessionState) -> Steps[None]:
    """As Ctrl-C would: a terminal gets ^C; on pipes SIGINT goes to the process group."""
    data = state.control("c") if state.terminal is not None else None
    if data is None:
        state.signal(signal.SIGINT, group=True)
    else:
        yield from write(state, data)


# -- terminal modes ---------------------------------------------------------------


def echo_off(state: SessionState, deadline: Deadline) -> Steps[None]:
    """Wait until the child turns its terminal's echo off, reading output meanwhile."""
    terminal = state.needs_terminal("wait_echo_off()")
    # No fd reports a change of terminal modes: look again at each wake-up.
    while terminal.echo:
        now = time.monotonic()
        if now >= deadline.when:
            raise state.echo_timeout_error(deadline)
        yield Wait(min(deadline.when, now + LOOK_AGAIN_SECONDS))


# -- the screen -------------------------------------------------------------------


def expect_screen(
    state: SessionState,
    pattern: Any,
    deadline: Deadline,
    *,
    region: tuple[int, int, int, int] | None,
    exact: bool,
) -> Steps[regex.Match[str]]:
    """Wait until the screen (or ``region`` of it) shows ``pattern``."""
    screen = state.needs_screen("expect_screen()")
    state.check_open()
    compiled = _screen_pattern(pattern, exact)
    state.add_secret_patterns(pattern)  # a Secret pattern is a secret, as for expect
    if region is not None:
        screen.region(*region)  # a bad region is refused before any wait
    buffer = state.buffers["stdout"]
    where = "the screen" if region is None else f"the screen's region {region}"
    shown = getattr(pattern, "pattern", pattern)
    what = f"{where} to show {shown!r}"
    searched = -1

    def attempt() -> regex.Match[str] | None:
        nonlocal searched
        if screen.version == searched:
            return None  # drawn the same as when last searched
        searched = screen.version
        try:
            found: regex.Match[str] | None = screen.search(
                compiled, region, timeout=deadline.search_budget()
            )
        except TimeoutError:  # the regex's own search outlived the deadline
            hint = messages.slow_search_hint(str(shown))
            raise state.timeout_error(buffer, what, deadline, quiet=False, hint=hint) from None
        if found is not None:
            # The output drawn so far is what the match was made of: consumed,
            # so a screen session's buffer does not grow without end.
            buffer.take_unconsumed()
        return found

    return (yield from until(state, buffer, attempt, what, deadline))


def _screen_pattern(pattern: Any, exact: bool) -> regex.Pattern[str]:
    """``pattern`` compiled with the regex package, whose searches take a
    deadline; ``^`` and ``$`` anchor at each row, as a person reads a screen."""
    if not isinstance(exact, bool):
        raise TypeError(f"exact={exact!r}: expected True or False")
    if isinstance(pattern, (re.Pattern, regex.Pattern)) and not exact:
        if isinstance(pattern.pattern, str):
            return regex.compile(pattern.pattern, pattern.flags)
    elif isinstance(pattern, str):
        try:
            return regex.compile(re.escape(pattern) if exact else pattern, regex.MULTILINE)
        except regex.error as error:
            raise ValueError(f"expect_screen({pattern!r}): not a valid regex: {error}") from None
    raise TypeError(
        f"expect_screen({pattern!r}): expected a str"
        f"{'' if exact else ' regex or a compiled one'}: the screen is text"
    )


def settle(state: SessionState, quiet: float, deadline: Deadline) -> Steps[None]:
    """Wait for the child's answer to what was last sent (or, before anything
    was sent, for its first output), then until its output pauses for
    ``quiet`` seconds, or ends.

    Whether a full-screen program has finished drawing cannot be seen from
    outside (curses programs poll with timeouts, pagers read /dev/tty): a
    pause in its output is the one sign every program gives. A pause before
    the answer has begun is not one: a program slow to start (or to react
    to a key) would be taken for one that is done, by chance.
    """
    state.check_open()
    try:
        checked = check_timeout(quiet, "quiet")
    except ValueError:
        checked = None
    if checked is None:
        raise ValueError(f"quiet={quiet!r}: expected how many seconds without output (> 0)")
    buffer = state.buffers["stdout"]
    what = f"the output to pause for {checked} s"
    while state.received == state.received_when_sent and not buffer.eof:
        if not (yield Wait(deadline.when)):
            raise state.timeout_error(
                buffer, what, deadline, quiet=True, hint=messages.NOTHING_TO_SETTLE_HINT
            )
    received, since = state.received, time.monotonic()
    while not buffer.eof:
        now = time.monotonic()
        if state.received != received:
            received, since = state.received, now
        elif now >= since + checked:
            return
        if now >= deadline.when:
            raise state.timeout_error(
                buffer, what, deadline, quiet=False, hint=messages.NEVER_SETTLES_HINT
            )
        yield Wait(min(deadline.when, since + checked))


#: How often a wait for the child to become idle looks again, at first and
#: at most: /proc shows the state but gives no notice of a change.
IDLE_LOOK_SECONDS = (0.0005, 0.01)
#: How many times it looks at once (handing the CPU over in between) before
#: it waits on the clock.
IDLE_QUICK_LOOKS = 20


def idle_now(state: SessionState) -> bool | None:
    """Whether the child is idle (see :func:`until_idle`) at this moment."""
    state.check_open()
    return state.process.idle()


def until_idle(state: SessionState, deadline: Deadline) -> Steps[bool | None]:
    """Wait until the child blocks reading its input or waiting on fds: done
    with what it was doing, ready for what is sent next. Whether it got
    there (False: it exited, or the deadline came first); None where it
    cannot be seen. Output keeps being read meanwhile."""
    state.check_open()
    process = state.process
    pause, longest = IDLE_LOOK_SECONDS
    while True:
        seen = _idle_soon(process)
        if seen is None or seen:
            return seen
        now = time.monotonic()
        if now >= deadline.when or not state.process.running():
            return False
        yield Wait(min(deadline.when, now + pause))
        pause = min(pause * 2, longest)


def _idle_soon(process: Process) -> bool | None:
    """``process.idle()``, looking a few times more while giving the CPU away:
    a REPL that just printed its prompt is usually microseconds from its
    read, and a wait on the clock would cost a millisecond (poll's unit)."""
    for _ in range(IDLE_QUICK_LOOKS):
        seen = process.idle()
        if seen is None or seen:
            return seen
        os.sched_yield()
    return process.idle()


# -- the child's exit ---------------------------------------------------------


def exited_by(state: SessionState, deadline: float) -> Steps[bool]:
    """Wait until the child has exited (not reaped), reading output meanwhile."""
    process = state.process
    while process.running():
        step = deadline if process.exit_fd is not None else _soon(deadline)
        in_time = yield Wait(step, exiting=True)
        if not in_time and step >= deadline:
            return not process.running()
    return True


def _soon(deadline: float) -> float:
    return min(deadline, time.monotonic() + LOOK_AGAIN_SECONDS)


def wait(state: SessionState, deadline: Deadline) -> Steps[int]:
    """Wait for the child to exit; its returncode. Output keeps being read."""
    if state.closed:
        return state.exit_status()
    if not (yield from exited_by(state, deadline.when)):
        raise state.timeout_error(
            state.buffers["stdout"], "the child to exit", deadline, quiet=False
        )
    # What the child wrote as it exited can still be on its way: a pty's
    # master reports it readable only once the kernel has passed it on,
    # which may be after the exit shows. A read takes it in (the kernel
    # passes it on first), so the screen and the output show the last of it.
    state.read_ready()
    return state.exit_status()


def check_grace(grace: object) -> float:
    """``grace`` as seconds: a number, 0 or more."""
    if isinstance(grace, bool) or not isinstance(grace, (int, float)):
        raise TypeError(f"grace={grace!r}: expected seconds to wait before each signal")
    if math.isnan(grace) or grace < 0:
        raise ValueError(f"grace={grace!r}: expected 0 or more seconds")
    return float(grace)


def close(state: SessionState, grace: object, release_engine: Callable[[], None]) -> Steps[int]:
    """End the child and release everything; its returncode (see Session.close).

    Whatever interrupts it (^C, a cancellation, an error) the process group
    is killed and the child reaped before that goes on, and ``closed`` turns
    true only once the child is reaped. ``release_engine`` makes the shell
    stop watching the fds before they are closed.
    """
    if state.closed:
        return state.exit_status()
    grace = check_grace(grace)
    try:
        # An attached fd has no child to end: it is released. A remote one
        # (no pid here) is ended over its channel as a local one is.
        if state.pid is not None or state.process.host is not None:
            yield from _end_politely(state, grace)
    except BaseException:
        release_engine()
        state.abort()
        raise
    release_engine()
    state.release()
    return state.exit_status()


def _end_politely(state: SessionState, grace: float) -> Steps[None]:
    """End the child and everything in its process group, politely first.

    EOF, ``grace`` seconds, SIGTERM to the group, ``grace`` again, SIGKILL.
    Then, while the exited child still holds its group id (it is not reaped
    yet, so the id cannot have been reused), the group's survivors get
    SIGTERM and, after ``grace``, SIGKILL. The caller reaps and releases.
    """
    process = state.process
    if process.running():
        # The child may be gone already, or not reading: a full terminal
        # input delays the escalation by the grace period at most.
        with contextlib.suppress(DriverError, OSError):
            yield from send_eof(state, Deadline(grace), closing=True)
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if (yield from exited_by(state, time.monotonic() + grace)):
                break
            process.signal_group(sig)
        else:
            yield from exited_by(state, math.inf)  # SIGKILL cannot be caught
    yield from _end_survivors(state, grace)


def _end_survivors(state: SessionState, grace: float) -> Steps[None]:
    """What the child left running: its group, and (close_ends="descendants")
    what it started outside the group; SIGTERM, ``grace``, SIGKILL, together."""
    process = state.process
    survivors = process.group_survivors()
    if survivors is None:  # the platform cannot tell: whoever holds the output is one
        if state.open_outputs == 0:
            return
        process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + grace
        while state.open_outputs and (yield Wait(deadline)):
            pass
        process.signal_group(signal.SIGKILL)
        return
    escaped = process.escaped()
    if not survivors and not escaped:
        return
    _signal_survivors(process, survivors, signal.SIGTERM)
    process.signal_escaped(escaped, signal.SIGTERM)
    yield from _gone_by(survivors + escaped, time.monotonic() + grace)
    _signal_survivors(process, survivors, signal.SIGKILL)
    # A killed process is gone a moment after kill() returns: wait for that,
    # so that when close returns, the group is.
    deadline = time.monotonic() + max(grace, 1.0)
    yield from _gone_by(survivors, deadline)
    # Outside the group, what one of them started meanwhile has no group
    # signal to reach it: look again until none is left.
    while (escaped := process.escaped()) and time.monotonic() < deadline:
        process.signal_escaped(escaped, signal.SIGKILL)
        yield from _gone_by(escaped, deadline)


def _signal_survivors(process: Process, survivors: list[int], sig: int) -> None:
    """The group while the exited child holds its id; else (reaped behind our
    back, SIGCHLD ignored) each survivor, whose pid its own life holds."""
    if process.signal_group(sig):
        return
    for pid in survivors:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def _gone_by(pids: list[int], deadline: float) -> Steps[None]:
    """Wait until processes we cannot reap (not our children) have exited."""
    pidfds = _pidfds(pids)
    try:
        while True:
            if pidfds is None:
                pids = [pid for pid in pids if running(pid)]
            else:
                for fd in _readable(pidfds):  # a pidfd is readable once its process exited
                    del pidfds[fd]
                    os.close(fd)
                pids = list(pidfds.values())
            if not pids:
                return
            step = deadline if pidfds is not None else _soon(deadline)
            in_time = yield Wait(step, fds=tuple(pidfds or ()))
            if not in_time and step >= deadline:
                return
    finally:
        for fd in pidfds or ():
            os.close(fd)


def _pidfds(pids: list[int]) -> dict[int, int] | None:
    """A pidfd for each pid still there (fd -> pid), or None without pidfds."""
    pidfds: dict[int, int] = {}
    for pid in pids:
        try:
            pidfds[os.pidfd_open(pid)] = pid
        except ProcessLookupError:
            continue  # gone already
        except (AttributeError, OSError):  # no pidfd_open on this platform or kernel
            for fd in pidfds:
                os.close(fd)
            return None
    return pidfds


def _readable(fds: Mapping[int, int]) -> list[int]:
    return select.select(list(fds), [], [], 0)[0] if fds else []
