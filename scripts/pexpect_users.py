"""Run other projects' pexpect-using tests against driver.pexpect (or pexpect).

A drop-in is proven by the suites of projects that use pexpect, run as their
maintainers run them. For each project this script downloads its sdist with
pip (never copied into this repository), makes a fresh virtual environment
holding the project with its test extras, pexpect 4.9.0 and this checkout of
driver, and runs the project's pexpect tests from the sdist. With
``--against driver`` (the default) the project's ``conftest.py`` starts with
the one documented line, ``driver.pexpect.install_as_pexpect()``, and an
``import pexpect`` at module level (as pytest-timeout's and pdbpp's
conftests have); with ``--against pexpect`` the same tests run on pexpect;
``--against both`` takes turns and prints the two side by side.

Projects (name: what runs)::

    pytest   pytest 9.2.0's ``-m uses_pexpect`` tests (pdb, capture, terminal)
    ipython  IPython 9.19.1's debugger tests (tests/test_debugger.py; Python 3.11+)

Run, from anywhere (Python 3.10+)::

    python scripts/pexpect_users.py [PROJECT ...] [--against driver|pexpect|both]
                                    [--runs N] [--keep DIR] [-- PYTEST_ARGS]

All projects run when none is named. ``PEXPECT_USERS_SDISTS=DIR`` keeps the
sdists in DIR and uses them from there the next time. ``--keep DIR`` leaves
the sdists unpacked and the environments in DIR. The exit status is 0 when
every run on driver.pexpect passed (and, with ``--against pexpect``, every
run on pexpect), 1 when one failed, 2 for a problem the message names.
"""

from __future__ import annotations

import argparse
import hashlib
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

PROJECT = Path(__file__).resolve().parent.parent
PEXPECT = "pexpect==4.9.0"
TARGETS = {"pexpect": "pexpect 4.9.0", "driver": "driver.pexpect"}
# a directory made by this script holds this file; --keep refreshes only such a directory
MARKER = ".pexpect_users"

#: What heads the project's conftest.py in a run on driver: the documented line.
ALIAS = (
    "# Added by driver's scripts/pexpect_users.py: pexpect is driver.pexpect here.\n"
    "import driver.pexpect\n"
    "driver.pexpect.install_as_pexpect()\n"
    "import pexpect  # noqa: E402, F401  (at module level, as some projects' conftests)\n"
    "\n"
)


@dataclass(frozen=True)
class Project:
    """A project whose tests use pexpect, pinned to one release."""

    name: str
    version: str
    sha256: str  # of the sdist, as published on PyPI
    install: tuple[str, ...]  # the project itself and its test extras, as pip takes them
    tests: tuple[str, ...]  # pytest's arguments, in the unpacked sdist
    python: tuple[int, int]  # the oldest Python the release runs on
    what: str

    @property
    def sdist(self) -> str:
        return f"{self.name}-{self.version}.tar.gz"


PROJECTS = {
    project.name: project
    for project in (
        Project(
            "pytest",
            "9.2.0",
            "97c4f3b1f3c7414aa36465e09b8220f1d03627993bd51b1282e193753c80557b",
            ("pytest[dev]==9.2.0",),
            ("-m", "uses_pexpect", "testing"),
            (3, 10),
            "its -m uses_pexpect tests",
        ),
        Project(
            "ipython",
            "9.19.1",
            "8d717edbe293adcb1b9fdeaad7ccfb1573f62d91bc10f0ae62604dbf31e6acac",
            ("ipython[test]==9.19.1",),
            ("tests/test_debugger.py",),
            (3, 11),
            "its debugger tests",
        ),
    )
}


class UsersError(Exception):
    """Something the person running the script has to fix; the message says what."""


@dataclass(frozen=True)
class Result:
    target: str
    status: int
    seconds: float
    counts: str  # "42 passed, 2 skipped", or what went wrong


# -- the sdist and the environment ---------------------------------------------------


def fetch_sdist(project: Project, workspace: Path) -> Path:
    """The project's sdist: from ``$PEXPECT_USERS_SDISTS`` if there, else
    downloaded with pip (and kept there when it is set)."""
    cache = os.environ.get("PEXPECT_USERS_SDISTS")
    cached = Path(cache) / project.sdist if cache else None
    if cached is not None and cached.is_file():
        return check_sdist(project, cached)
    into = workspace / "download"
    command = [sys.executable, "-m", "pip", "download", "--no-binary", ":all:", "--no-deps"]
    command += ["-q", f"{project.name}=={project.version}", "-d", str(into)]
    status = subprocess.run(command, check=False).returncode
    found = into / project.sdist
    if status != 0 or not found.is_file():
        raise UsersError(
            f"pip could not download the {project.name} {project.version} sdist (status"
            f" {status}); offline, put {project.sdist} in a directory named by"
            " PEXPECT_USERS_SDISTS"
        )
    check_sdist(project, found)
    if cached is not None:
        cached.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(found, cached)
    return found


def check_sdist(project: Project, sdist: Path) -> Path:
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != project.sha256:
        raise UsersError(f"{sdist} is not PyPI's {project.sdist} (sha256 {digest})")
    return sdist


def unpack(project: Project, sdist: Path, into: Path) -> Path:
    with tarfile.open(sdist, "r:gz") as archive:
        if hasattr(tarfile, "data_filter"):
            archive.extractall(into, filter="data")
        else:  # older Pythons without extraction filters; the archive's hash is checked
            archive.extractall(into)
    top = into / f"{project.name}-{project.version}"
    if not top.is_dir():
        raise UsersError(f"{sdist} does not unpack into {top.name}/")
    return top


def make_environment(project: Project, where: Path) -> Path:
    """A virtual environment with the project, its test extras, pexpect and
    this checkout of driver; its Python."""
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True)
    python = where / "bin" / "python"
    command = [str(python), "-m", "pip", "install", "-q", *project.install, PEXPECT]
    command += ["-e", str(PROJECT)]
    if subprocess.run(command, check=False).returncode != 0:
        raise UsersError(f"pip could not install {' '.join(project.install)} and driver")
    return python


# -- the runs --------------------------------------------------------------------------


def run_tests(
    project: Project, source: Path, python: Path, target: str, extra: Sequence[str]
) -> Result:
    """The project's tests on ``target``, its conftest.py headed by the
    documented line for a run on driver."""
    conftest = source / "conftest.py"
    original = conftest.read_text(encoding="utf-8") if conftest.exists() else None
    conftest.write_text((ALIAS if target == "driver" else "") + (original or ""))
    junit = source / f"junit-{target}.xml"
    command = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    command += [f"--junitxml={junit}", *project.tests, *extra]
    started = time.monotonic()
    try:
        status = subprocess.run(command, cwd=source, env=clean_env(python), check=False)
    finally:
        if original is None:
            conftest.unlink()
        else:
            conftest.write_text(original, encoding="utf-8")
    seconds = time.monotonic() - started
    return Result(target, status.returncode, seconds, read_counts(junit, status.returncode))


def clean_env(python: Path) -> dict[str, str]:
    """This environment, minus what would change a project's pytest run, with
    the virtual environment first on PATH (some tests start ``python``)."""
    env = {k: v for k, v in os.environ.items() if k not in SHADOWING}
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(python.parent.parent)
    return env


SHADOWING = ("PYTHONPATH", "PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTHONHOME", "VIRTUAL_ENV")


def read_counts(junit: Path, status: int) -> str:
    if not junit.is_file():
        return f"pytest ended with status {status} before any test ran"
    root = ElementTree.parse(junit).getroot()
    suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
    total = {
        key: sum(int(s.get(key, 0)) for s in suites)
        for key in ("tests", "failures", "errors", "skipped")
    }
    passed = total["tests"] - total["failures"] - total["errors"] - total["skipped"]
    counts = [f"{passed} passed"]
    counts += [f"{total[k]} {k}" for k in ("failures", "errors", "skipped") if total[k]]
    return ", ".join(counts).replace("failures", "failed")


def report(project: Project, results: Sequence[Result]) -> str:
    lines = [f"{project.name} {project.version}, {project.what}:"]
    for target in TARGETS:
        mine = [r for r in results if r.target == target]
        for number, result in enumerate(mine, 1):
            run = f" run {number}" if len(mine) > 1 else ""
            lines.append(f"  {TARGETS[target]:<15}{run}: {result.counts} in {result.seconds:.1f} s")
    return "\n".join(lines)


# -- main -------------------------------------------------------------------------------


def parse_args(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    argv = list(argv)
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    own = argv[: argv.index("--")] if "--" in argv else argv
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("projects", nargs="*", metavar="PROJECT", help=", ".join(PROJECTS))
    parser.add_argument("--against", choices=["driver", "pexpect", "both"], default="driver")
    parser.add_argument("--runs", type=int, default=1, help="runs on each target, taking turns")
    parser.add_argument("--keep", metavar="DIR", help="lay everything out in DIR and keep it")
    args = parser.parse_args(own)
    unknown = [name for name in args.projects if name not in PROJECTS]
    if unknown:
        parser.error(f"no project {', '.join(unknown)}: the projects are {', '.join(PROJECTS)}")
    if args.runs < 1:
        parser.error(f"--runs {args.runs}: at least 1")
    return args, extra


def workspace_dir(keep: str | None) -> tuple[Path, bool]:
    """Where to lay things out, and whether to delete it at the end."""
    if keep is None:
        return Path(tempfile.mkdtemp(prefix="pexpect-users-")), True
    where = Path(keep).resolve()
    if where.exists() and any(where.iterdir()):
        if not (where / MARKER).is_file():
            raise UsersError(f"--keep {keep}: not empty, and not made by this script")
        shutil.rmtree(where)
    where.mkdir(parents=True)
    (where / MARKER).write_text(f"made by {Path(__file__).name}; emptied by the next --keep\n")
    return where, False


def run_project(
    project: Project, workspace: Path, targets: Sequence[str], runs: int, extra: Sequence[str]
) -> list[Result]:
    here = workspace / project.name
    here.mkdir()
    source = unpack(project, fetch_sdist(project, here), here)
    python = make_environment(project, here / "venv")
    return [
        run_tests(project, source, python, target, extra) for _ in range(runs) for target in targets
    ]


def main(argv: Sequence[str]) -> int:
    args, extra = parse_args(argv)
    targets = list(TARGETS) if args.against == "both" else [args.against]
    reports, failed = [], False
    try:
        workspace, temporary = workspace_dir(args.keep)
        try:
            for name in args.projects or list(PROJECTS):
                project = PROJECTS[name]
                if sys.version_info < project.python:
                    wanted = ".".join(map(str, project.python))
                    reports.append(f"{name} {project.version}: skipped, needs Python {wanted}+")
                    continue
                results = run_project(project, workspace, targets, args.runs, extra)
                failed |= any(r.status != 0 for r in results if args.against != "both"
                              or r.target == "driver")  # fmt: skip
                reports.append(report(project, results))
        finally:
            if temporary:
                shutil.rmtree(workspace, ignore_errors=True)
    except UsersError as error:
        print(f"pexpect_users: {error}", file=sys.stderr)
        return 2
    print("\n".join(reports))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
