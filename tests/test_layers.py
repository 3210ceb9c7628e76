"""The layer rule: what is built on sessions uses their public names only.

repl/, sessionfile/, cli, pytest_plugin, _run (driver.run) and pexpect/
import from driver only what a user could: names of ``driver``
itself and of modules whose path has no private part. A private name they
need is a public feature to add.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import driver

PACKAGE = Path(driver.__file__).parent
#: The layers above the session, each a module or a package of its own.
UPPER = ["repl", "sessionfile", "pexpect", "cli.py", "pytest_plugin.py", "_run.py"]
#: The mark that shows a class as ``driver.Name``: a presentation, not state.
ALLOWED = {"driver._public"}


def _files() -> list[Path]:
    files = []
    for name in UPPER:
        path = PACKAGE / name
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


def _module_of(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(module: str | None, level: int, here: str, is_package: bool) -> str:
    if level == 0:
        return module or ""
    base = here.split(".")
    base = base[: len(base) - level + (1 if is_package else 0)]
    return ".".join([*base, module] if module else base)


def _layer(module: str) -> str:
    """The upper layer a module belongs to (driver.repl for driver.repl._shells)."""
    parts = module.split(".")
    return ".".join(parts[:2])


def private_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """``path``'s imports of a private part of driver outside its own layer."""
    here = _module_of(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = _absolute(node.module, node.level, here, path.name == "__init__.py")
            # from driver._x import y names a module; from driver import _x, a module as a name
            targets = [base] if node.module else [f"{base}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            continue
        for target in targets:
            if not target.startswith("driver"):
                continue
            if target in ALLOWED or _layer(target) == _layer(here):
                continue
            private = [p for p in target.split(".") if p.startswith("_") and not p.endswith("__")]
            if private:
                found.append(f"{path.relative_to(root.parent)}:{node.lineno} {target}")
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_the_layers_above_the_session_import_only_public_names(path: Path) -> None:
    assert private_imports(path) == []


def test_the_rule_finds_a_private_import(tmp_path: Path) -> None:
    sample = PACKAGE / "repl" / "_shells.py"
    tree = sample.read_text(encoding="utf-8")
    bad = tmp_path / "driver" / "repl" / "_bad.py"
    bad.parent.mkdir(parents=True)
    bad.write_text(tree + "\nfrom .._state import SessionState\nfrom .. import _policy\n")
    found = private_imports(bad, tmp_path / "driver")
    assert [entry.split()[-1] for entry in found] == ["driver._state", "driver._policy"]
