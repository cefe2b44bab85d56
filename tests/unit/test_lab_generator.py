"""The lab generator: solution regions become starters, and --check catches drift."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbook.authoring import labs
from workbook.authoring.labs import MarkerError, strip_solutions

HANDLER_SOLUTION = """\
import json

def handler(event, context):
    ### BEGIN SOLUTION
    # STARTER: # YOUR CODE HERE: return the order's total
    # STARTER: return None
    return sum(item["price"] for item in event["items"])
    ### END SOLUTION
"""


def solution_notebook(*cells) -> nbformat.NotebookNode:
    return new_notebook(
        cells=list(cells), metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}}
    )


@pytest.fixture
def course(tmp_path):
    """A tiny course: solutions/02-handlers.solution.ipynb with every kind of region, an empty labs/."""
    solutions, lab_dir = tmp_path / "solutions", tmp_path / "labs"
    solutions.mkdir()
    lab_dir.mkdir()
    nb = solution_notebook(
        new_markdown_cell("# Lab 02 · Handlers", id="title"),
        new_code_cell(HANDLER_SOLUTION, id="handler"),
        new_code_cell("### BEGIN SOLUTION\nFUNCTION_NAME = 'orders'\n### END SOLUTION", id="no-starter"),
        new_code_cell("print('worked example')", id="hidden", metadata={"tags": ["solution-only"]}),
        new_markdown_cell(
            "Why init outside the handler?\n"
            "<!-- BEGIN SOLUTION -->\nWarm starts reuse it.\n<!-- END SOLUTION -->",
            id="answer",
        ),
        new_code_cell(
            "checks.run('02-handlers')",
            id="checks",
            execution_count=3,
            outputs=[new_output("stream", name="stdout", text="ok\n")],
            metadata={"tags": ["checks"], "collapsed": True},
        ),
    )
    nbformat.write(nb, solutions / "02-handlers.solution.ipynb")
    return tmp_path


def generate(course) -> nbformat.NotebookNode:
    labs.write_labs(course / "solutions", course / "labs")
    return nbformat.read(course / "labs" / "02-handlers.lab.ipynb", as_version=4)


def cell(lab, cell_id):
    return next(c for c in lab.cells if c.id == cell_id)


# --- regions and starters -----------------------------------------------------------------------------


def test_a_region_becomes_its_starter_lines():
    """Are the `# STARTER: ` lines kept (prefix removed) and everything else in the region dropped?"""
    source = "x = 1\n### BEGIN SOLUTION\n# STARTER: y = None\ny = compute()\n### END SOLUTION\nprint(y)"
    assert strip_solutions(source) == "x = 1\ny = None\nprint(y)"


def test_starter_lines_keep_their_indentation():
    """Does an indented region give an indented starter, so the function body stays valid Python?"""
    lab = strip_solutions(HANDLER_SOLUTION)
    assert "    # YOUR CODE HERE: return the order's total\n    return None\n" in lab
    compile(lab, "lab", "exec")


def test_a_region_without_starter_becomes_your_code_here_and_pass():
    """Does a region with no starter lines become `# YOUR CODE HERE` + `pass` at the marker's indentation?"""
    source = "def f():\n    ### BEGIN SOLUTION\n    return 42\n    ### END SOLUTION"
    assert strip_solutions(source) == "def f():\n    # YOUR CODE HERE\n    pass"


def test_an_empty_starter_line_becomes_a_blank_line():
    """Does a bare `# STARTER:` give an empty line (for spacing inside a starter)?"""
    source = "### BEGIN SOLUTION\n# STARTER: a = 1\n# STARTER:\n# STARTER: b = 2\n### END SOLUTION"
    assert strip_solutions(source) == "a = 1\n\nb = 2"


def test_several_regions_in_one_cell_are_each_replaced():
    """Are two regions in one cell replaced independently, the code between them kept?"""
    region = "### BEGIN SOLUTION\n{}\n### END SOLUTION"
    source = region.format("a = 1") + "\nkeep = True\n" + region.format("b = 2")
    assert strip_solutions(source) == "# YOUR CODE HERE\npass\nkeep = True\n# YOUR CODE HERE\npass"


def test_markdown_regions_use_html_comments_and_hide_the_answer():
    """Does a Markdown region between `<!-- BEGIN/END SOLUTION -->` become its `<!-- STARTER: -->` text?"""
    source = (
        "Question?\n<!-- BEGIN SOLUTION -->\n<!-- STARTER: *Write your answer here.* -->\n"
        "The answer.\n<!-- END SOLUTION -->"
    )
    assert strip_solutions(source, "markdown") == "Question?\n*Write your answer here.*"


def test_markdown_regions_without_starter_get_a_placeholder():
    """Does a Markdown region with no starter become `*Your answer here.*`?"""
    source = "Question?\n### BEGIN SOLUTION\nThe answer.\n### END SOLUTION"
    assert strip_solutions(source, "markdown") == "Question?\n*Your answer here.*"


def test_a_cell_without_markers_is_copied_as_is():
    """Is a cell with no region left exactly as written?"""
    source = "import boto3\nlam = sb.client('lambda')\n"
    assert strip_solutions(source) == source


# --- unbalanced and misspelt markers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "source, line, problem",
    [
        ("a = 1\n### BEGIN SOLUTION\nb = 2", 2, "without an END SOLUTION"),
        ("a = 1\n### END SOLUTION", 2, "without a BEGIN SOLUTION"),
        ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", 2, "inside the region"),
        ("### BEGIN SOLUTION\nx = 1\n## END SOLUTION\n### END SOLUTION", 3, "looks like a solution marker"),
        ("# STARTER: x = 1", 1, "looks like a solution marker"),
    ],
    ids=["begin-without-end", "end-without-begin", "nested-begin", "misspelt-end", "starter-outside-region"],
)
def test_malformed_markers_are_errors_naming_the_line(source, line, problem):
    """Is every unbalanced or misspelt marker an error naming the line, so no solution leaks into a lab?"""
    with pytest.raises(MarkerError, match=rf"^line {line}: .*{problem}"):
        strip_solutions(source)


def test_marker_errors_name_the_file_and_the_cell(course):
    """Does an unbalanced marker in a solution notebook report the file, the cell number and the line?"""
    path = course / "solutions" / "03-context.solution.ipynb"
    nbformat.write(
        solution_notebook(new_markdown_cell("# Lab"), new_code_cell("x = 1\n### BEGIN SOLUTION")), path
    )
    with pytest.raises(MarkerError, match=r"03-context\.solution\.ipynb, cell 2, line 2: BEGIN SOLUTION without"):
        labs.generate_lab(path)


def test_the_command_reports_marker_errors_without_a_traceback(course, capsys):
    """Does `python -m workbook labs` print the marker error on one line and exit 1?"""
    path = course / "solutions" / "03-context.solution.ipynb"
    nbformat.write(solution_notebook(new_code_cell("### END SOLUTION")), path)
    args = ["--solutions", str(course / "solutions"), "--labs", str(course / "labs")]
    assert labs.main(args) == 1
    assert "03-context.solution.ipynb, cell 1, line 1" in capsys.readouterr().err


# --- the generated notebook ---------------------------------------------------------------------------


def test_the_lab_starts_with_a_generated_notice_naming_its_source(course):
    """Is the first cell a Markdown notice: generated, from which solution, don't edit, `make labs`?"""
    first = generate(course).cells[0]
    assert first.cell_type == "markdown"
    assert "generated from `solutions/02-handlers.solution.ipynb`" in first.source
    assert "Do not edit" in first.source
    assert "make labs" in first.source


def test_the_lab_contains_the_starter_not_the_solution(course):
    """Does the handler cell in the lab hold the starter and none of the solution code?"""
    source = cell(generate(course), "handler").source
    assert "return None" in source
    assert "sum(item" not in source
    assert "SOLUTION" not in source and "STARTER" not in source


def test_cells_tagged_solution_only_are_left_out(course):
    """Is a cell tagged `solution-only` missing from the lab?"""
    assert "hidden" not in [c.id for c in generate(course).cells]


def test_markdown_answers_are_hidden_in_the_lab(course):
    """Is a worked answer in a Markdown region replaced by the placeholder?"""
    assert cell(generate(course), "answer").source == "Why init outside the handler?\n*Your answer here.*"


def test_the_lab_is_clean(course):
    """Is the generated lab free of outputs, counts and editor metadata (cell tags kept)?"""
    checks_cell = cell(generate(course), "checks")
    assert checks_cell.outputs == [] and checks_cell.execution_count is None
    assert checks_cell.metadata == {"tags": ["checks"]}


def test_every_lab_cell_is_valid_python(course):
    """Does every code cell of the generated lab compile, so the lab runs top to bottom?"""
    code_cells = [cell for cell in generate(course).cells if cell.cell_type == "code"]
    assert code_cells
    for code_cell in code_cells:
        compile(code_cell.source, code_cell.id, "exec")  # raises SyntaxError when a cell does not


def test_the_generator_never_modifies_its_source(course):
    """Are the solution's bytes and modification time unchanged after generating?"""
    source = course / "solutions" / "02-handlers.solution.ipynb"
    before, mtime = source.read_bytes(), source.stat().st_mtime_ns
    generate(course)
    assert source.read_bytes() == before
    assert source.stat().st_mtime_ns == mtime


def test_generating_twice_gives_identical_bytes(course):
    """Is generation deterministic: a second run writes nothing and the bytes are the same?"""
    generate(course)
    first = (course / "labs" / "02-handlers.lab.ipynb").read_bytes()
    assert labs.write_labs(course / "solutions", course / "labs") == []
    assert (course / "labs" / "02-handlers.lab.ipynb").read_bytes() == first


def test_a_lab_whose_solution_is_gone_is_removed(course):
    """Does regenerating remove labs/NN-slug.lab.ipynb when solutions/NN-slug.solution.ipynb no longer exists?"""
    stale = course / "labs" / "05-execution-environment.lab.ipynb"
    nbformat.write(new_notebook(), stale)
    generate(course)
    assert not stale.exists()


def ran_lab(course) -> Path:
    """The generated lab after someone ran it and typed an answer: it has outputs now."""
    lab_path = course / "labs" / "02-handlers.lab.ipynb"
    lab = generate(course)
    lab.cells[1].source = "def handler(event, context):\n    return 42  # my answer"
    lab.cells[1].outputs = [new_output("stream", name="stdout", text="ok\n")]
    nbformat.write(lab, lab_path)
    return lab_path


def test_a_lab_someone_ran_is_not_overwritten(course):
    """Does regenerating refuse (writing nothing) when a lab to replace has outputs, i.e. may hold work?"""
    lab_path = ran_lab(course)
    before = lab_path.read_bytes()
    with pytest.raises(labs.WorkInLab, match="02-handlers.lab.ipynb"):
        labs.write_labs(course / "solutions", course / "labs")
    assert lab_path.read_bytes() == before


def test_force_overwrites_a_lab_someone_ran(course):
    """With force (`--force`), is a lab with outputs regenerated anyway?"""
    lab_path = ran_lab(course)
    labs.write_labs(course / "solutions", course / "labs", force=True)
    assert "my answer" not in lab_path.read_text()


# --- --check ------------------------------------------------------------------------------------------


def check(course) -> int:
    return labs.main(["--check", "--solutions", str(course / "solutions"), "--labs", str(course / "labs")])


def test_check_passes_when_labs_match(course, capsys):
    """Does `labs --check` exit 0 right after generating?"""
    generate(course)
    assert check(course) == 0


def test_check_fails_on_a_hand_edited_lab_naming_make_labs(course, capsys):
    """Does `labs --check` exit 1 naming the edited lab and `make labs` when a lab was edited by hand?"""
    lab = generate(course)
    lab.cells[1].source += "\n# edited by hand"
    nbformat.write(lab, course / "labs" / "02-handlers.lab.ipynb")
    capsys.readouterr()
    assert check(course) == 1
    out = capsys.readouterr().out
    assert "02-handlers.lab.ipynb differs" in out
    assert "make labs" in out


def test_check_fails_on_a_missing_lab(course, capsys):
    """Does `labs --check` report a solution whose lab was never generated?"""
    assert check(course) == 1
    assert "02-handlers.lab.ipynb is missing" in capsys.readouterr().out


def test_check_fails_on_an_extra_lab(course, capsys):
    """Does `labs --check` report a lab that has no solution?"""
    generate(course)
    nbformat.write(new_notebook(), course / "labs" / "07-packaging-configuration.lab.ipynb")
    capsys.readouterr()
    assert check(course) == 1
    assert "07-packaging-configuration.lab.ipynb has no solution" in capsys.readouterr().out


def test_check_writes_nothing(course):
    """Does `labs --check` leave labs/ and solutions/ exactly as they were?"""
    before = sorted(p.name for p in (course / "labs").iterdir())
    check(course)
    assert sorted(p.name for p in (course / "labs").iterdir()) == before
