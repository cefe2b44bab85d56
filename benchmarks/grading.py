"""Measure what grading costs: each solution notebook executed alone vs. graded by `workbook grade`.

Run with ``.venv/bin/python benchmarks/grading.py [--rounds N] [NOTEBOOK ...]`` (default: every solution,
3 rounds). For each notebook and round it times, in this process and alternating the two so both see the
same machine load:

- **execute**: the notebook run top to bottom by nbclient in a fresh kernel, which starts its own sandbox
  (what ``pytest --nbval-lax`` and a learner's "Run All" do);
- **grade**: ``workbook.checks.grade.grade_notebook`` on the same file: a fresh kernel attached to this
  process's sandbox, and the lab's checks run here after every cell that changed something.

It prints the medians, their ratio (target ≤ 1.5×), and the score each grading gave (1.0 expected).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TARGET = 1.5


def execute(path: Path) -> float:
    """Seconds to run ``path`` top to bottom in a fresh kernel, as nbclient does it."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
    env = {name: value for name, value in os.environ.items() if not name.startswith("WORKBOOK_SANDBOX_")}
    with tempfile.TemporaryDirectory() as home:
        started = time.perf_counter()
        client.execute(env={**env, "WORKBOOK_HOME": home})
        return time.perf_counter() - started


def grade(path: Path) -> tuple[float, float]:
    """Seconds to grade ``path``, and the score it got."""
    from workbook.checks.grade import grade_notebook

    started = time.perf_counter()
    result = grade_notebook(path)
    return time.perf_counter() - started, result["score"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))

    from workbook import sandbox

    sandbox.start()  # the grader's sandbox, started once: the command starts it once
    rows = []
    for path in notebooks:
        executed, graded, scores = [], [], []
        for _ in range(args.rounds):
            executed.append(execute(path))
            seconds, score = grade(path)
            graded.append(seconds)
            scores.append(score)
        ratio = statistics.median(graded) / statistics.median(executed)
        rows.append((path.name, statistics.median(executed), statistics.median(graded), ratio, scores))
        print(f"{path.name}: execute {executed}, grade {graded}", file=sys.stderr, flush=True)

    print(f"| Notebook | execute alone | graded | ratio (target ≤ {TARGET}×) | scores |")
    print("|---|---|---|---|---|")
    for name, executed, graded, ratio, scores in rows:
        flag = "met" if ratio <= TARGET else "NOT met"
        scored = ", ".join(map(str, scores))
        print(f"| {name} | {executed:.1f} s | {graded:.1f} s | {ratio:.2f}× {flag} | {scored} |")
    return 0 if all(row[3] <= TARGET for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
