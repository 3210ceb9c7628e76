"""The pytest plugin: spawn fixtures, session files as tests, failures a person can read.

Installed with the package (the ``pytest11`` entry point), it adds:

- the ``spawn`` and ``aspawn`` fixtures: :func:`driver.spawn` and
  :func:`driver.aspawn` whose sessions run in the test's ``tmp_path`` with a
  scratch ``HOME``, in the quiet environment (``TERM=dumb``, ``NO_COLOR=1``...),
  and are all closed at teardown, pass or fail;
- when such a test fails, a report section per session: the child, its state
  and the whole transcript in session-file form (also written to
  ``tmp_path/<name>.transcript``), and a traceback that ends in the test's
  own line rather than inside driver;
- ``*.session`` files (and Markdown or reST documents with session blocks)
  collected as tests, ``--driver-update`` to rewrite them.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Awaitable, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from . import DriverError, ExitStatusUnknown

# pytest loads this plugin in every run in the environment, for projects that
# never use it: what starts sessions or reads session files is imported when
# a test first needs it (``import driver`` itself is lazy).
if TYPE_CHECKING:
    from .aio import AsyncSession
    from .session import Session
    from .sessionfile import FileResult

_BACKENDS = ("pipe", "pty")
#: Seconds a child has to exit after EOF (then SIGTERM, SIGKILL) at teardown.
_TEARDOWN_GRACE = 0.5


# -- options ----------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("driver", "driver: interactive programs under test")
    group.addoption(
        "--driver-timeout", type=_timeout_option, metavar="SECONDS",
        help="default timeout of spawn/aspawn sessions and session-file steps",
    )  # fmt: skip
    group.addoption(
        "--driver-backend", choices=_BACKENDS,
        help="default backend of spawn/aspawn sessions and session files",
    )  # fmt: skip
    group.addoption(
        "--driver-update", action="store_true",
        help="rewrite session files from what their programs printed",
    )  # fmt: skip
    parser.addini("driver_timeout", "default timeout (seconds) of spawn/aspawn", default="10")
    parser.addini("driver_backend", "default backend of spawn/aspawn: pipe or pty", default="pipe")
    parser.addini(
        "driver_session_glob",
        "session files collected as tests: glob patterns matched against the end of each"
        " path (tests/*.session); none by default",
        type="args", default=[],
    )  # fmt: skip


def _timeout_option(text: str) -> float:
    from .cli import seconds_option

    return seconds_option("--driver-timeout")(text)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "driver(timeout=None, backend=None): this test's spawn/aspawn defaults"
    )


def _defaults(request: pytest.FixtureRequest) -> dict[str, Any]:
    """timeout and backend for a test: the marker, else the command line, else the ini."""
    from .sessionfile import seconds

    config = request.config
    try:
        ini_timeout = seconds(config.getini("driver_timeout"), "driver_timeout (ini)")
    except ValueError as problem:
        raise pytest.UsageError(str(problem)) from None
    timeout = config.getoption("driver_timeout") or ini_timeout
    backend = config.getoption("driver_backend") or config.getini("driver_backend")
    marker = request.node.get_closest_marker("driver")
    if marker is not None:
        unknown = set(marker.kwargs) - {"timeout", "backend"}
        if marker.args or unknown:
            raise pytest.UsageError(
                f"@pytest.mark.driver takes timeout= and backend= only; got"
                f" {', '.join([*map(repr, marker.args), *sorted(unknown)])}"
            )
        timeout = marker.kwargs.get("timeout", timeout)
        backend = marker.kwargs.get("backend", backend)
    if backend not in _BACKENDS:
        raise pytest.UsageError(f"driver backend {backend!r}: use pipe or pty")
    return {"timeout": timeout, "backend": backend}


# -- the spawn fixtures -----------------------------------------------------------


@dataclass
class _Started:
    """A session a test started through a fixture, and what its report needs."""

    name: str
    session: Session[Any] | AsyncSession[Any]

    def report(self) -> str:
        """Who the child is, how it stands, and the exchange in session-file form."""
        session = self.session
        if not session.closed:
            session.read_available()  # so a child that exited shows all it printed
        timeout = "no timeout" if session.timeout is None else f"timeout {session.timeout} s"
        header = f"# {session.describe()}, backend {session.backend}, {timeout}"
        from .sessionfile import session_text

        argv = [session.mask(argument) for argument in session.argv]
        try:
            returncode = session.returncode
        except ExitStatusUnknown:  # (a connection lost, say): the header says why
            returncode = None
        body = session_text(argv, session.transcript, returncode)
        if session.has_screen:
            # A full-screen program's transcript is escape sequences: the
            # screen they drew is what a person can read.
            body += "\n# the " + session.screen.snapshot(session.secrets)
        return f"{header}\n{body}"


_STARTED = pytest.StashKey[list[_Started]]()


class _Sessions:
    """The sessions of one test: how they start, and their teardown."""

    def __init__(self, request: pytest.FixtureRequest, tmp_path: Path) -> None:
        self.defaults = _defaults(request)
        self.tmp_path = tmp_path
        self.started = request.node.stash.setdefault(_STARTED, [])
        self.mine: list[_Started] = []

    def options(self, options: dict[str, Any]) -> dict[str, Any]:
        home = self.tmp_path / "home"
        home.mkdir(exist_ok=True)
        given = {**self.defaults, **options}
        if given.get("host") is not None:
            # On another machine: its own login environment and home, the
            # test's env over them; tmp_path and HOME here are not there.
            return given
        # A scratch HOME beneath the test's own env, added as spawn adds env.
        env = given.get("env")
        if env is None or isinstance(env, Mapping):  # anything else is refused by spawn, named
            given["env"] = {"HOME": str(home), **(env or {})}
        given.setdefault("cwd", self.tmp_path)
        return given

    def add(self, session: Session[Any] | AsyncSession[Any], name: str | None) -> None:
        name = name or Path(session.argv[0]).name
        taken = {started.name for started in self.started}
        unique, number = name, 1
        while unique in taken:
            number += 1
            unique = f"{name}-{number}"
        started = _Started(unique, session)
        self.started.append(started)
        self.mine.append(started)

    def write_transcripts(self) -> None:
        for started in self.mine:
            path = self.tmp_path / f"{started.name}.transcript"
            path.write_text(started.report(), encoding="utf-8")


@pytest.fixture
def spawn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Callable[..., Session[Any]]]:
    """driver.spawn for this test: cwd tmp_path, scratch HOME, all closed at teardown.

    Takes the options of :func:`driver.spawn`, plus ``name=`` for the report
    and the transcript file. ``env`` is added to the test's environment.
    """
    from . import Session
    from . import spawn as spawn_session

    sessions = _Sessions(request, tmp_path)

    def start(argv: Any, *, name: str | None = None, **options: Any) -> Session[Any]:
        __tracebackhide__ = True
        session = spawn_session(argv, **sessions.options(options))
        sessions.add(session, name)
        return session

    yield start
    for started in sessions.mine:
        if isinstance(started.session, Session):
            with contextlib.suppress(ExitStatusUnknown):  # the test did not ask for it
                started.session.close(grace=_TEARDOWN_GRACE)
    sessions.write_transcripts()


@pytest.fixture
def aspawn(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., Awaitable[AsyncSession[Any]]]]:
    """driver.aspawn for this test (await it); like ``spawn`` otherwise."""
    from . import AsyncSession
    from . import aspawn as aspawn_session

    sessions = _Sessions(request, tmp_path)

    async def start(argv: Any, *, name: str | None = None, **options: Any) -> AsyncSession[Any]:
        __tracebackhide__ = True
        session: AsyncSession[Any] = await aspawn_session(argv, **sessions.options(options))
        sessions.add(session, name)
        return session

    yield start
    for started in sessions.mine:
        if isinstance(started.session, AsyncSession):
            _close_async(started.session)
    sessions.write_transcripts()


def _close_async(session: AsyncSession[Any]) -> None:
    """Close an async session from sync teardown: on its loop if that can
    still run, else at once (kill, reap, release)."""
    if session.closed:
        return
    loop = session.loop
    with contextlib.suppress(ExitStatusUnknown):  # the test did not ask for it
        if not loop.is_closed() and not loop.is_running():
            loop.run_until_complete(session.close(grace=_TEARDOWN_GRACE))
        else:
            session.abort()


# -- failure reports --------------------------------------------------------------


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, Any, None]:
    if call.excinfo is not None:
        _hide_driver_frames()
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    if report.failed:
        for started in item.stash.get(_STARTED, []):
            report.sections.append((f"driver session {started.name}", started.report()))


def _hide_driver_frames() -> None:
    """A DriverError's message says what happened; the frames inside driver
    say nothing more to someone testing their program, so the traceback ends
    at the test's own line. pytest hides a frame whose globals hold a true
    ``__tracebackhide__`` (a callable is asked about the exception);
    ``--full-trace`` shows everything."""
    for name, module in list(sys.modules.items()):
        if name == "driver" or name.startswith("driver."):
            module.__dict__.setdefault("__tracebackhide__", _is_driver_error)


def _is_driver_error(excinfo: pytest.ExceptionInfo[BaseException]) -> bool:
    return isinstance(excinfo.value, DriverError)


# -- session files as tests -------------------------------------------------------


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """A session file is a test where the project says so (``driver_session_glob``)
    or when named on the command line; a file that is not one (other tools
    keep SQLite databases as ``*.session``) is left alone, wherever it is."""
    patterns = parent.config.getini("driver_session_glob")
    named = parent.session.isinitpath(file_path) and file_path.suffix == ".session"
    if not named and not any(file_path.match(pattern) for pattern in patterns):
        return None
    from .sessionfile import looks_like_session_file

    if not looks_like_session_file(file_path):
        return None
    return SessionFileCollector.from_parent(parent, path=file_path)


class SessionFileCollector(pytest.File):
    """A ``*.session`` file: one test item, the whole file."""

    def collect(self) -> Iterator[SessionFileItem]:
        yield SessionFileItem.from_parent(self, name=self.path.stem)


def _shown(path: Path) -> Path:
    """``path`` as a person would type it here: relative to the current directory."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


class SessionFileFailed(Exception):
    """A session file whose run did not match it."""

    def __init__(self, result: FileResult, note: str = "") -> None:
        super().__init__(f"{result.path}: {len(result.failures)} step(s) did not match")
        self.result = result
        self.note = note


class SessionFileItem(pytest.Item):
    """Runs a session file; with --driver-update, rewrites it from what happened."""

    def runtest(self) -> None:
        from .sessionfile import run_file, update_file

        config = self.config
        result = run_file(
            _shown(self.path),
            timeout=config.getoption("driver_timeout"),
            backend=config.getoption("driver_backend"),
        )
        if result.skipped:
            pytest.skip(result.skipped)
        if config.getoption("driver_update"):
            if result.complete:
                # One file per item, written atomically: safe under pytest-xdist.
                update_file(result)
                return
            raise SessionFileFailed(result, "not updated: the run stopped early; fix that first")
        if not result.passed:
            raise SessionFileFailed(result)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None
    ) -> str | Any:
        from .sessionfile import SessionFileError

        error = excinfo.value
        if isinstance(error, SessionFileError):
            return str(error)
        if not isinstance(error, SessionFileFailed):
            return super().repr_failure(excinfo, style)
        report = error.result.report()
        return f"{report}\n{error.note}" if error.note else report

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, f"session file {self.path.name}"
