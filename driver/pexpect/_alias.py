"""``import pexpect`` resolving to driver.pexpect: a project's own code and
tests run on driver without an import changed."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Sequence
from types import ModuleType

#: The name a project imports, and the package that stands for it.
ALIAS, TARGET = "pexpect", "driver.pexpect"


def install_as_pexpect() -> None:
    """Make ``import pexpect`` (and ``pexpect.pxssh``, ``from pexpect import
    replwrap``...) give :mod:`driver.pexpect` in this process.

    Call it before the code under test imports pexpect, e.g. first thing
    in a project's ``conftest.py``::

        import driver.pexpect; driver.pexpect.install_as_pexpect()

    A module that already imported pexpect keeps what it has. Calling it
    again does nothing. It holds for the whole process, even through a tool
    that restores ``sys.modules`` (pytest's ``pytester``): the names are
    resolved by an import hook, not only placed in ``sys.modules``. Child
    processes are not affected (they import what their own path gives).
    """
    if not any(isinstance(finder, _StandIn) for finder in sys.meta_path):
        sys.meta_path.insert(0, _StandIn())
    for name in [n for n in sys.modules if n == ALIAS or n.startswith(ALIAS + ".")]:
        del sys.modules[name]  # pexpect's own, imported before: found anew, as driver's
    importlib.import_module(ALIAS)


class _StandIn(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """The import hook: ``pexpect[.X]`` is ``driver.pexpect[.X]``, the same module object."""

    def __init__(self) -> None:
        self._specs: dict[str, importlib.machinery.ModuleSpec | None] = {}

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != ALIAS and not fullname.startswith(ALIAS + "."):
            return None
        real = TARGET + fullname[len(ALIAS) :]
        if importlib.util.find_spec(real) is None:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: pexpect is driver.pexpect in this process"
                f" (driver.pexpect.install_as_pexpect() was called), which has no {real!r}"
                " (the docs' 'Coming from pexpect' lists what it has); code that needs"
                " pexpect's own module runs without install_as_pexpect().",
                name=fullname,
            )
        return importlib.machinery.ModuleSpec(fullname, self, is_package=fullname == ALIAS)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module(TARGET + spec.name[len(ALIAS) :])
        self._specs[module.__name__] = module.__spec__
        return module

    def exec_module(self, module: ModuleType) -> None:
        # Nothing to run: the module is driver's, imported as such. The
        # import system set its __spec__ to the alias's; its own goes back
        # (its relative imports and importlib.reload() go by it).
        module.__spec__ = self._specs[module.__name__]
