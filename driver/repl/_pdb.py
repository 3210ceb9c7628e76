"""Run by driver.repl.pdb(): a script under pdb, stopped at its first line,
with driver's prompt. (``python -m pdb`` offers no way to set the prompt.)"""

from __future__ import annotations

import os
import pdb
import sys


def main() -> None:
    token = os.environ.pop("DRIVER_PDB_TOKEN", "")
    if len(sys.argv) < 2:
        sys.exit("usage: python -m driver.repl._pdb SCRIPT [ARGS...]")
    path = sys.argv[1]
    sys.argv = sys.argv[1:]
    sys.path[0] = os.path.dirname(os.path.abspath(path))
    with open(path, encoding="utf-8") as file:
        code = compile(file.read(), path, "exec")
    debugger = pdb.Pdb()
    debugger.prompt = f"[driver {token}]$ " if token else "(Pdb) "
    debugger.run(code, {"__name__": "__main__", "__file__": path, "__builtins__": __builtins__})


if __name__ == "__main__":
    main()
