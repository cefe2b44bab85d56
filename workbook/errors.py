"""Errors a learner can fix: one sentence that says what went wrong and what to do, never a traceback.

Every learner-facing error of the workbook derives from :class:`WorkbookError`. In Jupyter it shows as
``BankError: quizzes/02-handlers.yaml: …`` alone, without the stack; ``python -m workbook`` prints it as
one line on stderr and exits with status 2.

Example::

    from workbook.errors import WorkbookError

    class NoSuchThing(WorkbookError, LookupError):
        pass

    raise NoSuchThing("there is no thing 'x'; the things are: a, b")
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class WorkbookError(Exception):
    """A mistake the learner can fix; the message says how. Shown without a traceback."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing the whole stack: the learner sees the advice only.
        return [f"{type(self).__name__}: {self}"]


class PathError(WorkbookError, OSError):
    """A file or folder the workbook needs cannot be read or written; the message says which and why.

    An ``OSError``, so code that already handles failed file operations handles it too.
    """

    def __init__(self, message: str, errno_: int | None = None):
        super().__init__(message)
        self.errno = errno_  # the original error number, for code that looks at it (str() stays the message)


_REASONS = {
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.ENAMETOOLONG: "the name is too long",
    errno.EIO: "the system could not read or write it (input/output error)",
    errno.ELOOP: "it goes round a loop of symbolic links",
}
if hasattr(errno, "EDQUOT"):  # not on every platform
    _REASONS[errno.EDQUOT] = "the disk quota is used up"


def reason(exc: OSError, path: str | os.PathLike) -> str:
    """Why ``exc`` happened to ``path``, in words a learner can act on.

    Example::

        reason(NotADirectoryError(20, "Not a directory"), "/tmp/notes.txt/out.csv")
        # '/tmp/notes.txt is a file, not a folder'
    """
    path = Path(path)
    blocking_file = _file_in_the_way(path)
    if blocking_file is not None and exc.errno in (errno.ENOTDIR, errno.EEXIST, errno.ENOENT):
        return f"{blocking_file} is a file, not a folder"
    # Windows says "permission denied" when asked to open a folder as a file.
    folder_as_file = exc.errno == errno.EISDIR or (exc.errno == errno.EACCES and os.name == "nt")
    if folder_as_file and path.is_dir():
        return f"{path} is a folder, not a file"
    if exc.errno == errno.ENOENT:
        return "there is no such file or folder" if path.parent.is_dir() else f"{path.parent} does not exist"
    if exc.errno in _REASONS:
        return _REASONS[exc.errno]
    return (exc.strerror or str(exc) or type(exc).__name__).rstrip(".").lower()


def path_error(
    exc: OSError, path: str | os.PathLike, action: str, fix: str, shown: str | None = None
) -> PathError:
    """A :class:`PathError` for ``exc``: "cannot <action> <path>: <reason>; <fix>" (``shown`` instead of
    the path when given, e.g. "/tmp/x (WORKBOOK_HOME)").

    Example::

        try:
            frame.to_csv(out)
        except OSError as exc:
            raise path_error(exc, out, "write", "choose another file for --csv") from None
        # PathError: cannot write /tmp/notes.txt/out.csv: /tmp/notes.txt is a file, not a folder;
        # choose another file for --csv
    """
    return PathError(f"cannot {action} {shown or path}: {reason(exc, path)}; {fix}", exc.errno)


def describe(exc: OSError) -> str:
    """One line for an ``OSError`` nobody expected (the command line's last resort)."""
    if exc.filename is None:
        return f"{reason(exc, Path.cwd())}; check the paths you gave and try again"
    return f"cannot use {exc.filename}: {reason(exc, exc.filename)}; check the path and try again"


def _file_in_the_way(path: Path) -> Path | None:
    """The nearest of ``path`` and its parents that exists, when that is a file rather than a folder."""
    for candidate in (path, *path.parents):
        if candidate.exists():
            return None if candidate.is_dir() else candidate
    return None
