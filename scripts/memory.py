"""How much memory reading a flood of output costs: python3 scripts/memory.py [MiB].

Spawns a child that prints MiB mebibytes as 4 KiB lines, reads them one by
one through a pipe session, and prints the line count and how far this
process's peak RSS grew (MiB). driver keeps only the unread output and a
bounded tail of the transcript, so the growth stays flat whatever the size.
"""

from __future__ import annotations

import resource
import sys
import time

import driver

FLOOD = "import sys\nline = b'x' * 4095 + b'\\n'\nfor _ in range({}): sys.stdout.buffer.write(line)"


def main() -> None:
    mebibytes = int(sys.argv[1]) if len(sys.argv) > 1 else 1024
    lines = mebibytes * 256
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    with driver.spawn([sys.executable, "-c", FLOOD.format(lines)], timeout=600) as session:
        count = sum(1 for _ in session)
    elapsed = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024
    print(f"{count} lines ({mebibytes} MiB) read in {elapsed:.1f} s; peak RSS grew {grown} MiB")


if __name__ == "__main__":
    main()
