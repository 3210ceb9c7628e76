"""The documentation in docs/: its reference is complete, and every example runs."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

import driver
from helpers import ROOT, driver_command

DOCS = ROOT / "docs"


def documented(page: Path, name: str) -> set[str]:
    """The members listed under ``.. autoclass:: name`` in ``page``."""
    text = page.read_text(encoding="utf-8")
    start = re.search(rf"^\.\. autoclass:: {name}\b.*$", text, re.MULTILINE)
    assert start is not None, f"{page.name} does not document {name}"
    following = re.search(r"^\.\. auto\w+:: ", text[start.end() :], re.MULTILINE)
    section = text[start.end() :][: following.start() if following else None]
    listed = re.findall(r"^   \.\. (?:automethod|autoproperty|attribute):: (\w+)", section, re.M)
    return set(listed)


def public_members(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    }


@pytest.mark.parametrize(
    ("page", "cls"),
    [
        ("api.rst", driver.Session),
        ("api.rst", driver.AsyncSession),
        ("api.rst", driver.Reader),
        ("api.rst", driver.AsyncReader),
        ("repl.rst", driver.Repl),
        ("repl.rst", driver.AsyncRepl),
    ],
    ids=lambda value: getattr(value, "__name__", value),
)
def test_the_reference_lists_every_public_member(page: str, cls: type) -> None:
    # The reference lists members one by one, in an order a reader can follow:
    # a method added to the class must be added there too.
    path = DOCS / "reference" / page  # shipped in the repository and the sdist
    missing = public_members(cls) - documented(path, cls.__name__)
    assert not missing, f"docs/reference/{page} does not list {cls.__name__}.{sorted(missing)}"


@pytest.mark.slow
def test_every_example_in_the_docs_runs(tmp_path: Path) -> None:
    pytest.importorskip("sphinx", reason="sphinx is not installed: pip install -e '.[docs]'")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "-q", "-b", "doctest", str(DOCS), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    report = tmp_path / "output.txt"
    details = report.read_text() if report.exists() else ""
    assert done.returncode == 0, f"{done.stdout}{done.stderr}\n{details}"


def test_the_session_blocks_of_the_readme_and_the_docs_pass() -> None:
    """What the README and the docs show of a session runs, as written: the
    docs cannot drift from driver. A block that cannot run here says so
    (``.. driver: ignore``)."""
    pages = [ROOT / "README.rst", *sorted(DOCS.rglob("*.rst"))]
    with_blocks = {
        page for page in pages if ".. code-block:: session" in page.read_text(encoding="utf-8")
    }
    assert {ROOT / "README.rst", DOCS / "guides" / "session-files.rst"} <= with_blocks
    done = driver_command("run", "--quiet", *pages, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = {page for page in pages if f"SKIP {page}:" not in done.stdout}
    assert ran == with_blocks, done.stdout
