"""A session file's variables and secrets (sessionfile/_variables.py), on plain data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from driver.sessionfile import SessionFileError, Step, parse
from driver.sessionfile._variables import Variables

PATH = Path("example.session")


def steps(text: str) -> list[Step]:
    """The steps of ``text``, after a first `$` line."""
    return parse(PATH, "$ prog\n" + text).steps[1:]


def test_variables_are_replaced_as_the_line_reads_them() -> None:
    variables = Variables(PATH, {"NAME": "a.b", "TAB": "x"}, [])
    literal, escaped, regex_line, glob = steps(
        "${NAME} is ${NAME}\n\\t${NAME} \\${TAB} (esc)\n${NAME}+ (re)\n${NAME}* (glob)\n"
    )
    assert variables.expand_step(literal) == "a.b is a.b"
    assert variables.expand_step(escaped) == "\ta.b ${TAB}"  # an escaped \${ is text
    assert variables.pattern(regex_line).fullmatch("a.bbb")
    assert not variables.pattern(regex_line).fullmatch("axb")  # a value is literal in a regex
    assert variables.pattern(glob).fullmatch("a.b and more")
    assert variables.pattern(literal).pattern == re.escape("a.b is a.b")


def test_an_unset_variable_names_the_line_and_the_ways_to_set_it() -> None:
    [step] = steps("${MISSING}\n")
    with pytest.raises(SessionFileError) as caught:
        Variables(PATH, {}, []).expand_step(step)
    assert str(caught.value) == (
        "example.session:2: ${MISSING} is not set: define it with --var MISSING=VALUE,"
        " in the environment, or capture it with (?P<MISSING>...)"
    )


def test_a_secret_is_hidden_from_the_start_wherever_its_value_comes_from() -> None:
    variables = Variables(PATH, {"GIVEN": "given-value", "OTHER": "shown"}, ["GIVEN", "TOKEN"])
    assert variables.mask("given-value shown") == "******** shown"
    found = re.fullmatch(r"token (?P<TOKEN>\w+), id (?P<ID>\d+)", "token abc123, id 42")
    assert found is not None
    assert variables.remember(found) == ["abc123"]  # only the declared secret
    assert variables.values["ID"] == "42"
    assert variables.mask("abc123 42") == "******** 42"
    # In the actual file a named secret reads as its variable, so the file still runs.
    assert variables.output_line("got abc123") == "got ${TOKEN}"


def test_a_declared_secret_left_unset_is_made_up() -> None:
    variables = Variables(PATH, {}, ["PASSWORD"])
    variables.declare_secret("PASSWORD")
    made_up = variables.values["PASSWORD"]
    assert len(made_up) >= 12
    assert variables.mask(made_up) == "********"
    variables.declare_secret("PASSWORD")
    assert variables.values["PASSWORD"] == made_up  # declared twice: one value
