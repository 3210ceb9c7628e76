"""The backends driven directly: checks before the fork, the child's start, exit, signals, pty."""

from __future__ import annotations

import errno
import gc
import os
import select
import signal
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import driver
from driver._errors import DriverError, InputClosed, SpawnError
from driver.backends import Backend
from driver.backends._process import ChildProcess
from driver.backends.pipe import PipeBackend
from driver.backends.pty import PtyBackend, Terminal
from helpers import ROOT, fixture, python

# A guard against a hung test, never a measurement: each wait here ends at once.
PATIENCE = 30.0

Start = Callable[..., Backend]


def start_backend(
    kind: str, argv: Any, *, cwd: Any = None, env: Any = None, **options: Any
) -> Backend:
    if kind == "pipe":
        return PipeBackend(argv, cwd=cwd, env=env, stderr=options.get("stderr", "stdout"))
    return PtyBackend(
        argv,
        cwd=cwd,
        env=env,
        echo=options.get("echo", False),
        dimensions=options.get("dimensions", (24, 80)),
    )


def pty(argv: list[str], **options: Any) -> PtyBackend:
    b = start_backend("pty", argv, **options)
    assert isinstance(b, PtyBackend)
    return b


def end(b: Backend) -> None:
    """What closing a session comes down to: kill the group, reap, release the fds."""
    b.process.signal_group(signal.SIGKILL)
    b.process.reap()
    b.close()


@pytest.fixture
def start(backend: str) -> Iterator[Start]:
    """Starts a backend of the test's kind, ended at teardown."""
    started: list[Backend] = []

    def start_(argv: Any, **options: Any) -> Backend:
        started.append(start_backend(backend, argv, **options))
        return started[-1]

    yield start_
    for b in started:
        end(b)


@pytest.fixture
def ptys() -> Iterator[Callable[..., PtyBackend]]:
    """Starts pty backends, ended at teardown."""
    started: list[PtyBackend] = []

    def start_(argv: list[str], **options: Any) -> PtyBackend:
        started.append(pty(argv, **options))
        return started[-1]

    yield start_
    for b in started:
        end(b)


def wait_readable(fd: int) -> None:
    if not select.select([fd], [], [], PATIENCE)[0]:
        pytest.fail(f"fd {fd} still not readable after {PATIENCE} s")


def read_streams(b: Backend, until: bytes | None = None) -> dict[str, bytes]:
    """Each output stream's bytes, read to EOF on every one (or until stdout holds ``until``)."""
    names = {fd: name for name, fd in b.output_fds.items()}
    got = dict.fromkeys(names.values(), b"")
    while names and not (until is not None and until in got["stdout"]):
        ready = select.select(list(names), [], [], PATIENCE)[0]
        if not ready:
            pytest.fail(f"no output after {PATIENCE} s; so far {got!r}")
        for fd in ready:
            data = b.read(fd)
            if data == b"":
                del names[fd]
            elif data is not None:
                got[names[fd]] += data
    return got


def read_to_eof(b: Backend) -> bytes:
    return read_streams(b)["stdout"]


def read_until(b: Backend, text: bytes) -> bytes:
    out = read_streams(b, until=text)["stdout"]
    assert text in out, f"EOF before {text!r}; got {out!r}"
    return out


def wait_exit(process: ChildProcess) -> int:
    """Wait for the child to exit, without reaping it; its returncode."""
    if process.exit_fd is not None:
        wait_readable(process.exit_fd)
    else:
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)
    returncode = process.poll()
    assert returncode is not None
    return returncode


def write_all(b: Backend, data: bytes) -> None:
    input_fd = b.input_fd
    assert input_fd is not None
    view = memoryview(data)
    while view:
        if not select.select([], [input_fd], [], PATIENCE)[1]:
            pytest.fail(f"input still not writable after {PATIENCE} s")
        view = view[b.write(view) :]


def proc_state(pid: int) -> str:
    stat = Path(f"/proc/{pid}/stat").read_bytes()
    return stat[stat.rfind(b")") + 2 :].decode()[0]


def open_fds() -> set[int]:
    return {int(name) for name in os.listdir("/proc/self/fd")}


def children() -> set[int]:
    """This process's children, zombies included."""
    found = set()
    for name in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{name}/stat").read_bytes() if name.isdigit() else b""
        except OSError:
            continue
        if stat and int(stat[stat.rfind(b")") + 2 :].split()[1]) == os.getpid():
            found.add(int(name))
    return found


def run_script(code: str, *args: str) -> str:
    """Run ``code`` in a fresh Python that imports this checkout's driver; its stdout."""
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, *args],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=PATIENCE,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


# glibc keeps two real-time signals for itself (and its posix_spawn, used by
# Python 3.13's subprocess, leaves them ignored): nobody else can set them.
SETTABLE_SIGNALS = sum(1 << (sig - 1) for sig in signal.valid_signals())


def status_masks(text: str) -> dict[str, int]:
    """SigIgn, SigBlk, ... from a /proc/PID/status, as numbers, settable signals only."""
    fields = (line.partition(":") for line in text.splitlines())
    return {
        name: int(value, 16) & SETTABLE_SIGNALS
        for name, _, value in fields
        if name.endswith(("SigIgn", "SigBlk"))
    }


# -- checks before the fork ----------------------------------------------------------


BAD_SPAWNS = [
    pytest.param([], {}, "cannot spawn an empty command", id="empty-argv"),
    pytest.param("ls -l", {}, "argv is a string, not a list", id="argv-string"),
    pytest.param(["ls", 3], {}, "argv[1] is 3 (type int)", id="argv-int"),
    pytest.param(["ls", "a\0b"], {}, "argv[1] 'a\\x00b' contains a NUL", id="argv-nul"),
    pytest.param(["ls"], {"env": [("A", "b")]}, "env must be a mapping", id="env-list"),
    pytest.param(["ls"], {"env": {1: "x"}}, "env key 1 (type int) is not a str", id="env-key"),
    pytest.param(["ls"], {"env": {"A": 1}}, "env['A'] has type int", id="env-value"),
    pytest.param(["ls"], {"env": {"A": "x\0"}}, "env['A'] holds a NUL", id="nul"),
    pytest.param(["ls"], {"env": {"A=B": "x"}}, "env key 'A=B' is not a variable", id="env-eq"),
    pytest.param(["ls"], {"env": {"": "x"}}, "env key '' is not a variable name", id="env-empty"),
    pytest.param(["ls"], {"cwd": "/no/such/dir"}, "cwd '/no/such/dir' does not exist", id="cwd"),
    pytest.param(["ls"], {"cwd": __file__}, f"cwd {__file__!r} is not a directory", id="cwd-file"),
    pytest.param(["no-such-program-x"], {}, "'no-such-program-x' not found on PATH", id="program"),
    # The program is looked up on the child's PATH, not the caller's.
    pytest.param(["sh"], {"env": {"PATH": "/no/such/dir"}}, "'sh' not found on PATH", id="path"),
    pytest.param(["/etc"], {}, "'/etc' is a directory", id="program-dir"),
    pytest.param([__file__], {}, f"{__file__!r} is not executable;", id="not-executable"),
]


@pytest.mark.parametrize(("argv", "options", "message"), BAD_SPAWNS)
def test_bad_spawn_arguments_are_refused_before_forking(
    backend: str, argv: Any, options: dict[str, Any], message: str
) -> None:
    fds, kids = open_fds(), children()
    with pytest.raises(SpawnError) as raised:
        start_backend(backend, argv, **options)
    assert message in str(raised.value)
    assert isinstance(raised.value, OSError) and raised.value.errno
    assert (open_fds(), children()) == (fds, kids)


@pytest.mark.parametrize("dimensions", [(0, 80), (24, 65536), (24,), ("24", 80), (True, 80)])
def test_bad_dimensions_are_refused_before_forking(dimensions: Any) -> None:
    with pytest.raises(SpawnError, match=r"dimensions=.* is not \(rows, columns\)"):
        pty(["true"], dimensions=dimensions)


@pytest.mark.skipif(os.geteuid() == 0, reason="root enters any directory")
def test_cwd_without_search_permission_is_refused(backend: str, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o600)
    with pytest.raises(SpawnError, match="cannot be entered") as raised:
        start_backend(backend, ["true"], cwd=locked)
    assert raised.value.errno == errno.EACCES


def test_an_exec_that_fails_in_the_child_is_a_spawn_error(backend: str, tmp_path: Path) -> None:
    # Executable, but neither a binary nor a script: only exec itself can tell.
    program = tmp_path / "garbage"
    program.write_bytes(b"\x7fnot a program\n")
    program.chmod(0o755)
    fds, kids = open_fds(), children()
    with pytest.raises(SpawnError, match="Exec format error") as raised:
        start_backend(backend, [str(program)])
    assert raised.value.errno == errno.ENOEXEC
    assert (open_fds(), children()) == (fds, kids)


# Each failure is reported once, by the caller; a child that returned into
# the caller's code would print its lines (and the marker) a second time.
SPAWN_FAILURES = """
import sys
from driver.backends._spawn import fork_exec
from driver.backends.pty import PtyBackend

def attempt(what, start):
    try:
        start()
    except Exception as exc:
        print(what, exc)

attempt("check:", lambda: PtyBackend(
    ["true"], cwd="/no/such/dir", env=None, echo=False, dimensions=(24, 80)))
attempt("exec:", lambda: PtyBackend(
    [sys.argv[1]], cwd=None, env=None, echo=False, dimensions=(24, 80)))
attempt("cwd:", lambda: fork_exec(
    "/bin/true", ["true"], None, "/no/such/dir", stdio=(None, None, None),
    controlling_terminal=False))
print("MARKER")
"""


def test_a_failed_spawn_never_runs_the_callers_code_twice(tmp_path: Path) -> None:
    program = tmp_path / "garbage"
    program.write_bytes(b"\x7fnot a program\n")
    program.chmod(0o755)
    lines = run_script(SPAWN_FAILURES, str(program)).splitlines()
    assert lines == [
        "check: cannot spawn `true`: cwd '/no/such/dir' does not exist; pass an existing directory",
        f"exec: cannot spawn `{program}`: cannot execute '{program}': Exec format error",
        "cwd: cannot spawn `true`: cannot enter cwd '/no/such/dir': No such file or directory",
        "MARKER",
    ]


# -- the child's start -----------------------------------------------------------------


def test_child_leads_its_own_session_and_group(start: Start) -> None:
    b = start(python("import os; print(os.getsid(0) == os.getpgrp() == os.getpid())"))
    assert read_to_eof(b).strip() == b"True"


# A shell's background job starts with SIGINT and SIGQUIT ignored; nohup
# ignores SIGHUP; a thread may block signals. None of it reaches the child.
SIGNALS_INHERITED = """
import select, signal, sys
from driver.backends.pipe import PipeBackend
from driver.backends.pty import PtyBackend

for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
with open("/proc/self/status") as status:
    print(status.read().replace("Sig", "ParentSig"))
argv = ["cat", "/proc/self/status"]
if sys.argv[1] == "pipe":
    b = PipeBackend(argv, cwd=None, env=None, stderr="stdout")
else:
    b = PtyBackend(argv, cwd=None, env=None, echo=False, dimensions=(24, 80))
fd = b.output_fds["stdout"]
while select.select([fd], [], [])[0] and (data := b.read(fd)) != b"":
    sys.stdout.write((data or b"").decode())
b.process.reap()
b.close()
"""


def test_child_starts_with_default_signals_whatever_its_parent_ignores(backend: str) -> None:
    masks = status_masks(run_script(SIGNALS_INHERITED, backend))
    ignored = {signal.SIGINT, signal.SIGQUIT, signal.SIGHUP}
    assert masks["ParentSigIgn"] & sum(1 << (sig - 1) for sig in ignored)
    assert masks["ParentSigBlk"] == 1 << (signal.SIGINT - 1)
    assert masks["SigIgn"] == masks["SigBlk"] == 0


def test_child_of_a_plain_parent_starts_with_default_signals(start: Start) -> None:
    # Python itself ignores SIGPIPE and SIGXFSZ; the child must not.
    masks = status_masks(read_to_eof(start(["cat", "/proc/self/status"])).decode())
    assert masks["SigIgn"] == masks["SigBlk"] == 0


@pytest.mark.parametrize("stderr", ["stdout", "pipe", "devnull", "inherit"])
@pytest.mark.parametrize("blocked", [False, True], ids=["popen", "own-fork"])
def test_pipe_stderr_modes(stderr: str, blocked: bool, capfd: pytest.CaptureFixture[str]) -> None:
    # A signal blocked in this thread sends the pipe backend through its own fork.
    mask = {signal.SIGUSR1} if blocked else set()
    old_mask = signal.pthread_sigmask(signal.SIG_BLOCK, mask)
    try:
        b = PipeBackend(
            python("import os; os.write(1, b'out\\n'); os.write(2, b'err\\n')"),
            cwd=None,
            env=None,
            stderr=stderr,
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old_mask)
    try:
        streams = read_streams(b)
        assert b.process.reap() == 0
    finally:
        b.close()
    expected = {
        "stdout": {"stdout": b"out\nerr\n"},
        "pipe": {"stdout": b"out\n", "stderr": b"err\n"},
        "devnull": {"stdout": b"out\n"},
        "inherit": {"stdout": b"out\n"},
    }
    assert streams == expected[stderr]
    assert capfd.readouterr().err == ("err\n" if stderr == "inherit" else "")


def test_pipe_stderr_mode_is_checked() -> None:
    with pytest.raises(ValueError, match="stderr='tty' is not one of 'stdout', 'pipe'"):
        driver.spawn(["true"], stderr="tty")  # type: ignore[typeddict-item]


def test_argv_cwd_and_env_reach_the_child(start: Start, tmp_path: Path) -> None:
    code = """
import os, sys
with open("/proc/self/cmdline", "rb") as cmdline:
    print(cmdline.read().split(b"\\0")[0].decode())
print(sys.argv[1:], os.getcwd(), os.environ["GREETING"], sep="\\n")
"""
    # argv[0] reaches the child as given (as with subprocess), found on env's PATH.
    executable = Path(sys.executable)
    env = {"PATH": str(executable.parent), "GREETING": "hello"}
    b = start([executable.name, "-c", code, "a b", ""], cwd=tmp_path, env=env)
    lines = read_to_eof(b).decode().splitlines()
    assert lines == [executable.name, "['a b', '']", str(tmp_path), "hello"]


def test_spawning_from_a_thread_warns_nothing(backend: str) -> None:
    # Python 3.12+ warns when a process with threads forks (and then drops
    # the warning if it is an error); a child that only execs is safe.
    outcome: list[object] = []

    def spawn() -> None:
        try:
            b = start_backend(backend, ["true"])
            outcome.append(read_to_eof(b))
            outcome.append(b.process.reap())
            b.close()
        except BaseException as exc:
            outcome.append(exc)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        worker = threading.Thread(target=spawn)
        worker.start()
        worker.join()
    assert outcome == [b"", 0]
    assert [str(warning.message) for warning in caught] == []


# -- exit, reaping, signals ----------------------------------------------------------------


def test_poll_sees_the_exit_without_reaping(start: Start) -> None:
    b = start(fixture("exit_status.py", "bye", "3"))
    process = b.process
    assert read_to_eof(b).strip() == b"bye"
    assert wait_exit(process) == 3
    assert (process.returncode, process.reaped) == (3, False)
    assert proc_state(process.pid) == "Z"
    os.killpg(process.pid, 0)  # the zombie still holds the group id
    assert process.reap() == 3
    assert process.reaped
    assert process.reap() == process.poll() == 3
    with pytest.raises(ChildProcessError):
        os.waitpid(process.pid, os.WNOHANG)


def test_returncode_of_a_signalled_child_is_minus_the_signal(start: Start) -> None:
    b = start(python("import sys; sys.stdin.read()"))
    assert b.process.poll() is None
    b.process.signal(signal.SIGTERM)
    assert wait_exit(b.process) == -signal.SIGTERM
    assert b.process.reap() == -signal.SIGTERM


# The child starts a grandchild in its group and exits. The grandchild
# reports SIGINT and SIGUSR1 and ignores SIGHUP, which the kernel sends a
# terminal's foreground group when its session leader exits.
GRANDCHILD = """
import signal
def report(sig, frame):
    print(signal.Signals(sig).name, flush=True)
signal.signal(signal.SIGINT, report)
signal.signal(signal.SIGUSR1, report)
print("ready", flush=True)
while True:
    signal.pause()
"""
PARENT = f"""
import signal, subprocess, sys
signal.signal(signal.SIGHUP, signal.SIG_IGN)  # inherited: in place before the child exits
print(subprocess.Popen([sys.executable, "-c", {GRANDCHILD!r}]).pid, flush=True)
"""


def test_signals_reach_the_group_until_the_child_is_reaped_then_nothing(start: Start) -> None:
    b = start(python(PARENT))
    grandchild = int(read_until(b, b"ready").split()[0])
    try:
        process = b.process
        wait_exit(process)
        process.signal_group(signal.SIGUSR1)
        read_until(b, b"SIGUSR1")
        process.reap()
        process.signal_group(signal.SIGINT)
        process.signal(signal.SIGINT)
        # Pending signals are handled lowest number first: a SIGINT sent
        # above would be reported before this SIGUSR1.
        os.kill(grandchild, signal.SIGUSR1)
        assert b"SIGINT" not in read_until(b, b"SIGUSR1")
    finally:
        os.kill(grandchild, signal.SIGKILL)


def test_group_survivors_finds_a_grandchild_that_keeps_the_group(start: Start) -> None:
    b = start(["sh", "-c", "trap '' HUP; sleep 30 </dev/null >/dev/null 2>&1 & echo $!"])
    grandchild = int(read_to_eof(b))
    try:
        wait_exit(b.process)
        assert b.process.group_survivors() == [grandchild]
    finally:
        os.kill(grandchild, signal.SIGKILL)


def test_group_survivors_is_empty_without_grandchildren(start: Start) -> None:
    b = start(["true"])
    read_to_eof(b)
    wait_exit(b.process)
    assert b.process.group_survivors() == []


def test_group_survivors_leaves_out_exited_grandchildren(start: Start) -> None:
    code = """
import os, sys
zombie = os.fork()
if zombie == 0:
    os._exit(0)
os.waitid(os.P_PID, zombie, os.WEXITED | os.WNOWAIT)
print(zombie, flush=True)
sys.stdin.read()
"""
    b = start(python(code))
    zombie = int(read_until(b, b"\n"))
    assert proc_state(zombie) == "Z"
    assert b.process.group_survivors() == []


SIGCHLD_IGNORED = """
import signal, sys
from driver.backends.pipe import PipeBackend
from driver.backends.pty import PtyBackend

signal.signal(signal.SIGCHLD, signal.SIG_IGN)
if sys.argv[1] == "pipe":
    b = PipeBackend(["sh", "-c", "exit 3"], cwd=None, env=None, stderr="stdout")
else:
    b = PtyBackend(["sh", "-c", "exit 3"], cwd=None, env=None, echo=False, dimensions=(24, 80))
print(b.process.reap(), b.process.reaped, b.process.poll(), b.process.status_lost)
b.close()
"""


def test_a_child_reaped_elsewhere_counts_as_reaped_with_its_status_lost(backend: str) -> None:
    # With SIGCHLD ignored the kernel reaps at exit and the status is lost:
    # None, never 0, which would read as success.
    assert run_script(SIGCHLD_IGNORED, backend).split() == ["None", "True", "None", "True"]


def test_a_reaped_popen_stays_quiet() -> None:
    b = PipeBackend(["true"], cwd=None, env=None, stderr="stdout")
    read_to_eof(b)
    b.process.reap()
    b.close()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        del b
        gc.collect()
    assert caught == []


# -- input and fds ---------------------------------------------------------------------------


def test_write_once_the_child_is_gone_raises_input_closed(start: Start) -> None:
    b = start(["true"])
    read_to_eof(b)
    wait_exit(b.process)
    with pytest.raises(InputClosed):
        b.write(b"late\n")


def test_pipe_close_input_ends_the_childs_input() -> None:
    b = PipeBackend(["cat"], cwd=None, env=None, stderr="stdout")
    try:
        write_all(b, b"hello\n")
        b.close_input()
        b.close_input()
        assert b.input_fd is None
        assert read_to_eof(b) == b"hello\n"
        with pytest.raises(InputClosed, match="input is closed"):
            b.write(b"more")
    finally:
        b.process.reap()
        b.close()


def test_close_releases_every_fd_and_is_idempotent(backend: str) -> None:
    end(start_backend(backend, ["true"]))  # whatever a first spawn opens for good
    fds = open_fds()
    b = start_backend(backend, ["true"])
    read_to_eof(b)
    assert b.process.reap() == 0
    b.close()
    b.close()
    assert open_fds() == fds
    assert (b.input_fd, dict(b.output_fds), b.process.exit_fd) == (None, {}, None)
    with pytest.raises(InputClosed):
        b.write(b"x")


def test_backend_names_and_terminals(backend: str) -> None:
    b = start_backend(backend, ["true"])
    try:
        assert b.name == backend
        assert isinstance(b.terminal, Terminal) == (backend == "pty")
    finally:
        end(b)


# -- the terminal -------------------------------------------------------------------------------


def test_pty_child_has_it_as_controlling_terminal(ptys: Callable[..., PtyBackend]) -> None:
    code = "import os; print(os.ttyname(0), open('/dev/tty').name, os.tcgetpgrp(0) == os.getpid())"
    b = ptys(python(code))
    name, tty, foreground = read_to_eof(b).split()
    assert name.startswith(b"/dev/pts/")
    assert (tty, foreground) == (b"/dev/tty", b"True")


def test_pty_close_input_says_to_send_the_eof_byte(ptys: Callable[..., PtyBackend]) -> None:
    b = ptys(["cat"])
    with pytest.raises(DriverError, match="EOF byte"):
        b.close_input()
    assert b.input_fd is not None


def test_eof_bytes_end_the_childs_input(ptys: Callable[..., PtyBackend]) -> None:
    b = ptys(["cat"])
    assert b.terminal.eof_bytes() == b"\x04"
    write_all(b, b"hello\n" + b.terminal.eof_bytes())
    assert read_to_eof(b) == b"hello\r\n"
    assert b.process.reap() == 0


def test_echo_round_trip(ptys: Callable[..., PtyBackend]) -> None:
    terminal = ptys(["cat"]).terminal
    assert terminal.echo is False
    terminal.echo = True
    assert terminal.echo is True
    terminal.echo = False
    assert terminal.echo is False
    assert ptys(["cat"], echo=True).terminal.echo is True
    assert terminal.canonical is True


def test_window_size(ptys: Callable[..., PtyBackend]) -> None:
    b = ptys(fixture("tty_info.py"), dimensions=(40, 132))
    assert b.terminal.window_size == (40, 132)
    read_until(b, b"size 40x132")
    b.terminal.set_window_size(50, 100)
    assert b.terminal.window_size == (50, 100)
    b.write(b"wake\n")  # see test_pty: a handler may wait for the read to return
    read_until(b, b"size 50x100")  # the child's SIGWINCH handler
    with pytest.raises(ValueError, match="rows=0 is not from 1 to 65535"):
        b.terminal.set_window_size(0, 80)


def test_control_bytes(ptys: Callable[..., PtyBackend]) -> None:
    terminal = ptys(["cat"]).terminal
    assert terminal.control_bytes("c") == b"\x03"
    assert terminal.control_bytes("[") == b"\x1b"
    with pytest.raises(ValueError, match="send_control\\('1'\\): expected a letter"):
        terminal.control_bytes("1")


def test_long_lines_arrive_whole(ptys: Callable[..., PtyBackend]) -> None:
    b = ptys(fixture("line_length.py"))
    line = b"x" * 9995 + b"tail!\n"
    prepared = b.terminal.prepare_input(line)
    assert prepared != line
    assert b.terminal.prepare_input(b"short\n") == b"short\n"
    write_all(b, prepared)
    read_until(b, b"length 10000 ends tail!")


def test_a_closed_terminal(ptys: Callable[..., PtyBackend]) -> None:
    b = ptys(["true"])
    read_to_eof(b)
    b.close()
    with pytest.raises(OSError) as raised:
        b.terminal.echo  # noqa: B018
    assert raised.value.errno == errno.EBADF
    with pytest.raises(InputClosed):
        b.terminal.eof_bytes()
    with pytest.raises(InputClosed):
        b.terminal.prepare_input(b"x" * 5000)
