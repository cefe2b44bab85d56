"""Self-test of a bank's answer key: the keyed answer scores full, every distractor does not.

Used by `tests/unit/test_banks.py` for every bank; bank authors can run it directly::

    python -m workbook.quiz.selftest            # every bank in quizzes/
    python -m workbook.quiz.selftest quizzes/02-handlers.yaml
"""

from __future__ import annotations

import sys
from typing import Any

from .grading import grade
from .model import BankError, Question, UnknownBank, bank_paths, load_bank


def keyed_response(question: Question) -> Any:
    """The response the bank's key says is right."""
    if question.type == "single":
        return next(i for i, option in enumerate(question.options) if option.correct)
    if question.type == "multiple":
        return [i for i, option in enumerate(question.options) if option.correct]
    if question.type == "true_false":
        return question.answer
    if question.type == "matching":
        return {pair.left: pair.right for pair in question.pairs}
    if question.type == "ordering":
        return list(question.items)
    if question.type == "numeric":
        return question.answer
    return question.accept[0]


def distractor_responses(question: Question) -> list[tuple[str, Any, str | None]]:
    """Every likely wrong answer: (what it is, the response, the feedback it must show or None)."""
    key = keyed_response(question)
    cases: list[tuple[str, Any, str | None]] = []
    if question.type == "single":
        for i, option in enumerate(question.options):
            if not option.correct:
                cases.append((f"option {i} {option.text!r}", i, option.feedback))
    elif question.type == "multiple":
        for i, option in enumerate(question.options):
            if option.correct:
                cases.append((f"key without option {i}", [j for j in key if j != i], None))
            else:
                cases.append((f"key plus option {i} {option.text!r}", key + [i], option.feedback))
                cases.append((f"only option {i} {option.text!r}", [i], option.feedback))
    elif question.type == "true_false":
        cases.append((f"{not question.answer}", not question.answer, question.feedback[not question.answer]))
    elif question.type == "matching":
        pairs = question.pairs
        for i in range(len(pairs)):
            for j in range(i + 1, len(pairs)):
                if pairs[i].right != pairs[j].right:
                    swapped = dict(key, **{pairs[i].left: pairs[j].right, pairs[j].left: pairs[i].right})
                    label = f"{pairs[i].left!r} and {pairs[j].left!r} swapped"
                    cases.append((label, swapped, pairs[i].feedback))
        first = pairs[0]
        for extra in question.extra_right:
            response = dict(key, **{first.left: extra})
            cases.append((f"{first.left!r} → extra {extra!r}", response, first.feedback))
    elif question.type == "ordering":
        items = list(question.items)
        cases.append(("reversed", items[::-1], question.feedback))
        for i in range(len(items) - 1):
            swapped = items[:i] + [items[i + 1], items[i]] + items[i + 2 :]
            cases.append((f"items {i} and {i + 1} swapped", swapped, question.feedback))
    elif question.type == "numeric":
        for distractor in question.distractors:
            cases.append((f"distractor {distractor.value:g}", distractor.value, distractor.feedback))
    else:
        for distractor in question.distractors:
            cases.append((f"distractor {distractor.value!r}", distractor.value, distractor.feedback))
    return cases


def check_question(question: Question) -> list[str]:
    """What is wrong with a question's key or distractors (an empty list when nothing is)."""
    problems = []
    result = grade(question, keyed_response(question))
    if not (result.correct and result.score == 1.0):
        problems.append(f"the keyed answer scores {result.score}, not full marks")
    for label, response, feedback in distractor_responses(question):
        result = grade(question, response)
        if result.correct:
            problems.append(f"{label}: graded correct")
        if not result.feedback.strip():
            problems.append(f"{label}: no feedback")
        elif feedback is not None and feedback not in result.feedback:
            problems.append(f"{label}: its feedback is not shown")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Self-test the banks named in ``argv`` (default: every bank); 1 when any has a problem."""
    argv = sys.argv[1:] if argv is None else argv
    paths = argv or [str(p) for p in bank_paths()]
    failed = 0
    for path in paths:
        try:
            bank = load_bank(path)
        except (BankError, UnknownBank) as exc:
            print(exc)
            failed += 1
            continue
        for question in bank.questions:
            for problem in check_question(question):
                print(f"{path}: question {question.id!r}: {problem}")
                failed += 1
    print("self-test passed" if not failed else f"{failed} problem(s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
