"""The attempt log: one JSON line per submission, appended to ``WORKBOOK_HOME/attempts.jsonl``.

Safe with several kernels writing at once: each record is written under an exclusive file lock
(``fcntl.flock``) with a single ``os.write`` of one whole line. If a crash ever left a half-written
last line, the next record starts on a new line so it is never swallowed. Readers skip every line that
is not a well-formed record (not JSON, nested too deeply, a field missing or of the wrong type) with one
warning naming the file and the lines; :func:`record` refuses to write anything they would skip.

Example::

    from workbook import progress
    progress.record("02-handlers", "handler-string", 1, True, 1.0)
    progress.attempts()[-1]["attempt"]      # 1
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import PathError, path_error
from .identity import ensure_home, home, home_error, learner

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
REQUIRED = ("time", "learner", "module", "item_id", "attempt", "correct", "score")
# Deeper than any answer a question takes (a matching answer is 1 level): deeper is not an answer, and
# would take the JSON reader near Python's recursion limit.
MAX_RESPONSE_DEPTH = 16
LINES_LISTED = 10  # line numbers named in a warning about damaged lines; more are counted
REASONS_LISTED = 3  # of which this many with what is wrong


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
    learner's earlier attempts at the same item, across kernels. Raises ValueError for what readers
    would skip (NaN, infinity, a number too large for a float, a response nested more than
    :data:`MAX_RESPONSE_DEPTH` deep, a score outside [0, 1]), and :class:`~workbook.errors.PathError`
    (an OSError) saying how to fix it when the progress folder cannot be written.

    Example::

        progress.record("03-invoke", "sync-vs-async", 0, False, 0.0, feedback="Not quite…")
        # {'time': '2025-…', 'learner': 'Ada', 'kind': 'quiz', ..., 'attempt': 1, ...}
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    try:
        score = float(score)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"score must be a number between 0 and 1, not {score!r}") from None
    if not 0.0 <= score <= 1.0:
        raise ValueError(f"score must be between 0 and 1, not {score}")
    try:
        response = _jsonable(response)
    except ValueError as exc:
        raise ValueError(f"this attempt cannot be recorded: {exc}") from None
    entry = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "learner": learner(),
        "kind": kind,
        "module": str(module),
        "item_id": str(item_id),
        "attempt": 1,
        "correct": bool(correct),
        "score": score,
        "response": response,
        "feedback": None if feedback is None else str(feedback),
        "bank_version": bank_version,
    }
    problem = record_problem(entry)
    if problem is not None:  # what readers would skip is never written
        raise ValueError(f"this attempt cannot be recorded: {problem}")
    path = log_path()
    ensure_home()
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    except OSError as exc:
        raise home_error(exc, "save your progress in", path) from None
    try:
        with _locked(fd, exclusive=True):
            existing = _read_all(fd)
            records, _ = _parse_lines(existing)
            entry["attempt"] = 1 + sum(
                1
                for old in records
                if (old["learner"], kind_of(old), old["module"], old["item_id"])
                == (entry["learner"], kind, entry["module"], entry["item_id"])
            )
            line = json.dumps(entry, ensure_ascii=False, allow_nan=False) + "\n"
            if existing and not existing.endswith(b"\n"):
                line = "\n" + line  # a crash left half a line: start ours on a fresh one
            os.write(fd, line.encode("utf-8"))  # one write of one whole line
    except OSError as exc:
        raise home_error(exc, "save your progress in", path) from None
    finally:
        os.close(fd)
    return json.loads(line)


def attempts(path: str | os.PathLike | None = None) -> list[dict]:
    """Every attempt in a log (default: this computer's), oldest first. Damaged lines are skipped
    with a :class:`DamagedLineWarning`.

    Example::

        [a["item_id"] for a in progress.attempts() if not a["correct"]]
    """
    default = path is None
    path = log_path() if default else Path(path)
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise _read_error(exc, path, default) from None
    try:
        with _locked(fd, exclusive=False):
            data = _read_all(fd)
    except OSError as exc:
        raise _read_error(exc, path, default) from None
    finally:
        os.close(fd)
    records, skipped = _parse_lines(data)
    if skipped:
        warnings.warn(damaged_lines_message(path, skipped), DamagedLineWarning, stacklevel=2)
    return records


def attempts_and_problems(path: str | os.PathLike | None = None) -> tuple[list[dict], list[str]]:
    """Like :func:`attempts`, but the damaged lines come back as a message instead of a warning.

    Example::

        records, problems = attempts_and_problems("logs/ada.jsonl")
        problems      # ['logs/ada.jsonl: skipped 1 damaged line (7): line 7: not valid JSON']
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DamagedLineWarning)
        records = attempts(path)
    return records, [str(warning.message) for warning in caught]


def kind_of(record: Mapping) -> str:
    """What a record is an attempt at, "quiz" or "lab"; a record without a kind counts as a quiz answer."""
    return record.get("kind") or "quiz"


def record_problem(entry: Any) -> str | None:
    """What makes ``entry`` (one parsed line of a log) not an attempt record, or None when it is one.

    Example::

        record_problem({"time": "2025-03-01T09:00:00.000+00:00", "learner": "ada", "module": "02-handlers",
                        "item_id": "handler-string", "attempt": 1, "correct": "no", "score": 0})
        # "'correct' must be true or false, not 'no'"
    """
    if not isinstance(entry, dict):
        return f"a JSON {_json_kind(entry)}, not an attempt record"
    missing = [name for name in REQUIRED if name not in entry]
    if missing:
        return "missing " + ", ".join(repr(name) for name in missing)
    for name in ("time", "learner", "module", "item_id"):
        if not isinstance(entry[name], str) or not entry[name].strip():
            return f"{name!r} must be a non-empty text, not {_shown(entry[name])}"
    version, feedback = entry.get("bank_version"), entry.get("feedback")
    checks = {
        "kind": (entry.get("kind") in (None, *KINDS), f"one of {', '.join(KINDS)}"),
        "attempt": (_is_int(entry["attempt"]) and entry["attempt"] >= 1, "a whole number, 1 or more"),
        "correct": (isinstance(entry["correct"], bool), "true or false"),
        "score": (_is_number(entry["score"]) and 0 <= entry["score"] <= 1, "a number between 0 and 1"),
        "feedback": (feedback is None or isinstance(feedback, str), "a text or null"),
        "bank_version": (version is None or _is_int(version), "a whole number or null"),
    }
    for name, (fine, expected) in checks.items():
        if not fine:
            return f"{name!r} must be {expected}, not {_shown(entry[name])}"
    if _depth(entry.get("response")) > MAX_RESPONSE_DEPTH:
        return f"'response' is nested more than {MAX_RESPONSE_DEPTH} levels deep"
    return None


def damaged_lines_message(path: str | os.PathLike, skipped: list[tuple[int, str]]) -> str:
    """One sentence about the lines of ``path`` that were skipped: how many, which, and why (the first few).

    Example::

        damaged_lines_message("ada.jsonl", [(2, "not valid JSON"), (5, "'correct' must be true or false")])
        # "ada.jsonl: skipped 2 damaged lines (2, 5): line 2: not valid JSON; line 5: 'correct' must be …"
    """
    numbers = ", ".join(str(number) for number, _ in skipped[:LINES_LISTED])
    if len(skipped) > LINES_LISTED:
        numbers += f" and {len(skipped) - LINES_LISTED} more"
    reasons = "; ".join(f"line {number}: {why}" for number, why in skipped[:REASONS_LISTED])
    if len(skipped) > REASONS_LISTED:
        reasons += "; …"
    lines = "line" if len(skipped) == 1 else "lines"
    return f"{path}: skipped {len(skipped)} damaged {lines} ({numbers}): {reasons}"


def _parse_lines(data: bytes) -> tuple[list[dict], list[tuple[int, str]]]:
    """The well-formed records of a log, and (line number, what is wrong) for every other non-empty line."""
    records: list[dict] = []
    skipped: list[tuple[int, str]] = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        try:
            entry = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
        except UnicodeDecodeError:
            skipped.append((number, "not UTF-8 text"))
            continue
        except ValueError:
            skipped.append((number, "not valid JSON"))
            continue
        except RecursionError:
            skipped.append((number, "nested too deeply to be an attempt record"))
            continue
        problem = record_problem(entry)
        if problem is None:
            records.append(entry)
        else:
            skipped.append((number, problem))
    return records, skipped


def _read_error(exc: OSError, path: Path, default: bool) -> PathError:
    if default:
        return home_error(exc, "read your progress from", path)
    return path_error(exc, path, "read the attempt log", "check the path")


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")  # Python writes NaN and Infinity; the log never holds them


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and _fits_float(value)


def _fits_float(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _depth(value: Any) -> int:
    """How deeply lists and objects nest in ``value`` (0 for a number or a text), without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, level = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is not None:
            deepest = max(deepest, level)
            if level > MAX_RESPONSE_DEPTH:
                break  # deep enough to refuse; no need to walk the rest
            stack.extend((child, level + 1) for child in children)
    return deepest


def _json_kind(value: Any) -> str:
    names = {dict: "object", list: "list", str: "text", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")  # json.loads makes nothing else


def _shown(value: Any) -> str:
    """A field's value for a message: short, and safe for any JSON value."""
    if isinstance(value, (dict, list)):
        return f"a {_json_kind(value)}"
    text = repr(value) if not isinstance(value, int) or _fits_float(value) else "a huge number"
    return text if len(text) <= 40 else text[:37] + "…"


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


def _jsonable(value: Any, depth: int = 0) -> Any:
    """Responses as JSON: sets sorted into lists, tuples into lists, mappings with text keys.

    Raises ValueError for what JSON cannot hold faithfully: NaN, infinities, numbers too large for a
    float, and nesting deeper than :data:`MAX_RESPONSE_DEPTH`.
    """
    if isinstance(value, (set, frozenset, list, tuple, dict)) and depth >= MAX_RESPONSE_DEPTH:
        raise ValueError(f"the response is nested more than {MAX_RESPONSE_DEPTH} levels deep")
    if isinstance(value, (set, frozenset)):
        return sorted((_jsonable(v, depth + 1) for v in value), key=lambda v: (str(type(v)), v))
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, depth + 1) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (int, float)) and not isinstance(value, bool) and not _fits_float(value):
        raise ValueError("the response holds a number that is not finite or too large to store")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item(), depth)
    return str(value)
