"""The attempt log: one JSON line per submission, appended to ``WORKBOOK_HOME/attempts.jsonl``.

Safe with several kernels writing at once: each record is written under an exclusive file lock
(``fcntl.flock``) with a single ``os.write`` of one whole line. If a crash ever left a half-written
last line, the next record starts on a new line so it is never swallowed, and readers skip the
damaged line with a warning.

Example::

    from workbook import progress
    progress.record("02-handlers", "handler-string", 1, True, 1.0)
    progress.attempts()[-1]["attempt"]      # 1
"""

from __future__ import annotations

import contextlib
import json
import os
import warnings
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .identity import home, learner

try:
    import fcntl
except ImportError:  # Windows: single appends of one line, without a lock
    fcntl = None

LOG_NAME = "attempts.jsonl"
KINDS = ("quiz", "lab")
FIELDS = (
    "time", "learner", "kind", "module", "item_id", "attempt",
    "correct", "score", "response", "feedback", "bank_version",
)  # fmt: skip


class DamagedLineWarning(UserWarning):
    """A line of an attempt log could not be read; it was skipped."""


def log_path() -> Path:
    """The attempt log of this computer: ``WORKBOOK_HOME/attempts.jsonl``.

    Example::

        progress.log_path()      # PosixPath('/home/ada/.workbook/attempts.jsonl')
    """
    return home() / LOG_NAME


def record(
    module: str,
    item_id: str,
    response: Any,
    correct: bool,
    score: float,
    *,
    kind: str = "quiz",
    bank_version: int | None = None,
    feedback: str | None = None,
) -> dict:
    """Append one attempt to the log and return the stored record (with its ``attempt`` number).

    ``response`` must be JSON-friendly (sets and tuples become lists). The attempt number counts this
    learner's earlier attempts at the same item, across kernels.

    Example::

        progress.record("03-invoke", "sync-vs-async", 0, False, 0.0, feedback="Not quite…")
        # {'time': '2025-…', 'learner': 'Ada', 'kind': 'quiz', ..., 'attempt': 1, ...}
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    score = float(score)
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score must be between 0 and 1, not {score}")
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "learner": learner(),
        "kind": kind,
        "module": str(module),
        "item_id": str(item_id),
        "attempt": 0,
        "correct": bool(correct),
        "score": score,
        "response": _jsonable(response),
        "feedback": feedback,
        "bank_version": bank_version,
    }
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        with _locked(fd, exclusive=True):
            existing = _read_all(fd)
            entry["attempt"] = 1 + sum(
                1
                for old in _parse_lines(existing, path, warn=False)
                if (old.get("learner"), old.get("kind"), old.get("module"), old.get("item_id"))
                == (entry["learner"], kind, entry["module"], entry["item_id"])
            )
            line = json.dumps(entry, ensure_ascii=False, default=str) + "\n"
            if existing and not existing.endswith(b"\n"):
                line = "\n" + line  # a crash left half a line: start ours on a fresh one
            os.write(fd, line.encode("utf-8"))  # one write of one whole line
    finally:
        os.close(fd)
    return json.loads(line)


def attempts(path: str | os.PathLike | None = None) -> list[dict]:
    """Every attempt in a log (default: this computer's), oldest first. Damaged lines are skipped
    with a :class:`DamagedLineWarning`.

    Example::

        [a["item_id"] for a in progress.attempts() if not a["correct"]]
    """
    path = Path(path) if path is not None else log_path()
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return []
    try:
        with _locked(fd, exclusive=False):
            data = _read_all(fd)
    finally:
        os.close(fd)
    return list(_parse_lines(data, path, warn=True))


def attempts_and_problems(path: str | os.PathLike | None = None) -> tuple[list[dict], list[str]]:
    """Like :func:`attempts`, but each damaged line comes back as a message instead of a warning.

    Example::

        records, problems = attempts_and_problems("logs/ada.jsonl")
        problems      # ["logs/ada.jsonl:7: skipped a damaged line: '{\"time\": \"2025-'"]
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DamagedLineWarning)
        records = attempts(path)
    return records, [str(warning.message) for warning in caught]


def kind_of(record: Mapping) -> str:
    """What a record is an attempt at, "quiz" or "lab"; a record without a kind counts as a quiz answer."""
    return record.get("kind") or "quiz"


def _parse_lines(data: bytes, path: Path, warn: bool) -> Iterator[dict]:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"))
            if not isinstance(entry, dict) or "item_id" not in entry or "module" not in entry:
                raise ValueError("not an attempt record")
        except ValueError:
            if warn:
                snippet = raw[:60].decode("utf-8", "replace")
                warnings.warn(f"{path}:{number}: skipped a damaged line: {snippet!r}", DamagedLineWarning, 3)
            continue
        yield entry


def _read_all(fd: int) -> bytes:
    os.lseek(fd, 0, os.SEEK_SET)  # O_APPEND writes still go to the end
    chunks = []
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


@contextlib.contextmanager
def _locked(fd: int, exclusive: bool):
    if fcntl is None:
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _jsonable(value: Any) -> Any:
    """Responses as JSON: sets sorted into lists, tuples into lists, mappings with text keys."""
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)
