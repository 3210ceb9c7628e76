"""The mark of a public class."""

from __future__ import annotations

from typing import TypeVar

C = TypeVar("C", bound=type)


def public(cls: C) -> C:
    """Show ``cls`` as ``driver.Name`` (in tracebacks, reprs and the docs),
    where users find it, rather than under the private module that defines it."""
    cls.__module__ = "driver"
    return cls
