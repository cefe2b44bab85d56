"""Who is learning, and where their progress is kept.

The name your attempts are recorded under is, in this order:

1. the environment variable ``WORKBOOK_LEARNER`` (tests and shared machines set it);
2. the name saved once with ``python -m workbook whoami --set "Ada"``;
3. your user name on this computer.

Everything is kept in ``WORKBOOK_HOME`` (default ``~/.workbook/``).
"""

from __future__ import annotations

import contextlib
import errno
import getpass
import json
import os
from pathlib import Path

from ..errors import PathError, path_error

MAX_NAME_LENGTH = 80


def home() -> Path:
    """The folder that holds your progress: ``$WORKBOOK_HOME`` or ``~/.workbook``.

    Example::

        from workbook.progress import identity
        identity.home()          # PosixPath('/home/ada/.workbook')
    """
    configured = os.environ.get("WORKBOOK_HOME")
    return Path(configured).expanduser() if configured else Path.home() / ".workbook"


def learner() -> str:
    """The name your attempts are recorded under.

    Example::

        from workbook import progress
        progress.learner()       # 'Ada'
    """
    return learner_and_source()[0]


def learner_and_source() -> tuple[str, str]:
    """The learner's name and where it came from ("WORKBOOK_LEARNER", the config file, or "OS user")."""
    from_env = os.environ.get("WORKBOOK_LEARNER", "").strip()
    if from_env:
        return from_env, "WORKBOOK_LEARNER"
    saved = saved_name()
    if saved:
        return saved, str(config_path())
    return _os_user(), "OS user"


def set_learner(name: str) -> Path:
    """Save the name your attempts are recorded under (once per computer). Returns the file it went to.

    Example::

        set_learner("Ada Lovelace")
    """
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("the name must not be empty")
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"the name must be at most {MAX_NAME_LENGTH} characters")
    path = config_path()
    ensure_home("save your name in")
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    try:
        temporary.write_text(json.dumps({"learner": name}, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(temporary, path)  # atomic: a crash leaves the old name or the new one, never half a file
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise home_error(exc, "save your name in", temporary) from None
    return path


def ensure_home(action: str = "save your progress in") -> Path:
    """The progress folder, created when missing; :class:`~workbook.errors.PathError` saying how to fix
    it when it cannot be (``WORKBOOK_HOME`` is a file, the disk is read-only, …).

    Example::

        identity.ensure_home()   # PosixPath('/home/ada/.workbook')
    """
    folder = home()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise home_error(exc, action, folder) from None
    return folder


def check_home() -> Path:
    """The progress folder; :class:`~workbook.errors.PathError` when it exists but is not a folder."""
    folder = home()
    if folder.exists() and not folder.is_dir():
        raise home_error(
            NotADirectoryError(errno.ENOTDIR, "Not a directory"), "keep your progress in", folder
        )
    return folder


def home_error(exc: OSError, action: str, failed: Path) -> PathError:
    """The error for the progress folder when ``failed`` (the folder or a file in it) cannot be used:
    "cannot <action> <folder>: <why>; <how to fix it>"."""
    folder = home()
    if os.environ.get("WORKBOOK_HOME"):
        shown = f"{folder} (WORKBOOK_HOME)"
        fix = "point WORKBOOK_HOME at a folder you can write to, or unset it to use ~/.workbook"
    else:
        shown = str(folder)
        fix = "set WORKBOOK_HOME to a folder you can write to (export WORKBOOK_HOME=$HOME/workbook-progress)"
    return path_error(exc, failed, action, fix, shown)


def config_path() -> Path:
    """The file :func:`set_learner` writes: ``WORKBOOK_HOME/learner.json``."""
    return home() / "learner.json"


def saved_name() -> str | None:
    """The name saved with :func:`set_learner`, or None when there is none (or the file is unreadable)."""
    try:
        data = json.loads(config_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = data.get("learner") if isinstance(data, dict) else None
    return name.strip() if isinstance(name, str) and name.strip() else None


def _os_user() -> str:
    try:
        return getpass.getuser() or "learner"
    except Exception:  # no user name in the environment or the password database (some containers)
        return "learner"
