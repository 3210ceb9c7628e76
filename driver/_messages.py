"""Every message and hint driver writes, as pure functions on plain data.

An error is built where it is raised, from the facts of that moment (what
was waited for, how long, what came, the child's state); the words are
here, once, and unit-tested without a child (tests/test_messages.py). The
exception classes in :mod:`driver._errors` hold those facts and show them
through :func:`wait_error_text`.
"""

from __future__ import annotations

import errno
import os
import shlex
import textwrap
from collections.abc import Sequence
from typing import Any, Literal

_SHOWN_OUTPUT_CHARS = 2000

#: What a pattern was given to, for the words of a hint: ``"expect"`` (a
#: pattern, or a list of them), ``"dispatch"`` (a key of a dict: dispatch(),
#: expect() with a dict, driver.run's ``responses``).
PatternApi = Literal["expect", "dispatch"]


def describe_child(
    argv: Sequence[str],
    pid: int | None,
    returncode: int | None,
    *,
    status_lost: bool = False,
    host: str | None = None,
    lost_because: str | None = None,
) -> str:
    """`python3 repl.py` (pid 4711, exited with status 1), for messages; for
    an attached fd (no pid) its name, as given; for a program on another
    machine, `python3 repl.py` on ada@build:22 (running)."""
    if pid is None and host is None:
        return f"`{' '.join(argv)}`"
    command = command_line(argv)
    if status_lost:
        state = lost_because or "exited, status unknown"
    elif returncode is None:
        state = "running"
    elif returncode < 0:
        state = f"killed by signal {-returncode}"
    else:
        state = f"exited with status {returncode}"
    if host is not None:
        return f"`{command}` on {host} ({state})"
    return f"`{command}` (pid {pid}, {state})"


def command_line(argv: Sequence[Any]) -> str:
    """``argv`` as a shell would read it, for messages; a long argument shortened."""
    return shlex.join(shortened(os.fspath(argument)) for argument in argv)


def shortened(argument: str, limit: int = 200) -> str:
    # A message stays readable, and bounded, whatever the command line holds.
    if len(argument) <= limit:
        return argument
    return f"{argument[:limit]}...({len(argument) - limit} more characters)"


#: Words a shell reads as syntax (a pipe, a redirection, a list of commands)
#: and a program almost never takes as an argument of its own.
_SHELL_OPERATORS = frozenset({"|", "|&", "||", "&&", ";", "&", "<", ">", ">>", "2>", "2>&1", "&>"})
#: Programs that do take some of them (``expr 1 \| 0``, ``[ a \< b ]``,
#: ``find . -exec rm {} \;``): no hint for these.
_TAKE_OPERATORS = frozenset({"expr", "test", "[", "find"})
#: How the line of :func:`shell_hint` starts.
_SHELL_HINT = "hint: argv["


def shell_syntax(argv: Sequence[object]) -> list[int]:
    """Where ``argv`` holds a word a shell reads as syntax (``|``, ``&&``, ``>``,
    ``/tmp;``...), as a command line copied from a shell does; empty if nowhere."""
    words = _words(argv)
    if not words or os.path.basename(words[0]) in _TAKE_OPERATORS:
        return []
    last = len(words) - 1
    return [i for i in range(1, len(words)) if _is_shell_syntax(words[i], i == last)]


def shell_hint(argv: Sequence[object]) -> str:
    """A hint when ``argv`` holds shell syntax: no shell runs it, so the program
    gets ``|`` as an argument. Empty if it holds none."""
    found = shell_syntax(argv)
    if not found:
        return ""
    words = _words(argv)
    command = " ".join(_as_shell_word(word, i in found) for i, word in enumerate(words))
    return (
        f"{_SHELL_HINT}{found[0]}] {words[found[0]]!r} reaches the program as an argument:"
        " no shell is involved, so pipes, redirections, && and ; mean nothing here. To run"
        f" a shell command line, spawn {['sh', '-c', command]!r}; for a shell session,"
        " use driver.repl.sh() or driver.repl.bash()."
    )


def without_shell_hint(text: str) -> str:
    """An error's ``text`` without the line of :func:`shell_hint` (always its
    last), for a caller that gives its own advice (a session file's ``%shell``)."""
    head, found, tail = text.rpartition("\n" + _SHELL_HINT)
    return head if found and "\n" not in tail else text


def _words(argv: Sequence[object]) -> list[str]:
    """``argv`` as text; empty if an argument is not text (that error stands alone)."""
    words = []
    for argument in argv:
        word = os.fspath(argument) if isinstance(argument, (str, os.PathLike)) else None
        if not isinstance(word, str):
            return []
        words.append(word)
    return words


def _is_shell_syntax(word: str, last: bool) -> bool:
    if word in _SHELL_OPERATORS:
        return True
    # shlex.split("cd /tmp; ls") gives "/tmp;". A ";" that ends the last word
    # ("python3 -c 'x = 1;'") or a word with spaces ("select 1;") is more
    # likely the program's own text.
    return not last and len(word) > 1 and word.endswith(";") and word.split() == [word]


def _as_shell_word(word: str, syntax: bool) -> str:
    """``word`` as a shell command line should hold it: syntax bare, the rest quoted."""
    if not syntax:
        return shlex.quote(shortened(word))
    if word in _SHELL_OPERATORS:
        return word
    return shlex.quote(shortened(word[:-1])) + ";"


def show_output(output: str | bytes) -> str:
    if not output:
        return "no unconsumed output"
    shown = output[-_SHOWN_OUTPUT_CHARS:]
    cut = len(output) - len(shown)
    prefix = f"last {len(shown)} of " if cut else ""
    return f"unconsumed output ({prefix}{len(output)} chars):\n    {shown!r}"


def show_transcript(transcript_tail: str) -> str:
    if not transcript_tail:
        return ""
    return "\nlast lines of the transcript:\n" + textwrap.indent(transcript_tail, "    | ")


def wait_error_text(
    message: str, output: str | bytes, transcript_tail: str, hint: str, screen: str
) -> str:
    """What a Timeout or EOF reads as: the message, what came (or the screen
    a full-screen program drew), the transcript's last lines, the hint."""
    if screen:
        # What a full-screen program wrote is escape sequences: the screen
        # they drew is what a person can read.
        text = f"{message}\n{textwrap.indent(screen, '    ')}"
    else:
        text = f"{message}\n{show_output(output)}{show_transcript(transcript_tail)}"
    return f"{text}\n{hint}" if hint else text


def decode_error_text(encoding: str, offset: int, raw: bytes, reason: str) -> str:
    more = "..." if len(raw) > 40 else ""
    return (
        f"output byte {offset} does not decode as {encoding} ({reason}); the bytes from"
        f' there on are {raw[:40]!r}{more}. Spawn with errors="replace" to substitute'
        " U+FFFD, or encoding=None for a bytes session."
    )


# -- what a wait ran into ------------------------------------------------------


def timed_out(waited: float | None, what: str, child: str) -> str:
    return f"timed out after {waited} s waiting for {what} from {child}"


def output_ended(what: str, child: str) -> str:
    return f"{child} closed its output before {what} appeared"


def write_timed_out(waited: float | None, child: str, unwritten: int, total: int) -> str:
    message = (
        f"timed out after {waited} s sending to {child}: {unwritten} of {total} bytes"
        " unwritten; the child is not reading its input"
    )
    if unwritten < total:
        message += f"\n{TORN_NOTE}"
    return message


#: What a send interrupted part-way leaves, and how to go on.
TORN_NOTE = (
    "The child got the first part of what was sent: further sends are refused until"
    " accept_torn_input() (which returns the rest) says how to go on."
)


def input_torn(child: str, written: int, total: int, interruption: str) -> str:
    return (
        f"cannot send to {child}: its input is torn: an earlier send was interrupted"
        f" ({interruption}) after the child took {written} of its {total} bytes, so it holds"
        " the start of a line that anything sent now would be glued to; call"
        " accept_torn_input(), which returns the unsent rest, then send that rest or end"
        " the line as the program needs; or close() the session"
    )


def input_closed(child: str) -> str:
    return (
        f"cannot send to {child}: its input is closed (send_eof() was called, or the child"
        " closed its stdin or exited)"
    )


def echo_not_off(waited: float | None, child: str) -> str:
    return (
        f"timed out after {waited} s waiting for {child} to turn terminal echo off"
        " (as a password prompt does)"
    )


def out_of_descriptors(command: str, code: int, limit: int | None) -> str:
    """A spawn that failed with EMFILE (``code``: this process's limit, ``limit``)
    or ENFILE (the system's)."""
    if code == errno.ENFILE:
        return (
            f"cannot spawn `{command}`: the system is out of file descriptors (ENFILE);"
            " close sessions (session.close()) and files no longer needed, or raise the"
            " system's limit (the sysctl fs.file-max)"
        )
    shown = "unlimited" if limit is None else str(limit)
    return (
        f"cannot spawn `{command}`: this process is out of file descriptors (EMFILE: its"
        f" limit, `ulimit -n`, is {shown}); close sessions (session.close()) and files no"
        " longer needed, or raise the limit (`ulimit -n 4096` in the shell that starts"
        " Python, or resource.setrlimit(resource.RLIMIT_NOFILE, ...))"
    )


def session_closed(child: str) -> str:
    return f"session {child} is closed; spawn a new one to talk to the program again"


def needs_terminal(what: str) -> str:
    return f'{what} needs a terminal; spawn with backend="pty"'


def needs_screen(what: str, child: str) -> str:
    return f"{what} needs a screen: spawn {child} with screen=True (and backend='pty')"


def control_needs_terminal(char: str) -> str:
    return (
        f"send_control({char!r}) needs a terminal: on the pipe backend nothing turns a"
        " control character into a signal. Use interrupt() or send_signal(), or spawn"
        ' with backend="pty".'
    )


def send_type(value: str, *, bytes_session: bool) -> str:
    """``value``: how the wrongly typed thing sent shows (masked, or 'a secret str')."""
    if bytes_session:
        return f"send() of {value}: this is a bytes session (encoding=None); pass bytes"
    return (
        f"send() of {value}: this session sends str; pass a str, or spawn with"
        " encoding=None for a bytes session"
    )


# -- hints: the likeliest cause, for a person reading a failed test -------------------

BUFFERING_HINT = (
    "hint: the child may be holding its output in a buffer because its stdout is a pipe"
    " (Python, C stdio and most programs buffer when not writing to a terminal)."
    ' Spawn with backend="pty", or make the child flush (python3 -u, stdbuf -oL).'
)
OPEN_LINE_HINT = (
    "hint: the last thing sent ended without a newline (send(), not send_line()), so a"
    " program that reads lines is still waiting for the rest of that line. Use"
    " send_line(), which adds the newline, or send the newline now."
)
NOTHING_TO_SETTLE_HINT = (
    "hint: nothing arrived since the last thing sent (or since the start), and"
    " settle() waits for the answer before it waits for a pause; if this key or"
    " line changes nothing on the screen, check the screen instead of settling"
)

NEVER_SETTLES_HINT = (
    "hint: the program never stopped writing (a clock, a spinner, top):"
    " wait for what it shows with expect_screen() instead"
)


def slow_search_hint(pattern: str, exact: str = "expect_exact") -> str:
    """The hint for a regex search that did not finish by its deadline;
    ``exact``: what looks for a text as it is, where the hint is read."""
    return (
        f"hint: searching for {pattern} did not finish in time; a pattern with nested"
        " repetition such as (a+)+ can take exponential time on some output. Make it"
        f" unambiguous, anchor it, or use {exact}."
    )


def held_escape_hint(held: str | bytes) -> str:
    """What strip_ansi holds back, so that nothing that arrived is invisible."""
    if not held:
        return ""
    return (
        f"note: strip_ansi holds back {len(held)} characters that began an escape sequence"
        " and are not readable until it ends, proves not to be one (an OSC, DCS or APC"
        " string at a control character such as a newline or after 4096 characters, any"
        f" other after 128) or the output ends: {held[:80]!r}"
    )


def joined_hints(*hints: str) -> str:
    return "\n".join(hint for hint in hints if hint)


def literal_hint(
    shown: str,
    special: Sequence[str],
    *,
    api: PatternApi = "expect",
    index: int | None = None,
    text: str | bytes | None = None,
) -> str:
    """The hint when the text of a regex stands in the output as written: it
    was meant as plain text. In the words of the ``api`` it was given to.

    Args:
        shown: the regex, as a message shows it.
        special: its special characters (none for a secret).
        api: what it was given to (:data:`PatternApi`); a key of a dict is
            made literal with re.escape(), as the hint says.
        index: its place in a list of several; None if alone.
        text: its text, for the fix; None for a secret.
    """
    if api == "dispatch":
        escaped = "re.escape() it" if text is None else f"write it as re.escape({text!r})"
        return (
            f"hint: the output holds the text of the key {shown} as written, but a key is"
            f" read as a regex, where {_are_special(special)}. To find the text as written,"
            f" {escaped}."
        )
    which = shown if index is None else f"entry {index} of the list, {shown}"
    return (
        f"hint: the output holds the text of {which} as written, but a pattern is"
        f" read as a regex, where {_are_special(special)}. Use expect_exact to find"
        " text as written (or re.escape() it where a regex is needed)."
    )


def _are_special(special: Sequence[str]) -> str:
    """As in: '?', '[' and ']' are special and do not match themselves."""
    if not special:
        return "some characters are special and do not match themselves"
    if len(special) == 1:
        return f"'{special[0]}' is special and does not match itself"
    listed = ", ".join(f"'{char}'" for char in special[:-1])
    return f"{listed} and '{special[-1]}' are special and do not match themselves"


def answers_used_up(
    command: str, prompt: str, asked: int, given: Sequence[object], output: str | bytes
) -> str:
    """A prompt asked more times than its list of answers holds (driver.run's or
    a REPL's ``responses``). ``prompt``: as messages show a regex; ``output``:
    all of it so far, masked; bytes shown as a bytes literal."""
    shown = output if isinstance(output, str) else repr(output)
    return (
        f"`{command}` asked {prompt} a {_ordinal(asked)} time, but responses has"
        f" {len(given)} answer(s) for it: {given!r}. Add answers, or give a str to"
        " answer every time." + (f"\noutput so far:\n{shown}" if output else "")
    )


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def exit_status_unknown(child: str, sigchld_ignored: bool, lost_because: str | None = None) -> str:
    """Why the exit status of ``child`` (as :func:`describe_child` says it) is lost."""
    if lost_because:
        return f"{child}: its exit status cannot be known."
    if sigchld_ignored:
        why = (
            "this process ignores SIGCHLD (signal.SIG_IGN, set in this program or"
            " inherited from the one that started it), so the kernel reaped the child"
            " at its exit and discarded its status. Restore the default before"
            " spawning: signal.signal(signal.SIGCHLD, signal.SIG_DFL)"
        )
    else:
        why = (
            "another part of this program waited for it first (os.wait(), os.waitpid(-1),"
            " a SIGCHLD handler that reaps every child) and took its status. Wait for"
            " specific pids only"
        )
    return f"{child}: its exit status cannot be known: {why}."


# -- SSH --------------------------------------------------------------------------

SSH_MISSING = "host= runs programs over SSH, which needs asyncssh: pip install 'linedriver[ssh]'"


def ssh_spawn_failed(command: str, host: str, reason: str) -> str:
    """A remote program could not start: the connection or its session failed."""
    return f"cannot spawn `{command}` on {host}: {reason}"


def ssh_host_key_refused(host: str, files: Sequence[str], changed: bool) -> str:
    """The server's host key is not one known_hosts trusts."""
    where = ", ".join(files) if files else "no known_hosts file (none exists)"
    if changed:
        return (
            f"the host key of {host} has CHANGED from the one in {where}: someone may be"
            " intercepting the connection, or the host was reinstalled. Check it with the"
            " host's administrator, then replace the old line (ssh-keygen -R NAME)"
        )
    return (
        f"the host key of {host} is unknown: it is not in {where}. Check the key's"
        " fingerprint with the host's administrator and add it (ssh-keyscan -p PORT NAME"
        " >> ~/.ssh/known_hosts, or ssh there once), or give Host(known_hosts=FILE);"
        " Host(known_hosts=None) accepts any key, unchecked"
    )


def ssh_unsupported_signal(name: str, supported: Sequence[str]) -> str:
    return f"{name} cannot be sent over SSH: the protocol carries only {', '.join(supported)}"


def ssh_forced_close(signal_name: str, seconds: float) -> str:
    """Why a remote program's status is lost when driver had to close its channel."""
    return (
        f"it did not end within {seconds:g} s of {signal_name}, so driver closed its"
        " channel (the server may ignore signals: OpenSSH delivers them only since 7.9,"
        " and not to root's sessions)"
    )
