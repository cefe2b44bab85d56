"""`python -m workbook grade`: notebooks run headless in fresh kernels attached to the grader's sandbox."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import nbformat
import pytest

from workbook.__main__ import main as workbook_main
from workbook.checks import grade

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]-*.ipynb"))
LABS = sorted((ROOT / "labs").glob("[0-9][0-9]-*.ipynb"))

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("notebook", SOLUTIONS, ids=lambda p: p.stem)
def test_every_solution_grades_full_marks(notebook):
    """Does each solution notebook run without a cell error and pass every step of its lab?"""
    result = grade.grade_notebook(notebook)
    assert result["error"] is None
    assert result["cell_errors"] == []
    failing = {s["step"]: s["feedback"] for s in result["steps"] if s["exercise"] and not s["passed"]}
    assert failing == {}
    assert result["score"] == 1.0 and result["total"] > 0


@pytest.mark.parametrize("notebook", LABS, ids=lambda p: p.stem)
def test_every_generated_lab_runs_and_grades_zero(notebook):
    """Does each starter lab run top to bottom without a cell error and pass none of its exercise steps?"""
    result = grade.grade_notebook(notebook)
    assert result["error"] is None
    assert result["cell_errors"] == []
    assert [s["step"] for s in result["steps"] if s["exercise"] and s["passed"]] == []
    assert all(s["status"] != "error" for s in result["steps"]), result["steps"]
    assert result["score"] == 0.0


def write_notebook(path: Path, *sources: str) -> Path:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, path)
    return path


def test_a_cell_error_is_reported_and_grading_goes_on(tmp_path):
    """Does a learner's failing cell show up in cell_errors while every step is still graded?"""
    notebook = write_notebook(
        tmp_path / "01-serverless-concepts-ada.ipynb",
        "from workbook import sandbox\nsb = sandbox.start()",
        "1 / 0",
    )
    result = grade.grade_notebook(notebook)
    assert result["module"] == "01-serverless-concepts"
    assert result["cell_errors"] == [{"cell": 2, "error": "ZeroDivisionError: division by zero"}]
    assert [s["status"] for s in result["steps"]] == ["not_attempted"] * 4


def test_a_cell_that_hangs_is_interrupted_after_the_timeout(tmp_path):
    """Does a cell that runs too long get interrupted, reported as a timeout, and the rest still run and graded?"""
    notebook = write_notebook(tmp_path / "01-serverless-concepts.ipynb", "import time\ntime.sleep(60)", "x = 1")
    result = grade.grade_notebook(notebook, timeout=3)
    assert result["error"] is None and result["stopped"] is None
    assert result["cell_errors"] == [{"cell": 1, "error": "cell 1 timed out after 3 s"}]
    assert len(result["steps"]) == 4


def test_a_cell_that_ignores_the_interrupt_ends_the_run_with_a_reason(tmp_path):
    """Does a cell that keeps running after the timeout's interrupt end the run, saying which cell and why?"""
    stubborn = "import signal, time\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ntime.sleep(40)"
    notebook = write_notebook(tmp_path / "01-serverless-concepts.ipynb", stubborn, "x = 1")
    result = grade.grade_notebook(notebook, timeout=2)
    assert result["error"] is None
    assert "cell 1 timed out after 2 s and did not stop" in result["stopped"]
    assert len(result["steps"]) == 4


def test_the_command_prints_json_and_writes_csv(tmp_path, capsys):
    """Does `python -m workbook grade --csv` print a JSON list and write one CSV row per step?"""
    notebook = write_notebook(tmp_path / "01-serverless-concepts.ipynb", "x = 1")
    target = tmp_path / "grades.csv"
    assert workbook_main(["grade", str(notebook), "--csv", str(target)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert [r["module"] for r in printed] == ["01-serverless-concepts"]
    rows = list(csv.DictReader(target.open()))
    assert [r["step"] for r in rows] == ["role", "deploy", "invoke", "report"]
    assert rows[0]["notebook"] == str(notebook) and "cell" in rows[0]


def test_a_file_name_without_a_lab_is_an_error_not_a_crash(tmp_path, capsys):
    """Does a notebook whose name matches no lab get an error entry and exit code 1?"""
    notebook = write_notebook(tmp_path / "homework.ipynb", "x = 1")
    assert workbook_main(["grade", str(notebook)]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert "--module" in printed[0]["error"]


def test_a_missing_notebook_is_reported_as_not_graded(tmp_path, capsys):
    """Does a path that is not a file get an entry saying "no such file", with exit code 1?"""
    assert workbook_main(["grade", str(tmp_path / "01-serverless-concepts.ipynb")]) == 1
    printed = json.loads(capsys.readouterr().out)
    assert (printed[0]["error"], printed[0]["steps"], printed[0]["score"]) == ("no such file", [], 0.0)


def test_module_can_be_given_for_any_file_name(tmp_path, capsys):
    """Does --module grade a notebook whatever it is called?"""
    notebook = write_notebook(tmp_path / "homework.ipynb", "x = 1")
    assert workbook_main(["grade", "--module", "01-serverless-concepts", str(notebook)]) == 0
    assert json.loads(capsys.readouterr().out)[0]["total"] == 4
