"""Instructors: run lab notebooks headless and grade their steps.

Each notebook runs top to bottom in a fresh kernel (so against a fresh sandbox, which the notebook
starts itself). Cell errors do not stop the run; they are reported. Then the lab's checks run in the
same kernel, where the sandbox and the learner's answers still live.

Command line::

    python -m workbook grade submissions/01-serverless-concepts-ada.ipynb labs/02-handlers.lab.ipynb
    python -m workbook grade --csv grades.csv submissions/*.ipynb

Prints one JSON document (a list, one entry per notebook) on stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import tempfile
from pathlib import Path

from . import registry

RESULT_MARKER = "WORKBOOK-GRADE-RESULT "
CSV_COLUMNS = ("notebook", "module", "step", "title", "status", "passed", "exercise", "feedback")


def not_graded(notebook: str | Path, module: str | None, error: str | None = None) -> dict:
    """A notebook's result before (or instead of) grading: no steps, score 0, and why when ``error``."""
    return {"notebook": str(notebook), "module": module, "score": 0.0, "passed": 0, "total": 0,
            "steps": [], "cell_errors": [], "error": error}  # fmt: skip


def _grading_cell_source(module: str) -> str:
    return (
        "from workbook import checks as _workbook_checks\n"
        f"print({RESULT_MARKER!r} + _workbook_checks.results_json({module!r}))"
    )


def grade_notebook(path: str | Path, *, module: str | None = None, timeout: int = 120) -> dict:
    """Execute the notebook at ``path`` in a fresh kernel and grade its lab's steps.

    Returns ``{"notebook", "module", "score", "passed", "total", "steps", "cell_errors", "error"}``;
    ``error`` is None when the notebook could be graded.

    Example::

        grade_notebook("solutions/01-serverless-concepts.solution.ipynb")["score"]   # 1.0
    """
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    result = not_graded(path, module)
    lab = registry.get_lab(module) if module else registry.lab_for_file(path.stem)
    if lab is None:
        result["error"] = f"cannot tell which lab {path.name} is; name it NN-slug.ipynb or pass --module"
        return result
    result["module"] = lab.module
    try:
        notebook = nbformat.read(path, as_version=4)
    except Exception as exc:
        result["error"] = f"cannot read the notebook: {exc}"
        return result

    notebook.cells.append(nbformat.v4.new_code_cell(_grading_cell_source(lab.module)))
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        interrupt_on_timeout=True,
        resources={"metadata": {"path": str(path.parent.resolve())}},
    )
    with tempfile.TemporaryDirectory(prefix="workbook-grade-") as scratch:
        # The learner's check cells record progress; keep that out of the instructor's own log.
        env = {**os.environ, "WORKBOOK_HOME": scratch}
        try:
            client.execute(env=env)
        except Exception as exc:
            result["error"] = f"the notebook did not run to the end: {exc.__class__.__name__}: {exc}"

    *learner_cells, grading_cell = notebook.cells
    result["cell_errors"] = _cell_errors(learner_cells)
    report = _report_from(grading_cell)
    if report is None:
        result["error"] = result["error"] or "the checks did not run after the notebook (did the kernel die?)"
        return result
    result.update({key: report[key] for key in ("score", "passed", "total", "steps")})
    return result


def _cell_errors(cells) -> list[dict]:
    errors = []
    for number, cell in enumerate(cells, start=1):
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            if output.get("output_type") == "error":
                errors.append({"cell": number, "error": f"{output.get('ename')}: {output.get('evalue')}"})
    return errors


def _report_from(cell) -> dict | None:
    for output in cell.get("outputs", []):
        for line in str(output.get("text", "")).splitlines():
            if line.startswith(RESULT_MARKER):
                return json.loads(line[len(RESULT_MARKER) :])
    return None


def write_csv(results: list[dict], target: str | Path) -> None:
    """One row per notebook and step (a notebook that could not be graded gets one row with its error)."""
    with open(target, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for result in results:
            where = {"notebook": result["notebook"], "module": result["module"]}
            if not result["steps"]:
                not_graded = {"status": "not graded", "passed": False, "feedback": result["error"]}
                writer.writerow({**where, **not_graded})
            for step in result["steps"]:
                writer.writerow({**{key: step.get(key) for key in CSV_COLUMNS}, **where})


def main(argv: list[str] | None = None) -> int:
    """Grade each notebook named in ``argv``; 0 when every one could be graded, 1 otherwise."""
    parser = argparse.ArgumentParser(
        prog="python -m workbook grade",
        description="Execute lab notebooks in fresh kernels and grade their steps (JSON on stdout).",
    )
    parser.add_argument("notebooks", nargs="+", type=Path, help="lab notebooks, e.g. labs/02-handlers.lab.ipynb")
    parser.add_argument("--csv", type=Path, help="also write one row per step to this CSV file")
    parser.add_argument("--module", help="grade as this lab (default: from each file name, e.g. 02-handlers)")
    parser.add_argument("--timeout", type=int, default=120, help="seconds per cell before it is interrupted")
    args = parser.parse_args(argv)

    if args.module:
        try:
            registry.get_lab(args.module)
        except registry.UnknownLab as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    results = []
    for notebook in args.notebooks:
        print(f"grading {notebook} …", file=sys.stderr, flush=True)
        if not notebook.is_file():
            result = not_graded(notebook, args.module, "no such file")
        else:
            result = grade_notebook(notebook, module=args.module, timeout=args.timeout)
        summary = result["error"] or f"{result['passed']}/{result['total']} steps pass"
        print(f"  {summary}", file=sys.stderr, flush=True)
        results.append(result)

    print(json.dumps(results, indent=2, ensure_ascii=False))
    if args.csv:
        write_csv(results, args.csv)
        print(f"wrote {args.csv}", file=sys.stderr)
    return 0 if all(r["error"] is None for r in results) else 1
