"""The level of a log line, in the formats a Lambda function writes.

- the Python runtime's ``logging`` format: ``[ERROR]\t2025-01-01T00:00:00.000Z\t<request id>\tmessage``;
- a JSON line with ``level`` (Powertools, hand-made JSON), ``levelname`` or ``log_level``;
- text that starts with the level: ``ERROR: …``, ``WARNING …``.

Example::

    level_of("[ERROR]\\t2025-01-01T00:00:00.000Z\\tabc\\tnot indexed")   # 'ERROR'
    level_of('{"level": "info", "message": "charged"}')                 # 'INFO'
    level_of("charged order 7")                                          # None
"""

from __future__ import annotations

import json
import re

LEVELS = ("CRITICAL", "FATAL", "ERROR", "WARNING", "WARN", "INFO", "DEBUG", "TRACE")
ERROR_LEVELS = frozenset({"ERROR", "CRITICAL", "FATAL"})
_BRACKETED = re.compile(r"^\[(%s)\]" % "|".join(LEVELS), re.IGNORECASE)
_LEADING = re.compile(r"^(%s)\b[\s:\-\]|]" % "|".join(LEVELS))


def level_of(line: str) -> str | None:
    """The level of ``line`` in upper case (``WARN`` as ``WARNING``), or None when it has none."""
    text = line.strip()
    level = None
    if text.startswith("{"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict):
            for key in ("level", "levelname", "log_level", "severity"):
                if isinstance(record.get(key), str):
                    level = record[key]
                    break
    else:
        match = _BRACKETED.match(text) or _LEADING.match(text)
        level = match.group(1) if match else None
    if level is None:
        return None
    level = level.upper()
    return "WARNING" if level == "WARN" else level


def is_error(line: str) -> bool:
    """Is ``line`` logged at ERROR (or CRITICAL)?"""
    return level_of(line) in ERROR_LEVELS
