"""Run pexpect 4.9.0's own test suite against driver.pexpect (or against pexpect).

The suite is not part of this repository: the script downloads pexpect's sdist
with pip, lays out a run directory holding only the sdist's ``tests/`` package,
and runs pytest there. With ``--against driver`` (the default) a generated
``conftest.py`` makes the name ``pexpect`` (and ``pexpect.<submodule>``) resolve
to ``driver.pexpect`` (``driver.pexpect.install_as_pexpect()``); with
``--against pexpect`` the installed pexpect runs the same suite, to compare
results and times. Tests that do not apply to
driver.pexpect are listed, each with a reason, in
``tests/pexpect_not_applicable.txt``; both modes leave them out, and an entry
that matches nothing fails the run.

Run, from anywhere (Python 3.10+, with pytest installed)::

    python scripts/pexpect_suite.py [--against driver|pexpect] [--keep DIR] [-- PYTEST_ARGS]

``PEXPECT_SDIST=/path/to/pexpect-4.9.0.tar.gz`` uses (or, when missing, saves)
a local copy of the sdist instead of downloading it each time. ``--keep DIR``
leaves the run directory (tests, generated conftest, junit.xml) in DIR to rerun
or inspect. pytest always collects the whole suite (so that the list can be
checked); narrow a run with ``-- -k EXPRESSION``. The exit status is pytest's.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PEXPECT_VERSION = "4.9.0"
# sha256 of pexpect-4.9.0.tar.gz as published on PyPI
SDIST_SHA256 = "ee7d41123f3c9911050ea2c2dac107568dc43b2d3b0c7557a33212c398ead30f"
PROJECT = Path(__file__).resolve().parent.parent
LIST_NAME = "tests/pexpect_not_applicable.txt"
NOT_APPLICABLE = PROJECT / LIST_NAME
# a run directory made by this script holds this file; --keep refreshes only such a directory
MARKER = ".pexpect_suite"
TARGETS = {"driver": "driver.pexpect", "pexpect": "pexpect (installed)"}


class SuiteError(Exception):
    """Something the person running the script has to fix; the message says what."""


@dataclass(frozen=True)
class Entry:
    """One line of the not-applicable list: a test file or a test's node id."""

    target: str
    reason: str

    @property
    def is_file(self) -> bool:
        return "::" not in self.target

    @property
    def applies(self) -> bool:
        """False for an entry whose reason is ``needs PROGRAM: ...`` where
        PROGRAM is installed: the test then runs like any other."""
        words = self.reason.split()
        if len(words) < 2 or words[0] != "needs" or not words[1].endswith(":"):
            return True
        return shutil.which(words[1].rstrip(":")) is None


@dataclass(frozen=True)
class Counts:
    passed: int
    failed: int
    errors: int
    skipped: int


# -- the not-applicable list -------------------------------------------------------


def read_not_applicable(path: Path) -> list[Entry]:
    """The entries of ``path``: ``tests/file.py[::node]  # reason`` a line."""
    if not path.is_file():
        raise SuiteError(f"{path} is missing (it may be empty, but must exist)")
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        text, _, reason = line.partition(" #")  # a test id may hold '#' but no space
        target = text.strip()
        where = f"{LIST_NAME}:{number}"
        if len(target.split()) != 1 or not target.startswith("tests/"):
            raise SuiteError(f"{where}: {target!r} is not a path or node id under tests/")
        if not reason.strip():
            raise SuiteError(f"{where}: {target} has no reason (add '  # why it does not apply')")
        entries.append(Entry(target, reason.strip()))
    return entries


# -- the sdist ---------------------------------------------------------------------


def fetch_sdist(workspace: Path) -> Path:
    """pexpect's sdist: ``$PEXPECT_SDIST`` if it exists, else downloaded with pip
    (and saved as ``$PEXPECT_SDIST`` when that is set)."""
    cached = os.environ.get("PEXPECT_SDIST")
    if cached and Path(cached).is_file():
        return check_sdist(Path(cached))
    sdist = check_sdist(download_sdist(workspace / "download"))
    if cached:
        Path(cached).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(sdist, cached)
        print(f"pexpect_suite: saved the sdist as {cached}", file=sys.stderr)
    return sdist


def download_sdist(into: Path) -> Path:
    command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
    command += [f"pexpect=={PEXPECT_VERSION}", "-d", str(into)]
    status = subprocess.run(command, check=False).returncode
    found = sorted(into.glob("pexpect-*.tar.gz"))
    if status != 0 or len(found) != 1:
        raise SuiteError(
            f"pip could not download the pexpect {PEXPECT_VERSION} sdist (status {status}); "
            f"offline, set PEXPECT_SDIST to a copy of pexpect-{PEXPECT_VERSION}.tar.gz"
        )
    return found[0]


def check_sdist(sdist: Path) -> Path:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise SuiteError(
            f"{sdist} is not PyPI's pexpect-{PEXPECT_VERSION}.tar.gz (sha256 {digest})"
        )
    return sdist


def extract_tests(sdist: Path, into: Path) -> Path:
    """Extract the sdist's ``tests/`` directory under ``into``; return its path."""
    prefix = f"pexpect-{PEXPECT_VERSION}/tests"
    with tarfile.open(sdist, "r:gz") as archive:
        members = [m for m in archive.getmembers() if f"{m.name}/".startswith(f"{prefix}/")]
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, members=members, filter="data")
        else:  # older Pythons without extraction filters; the archive's hash is checked
            archive.extractall(into, members=members)
    tests = into / prefix
    if not (tests / "__init__.py").is_file():
        raise SuiteError(f"{sdist} has no tests/ package")
    return tests


# -- the run directory ---------------------------------------------------------------


def prepare_run_dir(keep: str | None, workspace: Path) -> Path:
    """An empty run directory: ``keep`` (empty, new, or made by an earlier run),
    or one inside the workspace."""
    if keep is None:
        run = workspace / "run"
    else:
        run = Path(keep).resolve()
        if run.exists() and any(run.iterdir()):
            if not (run / MARKER).is_file():
                raise SuiteError(
                    f"--keep {keep}: not empty, and not a run directory of this script"
                )
            shutil.rmtree(run)
    run.mkdir(parents=True, exist_ok=True)
    (run / MARKER).write_text(f"made by {Path(__file__).name}; deleted by the next --keep run\n")
    return run


def write_run_files(run: Path, against: str, entries: Sequence[Entry]) -> None:
    """pytest.ini (stops pytest looking above ``run`` for settings), conftest.py, and
    with ``--against driver`` a ``pexpect.py`` that stands for driver.pexpect in the
    children that import pexpect (test_interact puts the run directory on their path)."""
    (run / "pytest.ini").write_text(PYTEST_INI)
    aliasing = ALIAS_CODE if against == "driver" else ""
    conftest = CONFTEST_HEAD.format(version=PEXPECT_VERSION, target=TARGETS[against])
    conftest += aliasing + CONFTEST_HOOKS.replace("@ENTRIES@", format_entries(entries))
    (run / "conftest.py").write_text(conftest.replace("@LIST_NAME@", LIST_NAME))
    if against == "driver":
        (run / "pexpect.py").write_text(SHIM_HEAD + aliasing)


def format_entries(entries: Sequence[Entry]) -> str:
    lines = "".join(f"    ({e.target!r}, {e.reason!r}),\n" for e in entries)
    return f"[\n{lines}]" if lines else "[]"


# -- running pytest -----------------------------------------------------------------


def pytest_env(run: Path, against: str) -> dict[str, str]:
    """os.environ, with PYTHONPATH rid of entries that would shadow the run directory's
    modules (the current directory, the run directory and its parent), and with this
    checkout ahead when ``driver`` would otherwise come from elsewhere."""
    env = dict(os.environ)
    shadowing = {run.resolve(), run.resolve().parent}
    entries = env.get("PYTHONPATH", "").split(os.pathsep)
    kept = [e for e in entries if e and Path(e).resolve() not in shadowing]
    if against == "driver" and not driver_from_checkout():
        kept.insert(0, str(PROJECT))
    env["PYTHONPATH"] = os.pathsep.join(kept)
    if not kept:
        del env["PYTHONPATH"]
    env["PEXPECT_SUITE_AGAINST"] = against
    return env


def driver_from_checkout() -> bool:
    spec = importlib.util.find_spec("driver")
    origin = spec.origin if spec is not None else None
    return origin is not None and Path(origin).resolve() == PROJECT / "driver" / "__init__.py"


def run_pytest(run: Path, against: str, extra: Sequence[str]) -> tuple[int, float]:
    """Run the suite; return pytest's exit status and the wall time it took."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts="]
    # pexpect's async tests are unittest's IsolatedAsyncioTestCase: pytest-asyncio has no part
    command += ["-p", "no:asyncio"]
    command += ["--rootdir", str(run), f"--junitxml={run / 'junit.xml'}", str(run / "tests")]
    command += list(extra)
    started = time.monotonic()
    status = subprocess.run(command, cwd=run, env=pytest_env(run, against), check=False).returncode
    return (status if status >= 0 else 128 - status), time.monotonic() - started


def read_counts(junit: Path) -> Counts | None:
    if not junit.is_file():
        return None
    root = ElementTree.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {
        key: sum(int(s.get(key, 0)) for s in suites)
        for key in ("tests", "failures", "errors", "skipped")
    }
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    return Counts(passed, total["failures"], total["errors"], total["skipped"])


def summary(
    against: str, counts: Counts | None, status: int, entries: Sequence[Entry], seconds: float
) -> str:
    head = f"pexpect {PEXPECT_VERSION} suite on {TARGETS[against]}"
    if counts is None:
        return f"{head}: pytest ended with status {status} before any test ran, in {seconds:.1f} s"
    files = sum(e.is_file for e in entries)
    results = (
        f"{counts.passed} passed, {counts.failed} failed, {counts.errors} errors,"
        f" {counts.skipped} skipped"
    )
    left_out = f"{files} files and {len(entries) - files} tests not applicable"
    return f"{head}: {results}, {left_out} (listed in {LIST_NAME}), in {seconds:.1f} s"


# -- main ---------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """The script's options, and the pytest arguments after ``--``."""
    argv = list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--against", choices=sorted(TARGETS), default="driver")
    parser.add_argument("--keep", metavar="DIR", help="lay out the run in DIR and keep it")
    return parser.parse_args(own), extra


def main(argv: Sequence[str]) -> int:
    args, extra = parse_args(argv)
    try:
        entries = [entry for entry in read_not_applicable(NOT_APPLICABLE) if entry.applies]
        with tempfile.TemporaryDirectory(prefix="pexpect-suite-") as workspace_name:
            workspace = Path(workspace_name)
            run = prepare_run_dir(args.keep, workspace)
            tests = extract_tests(fetch_sdist(workspace), workspace / "sdist")
            shutil.copytree(tests, run / "tests")
            write_run_files(run, args.against, entries)
            status, seconds = run_pytest(run, args.against, extra)
            counts = read_counts(run / "junit.xml")
    except SuiteError as error:
        print(f"pexpect_suite: {error}", file=sys.stderr)
        return 2
    print(summary(args.against, counts, status, entries, seconds))
    if args.keep:
        print(f"pexpect_suite: the run directory is {run}")
    return status


# -- generated files ----------------------------------------------------------------

PYTEST_INI = """\
# Generated by scripts/pexpect_suite.py: pytest's settings for this run are its
# command line; this file keeps it from taking any from the directories above.
[pytest]
"""

CONFTEST_HEAD = '''\
"""Generated by scripts/pexpect_suite.py: runs pexpect {version}'s tests on {target}."""

import os
import sys

import pytest

'''

SHIM_HEAD = '''\
"""Generated by scripts/pexpect_suite.py: importing pexpect gives driver.pexpect."""

'''

ALIAS_CODE = """\
try:
    import driver.pexpect
except ImportError as error:
    raise ImportError(
        f"--against driver: cannot import driver.pexpect ({type(error).__name__}: {error});"
        " the suite needs the package driver/pexpect (--against pexpect runs it on pexpect)"
    ) from error
# The documented way to run a project's tests on driver: pexpect, and
# pexpect.<submodule>, resolve to driver.pexpect's from here on.
driver.pexpect.install_as_pexpect()

"""

CONFTEST_HOOKS = '''\
# (file or node id, reason) from @LIST_NAME@ in the driver repository
NOT_APPLICABLE = @ENTRIES@
_HERE = os.path.dirname(os.path.abspath(__file__))
_FILES = [target for target, _ in NOT_APPLICABLE if "::" not in target]
_NODES = [target for target, _ in NOT_APPLICABLE if "::" in target]
_UNCOLLECTED = set()  # files that failed to collect: their entries cannot be checked

collect_ignore = list(_FILES)


def pytest_report_header(config):
    import pexpect

    where = getattr(pexpect, "__file__", "?")
    return [
        f"pexpect is {pexpect.__name__} ({where}); PEXPECT_SUITE_AGAINST="
        + os.environ.get("PEXPECT_SUITE_AGAINST", ""),
        f"not applicable (@LIST_NAME@): {len(_FILES)} files ignored,"
        f" {len(_NODES)} tests deselected",
    ]


def pytest_collectreport(report):
    if report.failed:
        _UNCOLLECTED.add(report.nodeid.split("::")[0])


def _matches(nodeid, target):
    return nodeid == target or nodeid.startswith((target + "::", target + "["))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(session, config, items):
    """Deselect the listed tests; fail the run when an entry matches nothing."""
    stale = [f"{t}: no such file" for t in _FILES if not os.path.isfile(os.path.join(_HERE, t))]
    matched, kept, deselected = set(), [], []
    for item in items:
        hits = {target for target in _NODES if _matches(item.nodeid, target)}
        matched |= hits
        (deselected if hits else kept).append(item)
    stale += [
        f"{t}: matches no collected test"
        for t in _NODES
        if t not in matched and t.split("::")[0] not in _UNCOLLECTED
    ]
    if stale:
        raise pytest.UsageError(
            "stale entries in @LIST_NAME@ (remove or correct them):\\n  " + "\\n  ".join(stale)
        )
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept
'''


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
