"""`python -m workbook gradebook LOG...`: an instructor's view of a workshop.

Collect each learner's ``~/.workbook/attempts.jsonl`` (rename them, e.g. ``ada.jsonl``), then::

    python -m workbook gradebook logs/ --out gradebook/
    python -m workbook gradebook logs/*.jsonl --regrade my-quizzes/ --out gradebook/

writes to ``--out``:

- ``attempts.csv``          every attempt of every learner, merged (duplicates from repeated logs dropped)
- ``learners.csv``          one row per learner; ``learner_modules.csv`` one row per learner and module
- ``questions.csv``         one row per question or lab step, hardest (lowest first-try accuracy) first
- ``concepts.csv``          one row per concept tag of the banks, weakest first
- ``first_try_accuracy.png`` a bar per question: the one everyone misses is the one to re-teach
- ``regraded.csv``          with ``--regrade``: every quiz attempt graded again against that bank folder
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from ..errors import path_error
from ..quiz.grading import InvalidResponse, grade
from ..quiz.model import Bank, BankError, default_bank_dir, load_banks
from .log import attempts_and_problems, kind_of
from .summary import attempts_frame, per_concept, per_learner, per_learner_module, per_question

# Two records with the same values here are the same attempt (a log passed twice, or copied).
IDENTITY_FIELDS = ("learner", "kind", "module", "item_id", "attempt", "time")


def main(argv: list[str]) -> int:
    """Read the logs, write the tables and the plot to ``--out``, print the hardest questions."""
    parser = argparse.ArgumentParser(
        prog="python -m workbook gradebook",
        description="Merge learners' attempt logs into per-learner, per-question and per-concept tables.",
    )
    add = parser.add_argument
    add("logs", nargs="+", type=Path, metavar="LOG", help="attempt logs (.jsonl) or folders of them")
    add("--out", type=Path, default=Path("gradebook"), help="folder for the CSV files and the plot")
    add("--banks", type=Path, help="bank folder for concept tags (default: the course's quizzes/)")
    add("--regrade", type=Path, metavar="BANKDIR", help="grade every quiz attempt again against these banks")
    args = parser.parse_args(argv)

    records, problems = read_logs(args.logs)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    if not records:
        print("gradebook: no attempts found in " + ", ".join(map(str, args.logs)), file=sys.stderr)
        return 1
    try:
        explicit = args.regrade or args.banks
        banks = _banks(explicit, required=explicit is not None)
    except BankError as exc:
        print(f"gradebook: {exc}", file=sys.stderr)
        return 2

    out = args.out
    try:
        out.mkdir(parents=True, exist_ok=True)
        if args.regrade is not None:
            records = regrade(records, banks)
            _frame_with_regrade(records).to_csv(out / "regraded.csv", index=False)
            changed = sum(r.get("regrade") == "changed" for r in records)
            print(f"Regraded against {args.regrade}: {changed} attempt(s) changed (see regraded.csv).")
        questions = write_tables(records, banks, out)
    except OSError as exc:
        raise path_error(exc, exc.filename or out, "write", "choose another folder for --out") from None

    learners = len({r.get("learner") for r in records})
    print(f"{len(records)} attempts by {learners} learner(s) → {out}/")
    print("\nHardest questions (lowest first-try accuracy):")
    hardest = questions.head(5)[["module", "item_id", "learners", "first_try_accuracy", "tags"]]
    with pd.option_context("display.width", 200, "display.max_columns", None):
        print(hardest.to_string(index=False))
    return 0


def write_tables(records: list[dict], banks: Iterable[Bank], out: Path) -> pd.DataFrame:
    """Write the CSV files and the plot of the module docstring to ``out``; returns the questions table."""
    tags = {(bank.module, q.id): q.tags for bank in banks for q in bank.questions}
    questions = per_question(records, tags)
    attempts_frame(records).to_csv(out / "attempts.csv", index=False)
    per_learner(records).to_csv(out / "learners.csv", index=False)
    per_learner_module(records).to_csv(out / "learner_modules.csv", index=False)
    questions.to_csv(out / "questions.csv", index=False)
    per_concept(records, tags).to_csv(out / "concepts.csv", index=False)
    plot_first_try_accuracy(questions, out / "first_try_accuracy.png")
    return questions


def read_logs(paths: Iterable[Path]) -> tuple[list[dict], list[str]]:
    """Every attempt in these logs (folders are searched for ``*.jsonl``), each attempt once."""
    files: list[Path] = []
    problems: list[str] = []
    for path in paths:
        if path.is_dir():
            files += sorted(path.rglob("*.jsonl"))
        elif path.exists():
            files.append(path)
        else:
            problems.append(f"{path}: no such file")
    seen: set[tuple] = set()
    records: list[dict] = []
    for file in files:
        try:
            entries, damaged = attempts_and_problems(file)
        except OSError as exc:  # one unreadable log does not stop the others
            problems.append(str(exc))
            continue
        problems += damaged
        for entry in entries:
            key = tuple(str(entry.get(k)) for k in IDENTITY_FIELDS)
            if key not in seen:
                seen.add(key)
                records.append(entry)
    return records, problems


def regrade(records: Iterable[dict], banks: Iterable[Bank]) -> list[dict]:
    """Grade every quiz attempt again against ``banks``; lab attempts are kept as they are.

    Each quiz record gets ``original_correct``, ``original_score`` and ``regrade``: "same", "changed",
    or why it could not be regraded (then the original grade stands).
    """
    by_module = {bank.module: bank for bank in banks}
    result = []
    for record in map(dict, records):
        if kind_of(record) == "quiz":
            record["original_correct"], record["original_score"] = record.get("correct"), record.get("score")
            record["regrade"] = _regrade_one(record, by_module.get(record.get("module")))
        result.append(record)
    return result


def _regrade_one(record: dict, bank: Bank | None) -> str:
    """Grade ``record`` again against ``bank``, updating its grade; returns what happened, in words."""
    if bank is None:
        return "no bank for this module"
    try:
        outcome = grade(bank.question(record["item_id"]), record.get("response"))
    except KeyError:
        return "question not in the bank"
    except InvalidResponse as exc:
        return f"response does not fit the bank's question: {exc}"
    same = (outcome.correct, outcome.score) == (record.get("correct"), record.get("score"))
    record.update(correct=outcome.correct, score=outcome.score, feedback=outcome.feedback)
    verdict = "same" if same else "changed"
    if record.get("bank_version") not in (None, bank.version):
        verdict += f" (answered under bank version {record['bank_version']}, now {bank.version})"
    return verdict


def plot_first_try_accuracy(questions: pd.DataFrame, path: Path) -> Path:
    """A horizontal bar per question, hardest at the top, saved as PNG (no display needed)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels = [f"{m} · {i}" for m, i in zip(questions["module"], questions["item_id"], strict=True)]
    values = [float(v) for v in questions["first_try_accuracy"]]
    figure = Figure(figsize=(8, 1.2 + 0.28 * max(len(labels), 1)), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = ["#c0392b" if v < 0.5 else "#e67e22" if v < 0.8 else "#27ae60" for v in values]
    axes.barh(range(len(values)), values, color=colours)
    for row, (value, learners) in enumerate(zip(values, questions["learners"], strict=True)):
        # a label on every bar, so a question nobody got right (a bar of length 0) is still visible
        axes.text(min(value, 0.82) + 0.01, row, f"{value:.0%} of {learners}", va="center", fontsize=7)
    axes.set_yticks(range(len(values)), labels, fontsize=8)
    axes.invert_yaxis()  # hardest first, at the top
    axes.set_xlim(0, 1)
    axes.xaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    axes.set_xlabel("first-try accuracy (share of learners right on their first attempt)")
    axes.set_title("Which questions to re-teach: first-try accuracy per question")
    figure.savefig(path, dpi=120)
    return path


def _banks(folder: Path | None, required: bool) -> list[Bank]:
    folder = folder if folder is not None else default_bank_dir()
    if not folder.is_dir():
        if required:
            raise BankError(str(folder), ["no such bank folder"])
        return []
    try:
        return load_banks(folder)
    except BankError:
        if required:
            raise
        print(f"warning: the banks in {folder} do not load; concept tags are left out", file=sys.stderr)
        return []


def _frame_with_regrade(records: list[dict]) -> pd.DataFrame:
    quiz = [r for r in records if "regrade" in r]
    return attempts_frame(quiz, extra=("original_correct", "original_score", "regrade"))
