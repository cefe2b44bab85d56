"""Learner submissions for the grading tests, built from the solution notebooks: the same lab, done differently.

A submission is the solution notebook with some cells changed: ``replace(cell_with, new_source)`` swaps the
code of the cell that contains ``cell_with``; ``insert_after`` adds cells; ``drop`` removes a cell. Tests then
grade the file with ``grade_notebook`` and compare each step's status with what a fair instructor would give.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat

from workbook.checks.grade import grade_notebook

ROOT = Path(__file__).resolve().parents[3]


class Submission:
    """A notebook under construction: a copy of a solution (or an empty notebook) with cells changed."""

    def __init__(self, lab: str | None = None):
        if lab is None:
            self.notebook = nbformat.v4.new_notebook()
            self.notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        else:
            self.notebook = nbformat.read(ROOT / "solutions" / f"{lab}.solution.ipynb", as_version=4)

    def _index(self, fragment: str) -> int:
        hits = [i for i, c in enumerate(self.notebook.cells) if c.cell_type == "code" and fragment in c.source]
        assert len(hits) == 1, f"{len(hits)} code cells contain {fragment!r}"
        return hits[0]

    def replace(self, cell_with: str, source: str) -> Submission:
        """Give the code cell that contains ``cell_with`` the code ``source`` instead."""
        self.notebook.cells[self._index(cell_with)].source = textwrap.dedent(source).strip("\n")
        return self

    def edit(self, cell_with: str, old: str, new: str) -> Submission:
        """Replace ``old`` by ``new`` in the code cell that contains ``cell_with``."""
        cell = self.notebook.cells[self._index(cell_with)]
        assert old in cell.source, f"{old!r} is not in the cell"
        cell.source = cell.source.replace(old, new)
        return self

    def insert_after(self, cell_with: str, *sources: str) -> Submission:
        """Add code cells with ``sources`` right after the code cell that contains ``cell_with``."""
        at = self._index(cell_with) + 1
        for offset, source in enumerate(sources):
            self.notebook.cells.insert(at + offset, nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n")))
        return self

    def append(self, *sources: str) -> Submission:
        """Add code cells at the end."""
        for source in sources:
            self.notebook.cells.append(nbformat.v4.new_code_cell(textwrap.dedent(source).strip("\n")))
        return self

    def drop(self, cell_with: str) -> Submission:
        """Remove the code cell that contains ``cell_with``."""
        del self.notebook.cells[self._index(cell_with)]
        return self

    def number_of(self, cell_with: str) -> int:
        """The 1-based number the grader gives the code cell that contains ``cell_with``."""
        return self._index(cell_with) + 1

    def grade(self, folder: Path, name: str, **options) -> dict:
        """Write the notebook as ``folder/name.ipynb`` and grade it."""
        path = folder / f"{name}.ipynb"
        nbformat.write(self.notebook, path)
        return grade_notebook(path, **options)


def statuses(result: dict) -> dict[str, str]:
    """step id -> status of a grading result."""
    return {step["step"]: step["status"] for step in result["steps"]}


def feedback(result: dict, step: str) -> str:
    return next(s["feedback"] for s in result["steps"] if s["step"] == step)
