"""Question banks: load `quizzes/NN-slug.yaml` and check it against the bank format.

The format is described in `quizzes/README.md`. Every problem in a bank is reported with the
file, the question id and what is wrong, for example::

    quizzes/02-handlers.yaml: question 'handler-string': options: exactly one option must be
    correct, found 2

Example::

    from workbook.quiz.model import load_bank
    bank = load_bank("02-handlers")
    bank.questions[0].prompt
"""

from __future__ import annotations

import difflib
import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import WorkbookError, reason

TYPES = ("single", "multiple", "true_false", "matching", "ordering", "numeric", "short_answer")
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
BANK_KEYS = {"module", "title", "version", "questions"}
COMMON_KEYS = {"id", "type", "prompt", "tags", "explanation"}
TYPE_KEYS = {
    # type: (required fields, optional fields)
    "single": ({"options"}, {"shuffle"}),
    "multiple": ({"options"}, {"shuffle"}),
    "true_false": ({"answer", "feedback"}, set()),
    "matching": ({"pairs"}, {"extra_right"}),
    "ordering": ({"items", "feedback"}, set()),
    "numeric": ({"answer", "tolerance", "distractors"}, {"unit"}),
    "short_answer": ({"accept", "distractors"}, {"case_sensitive"}),
}


class BankError(WorkbookError, ValueError):
    """A bank does not follow the format. ``problems`` lists every mistake found, one per line."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        super().__init__("\n".join(f"{source}: {problem}" for problem in problems))


class UnknownBank(WorkbookError, FileNotFoundError):
    """There is no bank by that name; the message lists the modules that have one."""


class UnknownQuestion(WorkbookError, KeyError):
    """A bank has no question with that id; the message lists its ids."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""  # a KeyError would show its message in quotes


@dataclass(frozen=True)
class Option:
    """One option of a `single` or `multiple` question, and what to tell a learner who picks it."""

    text: str
    correct: bool
    feedback: str


@dataclass(frozen=True)
class Pair:
    """A left and its right in a `matching` question, and what to say when they are not matched."""

    left: str
    right: str
    feedback: str


@dataclass(frozen=True)
class Distractor:
    """A likely wrong answer (a number for `numeric`, a text for `short_answer`) and why it is wrong."""

    value: Any
    feedback: str


@dataclass(frozen=True)
class Question:
    """One question of a bank. Only the fields of its ``type`` are filled in."""

    id: str
    type: str
    prompt: str
    tags: tuple[str, ...]
    explanation: str
    options: tuple[Option, ...] = ()  # single, multiple
    shuffle: bool = True  # single, multiple: False keeps the bank's order ("None of the above" last)
    answer: Any = None  # true_false (bool), numeric (float)
    feedback: Any = None  # true_false ({True: str, False: str}), ordering (str)
    pairs: tuple[Pair, ...] = ()  # matching
    extra_right: tuple[str, ...] = ()  # matching
    items: tuple[str, ...] = ()  # ordering, in the correct order
    tolerance: float = 0.0  # numeric
    unit: str = ""  # numeric
    distractors: tuple[Distractor, ...] = ()  # numeric, short_answer
    accept: tuple[str, ...] = ()  # short_answer
    case_sensitive: bool = False  # short_answer

    @property
    def correct_count(self) -> int:
        """How many options are correct (what a `multiple` question tells the learner to select)."""
        return sum(option.correct for option in self.options)


@dataclass(frozen=True)
class Bank:
    """One module's question bank, checked: ``bank.question("handler-string")`` finds a question by id."""

    module: str
    title: str
    version: int
    questions: tuple[Question, ...]
    path: Path | None = field(default=None, compare=False)

    def question(self, question_id: str) -> Question:
        """The question with this id (:class:`UnknownQuestion`, a KeyError listing the ids, otherwise)."""
        for question in self.questions:
            if question.id == question_id:
                return question
        ids = ", ".join(question.id for question in self.questions)
        raise UnknownQuestion(f"{self.module} has no question {question_id!r}; its ids are: {ids}")


def default_bank_dir() -> Path:
    """Where banks live: ``$WORKBOOK_QUIZZES`` if set, else ``quizzes/`` next to the workbook package."""
    configured = os.environ.get("WORKBOOK_QUIZZES")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "quizzes"


def bank_paths(bank_dir: str | os.PathLike | None = None) -> list[Path]:
    """Every bank file in ``bank_dir`` (default: the course's quizzes folder), sorted by name."""
    folder = Path(bank_dir) if bank_dir is not None else default_bank_dir()
    return sorted(folder.glob("*.yaml"))


def load_bank(name: str | os.PathLike, bank_dir: str | os.PathLike | None = None) -> Bank:
    """Load and check one bank, by module name ("02-handlers") or by path.

    Raises :class:`BankError` listing every problem found (file, question, what is wrong), and
    :class:`UnknownBank` (a FileNotFoundError) listing the modules that have a bank when there is none.

    Example::

        bank = load_bank("02-handlers")
        [q.id for q in bank.questions]
    """
    if not isinstance(name, (str, os.PathLike)):
        raise UnknownBank(_unknown_bank_message(name, bank_dir))
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        folder = Path(bank_dir) if bank_dir is not None else default_bank_dir()
        path = folder / f"{name}.yaml"
        if not path.is_file():
            raise UnknownBank(_unknown_bank_message(name, bank_dir))
    elif not path.exists():
        raise UnknownBank(f"there is no question bank file {path}; check the path")
    source = _display_path(path)
    return parse_bank(_read_yaml(path, source), source=source, expected_module=path.stem, path=path)


def load_banks(bank_dir: str | os.PathLike | None = None) -> list[Bank]:
    """Load every bank in ``bank_dir``; the first bad bank raises :class:`BankError`."""
    return [load_bank(path) for path in bank_paths(bank_dir)]


def parse_bank(
    data: Any, source: str = "<bank>", expected_module: str | None = None, path: Path | None = None
) -> Bank:
    """Check an already-parsed bank (a dict) and turn it into a :class:`Bank`."""
    problems: list[str] = []
    if not isinstance(data, dict):
        raise BankError(source, ["the file must be a mapping with module, title, version and questions"])
    for key in sorted(BANK_KEYS - data.keys()):
        problems.append(f"missing top-level field {key!r}")
    for key in sorted(set(data) - BANK_KEYS, key=str):
        problems.append(f"unknown top-level field {key!r} (allowed: {', '.join(sorted(BANK_KEYS))})")
    module = data.get("module")
    if "module" in data and not _is_text(module):
        problems.append("module: must be a text such as 02-handlers")
    elif expected_module is not None and module is not None and module != expected_module:
        problems.append(f"module: {module!r} must equal the file name {expected_module!r}")
    title = data.get("title")
    if "title" in data and not _is_text(title):
        problems.append("title: must be a non-empty text")
    version = data.get("version")
    if "version" in data and (not isinstance(version, int) or isinstance(version, bool) or version < 1):
        problems.append("version: must be a whole number, 1 or more")
    raw_questions = data.get("questions")
    if "questions" in data and (not isinstance(raw_questions, list) or not raw_questions):
        problems.append("questions: must be a non-empty list")
        raw_questions = []
    questions = _parse_questions(raw_questions or [], problems)
    if problems:
        raise BankError(source, problems)
    return Bank(module=module, title=title.strip(), version=version, questions=tuple(questions), path=path)


def _parse_questions(raw_questions: list, problems: list[str]) -> list[Question]:
    """The questions that parse; every problem (with the question's id or number) goes to ``problems``."""
    questions: list[Question] = []
    seen: set[str] = set()
    for number, raw in enumerate(raw_questions, start=1):
        label = _question_label(raw, number)
        qid = raw.get("id") if isinstance(raw, dict) else None
        if isinstance(qid, str):
            if qid in seen:
                problems.append(f"{label}: duplicate id (ids must be unique in the bank)")
            seen.add(qid)
        question, question_problems = parse_question(raw)
        problems += [f"{label}: {problem}" for problem in question_problems]
        if question is not None:
            questions.append(question)
    return questions


def parse_question(raw: Any) -> tuple[Question | None, list[str]]:
    """Check one question (a dict from the YAML). Returns the question (or None) and the problems."""
    if not isinstance(raw, dict):
        return None, ["must be a mapping with id, type, prompt, tags and explanation"]
    problems: list[str] = []
    for key in ("id", "type", "prompt", "tags", "explanation"):
        if key not in raw:
            problems.append(f"missing field {key!r}")
    qid, qtype = raw.get("id"), raw.get("type")
    if "id" in raw and (not isinstance(qid, str) or not ID_PATTERN.match(qid)):
        problems.append(f"id: {qid!r} must be kebab-case (lower-case letters, digits, single hyphens)")
    if "type" in raw and qtype not in TYPES:
        problems.append(f"type: {qtype!r} is not one of {', '.join(TYPES)}")
        return None, problems
    for key in ("prompt", "explanation"):
        if key in raw and not _is_text(raw[key]):
            problems.append(f"{key}: must be a non-empty text")
    tags = raw.get("tags")
    if "tags" in raw and (not isinstance(tags, list) or not tags or not all(_is_text(t) for t in tags)):
        problems.append("tags: must be a list of at least one concept, e.g. [handler, naming]")
    if qtype is None:
        return None, problems
    required, optional = TYPE_KEYS[qtype]
    for key in sorted(required - raw.keys()):
        problems.append(f"missing field {key!r} (a {qtype} question needs {', '.join(sorted(required))})")
    for key in sorted(set(raw) - COMMON_KEYS - required - optional, key=str):
        problems.append(f"unknown field {key!r} for a {qtype} question")
    if problems:
        return None, problems
    fields, type_problems = _TYPE_PARSERS[qtype](raw)
    if type_problems:
        return None, type_problems
    question = Question(
        id=qid,
        type=qtype,
        prompt=raw["prompt"].strip(),
        tags=tuple(str(t).strip() for t in tags),
        explanation=raw["explanation"].strip(),
        **fields,
    )
    return question, []


# --- reading a bank file -----------------------------------------------------------------------------


def _read_yaml(path: Path, source: str) -> Any:
    """The parsed YAML of a bank file; a :class:`BankError` naming the line (and question) when it is
    not UTF-8 or not YAML."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BankError(source, [f"cannot be read: {reason(exc, path)}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start)
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1)
        where = _where(raw.decode("utf-8", "replace"), line, column)
        problem = f"not UTF-8 text: byte 0x{raw[exc.start]:02x}; save the file with the UTF-8 encoding"
        raise BankError(source, [where + problem]) from None
    try:
        return yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())):
            mark = exc.context_mark  # "unexpected end of the file": where the unclosed thing began
        why = exc.problem or exc.context or "not YAML"
        if exc.context and exc.problem:
            why += f" ({exc.context})"
        where = _where(text, mark.line, mark.column) if mark is not None else ""
        raise BankError(source, [f"{where}not valid YAML: {why}"]) from None
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position)
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1)
        problem = f"not valid YAML: the character #x{exc.character:04x} is not allowed ({exc.reason})"
        raise BankError(source, [_where(text, line, column) + problem]) from None
    except yaml.YAMLError as exc:
        raise BankError(source, [f"not valid YAML: {exc}"]) from None
    except RecursionError:
        raise BankError(source, ["not a question bank: its lists or mappings nest too deeply"]) from None
    except ValueError as exc:  # e.g. a number of more than 4300 digits
        raise BankError(source, [f"not a question bank: {str(exc).split(';')[0]}"]) from None


_QUESTIONS_KEY = re.compile(r"questions\s*:\s*(#.*)?")
_LIST_ITEM = re.compile(r"( *)-( +|$)")
_ID_KEY = re.compile(r"id\s*:\s*(['\"]?)([^'\"#\s]+)\1")


def _where(text: str, line: int, column: int) -> str:
    """ "question 'x': line 12, column 5: " for a 0-based line and column of a bank's text (the question
    is read from the raw lines, so this works for a bank that does not parse)."""
    label = _question_at(text.splitlines(), line)
    return f"{label + ': ' if label else ''}line {line + 1}, column {column + 1}: "


def _question_at(lines: list[str], line: int) -> str | None:
    """The label of the question (block style, as banks are written) that holds ``line``, or None."""
    start = next((i for i, text in enumerate(lines) if _QUESTIONS_KEY.fullmatch(text.rstrip())), None)
    if start is None or line <= start:
        return None
    items: list[tuple[int, int]] = []  # (first line, column of its first key) of each question
    indent = None
    end = len(lines)
    for number in range(start + 1, len(lines)):
        text = lines[number]
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        item = _LIST_ITEM.match(text)
        if indent is None:
            if item is None:
                return None  # not a block list of questions
            indent = len(item.group(1))
        here = _indent(text)
        if item is not None and len(item.group(1)) == indent:
            items.append((number, item.end()))
        elif here < indent or (here == indent and item is None):
            end = number  # back at the top level: the list of questions is over
            break
    mine = [(index, item) for index, item in enumerate(items, start=1) if item[0] <= line]
    if line >= end or not mine:
        return None
    number, (first, key_column) = mine[-1]
    last = items[number][0] if number < len(items) else end
    keys = [lines[first][key_column:]]  # the item's first line, after its "- "
    keys += [text[key_column:] for text in lines[first + 1 : last] if _indent(text) == key_column]
    for key in keys:
        found = _ID_KEY.match(key)
        if found:
            return f"question {found.group(2)!r}"
    return f"question #{number} (no id)"


def _indent(text: str) -> int:
    return len(text) - len(text.lstrip(" "))


def _unknown_bank_message(name: Any, bank_dir: str | os.PathLike | None) -> str:
    folder = Path(bank_dir) if bank_dir is not None else default_bank_dir()
    modules = [path.stem for path in bank_paths(folder)]
    if not modules:
        where = "WORKBOOK_QUIZZES" if bank_dir is None and os.environ.get("WORKBOOK_QUIZZES") else "bank_dir"
        return f"there is no question bank {name!r}: {folder} holds no banks (*.yaml); check {where}"
    text = str(name)
    same_number = [m for m in modules if text[:2].isdigit() and m[:2] == text.zfill(2)[:2]]
    close = same_number or difflib.get_close_matches(text, modules, n=1, cutoff=0.6)
    guess = f" (did you mean {close[0]!r}?)" if len(close) == 1 else ""
    return f"there is no question bank {name!r}{guess}; the modules with one are: {', '.join(modules)}"


# --- one parser per type: (raw question) -> (fields for Question, problems) ---------------------------


def _parse_options(raw: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    options_raw = raw["options"]
    if not isinstance(options_raw, list) or len(options_raw) < 3:
        return {}, ["options: must be a list of at least 3 options"]
    options: list[Option] = []
    for where, item in _mappings(options_raw, "options", ("text", "correct", "feedback"), problems):
        text = _text_field(item, "text", where, problems)
        if "correct" in item and not isinstance(item["correct"], bool):
            problems.append(f"{where}.correct: must be true or false")
        feedback = _text_field(item, "feedback", where, problems)
        options.append(Option(text or "", item.get("correct") is True, feedback or ""))
    if problems:
        return {}, problems
    texts = [option.text for option in options]
    for text in sorted({t for t in texts if texts.count(t) > 1}):
        problems.append(f"options: the text {text!r} appears more than once")
    correct = sum(option.correct for option in options)
    if raw["type"] == "single" and correct != 1:
        problems.append(f"options: exactly one option must be correct, found {correct}")
    if raw["type"] == "multiple":
        if correct < 2:
            problems.append(f"options: a multiple question needs at least 2 correct options, found {correct}")
        if correct == len(options):
            problems.append("options: a multiple question needs at least 1 wrong option")
    shuffle = raw.get("shuffle", True)
    if not isinstance(shuffle, bool):
        problems.append("shuffle: must be true or false")
    return {"options": tuple(options), "shuffle": shuffle}, problems


def _parse_true_false(raw: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    if not isinstance(raw["answer"], bool):
        problems.append("answer: must be true or false")
    feedback_raw = raw["feedback"]
    feedback: dict[bool, str] = {}
    if not isinstance(feedback_raw, dict):
        problems.append("feedback: must be a mapping {true: ..., false: ...}")
    else:
        given = set()  # YAML reads the keys `true:` and `false:` as booleans; "true" quoted also works
        for key, value in feedback_raw.items():
            choice = {"true": True, "false": False}.get(str(key).lower())
            given.add(choice)
            if choice is None:
                problems.append(f"feedback: unknown key {key!r}; use true and false")
            elif not _is_text(value):
                problems.append(f"feedback.{str(choice).lower()}: must be a non-empty text")
            else:
                feedback[choice] = value.strip()
        for choice in (True, False):
            if choice not in given:
                problems.append(f"feedback: missing the feedback for {str(choice).lower()}")
    return {"answer": raw["answer"], "feedback": feedback}, problems


def _parse_matching(raw: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    pairs_raw = raw["pairs"]
    if not isinstance(pairs_raw, list) or len(pairs_raw) < 2:
        return {}, ["pairs: must be a list of at least 2 {left, right, feedback}"]
    pairs: list[Pair] = []
    for where, item in _mappings(pairs_raw, "pairs", ("left", "right", "feedback"), problems):
        left = _text_field(item, "left", where, problems)
        right = _text_field(item, "right", where, problems)
        feedback = _text_field(item, "feedback", where, problems)
        pairs.append(Pair(left or "", right or "", feedback or ""))
    lefts = [pair.left for pair in pairs]
    for left in sorted({t for t in lefts if lefts.count(t) > 1}):
        problems.append(f"pairs: the left {left!r} appears more than once")
    if len({pair.right for pair in pairs}) < 2:
        problems.append("pairs: all lefts have the same right; that is not a matching question")
    extra_raw = raw.get("extra_right", [])
    extra: list[str] = []
    if not isinstance(extra_raw, list):
        problems.append("extra_right: must be a list of texts")
    else:
        rights = {pair.right for pair in pairs}
        for index, item in enumerate(extra_raw):
            text = _as_text(item)
            if text is None:
                problems.append(f"extra_right[{index}]: must be a non-empty text")
            elif text in rights:
                problems.append(f"extra_right[{index}]: {text!r} is already a right of a pair")
            else:
                extra.append(text)
    return {"pairs": tuple(pairs), "extra_right": tuple(extra)}, problems


def _parse_ordering(raw: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    items_raw = raw["items"]
    if not isinstance(items_raw, list) or len(items_raw) < 3:
        return {}, ["items: must be a list of at least 3 items, in the correct order"]
    items = [_as_text(item) for item in items_raw]
    for index, item in enumerate(items):
        if item is None:
            problems.append(f"items[{index}]: must be a non-empty text")
    for item in sorted({t for t in items if t is not None and items.count(t) > 1}):
        problems.append(f"items: {item!r} appears more than once")
    if not _is_text(raw["feedback"]):
        problems.append("feedback: must be a non-empty text (shown for a wrong order)")
    feedback = raw["feedback"].strip() if _is_text(raw["feedback"]) else ""
    return {"items": tuple(items), "feedback": feedback}, problems


def _parse_numeric(raw: dict) -> tuple[dict, list[str]]:
    problems: list[str] = []
    answer, tolerance = raw["answer"], raw["tolerance"]
    if not _is_number(answer):
        problems.append("answer: must be a number")
    if not _is_number(tolerance) or tolerance < 0:
        problems.append("tolerance: must be a number, 0 or more")
    unit = raw.get("unit", "")
    if "unit" in raw and not _is_text(unit):
        problems.append("unit: must be a non-empty text such as ms or MB")
    distractors, distractor_problems = _parse_distractors(raw, "value")
    problems += distractor_problems
    if not problems:
        for index, distractor in enumerate(distractors):
            if not _is_number(distractor.value):
                problems.append(f"distractors[{index}].value: must be a number")
            elif abs(distractor.value - answer) <= tolerance:
                problems.append(
                    f"distractors[{index}].value: {distractor.value} is within the tolerance of the answer "
                    f"{answer} ± {tolerance}, so it would be graded correct"
                )
    if problems:
        return {}, problems
    return {
        "answer": float(answer),
        "tolerance": float(tolerance),
        "unit": unit.strip() if unit else "",
        "distractors": tuple(Distractor(float(d.value), d.feedback) for d in distractors),
    }, problems


def _parse_short_answer(raw: dict) -> tuple[dict, list[str]]:
    from .grading import normalise_text  # grading depends on model, not the other way round at import

    problems: list[str] = []
    accept_raw = raw["accept"]
    accept: list[str] = []
    if not isinstance(accept_raw, list) or not accept_raw:
        problems.append("accept: must be a list of at least one accepted answer")
    else:
        for index, item in enumerate(accept_raw):
            text = _as_text(item)
            if text is None:
                problems.append(f"accept[{index}]: must be a non-empty text")
            else:
                accept.append(text)
    case_sensitive = raw.get("case_sensitive", False)
    if not isinstance(case_sensitive, bool):
        problems.append("case_sensitive: must be true or false")
        case_sensitive = False
    distractors, distractor_problems = _parse_distractors(raw, "answer")
    problems += distractor_problems
    accepted = {normalise_text(a, case_sensitive) for a in accept}
    clean: list[Distractor] = []
    for index, distractor in enumerate(distractors):
        text = _as_text(distractor.value)
        if text is None:
            problems.append(f"distractors[{index}].answer: must be a non-empty text")
        elif normalise_text(text, case_sensitive) in accepted:
            problems.append(f"distractors[{index}].answer: {text!r} is also an accepted answer")
        else:
            clean.append(Distractor(text, distractor.feedback))
    return {"accept": tuple(accept), "case_sensitive": case_sensitive, "distractors": tuple(clean)}, problems


def _parse_distractors(raw: dict, value_key: str) -> tuple[list[Distractor], list[str]]:
    problems: list[str] = []
    items = raw["distractors"]
    if not isinstance(items, list) or not items:
        return [], [f"distractors: must be a list of at least one {{{value_key}, feedback}}"]
    distractors: list[Distractor] = []
    for where, item in _mappings(items, "distractors", (value_key, "feedback"), problems):
        feedback = _text_field(item, "feedback", where, problems)
        distractors.append(Distractor(item.get(value_key), feedback or ""))
    return distractors, problems


_TYPE_PARSERS = {
    "single": _parse_options,
    "multiple": _parse_options,
    "true_false": _parse_true_false,
    "matching": _parse_matching,
    "ordering": _parse_ordering,
    "numeric": _parse_numeric,
    "short_answer": _parse_short_answer,
}


# --- reading fields ---------------------------------------------------------------------------------


def _mappings(
    items: list, field_name: str, keys: tuple[str, ...], problems: list[str]
) -> Iterator[tuple[str, dict]]:
    """Each item of a list field that is a mapping, with where it is (``options[2]``).

    Items that are not mappings, missing keys and unknown keys are added to ``problems``.
    """
    for index, item in enumerate(items):
        where = f"{field_name}[{index}]"
        if not isinstance(item, dict):
            listed = ", ".join(keys[:-1]) + " and " + keys[-1]
            problems.append(f"{where}: must be a mapping with {listed}")
            continue
        problems += [f"{where}: missing field {key!r}" for key in sorted(set(keys) - item.keys())]
        problems += [f"{where}: unknown field {key!r}" for key in sorted(set(item) - set(keys), key=str)]
        yield where, item


def _text_field(item: dict, key: str, where: str, problems: list[str]) -> str | None:
    if key not in item:
        return None  # already reported as missing
    text = _as_text(item[key])
    if text is None:
        hint = " (quote it: YAML reads yes/no/true/false as booleans)" if isinstance(item[key], bool) else ""
        problems.append(f"{where}.{key}: must be a non-empty text{hint}")
    return text


def _as_text(value: Any) -> str | None:
    """A non-empty text; plain numbers (YAML reads `128` as an int) are accepted as their text."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


def _is_number(value: Any) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def _question_label(raw: Any, number: int) -> str:
    qid = raw.get("id") if isinstance(raw, dict) else None
    return f"question {qid!r}" if isinstance(qid, str) and qid else f"question #{number} (no id)"


def _display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
