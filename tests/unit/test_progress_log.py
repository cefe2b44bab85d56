"""The attempt log (workbook.progress.log): fields, attempt numbers, concurrent writers, damaged lines."""

from __future__ import annotations

import json
import multiprocessing
import os
import warnings
from pathlib import Path

import pytest

from workbook import progress
from workbook.errors import PathError
from workbook.progress.log import (
    MAX_RESPONSE_DEPTH,
    DamagedLineWarning,
    attempts_and_problems,
    kind_of,
    record_problem,
)

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
    """Is a corrupted line skipped with a warning naming the file and the line, while the lines around it
    are kept?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "a", encoding="utf-8") as log:
        log.write("{not json at all\n")
    progress.record("m", "q2", 0, True, 1)
    with pytest.warns(DamagedLineWarning, match=r"attempts.jsonl: skipped 1 damaged line \(2\): line 2: not"):
        records = progress.attempts()
    assert [r["item_id"] for r in records] == ["q1", "q2"]


def test_damaged_lines_can_come_back_as_messages():
    """For a command line, does attempts_and_problems name the damaged lines instead of warning?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "a", encoding="utf-8") as log:
        log.write("{not json at all\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        records, problems = attempts_and_problems()
    assert [r["item_id"] for r in records] == ["q1"]
    assert problems == [f"{progress.log_path()}: skipped 1 damaged line (2): line 2: not valid JSON"]


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


# --- lines that are not well-formed records -----------------------------------------------------------


def good_line(**changes) -> dict:
    entry = {"time": "2025-03-01T09:00:00.000+00:00", "learner": "ada", "kind": "quiz", "module": "m",
             "item_id": "q1", "attempt": 1, "correct": True, "score": 1.0, "response": 0,
             "feedback": None, "bank_version": 1}  # fmt: skip
    entry.update(changes)
    return entry


def without(name: str) -> dict:
    entry = good_line()
    del entry[name]
    return entry


def nested(depth: int):
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


BAD_LINES = {
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep nesting in an object": ('{"a": ' * 50_000 + "1" + "}" * 50_000).encode(),
    "deep response": json.dumps(good_line(response=nested(MAX_RESPONSE_DEPTH + 1))).encode(),
    "correct is a text": json.dumps(good_line(correct="no")).encode(),
    "learner is a list": json.dumps(good_line(learner=["ada"])).encode(),
    "module is a number": json.dumps(good_line(module=2)).encode(),
    "item_id is empty": json.dumps(good_line(item_id=" ")).encode(),
    "attempt is a text": json.dumps(good_line(attempt="1")).encode(),
    "attempt is 0": json.dumps(good_line(attempt=0)).encode(),
    "score above 1": json.dumps(good_line(score=7)).encode(),
    "score is NaN": json.dumps(good_line(score=float("nan"))).encode(),
    "score is a huge int": json.dumps(good_line(score=10**400)).encode(),
    "int too long to read": json.dumps(good_line(response="N")).replace('"N"', "9" * 5000).encode(),
    "Infinity in the response": json.dumps(good_line(response=float("inf"))).encode(),
    "unknown kind": json.dumps(good_line(kind="exam")).encode(),
    "feedback is a list": json.dumps(good_line(feedback=["f"])).encode(),
    "bank_version is true": json.dumps(good_line(bank_version=True)).encode(),
    "no time": json.dumps(without("time")).encode(),
    "no learner": json.dumps(without("learner")).encode(),
    "no correct": json.dumps(without("correct")).encode(),
    "a list": b"[1, 2, 3]",
    "a text": b'"hello"',
    "null": b"null",
    "not UTF-8": json.dumps(good_line()).encode().replace(b'"ada"', b'"\xe9da"'),
}  # fmt: skip


@pytest.mark.parametrize("line", BAD_LINES.values(), ids=BAD_LINES.keys())
def test_a_line_that_is_not_a_well_formed_record_is_skipped(line):
    """Is every kind of line that is not a well-formed record skipped with one warning naming the file and
    its line number, and does record() keep working and numbering attempts afterwards?"""
    progress.record("m", "q1", 0, False, 0)
    with open(progress.log_path(), "ab") as log:
        log.write(line + b"\n")
    assert progress.record("m", "q1", 0, True, 1)["attempt"] == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        records = progress.attempts()
    assert [(r["item_id"], r["attempt"]) for r in records] == [("q1", 1), ("q1", 2)]
    assert [w.category for w in caught] == [DamagedLineWarning]
    assert str(caught[0].message).startswith(f"{progress.log_path()}: skipped 1 damaged line (2): line 2: ")
    assert progress.summary(records)["attempts"].tolist() == [2]


def test_many_damaged_lines_make_one_warning():
    """With many damaged lines, is there one warning that counts them and names their line numbers?"""
    progress.record("m", "q1", 0, True, 1)
    with open(progress.log_path(), "ab") as log:
        log.write(b"oops\n" * 12 + json.dumps(good_line(correct="no")).encode() + b"\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert len(progress.attempts()) == 1
    assert len(caught) == 1
    assert str(caught[0].message) == (
        f"{progress.log_path()}: skipped 13 damaged lines (2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 3 more): "
        "line 2: not valid JSON; line 3: not valid JSON; line 4: not valid JSON; …"
    )


def test_record_problem_says_what_is_wrong():
    """Does record_problem name the field and what it must be?"""
    assert record_problem(good_line()) is None
    assert record_problem(good_line(correct="no")) == "'correct' must be true or false, not 'no'"
    assert record_problem(good_line(learner=["ada"])) == "'learner' must be a non-empty text, not a list"
    assert record_problem(without("score")) == "missing 'score'"
    assert record_problem([1]) == "a JSON list, not an attempt record"


@pytest.mark.parametrize(
    "response",
    [10**400, -(10**400), float("inf"), float("nan"), {"a": [float("-inf")]}, nested(MAX_RESPONSE_DEPTH + 1)],
    ids=["10**400", "-10**400", "inf", "nan", "inf inside", "too deep"],
)
def test_record_refuses_a_response_readers_would_skip(response):
    """Is a response JSON cannot hold faithfully (10**400, inf, NaN, deep nesting) refused with a clear
    ValueError, leaving the log as it was?"""
    progress.record("m", "q1", 0, True, 1)
    before = progress.log_path().read_bytes()
    with pytest.raises(ValueError, match="^this attempt cannot be recorded: the response "):
        progress.record("m", "q1", response, False, 0)
    assert progress.log_path().read_bytes() == before


def test_record_keeps_a_response_as_deep_as_allowed():
    """Is a response nested exactly as deep as allowed stored and read back?"""
    stored = progress.record("m", "q1", nested(MAX_RESPONSE_DEPTH), True, 1)
    assert progress.attempts() == [stored]


@pytest.mark.parametrize("score", ["no", 10**400, float("nan")], ids=["text", "10**400", "nan"])
def test_record_refuses_a_score_that_is_no_number_between_0_and_1(score):
    """Is a score that is no number (or too large for one) a ValueError, not a TypeError or OverflowError?"""
    with pytest.raises(ValueError, match="score must be"):
        progress.record("m", "q1", 0, True, score)


def test_record_into_a_home_that_is_a_file_says_so(home, monkeypatch):
    """When WORKBOOK_HOME is a file, does record() raise one sentence naming it and the fix (an OSError,
    so callers that handle failed writes handle it)?"""
    file = home / "not-a-folder"
    file.write_text("x")
    monkeypatch.setenv("WORKBOOK_HOME", str(file))
    with pytest.raises(PathError) as caught:
        progress.record("m", "q1", 0, True, 1)
    assert isinstance(caught.value, OSError)
    assert str(caught.value) == (
        f"cannot save your progress in {file} (WORKBOOK_HOME): {file} is a file, not a folder; "
        "point WORKBOOK_HOME at a folder you can write to, or unset it to use ~/.workbook"
    )
    with pytest.raises(PathError, match=f"cannot read your progress from {file} \\(WORKBOOK_HOME\\)"):
        progress.attempts()


def nasty_responses() -> list:
    """Responses a learner's code could pass to grading: huge, infinite, nested, of every type."""
    deep = nested(5000)
    values = [10**400, -(10**400), 10**5000, float("inf"), float("nan"), "1e400", "9" * 5000, "nan",
              deep, None, True, 0, 2, -1, 0.5, "900", "Init", b"Init", {"a": deep}, {0, 1}, (0, 2),
              "x" * 10_000]  # fmt: skip
    return values + [[value] for value in values] + [{"import boto3": value} for value in values]


def test_every_answer_grading_accepts_can_be_recorded_and_read_back():
    """For any response to any question, does grading either refuse it (InvalidResponse) or give a result
    whose response record() stores and attempts() reads back, never an OverflowError or RecursionError?"""
    from workbook.quiz import InvalidResponse, grade, load_bank

    bank = load_bank("90-sample", Path(__file__).parents[1] / "fixtures" / "quizzes")
    recorded = 0
    for question in bank.questions:
        for response in nasty_responses():
            try:
                result = grade(question, response)
            except InvalidResponse:
                continue
            progress.record(bank.module, question.id, response, result.correct, result.score)
            recorded += 1
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not one damaged line
        assert len(progress.attempts()) == recorded > 0
