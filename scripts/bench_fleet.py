"""SSH figures: round trips over SSH, and a fleet of installer dialogues.

Each server is a real OpenSSH sshd on a loopback port, started for the run
with its own host key and a key made for the run (tests/sshd.py; as root it
logs in a user made for the run).

1. round trip over SSH: a line to fixtures/repeater.py and its reply, with
   driver over an SSH channel (pipes and a remote terminal), against driver
   on a local pty and pexpect driving the ``ssh`` client.
2. a fleet: N servers x M sessions each (N x M up to 1000), the five-question
   installer dialogue (fixtures/installer.py: a directory, a name, a password
   twice, a yes/no) on every session at once from one asyncio loop: wall
   time, the controller's peak memory and CPU per session, errors by kind.
3. with ``--ansible``: the same dialogue on the same hosts through Ansible's
   ``ansible.builtin.expect`` (ansible-core from PyPI; pexpect on the
   target), with forks 5 and 50; and the checks of what it cannot do.

Run: python3 scripts/bench_fleet.py [--servers N] [--sessions M] [--ansible]
(scripts/bench.py runs 1 and 2 among its rows.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # the loopback sshd of the test suite

import pexpect  # noqa: E402
import pytest  # noqa: E402  (tests/sshd.py says why it cannot start by pytest.skip)
from bench import pexpect_trips  # noqa: E402  (scripts/ is on sys.path: this file's own)
from sshd import Server, server  # noqa: E402

import driver  # noqa: E402

REPEATER = str(ROOT / "fixtures" / "repeater.py")
INSTALLER = str(ROOT / "fixtures" / "installer.py")
#: The installer's five questions and the answers, as (prompt, answer) pairs.
DIALOGUE = [
    ("Install directory? ", ""),
    ("Administrator name? [admin] ", "ada"),
    ("Administrator password: ", "s3cret-pw"),
    ("Repeat the password: ", "s3cret-pw"),
    ("[y/N] ", "y"),
]


@contextlib.contextmanager
def servers(count: int, **settings: str) -> Iterator[list[Server]]:
    """``count`` loopback sshd servers; raises RuntimeError where sshd cannot run."""
    with contextlib.ExitStack() as stack:
        try:
            yield [stack.enter_context(server(**settings)) for _ in range(count)]
        except pytest.skip.Exception as skipped:
            raise RuntimeError(f"no sshd: {skipped}") from None


def raise_file_limit() -> None:
    """Each remote session holds four fds here: lift the soft limit to the hard one."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


# -- 1. round trips ------------------------------------------------------------


def driver_ssh(trips: int, host: driver.Host, backend: str) -> float:
    with driver.spawn(["python3", REPEATER], host=host, backend=backend) as session:
        session.read_line()  # the stderr banner
        started = time.perf_counter()
        for trip in range(trips):
            session.send_line(f"line {trip}")
            session.read_line()
        return (time.perf_counter() - started) / trips


def pexpect_ssh(trips: int, sshd: Server) -> float:
    options = ["-i", sshd.client_key, "-o", f"UserKnownHostsFile={sshd.known_hosts}",
               "-o", "BatchMode=yes", "-p", str(sshd.port)]  # fmt: skip
    argv = [*options, f"{sshd.user}@127.0.0.1", "python3", REPEATER]
    child = pexpect.spawn("ssh", argv, encoding="utf-8", echo=False, timeout=30)
    child.delaybeforesend = None
    child.expect_exact("repeater.py: starting\r\n")
    return pexpect_trips(child, trips)


def driver_pty(trips: int) -> float:
    with driver.spawn([sys.executable, REPEATER], backend="pty") as session:
        session.read_line()
        started = time.perf_counter()
        for trip in range(trips):
            session.send_line(f"line {trip}")
            session.read_line()
        return (time.perf_counter() - started) / trips


def round_trips(trips: int, repeats: int) -> dict[str, float]:
    """Seconds per round trip of each variant, the best of ``repeats`` taken in turns."""
    with servers(1) as (sshd,):
        host = sshd.host()
        measures = {
            "driver pty, local": lambda: driver_pty(trips),
            "driver over ssh, pipes": lambda: driver_ssh(trips, host, "pipe"),
            "driver over ssh, pty": lambda: driver_ssh(trips, host, "pty"),
            "pexpect driving ssh": lambda: pexpect_ssh(trips, sshd),
        }
        best = dict.fromkeys(measures, float("inf"))
        for _ in range(repeats):
            for name, measure in measures.items():
                best[name] = min(best[name], measure())
    return best


# -- 2. a fleet ----------------------------------------------------------------


async def install(host: driver.Host, prefix: str) -> str:
    """The dialogue on one session; "ok" or the kind of error."""
    argv = ["python3", INSTALLER, "--prefix", prefix]
    try:
        async with await driver.aspawn(argv, host=host, backend="pty", timeout=300) as setup:
            for prompt, answer in DIALOGUE:
                await setup.expect_exact(prompt)
                secret = "password" in prompt
                await setup.send_line(driver.Secret(answer) if secret else answer)
            await setup.expect_exact("Installed 3 files.")
            status = await setup.wait()
            return "ok" if status == 0 else f"exit {status}"
    except driver.SpawnError as error:
        text = str(error)
        if "refused a session" in text:
            return "limit (a session refused)"
        if "ended the connection" in text:
            return "limit (a handshake dropped)"
        return "refused" if "refused" in text else "spawn: " + text.split(": ", 2)[-1][:60]
    except driver.EOF as error:
        return "dropped" if "lost" in str(error) else "eof"
    except driver.Timeout:
        return "timeout"


def fleet(hosts: list[driver.Host], per_host: int) -> dict[str, Any]:
    """Every host x per_host sessions at once; run in a fresh process (its peak memory)."""
    raise_file_limit()
    scratch = tempfile.mkdtemp(prefix="driver-fleet-")
    os.chmod(scratch, 0o1777)  # the remote users write their installs here

    async def everyone() -> list[str]:
        jobs = [
            install(host, f"{scratch}/{h}-{m}")
            for h, host in enumerate(hosts)
            for m in range(per_host)
        ]
        return await asyncio.gather(*jobs)

    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    machine_before = machine_cpu_seconds()
    started = time.perf_counter()
    outcomes = asyncio.run(everyone())
    wall = time.perf_counter() - started
    cpu = resource.getrusage(resource.RUSAGE_SELF)
    machine = machine_cpu_seconds() - machine_before
    shutil.rmtree(scratch, ignore_errors=True)
    used = cpu.ru_utime + cpu.ru_stime - cpu_before.ru_utime - cpu_before.ru_stime
    return {
        "sessions": len(outcomes),
        "seconds": wall,
        "peak_mib": peak_rss_mib(),
        "cpu_ms_per_session": used / len(outcomes) * 1000,
        # Everything the machine ran meanwhile: the servers, their programs (and
        # whatever else runs here).
        "machine_cpu_s": machine,
        "controller_cpu_s": used,
        "outcomes": dict(Counter(outcomes)),
    }


def fleet_in_fresh_process(hosts: list[driver.Host], per_host: int) -> dict[str, Any]:
    spec = json.dumps({"hosts": [_host_fields(h) for h in hosts], "per_host": per_host})
    done = subprocess.run(
        [sys.executable, __file__, "--fleet-child", spec],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the fleet run failed:\n{done.stderr[-3000:]}")
    report: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return report


def _host_fields(host: driver.Host) -> dict[str, Any]:
    return {
        "name": host.name, "port": host.port, "username": host.username,
        "client_keys": list(host.client_keys or []), "known_hosts": host.known_hosts,
        "connect_timeout": host.connect_timeout,
    }  # fmt: skip


def machine_cpu_seconds() -> float:
    """CPU time the whole machine has spent busy, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- 3. Ansible -----------------------------------------------------------------

PLAYBOOK = """\
- hosts: fleet
  gather_facts: false
  tasks:
    - name: the installer's five questions
      ansible.builtin.expect:
        command: python3 {installer} --prefix {scratch}/{{{{ inventory_hostname }}}}
        responses:
          'Install directory\\?': ''
          'Administrator name\\?': 'ada'
          'Administrator password: ': 's3cret-pw'
          'Repeat the password: ': 's3cret-pw'
          '\\[y/N\\]': 'y'
        timeout: 60
"""


def ansible_run(servers: list[Server], per_host: int, forks: int) -> dict[str, Any]:
    """The dialogue through ansible.builtin.expect on every host alias; wall time."""
    playbook_bin = shutil.which("ansible-playbook") or str(
        Path(sys.executable).parent / "ansible-playbook"
    )
    if not os.path.exists(playbook_bin):
        raise RuntimeError("ansible-core is not installed (pip install ansible-core)")
    work = Path(tempfile.mkdtemp(prefix="driver-ansible-"))
    scratch = work / "installs"
    scratch.mkdir()
    os.chmod(work, 0o755)
    os.chmod(scratch, 0o1777)
    lines = ["[fleet]"]
    for s, sshd in enumerate(servers):
        for m in range(per_host):
            lines.append(
                f"h{s}-{m} ansible_host=127.0.0.1 ansible_port={sshd.port}"
                f" ansible_user={sshd.user} ansible_ssh_private_key_file={sshd.client_key}"
                f" ansible_ssh_common_args='-o UserKnownHostsFile={sshd.known_hosts}'"
                " ansible_python_interpreter=/usr/bin/python3"
                f" ansible_remote_tmp=/tmp/.ansible-{sshd.user}"
            )
    (work / "inventory").write_text("\n".join(lines) + "\n")
    (work / "play.yml").write_text(PLAYBOOK.format(installer=INSTALLER, scratch=scratch))
    env = {**os.environ, "ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_FORKS": str(forks),
           "ANSIBLE_NOCOLOR": "1", "ANSIBLE_LOCAL_TEMP": str(work / "tmp"),
           "ANSIBLE_PIPELINING": "1", "LC_ALL": "C.UTF-8"}  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        [playbook_bin, "-i", str(work / "inventory"), str(work / "play.yml")],
        capture_output=True, text=True, env=env, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    recap = done.stdout[done.stdout.rfind("PLAY RECAP") :]
    failed = recap.count("failed=1") + recap.count("unreachable=1")
    shutil.rmtree(work, ignore_errors=True)
    return {"sessions": len(servers) * per_host, "forks": forks, "seconds": seconds,
            "failed": failed, "returncode": done.returncode}  # fmt: skip


# -- report ----------------------------------------------------------------------


def fleet_table(reports: list[tuple[str, dict[str, Any]]]) -> str:
    lines = []
    for name, report in reports:
        sessions = report["sessions"]
        seconds = report["seconds"]
        extra = ""
        if "peak_mib" in report:
            extra = (
                f", peak RSS {report['peak_mib']:.0f} MiB,"
                f" CPU {report['cpu_ms_per_session']:.1f} ms/session"
                f" ({report['controller_cpu_s']:.1f} s of the machine's"
                f" {report['machine_cpu_s']:.0f} s), outcomes {report['outcomes']}"
            )
        elif "failed" in report:
            extra = f", {report['failed']} failed"
        lines.append(f"{name}: {sessions} sessions in {seconds:.1f} s{extra}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", type=int, default=4, help="loopback sshd servers (4)")
    parser.add_argument("--sessions", type=int, default=25, help="sessions per server (25)")
    parser.add_argument("--trips", type=int, default=500, help="round trips per measure")
    parser.add_argument("--ansible", action="store_true", help="also through Ansible")
    parser.add_argument("--ansible-sessions", type=int, default=None,
                        help="sessions per server for Ansible (default: --sessions)")  # fmt: skip
    parser.add_argument("--fleet-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.fleet_child:
        spec = json.loads(args.fleet_child)
        hosts = [driver.Host(**fields) for fields in spec["hosts"]]
        print(json.dumps(fleet(hosts, spec["per_host"])))
        return
    best = round_trips(args.trips, 3)
    base = best["driver pty, local"]
    print(f"round trip ({args.trips} trips, best of 3):")
    for name, seconds in best.items():
        print(f"  {name:24} {seconds * 1e6:8.0f} us  {seconds / base:5.2f}x local pty")
    with servers(args.servers) as running:
        hosts = [s.host() for s in running]
        reports = [(f"driver, {args.servers} x {args.sessions}",
                    fleet_in_fresh_process(hosts, args.sessions))]  # fmt: skip
        if args.ansible:
            per = args.ansible_sessions or args.sessions
            for forks in (5, 50):
                reports.append((f"ansible expect, forks {forks}, {args.servers} x {per}",
                                ansible_run(running, per, forks)))  # fmt: skip
    print("fleet: the installer's five questions on every session")
    print(fleet_table(reports))


if __name__ == "__main__":
    main()
