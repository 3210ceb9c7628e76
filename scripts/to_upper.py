"""The seed's asyncio `tr` example, done with driver: send text on stdin,
end the input, read everything back in upper case.

Run: python3 scripts/to_upper.py
"""

from __future__ import annotations

import asyncio

import driver

MESSAGE = """
This message will be converted
to all caps.
"""


async def to_upper(text: str) -> tuple[int, str]:
    async with await driver.aspawn(["tr", "[:lower:]", "[:upper:]"]) as tr:
        await tr.send(text)
        await tr.send_eof()
        converted = await tr.read()
        return await tr.wait(), converted


def main() -> None:
    returncode, converted = asyncio.run(to_upper(MESSAGE))
    if returncode:
        raise SystemExit(f"tr exited with status {returncode}")
    print(f"Original: {MESSAGE!r}")
    print(f"Changed : {converted!r}")


if __name__ == "__main__":
    main()
