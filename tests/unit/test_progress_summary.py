"""Tables from attempts (workbook.progress.summary) and regrading (workbook.progress.gradebook)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook import progress
from workbook.progress.gradebook import regrade
from workbook.progress.summary import per_concept, per_learner, per_question
from workbook.quiz.model import load_bank

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"


def attempt(learner, item_id, correct, score=None, module="90-sample", time="2025-01-01T10:00", **extra):
    score = (1.0 if correct else 0.0) if score is None else score
    return {"learner": learner, "module": module, "kind": "quiz", "item_id": item_id, "correct": correct,
            "score": score, "time": time, "response": None, **extra}  # fmt: skip


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.setenv("WORKBOOK_LEARNER", "ada")


def test_summary_is_one_row_per_module():
    """Does summary() read the log and give items, attempts, first-try accuracy and solved per module?"""
    progress.record("01-a", "q1", 0, False, 0)
    progress.record("01-a", "q1", 1, True, 1)
    progress.record("01-a", "q2", 1, True, 1)
    progress.record("02-b", "q1", 0, False, 0.5)
    table = progress.summary().set_index("module")
    assert table.loc["01-a", ["items", "attempts", "first_try_correct", "solved"]].tolist() == [2, 3, 1, 2]
    assert table.loc["01-a", "first_try_accuracy"] == 0.5
    assert table.loc["02-b", "best_score"] == 0.5


def test_summary_of_an_empty_log_has_the_columns():
    """Is the summary of no attempts an empty table with the usual columns?"""
    table = progress.summary()
    assert table.empty and "first_try_accuracy" in table.columns


def test_summary_can_keep_one_kind():
    """Does summary(kind="lab") leave out quiz attempts?"""
    progress.record("01-a", "q1", 0, True, 1)
    progress.record("01-a", "step-1", None, False, 0, kind="lab")
    assert progress.summary(kind="lab")["items"].tolist() == [1]


def test_first_try_is_the_earliest_attempt_even_if_logs_are_merged_out_of_order():
    """When logs are merged out of time order, is a learner's first try still their earliest attempt?"""
    later = attempt("ada", "q", True, time="2025-01-01T11:00")
    earlier = attempt("ada", "q", False, time="2025-01-01T10:00")
    records = [later, earlier]
    assert per_question(records)["first_try_accuracy"].tolist() == [0.0]


def test_per_question_lists_the_hardest_first():
    """Does the per-question table put the question most learners miss first?"""
    records = [attempt(who, "easy", True) for who in ("ada", "bob", "cy")]
    records += [attempt("ada", "hard", False), attempt("bob", "hard", False), attempt("cy", "hard", True)]
    table = per_question(records)
    assert table["item_id"].tolist() == ["hard", "easy"]
    assert table["first_try_accuracy"].tolist() == [pytest.approx(1 / 3), 1.0]
    assert table["learners"].tolist() == [3, 3]


def test_per_learner_totals():
    """Does the per-learner table count each learner's items and first-try successes?"""
    records = [attempt("ada", "a", True), attempt("ada", "b", False), attempt("bob", "a", False)]
    table = per_learner(records).set_index("learner")
    assert table.loc["ada", ["items", "first_try_correct"]].tolist() == [2, 1]
    assert table.loc["bob", "first_try_accuracy"] == 0.0


def test_per_concept_uses_question_tags():
    """Is accuracy aggregated per concept tag, weakest concept first?"""
    records = [attempt("ada", "a", True), attempt("ada", "b", False), attempt("bob", "b", False)]
    tags = {("90-sample", "a"): ("handler",), ("90-sample", "b"): ("handler", "timeout")}
    table = per_concept(records, tags).set_index("tag")
    assert table.index.tolist() == ["timeout", "handler"]
    assert table.loc["handler", "first_try_accuracy"] == pytest.approx(1 / 3)


def test_regrade_uses_the_instructors_bank():
    """Does regrading re-score stored responses against a bank, marking which grades changed?"""
    bank = load_bank("90-sample", FIXTURES)
    records = [
        {**attempt("ada", "max-timeout", False), "response": "900", "bank_version": 3},  # was graded wrong
        {**attempt("ada", "handler-string", True), "response": 0, "bank_version": 3},
        {**attempt("ada", "gone", True), "response": 0},
        {**attempt("ada", "step-1", False), "kind": "lab"},
    ]
    regraded = regrade(records, [bank])
    assert [r.get("regrade") for r in regraded] == ["changed", "same", "question not in the bank", None]
    assert regraded[0]["correct"] is True and regraded[0]["original_correct"] is False


def test_regrade_notes_a_different_bank_version():
    """Is an attempt answered under another bank version flagged when regraded?"""
    bank = load_bank("90-sample", FIXTURES)
    old = {**attempt("ada", "handler-string", True), "response": 0, "bank_version": 1}
    [regraded] = regrade([old], [bank])
    assert "bank version 1, now 3" in regraded["regrade"]
