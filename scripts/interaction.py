"""The seed's interaction example, done with driver.

Talks to fixtures/repeater.py two ways: one line at a time (send a line, read
its echo), then all at once (send five lines, end the input, read everything).
The repeater's stderr lines show when it starts and stops in each style.

Run: python3 scripts/interaction.py [--backend pty]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import driver

REPEATER = Path(__file__).resolve().parent.parent / "fixtures" / "repeater.py"


def one_line_at_a_time(backend: str) -> None:
    print("One line at a time:")
    with driver.spawn([sys.executable, str(REPEATER)], backend=backend) as repeater:
        print(repeater.read_line())  # repeater.py: starting
        for i in range(5):
            repeater.send_line(str(i))
            print(repeater.read_line())
        repeater.send_eof()
        print(repeater.read(), end="")  # repeater.py: exiting


def all_output_at_once(backend: str) -> None:
    print("All output at once:")
    with driver.spawn([sys.executable, str(REPEATER)], backend=backend) as repeater:
        for i in range(5):
            repeater.send_line(str(i))
        repeater.send_eof()
        print(repeater.read(), end="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["pipe", "pty"], default="pipe")
    backend = parser.parse_args().backend
    one_line_at_a_time(backend)
    print()
    all_output_at_once(backend)


if __name__ == "__main__":
    main()
