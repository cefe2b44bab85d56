"""Loading and validating question banks (workbook.quiz.model)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from workbook.errors import WorkbookError
from workbook.quiz.model import (
    BankError,
    UnknownBank,
    UnknownQuestion,
    load_bank,
    load_banks,
    parse_bank,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"


def write_bank(folder: Path, name: str, data: dict) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def good_single(**changes) -> dict:
    question = {
        "id": "pick-one",
        "type": "single",
        "prompt": "Pick one.",
        "tags": ["basics"],
        "explanation": "Because.",
        "options": [
            {"text": "a", "correct": True, "feedback": "yes"},
            {"text": "b", "correct": False, "feedback": "no b"},
            {"text": "c", "correct": False, "feedback": "no c"},
        ],
    }
    question.update(changes)
    return question


def bank(*questions, module="05-x") -> dict:
    return {"module": module, "title": "X", "version": 1, "questions": list(questions)}


def problems_of(data: dict, expected_module="05-x") -> list[str]:
    with pytest.raises(BankError) as caught:
        parse_bank(data, source="quizzes/05-x.yaml", expected_module=expected_module)
    return caught.value.problems


def test_fixture_bank_loads_with_every_type():
    """Does the sample fixture bank load, with one question of each of the seven types?"""
    sample = load_bank("90-sample", FIXTURES)
    assert sample.module == "90-sample" and sample.version == 3
    assert {q.type for q in sample.questions} == {
        "single",
        "multiple",
        "true_false",
        "matching",
        "ordering",
        "numeric",
        "short_answer",
    }


def test_load_banks_reads_a_folder():
    """Does load_banks load every .yaml in a folder, sorted by name?"""
    assert [b.module for b in load_banks(FIXTURES)] == ["90-sample", "91-tiny"]


def test_error_names_file_question_and_problem(tmp_path):
    """Does a bad bank fail with the file, the question id and what is wrong?"""
    two_correct = good_single()
    two_correct["options"][1]["correct"] = True
    path = write_bank(tmp_path, "05-x", bank(two_correct))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    message = str(caught.value)
    assert "05-x.yaml" in message
    assert "question 'pick-one'" in message
    assert "exactly one option must be correct, found 2" in message


def test_every_problem_is_reported_at_once():
    """Are all problems of a bank listed, not only the first?"""
    first = good_single(id="one", tags=[])
    second = good_single(id="two", explanation="")
    problems = problems_of(bank(first, second))
    assert any("'one'" in p and "tags" in p for p in problems)
    assert any("'two'" in p and "explanation" in p for p in problems)


def test_module_must_equal_file_name():
    """Is a bank whose module differs from its file name rejected?"""
    assert any("must equal the file name" in p for p in problems_of(bank(good_single()), "06-y"))


def test_duplicate_ids_are_rejected():
    """Are two questions with the same id rejected?"""
    assert any("duplicate id" in p for p in problems_of(bank(good_single(), good_single())))


def test_ids_must_be_kebab_case():
    """Is an id like Pick_One rejected?"""
    assert any("kebab-case" in p for p in problems_of(bank(good_single(id="Pick_One"))))


def test_unknown_field_is_a_typo():
    """Is a misspelt field (feeback) reported rather than silently ignored?"""
    question = good_single()
    question["options"][0] = {"text": "a", "correct": True, "feeback": "yes"}
    problems = problems_of(bank(question))
    assert any("unknown field 'feeback'" in p for p in problems)
    assert any("missing field 'feedback'" in p for p in problems)


def test_unknown_type_is_rejected():
    """Is a question type outside the seven rejected with the list of types?"""
    assert any("not one of single" in p for p in problems_of(bank(good_single(type="essay"))))


def test_single_needs_three_options():
    """Does a single-choice question need at least three options?"""
    question = good_single()
    question["options"] = question["options"][:2]
    assert any("at least 3 options" in p for p in problems_of(bank(question)))


def test_multiple_needs_two_correct_and_one_wrong():
    """Does a multiple question need ≥ 2 correct options and ≥ 1 wrong one?"""
    question = good_single(type="multiple")
    assert any("at least 2 correct" in p for p in problems_of(bank(question)))
    for option in question["options"]:
        option["correct"] = True
    assert any("at least 1 wrong" in p for p in problems_of(bank(question)))


def test_true_false_needs_feedback_for_both_choices():
    """Does a true_false question need feedback for true and for false?"""
    question = {"id": "tf", "type": "true_false", "prompt": "p", "tags": ["t"], "explanation": "e",
                "answer": True, "feedback": {True: "yes"}}  # fmt: skip
    assert any("missing the feedback for false" in p for p in problems_of(bank(question)))


def test_numeric_distractor_inside_tolerance_is_rejected():
    """Is a numeric distractor that would be graded correct rejected?"""
    question = {"id": "n", "type": "numeric", "prompt": "p", "tags": ["t"], "explanation": "e",
                "answer": 10, "tolerance": 1, "distractors": [{"value": 10.5, "feedback": "f"}]}  # fmt: skip
    assert any("within the tolerance" in p for p in problems_of(bank(question)))


def test_short_answer_distractor_equal_to_an_accepted_answer_is_rejected():
    """Is a short-answer distractor that normalises to an accepted answer rejected?"""
    question = {"id": "s", "type": "short_answer", "prompt": "p", "tags": ["t"], "explanation": "e",
                "accept": ["Init"], "distractors": [{"answer": " init. ", "feedback": "f"}]}  # fmt: skip
    assert any("also an accepted answer" in p for p in problems_of(bank(question)))


def test_ordering_needs_three_distinct_items():
    """Does an ordering question need at least three items, none repeated?"""
    question = {"id": "o", "type": "ordering", "prompt": "p", "tags": ["t"], "explanation": "e",
                "items": ["a", "b", "a"], "feedback": "f"}  # fmt: skip
    assert any("appears more than once" in p for p in problems_of(bank(question)))


def test_matching_extra_right_must_not_be_a_real_right():
    """Is an extra_right that is also a pair's right rejected?"""
    question = {"id": "m", "type": "matching", "prompt": "p", "tags": ["t"], "explanation": "e",
                "pairs": [{"left": "x", "right": "1", "feedback": "f"},
                          {"left": "y", "right": "2", "feedback": "f"}],
                "extra_right": ["2"]}  # fmt: skip
    assert any("already a right" in p for p in problems_of(bank(question)))


def test_yaml_boolean_text_gets_a_hint():
    """Is an option text YAML read as a boolean (yes/no) reported with a hint to quote it?"""
    question = good_single()
    question["options"][1]["text"] = True
    assert any("quote it" in p for p in problems_of(bank(question)))


def test_invalid_yaml_names_the_file(tmp_path):
    """Is a YAML syntax error reported with the file name, the line and the reason?"""
    path = tmp_path / "05-x.yaml"
    path.write_text("module: [unclosed\n", encoding="utf-8")
    with pytest.raises(BankError, match=r"05-x.yaml: line 1, column \d+: not valid YAML: expected"):
        load_bank(path)


def test_missing_bank_is_file_not_found(tmp_path):
    """Is asking for a bank that does not exist a FileNotFoundError that says the folder holds no banks?"""
    with pytest.raises(FileNotFoundError, match="no question bank '99-none'.*holds no banks"):
        load_bank("99-none", tmp_path)


# --- learner mistakes: a sentence, not a traceback ---------------------------------------------------------


def sample_lines() -> list[bytes]:
    return (FIXTURES / "90-sample.yaml").read_bytes().split(b"\n")


def line_of(lines: list[bytes], text: bytes) -> int:
    """The 0-based index of the first line holding ``text``."""
    return next(number for number, line in enumerate(lines) if text in line)


def load_changed(tmp_path: Path, lines: list[bytes]) -> BankError:
    path = tmp_path / "90-sample.yaml"
    path.write_bytes(b"\n".join(lines))
    with pytest.raises(BankError) as caught:
        load_bank(path)
    return caught.value


def test_unknown_module_lists_the_modules_with_a_bank():
    """Does asking for a module without a bank name every module that has one, and guess the one meant?"""
    with pytest.raises(UnknownBank) as caught:
        load_bank("nope", FIXTURES)
    assert "'nope'" in str(caught.value) and "90-sample, 91-tiny" in str(caught.value)
    with pytest.raises(UnknownBank, match=r"did you mean '90-sample'\?"):
        load_bank("90-sampel", FIXTURES)
    with pytest.raises(UnknownBank, match=r"did you mean '91-tiny'\?"):
        load_bank("91", FIXTURES)


def test_unknown_module_is_shown_without_a_traceback():
    """Does Jupyter show an unknown module as one line (the way SandboxError is shown)?"""
    with pytest.raises(UnknownBank) as caught:
        load_bank("nope", FIXTURES)
    assert isinstance(caught.value, WorkbookError)
    assert caught.value._render_traceback_() == [f"UnknownBank: {caught.value}"]


def test_non_utf8_bank_names_file_question_and_line(tmp_path):
    """Is a byte that is not UTF-8 reported with the file, the question it sits in, its line and the fix?"""
    lines = sample_lines()
    number = line_of(lines, b"Objects created outside the handler")
    lines[number] = lines[number].replace(b"handler", b"h\xe9ndler")
    column = lines[number].index(b"\xe9") + 1
    error = load_changed(tmp_path, lines)
    assert error.problems == [
        f"question 'context-reused': line {number + 1}, column {column}: "
        "not UTF-8 text: byte 0xe9; save the file with the UTF-8 encoding"
    ]
    assert str(error).startswith(str(tmp_path / "90-sample.yaml") + ": question 'context-reused'")
    assert error._render_traceback_() == [f"BankError: {error}"]


def test_malformed_yaml_names_the_question_it_is_in(tmp_path):
    """Is a YAML mistake inside a question reported with that question's id, the line and the reason?"""
    lines = sample_lines()
    number = line_of(lines, b"feedback: S3 invokes asynchronously")
    lines[number] = b"        feedback: S3: invokes asynchronously"
    error = load_changed(tmp_path, lines)
    assert len(error.problems) == 1
    assert error.problems[0].startswith(f"question 'sync-invokers': line {number + 1}, column")
    assert error.problems[0].endswith("not valid YAML: mapping values are not allowed here")


def test_unclosed_quote_points_where_it_was_opened(tmp_path):
    """Is a quote left open reported where it starts, not at the end of the file?"""
    lines = sample_lines()
    number = line_of(lines, b"text: API Gateway")
    lines[number] = b'      - text: "API Gateway'
    error = load_changed(tmp_path, lines)
    assert error.problems[0].startswith(f"question 'sync-invokers': line {number + 1}, column")


@pytest.mark.parametrize(
    "value, problem",
    [
        (b"1" + b"0" * 400, "answer: must be a number"),  # an int no float can hold
        (b"9" * 5000, "not a question bank: Exceeds the limit (4300 digits)"),
        (b"[" * 5000, "nest too deeply"),
        (b".inf", "answer: must be a number"),
    ],
)
def test_unusable_numbers_and_nesting_are_bank_errors(tmp_path, value, problem):
    """Is a numeric answer too large for a float, or nesting too deep for the parser, a BankError (never an
    OverflowError, ValueError or RecursionError)?"""
    lines = sample_lines()
    lines[line_of(lines, b"answer: 900")] = b"    answer: " + value
    assert problem in str(load_changed(tmp_path, lines))


def test_unknown_question_id_lists_the_ids():
    """Does asking a bank for an id it lacks say which ids it has (and still count as a KeyError)?"""
    tiny = load_bank("91-tiny", FIXTURES)
    with pytest.raises(KeyError) as caught:
        tiny.question("nope")
    assert isinstance(caught.value, UnknownQuestion)
    assert str(caught.value) == "91-tiny has no question 'nope'; its ids are: memory-unit, half-second"


NOISE = b"-:[]{}\"'#&*!|>%@`\t\n \x00\xe9\xff9a"


def test_any_damage_to_a_bank_is_a_bank_error(tmp_path):
    """Whatever bytes are cut, replaced or inserted, does loading fail only with a BankError naming the
    file?"""
    original = (FIXTURES / "90-sample.yaml").read_bytes()
    rng = random.Random(8)
    path = tmp_path / "90-sample.yaml"
    for _ in range(300):
        data = bytearray(original)
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(data))
            change = rng.choice(("cut", "insert", "replace"))
            if change == "cut":
                del data[at : at + rng.randint(1, 40)]
            else:
                noise = bytes(rng.choice(NOISE) for _ in range(rng.randint(1, 6)))
                data[at : at + (len(noise) if change == "replace" else 0)] = noise
        path.write_bytes(bytes(data))
        try:
            load_bank(path)
        except BankError as exc:
            assert str(exc).startswith(str(path)), str(exc)
