"""Profiles: how to start each REPL people automate, and talk to it reliably.

Each profile gives its REPL a prompt that no output can hold, spelled so
that the prompt's text is nowhere the REPL could print it from (the
environment, a variable, a setting): the shells and tclsh build it from
two variables, psql from octal escapes, Python, node and pdb from joined
halves.
Each has a sync command (see :class:`driver.Repl`), turns off colour,
paging, line editing and confirmations, and cancels a half-entered command
in a way that REPL cannot lose.
"""

from __future__ import annotations

import re
import secrets
import shlex
import sqlite3 as sqlite3_module
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from .. import EOF, Secret
from ..aio import AsyncSession
from ..environment import INPUTRC
from ..session import Session
from ._exchange import Cancel, Prompt, Responses
from ._shells import AsyncRepl, Repl
from ._tcl import complete as tcl_complete

if TYPE_CHECKING:
    from .. import SpawnOptions

R = TypeVar("R", Repl, AsyncRepl)


@dataclass
class Profile:
    """A REPL's program, and the options of :class:`driver.Repl` for it."""

    argv: list[str]
    prompt: Prompt
    sync_command: Callable[[str], str]
    continuation_prompt: Prompt | None = None
    initial_prompt: Prompt | None = None
    setup: Sequence[str] = ()
    finish_block: str | None = None
    exit_command: str | None = None
    cancel_command: Cancel = None
    after_interrupt: str | None = None
    is_complete: Callable[[str], bool] | None = None
    env: dict[str, str] = field(default_factory=dict)  # what the program needs set
    unset: tuple[str, ...] = ()  # what it must not inherit
    #: Lines that set a running program up as ``argv`` sets up one started
    #: (psql's prompts), sent first when the profile takes over a session.
    takeover_setup: Sequence[str] | None = None
    responses: Responses | None = None  # questions before the first prompt
    #: argv[0] is this interpreter (no ``executable`` given): a host runs its python3.
    this_python: bool = False

    def start(
        self,
        kind: type[R],
        session: Session[str] | AsyncSession[str] | None,
        spawn_options: SpawnOptions,
    ) -> R:
        options: dict[str, Any] = dict(
            prompt=self.prompt,
            continuation_prompt=self.continuation_prompt,
            initial_prompt=self.initial_prompt,
            setup=self.setup,
            finish_block=self.finish_block,
            exit_command=self.exit_command,
            cancel_command=self.cancel_command,
            after_interrupt=self.after_interrupt,
            is_complete=self.is_complete,
            sync_command=self.sync_command,
            responses=self.responses,
        )
        if session is not None:
            if self.takeover_setup is not None:
                # Its own first prompt, whatever it is, is not waited for.
                setup = list(self.takeover_setup) + list(self.setup)
                options.update(initial_prompt="", setup=setup)
            return kind(session, **options, **spawn_options)  # type: ignore[arg-type]
        given = spawn_options.get("env")
        remote = spawn_options.get("host") is not None
        if given is None or isinstance(given, Mapping):  # else spawn refuses it, named
            # Added to the environment as env always is (on a host, over its
            # login's); a None removes. INPUTRC names a file of this machine.
            needs: dict[str, str | None] = {**self.env, **dict.fromkeys(self.unset)}
            if remote:
                needs.pop("INPUTRC", None)
            spawn_options = {**spawn_options, "env": {**(given or {}), **needs}}
        # This interpreter's path means nothing on a host: it runs its python3.
        argv = ["python3", *self.argv[1:]] if remote and self.this_python else self.argv
        return kind(argv, **options, **spawn_options)


def _prompts() -> tuple[str, str, str]:
    """A token, and the main and continuation prompts made from it."""
    token = secrets.token_hex(4)
    return token, f"[driver {token}]$ ", f"[driver {token}]> "


def _halves(text: str) -> tuple[str, str]:
    middle = len(text) // 2
    return text[:middle], text[middle:]


def _python_sync(token: str) -> str:
    return "print({!r} {!r})".format(*_halves(token))


def _shell_sync(token: str) -> str:
    return "printf '%s%s\\n' {} {}".format(*map(shlex.quote, _halves(token)))


def _sql_sync(token: str) -> str:
    return "select '{}' || '{}';".format(*_halves(token))


def _python_prompts_line(token: str) -> str:
    """Sets sys.ps1 and sys.ps2, printing nothing, binding no name."""
    a, b = _halves(token)
    ps1, ps2 = (f"'[driver {a}' '{b}]{end} '" for end in "$>")
    return f"__import__('sys').__dict__.update(ps1={ps1}, ps2={ps2})"


# -- the profiles ---------------------------------------------------------------


def python(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    return Profile(
        [executable or sys.executable, "-q", "-i", *args],
        ps1,
        _python_sync,
        continuation_prompt=ps2,
        initial_prompt="",  # its own first prompt is not waited for: the setup sets ours
        setup=[_python_prompts_line(token)],
        finish_block="",
        exit_command="exit()",
        # EOF ends a half-entered statement (a SyntaxError), with no signal to lose.
        cancel_command=EOF,
        # 3.13's REPL draws with escape sequences; the basic one reads lines.
        # With readline, whatever TERM says: no bracketed paste.
        env={"PYTHON_BASIC_REPL": "1", "PYTHON_COLORS": "0", "INPUTRC": INPUTRC},
        unset=("PYTHONSTARTUP",),
        this_python=executable is None,
    )


def _shell_setup(token: str, *extra: str) -> str:
    a, b = _halves(token)
    # The prompts expand two variables: no variable holds a prompt's text.
    prompt = "[driver ${_driver_a}${_driver_b}]"
    return "; ".join(
        ["unset PROMPT_COMMAND HISTFILE", *extra, f"_driver_a={a} _driver_b={b}",
         f"PS1='{prompt}$ ' PS2='{prompt}> '"]
    )  # fmt: skip


def bash(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    return Profile(
        [executable or "bash", "--norc", "--noprofile", "--noediting", "-i", *args],
        ps1,
        _shell_sync,
        continuation_prompt=ps2,
        initial_prompt="",
        setup=[_shell_setup(token, "PS0=", "set +o emacs +o vi")],
        exit_command="exit",
        unset=("PS1", "PS2", "PS0", "PROMPT_COMMAND", "ENV", "BASH_ENV"),
    )


def sh(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    return Profile(
        [executable or "sh", "-i", *args],
        ps1,
        _shell_sync,
        continuation_prompt=ps2,
        initial_prompt="",
        setup=[_shell_setup(token)],
        exit_command="exit",
        unset=("PS1", "PS2", "ENV"),
    )


def zsh(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    # No line editor (its echo and redraws), no rc files, no partial-line marker.
    options = "setopt prompt_subst no_zle no_prompt_cr no_prompt_sp"
    return Profile(
        [executable or "zsh", "--no-rcs", "--no-zle", "--no-prompt-cr", "-i", *args],
        ps1,
        _shell_sync,
        continuation_prompt=ps2,
        initial_prompt="",
        setup=[_shell_setup(token, options, "RPS1= RPS2=")],
        exit_command="exit",
        # Reading a line without its editor, zsh acts on ^C only when the next
        # line comes, and drops that line.
        after_interrupt="",
        unset=("PS1", "PS2", "RPS1", "RPROMPT"),
    )


def tclsh(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    a, b = _halves(token)
    # The prompts are scripts that print two variables: no variable holds a
    # prompt's text. `list` leaves no result to print.
    prompt = '"\\[driver $::_driver_a$::_driver_b\\]'
    setup = (
        f"set _driver_a {a}; set _driver_b {b};"
        f' set tcl_prompt1 {{puts -nonewline {prompt}$ "}};'
        f' set tcl_prompt2 {{puts -nonewline {prompt}> "}}; list'
    )
    return Profile(
        [executable or "tclsh", *args],
        ps1,
        lambda token: 'puts [join {{{} {}}} ""]'.format(*_halves(token)),
        continuation_prompt=ps2,
        initial_prompt="",
        setup=[setup],
        exit_command="exit",
        # ^C kills tclsh, which has no way to abandon a half-entered command:
        # an incomplete one is refused before it is sent.
        is_complete=lambda command: tcl_complete(command + "\n"),
    )


def sqlite3(executable: str | None, args: Sequence[str], database: str) -> Profile:
    _, ps1, ps2 = _prompts()
    return Profile(
        [executable or "sqlite3", "-cmd", f".prompt '{ps1}' '{ps2}'", *args, database],
        ps1,
        _sql_sync,
        continuation_prompt=ps2,
        exit_command=".quit",
        env={"INPUTRC": INPUTRC},  # if it reads lines with readline
        # Ctrl-C does not clear a half-entered statement in sqlite3's shell,
        # so an incomplete one is refused before it is sent.
        is_complete=_sql_complete,
    )


def _sql_complete(command: str) -> bool:
    """Whether sqlite3 would run ``command`` at once (dot-commands end at their line)."""
    sql = "\n".join(line for line in command.split("\n") if not line.lstrip().startswith("."))
    return not sql.strip() or sqlite3_module.complete_statement(sql)


# node's REPL without its line editor (no echo, no cursor movement). Its
# continuation prompt, fixed at "... ", is replaced by one as unique as the
# main one. ^C, which would kill it, clears the input; it prints no prompt,
# which would come late after a busy command and be taken for an answer.
_NODE_START = """
const [a, b] = [%r, %r];
const ps1 = '[driver ' + a + b + ']$ ', ps2 = '[driver ' + a + b + ']> ';
const r = require('repl').start({prompt: ps1, terminal: false, useColors: false});
const setPrompt = require('readline').Interface.prototype.setPrompt;
const prompt = r.prompt;
r.prompt = function (preserveCursor) {
  if (this.getPrompt() !== ps1) setPrompt.call(this, ps2);
  return prompt.call(this, preserveCursor);
};
process.on('SIGINT', () => r.clearBufferedCommand());
"""


def node(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, ps2 = _prompts()
    return Profile(
        [executable or "node", *args, "-e", _NODE_START % _halves(token)],
        ps1,
        lambda token: "{!r} + {!r}".format(*_halves(token)),
        continuation_prompt=ps2,
        exit_command=".exit",
        cancel_command=".break",
        env={"NODE_NO_READLINE": "1", "NODE_DISABLE_COLORS": "1"},
    )


def _psql_prompt(text: str) -> str:
    """``text`` in psql's prompt escapes: what \\set shows is not the prompt."""
    return "".join(f"%{ord(char):03o}" if char.isalnum() else char for char in text)


#: What psql asks when the server wants a password.
PSQL_PASSWORD = re.compile(r"Password(?: for user [^\n]*)?: ")


def psql(executable: str | None, args: Sequence[str], password: str | None) -> Profile:
    _, ps1, ps2 = _prompts()
    prompts = f"\\set PROMPT1 '{_psql_prompt(ps1)}' \\set PROMPT2 '{_psql_prompt(ps2)}'"
    return Profile(
        [executable or "psql", "--no-psqlrc", "--no-readline", "--pset=pager=off",
         f"--variable=PROMPT1={_psql_prompt(ps1)}", f"--variable=PROMPT2={_psql_prompt(ps2)}",
         *args],
        ps1,
        _sql_sync,
        continuation_prompt=ps2,
        exit_command="\\q",
        env={"PAGER": "", "PSQL_PAGER": ""},
        unset=("PSQLRC",),
        takeover_setup=[f"{prompts} \\pset pager off"],
        responses=None if password is None else {PSQL_PASSWORD: Secret(password)},
    )  # fmt: skip


def gdb(executable: str | None, args: Sequence[str]) -> Profile:
    _, ps1, _ = _prompts()
    settings = ["pagination off", "confirm off", "style enabled off", "width 0", "height 0",
                "editing off", f"prompt {ps1}"]  # fmt: skip
    return Profile(
        [executable or "gdb", "-q", "-nx", *(f"-ex=set {s}" for s in settings), *args],
        # gdb's `show prompt` prints the prompt in quotes: that is not one.
        re.compile(r'(?<!")' + re.escape(ps1)),
        _gdb_sync,
        exit_command="quit",
    )


def _gdb_sync(token: str) -> str:
    # echo takes C escapes: one character in octal keeps the token out of the line.
    a, b = _halves(token)
    return f"echo {a}\\{ord(b[0]):03o}{b[1:]}\\n"


def pdb(executable: str | None, args: Sequence[str]) -> Profile:
    token, ps1, _ = _prompts()
    return Profile(
        # By its path: another Python (executable=) need not have driver installed.
        [executable or sys.executable, str(Path(__file__).with_name("_pdb.py")), *args],
        ps1,
        lambda token: "p {!r} {!r}".format(*_halves(token)),
        exit_command="quit",
        env={"DRIVER_PDB_TOKEN": token, "PYTHON_COLORS": "0", "INPUTRC": INPUTRC},
        this_python=executable is None,
    )
