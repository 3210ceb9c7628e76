"""pexpect's ``replwrap``: run commands in a REPL and get each one's output.

For new code, :mod:`driver.repl` does more (sixteen REPLs, errors told from
output, a REPL brought back in step after a timeout); this keeps pexpect's
interface for scripts that use it.
"""

from __future__ import annotations

import signal
import sys
from typing import Any

import driver

from ..environment import quiet_env
from .exceptions import TIMEOUT
from .pty_spawn import spawn
from .spawnbase import SpawnBase

#: How long each SIGINT to an incomplete command waits for a prompt before it
#: is sent again, and then the last wait: 1 s in all, as pexpect waits once.
_INTERRUPT_WAITS = (0.1, 0.2, 0.3)
_LAST_WAIT = 0.4

PEXPECT_PROMPT = "[PEXPECT_PROMPT>"
PEXPECT_CONTINUATION_PROMPT = "[PEXPECT_PROMPT+"


class REPLWrapper:
    """A REPL driven one command at a time, with a prompt no output contains.

    Args:
        cmd_or_spawn: a command line to start (on a pty, text, echo off), or
            a started spawn.
        orig_prompt: the REPL's prompt at first (a regex).
        prompt_change: the command that sets the prompts, formatted with
            ``new_prompt`` and ``continuation_prompt``; None keeps the prompt.
        new_prompt, continuation_prompt: the prompts after the change.
        extra_init_cmd: a command run once the prompt is set.
    """

    def __init__(
        self,
        cmd_or_spawn: Any,
        orig_prompt: Any,
        prompt_change: str | None,
        new_prompt: str = PEXPECT_PROMPT,
        continuation_prompt: str = PEXPECT_CONTINUATION_PROMPT,
        extra_init_cmd: str | None = None,
    ) -> None:
        #: The spawn the commands go to (a pexpect spawn passed in is used as it is).
        self.child: Any
        #: The prompt waited for after each command (a regex).
        self.prompt: Any
        if isinstance(cmd_or_spawn, str):
            self.child = spawn(cmd_or_spawn, echo=False, encoding="utf-8", env=quiet_env())
        else:
            self.child = cmd_or_spawn
        if self.child.echo:
            # Echo would repeat each command before its output: turn it off.
            self.child.setecho(False)
            self.child.waitnoecho()
        if prompt_change is None:
            self.prompt = orig_prompt
        else:
            self.set_prompt(orig_prompt, prompt_change.format(new_prompt, continuation_prompt))
            self.prompt = new_prompt
        self.continuation_prompt = continuation_prompt
        self._expect_prompt()
        if extra_init_cmd is not None:
            self.run_command(extra_init_cmd)

    def set_prompt(self, orig_prompt: Any, prompt_change: str) -> None:
        """Wait for ``orig_prompt``, then send ``prompt_change``."""
        self.child.expect(orig_prompt)
        self.child.sendline(prompt_change)

    def _expect_prompt(self, timeout: float | None = -1, async_: bool = False) -> Any:
        return self.child.expect_exact(
            [self.prompt, self.continuation_prompt], timeout=timeout, async_=async_
        )

    def run_command(self, command: str, timeout: float | None = -1, async_: bool = False) -> Any:
        """Send ``command`` (one or more lines) and return its output; a
        :class:`driver.Secret` is sent as one, line by line.

        Raises:
            ValueError: ``command`` is empty, or incomplete (the REPL asked
                for more with its continuation prompt; it is interrupted).
        """
        kind = driver.Secret if isinstance(command, driver.Secret) else str
        lines = [kind(line) for line in command.splitlines()]
        if command.endswith("\n"):
            lines.append("")  # a block of Python ends with an empty line
        if not lines:
            raise ValueError("No command was given")
        if async_:
            return self._run_async(command, lines, timeout)
        output = []
        self.child.sendline(lines[0])
        for line in lines[1:]:
            self._expect_prompt(timeout=timeout)
            output.append(self.child.before)
            self.child.sendline(line)
        if self._expect_prompt(timeout=timeout) == 1:
            self._incomplete(command)
        return "".join([*output, self.child.before])

    async def _run_async(self, command: str, lines: list[str], timeout: float | None) -> str:
        output = []
        self.child.sendline(lines[0])
        for line in lines[1:]:
            await self._expect_prompt(timeout=timeout, async_=True)
            output.append(self.child.before)
            self.child.sendline(line)
        if await self._expect_prompt(timeout=timeout, async_=True) == 1:
            self._incomplete(command)
        return "".join([*output, self.child.before])

    def _incomplete(self, command: str) -> None:
        """The REPL waits for the rest of ``command``: interrupt it, then say so.

        A SIGINT that lands just before the REPL waits for input (bash has
        printed its prompt, readline is not reading yet) wakes nothing: it
        is sent again, as driver.Repl does, within pexpect's one second.
        """
        for wait in _INTERRUPT_WAITS:
            self.child.kill(signal.SIGINT)
            prompts = [self.prompt, self.continuation_prompt, TIMEOUT]
            if self.child.expect_exact(prompts, timeout=wait) != 2:
                break
        else:
            self._expect_prompt(timeout=_LAST_WAIT)  # pexpect's TIMEOUT, if none comes
        shown = self.child._masked(command) if isinstance(self.child, SpawnBase) else command
        raise ValueError("Continuation prompt found - input was incomplete:\n" + shown)


def python(command: str = sys.executable) -> REPLWrapper:
    """A Python REPL (the basic one, that reads lines)."""
    return REPLWrapper(command, ">>> ", "import sys; sys.ps1={0!r}; sys.ps2={1!r}")


def _repl_sh(command: str, args: list[str], non_printable_insert: str) -> REPLWrapper:
    # The prompts are set with an invisible piece inside, so the command that
    # sets them, echoed, never looks like the prompt.
    ps1 = PEXPECT_PROMPT[:5] + non_printable_insert + PEXPECT_PROMPT[5:]
    ps2 = PEXPECT_CONTINUATION_PROMPT[:5] + non_printable_insert + PEXPECT_CONTINUATION_PROMPT[5:]
    prompt_change = f"PS1='{ps1}' PS2='{ps2}' PROMPT_COMMAND=''"
    env = quiet_env()
    env.pop("PROMPT_COMMAND", None)
    env.update(PS1="$", PAGER="cat")
    child = spawn(command, args, echo=False, encoding="utf-8", env=env)
    return REPLWrapper(child, "\\$", prompt_change, extra_init_cmd="export PAGER=cat")


def bash(command: str = "bash") -> REPLWrapper:
    """A bash shell. Unlike pexpect's, no rc file is read (yours may print or
    set a prompt of its own): plain ``bash --norc`` in the quiet environment."""
    return _repl_sh(command, ["--norc", "--noprofile"], non_printable_insert="\\[\\]")


def zsh(command: str = "zsh", args: tuple[str, ...] = ("--no-rcs", "-V", "+Z")) -> REPLWrapper:
    """A zsh shell, without its rc files."""
    return _repl_sh(command, list(args), non_printable_insert="%(!..)")
