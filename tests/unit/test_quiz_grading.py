"""Grading responses (workbook.quiz.grading): pure functions, no widgets."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from workbook.errors import WorkbookError
from workbook.quiz.grading import InvalidResponse, Result, format_number, grade, normalise_text, parse_number
from workbook.quiz.model import load_bank

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"
BANK = load_bank("90-sample", FIXTURES)


def q(question_id):
    return BANK.question(question_id)


# --- single --------------------------------------------------------------------------------------------


def test_single_correct_option_scores_full():
    """Does choosing the keyed option give correct, score 1 and that option's feedback?"""
    assert grade(q("handler-string"), 0) == Result(True, 1.0, "Yes, module name then function name.")


def test_single_wrong_option_shows_its_feedback():
    """Does a wrong option score 0 and explain why that option is wrong?"""
    result = grade(q("handler-string"), 1)
    assert (result.correct, result.score) == (False, 0.0)
    assert "Leave out the .py" in result.feedback


def test_single_without_a_choice_is_invalid():
    """Is 'no option chosen' an InvalidResponse rather than a wrong answer?"""
    with pytest.raises(InvalidResponse, match="Choose an option"):
        grade(q("handler-string"), None)


def test_single_index_out_of_range_is_invalid():
    """Is an option index the question does not have rejected?"""
    with pytest.raises(InvalidResponse):
        grade(q("handler-string"), 7)


def test_an_option_number_out_of_range_is_invalid_even_when_huge():
    """Is option 10**5000 refused with a sentence (not a ValueError from turning it into text)?"""
    with pytest.raises(InvalidResponse, match="There is no option with that number; this question has 3."):
        grade(q("handler-string"), 10**5000)
    with pytest.raises(InvalidResponse, match="There is no option 7; this question has 3."):
        grade(q("handler-string"), 7)


# --- multiple: (right chosen − wrong chosen) / number right, floored at 0 ---------------------------------


def test_multiple_exact_set_scores_full():
    """Does choosing exactly the correct options score 1?"""
    assert grade(q("sync-invokers"), [0, 2]).score == 1.0


def test_multiple_one_of_two_right_scores_half():
    """Does choosing one of the two correct options (and nothing wrong) score 0.5?"""
    result = grade(q("sync-invokers"), [2])
    assert (result.correct, result.score) == (False, 0.5)
    assert "1 of the 2 correct options" in result.feedback


def test_multiple_wrong_choice_cancels_a_right_one():
    """Does each wrong option chosen take away one right one: both right + one wrong → 0.5?"""
    result = grade(q("sync-invokers"), {0, 1, 2})
    assert (result.correct, result.score) == (False, 0.5)
    assert "S3 invokes asynchronously" in result.feedback


def test_multiple_score_is_floored_at_zero():
    """Is the score never negative, even when only wrong options are chosen?"""
    assert grade(q("sync-invokers"), [1, 3]).score == 0.0


def test_multiple_choosing_everything_is_not_full_marks():
    """Does ticking every box score (2 − 2) / 2 = 0?"""
    assert grade(q("sync-invokers"), [0, 1, 2, 3]).score == 0.0


def test_multiple_empty_choice_is_invalid():
    """Is an empty selection an InvalidResponse telling how many to select?"""
    with pytest.raises(InvalidResponse, match="Select 2"):
        grade(q("sync-invokers"), [])


# --- true_false ------------------------------------------------------------------------------------------


def test_true_false_each_choice_has_its_feedback():
    """Does True (the key) score 1 and False score 0, each with its own feedback?"""
    question = q("context-reused")
    assert grade(question, True) == Result(True, 1.0, "Yes, that is why clients are created at module level.")
    assert grade(question, False) == Result(False, 0.0, "They can be reused when the environment stays warm.")


def test_true_false_accepts_text_from_a_log():
    """Are "true"/"false" texts (e.g. from an exported log) graded like booleans?"""
    assert grade(q("context-reused"), "True").correct


# --- matching: fraction of lefts matched -----------------------------------------------------------------


KEY = {"import boto3": "Init", "create a client at module level": "Init", "the handler body": "Invoke"}


def test_matching_all_right_scores_full():
    """Does matching every left to its right score 1?"""
    assert grade(q("phase-of-step"), KEY).score == 1.0


def test_matching_partial_credit_is_fraction_matched():
    """Do 2 of 3 lefts matched score 2/3, with the feedback of the wrongly matched left?"""
    result = grade(q("phase-of-step"), dict(KEY, **{"the handler body": "Shutdown"}))
    assert result.score == pytest.approx(2 / 3) and not result.correct
    assert "The handler runs once per invocation." in result.feedback


def test_matching_unanswered_left_counts_as_wrong():
    """Does leaving a left unmatched count it as wrong rather than fail?"""
    assert grade(q("phase-of-step"), {"import boto3": "Init"}).score == pytest.approx(1 / 3)


def test_matching_unknown_left_is_invalid():
    """Is a left that is not in the question rejected?"""
    with pytest.raises(InvalidResponse):
        grade(q("phase-of-step"), {"something else": "Init"})


def test_matching_choice_that_is_not_a_text_is_invalid():
    """Is a right that is a list, a number or a deeply nested value refused instead of graded and stored?"""
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    for right in ([["Init"]], 3, deep):
        with pytest.raises(InvalidResponse, match="given as its text"):
            grade(q("phase-of-step"), dict(KEY, **{"import boto3": right}))


# --- ordering: fraction of items in their correct position -----------------------------------------------


def test_ordering_correct_order_scores_full():
    """Does the bank's order score 1?"""
    assert grade(q("lifecycle-order"), ["Init", "Invoke", "Shutdown"]).correct


def test_ordering_partial_credit_is_fraction_in_place():
    """Does one item in place out of three score 1/3, with the question's feedback?"""
    result = grade(q("lifecycle-order"), ["Invoke", "Init", "Shutdown"])
    assert result.score == pytest.approx(1 / 3)
    assert "initialised before" in result.feedback


def test_ordering_must_be_a_permutation():
    """Is a list with a missing or repeated item rejected?"""
    with pytest.raises(InvalidResponse):
        grade(q("lifecycle-order"), ["Init", "Init", "Shutdown"])


def test_ordering_items_that_are_not_texts_are_invalid():
    """Is an order holding nested lists or huge numbers refused, never a RecursionError or ValueError?"""
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    for odd in (deep, 10**5000, float("nan"), None):
        with pytest.raises(InvalidResponse):
            grade(q("lifecycle-order"), ["Init", "Invoke", odd])


# --- numeric -----------------------------------------------------------------------------------------------


def test_numeric_accepts_text_with_unit():
    """Is "900 s" accepted for an answer of 900 with unit s?"""
    assert grade(q("max-timeout"), "900 s").correct


def test_numeric_tolerance_is_inclusive():
    """Is a response exactly at the edge of the tolerance correct, and just beyond it not?"""
    half = load_bank("91-tiny", FIXTURES).question("half-second")
    assert grade(half, 0.51).correct
    assert not grade(half, 0.52).correct


def test_numeric_distractor_shows_its_feedback():
    """Does a likely mistake (15 minutes for 900 s) get its own feedback?"""
    result = grade(q("max-timeout"), 15)
    assert not result.correct and "limit in minutes" in result.feedback


def test_numeric_other_wrong_value_says_too_high_or_low():
    """Does a wrong value that is no known distractor say whether it is too high or too low?"""
    assert "too high" in grade(q("max-timeout"), 1000).feedback
    assert "too low" in grade(q("max-timeout"), 899).feedback


def test_numeric_text_that_is_no_number_is_invalid():
    """Is "fifteen minutes" an InvalidResponse asking for a number?"""
    with pytest.raises(InvalidResponse, match="Type a number"):
        grade(q("max-timeout"), "fifteen minutes")


TOO_LARGE = {
    "10**400": 10**400, "-10**400": -(10**400), "10**5000": 10**5000, "'1e400'": "1e400",
    "'-1e400'": "-1e400", "5000 nines": "9" * 5000, "inf": float("inf"), "-inf": float("-inf"),
    "'inf'": "inf", "'Infinity'": "Infinity", "Fraction(10**400, 3)": Fraction(10**400, 3),
}  # fmt: skip


@pytest.mark.parametrize("response", TOO_LARGE.values(), ids=TOO_LARGE.keys())
def test_numbers_too_large_are_invalid_input(response):
    """Is a number no float can hold (10**400, "1e400", inf) refused as invalid input, never an
    OverflowError, and never graded (so never recorded)?"""
    with pytest.raises(InvalidResponse, match="too large to be an answer. Type a number in s, e.g. 128."):
        grade(q("max-timeout"), response)


@pytest.mark.parametrize("response", [float("nan"), "nan", "NaN"])
def test_not_a_number_is_invalid_input(response):
    """Is NaN refused with a sentence saying so?"""
    with pytest.raises(InvalidResponse, match="NaN is not a number you can answer with"):
        grade(q("max-timeout"), response)


def test_large_but_finite_numbers_are_graded():
    """Is a large number that a float holds graded as too high, shown short?"""
    result = grade(q("max-timeout"), 10**300)
    assert not result.correct and result.feedback == "Not quite: 1e+300 s is too high."


def test_fractions_and_other_real_numbers_are_numbers():
    """Is a Fraction (any real number) read as a number?"""
    assert grade(q("max-timeout"), Fraction(1800, 2)).correct


def test_invalid_response_is_shown_without_a_traceback():
    """Does Jupyter show an invalid answer as its sentence only (a WorkbookError, like SandboxError)?"""
    with pytest.raises(InvalidResponse) as caught:
        grade(q("max-timeout"), 10**400)
    assert isinstance(caught.value, WorkbookError) and isinstance(caught.value, ValueError)
    assert caught.value._render_traceback_() == [f"InvalidResponse: {caught.value}"]


@pytest.mark.parametrize(
    "text, value",
    [
        ("1,024", 1024.0),
        (" 0.5 ", 0.5),
        ("1_000", 1000.0),
        ("-3", -3.0),
        ("$15.00", 15.0),
        ("$ 1,024", 1024.0),
    ],
)
def test_parse_number_reads_common_spellings(text, value):
    """Are thousands separators, spaces and underscores read as a learner means them?"""
    assert parse_number(text) == value


# --- short answer ------------------------------------------------------------------------------------------


def test_short_answer_is_normalised():
    """Are backticks, spaces, a full stop and case ignored?"""
    assert grade(q("default-handler-name"), "  `Lambda_Handler`. ").correct


def test_short_answer_alternative_is_accepted():
    """Is every answer in `accept` correct?"""
    assert grade(q("default-handler-name"), "handler").correct


def test_short_answer_distractor_shows_its_feedback():
    """Does a known wrong answer get its own feedback?"""
    result = grade(q("default-handler-name"), "Main")
    assert not result.correct and "entry point" in result.feedback


def test_short_answer_case_sensitive_keeps_case():
    """With case_sensitive, does a different case fail?"""
    question = {"id": "env", "type": "short_answer", "prompt": "p", "tags": ["t"], "explanation": "e",
                "accept": ["AWS_REGION"], "case_sensitive": True,
                "distractors": [{"answer": "REGION", "feedback": "f"}]}  # fmt: skip
    assert grade(question, "AWS_REGION").correct
    assert not grade(question, "aws_region").correct


def test_normalise_text_collapses_inner_white_space():
    """Is inner white space collapsed to single spaces?"""
    assert normalise_text("Request\t  Response") == "request response"


def test_grade_accepts_a_plain_dict_question():
    """Can grade take a question written as a dict in the bank format?"""
    question = {"id": "tf", "type": "true_false", "prompt": "p", "tags": ["t"], "explanation": "e",
                "answer": False, "feedback": {True: "no", False: "yes"}}  # fmt: skip
    assert grade(question, False) == Result(True, 1.0, "yes")


def test_options_can_be_given_by_their_text():
    """Does a stored attempt (options by text) grade the same as the options' indices?"""
    question = q("sync-invokers")
    texts = [question.options[i].text for i in range(len(question.options)) if question.options[i].correct]
    assert grade(question, texts) == grade(question, [i for i, o in enumerate(question.options) if o.correct])
    with pytest.raises(InvalidResponse):
        grade(question, ["no such option"])


def test_multiple_full_marks_feedback_names_each_option():
    """When every right option is chosen, does the feedback say which option each sentence is about?"""
    question = q("sync-invokers")
    right = [i for i, option in enumerate(question.options) if option.correct]
    feedback = grade(question, right).feedback
    assert all(f"“{question.options[i].text}”" in feedback for i in right)


@pytest.mark.parametrize(
    "value, text", [(900.0, "900"), (0.25, "0.25"), (1.0, "1"), (2 / 3, "0.666667"), (1e300, "1e+300")]
)
def test_numbers_in_feedback_are_written_as_a_learner_would(value, text):
    """Is a whole number shown without ".0", and a fraction in at most six significant digits?"""
    assert format_number(value) == text
