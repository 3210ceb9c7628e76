"""Session files: a recipe, a golden test and a recording, in one plain format.

A ``*.session`` file reads like the terminal session it describes::

    # a comment
    %timeout 5
    $ python3 fixtures/installer.py --prefix ${TMPDIR}/app
    Install directory? [/usr/local]
    > ${TMPDIR}/app
    Installed \\d+ files\\. (re)
    [0]

A Markdown or reST document is a session file too: its session blocks,
in order (``_documents.py``), the rest of it prose that is never read and
never rewritten.

:func:`parse` checks a whole file before anything runs (errors are
``file:line: message``); :func:`run_file` runs it and returns a
:class:`FileResult` whose ``actual`` is the file rewritten from what the
programs printed. That one text is the ``.err`` file of a failure, the right
side of its diff, and what ``--update`` writes.
"""

from ._format import (
    SessionFile,
    SessionFileError,
    Step,
    looks_like_session_file,
    parse,
    seconds,
    session_text,
)
from ._many import Outcome, run_many
from ._result import Failure, FileResult, replace_file, update_file
from ._run import run_file

__all__ = [
    "Failure", "FileResult", "Outcome", "SessionFile", "SessionFileError", "Step",
    "looks_like_session_file", "parse", "replace_file", "run_file", "run_many",
    "seconds", "session_text", "update_file",
]  # fmt: skip
