"""pexpect's helpers: finding a program on PATH and splitting a command line."""

from __future__ import annotations

import os
import shlex
import stat
from collections.abc import Mapping


def is_executable_file(path: str) -> bool:
    """Whether ``path`` is a regular file this user may execute."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return stat.S_ISREG(mode) and os.access(path, os.X_OK)


def which(filename: str, env: Mapping[str, str] | None = None) -> str | None:
    """The full path of ``filename`` as the shell would find it, or None.

    A name with a slash is checked as it is; otherwise each directory of
    PATH (from ``env``, else this process's environment) is tried in order.
    """
    if os.path.dirname(filename) and is_executable_file(filename):
        return filename
    environ = os.environ if env is None else env
    path = environ.get("PATH") or os.defpath
    for directory in path.split(os.pathsep):
        candidate = os.path.join(directory, filename)
        if is_executable_file(candidate):
            return candidate
    return None


def split_command_line(command_line: str) -> list[str]:
    """``command_line`` split into arguments as a POSIX shell would quote them.

    Backslash escapes the next character; single and double quotes group
    (inside double quotes a backslash still escapes). Unlike
    :func:`shlex.split`, an unterminated quote is not an error: the argument
    runs to the end.
    """
    try:
        return shlex.split(command_line)
    except ValueError:  # an open quote: pexpect reads it to the end of the line
        lexer = shlex.shlex(command_line, posix=True)
        lexer.whitespace_split = True
        lexer.commenters = ""
        words: list[str] = []
        try:
            for word in lexer:
                words.append(word)
        except ValueError:
            words.append(lexer.token)
        return words
