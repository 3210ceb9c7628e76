"""Run by driver.repl.pdb() (by its path, with the standard library only):
``python -m pdb SCRIPT [ARGS...]`` with driver's prompt.

pdb's own main() runs the script, so everything ``python -m pdb`` does is
kept: stopped at the first line, post-mortem debugging on an uncaught
exception, the script restarted when it ends. Only the prompt is driver's
(``python -m pdb`` offers no way to set it) and no ``.pdbrc`` is read, as
the other profiles read no startup files.
"""

from __future__ import annotations

import os
import pdb
from typing import Any


def main() -> None:
    token = os.environ.pop("DRIVER_PDB_TOKEN", "")
    prompt = f"[driver {token}]$ " if token else "(Pdb) "

    class Pdb(pdb.Pdb):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("readrc", False)
            super().__init__(*args, **kwargs)
            self.prompt = prompt

    # main() makes its debugger from the module's name Pdb (so does a
    # breakpoint() in the script): that name is the one way to set the prompt.
    pdb.Pdb = Pdb  # type: ignore[misc]
    pdb.main()


if __name__ == "__main__":
    main()
