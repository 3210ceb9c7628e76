"""The seed's asyncio `df -hl` example, done with driver.

Runs `df -hl` in an AsyncSession, reads its table a line at a time as it
arrives, turns each row into a dict keyed by the header words, and prints
the free space per mount point.

Run: python3 scripts/df_free_space.py
"""

from __future__ import annotations

import asyncio

import driver


async def free_space() -> list[dict[str, str]]:
    async with await driver.aspawn(["df", "-hl"]) as df:
        # One header row of single words ("Mounted on" splits in two, and
        # zip stops at the shorter row), then one row per filesystem.
        headers = (await df.read_line()).split()
        rows = [dict(zip(headers, line.split(), strict=False)) async for line in df]
        if await df.wait() != 0:
            raise SystemExit(f"df failed: {df.transcript}")
    return rows


def main() -> None:
    rows = asyncio.run(free_space())
    print("Free space:")
    for row in rows:
        print(f"{row['Mounted']:25}: {row['Avail']}")


if __name__ == "__main__":
    main()
