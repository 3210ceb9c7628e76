"""driver's hints, for tools that give their own advice: shell syntax in an
argv, and a regex too slow to finish.

Every error of a session whose argv holds shell syntax (``|``, ``&&``,
``>``, ``cd /tmp;``) ends with a hint: no shell runs it. A tool that runs
command lines its own way (the session-file runner, whose fix is
``%shell``) finds the syntax with :func:`shell_syntax` and takes driver's
hint out with :func:`without_shell_hint`. A regex search that could not
finish by its deadline ends with :func:`slow_search_hint`, in an ``expect``
as in a session file's ``(re)`` line. The words live with every other
message in driver's messages module; this is their public face.
"""

from __future__ import annotations

from ._messages import shell_hint, shell_syntax, slow_search_hint, without_shell_hint

__all__ = ["shell_hint", "shell_syntax", "slow_search_hint", "without_shell_hint"]
