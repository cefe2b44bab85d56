"""Every question bank in quizzes/: valid, keyed right, every distractor wrong with feedback, enough of them.

The count tests (questions per module, total, types used) are the bar the course's banks must clear.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from workbook.quiz.grading import grade
from workbook.quiz.model import TYPES, BankError, bank_paths, load_bank
from workbook.quiz.selftest import distractor_responses, keyed_response

QUIZZES = Path(__file__).parents[2] / "quizzes"
PATHS = bank_paths(QUIZZES)
MODULES = [f"{n:02d}" for n in range(1, 11)]
MIN_PER_MODULE = 8
MIN_TOTAL = 90


def _load_or_none(path):
    try:
        return load_bank(path)
    except BankError:
        return None


BANKS = {path.stem: _load_or_none(path) for path in PATHS}
QUESTIONS = [(name, q) for name, bank in BANKS.items() if bank for q in bank.questions]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_bank_validates(path):
    """Does the bank follow the format in quizzes/README.md (module = file name, unique ids, …)?"""
    bank = load_bank(path)  # raises BankError naming the file, question and problem
    assert bank.module == path.stem


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_bank_file_name_is_nn_slug(path):
    """Is the bank named NN-slug.yaml?"""
    assert re.fullmatch(r"\d{2}-[a-z0-9]+(-[a-z0-9]+)*", path.stem)


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_bank_ids_are_unique(path):
    """Is every question id used once in its bank (checked on the raw YAML too)?"""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    ids = [q.get("id") for q in data.get("questions", []) if isinstance(q, dict)]
    assert [i for i, n in Counter(ids).items() if n > 1] == []


@pytest.mark.parametrize("name, question", QUESTIONS, ids=[f"{n}:{q.id}" for n, q in QUESTIONS])
def test_keyed_answer_scores_full(name, question):
    """Does the bank's own key score full marks?"""
    result = grade(question, keyed_response(question))
    assert (result.correct, result.score) == (True, 1.0)


@pytest.mark.parametrize("name, question", QUESTIONS, ids=[f"{n}:{q.id}" for n, q in QUESTIONS])
def test_every_distractor_is_wrong_with_feedback(name, question):
    """Is every wrong option / choice / swapped pair / wrong order / numeric or text distractor graded
    not correct, with feedback (its own, where it has one)?"""
    cases = distractor_responses(question)
    assert cases, "no distractors"
    for label, response, own_feedback in cases:
        result = grade(question, response)
        assert not result.correct, f"{label} is graded correct"
        assert result.score < 1.0, label
        assert result.feedback.strip(), f"{label} has no feedback"
        if own_feedback is not None:
            assert own_feedback in result.feedback, f"{label}: its feedback is not shown"


@pytest.mark.parametrize("module", MODULES)
def test_each_module_has_enough_questions(module):
    """Does module NN have a bank with at least 8 questions?"""
    banks = [bank for name, bank in BANKS.items() if name.startswith(f"{module}-")]
    assert banks, f"no bank quizzes/{module}-*.yaml"
    assert banks[0] is not None, f"the {module} bank does not load"
    assert len(banks[0].questions) >= MIN_PER_MODULE


def test_course_has_enough_questions():
    """Do the banks hold at least 90 questions in total?"""
    assert len(QUESTIONS) >= MIN_TOTAL, f"{len(QUESTIONS)} questions so far"


def test_every_question_type_is_used():
    """Is each of the seven question types used at least once across the banks?"""
    assert set(TYPES) - {q.type for _, q in QUESTIONS} == set()


def _secrets(question) -> list[str]:
    """Texts the page must not receive before a submission (long enough not to occur by chance)."""
    texts = [question.explanation]
    texts += [option.feedback for option in question.options]
    texts += [pair.feedback for pair in question.pairs]
    texts += [distractor.feedback for distractor in question.distractors]
    if isinstance(question.feedback, dict):
        texts += list(question.feedback.values())
    elif question.feedback:
        texts.append(question.feedback)
    return [text for text in texts if len(text) >= 20 and text not in question.prompt]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_widget_state_holds_no_key(path, tmp_path, monkeypatch):
    """Shown as widgets, does the bank send no correct flag, feedback or explanation to the page?"""
    from workbook.quiz.widget import front_end_state, show

    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    view = show(path.stem, bank_dir=path.parent, record=False)
    states = front_end_state(view)
    assert not any("correct" in state for state in states)
    text = json.dumps(states, ensure_ascii=False, default=str)
    leaked = [(q.id, secret[:40]) for q in view.bank.questions for secret in _secrets(q) if secret in text]
    assert leaked == []


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_keyed_answers_can_be_given_through_the_widgets(path, tmp_path, monkeypatch):
    """Can every question's keyed answer be entered in its widgets, and is it graded correct there?"""
    from workbook.quiz.widget import show

    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    view = show(path.stem, bank_dir=path.parent, record=False)
    wrong = [card.question.id for card in view.cards if not card.answer(keyed_response(card.question)).correct]
    assert wrong == []
    assert view.score == len(view.cards)
