"""Who is learning, and where their progress is kept.

The name your attempts are recorded under is, in this order:

1. the environment variable ``WORKBOOK_LEARNER`` (tests and shared machines set it);
2. the name saved once with ``python -m workbook whoami --set "Ada"``;
3. your user name on this computer.

Everything is kept in ``WORKBOOK_HOME`` (default ``~/.workbook/``).
"""

from __future__ import annotations

import getpass
import json
import os
from pathlib import Path

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
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")
    temporary.write_text(json.dumps({"learner": name}, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)  # atomic: a crash leaves the old name or the new one, never half a file
    return path


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
        return getpass.getuser()
    except Exception:  # no user name in the environment or the password database (some containers)
        return "learner"
