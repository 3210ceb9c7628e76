"""The README's complete examples run as written."""

from __future__ import annotations

import re

import pytest

from helpers import ROOT


def examples() -> list[str]:
    text = (ROOT / "README.rst").read_text()
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", text)
    code = ["\n".join(line[3:] for line in block.splitlines()) for block in blocks]
    return [block for block in code if "import driver" in block]  # the complete ones


@pytest.mark.parametrize("example", examples(), ids=lambda code: code.splitlines()[0][:40])
def test_readme_example_runs(example: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    exec(compile(example, "README.rst", "exec"), {})


def test_the_complete_examples_were_found() -> None:
    assert len(examples()) >= 3


def test_the_session_file_shown_is_the_shipped_one() -> None:
    text = (ROOT / "README.rst").read_text()
    shown = text.split("``fixtures/sessions/installer.session``:\n\n.. code-block:: session\n\n")[1]
    lines = []
    for line in shown.splitlines():
        if line and not line.startswith("   "):
            break  # the text after the block
        lines.append(line.removeprefix("   "))
    shipped = (ROOT / "fixtures" / "sessions" / "installer.session").read_text()
    assert "\n".join(lines).strip("\n") + "\n" == shipped
