"""Tables from attempt records (pandas): per module for a learner, per learner / question / concept
for an instructor.

"First try" is a learner's earliest attempt at an item; "solved" means some attempt was correct;
"best score" is the highest score of any attempt.

Example::

    from workbook import progress
    progress.summary()
    #        module  items  attempts  first_try_correct  first_try_accuracy  solved  best_score
    # 0  02-handlers     8        11                  6                0.75       8        1.0
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence

import pandas as pd

from .log import FIELDS, attempts, kind_of

ITEM_KEY = ["learner", "module", "kind", "item_id"]
SUMMARY_COLUMNS = ["items", "attempts", "first_try_correct", "first_try_accuracy", "solved", "best_score"]


def attempts_frame(records: Iterable[Mapping], extra: Sequence[str] = ()) -> pd.DataFrame:
    """One row per attempt, oldest first; ``response`` as JSON text (how `report --csv` writes it).
    ``extra`` names further fields to keep as columns."""
    columns = list(FIELDS) + list(extra)
    rows = [{name: record.get(name) for name in columns} for record in records]
    frame = pd.DataFrame(rows, columns=columns)
    if frame.empty:
        return frame
    frame["response"] = [json.dumps(r, ensure_ascii=False) for r in frame["response"]]
    frame["kind"] = frame["kind"].fillna("quiz")
    frame["correct"] = frame["correct"].astype(bool)
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").fillna(0.0)
    frame["_order"] = range(len(frame))
    frame = frame.sort_values(["time", "_order"], kind="stable").drop(columns="_order")
    return frame.reset_index(drop=True)


def item_table(records: Iterable[Mapping]) -> pd.DataFrame:
    """One row per learner and item: attempts, first-try correct and score, solved, best score."""
    frame = attempts_frame(records)
    columns = ITEM_KEY + ["attempts", "first_try_correct", "first_try_score", "solved", "best_score"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    groups = frame.groupby(ITEM_KEY, sort=True, dropna=False)
    table = groups.agg(
        attempts=("score", "size"),
        first_try_correct=("correct", "first"),
        first_try_score=("score", "first"),
        solved=("correct", "any"),
        best_score=("score", "max"),
    )
    return table.reset_index()[columns]


def summary(records: Iterable[Mapping] | None = None, *, kind: str | None = None) -> pd.DataFrame:
    """Your progress, one row per module: items tried, attempts, first-try accuracy, solved, best score.

    Reads this computer's attempt log unless ``records`` are given; ``kind="quiz"`` or ``"lab"`` keeps
    only that kind of item.

    Example::

        from workbook import progress
        progress.summary(kind="quiz")
    """
    records = attempts() if records is None else records
    if kind is not None:
        records = of_kind(records, kind)
    return _rollup(item_table(records), ["module"])


def of_kind(records: Iterable[Mapping], kind: str) -> list[Mapping]:
    """The records of one kind: ``"quiz"`` answers or ``"lab"`` checks."""
    return [record for record in records if kind_of(record) == kind]


def per_learner(records: Iterable[Mapping]) -> pd.DataFrame:
    """One row per learner (all modules together)."""
    return _rollup(item_table(records), ["learner"])


def per_learner_module(records: Iterable[Mapping]) -> pd.DataFrame:
    """One row per learner and module."""
    return _rollup(item_table(records), ["learner", "module"])


def per_question(records: Iterable[Mapping], tags: Mapping | None = None) -> pd.DataFrame:
    """One row per question (or lab step), hardest first: how many learners tried it, their first-try
    accuracy, how many solved it, attempts per learner. ``tags`` maps (module, item_id) to concepts."""
    items = item_table(records)
    key = ["module", "kind", "item_id"]
    measures = ["learners", "first_try_accuracy", "solved_rate", "attempts_per_learner", "best_score"]
    columns = key + measures + ["tags"]
    if items.empty:
        return pd.DataFrame(columns=columns)
    table = items.groupby(key, sort=True).agg(
        learners=("learner", "nunique"),
        first_try_accuracy=("first_try_correct", "mean"),
        solved_rate=("solved", "mean"),
        attempts_per_learner=("attempts", "mean"),
        best_score=("best_score", "mean"),
    )
    table = table.reset_index()
    tags = tags or {}
    items_of = zip(table["module"], table["item_id"], strict=True)
    table["tags"] = [" ".join(tags.get(item, ())) for item in items_of]
    table = table.sort_values(["first_try_accuracy", "module", "item_id"], kind="stable")
    return table.reset_index(drop=True)[columns]


def per_concept(records: Iterable[Mapping], tags: Mapping) -> pd.DataFrame:
    """One row per concept (a question's tags), weakest first: first-try accuracy over every learner's
    first try at every question with that tag."""
    items = item_table(records)
    columns = ["tag", "questions", "learners", "first_tries", "first_try_accuracy", "solved_rate"]
    rows = []
    for row in items.itertuples(index=False):
        for tag in tags.get((row.module, row.item_id), ()):
            rows.append({"tag": tag, "item": (row.module, row.item_id), "learner": row.learner,
                         "first": bool(row.first_try_correct), "solved": bool(row.solved)})  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(rows)
    table = frame.groupby("tag").agg(
        questions=("item", "nunique"),
        learners=("learner", "nunique"),
        first_tries=("first", "size"),
        first_try_accuracy=("first", "mean"),
        solved_rate=("solved", "mean"),
    )
    table = table.reset_index().sort_values(["first_try_accuracy", "tag"], kind="stable")
    return table.reset_index(drop=True)[columns]


def _rollup(items: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The item table summed up per ``by`` (e.g. per module): the columns of :data:`SUMMARY_COLUMNS`."""
    if items.empty:
        return pd.DataFrame(columns=by + SUMMARY_COLUMNS)
    table = items.groupby(by, sort=True).agg(
        items=("item_id", "size"),
        attempts=("attempts", "sum"),
        first_try_correct=("first_try_correct", "sum"),
        solved=("solved", "sum"),
        best_score=("best_score", "mean"),
    )
    table["first_try_accuracy"] = table["first_try_correct"] / table["items"]
    table = table.reset_index()
    for column in ("items", "attempts", "first_try_correct", "solved"):
        table[column] = table[column].astype(int)
    table["first_try_accuracy"] = table["first_try_accuracy"].round(3)
    table["best_score"] = table["best_score"].round(3)
    return table[by + SUMMARY_COLUMNS]
