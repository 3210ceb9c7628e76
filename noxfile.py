"""The checks CI runs (``bash .ci/run`` calls these), each in its own virtualenv.

``nox`` runs them all; ``nox -s tests-3.12`` one. A Python this machine
lacks is skipped, saying so (CI runs on every CPython 3.10+ it has).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
from pathlib import Path

import nox

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
nox.options.sessions = [
    "lint", "types", "docs", "tests", "pexpect_suite", "pexpect_users", "sdist",
]  # fmt: skip
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = False


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite, as the README's Quick start runs it."""
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                *session.posargs)  # fmt: skip


@nox.session
def lint(session: nox.Session) -> None:
    """ruff and mypy (the dev extra)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", "driver", "tests", "scripts", "fixtures", "noxfile.py")
    session.run("ruff", "format", "--check", "driver", "tests", "scripts", "fixtures", "noxfile.py")
    session.run("mypy")


#: pyright's type completeness of the public API (in %) below which ``types`` fails:
#: every exported symbol fully typed; a new one without types fails CI.
TYPE_COMPLETENESS_MIN = 100.0


@nox.session
def types(session: nox.Session) -> None:
    """pyright --verifytypes: how much of the public API has complete types."""
    # Installed, not editable: pyright cannot follow an editable install's import
    # hook. The dev extra brings the types of what driver builds on (pytest, pyte).
    session.install(".[dev]", "pyright==1.1.414")
    output = session.run("pyright", "--verifytypes", "driver", "--ignoreexternal", "--outputjson",
                         silent=True, success_codes=[0, 1])  # fmt: skip
    report = json.loads(str(output))["typeCompleteness"]
    score = 100 * report["completenessScore"]
    counts = report["exportedSymbolCounts"]
    session.log(
        f"type completeness {score:.1f} % (minimum {TYPE_COMPLETENESS_MIN} %): of the exported"
        f" symbols {counts['withKnownType']} known, {counts['withAmbiguousType']} ambiguous,"
        f" {counts['withUnknownType']} unknown; pyright --verifytypes driver --ignoreexternal"
        " lists them"
    )
    if score < TYPE_COMPLETENESS_MIN:
        session.error(f"type completeness {score:.1f} % is under {TYPE_COMPLETENESS_MIN} %")


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation, warnings as errors, and its examples run."""
    session.install("-e", ".[docs]")
    for builder in ("html", "doctest"):
        session.run("sphinx-build", "-W", "--keep-going", "-q", "-b", builder,
                    "docs", f"docs/_build/{builder}")  # fmt: skip


@nox.session
def pexpect_suite(session: nox.Session) -> None:
    """pexpect 4.9.0's own test suite, downloaded, run against driver.pexpect."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/pexpect_suite.py", *session.posargs)


@nox.session
def pexpect_users(session: nox.Session) -> None:
    """pytest's and IPython's pexpect tests, downloaded, run against driver.pexpect
    (the script makes each project a virtual environment of its own)."""
    session.run("python", "scripts/pexpect_users.py", *session.posargs)


@nox.session
def sdist(session: nox.Session) -> None:
    """The suite from an unpacked sdist, installed from it, as a packager runs it."""
    session.install("build")
    # Outside the project: a test's temporary project must not find ours above it.
    out = Path(tempfile.mkdtemp(prefix="linedriver-sdist-"))
    out.chmod(0o755)  # the tests' PostgreSQL server runs as another user, in here
    session.run("python", "-m", "build", "--sdist", "--outdir", str(out), silent=True)
    (archive,) = out.glob("linedriver-*.tar.gz")
    with tarfile.open(archive) as tar:
        tar.extractall(out, filter="data")
    unpacked = out / archive.name.removesuffix(".tar.gz")
    session.install(f"{archive}[test]")
    session.chdir(unpacked)
    session.run("python", "-m", "pytest", "-q", "-n", "2", "-p", "no:cacheprovider",
                env={"TMPDIR": str(out)})  # fmt: skip
    shutil.rmtree(out)
