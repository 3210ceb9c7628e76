"""Sphinx configuration for driver's documentation.

Build the pages with ``sphinx-build docs docs/_build/html`` and run every
example in them with ``sphinx-build -b doctest docs docs/_build/doctest``.
Nothing here needs the network.
"""

from __future__ import annotations

import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))  # driver from this checkout, installed or not

import driver  # noqa: E402
from pygments.lexer import RegexLexer, bygroups  # noqa: E402
from pygments.token import Comment, Generic, Keyword, Name, Text  # noqa: E402

project = "driver"
author = "the driver authors"
copyright = "the driver authors"  # noqa: A001
version = release = driver.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.doctest",
]

# Google style only: Args, Returns, Raises, Attributes.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_rtype = False

autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

# The built-in theme: no network, nothing more to install.
html_theme = "alabaster"
html_theme_options = {
    "description": "Drive interactive, line-oriented programs from Python.",
    "fixed_sidebar": True,
}
html_static_path: list[str] = []
templates_path: list[str] = []
exclude_patterns = ["_build"]
# No intersphinx: CI has no network, so references to the standard library
# are plain text.

# Every example runs in docs/examples, where the files the pages show are;
# the working directory is put back after each page. run_driver() runs the
# driver command as a person types it and shows what it prints.
doctest_global_setup = f"""
import os as _os
import subprocess as _subprocess
import sys
import driver

import importlib.util as _importlib_util
_have_pytest = _importlib_util.find_spec('pytest') is not None
_docs_cwd = _os.getcwd()
_os.chdir({str(DOCS / "examples")!r})


def run_driver(*args, cwd=None):
    done = _subprocess.run(
        [sys.executable, "-m", "driver", *args], cwd=cwd, capture_output=True, text=True
    )
    print(done.stdout + done.stderr, end="")
"""
doctest_global_cleanup = """
_os.chdir(_docs_cwd)
"""


class SessionLexer(RegexLexer):
    """``.. code-block:: session``: a session file, whose blocks in these
    pages run as they are (tests/test_docs.py runs ``driver run`` on them)."""

    name = "driver session file"
    aliases = ["session"]
    tokens = {
        "root": [
            (r"^(\$ )(.*\n)", bygroups(Generic.Prompt, Text)),
            (r"^(> ?)(.*\n)", bygroups(Generic.Prompt, Generic.Inserted)),
            (r"^%[a-z]+.*\n", Keyword),
            (r"^#( .*)?\n", Comment),
            (r"^(\[[\w-]+\]|\.\.\.)\n", Name.Tag),
            (r"^.*\n", Generic.Output),
        ]
    }


def setup(app: object) -> None:
    app.add_lexer("session", SessionLexer)  # type: ignore[attr-defined]
