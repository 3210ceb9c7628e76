"""Where a remote session runs: :class:`Host`, and the ``host=`` option's check.

Plain data, no SSH here: ``import driver`` must not load asyncssh, and an
option is checked before anything connects. The transport is
:mod:`driver.backends.ssh`.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from collections.abc import Sequence
from typing import Any

from ._masking import MASK
from ._public import public

#: Where OpenSSH keeps the host keys a user has accepted, and the system's.
KNOWN_HOSTS_FILES = ("~/.ssh/known_hosts", "/etc/ssh/ssh_known_hosts")

# user@name:port, user@[v6::address]:port; each part but the name optional.
_HOST = re.compile(
    r"(?:(?P<user>[^@\s]+)@)?"
    r"(?:\[(?P<v6>[^\]\s]+)\]|(?P<name>[^@:\s\[\]]+))"
    r"(?::(?P<port>\d+))?"
)


@public
@dataclasses.dataclass(frozen=True, repr=False)
class Host:
    """A machine to run sessions on, over SSH: ``spawn(argv, host=driver.Host(...))``.

    ``host="user@name:port"`` is the short form of the same thing. Sessions
    to one host share connections (one SSH channel each), opening more as
    the server's session limit requires.

    Attributes:
        name: the host name or address.
        port: the SSH port (default 22).
        username: whom to log in as (default: the local user's name).
        password: a password to authenticate with; wrap it in
            :class:`driver.Secret` where it is written. It is never shown in
            a transcript, an error or a log, and never sent to the remote
            program.
        client_keys: private key files to try; None (the default) tries
            the agent (``SSH_AUTH_SOCK``) and ``~/.ssh/id_*`` as ssh does.
        passphrase: the passphrase of encrypted ``client_keys``.
        known_hosts: the files of host keys to trust (default: the user's
            and the system's, as OpenSSH's); an unknown or changed key
            refuses the connection. None accepts any key, unchecked: an
            explicit choice for throwaway machines only.
        connect_timeout: seconds to connect, authenticate and open a
            session before :class:`driver.SpawnError`.
        max_sessions: sessions per connection (OpenSSH's ``MaxSessions``,
            10 by default); when a server allows fewer, driver learns it.
        keepalive_interval: seconds between keepalives on a quiet
            connection: one that stops answering three in a row is lost
            (its sessions read EOF). 0 sends none.
    """

    name: str
    port: int = 22
    username: str | None = None
    password: str | None = None
    client_keys: Sequence[str | os.PathLike[str]] | None = None
    passphrase: str | None = None
    known_hosts: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] | None = (
        KNOWN_HOSTS_FILES
    )
    connect_timeout: float = 10.0
    max_sessions: int = 10
    keepalive_interval: float = 15.0

    def __post_init__(self) -> None:
        _check_fields(self)
        if isinstance(self.client_keys, (str, os.PathLike)):
            object.__setattr__(self, "client_keys", (self.client_keys,))
        elif self.client_keys is not None:
            object.__setattr__(self, "client_keys", tuple(self.client_keys))
        if self.known_hosts is not None and not isinstance(self.known_hosts, (str, os.PathLike)):
            object.__setattr__(self, "known_hosts", tuple(self.known_hosts))

    @classmethod
    def parse(cls, text: str) -> Host:
        """``"user@name:port"`` as a Host (the user and port may be left out;
        an IPv6 address goes in brackets, ``user@[::1]:2222``).

        Raises:
            ValueError: ``text`` is not of that form.
        """
        return parse_host(text)

    @property
    def login(self) -> str:
        """``user@name:port`` as messages name the host (the user if given)."""
        name = f"[{self.name}]" if ":" in self.name else self.name
        user = f"{self.username}@" if self.username else ""
        return f"{user}{name}:{self.port}"

    def __str__(self) -> str:
        return self.login

    def __repr__(self) -> str:
        fields = []
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value == field.default:
                continue
            if field.name in ("password", "passphrase"):
                value = MASK  # never shown, whatever shows the Host
            fields.append(f"{field.name}={value!r}")
        return f"driver.Host({', '.join(fields)})"


def parse_host(text: str) -> Host:
    """``user@name:port`` (``[v6::address]`` in brackets) as a :class:`Host`."""
    found = _HOST.fullmatch(text.strip())
    if found is None:
        raise ValueError(
            f"host={text!r}: expected 'name', 'user@name' or 'user@name:port'"
            " (an IPv6 address in brackets: 'user@[::1]:2222')"
        )
    port = found["port"]
    return Host(found["v6"] or found["name"], int(port) if port else 22, found["user"])


def check_host(value: object) -> Host | None:
    """The ``host=`` option: a :class:`Host`, its ``user@name:port`` form, or None."""
    if value is None or isinstance(value, Host):
        return value
    if isinstance(value, str):
        return parse_host(value)
    raise TypeError(
        f"host={value!r}: expected 'user@name:port', a driver.Host, or None for this machine"
    )


def _check_fields(host: Host) -> None:
    if not isinstance(host.name, str) or not host.name or any(c.isspace() for c in host.name):
        raise ValueError(f"Host(name={host.name!r}): expected a host name or address")
    if isinstance(host.port, bool) or not isinstance(host.port, int) or not 0 < host.port < 65536:
        raise ValueError(f"Host(port={host.port!r}): expected a port number from 1 to 65535")
    for name in ("username", "password", "passphrase"):
        value = getattr(host, name)
        if value is not None and not isinstance(value, str):
            shown = "a value" if name != "username" else repr(value)
            raise TypeError(f"Host({name}=...): expected a str or None, got {shown}")
    _check_seconds("connect_timeout", host.connect_timeout, zero=False)
    _check_seconds("keepalive_interval", host.keepalive_interval, zero=True)
    sessions = host.max_sessions
    if isinstance(sessions, bool) or not isinstance(sessions, int) or sessions < 1:
        raise ValueError(
            f"Host(max_sessions={sessions!r}): expected how many sessions one connection"
            " may carry (1 or more; OpenSSH's MaxSessions is 10)"
        )


def _check_seconds(name: str, value: Any, *, zero: bool) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or math.isnan(value)
        or value < 0
        or (value == 0 and not zero)
        or value == math.inf
    ):
        least = "0 or more" if zero else "more than 0"
        raise ValueError(f"Host({name}={value!r}): expected seconds ({least})")
