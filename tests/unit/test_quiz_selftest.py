"""The answer-key self-test (workbook.quiz.selftest) that test_banks.py runs on every bank."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workbook.quiz.model import Option, load_bank
from workbook.quiz.selftest import check_question, distractor_responses, keyed_response, main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"
BANK = load_bank("90-sample", FIXTURES)


def test_fixture_bank_passes_its_self_test():
    """Does every question of the fixture bank pass: key full marks, each distractor wrong with feedback?"""
    assert {q.id: check_question(q) for q in BANK.questions} == {q.id: [] for q in BANK.questions}


def test_keyed_response_per_type():
    """Is the keyed response built in the format grade() takes, for each type?"""
    assert keyed_response(BANK.question("handler-string")) == 0
    assert keyed_response(BANK.question("sync-invokers")) == [0, 2]
    assert keyed_response(BANK.question("lifecycle-order")) == ["Init", "Invoke", "Shutdown"]


def test_matching_distractors_swap_pairs_with_different_rights():
    """Are pairs swapped only where the rights differ (two Init steps swapped is still right)?"""
    labels = [label for label, _, _ in distractor_responses(BANK.question("phase-of-step"))]
    assert len([label for label in labels if "swapped" in label]) == 2
    assert any("extra 'Shutdown'" in label for label in labels)


def test_self_test_catches_a_distractor_without_feedback():
    """Is a wrong option with empty feedback reported?"""
    question = BANK.question("handler-string")
    options = (question.options[0], Option("handle", False, ""), question.options[2])
    problems = check_question(replace(question, options=options))
    assert any("no feedback" in problem for problem in problems)


def test_command_line_reports_success(capsys):
    """Does `python -m workbook.quiz.selftest BANK` print 'self-test passed' and return 0?"""
    assert main([str(FIXTURES / "90-sample.yaml")]) == 0
    assert "self-test passed" in capsys.readouterr().out
