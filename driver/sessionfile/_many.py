"""Session files on many hosts at once: ``driver run --hosts FILE -j N``.

Each host runs the files in the order given (one may set up what the next
checks), hosts side by side; without hosts, or on one, the files run side by
side. Every run is a thread of its own driving sync sessions: the SSH work
of all of them is done by driver's one SSH thread, so a thread here mostly
waits. The threads are daemons: an interrupted command does not wait for
them, and the remote programs end with their channels.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from .. import Host
from ._format import SessionFileError
from ._result import FileResult
from ._run import run_file


@dataclass(frozen=True)
class Outcome:
    """How one file did on one host: a result, or the error that stopped it."""

    host: Host | None
    path: Path
    result: FileResult | None
    #: Why it could not run: the file (SessionFileError) or the host (SpawnError).
    error: Exception | None = None


def run_many(
    paths: Sequence[Path],
    hosts: Sequence[Host | None],
    *,
    jobs: int,
    variables: Mapping[str, str] | None = None,
    timeout: float | None = None,
    backend: str | None = None,
) -> Iterator[Outcome]:
    """Run every file on every host, ``jobs`` at once; each outcome as it comes.

    Args:
        paths: the session files, in the order each host runs them.
        hosts: where to run them (None: this machine).
        jobs: how many hosts at once; with a single host (or none), how
            many files at once.
        variables, timeout, backend: as for :func:`run_file`.
    """
    if len(hosts) > 1:
        units = [[(host, path) for path in paths] for host in hosts]
    else:
        units = [[(hosts[0], path)] for path in paths]
    work: queue.SimpleQueue[list[tuple[Host | None, Path]]] = queue.SimpleQueue()
    for unit in units:
        work.put(unit)
    done: queue.SimpleQueue[Outcome] = queue.SimpleQueue()

    def worker() -> None:
        while True:
            try:
                unit = work.get_nowait()
            except queue.Empty:
                return
            for host, path in unit:
                done.put(_one(host, path, variables, timeout, backend))

    for _ in range(min(jobs, len(units))):
        threading.Thread(target=worker, name="driver-run", daemon=True).start()
    for _ in range(sum(map(len, units))):
        yield done.get()


def _one(
    host: Host | None,
    path: Path,
    variables: Mapping[str, str] | None,
    timeout: float | None,
    backend: str | None,
) -> Outcome:
    try:
        result = run_file(path, variables=variables, timeout=timeout, backend=backend, host=host)
    except (SessionFileError, OSError) as error:
        return Outcome(host, path, None, error)
    return Outcome(host, path, result)
