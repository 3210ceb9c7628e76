"""Side-by-side benchmarks: raw loops, driver, pexpect, measured in one run.

Groups (each row is the best of several runs, taken in turns with the rows it is
compared with, to damp a noisy machine):

1. round trip: send a line to fixtures/repeater.py and read the reply, per
   backend, against a raw os.write/os.read loop on the same child and
   pexpect (spawn with defaults, spawn with delaybeforesend=None, PopenSpawn);
   the async session against the sync one.
2. expect a marker after 1, 4 and 16 MB of output, against a raw
   ``for line in proc.stdout`` scan and pexpect's regex expect; on a pty,
   against the same scan of the pty's lines.
3. spawn + close of /bin/true, against subprocess.Popen + wait and pexpect;
   and with close_ends="group" (no search for descendants outside the group).
4. a REPL command with driver.repl (python, bash) against pexpect's replwrap.
5. many at once: 200 sessions x 100 round trips in one event loop, against
   one thread per pexpect spawn (delaybeforesend=None); wall time and the
   peak memory of the driving process (each variant runs in a fresh process).
6. the installer dialogue on a pty (five answers, two of them passwords):
   fixtures/sessions/installer.session run by driver.sessionfile, against
   the same dialogue written as a pexpect script with its defaults, and that
   script unchanged on driver.pexpect.
7. a screen: 1 and 4 MB of top-like frames (colours, cursor moves) drawn by
   driver.Screen, against pyte's own stream (the emulator driver uses), and
   through a pty to ``expect_screen`` on the last frame; MB/s alike at both
   sizes shows the cost is linear.
8. over SSH (an OpenSSH sshd on a loopback port, started for the run): a
   round trip through an SSH channel, on pipes and on a remote terminal,
   against the local pty and pexpect driving the ``ssh`` client; and the
   installer dialogue on 4 servers x 250 sessions at once (1000; 4 x 25 with
   --quick) from one event loop: wall time, peak memory, CPU per session,
   errors by kind. scripts/bench_fleet.py has more (and Ansible's expect).

Run: python3 scripts/bench.py [--quick] [--rst] [--pexpect-16mb] [--no-ssh]
"""

from __future__ import annotations

import argparse
import asyncio
import codecs
import contextlib
import functools
import json
import math
import os
import resource
import select
import shlex
import subprocess
import sys
import tempfile
import termios
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pexpect
import pexpect.popen_spawn
import pexpect.replwrap

import driver
import driver.pexpect
from driver.sessionfile import run_file

ROOT = Path(__file__).resolve().parent.parent
REPEATER = str(ROOT / "fixtures" / "repeater.py")
PYTHON = sys.executable
MARKER = "DONE-MARKER"
# Writes N bytes of 100-character lines, then the marker line.
FLOOD = (
    "import sys\n"
    "n = int(sys.argv[1]); line = b'x' * 99 + b'\\n'; block = line * 10_000\n"
    "while n >= len(block): sys.stdout.buffer.write(block); n -= len(block)\n"
    "sys.stdout.buffer.write(line * (n // 100) + b'DONE-MARKER\\n')\n"
)
MB = 1024 * 1024


@dataclass
class Row:
    group: str
    name: str
    seconds: float  # per operation
    unit: str  # how to show it: "us" or "ms" per operation, or "s" in all
    baseline: str | None = None  # the row this one is compared with
    note: str = ""


def interleaved(repeats: int, measures: dict[str, Callable[[], float]]) -> dict[str, float]:
    """The best time of each measure, taking turns (A B C A B C ...) so a change
    in the machine's load between runs cannot favour one of them."""
    best = dict.fromkeys(measures, math.inf)
    for _ in range(repeats):
        for name, measure in measures.items():
            best[name] = min(best[name], measure())
    return best


# -- 1. round trips ---------------------------------------------------------


def read_through_newline(fd: int) -> None:
    data = b""
    while not data.endswith(b"\n"):
        data += os.read(fd, 65536)


def raw_pipe(trips: int) -> float:
    pipe, quiet = subprocess.PIPE, subprocess.DEVNULL
    child = subprocess.Popen([PYTHON, REPEATER], stdin=pipe, stdout=pipe, stderr=quiet, bufsize=0)
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin.fileno(), child.stdout.fileno()
    os.write(stdin, b"warm-up\n")  # wait out the interpreter's start
    read_through_newline(stdout)
    started = time.perf_counter()
    for trip in range(trips):
        os.write(stdin, b"line %d\n" % trip)
        read_through_newline(stdout)
    elapsed = time.perf_counter() - started
    child.stdin.close()
    child.wait()
    child.stdout.close()
    return elapsed / trips


def raw_pipe_deadline(trips: int) -> float:
    """The raw pipe loop as a reader with a timeout must run it: poll until a
    deadline, read, decode, split off the line. The least a session can do."""
    pipe, quiet = subprocess.PIPE, subprocess.DEVNULL
    child = subprocess.Popen([PYTHON, REPEATER], stdin=pipe, stdout=pipe, stderr=quiet, bufsize=0)
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin.fileno(), child.stdout.fileno()
    poller = select.poll()
    poller.register(stdout, select.POLLIN)
    decoder = codecs.getincrementaldecoder("utf-8")()
    pending = ""

    def read_line() -> str:
        nonlocal pending
        deadline = time.monotonic() + 10
        while "\n" not in pending:
            if not poller.poll(max(0, math.ceil((deadline - time.monotonic()) * 1000))):
                raise TimeoutError
            pending += decoder.decode(os.read(stdout, 65536))
        line, _, pending = pending.partition("\n")
        return line

    os.write(stdin, b"warm-up\n")  # wait out the interpreter's start
    read_line()
    started = time.perf_counter()
    for trip in range(trips):
        os.write(stdin, f"line {trip}\n".encode())
        read_line()
    elapsed = time.perf_counter() - started
    child.stdin.close()
    child.wait()
    child.stdout.close()
    return elapsed / trips


def raw_pty(trips: int) -> float:
    master, slave = os.openpty()
    attributes = termios.tcgetattr(slave)
    attributes[3] &= ~termios.ECHO  # as driver's pty sessions start
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    child = subprocess.Popen(
        [PYTHON, REPEATER], stdin=slave, stdout=slave, stderr=slave, start_new_session=True
    )
    os.close(slave)
    read_through_newline(master)  # the stderr banner shares the terminal
    started = time.perf_counter()
    for trip in range(trips):
        os.write(master, b"line %d\n" % trip)
        read_through_newline(master)
    elapsed = time.perf_counter() - started
    child.kill()
    child.wait()
    os.close(master)
    return elapsed / trips


def driver_sync(trips: int, backend: str) -> float:
    with driver.spawn([PYTHON, REPEATER], backend=backend) as session:
        session.read_line()  # the stderr banner
        started = time.perf_counter()
        for trip in range(trips):
            session.send_line(f"line {trip}")
            session.read_line()
        return (time.perf_counter() - started) / trips


def driver_async(trips: int, backend: str) -> float:
    async def converse() -> float:
        async with await driver.aspawn([PYTHON, REPEATER], backend=backend) as session:
            await session.read_line()
            started = time.perf_counter()
            for trip in range(trips):
                await session.send_line(f"line {trip}")
                await session.read_line()
            return (time.perf_counter() - started) / trips

    return asyncio.run(converse())


def pexpect_trips(child: pexpect.spawn, trips: int) -> float:
    """Seconds per round trip of a started pexpect ``child`` running the
    repeater on a terminal (its banner read); the child is closed after."""
    started = time.perf_counter()
    for trip in range(trips):
        child.sendline(f"line {trip}")
        child.expect_exact("\r\n")
    elapsed = time.perf_counter() - started
    child.close(force=True)
    return elapsed / trips


def pexpect_spawn(trips: int, delay: float | None) -> float:
    child = pexpect.spawn(PYTHON, [REPEATER], encoding="utf-8", echo=False)
    child.delaybeforesend = delay
    child.expect_exact("\r\n")
    return pexpect_trips(child, trips)


def pexpect_popen_spawn(trips: int) -> float:
    quiet = f"exec {shlex.quote(PYTHON)} {shlex.quote(REPEATER)} 2>/dev/null"
    child = pexpect.popen_spawn.PopenSpawn(["sh", "-c", quiet], encoding="utf-8")
    child.delaybeforesend = None
    child.sendline("warm-up")  # wait out the interpreter's start
    child.expect_exact("\n")
    started = time.perf_counter()
    for trip in range(trips):
        child.sendline(f"line {trip}")
        child.expect_exact("\n")
    elapsed = time.perf_counter() - started
    child.sendeof()
    child.wait()
    return elapsed / trips


def round_trips(trips: int, repeats: int) -> list[Row]:
    few = min(trips, 40)  # pexpect's default sleeps 50 ms before each send
    best = interleaved(
        repeats,
        {
            "raw pipe loop": lambda: raw_pipe(trips),
            "raw pipe loop, deadline": lambda: raw_pipe_deadline(trips),
            "driver pipe": lambda: driver_sync(trips, "pipe"),
            "driver pipe async": lambda: driver_async(trips, "pipe"),
            "raw pty loop": lambda: raw_pty(trips),
            "driver pty": lambda: driver_sync(trips, "pty"),
            "driver pty async": lambda: driver_async(trips, "pty"),
            "pexpect PopenSpawn": lambda: pexpect_popen_spawn(trips),
            "pexpect spawn no delay": lambda: pexpect_spawn(trips, None),
        },
    )
    best["pexpect spawn"] = pexpect_spawn(few, 0.05)  # one run: it takes seconds
    no_delay = "delaybeforesend=None"
    compared = [
        ("raw pipe loop", None, ""),
        ("raw pipe loop, deadline", "raw pipe loop", "poll, decode, split"),
        ("driver pipe", "raw pipe loop", ""),
        ("driver pipe async", "driver pipe", ""),
        ("pexpect PopenSpawn", "raw pipe loop", no_delay),
        ("raw pty loop", None, ""),
        ("driver pty", "raw pty loop", ""),
        ("driver pty async", "driver pty", ""),
        ("pexpect spawn", "raw pty loop", f"defaults, {few} trips"),
        ("pexpect spawn no delay", "raw pty loop", no_delay),
    ]
    return [Row("round trip", name, best[name], "us", base, note) for name, base, note in compared]


# -- 2. expect after a flood of output ----------------------------------------


def raw_scan(size: int) -> float:
    started = time.perf_counter()
    child = subprocess.Popen([PYTHON, "-c", FLOOD, str(size)], stdout=subprocess.PIPE)
    assert child.stdout is not None
    for line in child.stdout:
        if line == b"DONE-MARKER\n":
            break
    elapsed = time.perf_counter() - started
    child.wait()
    child.stdout.close()
    return elapsed


def raw_pty_scan(size: int) -> float:
    """The raw scan with the writer's output on a pty, as raw_pty starts it."""
    started = time.perf_counter()
    master, slave = os.openpty()
    attributes = termios.tcgetattr(slave)
    attributes[3] &= ~termios.ECHO  # as driver's pty sessions start
    termios.tcsetattr(slave, termios.TCSANOW, attributes)
    child = subprocess.Popen(
        [PYTHON, "-c", FLOOD, str(size)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
    )
    os.close(slave)
    with open(master, "rb") as output:
        for line in output:
            if line == b"DONE-MARKER\r\n":  # the terminal writes "\n" as "\r\n"
                break
        elapsed = time.perf_counter() - started
        child.wait()
    return elapsed


def driver_expect(size: int, exact: bool, backend: str = "pipe") -> float:
    started = time.perf_counter()
    argv = [PYTHON, "-c", FLOOD, str(size)]
    with driver.spawn(argv, backend=backend, timeout=300) as session:
        if exact:
            session.expect_exact(MARKER)
        else:
            session.expect(MARKER)
        return time.perf_counter() - started


def pexpect_expect(size: int) -> float:
    started = time.perf_counter()
    child = pexpect.spawn(
        PYTHON, ["-c", FLOOD, str(size)], encoding="utf-8", timeout=600, maxread=65536
    )
    child.expect(MARKER)
    elapsed = time.perf_counter() - started
    child.close(force=True)
    return elapsed


def floods(sizes: list[int], repeats: int, pexpect_16mb: bool) -> list[Row]:
    rows = []
    for size in sizes:
        group = f"expect after {size // MB} MB"
        best = interleaved(
            repeats,
            {
                "raw line scan": lambda: raw_scan(size),  # noqa: B023 (called at once)
                "driver expect": lambda: driver_expect(size, exact=False),  # noqa: B023
                "driver expect_exact": lambda: driver_expect(size, exact=True),  # noqa: B023
                "raw pty scan": lambda: raw_pty_scan(size),  # noqa: B023
                "driver pty expect": lambda: driver_expect(size, False, "pty"),  # noqa: B023
                "driver pty expect_exact": lambda: driver_expect(size, True, "pty"),  # noqa: B023
            },
        )
        rows += [
            Row(group, "raw line scan", best["raw line scan"], "s"),
            Row(group, "driver expect", best["driver expect"], "s", "raw line scan", "regex"),
            Row(group, "driver expect_exact", best["driver expect_exact"], "s", "raw line scan"),
            Row(group, "raw pty scan", best["raw pty scan"], "s", "raw line scan", "os.openpty"),
        ]
        for name, note in (("driver pty expect", "regex"), ("driver pty expect_exact", "")):
            rows.append(Row(group, name, best[name], "s", "raw pty scan", note))
        if size >= 16 * MB and not pexpect_16mb:
            skipped = "skipped: quadratic (--pexpect-16mb runs it)"
            rows.append(Row(group, "pexpect expect", math.nan, "s", None, skipped))
        else:
            once = pexpect_expect(size)
            rows.append(Row(group, "pexpect expect", once, "s", "raw line scan", "regex, one run"))
    return rows


# -- 3. spawn and close -------------------------------------------------------


def per_cycle(cycles: int, cycle: Callable[[], None]) -> float:
    started = time.perf_counter()
    for _ in range(cycles):
        cycle()
    return (time.perf_counter() - started) / cycles


def spawn_close(cycles: int, repeats: int) -> list[Row]:
    def popen() -> None:
        subprocess.Popen(["/bin/true"]).wait()

    def driver_pipe() -> None:
        driver.spawn(["/bin/true"]).close()

    def driver_pty() -> None:
        driver.spawn(["/bin/true"], backend="pty").close()

    def driver_pipe_group() -> None:
        driver.spawn(["/bin/true"], close_ends="group").close()

    def pexpect_spawn() -> None:
        pexpect.spawn("/bin/true").close()

    group = "spawn + close /bin/true"
    best = interleaved(
        repeats,
        {
            "Popen + wait": lambda: per_cycle(cycles, popen),
            "driver pipe": lambda: per_cycle(cycles, driver_pipe),
            "driver pty": lambda: per_cycle(cycles, driver_pty),
            "driver pipe, group": lambda: per_cycle(cycles, driver_pipe_group),
        },
    )
    pexpect_seconds = per_cycle(min(cycles, 20), pexpect_spawn)  # it sleeps 0.1 s in close
    return [
        Row(group, "Popen + wait", best["Popen + wait"], "ms"),
        Row(group, "driver pipe", best["driver pipe"], "ms", "Popen + wait"),
        Row(group, "driver pty", best["driver pty"], "ms", "Popen + wait"),
        # What looking for descendants outside the group (the default) costs.
        Row(
            group,
            "driver pipe, group",
            best["driver pipe, group"],
            "ms",
            "driver pipe",
            'close_ends="group"',
        ),
        Row(group, "pexpect spawn", pexpect_seconds, "ms", "Popen + wait", "20 cycles"),
    ]


# -- 3b. moving bytes -------------------------------------------------------------


def raw_bytes(data: bytes) -> float:
    """``data`` through cat with a poll loop on non-blocking pipes."""
    child = subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, bufsize=0)
    assert child.stdin is not None and child.stdout is not None
    stdin, stdout = child.stdin.fileno(), child.stdout.fileno()
    os.set_blocking(stdin, False)
    os.set_blocking(stdout, False)
    started = time.perf_counter()
    poller = select.poll()
    poller.register(stdin, select.POLLOUT)
    poller.register(stdout, select.POLLIN)
    view, received = memoryview(data), bytearray()
    while True:
        for fd, _ in poller.poll():
            if fd == stdout:
                chunk = os.read(stdout, 1 << 16)
                if not chunk:
                    elapsed = time.perf_counter() - started
                    child.wait()
                    child.stdout.close()
                    assert received == data
                    return elapsed
                received += chunk
            elif view:
                with contextlib.suppress(BlockingIOError):
                    view = view[os.write(stdin, view) :]
                if not view:
                    poller.unregister(stdin)
                    child.stdin.close()


def driver_bytes(data: bytes) -> float:
    started = time.perf_counter()
    with driver.spawn(["cat"], encoding=None, timeout=300) as session:
        session.send(data)
        session.send_eof()
        received = session.read()
    elapsed = time.perf_counter() - started
    assert received == data
    return elapsed


def moving_bytes(size: int, repeats: int) -> list[Row]:
    data = os.urandom(size)
    group = f"{size // MB} MB through cat"
    best = interleaved(
        repeats,
        {"raw poll loop": lambda: raw_bytes(data), "driver bytes": lambda: driver_bytes(data)},
    )
    return [
        Row(group, "raw poll loop", best["raw poll loop"], "s"),
        Row(group, "driver bytes", best["driver bytes"], "s", "raw poll loop", "encoding=None"),
    ]


# -- 4. REPL commands ------------------------------------------------------------


def driver_repl(commands: int, profile: Callable[[], driver.Repl], command: str) -> float:
    with profile() as repl:
        started = time.perf_counter()
        for _ in range(commands):
            repl.run(command)
        return (time.perf_counter() - started) / commands


def pexpect_replwrap(commands: int, make: Callable[[], Any], command: str) -> float:
    repl = make()
    started = time.perf_counter()
    for _ in range(commands):
        repl.run_command(command)
    elapsed = time.perf_counter() - started
    repl.child.close(force=True)
    return elapsed / commands


def repl_commands(commands: int, repeats: int) -> list[Row]:
    few = min(commands, 20)  # replwrap sleeps 50 ms before each send
    rows = []
    for name, profile, wrapper, command in [
        ("python", driver.repl.python, pexpect.replwrap.python, "1 + 1"),
        ("bash", driver.repl.bash, pexpect.replwrap.bash, "echo hi"),
    ]:
        group = f"REPL command ({name})"
        fastest = min(driver_repl(commands, profile, command) for _ in range(repeats))
        rows.append(Row(group, "driver.repl", fastest, "us"))
        slow = pexpect_replwrap(few, wrapper, command)
        rows.append(Row(group, "pexpect replwrap", slow, "us", "driver.repl", f"{few} commands"))
    return rows


# -- 5. many sessions at once ---------------------------------------------------


def many_driver(sessions: int, trips: int) -> None:
    async def converse(n: int) -> None:
        async with await driver.aspawn([PYTHON, REPEATER], stderr="devnull") as session:
            for trip in range(trips):
                await session.send_line(f"{n} {trip}")
                await session.read_line()

    async def everyone() -> None:
        await asyncio.gather(*(converse(n) for n in range(sessions)))

    asyncio.run(everyone())


def many_pexpect(sessions: int, trips: int) -> None:
    def converse(n: int) -> None:
        child = pexpect.spawn(PYTHON, [REPEATER], encoding="utf-8", echo=False, timeout=120)
        child.delaybeforesend = None
        child.expect_exact("\r\n")  # the stderr banner
        for trip in range(trips):
            child.sendline(f"{n} {trip}")
            child.expect_exact("\r\n")
        child.close(force=True)

    threads = [threading.Thread(target=converse, args=(n,)) for n in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def many_in_fresh_process(variant: str, sessions: int, trips: int) -> tuple[float, float]:
    """(wall seconds, peak RSS MiB of the driving process) for one variant."""
    argv = [PYTHON, __file__, "--many", variant, str(sessions), str(trips)]
    report = json.loads(subprocess.run(argv, check=True, capture_output=True).stdout)
    return report["seconds"], report["peak_mib"]


def many_at_once(sessions: int, trips: int) -> list[Row]:
    group = f"{sessions} sessions x {trips} round trips"
    rows = []
    for variant, name, baseline in [
        ("pexpect", "pexpect, thread each", None),
        ("driver", "driver, one event loop", "pexpect, thread each"),
    ]:
        seconds, peak = many_in_fresh_process(variant, sessions, trips)
        rows.append(Row(group, name, seconds, "s", baseline, f"peak RSS {peak:.0f} MiB"))
    return rows


def run_many(variant: str, sessions: int, trips: int) -> None:
    started = time.perf_counter()
    (many_driver if variant == "driver" else many_pexpect)(sessions, trips)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mib": peak_rss_mib()}))


# -- 6. the installer dialogue ------------------------------------------------------

INSTALLER = ROOT / "fixtures" / "installer.py"
INSTALLER_SESSION = ROOT / "fixtures" / "sessions" / "installer.session"


def driver_session_file() -> float:
    started = time.perf_counter()
    result = run_file(INSTALLER_SESSION)
    assert result.passed, result.diff()
    return time.perf_counter() - started


def pexpect_installer(module: Any = pexpect) -> float:
    """The dialogue as a pexpect script, run with ``module`` as pexpect."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        child = module.spawn(PYTHON, [str(INSTALLER), "--prefix", scratch], encoding="utf-8")
        for prompt, answer in [
            (r"Install directory\? \[.*\] ", ""),
            (r"Administrator name\? \[admin\] ", "ada"),
            ("Administrator password: ", "sesame"),
            ("Repeat the password: ", "sesame"),
            (r"\[y/N\] ", "y"),
        ]:
            child.expect(prompt)
            child.sendline(answer)
        child.expect(r"Installed \d+ files\.")
        child.expect(module.EOF)
        child.close()
        subprocess.run(["cat", f"{scratch}/app.conf"], capture_output=True, check=True)
    return time.perf_counter() - started


def installer_dialogue(repeats: int) -> list[Row]:
    group = "installer dialogue, pty"
    on_driver = "pexpect script on driver.pexpect"
    best = interleaved(
        repeats,
        {
            "driver session file": driver_session_file,
            "pexpect": pexpect_installer,
            on_driver: lambda: pexpect_installer(driver.pexpect),
        },
    )
    return [
        Row(group, "driver session file", best["driver session file"], "ms"),
        Row(group, "pexpect", best["pexpect"], "ms", "driver session file", "same answers"),
        Row(group, on_driver, best[on_driver], "ms", "pexpect", "the same script, unchanged"),
    ]


# -- 7. a screen ---------------------------------------------------------------------


def frames(size: int) -> bytes:
    """About ``size`` bytes of 24x80 frames drawn as top draws them, the last one marked."""
    row = "\x1b[1m%5d\x1b[m \x1b[32mroot\x1b[m   20   0 %8d %s\x1b[K\r\n"
    frame_rows = (row % (i, i * 7, "x" * 40) for i in range(23))
    frame = ("\x1b[H" + "".join(frame_rows)).encode()
    count = max(1, size // len(frame))
    return frame * count + b"\x1b[H" + MARKER.encode()


def pyte_alone(data: bytes) -> float:
    import pyte

    started = time.perf_counter()
    screen = pyte.Screen(80, 24)
    stream = pyte.ByteStream(screen)
    for start in range(0, len(data), 1 << 16):
        stream.feed(data[start : start + (1 << 16)])
    assert MARKER in screen.display[0]
    return time.perf_counter() - started


def driver_screen_feed(data: bytes) -> float:
    from driver._screen import Screen

    started = time.perf_counter()
    screen = Screen(24, 80)
    for start in range(0, len(data), 1 << 16):
        screen.feed(data[start : start + (1 << 16)])
    assert MARKER in screen.lines[0]
    return time.perf_counter() - started


def driver_expect_screen(path: str) -> float:
    started = time.perf_counter()
    argv = ["cat", path]
    with driver.spawn(argv, backend="pty", screen=True, timeout=300) as session:
        session.expect_screen(MARKER, exact=True)
    return time.perf_counter() - started


def screens(sizes: list[int], repeats: int) -> list[Row]:
    rows = []
    for size in sizes:
        data = frames(size)
        with tempfile.NamedTemporaryFile(suffix=".frames") as file:
            file.write(data)
            file.flush()
            best = interleaved(
                repeats,
                {
                    "pyte stream": functools.partial(pyte_alone, data),
                    "driver Screen.feed": functools.partial(driver_screen_feed, data),
                    "driver expect_screen": functools.partial(driver_expect_screen, file.name),
                },
            )
        group = f"screen: {size // MB} MB of frames"
        mb = len(data) / MB
        rows.append(Row(group, "pyte stream", best["pyte stream"], "s", None,
                        f"{mb / best['pyte stream']:.1f} MB/s"))  # fmt: skip
        for name in ("driver Screen.feed", "driver expect_screen"):
            note = f"{mb / best[name]:.1f} MB/s"
            rows.append(Row(group, name, best[name], "s", "pyte stream", note))
    return rows


# -- 8. over SSH -------------------------------------------------------------------


def over_ssh(trips: int, repeats: int, servers: int, per_server: int) -> list[Row]:
    import bench_fleet

    try:
        best = bench_fleet.round_trips(trips, repeats)
        with bench_fleet.servers(servers) as running:
            hosts = [sshd.host() for sshd in running]
            report = bench_fleet.fleet_in_fresh_process(hosts, per_server)
    except RuntimeError as problem:
        print(f"(SSH rows skipped: {problem})", file=sys.stderr)
        return []
    group = "round trip over SSH"
    base = "driver pty, local"
    rows = [Row(group, base, best[base], "us")]
    for name in ("driver over ssh, pipes", "driver over ssh, pty"):
        rows.append(Row(group, name, best[name], "us", base, "loopback sshd"))
    rows.append(Row(group, "pexpect driving ssh", best["pexpect driving ssh"], "us",
                    "driver over ssh, pipes", "ssh client on a pty"))  # fmt: skip
    errors = {k: v for k, v in report["outcomes"].items() if k != "ok"}
    note = (
        f"peak RSS {report['peak_mib']:.0f} MiB, CPU {report['cpu_ms_per_session']:.1f}"
        f" ms/session, errors {errors or 'none'}"
    )
    group = f"installer on {servers} x {per_server} SSH sessions"
    rows.append(Row(group, "driver, one event loop", report["seconds"], "s", None, note))
    return rows


def peak_rss_mib() -> float:
    """This process's peak resident memory. (Not ru_maxrss: Linux carries that
    across exec, so a fresh process would report its parent's peak.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- report -------------------------------------------------------------------


def show(row: Row) -> str:
    if row.seconds != row.seconds:  # NaN: skipped
        return "-"
    scale = {"us": 1e6, "ms": 1e3, "s": 1.0}[row.unit]
    suffix = {"us": " us", "ms": " ms", "s": " s"}[row.unit]
    return f"{row.seconds * scale:.{1 if row.unit != 's' else 3}f}{suffix}"


def ratio(row: Row, rows: list[Row]) -> float | None:
    if row.baseline is None or row.seconds != row.seconds:
        return None
    base = next(r for r in rows if r.group == row.group and r.name == row.baseline)
    return row.seconds / base.seconds


def table(rows: list[Row], rst: bool) -> str:
    header = ("case", "implementation", "time", "ratio", "compared with / note")
    lines = [header]
    for row in rows:
        r = ratio(row, rows)
        note = ", ".join(x for x in (row.baseline and f"vs {row.baseline}", row.note) if x)
        lines.append((row.group, row.name, show(row), f"{r:.2f}x" if r else "", note))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    rule = "  ".join("=" * w for w in widths)
    out = [rule] if rst else []
    for index, line in enumerate(lines):
        out.append("  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip())
        if index == 0:
            out.append(rule if rst else "  ".join("-" * w for w in widths))
    if rst:
        out.append(rule)
    return "\n".join(out)


def targets(rows: list[Row], sizes: list[int]) -> list[str]:
    def find(group: str, name: str) -> Row:
        return next(r for r in rows if r.group == group and r.name == name)

    def check(label: str, value: float, limit: float, unit: str = "x") -> str:
        verdict = "ok" if value <= limit else "MISSED"
        return f"{verdict:6} {label}: {value:.2f}{unit} (target <= {limit}{unit})"

    results = []
    for backend in ("pipe", "pty"):
        row = find("round trip", f"driver {backend}")
        results.append(check(f"{backend} round trip vs raw loop", ratio(row, rows) or 0, 1.3))
        row = find("round trip", f"driver {backend} async")
        results.append(check(f"{backend} async round trip vs sync", ratio(row, rows) or 0, 1.5))
    big, smaller = sizes[-1] // MB, sizes[-2] // MB
    for name in ("driver expect", "driver expect_exact", "driver pty expect"):
        row = find(f"expect after {big} MB", name)
        results.append(check(f"{name} after {big} MB vs raw scan", ratio(row, rows) or 0, 2.0))
    growth = (
        find(f"expect after {big} MB", "driver expect").seconds
        / find(f"expect after {smaller} MB", "driver expect").seconds
    )
    results.append(check(f"{big // smaller}x the data costs (regex)", growth, 4.5))
    group = "spawn + close /bin/true"
    pipe_ratio = ratio(find(group, "driver pipe"), rows) or 0
    results.append(check("pipe spawn+close vs Popen+wait", pipe_ratio, 2.0))
    results.append(check("pty spawn+close", find(group, "driver pty").seconds * 1e3, 5.0, " ms"))
    moved = next(r for r in rows if r.name == "driver bytes")
    results.append(check("bytes session vs raw poll loop", ratio(moved, rows) or 0, 2.0))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions, up to 4 MB")
    parser.add_argument("--rst", action="store_true", help="print a reStructuredText table")
    parser.add_argument("--pexpect-16mb", action="store_true", help="run pexpect at 16 MB too")
    parser.add_argument("--no-ssh", action="store_true", help="leave out the SSH rows")
    parser.add_argument("--many", nargs=3, help=argparse.SUPPRESS)  # internal: one variant
    args = parser.parse_args()
    if args.many:
        run_many(args.many[0], int(args.many[1]), int(args.many[2]))
        return
    trips, repeats, cycles = (300, 2, 50) if args.quick else (2000, 7, 200)
    sizes = [1 * MB, 4 * MB] if args.quick else [1 * MB, 4 * MB, 16 * MB]
    sessions, many_trips = (50, 20) if args.quick else (200, 100)
    rows = round_trips(trips, repeats)
    rows += floods(sizes, repeats, args.pexpect_16mb)
    rows += spawn_close(cycles, repeats)
    rows += moving_bytes(16 * MB if args.quick else 64 * MB, repeats)
    rows += repl_commands(200 if not args.quick else 50, repeats)
    rows += many_at_once(sessions, many_trips)
    rows += installer_dialogue(repeats)
    rows += screens([1 * MB, 4 * MB], 1 if args.quick else 3)
    if not args.no_ssh:
        rows += over_ssh(trips // 4, repeats, 4, 25 if args.quick else 250)
    print(table(rows, args.rst))
    print()
    print("targets:")
    for line in targets(rows, sizes):
        print("  " + line)


if __name__ == "__main__":
    main()
