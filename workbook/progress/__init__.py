"""Your progress: every quiz answer and lab check is appended to a local attempt log.

Nothing leaves your computer. The log is ``~/.workbook/attempts.jsonl`` (or ``$WORKBOOK_HOME``);
see it with ``python -m workbook progress``, export it with ``python -m workbook report --csv out.csv``.

Example::

    from workbook import progress
    progress.record("02-handlers", "handler-string", 1, True, 1.0)
    progress.summary()
"""

from .identity import home, learner, set_learner
from .log import DamagedLineWarning, attempts, log_path, record
from .summary import summary

__all__ = [
    "DamagedLineWarning", "attempts", "home", "learner", "log_path", "record", "set_learner", "summary",
]  # fmt: skip
