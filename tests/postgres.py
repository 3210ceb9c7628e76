"""A throwaway PostgreSQL server on a Unix socket in a temporary directory."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

#: A role that must give a password; ``server()`` asks for one, the test creates it.
PASSWORD_ROLE = "driver_password"


def _server_bin() -> Path | None:
    found = shutil.which("initdb") or next(
        iter(glob.glob("/usr/lib/postgresql/*/bin/initdb")), None
    )
    return Path(found).parent if found else None


@contextmanager
def server() -> Iterator[list[str]]:
    """psql's arguments for a fresh server, stopped and removed afterwards."""
    bin_dir = _server_bin()
    if bin_dir is None or shutil.which("psql") is None:
        pytest.skip("PostgreSQL (initdb, pg_ctl, psql) is not installed (see .ci/run)")
    as_user: list[str] = []
    home = Path(tempfile.mkdtemp(prefix="driver-pg-"))
    if os.geteuid() == 0:  # the server refuses to run as root
        user = "postgres" if _exists("postgres") else "nobody"
        shutil.chown(home, user)
        as_user = ["runuser", "-u", user, "--"]
    data = home / "data"
    run = [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        subprocess.run(
            [*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "driver"],
            check=True, capture_output=True,
        )  # fmt: skip
        # The role PASSWORD_ROLE logs in with a password (create it to use it).
        hba = data / "pg_hba.conf"
        hba.write_text(f"local all {PASSWORD_ROLE} scram-sha-256\n" + hba.read_text())
        options = f"-k {home} -c listen_addresses='' -c fsync=off"
        # -w: pg_ctl itself waits until the server accepts connections.
        subprocess.run([*run, "-o", options, "-l", str(home / "log"), "-w", "start"], check=True,
                       capture_output=True)  # fmt: skip
        try:
            yield ["-h", str(home), "-U", "driver", "-d", "postgres"]
        finally:
            subprocess.run([*run, "-m", "immediate", "-w", "stop"], capture_output=True)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _exists(user: str) -> bool:
    try:
        pwd.getpwnam(user)
    except KeyError:
        return False
    return True
