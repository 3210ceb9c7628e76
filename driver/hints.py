"""driver's rule for shell syntax in an argv, for tools that give their own advice.

Every error of a session whose argv holds shell syntax (``|``, ``&&``,
``>``, ``cd /tmp;``) ends with a hint: no shell runs it. A tool that runs
command lines its own way (the session-file runner, whose fix is
``%shell``) finds the syntax with :func:`shell_syntax` and takes driver's
hint out with :func:`without_shell_hint`. The words live with every other
message in driver's messages module; this is their public face.
"""

from __future__ import annotations

from ._messages import shell_hint, shell_syntax, without_shell_hint

__all__ = ["shell_hint", "shell_syntax", "without_shell_hint"]
