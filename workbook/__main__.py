"""`python -m workbook <command>`: the workbook's command line.

Each command lives in its own module and exposes ``main(argv: list[str]) -> int``;
this file only maps names to modules, so `python -m workbook --help` stays fast.

A mistake the learner can fix (a :class:`~workbook.errors.WorkbookError`, or a path that cannot be
read or written) is one line on stderr, ``<command>: <what is wrong; what to do>``, and exit status 2:
never a traceback.
"""

from __future__ import annotations

import importlib
import sys

from .errors import WorkbookError, describe

COMMANDS = {
    "doctor": (
        "workbook.doctor",
        "check this laptop: Python, packages, a sandbox start, no real credentials",
    ),
    "clean": ("workbook.authoring.clean", "strip outputs and widget state from notebooks"),
    "labs": ("workbook.authoring.labs", "regenerate labs/ from solutions/ (or --check for drift)"),
    "whoami": ("workbook.progress.cli", "show or set the name your progress is recorded under"),
    "progress": ("workbook.progress.cli", "your progress per module"),
    "report": ("workbook.progress.cli", "export your attempts (one row each) as CSV"),
    "gradebook": (
        "workbook.progress.gradebook",
        "instructors: merge learners' attempt logs into tables and a plot",
    ),
    "grade": ("workbook.checks.grade", "instructors: execute lab notebooks headless and grade their steps"),
}


def _usage() -> str:
    width = max(map(len, COMMANDS))
    lines = ["usage: python -m workbook <command> [options]", "", "commands:"]
    lines += [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the command named first in ``argv`` with the rest; its exit status."""
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(_usage())
        return 0
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"unknown command {name!r}\n\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(COMMANDS[name][0])
    entry = getattr(module, f"{name}_main", None) or module.main
    try:
        return int(entry(rest) or 0)
    except WorkbookError as exc:
        return _fail(name, str(exc))
    except OSError as exc:  # a path given to (or used by) the command that cannot be read or written
        return _fail(name, describe(exc))
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return 130


def _fail(name: str, message: str) -> int:
    print(f"{name}: {message}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
