"""driver.sessionfile is built on driver's public names: a private reach is a
missing public feature, and each one left says so where it is made."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

PACKAGE = ROOT / "driver" / "sessionfile"


def private_imports(path: Path) -> list[tuple[int, str]]:
    """The imports in ``path`` of a driver module outside the package whose
    path has a private part, with their line numbers."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                continue  # the package's own modules
            if node.level == 2:
                module = f"driver.{node.module}" if node.module else "driver"
            else:
                module = node.module or ""
        elif isinstance(node, ast.Import):
            module = ",".join(alias.name for alias in node.names)
        else:
            continue
        if module.startswith("driver") and any(
            part.startswith("_") for name in module.split(",") for part in name.split(".")
        ):
            found.append((node.lineno, module))
    return found


def test_private_imports_are_only_the_ones_marked_as_missing_features() -> None:
    unmarked = []
    for path in sorted(PACKAGE.glob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, module in private_imports(path):
            # "# layer: why" on the import's line or in the comment just above it.
            above = lines[: number - 1]
            comment = [lines[number - 1]]
            while above and above[-1].startswith("#"):
                comment.append(above.pop())
            if not any("# layer:" in line for line in comment):
                unmarked.append(f"{path.name}:{number}: {module}")
    assert not unmarked, "private imports without a `# layer:` reason:\n" + "\n".join(unmarked)
