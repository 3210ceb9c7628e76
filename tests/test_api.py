"""The public surface: every name exported, documented, and as the contract says."""

from __future__ import annotations

import inspect

import driver


def test_every_public_name_is_exported_and_documented() -> None:
    for name in driver.__all__:
        value = getattr(driver, name)
        assert inspect.getdoc(value), f"driver.{name} has no docstring"
    public_methods = [
        name
        for name, member in inspect.getmembers(driver.Session)
        if not name.startswith("_") and (callable(member) or isinstance(member, property))
    ]
    for name in public_methods:
        assert inspect.getdoc(getattr(driver.Session, name)), f"Session.{name} has no docstring"


def test_error_family() -> None:
    assert issubclass(driver.SpawnError, driver.DriverError)
    assert issubclass(driver.SpawnError, OSError)
    assert issubclass(driver.Timeout, TimeoutError)
    assert issubclass(driver.EOF, EOFError)
    assert issubclass(driver.SessionClosed, driver.DriverError)
    assert issubclass(driver.DecodeError, driver.DriverError)
    assert driver.TIMEOUT is driver.Timeout
    assert isinstance(driver.EOF, type)


def test_spawn_signature_is_the_documented_one() -> None:
    parameters = list(inspect.signature(driver.spawn).parameters)
    assert parameters == [
        "argv", "backend", "cwd", "env", "timeout", "encoding", "errors",
        "stderr", "echo", "dimensions", "log", "newline",
        "transcript_limit",
    ]  # fmt: skip
