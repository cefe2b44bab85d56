"""The attempt log (workbook.progress.log): fields, attempt numbers, concurrent writers, damaged lines."""

from __future__ import annotations

import json
import multiprocessing
import os
import warnings

import pytest

from workbook import progress
from workbook.progress.log import DamagedLineWarning, attempts_and_problems, kind_of

WRITERS = 4
RECORDS_EACH = 150
ITEMS = 5


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_LEARNER", "ada")
    return tmp_path


def test_log_lives_in_workbook_home(home):
    """Is the log WORKBOOK_HOME/attempts.jsonl?"""
    assert progress.log_path() == home / "attempts.jsonl"


def test_record_stores_every_field():
    """Does a record hold learner, kind, module, id, response, correct, score, attempt, bank version,
    time and feedback?"""
    stored = progress.record("02-handlers", "handler-string", 1, False, 0.0, bank_version=2, feedback="why")
    assert stored == progress.attempts()[0]
    assert {k: stored[k] for k in stored if k != "time"} == {
        "learner": "ada", "kind": "quiz", "module": "02-handlers", "item_id": "handler-string", "attempt": 1,
        "correct": False, "score": 0.0, "response": 1, "feedback": "why", "bank_version": 2,
    }  # fmt: skip
    assert stored["time"].endswith("+00:00")


def test_attempt_numbers_count_per_item_and_learner(monkeypatch):
    """Are attempts numbered per learner and item, independently of other items and learners?"""
    numbers = [progress.record("m", "a", 0, False, 0)["attempt"] for _ in range(3)]
    assert numbers == [1, 2, 3]
    assert progress.record("m", "b", 0, True, 1)["attempt"] == 1
    monkeypatch.setenv("WORKBOOK_LEARNER", "grace")
    assert progress.record("m", "a", 0, True, 1)["attempt"] == 1


def test_lab_records_are_counted_apart_from_quiz_records():
    """Is a lab check with the same id as a quiz question numbered separately?"""
    progress.record("m", "step-1", None, False, 0)
    assert progress.record("m", "step-1", None, True, 1, kind="lab")["attempt"] == 1


def test_sets_and_tuples_are_stored_as_lists():
    """Is a set response stored as a sorted list (JSON has no sets)?"""
    assert progress.record("m", "q", {2, 0}, False, 0.5)["response"] == [0, 2]


def test_bad_kind_and_score_are_rejected():
    """Are kind other than quiz/lab and a score outside [0, 1] refused?"""
    with pytest.raises(ValueError):
        progress.record("m", "q", 0, True, 1, kind="exam")
    with pytest.raises(ValueError):
        progress.record("m", "q", 0, True, 2)


def test_no_log_means_no_attempts():
    """Is a missing log read as no attempts (not an error)?"""
    assert progress.attempts() == []


def test_damaged_line_is_skipped_with_a_warning():
    """Is a corrupted line skipped with a warning while the lines around it are kept?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "a", encoding="utf-8") as log:
        log.write("{not json at all\n")
    progress.record("m", "q2", 0, True, 1)
    with pytest.warns(DamagedLineWarning, match=r"attempts.jsonl:2"):
        records = progress.attempts()
    assert [r["item_id"] for r in records] == ["q1", "q2"]


def test_damaged_lines_can_come_back_as_messages():
    """For a command line, does attempts_and_problems name each damaged line instead of warning?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "a", encoding="utf-8") as log:
        log.write("{not json at all\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records, problems = attempts_and_problems()
    assert [r["item_id"] for r in records] == ["q1"]
    assert len(problems) == 1 and "attempts.jsonl:2" in problems[0]


@pytest.mark.parametrize("record, kind", [({"kind": "lab"}, "lab"), ({}, "quiz"), ({"kind": None}, "quiz")])
def test_a_record_without_a_kind_counts_as_a_quiz_answer(record, kind):
    """Is a record with no kind (or kind null) a quiz answer, and a lab record a lab record?"""
    assert kind_of(record) == kind


def test_truncated_last_line_does_not_swallow_the_next_record():
    """After a crash left half a line, does the next record start on its own line and survive?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "ab") as log:
        log.write(b'{"time": "2025-01-01", "learner": "ada", "mod')  # no newline: a crash mid-write
    progress.record("m", "q2", 0, True, 1)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = progress.attempts()
    assert [r["item_id"] for r in records] == ["q1", "q2"]
    assert len(caught) == 1


def _write_many(home: str, writer: int, count: int) -> None:
    os.environ["WORKBOOK_HOME"] = home
    os.environ["WORKBOOK_LEARNER"] = "ada"  # one learner, several kernels: the case the lock is for
    from workbook import progress as child_progress

    for number in range(count):
        response = {"writer": writer, "n": number, "pad": "x" * 200}
        child_progress.record("m", f"q{number % ITEMS}", response, True, 1)


def test_concurrent_writers_lose_nothing(home):
    """With several processes of one learner appending at once, does every line parse, is every record
    there, and is each item's attempt numbering 1…n without duplicates?"""
    context = multiprocessing.get_context("spawn")
    processes = [
        context.Process(target=_write_many, args=(str(home), w, RECORDS_EACH)) for w in range(WRITERS)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    lines = progress.log_path().read_text(encoding="utf-8").splitlines()
    assert len(lines) == WRITERS * RECORDS_EACH
    records = [json.loads(line) for line in lines]
    assert {(r["response"]["writer"], r["response"]["n"]) for r in records} == {
        (w, n) for w in range(WRITERS) for n in range(RECORDS_EACH)
    }
    for item in range(ITEMS):
        numbers = sorted(r["attempt"] for r in records if r["item_id"] == f"q{item}")
        assert numbers == list(range(1, WRITERS * RECORDS_EACH // ITEMS + 1))
