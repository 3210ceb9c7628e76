"""Session blocks in Markdown and reST documents, run by the real `driver` command."""

from __future__ import annotations

import textwrap
from pathlib import Path

from helpers import driver_command

MARKDOWN = """\
# Greeting

Make a file:

```session
$ sh -c 'echo x > ${TMPDIR}/f'
```

The next block finds it (the blocks are one session file, in order):

```console
$ cat ${TMPDIR}/f
y
```

Shown, not run:

```console ignore
$ false
```

````markdown
```session
$ false
```
````

```python
print("not a session")
```
"""


def test_markdown_blocks_run_in_order_and_failures_name_the_documents_lines(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.md"
    page.write_text(MARKDOWN)
    done = driver_command("run", page)
    assert done.returncode == 1, done.stdout
    # Block 2 found block 1's file; the ignored blocks and the one inside
    # another block never ran (their `$ false` would have failed).
    assert f"{page}:13: y\n    expected 'y', got 'x'\n" in done.stdout
    assert "$ false" not in done.stdout
    assert f"--- {page} (expected)\n+++ {page} (actual)\n" in done.stdout
    error_file = page.with_name("page.md.err")
    assert error_file.read_text() == MARKDOWN.replace("\ny\n", "\nx\n")


def test_update_rewrites_the_blocks_and_leaves_the_prose_byte_for_byte(tmp_path: Path) -> None:
    prose = "Prose with trailing blanks   \r\n\tand a tab,\r\n"
    text = f"{prose}```session\r\n$ echo new\r\nold\r\n```\r\n{prose}```console\r\n$ true\r\n```"
    page = tmp_path / "page.md"
    page.write_bytes(text.encode())
    done = driver_command("run", "--update", page)
    assert done.returncode == 0, done.stdout
    # Its line ends and its missing last newline too.
    assert page.read_bytes() == text.replace("\nold\r", "\nnew\r").encode()
    done = driver_command("run", "--update", page)
    assert f"UNCHANGED {page}" in done.stdout


def test_a_blocks_last_command_ends_with_the_block(tmp_path: Path) -> None:
    """The prose after a block is never output: the block's end is the end
    of its command's script (its input ended, its status checked)."""
    page = tmp_path / "page.md"
    page.write_text("```session\n$ cat\n> hi\nhi\n```\n\nProse.\n\n```session\n$ true\n```\n")
    assert driver_command("run", page).returncode == 0
    page.write_text("```session\n$ printf 'one\\ntwo\\n'\none\n```\n\nProse.\n")
    done = driver_command("run", page)
    assert done.returncode == 1
    assert f"{page}:2: $ printf 'one\\ntwo\\n'\n    unexpected output: 'two\\n'" in done.stdout
    assert page.with_name("page.md.err").read_text() == (
        "```session\n$ printf 'one\\ntwo\\n'\none\ntwo\n```\n\nProse.\n"
    )


def test_output_before_a_blocks_command_is_named_at_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```session\n$ echo one\none\n```\n\n```session\ntwo\n```\n")
    done = driver_command("run", page)
    assert done.returncode == 1
    assert f"{page}:7: expected output before any `$ command`: start a program first" in (
        done.stdout
    )


REST = """\
Title
=====

- A list item, with a block:

  .. code-block:: session
     :caption: example

     $ echo one
     two

  Prose.

.. driver: ignore

.. code-block:: session

   $ false

.. code-block:: console

   $ false

.. code:: session

   $ sh -c 'exit 3'
"""


def test_rest_session_blocks_run_indented_and_update_writes_in_their_indentation(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.rst"
    page.write_text(REST)
    done = driver_command("run", page)
    assert done.returncode == 1
    assert f"{page}:10: two\n    expected 'two', got 'one'" in done.stdout
    assert f"{page}:26: $ sh -c 'exit 3'\n    expected exit status [0], got [3]" in done.stdout
    assert "$ false" not in done.stdout  # an ignored block, a console block
    assert driver_command("run", "--update", page).returncode == 0
    updated = REST.replace("     two\n", "     one\n") + "   [3]\n"
    assert page.read_text() == updated
    assert driver_command("run", page).returncode == 0


def test_a_document_without_session_blocks_is_skipped(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Nothing to run\n\n```console ignore\n$ false\n```\n")
    done = driver_command("run", page)
    assert done.returncode == 0, done.stdout
    assert f"SKIP {page}: no session blocks to run (```session, ```console)" in done.stdout


def test_a_session_block_never_closed_is_one_error_naming_its_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("Prose.\n\n```session\n$ echo hi\nhi\n")
    done = driver_command("run", page)
    assert done.returncode == 1
    message = f"{page}:3: the ```session block opened here is never closed: end it with a ```"
    assert message in done.stdout


def test_a_file_that_is_no_session_file_gets_one_error(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("".join(f"line {n} of prose\n" for n in range(1000)))
    done = driver_command("run", notes)
    assert done.returncode == 1
    assert done.stdout.count(str(notes)) == 3, done.stdout  # the header, the error, ERROR
    assert f"{notes}: not a session file: no line starts with `$ `" in done.stdout
    assert "hint: a session file starts each program on a `$ command` line" in done.stdout


def test_lines_before_the_first_command_are_one_problem(tmp_path: Path) -> None:
    path = tmp_path / "prose.session"
    path.write_text("Some prose\nabout the file\nand more\n$ true\n")
    done = driver_command("run", path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[1] == (
        f"{path}:1: expected output before any `$ command` (and 2 more lines to line 3):"
        " start a program first"
    )


def test_the_indentation_of_a_markdown_fence_is_kept(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        textwrap.dedent("""\
        1. A step:

           ```session
           $ echo one
           two
           ```
        """)
    )
    assert driver_command("run", "--update", page).returncode == 0
    assert "   $ echo one\n   one\n   ```\n" in page.read_text()
