"""``%shell one``: the ``$`` lines of a file as if one shell ran them all.

cram runs a test's commands in one shell, so a ``cd`` or a variable set on one
line holds on the next. Each ``$`` line here still runs as a program of its
own, so that it has its own input, end of input and exit status as every
``$`` line has; what carries over is the shell's state, taken when it exits:
its directory, and its exported variables (``set -a`` exports every variable
a line sets). The next line starts in that directory with those variables.
Functions, aliases and shell options do not carry over.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

#: Runs a line in the shell (``$1``: where to leave the state, ``$2``: the
#: line), then, however it exits (``exit 3`` too), leaves its directory and
#: environment there. A trap on EXIT keeps the line's own exit status.
_WRAPPER = r"""__driver_state=$1 __driver_line=$2
set --
trap '{ printf "%s\0" "$PWD"; env -0; } >"$__driver_state" 2>/dev/null' EXIT
set -a
eval "$__driver_line"
"""
#: Kept by the shell itself, not carried over.
_SHELLS_OWN = frozenset({"PWD", "SHLVL", "_"})
#: The exit status by which a line asks to skip the file, as a cram test does.
SKIP_STATUS = "80"


class ShellState:
    """What the lines of a ``%shell one`` file have left so far."""

    def __init__(self) -> None:
        self.cwd: str | None = None  # None: where the file says (%cwd)
        self.changed: dict[str, str | None] = {}  # None: unset
        # What directives since the last line started override: the state
        # that line leaves is taken when it ends, after them.
        self._overridden: set[str] = set()

    def argv(self, shell: str, line: str, state: Path) -> list[str]:
        """The argv that runs ``line`` with ``shell``, leaving its state in
        ``state``; from now on a directive overrides what it leaves."""
        self._overridden.clear()
        with contextlib.suppress(FileNotFoundError):
            state.unlink()  # what a line before left
        return [shell, "-c", _WRAPPER, shell, str(state), line]

    def environment(self, env: dict[str, str]) -> dict[str, str]:
        """``env`` with the variables the lines before set or unset."""
        for name, value in self.changed.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def take(self, state: Path, started_with: dict[str, str]) -> None:
        """What the line that started with ``started_with`` left in ``state``
        (nothing when it could not leave it: ``exec``, a SIGKILL)."""
        try:
            data = state.read_bytes()
        except OSError:
            return
        cwd, _, environ = data.decode("utf-8", "surrogateescape").partition("\0")
        if not cwd:
            return
        after = dict(entry.split("=", 1) for entry in environ.split("\0") if "=" in entry)
        self.cwd = cwd
        for name, value in after.items():
            if name not in _SHELLS_OWN and started_with.get(name) != value:
                self.changed[name] = value
        for name in started_with.keys() - after.keys() - _SHELLS_OWN:
            self.changed[name] = None
        for what in self._overridden:
            self._forget(what)

    def override(self, what: str) -> None:
        """A directive over what the lines so far left: ``cwd`` (%cwd), a
        variable's name (%env), or ``*`` for everything (%shell)."""
        self._overridden.add(what)
        self._forget(what)

    def _forget(self, what: str) -> None:
        if what == "*":
            self.cwd = None
            self.changed.clear()
        elif what == "cwd":
            self.cwd = None
        else:
            self.changed.pop(what, None)
