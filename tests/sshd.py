"""A throwaway OpenSSH server on a loopback port, with keys made for the run.

The server has a fresh host key; a client key made for the run is its only
authorized key; known_hosts trusts its host key and nothing else. As root,
it runs as sshd normally does (privilege separation, which OpenSSH needs to
deliver signals) and logs in a user made for the run, who also has a
password; otherwise it runs as this user, who logs in with the key only.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import selectors
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import driver

SSHD = shutil.which("sshd") or next(
    (p for p in ("/usr/sbin/sshd", "/usr/local/sbin/sshd") if os.path.exists(p)), None
)
START_SECONDS = 10.0


@dataclass
class Server:
    """A running sshd and what logs in to it."""

    port: int
    pid: int
    user: str
    client_key: str
    known_hosts: str
    host_key_line: str
    directory: Path
    #: The user's password; None when the server runs as this user (no root).
    password: str | None = None
    log: list[str] = field(default_factory=list)

    @property
    def privileged(self) -> bool:
        """Whether it runs as root, with privilege separation: signals reach programs."""
        return self.password is not None

    def host(self, **fields: Any) -> driver.Host:
        given: dict[str, Any] = {
            "username": self.user,
            "client_keys": [self.client_key],
            "known_hosts": self.known_hosts,
            "connect_timeout": 20.0,
        }
        given.update(fields)
        return driver.Host("127.0.0.1", self.port, **given)

    @property
    def address(self) -> str:
        return f"{self.user}@127.0.0.1:{self.port}"

    def connections(self) -> list[int]:
        """The pids of the server's per-connection processes (its children)."""
        return _children(self.pid)

    def kill_connections(self) -> None:
        """Drop every connection, as a crashed server would: each connection's
        sshd processes (privilege separation makes two) are killed."""
        for pid in _descendants(self.pid):
            with contextlib.suppress(OSError):
                if Path(f"/proc/{pid}/comm").read_text().strip() == "sshd":
                    os.kill(pid, signal.SIGKILL)

    def require_signals(self) -> None:
        if not self.privileged:
            pytest.skip("OpenSSH delivers signals with privilege separation only (sshd as root)")


def _children(parent: int) -> list[int]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{name}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == parent:
            found.append(int(name))
    return found


def _descendants(parent: int) -> list[int]:
    found, todo = [], [parent]
    while todo:
        children = _children(todo.pop())
        found += children
        todo += children
    return found


def _keygen(path: Path) -> str:
    """Make a key pair at ``path``; its public key's type and text."""
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "driver-test", "-f", str(path)],
        check=True,
        capture_output=True,
    )
    kind, text = Path(f"{path}.pub").read_text().split()[:2]
    return f"{kind} {text}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _test_user(home: Path) -> Iterator[tuple[str, str | None]]:
    """A user with a password made for the run (root), or this user."""
    if os.geteuid() != 0:
        yield pwd.getpwuid(os.getuid()).pw_name, None
        return
    if shutil.which("useradd") is None or shutil.which("chpasswd") is None:
        pytest.skip("useradd and chpasswd (package passwd) are needed to make a test user")
    name = f"drv{secrets.token_hex(3)}"
    password = f"pw-{secrets.token_hex(8)}"
    subprocess.run(
        ["useradd", "-M", "-d", str(home), "-s", "/bin/bash", name], check=True, capture_output=True
    )
    try:
        home.mkdir()
        shutil.chown(home, name)
        subprocess.run(["chpasswd"], input=f"{name}:{password}\n", text=True, check=True)
        yield name, password
    finally:
        subprocess.run(["userdel", "-f", name], capture_output=True)


@contextlib.contextmanager
def server(**settings: str) -> Iterator[Server]:
    """A server for the duration of the block; ``settings`` are sshd_config lines."""
    if SSHD is None:
        pytest.skip("sshd is not installed (Debian package openssh-server; see .ci/run)")
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed (Debian package openssh-client)")
    directory = Path(tempfile.mkdtemp(prefix="driver-sshd-"))
    os.chmod(directory, 0o755)
    try:
        with _test_user(directory / "home") as (user, password):
            running = _start(directory, user, password, settings)
            try:
                yield running
            finally:
                stop(running)
                if password is not None:
                    _kill_user_processes(pwd.getpwnam(user).pw_uid)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _kill_user_processes(uid: int) -> None:
    """What the tests left running as the test user (so that it can be deleted)."""
    for name in os.listdir("/proc"):
        if name.isdigit():
            with contextlib.suppress(OSError):
                if os.stat(f"/proc/{name}").st_uid == uid:
                    os.kill(int(name), signal.SIGKILL)


def _start(directory: Path, user: str, password: str | None, settings: dict[str, str]) -> Server:
    host_key = directory / "host_key"
    host_line = _keygen(host_key)
    client_key = directory / "client_key"
    client_line = _keygen(client_key)
    (directory / "authorized_keys").write_text(client_line + "\n")
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # privilege separation's
    for _ in range(5):
        port = _free_port()
        config = {
            "ListenAddress": "127.0.0.1",
            "Port": str(port),
            "HostKey": str(host_key),
            "AuthorizedKeysFile": str(directory / "authorized_keys"),
            "StrictModes": "no",
            "UsePAM": "no",
            "PidFile": "none",
            "PasswordAuthentication": "yes" if password else "no",
            "KbdInteractiveAuthentication": "no",
            "LogLevel": "INFO",
            "MaxStartups": "100:30:200",
            **settings,
        }
        config_file = directory / "sshd_config"
        config_file.write_text("".join(f"{k} {v}\n" for k, v in config.items()))
        process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", str(config_file)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        log: list[str] = []
        if _listening(process, log):
            known_hosts = directory / "known_hosts"
            known_hosts.write_text(f"[127.0.0.1]:{port} {host_line}\n")
            drain = threading.Thread(target=_drain, args=(process, log), daemon=True)
            drain.start()
            server = Server(
                port, process.pid, user, str(client_key), str(known_hosts), host_line, directory,
                password, log,
            )  # fmt: skip
            server._process = process  # type: ignore[attr-defined]
            server._drain = drain  # type: ignore[attr-defined]
            return server
        process.kill()
        process.wait()
        assert process.stderr is not None
        process.stderr.close()
        if not any("Address already in use" in line for line in log):
            pytest.skip(f"sshd cannot start here: {' '.join(log)[-500:]}")
    pytest.skip("sshd found no free port in five tries")


def _listening(process: subprocess.Popen[str], log: list[str]) -> bool:
    """Wait for sshd's "Server listening" line; False if it exited first."""
    assert process.stderr is not None
    deadline = time.monotonic() + START_SECONDS
    with selectors.DefaultSelector() as selector:
        selector.register(process.stderr, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if not selector.select(deadline - time.monotonic()):
                break
            line = process.stderr.readline()
            if not line:
                return False
            log.append(line.rstrip("\n"))
            if "Server listening on" in line:
                return True
    return False


def _drain(process: subprocess.Popen[str], log: list[str]) -> None:
    # sshd logs each connection: read on, so that its stderr never fills.
    assert process.stderr is not None
    for line in process.stderr:
        log.append(line.rstrip("\n"))
        del log[:-2000]


def stop(server: Server) -> None:
    process: subprocess.Popen[str] = server._process  # type: ignore[attr-defined]
    connections = _descendants(server.pid)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    for pid in connections:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    # Its stderr ends once every process holding it has gone.
    server._drain.join(timeout=5)  # type: ignore[attr-defined]
    assert process.stderr is not None
    process.stderr.close()
