"""How the browser test answers one question of a module's quiz: wrongly first, then rightly.

Runs in the learners' environment (``.venv/bin/python tests/e2e/quiz_plan.py MODULE TYPE``), where the
workbook is installed, and prints a JSON plan in the terms a learner sees on the page: the card's
number, the labels to click or pick, the text to type, and a piece of the feedback the wrong answer
must show. The browser test (in ``.venv-e2e``) only reads the plan.
"""

from __future__ import annotations

import json
import re
import sys

from workbook.quiz.model import load_bank
from workbook.quiz.selftest import distractor_responses, keyed_response
from workbook.quiz.widget import plain_label


def actions(question, response) -> dict:
    """What to do on the card to give ``response`` (in the format `grade` takes)."""
    if question.type == "true_false":
        return {"radio": "True" if response else "False"}
    if question.type == "single":
        return {"radio": plain_label(question.options[response].text)}
    if question.type == "multiple":
        return {"checkboxes": sorted(plain_label(question.options[i].text) for i in response)}
    if question.type == "matching":
        return {"select": {plain_label(left): plain_label(right) for left, right in response.items()}}
    if question.type in ("short_answer", "numeric"):
        return {"text": str(response)}
    raise ValueError(f"the browser test does not answer {question.type} questions")


def visible_piece(markdown: str) -> str:
    """A run of plain words from ``markdown``, which the rendered feedback shows as it is."""
    runs = re.findall(r"[A-Za-z0-9][A-Za-z0-9 ,.'-]{15,}", plain_label(markdown))
    return max(runs, key=len).strip() if runs else ""


ANSWERABLE = ("single", "true_false", "multiple", "matching", "short_answer", "numeric")


def plan(module: str, question_type: str) -> dict:
    """The plan for the first question of ``question_type`` in ``module``'s bank (or, when it has none, for
    its first question of a kind the test can answer)."""
    bank = load_bank(module)
    numbered = list(enumerate(bank.questions, 1))
    number, question = next(
        ((n, q) for n, q in numbered if q.type == question_type),
        next((n, q) for n, q in numbered if q.type in ANSWERABLE),
    )
    cases = distractor_responses(question)
    _, wrong, feedback = next((case for case in cases if case[2]), cases[0])  # one with feedback of its own
    return {
        "id": question.id,
        "type": question.type,
        "card": f"Question {number} of {len(bank.questions)}",
        "wrong": actions(question, wrong),
        "wrong_feedback": visible_piece(feedback) if feedback else "",
        "right": actions(question, keyed_response(question)),
    }


if __name__ == "__main__":
    print(json.dumps(plan(sys.argv[1], sys.argv[2])))
