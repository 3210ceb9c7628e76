"""pexpect's ``pxssh``: log in with the local ``ssh`` program, then run
commands at the remote shell, matched by a prompt set to be unique.

As pexpect's, it drives whatever ``ssh`` is first on ``PATH`` (``cmd=``
names another client, or prefixes one: ``"ip netns exec blue ssh"``), on a
terminal. Unlike pexpect's, the password is sent as a :class:`driver.Secret`
(never shown in a logfile or a message), and nothing sleeps: the waits are
pexpect's reads with timeouts.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from shlex import quote
from typing import Any

import driver

from .exceptions import EOF, TIMEOUT, ExceptionPexpect
from .pty_spawn import spawn

__all__ = ["ExceptionPxssh", "pxssh"]

#: The letters of ``ssh -L/-R/-D`` for each kind of tunnel ``login`` takes.
_TUNNEL_FLAGS = {"local": "L", "remote": "R", "dynamic": "D"}


class ExceptionPxssh(ExceptionPexpect):
    """The login failed: the message says how."""


class pxssh(spawn):
    """An ``ssh`` session to a shell: :meth:`login`, then ``sendline`` and
    :meth:`prompt` for each command, :meth:`logout` at the end.

    The arguments are :class:`~driver.pexpect.spawn`'s; ``options`` are
    ``ssh -o`` options (``{"StrictHostKeyChecking": "no"}``), and with
    ``debug_command_string`` :meth:`login` returns the ssh command line it
    would run instead of running it.
    """

    def __init__(
        self,
        timeout: float | None = 30,
        maxread: int = 2000,
        searchwindowsize: int | None = None,
        logfile: Any = None,
        cwd: str | os.PathLike[str] | None = None,
        env: Mapping[str, str] | None = None,
        ignore_sighup: bool = True,
        echo: bool = True,
        options: Mapping[str, str] | None = None,
        encoding: str | None = None,
        codec_errors: str = "strict",
        debug_command_string: bool = False,
        use_poll: bool = False,
    ) -> None:
        super().__init__(
            None,
            timeout=timeout,
            maxread=maxread,
            searchwindowsize=searchwindowsize,
            logfile=logfile,
            cwd=cwd,
            env=env,
            ignore_sighup=ignore_sighup,
            echo=echo,
            encoding=encoding,
            codec_errors=codec_errors,
            use_poll=use_poll,
        )
        self.name = "<pxssh>"
        # The command that sets the prompt differs from the regex that finds
        # it (a backslash before $), so its echo never passes for the prompt.
        #: The regex of the prompt set_unique_prompt() sets.
        self.UNIQUE_PROMPT = r"\[PEXPECT\][\$\#] "
        #: The regex prompt() waits for (set it yourself with auto_prompt_reset=False).
        self.PROMPT = self.UNIQUE_PROMPT
        self.PROMPT_SET_SH = r"PS1='[PEXPECT]\$ '"
        self.PROMPT_SET_CSH = r"set prompt='[PEXPECT]\$ '"
        self.PROMPT_SET_ZSH = "prompt restore;\nPS1='[PEXPECT]%(!.#.$) '"
        #: The ssh options force_password adds: no key, a password.
        self.SSH_OPTS = " -o 'PubkeyAuthentication=no'"
        self.force_password = False
        self.debug_command_string = debug_command_string
        self.options: Mapping[str, str] = {} if options is None else options

    # -- finding the original prompt ---------------------------------------------

    def levenshtein_distance(self, a: Any, b: Any) -> int:
        """The edit distance between ``a`` and ``b``."""
        if len(a) > len(b):
            a, b = b, a
        current = list(range(len(a) + 1))
        for i, item in enumerate(b, 1):
            previous, current = current, [i] + [0] * len(a)
            for j in range(1, len(a) + 1):
                change = previous[j - 1] + (a[j - 1] != item)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, change)
        return current[len(a)]

    def try_read_prompt(self, timeout_multiplier: float) -> Any:
        """What arrives until the output pauses: 0.5 s for the first
        character, 0.1 s between the next ones, 3 s in all (each times
        ``timeout_multiplier``)."""
        first, between, total = (timeout_multiplier * t for t in (0.5, 0.1, 3.0))
        prompt = self._empty()
        started = time.monotonic()
        wait = first
        while time.monotonic() - started < total:
            try:
                prompt += self.read_nonblocking(size=self.maxread, timeout=wait)
            except TIMEOUT:
                break
            wait = between
        return prompt

    def sync_original_prompt(self, sync_multiplier: float = 1.0) -> bool:
        """Press Enter a few times; whether the last two answers look alike
        (the shell's prompt, whatever it is)."""
        self.sendline()
        self.try_read_prompt(sync_multiplier)  # what was there before: dropped
        self.sendline()
        self.try_read_prompt(sync_multiplier)
        self.sendline()
        a = self.try_read_prompt(sync_multiplier)
        self.sendline()
        b = self.try_read_prompt(sync_multiplier)
        if not a:
            return False
        return self.levenshtein_distance(a, b) / len(a) < 0.4

    # -- logging in and out ------------------------------------------------------

    def login(
        self,
        server: str,
        username: str | None = None,
        password: str = "",
        terminal_type: str = "ansi",
        original_prompt: str = r"[#$]",
        login_timeout: float | None = 10,
        port: int | None = None,
        auto_prompt_reset: bool = True,
        ssh_key: str | bool | None = None,
        quiet: bool = True,
        sync_multiplier: float = 1,
        check_local_ip: bool = True,
        password_regex: str = r"(?i)(?:password:)|(?:passphrase for key)",
        ssh_tunnels: Mapping[str, list[Any]] | None = None,
        spawn_local_ssh: bool = True,
        sync_original_prompt: bool = True,
        ssh_config: str | None = None,
        cmd: str = "ssh",
    ) -> Any:
        """Log in to ``server``, answering ssh's questions; True once at the
        shell, its prompt set to :attr:`UNIQUE_PROMPT` (unless
        ``auto_prompt_reset=False``). With ``spawn_local_ssh=False`` the ssh
        command runs in this session's shell (a second hop).

        Raises:
            ExceptionPxssh: refused, unreachable, or no prompt found (the
                session is closed).
            TypeError: neither ``username`` nor an ``ssh_config`` naming
                the user for ``server``.
        """
        command = cmd + " " + self._ssh_options(
            server, username, port, ssh_key, quiet, check_local_ip,
            ssh_tunnels or {}, spawn_local_ssh, ssh_config,
        ) + " " + server  # fmt: skip
        if self.debug_command_string:
            return command
        if spawn_local_ssh:
            self._spawn(command)
        else:
            self.sendline(command)
        questions: list[Any] = [
            "(?i)are you sure you want to continue connecting",
            original_prompt,
            password_regex,
            "(?i)permission denied",
            "(?i)terminal type",
            TIMEOUT,
        ]
        # (This does not tell a server's password prompt from ssh's own
        # passphrase prompt for a key.)
        i = self.expect([*questions, "(?i)connection closed by remote host", EOF], login_timeout)
        if i == 0:  # a host not yet known: accepted
            self.sendline("yes")
            i = self.expect(questions)
        if i == 2:
            self.sendline(_secret(password))
            i = self.expect(questions)
        if i == 4:
            self.sendline(terminal_type)
            i = self.expect(questions)
        self._check_logged_in(i)
        if sync_original_prompt and not self.sync_original_prompt(sync_multiplier):
            self._fail("could not synchronize with original prompt")
        if auto_prompt_reset and not self.set_unique_prompt():
            self._fail(
                f"could not set shell prompt (received: {self.before!r},"
                f" expected: {self.PROMPT!r})."
            )
        return True

    def _ssh_options(
        self,
        server: str,
        username: str | None,
        port: int | None,
        ssh_key: str | bool | None,
        quiet: bool,
        check_local_ip: bool,
        tunnels: Mapping[str, list[Any]],
        local: bool,
        ssh_config: str | None,
    ) -> str:
        """ssh's options for :meth:`login`, in pexpect's order."""
        words = [f"-o '{name}={value}'" for name, value in self.options.items()]
        if quiet:
            words.append("-q")
        if not check_local_ip:
            words.append("-o'NoHostAuthenticationForLocalhost=yes'")
        if self.force_password:
            words.append(self.SSH_OPTS.strip())
        if ssh_config is not None:
            if local and not os.path.isfile(ssh_config):
                raise ExceptionPxssh("SSH config does not exist or is not a file.")
            words.append(f"-F {ssh_config}")
        if port is not None:
            words.append(f"-p {port}")
        if ssh_key is True:
            words.append("-A")  # forward this agent
        elif ssh_key is not None and ssh_key is not False:
            if local and not os.path.isfile(ssh_key):
                raise ExceptionPxssh("private ssh key does not exist or is not a file.")
            words.append(f"-i {ssh_key}")
        for kind, flag in _TUNNEL_FLAGS.items():
            for tunnel in tunnels.get(kind, []):
                # typed into a remote shell, a tunnel's spec is quoted
                words.append(f"-{flag} {tunnel if local else quote(str(tunnel))}")
        if username is not None:
            words.append(f"-l {username}")
        elif ssh_config is None:
            raise TypeError("login() needs either a username or an ssh_config")
        else:
            _check_config_user(ssh_config, server)
        return " ".join(words)

    def _check_logged_in(self, i: int) -> None:
        """Whether the answer that came after the questions (its index in
        login's list) means a shell: else close and raise, saying why."""
        failures = {
            0: 'Weird error. Got "are you sure" prompt twice.',
            2: "password refused",  # asked again: the first was wrong
            3: "permission denied",
            4: 'Weird error. Got "terminal type" prompt twice.',
            6: "connection closed",
            7: "Could not establish connection to host",
        }
        # 1: the prompt (a key logged in); 5: a timeout, taken for a prompt
        # too strange to match (setting the prompt will tell).
        if i in failures:
            self._fail(failures[i])

    def _fail(self, message: str) -> None:
        self.close()
        raise ExceptionPxssh(message)

    def logout(self) -> None:
        """Exit the remote shell (twice if it has stopped jobs) and close."""
        self.sendline("exit")
        if self.expect([EOF, "(?i)there are stopped jobs"]) == 1:
            self.sendline("exit")
            self.expect(EOF)
        self.close()

    # -- the prompt ----------------------------------------------------------------

    def prompt(self, timeout: float | None = -1) -> bool:
        """Wait for :attr:`PROMPT`; whether it came before the timeout
        (``before`` holds what came first either way)."""
        found: int = self.expect([self.PROMPT, TIMEOUT], timeout=timeout)
        return found == 0

    def set_unique_prompt(self) -> bool:
        """Set the remote shell's prompt to :attr:`UNIQUE_PROMPT` (sh, then
        csh, then zsh syntax, 10 s each); whether it took."""
        self.sendline("unset PROMPT_COMMAND")
        for command in (self.PROMPT_SET_SH, self.PROMPT_SET_CSH, self.PROMPT_SET_ZSH):
            self.sendline(command)
            if self.expect([TIMEOUT, self.PROMPT], timeout=10) == 1:
                return True
        return False


def _secret(password: Any) -> Any:
    """``password`` as a :class:`driver.Secret`, never shown in a log or a message."""
    return driver.Secret(password) if isinstance(password, str) and password else password


def _check_config_user(path: str, server: str) -> None:
    """Raise TypeError unless the ssh config at ``path`` names a user for ``server``."""
    with open(path, encoding="utf-8") as config:
        lines = [line.strip() for line in config]
    host = re.compile(rf"^Host\s+{re.escape(server)}\s*$", re.IGNORECASE)
    user = re.compile(r"^User\s+\w+\s*$", re.IGNORECASE)
    start = next((n for n, line in enumerate(lines) if host.match(line)), None)
    if start is None:
        raise TypeError(f"login() ssh_config has no Host entry for {server}")
    for line in lines[start + 1 :]:
        lowered = line.lower()
        if "host" in lowered and "hostname" not in lowered:
            break  # the next Host entry
        if user.match(line):
            return
    raise TypeError(f"login() ssh_config has no user entry for {server}")
