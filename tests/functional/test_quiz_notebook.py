"""A notebook that ends in quiz.show(...) executes headless (nbclient), without blocking."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

FIXTURES = Path(__file__).parents[1] / "fixtures" / "quizzes"


@pytest.mark.slow
def test_notebook_with_a_quiz_executes(tmp_path, monkeypatch):
    """Does a notebook ending in quiz.show(...) run to the end and output the quiz widget?"""
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path / "home"))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("## Knowledge check"),
        nbformat.v4.new_code_cell("from workbook import quiz"),
        nbformat.v4.new_code_cell(f"quiz.show('90-sample', bank_dir={str(FIXTURES)!r})"),
    ]
    path = tmp_path / "quiz.ipynb"
    nbformat.write(notebook, path)
    client = NotebookClient(  # the kernel inherits os.environ, so WORKBOOK_HOME too
        nbformat.read(path, as_version=4),
        timeout=120,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    executed = client.execute()
    outputs = executed.cells[-1].outputs
    assert outputs and "application/vnd.jupyter.widget-view+json" in outputs[0]["data"]
    assert not (tmp_path / "home" / "attempts.jsonl").exists()  # showing is not answering
