"""pexpect's ``run``: run a command to the end, answering its prompts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .exceptions import EOF, TIMEOUT
from .pty_spawn import spawn


def run(
    command: str,
    timeout: float | None = 30,
    withexitstatus: bool = False,
    events: Mapping[Any, Any] | Sequence[tuple[Any, Any]] | None = None,
    extra_args: Any = None,
    logfile: Any = None,
    cwd: Any = None,
    env: Any = None,
    **kwargs: Any,
) -> Any:
    """Run ``command`` on a pty and return its output (and exit status with
    ``withexitstatus``).

    ``events`` maps a pattern to the answer sent when it shows: a string, or
    a callable given ``locals()`` (with ``child``, ``event_count`` and
    ``extra_args``) that returns a string to send or True to stop. A
    ``TIMEOUT`` key answers the timeout instead of raising it.
    """
    child = spawn(
        command, maxread=2000, logfile=logfile, cwd=cwd, env=env, timeout=timeout, **kwargs
    )
    if isinstance(events, list):
        patterns: Any = [pattern for pattern, _ in events]
        responses = [response for _, response in events]
    elif isinstance(events, dict):
        patterns, responses = list(events), list(events.values())
    else:  # EOF or the timeout ends the run
        patterns, responses = None, []
    # The callbacks see these by name (they are given locals()), as in pexpect.
    child_result_list: list[Any] = []
    event_count = 0
    try:
        while True:
            try:
                index = child.expect(patterns)
            except (EOF, TIMEOUT):  # the end of the run, not an error
                child_result_list.append(child.before)
                break
            after = child.after if isinstance(child.after, child.allowed_string_types) else b""
            child_result_list.append(child.before + after if after else child.before)
            if _answer(child, responses[index], locals()):
                break
            event_count += 1
    finally:
        child.close()
    text = child.string_type().join(child_result_list)
    return (text, child.exitstatus) if withexitstatus else text


def _answer(child: spawn, response: Any, scope: dict[str, Any]) -> bool:
    """Send ``response`` (or what a callable response returns); whether to stop."""
    if isinstance(response, child.allowed_string_types):
        child.send(response)
        return False
    if not callable(response):
        raise TypeError(f"parameter `event' must be a string, method, or function: {response!r}")
    result = response(scope)
    if isinstance(result, child.allowed_string_types):
        child.send(result)
        return False
    return bool(result)


def runu(command: str, **kwargs: Any) -> Any:
    """``run`` with ``encoding="utf-8"`` unless another is given."""
    kwargs.setdefault("encoding", "utf-8")
    return run(command, **kwargs)
