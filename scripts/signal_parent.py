"""The seed's signal example, done with driver: start fixtures/signal_child.py,
wait until it says it is ready (no sleeping), send it SIGUSR1, show its answer.

Run: python3 scripts/signal_parent.py
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import driver

CHILD = Path(__file__).resolve().parent.parent / "fixtures" / "signal_child.py"


def main() -> None:
    with driver.spawn([sys.executable, str(CHILD)]) as child:
        print("PARENT      : Waiting for the child to be ready...")
        print(child.read_line())  # Setting up signal handler
        print(child.read_line())  # Pausing to wait for signal: the handler is set
        print("PARENT      : Signaling child")
        child.send_signal(signal.SIGUSR1)
        print(child.expect(r"CHILD +\d+: Received USR1").text)
        print(f"PARENT      : child exited with status {child.wait()}")


if __name__ == "__main__":
    main()
