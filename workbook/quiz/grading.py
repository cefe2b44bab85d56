"""Grading: pure functions from (question, response) to a Result. No widgets, no files.

Example::

    from workbook.quiz import grade, load_bank
    question = load_bank("02-handlers").question("handler-string")
    grade(question, 1)          # the option's index in the bank
    # Result(correct=True, score=1.0, feedback='...')

Responses per type (see `quizzes/README.md`): single → option index (or its text); multiple → option
indices (or texts); true_false → True/False; matching → {left: right}; ordering → list of items;
numeric → a number (or a text that parses as one); short_answer → a text.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import WorkbookError
from .model import Question, parse_question

# Floats from a text box (0.1 + 0.2 …) should not miss a tolerance of 0 by a rounding error.
_FLOAT_SLACK = 1e-9


@dataclass(frozen=True)
class Result:
    """The outcome of one submission: ``correct`` only for a full score; ``score`` in [0, 1]."""

    correct: bool
    score: float
    feedback: str


class InvalidResponse(WorkbookError, ValueError):
    """The response is not an answer to this question (no option chosen, not a number, …).

    The message is written for the learner; nothing is graded or recorded.
    """


def grade(question: Question | Mapping, response: Any) -> Result:
    """Grade one response to one question.

    ``question`` is a :class:`~workbook.quiz.model.Question` (or a dict in the bank format).
    Raises :class:`InvalidResponse` when the response cannot be an answer to the question.

    Example::

        grade(bank.question("timeout-max"), "900")
        # Result(correct=True, score=1.0, feedback='Right: 900 s.')
    """
    if isinstance(question, Mapping):
        parsed, problems = parse_question(dict(question))
        if problems:
            raise ValueError(f"question {question.get('id')!r}: " + "; ".join(problems))
        question = parsed
    return _GRADERS[question.type](question, response)


def normalise_text(text: str, case_sensitive: bool = False) -> str:
    """How short answers are compared: trimmed, backticks and a trailing full stop dropped,
    inner white space collapsed, case folded unless ``case_sensitive``.

    Example::

        normalise_text("  `Lambda_Handler`. ")   # 'lambda_handler'
    """
    text = str(text).strip().strip("`").strip()
    if text.endswith("."):
        text = text[:-1].strip().strip("`").strip()
    text = re.sub(r"\s+", " ", text)
    return text if case_sensitive else text.casefold()


# --- one grader per type -----------------------------------------------------------------------------


def _grade_single(question: Question, response: Any) -> Result:
    index = option_index(question, response)
    option = question.options[index]
    return Result(option.correct, 1.0 if option.correct else 0.0, option.feedback)


def _grade_multiple(question: Question, response: Any) -> Result:
    if isinstance(response, (str, bytes, Mapping)) or not hasattr(response, "__iter__"):
        raise InvalidResponse("Choose the options as a list of their numbers, e.g. [0, 2].")
    chosen = sorted({option_index(question, item) for item in response})
    if not chosen:
        raise InvalidResponse(f"Select {question.correct_count} options first.")
    needed = question.correct_count
    right = [i for i in chosen if question.options[i].correct]
    wrong = [i for i in chosen if not question.options[i].correct]
    score = max(0.0, (len(right) - len(wrong)) / needed)
    if len(right) == needed and not wrong:
        feedback = "\n".join(f"“{question.options[i].text}”: {question.options[i].feedback}" for i in right)
        return Result(True, 1.0, feedback)
    lines = [f"{len(right)} of the {needed} correct options chosen"]
    lines[0] += f", and {len(wrong)} wrong one{'s' if len(wrong) != 1 else ''}." if wrong else "."
    lines += [f"“{question.options[i].text}”: {question.options[i].feedback}" for i in wrong]
    return Result(False, score, "\n".join(lines))


def _grade_true_false(question: Question, response: Any) -> Result:
    if isinstance(response, str) and response.strip().lower() in ("true", "false"):
        response = response.strip().lower() == "true"
    if not isinstance(response, bool):
        raise InvalidResponse("Choose True or False first.")
    correct = response == question.answer
    return Result(correct, 1.0 if correct else 0.0, question.feedback[response])


def _grade_matching(question: Question, response: Any) -> Result:
    if not isinstance(response, Mapping):
        raise InvalidResponse("Give the matches as {left: right}.")
    lefts = {pair.left for pair in question.pairs}
    unknown = [left for left in response if left not in lefts]
    if unknown:
        raise InvalidResponse(f"{_shown(unknown[0])} is not one of the items to match.")
    if any(not isinstance(right, (str, type(None))) for right in response.values()):
        raise InvalidResponse("Match each item to one of the choices, given as its text.")
    if all(response.get(left) in (None, "") for left in lefts):
        raise InvalidResponse("Match at least one item first.")
    wrong = [pair for pair in question.pairs if response.get(pair.left) != pair.right]
    total = len(question.pairs)
    score = (total - len(wrong)) / total
    if not wrong:
        return Result(True, 1.0, f"All {total} matched.")
    lines = [f"{total - len(wrong)} of {total} matched."]
    lines += [f"“{pair.left}”: {pair.feedback}" for pair in wrong]
    return Result(False, score, "\n".join(lines))


def _grade_ordering(question: Question, response: Any) -> Result:
    if isinstance(response, (str, bytes, Mapping)) or not hasattr(response, "__iter__"):
        raise InvalidResponse("Give the order as a list of the items.")
    order = [_item_text(item) for item in response]
    if None in order or sorted(order) != sorted(question.items):
        raise InvalidResponse("Put every item in the list exactly once.")
    in_place = sum(given == expected for given, expected in zip(order, question.items, strict=True))
    total = len(question.items)
    if in_place == total:
        return Result(True, 1.0, "Right order.")
    return Result(False, in_place / total, f"{in_place} of {total} in the right place. {question.feedback}")


def _grade_numeric(question: Question, response: Any) -> Result:
    value = parse_number(response, question.unit)
    unit = f" {question.unit}" if question.unit else ""
    if _close(value, question.answer, question.tolerance):
        return Result(True, 1.0, f"Right: {format_number(question.answer)}{unit}.")
    for distractor in question.distractors:
        if _close(value, distractor.value, question.tolerance):
            return Result(False, 0.0, distractor.feedback)
    direction = "high" if value > question.answer else "low"
    return Result(False, 0.0, f"Not quite: {format_number(value)}{unit} is too {direction}.")


def _grade_short_answer(question: Question, response: Any) -> Result:
    if not isinstance(response, str) or not response.strip():
        raise InvalidResponse("Type an answer first.")
    given = normalise_text(response, question.case_sensitive)
    if given in {normalise_text(a, question.case_sensitive) for a in question.accept}:
        return Result(True, 1.0, "Right.")
    for distractor in question.distractors:
        if given == normalise_text(distractor.value, question.case_sensitive):
            return Result(False, 0.0, distractor.feedback)
    return Result(False, 0.0, "That is not one of the accepted answers.")


_GRADERS = {
    "single": _grade_single,
    "multiple": _grade_multiple,
    "true_false": _grade_true_false,
    "matching": _grade_matching,
    "ordering": _grade_ordering,
    "numeric": _grade_numeric,
    "short_answer": _grade_short_answer,
}


# --- reading numbers and options ---------------------------------------------------------------------


def parse_number(response: Any, unit: str = "") -> float:
    """A learner's number from a number or a text; :class:`InvalidResponse` when it is not one.

    Example::

        parse_number(" 1,024 ")        # 1024.0
        parse_number("$15.00")         # 15.0
        parse_number("0.5 s", "s")     # 0.5
    """
    example = f"Type a number{' in ' + unit if unit else ''}, e.g. 128."
    if isinstance(response, bool):
        raise InvalidResponse("Type a number.")
    if isinstance(response, numbers.Real):  # int, float, Fraction, numpy numbers
        try:
            value = float(response)
        except OverflowError:  # an int such as 10**400 has no float
            raise InvalidResponse(f"That number is too large to be an answer. {example}") from None
    elif isinstance(response, str):
        text = response.strip()
        if unit and text.lower().endswith(unit.lower()):
            text = text[: -len(unit)].strip()
        text = re.sub(r"^([+-]?)\s*[$€£]\s*", r"\1", text)  # "$15.00" is a price in USD
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", text):
            text = text.replace(",", "")  # thousands separators: 1,024
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            raise InvalidResponse(example) from None
    else:
        raise InvalidResponse("Type a number.")
    if math.isnan(value):
        raise InvalidResponse(f"NaN is not a number you can answer with. {example}")
    if math.isinf(value):
        raise InvalidResponse(f"That number is too large to be an answer. {example}")
    return value


def option_index(question: Question, response: Any) -> int:
    """The bank index of an option given by its index or its exact text; InvalidResponse otherwise."""
    if response is None:
        raise InvalidResponse("Choose an option first.")
    # An option's text is how attempts are stored, so that re-grading survives a reordered bank.
    if isinstance(response, str):
        for index, option in enumerate(question.options):
            if option.text == response:
                return index
        raise InvalidResponse(f"There is no option {_shown(response)} in this question.")
    if isinstance(response, bool) or not isinstance(response, int):
        raise InvalidResponse("Choose an option by its number in the bank (0, 1, 2, …).")
    if not 0 <= response < len(question.options):
        shown = response if abs(response) < 1000 else "with that number"  # 10**5000 has no text
        raise InvalidResponse(f"There is no option {shown}; this question has {len(question.options)}.")
    return response


def _close(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= tolerance + _FLOAT_SLACK * max(1.0, abs(target))


def format_number(value: float) -> str:
    """A number as a learner would write it: ``900.0`` → ``"900"``, ``0.25`` → ``"0.25"``, ``1e300`` →
    ``"1e+300"``."""
    value = float(value)
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else f"{value:g}"


def _item_text(item: Any) -> str | None:
    """An ordering item as the bank's text (numbers are written as their text), or None for anything else."""
    if isinstance(item, str):
        return item
    if isinstance(item, (int, float)) and not isinstance(item, bool):
        try:
            return str(item) if math.isfinite(item) else None
        except (OverflowError, ValueError):  # an int too large for a float, or for a text
            return None
    return None


def _shown(value: Any) -> str:
    """A learner's value quoted in a message: at most a line, whatever it is."""
    try:
        text = repr(value)
    except ValueError:  # an int of more than 4300 digits has no text
        return "that value"
    return text if len(text) <= 60 else text[:57] + "…"
