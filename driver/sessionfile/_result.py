"""What a session file's run found, and rewriting the file from it (``--update``)."""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from ._documents import document_kind
from ._format import BYTE_ORDER_MARK, SessionFileError, file_lines, shortened


@dataclass
class Failure:
    """One step of a session file that did not match.

    Attributes:
        line: its line number in the file (from 1).
        step: the line as written.
        message: what went wrong, secrets masked.
    """

    line: int
    step: str
    message: str


@dataclass
class FileResult:
    """What running one session file found.

    Attributes:
        path: the file.
        failures: each step that did not match, as a :class:`Failure`.
        expected: the file as it was.
        actual: the file rewritten from what the programs printed: what
            ``--update`` writes and a ``.err`` file holds.
        seconds: how long the run took.
        complete: False when a command stopped following the script (a
            timeout, output that ended early, a program that did not
            start); ``actual`` then holds the rest of the file as written.
        skipped: why the file did not run (a ``%require`` program that is
            not installed), else None.
    """

    path: Path
    failures: list[Failure]
    expected: str  # the file as it was
    actual: str  # the file rewritten from what the programs printed
    seconds: float = 0.0
    #: False when a command stopped following the script (a timeout, output
    #: that ended early, a program that did not start): ``actual`` then holds
    #: the rest of the file as written, and --update leaves the file alone.
    complete: bool = True
    #: Why the file did not run: a ``%require`` program that is not installed.
    skipped: str | None = None

    @property
    def passed(self) -> bool:
        """True when every step matched (a skipped file passes too)."""
        return not self.failures

    def report(self, *, full: bool = True) -> str:
        """Each failure as ``file:line: step`` and what went wrong, then the diff.

        Args:
            full: each message whole; without it, only each message's first
                line and its hints (the rest, the transcript's tail, repeats
                what the diff shows).

        Returns:
            The report, as ``driver run`` shows it.
        """
        lines = []
        for failure in self.failures:
            message = failure.message
            if not full:
                first, *rest = message.split("\n")
                message = "\n".join([first, *(line for line in rest if line.startswith("hint:"))])
            lines.append(f"{self.path}:{failure.line}: {shortened(failure.step)}")
            lines.append("    " + message.replace("\n", "\n    "))
        return "\n".join([*lines, self.diff().rstrip("\n")])

    def diff(self) -> str:
        """The file as it was against :attr:`actual`.

        Returns:
            A unified diff; empty when they are alike.
        """
        return "".join(
            difflib.unified_diff(
                [line + "\n" for line in file_lines(self.expected)],
                [line + "\n" for line in file_lines(self.actual)],
                fromfile=f"{self.path} (expected)",
                tofile=f"{self.path} (actual)",
            )
        )


def update_file(result: FileResult) -> bool:
    """Rewrite the file from what the programs printed, atomically.

    Args:
        result: what :func:`run_file` returned for the file.

    Returns:
        True if the file changed; False if it already said what happened.

    Raises:
        ValueError: the result is incomplete (the run stopped early): what
            the programs would have printed after that point is not known.
        SessionFileError: the file cannot be written (read-only, a full
            disk); it is left as it was.
    """
    if not result.complete:
        raise ValueError(f"{result.path}: the run stopped early, so it is not rewritten")
    if result.actual == result.expected:
        return False
    path = result.path
    try:
        mode = path.stat().st_mode
        with open(path, "rb") as file:
            written = file.read()
        # Its mode says not to, even to root, who could.
        for what, bits in (("the file", mode), ("its directory", path.parent.stat().st_mode)):
            if not bits & stat.S_IWUSR:
                raise SessionFileError(
                    f"{path}: not updated: {what} is read-only (mode {stat.S_IMODE(bits):o})"
                )
        replace_file(
            path, _as_written(result.actual, written, document=document_kind(path) is not None)
        )
    except OSError as error:  # a full disk, say: the file stays as it was
        raise SessionFileError(f"{path}: not updated: {error.strerror}") from None
    return True


_LINE_END = re.compile(r"\r\n|\r|\n")


def _as_written(actual: str, written: bytes, *, document: bool) -> str:
    """``actual`` as the file it replaces was written: with its byte order
    mark and its line ends (``\\r\\n``, say); a ``document`` without a
    newline at its end if it had none. What --update leaves alone (a
    document's prose) stays byte for byte."""
    text = written.decode("utf-8", "surrogateescape")
    mark = BYTE_ORDER_MARK if text.startswith(BYTE_ORDER_MARK) else ""
    end = _LINE_END.search(text)
    ends = "\n" if end is None else end.group(0)
    actual = actual if ends == "\n" else actual.replace("\n", ends)
    if document and text and not text.endswith(("\n", "\r")):
        actual = actual.removesuffix(ends)
    return mark + actual


def replace_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` at once or not at all: into a temporary
    file beside it, flushed to the disk, then renamed over it. A reader
    never sees half of it, and a failed write (a full disk) leaves what was
    there. A file there keeps its mode; a new one gets the umask's. A link
    is followed: its target is replaced.

    Args:
        path: the file.
        text: its new text (written as UTF-8).

    Raises:
        OSError: it could not be written; ``path`` is as it was, and no
            temporary file is left behind.
    """
    path = Path(os.path.realpath(path))
    try:
        mode: int | None = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = None
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    fd = os.open(temporary, flags, 0o666 if mode is None else 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())  # on the disk before the name points at it
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
