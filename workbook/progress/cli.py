"""`python -m workbook whoami | progress | report`: a learner's view of their own attempt log.

A path that cannot be used (``WORKBOOK_HOME`` is a file, ``--csv`` points into a read-only folder, …)
raises :class:`~workbook.errors.PathError`; ``python -m workbook`` prints its one line and exits with 2.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

import pandas as pd

from ..errors import path_error
from . import identity
from .log import attempts_and_problems, log_path
from .summary import attempts_frame, item_table, of_kind, summary


def whoami_main(argv: list[str]) -> int:
    """Show (or ``--set``) the name your attempts are recorded under."""
    parser = argparse.ArgumentParser(prog="python -m workbook whoami", description=whoami_main.__doc__)
    parser.add_argument("--set", metavar="NAME", dest="name", help='save your display name, e.g. --set "Ada"')
    args = parser.parse_args(argv)
    identity.check_home()
    if args.name is not None:
        try:
            path = identity.set_learner(args.name)
        except ValueError as exc:
            print(f"whoami: {exc}", file=sys.stderr)
            return 2
        print(f"Saved: your attempts are recorded as {identity.saved_name()!r} (in {path}).")
        name, source = identity.learner_and_source()
        if source == "WORKBOOK_LEARNER":
            print(f"Note: WORKBOOK_LEARNER={name!r} is set in this environment and takes precedence.")
        return 0
    name, source = identity.learner_and_source()
    print(f"{name}    (from {source})")
    return 0


def progress_main(argv: list[str]) -> int:
    """Your progress per module: items tried, attempts, first-try accuracy, solved."""
    parser = argparse.ArgumentParser(prog="python -m workbook progress", description=progress_main.__doc__)
    parser.add_argument("--module", help="show each question of this module, e.g. 02-handlers")
    parser.add_argument("--kind", choices=("quiz", "lab"), help="only quiz questions or only lab checks")
    parser.add_argument("--log", type=Path, help="read this attempt log instead of yours")
    args = parser.parse_args(argv)
    records = _read(args.log)
    if args.kind:
        records = of_kind(records, args.kind)
    path = args.log or log_path()
    if not records:
        print(f"No attempts recorded yet in {path}.")
        return 0
    print(f"Progress of {identity.learner()} ({len(records)} attempts in {path})\n")
    if args.module:
        table = item_table(r for r in records if r.get("module") == args.module)
        if table.empty:
            print(f"No attempts for module {args.module!r}.")
            return 1
        print(_text(table.drop(columns=["learner", "module"]).round(2)))
        return 0
    table = summary(records)
    table["first_try_accuracy"] = [f"{value:.0%}" for value in table["first_try_accuracy"]]
    print(_text(table))
    return 0


def report_main(argv: list[str]) -> int:
    """Export your attempts, one row each, as CSV (to a file with --csv, else to the screen)."""
    parser = argparse.ArgumentParser(prog="python -m workbook report", description=report_main.__doc__)
    parser.add_argument("--csv", type=Path, metavar="OUT", help="write the CSV to this file")
    parser.add_argument("--log", type=Path, help="read this attempt log instead of yours")
    args = parser.parse_args(argv)
    frame = attempts_frame(_read(args.log))
    if args.csv is None:
        try:
            frame.to_csv(sys.stdout, index=False)
        except BrokenPipeError:  # `report | head`
            sys.stdout = open(os.devnull, "w")  # so Python exits quietly
        return 0
    try:
        args.csv.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(args.csv, index=False)
    except OSError as exc:
        raise path_error(exc, args.csv, "write", "choose another file for --csv") from None
    print(f"Wrote {len(frame)} attempts to {args.csv}")
    return 0


def _read(path: Path | None) -> list[dict]:
    """The attempts in ``path`` (default: yours), with a warning on stderr about damaged lines."""
    if path is None:
        identity.check_home()
    elif not path.exists():
        missing = FileNotFoundError(errno.ENOENT, "No such file")
        raise path_error(missing, path, "read", "check the path given to --log")
    records, problems = attempts_and_problems(path)
    for problem in problems:
        print(f"warning: {problem}", file=sys.stderr)
    return records


def _text(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 200, "display.max_columns", None, "display.max_rows", None):
        return table.to_string(index=False)
