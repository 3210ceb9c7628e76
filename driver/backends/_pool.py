"""The connections of the SSH sessions to one host, shared within the server's limits.

A session is a channel on a connection with room: OpenSSH allows
``MaxSessions`` (10) per connection and refuses the next, so more
connections open as needed; a server that allows fewer than the
:class:`~driver.Host` says is learned from its refusal. A few handshakes at
a time go to one host (OpenSSH's ``MaxStartups`` drops bursts of
unauthenticated connections), and a connection left without sessions
closes after a moment. Everything here runs on the bridge's loop.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .._host import Host
    from ._bridge import Bridge

#: How long a connection without sessions stays open for the next one.
LINGER_SECONDS = 2.0


class Refused(Exception):
    """A connection or a session that could not be had: the reason, for a SpawnError."""

    def __init__(self, reason: str, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class Connection:
    """One SSH connection in a pool, and how many sessions it carries."""

    def __init__(self, ssh: Any, limit: int) -> None:
        self.ssh = ssh
        self.limit: int = limit
        self.used = 0
        self.alive = True
        self.idle: asyncio.TimerHandle | None = None


class Pool:
    """The connections to one :class:`Host` (as given: user, keys, password)."""

    def __init__(self, bridge: Bridge, host: Host) -> None:
        self.bridge = bridge
        self.host = host
        self.limit: int = host.max_sessions
        self.connections: list[Connection] = []
        self.connecting: int = 0
        self.waiting: int = 0
        self.failures: int = 0
        self.failure: Refused | None = None
        self._changed: asyncio.Future[None] | None = None
        self._options: Any = None

    async def slot(self) -> Connection:
        """A connection with room for one more session, taken; Refused if none can be had."""
        seen = self.failures
        while True:
            free = next((c for c in self.connections if c.alive and c.used < c.limit), None)
            if free is not None:
                self._take(free)
                return free
            if self.failures != seen and self.failure is not None:
                raise Refused(self.failure.reason, self.failure.code)
            # Each connection on its way serves its opener and limit - 1 more.
            if self.connecting * (self.limit - 1) <= self.waiting:
                return await self._connect()
            self.waiting += 1
            try:
                await self._wait_for_change()
            finally:
                self.waiting -= 1

    def _take(self, connection: Connection) -> None:
        connection.used += 1
        if connection.idle is not None:
            connection.idle.cancel()
            connection.idle = None

    async def _wait_for_change(self) -> None:
        if self._changed is None or self._changed.done():
            self._changed = asyncio.get_running_loop().create_future()
        await asyncio.shield(self._changed)

    def _notify(self) -> None:
        if self._changed is not None and not self._changed.done():
            self._changed.set_result(None)

    async def _connect(self) -> Connection:
        self.connecting += 1
        try:
            async with self.bridge.handshakes(self.host):
                ssh = await self.bridge.connect(self.host, self._connection_options(), self)
        except Refused as refused:
            self.failures += 1
            self.failure = refused
            raise
        finally:
            self.connecting -= 1
            self._notify()
        connection = Connection(ssh, self.limit)
        connection.used = 1
        self.connections.append(connection)
        self._notify()
        return connection

    def _connection_options(self) -> Any:
        if self._options is None:
            self._options = self.bridge.connection_options(self.host)
        return self._options

    def full(self, connection: Connection) -> None:
        """The server refused one more session on ``connection``: that is its limit."""
        connection.used -= 1
        connection.limit = max(1, connection.used)
        self.limit = min(self.limit, connection.limit)
        self._notify()

    def release(self, connection: Connection) -> None:
        """A session on ``connection`` ended."""
        connection.used -= 1
        self._notify()
        if connection.used == 0 and connection.alive:
            loop = asyncio.get_running_loop()
            connection.idle = loop.call_later(LINGER_SECONDS, self._close_idle, connection)

    def _close_idle(self, connection: Connection) -> None:
        connection.idle = None
        if connection.used == 0:
            self.lost(connection)
            connection.ssh.close()

    def lost(self, connection: Connection) -> None:
        connection.alive = False
        with contextlib.suppress(ValueError):
            self.connections.remove(connection)
        self._notify()

    def lost_ssh(self, ssh: Any) -> None:
        for connection in list(self.connections):
            if connection.ssh is ssh:
                self.lost(connection)

    def close(self) -> None:
        for connection in list(self.connections):
            self.lost(connection)
            connection.ssh.close()


class Handshakes:
    """The per-host and overall handshake limits, held together."""

    def __init__(self, per_host: asyncio.Semaphore, overall: asyncio.Semaphore) -> None:
        self._semaphores = (per_host, overall)

    async def __aenter__(self) -> None:
        for semaphore in self._semaphores:
            await semaphore.acquire()

    async def __aexit__(self, *exc: object) -> None:
        for semaphore in self._semaphores:
            semaphore.release()
