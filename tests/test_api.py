"""The public surface: every name exported, documented, and as the contract says."""

from __future__ import annotations

import importlib.metadata
import inspect

import pytest

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


def test_the_distribution_says_what_it_is() -> None:
    try:
        metadata = importlib.metadata.metadata("linedriver")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("linedriver is not installed in this environment (pip install -e .)")
    classifiers = metadata.get_all("Classifier") or []
    for version in ("3.10", "3.11", "3.12", "3.13"):
        assert f"Programming Language :: Python :: {version}" in classifiers
    assert "Framework :: Pytest" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert "LICENSE" in (metadata.get_all("License-File") or [])
    assert metadata["Requires-Python"] == ">=3.10"
    entry_points = importlib.metadata.entry_points(group="pytest11")
    assert any(ep.value == "driver.pytest_plugin" for ep in entry_points)
