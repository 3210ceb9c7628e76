"""The exchanges with a REPL, written once as steps: start, run, bring back in step.

Each exchange is a generator of steps (send a line, wait for patterns, cancel,
interrupt); :class:`driver.Repl` and :class:`driver.AsyncRepl` only carry the
steps out on a sync or an async session. Whatever interrupts an exchange (a
timeout, a cancellation, ^C, the REPL exiting) leaves the REPL out of step:
its next answer could be the late output of the interrupted command. So the
next exchange first brings it back in step (:func:`resync`), and an answer is
always the answer to its own command, or an error. So does whatever the REPL
printed between exchanges, or was sent on the session then: it answers no
run. And a REPL prints nothing after its prompt until it gets a line, so
text after a prompt shows that prompt was output.
"""

from __future__ import annotations

import re
import secrets
import signal
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Union

from .. import EOF, DriverError, Match, Secret
from .._public import public
from ..answers import Answers

Prompt = Union[str, "re.Pattern[str]"]
#: How a half-entered command is abandoned: a line, EOF, or None for ^C.
Cancel = Union[str, "type[EOF]", None]
#: Answers to questions a command asks before its prompt comes back: a regex
#: (as in driver.run) to an answer, or to answers used in order.
Responses = Mapping[Union[str, "re.Pattern[str]"], str | Sequence[str]]

#: How often an interrupt that brings no prompt back is sent again, and how
#: long the first one waits (each later one waits twice as long). A ^C that
#: lands just before a REPL waits for input wakes nothing.
INTERRUPT_ATTEMPTS = 5
FIRST_INTERRUPT_WAIT = 0.1  # all five, with their syncs, fit in 6.2 s

# Characters a terminal acts on (^C, ^D, ^U, a carriage return that ends a
# line...): in a command they would make the REPL see other commands than
# the one given, and answer more times than run() waits for.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_CONTROL_OR_NEWLINE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


@public
class IncompleteCommand(DriverError):
    """The REPL asked for more input after the whole command was sent.

    The command was cancelled (^C, or the REPL's own way) and the REPL is at
    its prompt again. Where a profile can tell beforehand (sqlite3), an
    incomplete command is refused unsent.
    """


@public
class OutOfStep(DriverError):
    """A REPL's next answer cannot be trusted to be its command's: it could
    not be brought back to its prompt after a command was interrupted (a
    timeout, a cancellation), its prompt showed inside an output, or,
    without a sync command, it printed or was sent something between runs.
    The message says which and what to do."""


# -- steps ----------------------------------------------------------------------


@dataclass(frozen=True)
class Send:
    line: str
    #: Sent once a prompt showed: it waits for the REPL to read it. A sync
    #: token goes to a REPL that may be busy (that is why it is sent).
    at_prompt: bool = True


@dataclass(frozen=True)
class Expect:
    """Wait for one of ``patterns``; with ``within``, at most that long (None if none came)."""

    patterns: list[re.Pattern[str]]
    within: float | None = None


@dataclass(frozen=True)
class Interrupt:
    """Abandon what the REPL is doing: its cancel command, or ^C (None)."""

    cancel_command: Cancel


@dataclass(frozen=True)
class Take:
    """Take the output that has arrived so far, unread: the reply is its text.

    With ``ready``, first wait (on a terminal) until the REPL reads, so that
    all it printed is there; the line sent next need not wait again. Without
    ``read_in``, only what was read in with earlier output (no system call).
    """

    ready: bool = False
    read_in: bool = True


Step = Send | Expect | Interrupt | Take
#: What a step brings back: a match (or None) for Expect, the text for Take.
Reply = Match[str] | str | None
Exchange = Generator[Step, Reply, str]


def as_pattern(prompt: Prompt) -> re.Pattern[str]:
    return prompt if isinstance(prompt, re.Pattern) else re.compile(re.escape(prompt))


@dataclass
class ReplState:
    """What the exchanges know about one REPL."""

    name: str
    prompt: re.Pattern[str]
    continuation_prompt: re.Pattern[str] | None = None
    initial_prompt: re.Pattern[str] | None = None
    setup: Sequence[str] = ()
    finish_block: str | None = None
    cancel_command: Cancel = None
    is_complete: Callable[[str], bool] | None = None
    #: Makes a line the REPL answers by printing the token it is given, and
    #: whose own text does not hold the token (see :class:`driver.Repl`).
    sync_command: Callable[[str], str] | None = None
    #: Whether the REPL echoes each line; None until found out.
    echoes: bool | None = None
    #: A line sent right after each ^C (see :class:`driver.Repl`).
    after_interrupt: str | None = None
    #: False from the moment a command is sent until its answer is complete.
    in_step: bool = True
    #: Why it is out of step, for the error that says so.
    interrupted_by: str = field(default="")
    #: Set when input went to the REPL outside its exchanges (on
    #: ``repl.session``): its answer is on its way, asked by no run().
    sent_elsewhere: bool = False
    #: How the session shows text (secrets masked), for messages.
    mask: Callable[[str], str] = field(default=str)

    @property
    def prompts(self) -> list[re.Pattern[str]]:
        """The main prompt, and the continuation prompt if there is one."""
        if self.continuation_prompt is None:
            return [self.prompt]
        return [self.prompt, self.continuation_prompt]


# -- the exchanges ------------------------------------------------------------------


def start(repl: ReplState, responses: Responses | None = None) -> Exchange:
    """The steps of starting: the first prompt (answering ``responses`` on
    the way: a password), the setup lines, then a sync, which also shows
    whether the REPL echoes (no other input is sent: an empty line is a
    command to ed, gdb and pdb)."""
    repl.in_step = False
    questions, answers = _questions(responses)
    while True:
        found = yield from _expect([repl.initial_prompt or repl.prompt, *questions])
        assert found is not None
        if found.index == 0:
            break
        yield Send(answers[found.index - 1].next([repl.name], ""))
    for line in repl.setup:
        yield Send(line)
        yield Expect([repl.prompt])
    if repl.sync_command is not None:
        yield from sync(repl, None)
    repl.in_step = True
    return ""


def check_line(text: str, what: str, mask: Callable[[str], str], *, lines: bool = True) -> None:
    """Refuse text that a terminal would not pass on as the lines it holds."""
    found = (_CONTROL if lines else _CONTROL_OR_NEWLINE).search(text)
    if found is not None:
        raise ValueError(
            f"{what} {mask(text)!r} holds {found.group()!r} at {found.start()}: a terminal"
            " acts on control characters (a \\r ends a line, ^C interrupts), so the REPL"
            " would not get what is meant. Use \\n between the lines of a command, one"
            " line per answer; interrupt the REPL with repl.interrupt(). (Other control"
            " characters go with repl.session.send_control(); the next run() then first"
            " brings the REPL back in step.)"
        )


def check_responses(responses: Responses | None, mask: Callable[[str], str]) -> None:
    """Refuse an answer that is not one line a terminal passes on as it is."""
    for given in (responses or {}).values():
        for answer in [given] if isinstance(given, str) else given:
            check_line(answer, "answer", mask, lines=False)


def _questions(responses: Responses | None) -> tuple[list[re.Pattern[str]], list[Answers]]:
    """The patterns of ``responses``' questions, and their answers."""
    # A question is the last thing printed (the program waits for the answer):
    # the same words inside later output, or inside an echo, are not one.
    questions = [re.compile(f"(?:{_source(question)})\\Z") for question in responses or {}]
    answers = [Answers(question, answer) for question, answer in (responses or {}).items()]
    return questions, answers


def run(command: str, repl: ReplState, responses: Responses | None = None) -> Exchange:
    """The steps of one ``run``: each line, the prompts and questions that answer it."""
    # A command given as a Secret is sent as one, line by line.
    kind = Secret if isinstance(command, Secret) else str
    command = kind(command.replace("\r\n", "\n"))
    check_line(command, "command", repl.mask)
    check_responses(responses, repl.mask)
    if repl.is_complete is not None and not repl.is_complete(command):
        raise IncompleteCommand(
            f"{repl.mask(command)!r} is incomplete: `{repl.name}` would wait for more input;"
            " nothing was sent"
        )
    ready = False  # whether the REPL was just seen reading, so the line can go at once
    if repl.in_step:
        arrived = yield from _take(ready=True)
        ready = True
        if arrived or repl.sent_elsewhere:
            repl.in_step = False
            repl.interrupted_by = _unasked(repl, arrived)
    if not repl.in_step:
        if repl.sync_command is None:
            raise OutOfStep(
                f"`{repl.name}` is out of step ({repl.interrupted_by}): its next answer could"
                " be an earlier command's output, and it has no sync_command to find out."
                " Call interrupt() to trust its next prompt, give Repl(sync_command=...),"
                " or close it and start another."
            )
        yield from resync(repl)
        ready = False
    repl.in_step = False
    repl.interrupted_by = "a run() was interrupted: a timeout, a cancellation or an error"
    questions, answers = _questions(responses)
    prompts = repl.prompts
    output: list[str] = []
    pending: list[str] = [kind(line) for line in command.split("\n")]
    finished_block = repl.finish_block is None
    found: Match[str] | None = None
    while pending:
        line = pending.pop(0)
        if found is not None and found.index < len(prompts):  # at a prompt, not a question
            yield from _nothing_after(repl, found, command, ready=True)
            ready = True
        yield Send(line, at_prompt=not ready)
        ready = False
        found = yield from _expect([*prompts, *questions])
        assert found is not None
        output.append(_without_echo(repl, line, found.before))
        if found.index >= len(prompts):  # a question: answer it, then wait on
            output.append(found.text)
            pending.insert(0, answers[found.index - len(prompts)].next([repl.name], ""))
            continue
        if found.index == 0 or pending:
            continue
        if not finished_block:  # a Python block ends with an empty line
            finished_block = True
            pending.append(str(repl.finish_block))
            continue
        yield from resync(repl, first=repl.cancel_command)
        raise IncompleteCommand(
            f"{repl.mask(command)!r} is incomplete: `{repl.name}` asked for more input after its"
            " last line; it was cancelled and is ready for the next command"
        )
    assert found is not None
    # Only what came with the prompt, to spare a system call per run: the
    # next run reads the rest before it sends anything.
    yield from _nothing_after(repl, found, command, ready=False, read_in=False)
    repl.in_step = True
    return "".join(output).removesuffix("\n")


def _expect(
    patterns: list[re.Pattern[str]], within: float | None = None
) -> Generator[Step, Reply, Match[str] | None]:
    found = yield Expect(patterns, within)
    assert not isinstance(found, str)
    return found


def _take(*, ready: bool, read_in: bool = True) -> Generator[Step, Reply, str]:
    taken = yield Take(ready, read_in)
    assert isinstance(taken, str)
    return taken


def _unasked(repl: ReplState, arrived: str) -> str:
    """Why a REPL is out of step when it printed ``arrived`` between two runs."""
    sent = "input was sent on repl.session" if repl.sent_elsewhere else ""
    if not arrived:
        return f"{sent} since its last answer"
    return f"{sent + '; ' if sent else ''}it printed {_shown(repl, arrived)} unasked"


def _nothing_after(
    repl: ReplState, prompt: Match[str], command: str, *, ready: bool, read_in: bool = True
) -> Generator[Step, Reply, None]:
    """Make sure the REPL printed nothing after ``prompt``: a REPL at its prompt
    waits for a line, so text that follows shows the prompt was inside the
    output, and every later answer would be one behind."""
    after = yield from _take(ready=ready, read_in=read_in)
    if not after:
        return
    repl.interrupted_by = f"its prompt {prompt.text!r} showed inside an output"
    then = (
        "The next run() first brings it back in step."
        if repl.sync_command is not None
        else "It is out of step: close it, or call interrupt() to trust its next prompt."
    )
    raise OutOfStep(
        f"`{repl.name}`'s prompt {prompt.text!r} came inside the output of"
        f" {repl.mask(command)!r}: {_shown(repl, after)} followed it, but a REPL prints"
        " nothing after its prompt until it is sent a line. Give it a prompt that no output"
        f" can hold. {then}"
    )


#: How much of the text a REPL printed out of turn an error shows.
_SHOWN_CHARACTERS = 200


def _shown(repl: ReplState, text: str) -> str:
    text = repl.mask(text)
    if len(text) <= _SHOWN_CHARACTERS:
        return repr(text)
    return f"{text[:_SHOWN_CHARACTERS]!r} (and {len(text) - _SHOWN_CHARACTERS} characters more)"


def _source(question: str | re.Pattern[str]) -> str:
    return question.pattern if isinstance(question, re.Pattern) else question


def _without_echo(repl: ReplState, line: str, text: str) -> str:
    """``text`` less the echo of ``line``; the first line sent tells whether there is one."""
    echo = line + "\n"
    if repl.echoes is None:
        repl.echoes = text.startswith(echo)
    return text[len(echo) :] if repl.echoes and text.startswith(echo) else text


def resync(repl: ReplState, first: Cancel = None) -> Exchange:
    """Bring the REPL back to its prompt: interrupt what it is doing (``first``
    the first time, ^C after) until it answers.

    With a sync command the answer is a fresh token, which no late output
    can hold. Without one it is the prompt, trusted only if the first
    interrupt brought it: after a repeated one, a prompt may be the late
    answer to an earlier one, and the REPL stays out of step.
    """
    repl.in_step = False
    repl.sent_elsewhere = False  # whatever it answers is dropped below
    wait = FIRST_INTERRUPT_WAIT
    for attempt in range(INTERRUPT_ATTEMPTS):
        # A prompt already here answers something earlier (the command, an
        # earlier interrupt or sync), not this interrupt: a sync sent on it
        # could reach the REPL while it still handles the interrupt.
        yield Take()
        cancel = first if attempt == 0 else None
        try:
            back = yield from _interrupt(repl, cancel, wait)
        except EOF as error:
            if cancel is None and error.returncode == -signal.SIGINT:
                raise _killed_by_interrupt(repl, error) from None
            raise
        if back:
            repl.in_step = repl.sync_command is not None or attempt == 0
            repl.interrupted_by = "an interrupt had to be repeated"
            return ""
        wait *= 2
    raise OutOfStep(
        f"`{repl.name}` did not come back to its prompt after {INTERRUPT_ATTEMPTS} interrupts"
        f" ({repl.interrupted_by}): it ignores them, or is stuck. Close it and start another."
    )


def _interrupt(repl: ReplState, cancel: Cancel, wait: float) -> Generator[Step, Reply, bool]:
    """Interrupt once (``cancel``, or ^C), and wait that long for the REPL to answer."""
    yield Interrupt(cancel)
    if cancel is None and repl.after_interrupt is not None:
        yield Send(repl.after_interrupt, at_prompt=False)
    # The prompt the interrupt brings: the sync is sent only once the
    # REPL is done handling the interrupt (psql loses a line sent sooner).
    back = (yield from _expect([repl.prompt], wait)) is not None
    if repl.sync_command is not None:
        back = yield from sync(repl, wait)
    return back


def _killed_by_interrupt(repl: ReplState, error: EOF) -> EOF:
    """``error`` saying what ended the REPL: the ^C sent to bring it back in step."""
    why = f" ({repl.interrupted_by})" if repl.interrupted_by else ""
    message = (
        f"`{repl.name}` was killed by driver's interrupt: the ^C (SIGINT) sent to bring it"
        f" back in step{why} ended it, as it does not handle ^C. Close it and start"
        " another; a command that may take long needs a timeout it will not outlast"
    )
    return EOF(
        message, pattern=error.pattern, timeout=error.timeout, output=error.output,
        transcript_tail=error.transcript_tail, argv=error.argv, pid=error.pid,
        returncode=error.returncode, hint=error.hint, screen=error.screen,
    )  # fmt: skip


def sync(repl: ReplState, within: float | None) -> Generator[Step, Reply, bool]:
    """Send a fresh token through the REPL and wait for it, then for the prompt.

    Nothing printed before can hold the token, and the command's own text
    (its echo) does not: what follows it is the REPL at its prompt, in step.
    """
    assert repl.sync_command is not None
    token = f"driver-sync-{secrets.token_hex(4)}"
    line = repl.sync_command(token)
    if token in line:
        raise DriverError(f"sync_command({token!r}) returned {line!r}, which holds the token")
    yield Send(line, at_prompt=False)
    found = yield from _expect([re.compile(re.escape(token))], within)
    if found is None:
        return False
    if repl.echoes is None:
        repl.echoes = found.before.startswith(line + "\n")
    return (yield from _expect([repl.prompt], within)) is not None
