"""Markdown cells as JupyterLab renders them: no text turned into maths, Mermaid that parses, labels that fit.

The rules and why they hold are in `jupyter_markdown.py`; `make e2e` checks the same in a real browser.
"""

from __future__ import annotations

import nbformat
import pytest

from workbook.authoring.clean import find_notebooks
from workbook.authoring.layout import NOTEBOOK_DIRS, repo_root

from .jupyter_markdown import bare_dollars, find_math, mermaid_blocks, mermaid_problems

ROOT = repo_root()
NOTEBOOKS = find_notebooks([ROOT / d for d in NOTEBOOK_DIRS if (ROOT / d).is_dir()])
IDS = [str(path.relative_to(ROOT)) for path in NOTEBOOKS]


def markdown_cells(notebook):
    """(index, source) of every Markdown cell of ``notebook``."""
    cells = nbformat.read(notebook, as_version=4).cells
    return [(index, cell.source) for index, cell in enumerate(cells) if cell.cell_type == "markdown"]


def test_the_lessons_diagrams_are_among_those_checked():
    """Do the checks see the course's diagrams (so they cannot pass vacuously)?"""
    lesson = ROOT / "notebooks" / "01-serverless-concepts.ipynb"
    assert len([d for _, source in markdown_cells(lesson) for d in mermaid_blocks(source)]) >= 2


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_no_markdown_is_typeset_as_maths(notebook):
    """Does no Markdown cell hold text that JupyterLab takes out as LaTeX ($…$, $$…$$, \\(…\\), \\begin)?"""
    found = [
        f"cell {index}: {piece!r}"
        for index, source in markdown_cells(notebook)
        for piece in find_math(source)
    ]
    assert not found, "typeset as maths in JupyterLab; write a dollar as \\\\$ — " + "; ".join(found)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_every_dollar_outside_code_is_escaped_twice(notebook):
    """Is every $ outside code written \\\\$, the only form that is still a dollar after MathJax runs?"""
    found = [
        f"cell {index}: {text!r}"
        for index, source in markdown_cells(notebook)
        for text in bare_dollars(source)
    ]
    assert not found, "write each dollar as \\\\$ (\\$ becomes a bare $ before MathJax) — " + "; ".join(found)


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=IDS)
def test_every_diagram_parses_without_clipped_labels(notebook):
    """Does every Mermaid block parse, with no HTML but <br/> in its labels?"""
    problems = [
        f"cell {index}: {problem}"
        for index, source in markdown_cells(notebook)
        for diagram in mermaid_blocks(source)
        for problem in mermaid_problems(diagram)
    ]
    assert not problems, "\n".join(problems)


# --- the checks themselves, on the cases the browser found ------------------------------------------


def test_prices_in_two_table_rows_are_maths():
    """Is a price in each of two table rows one formula to JupyterLab (lesson 01's pricing table)?"""
    table = "| Part | Price |\n|---|---|\n| Requests | $0.20 per million |\n| Duration | $0.0000166667 |"
    assert find_math(table) == ["$0.20 per million |\n| Duration | $"]


def test_a_blank_line_or_code_stops_the_maths():
    """Do a paragraph break and code spans or blocks keep dollars apart, as in JupyterLab?"""
    assert find_math("costs $1\n\nand $2") == []
    assert find_math("`$HOME` and `$PATH`") == []
    assert find_math("```bash\necho $HOME\necho $PATH\n```") == []


def test_a_single_backslash_is_not_enough():
    """Is \\$ reported (marked makes it a bare $ that MathJax pairs), and \\\\$ accepted?"""
    once, twice = r"costs \$0.20 and \$0.30", r"costs \\$0.20 and \\$0.30"
    assert find_math(once) == [] and len(bare_dollars(once)) == 2
    assert find_math(twice) == [] and bare_dollars(twice) == []


def test_code_in_a_diagram_label_is_reported():
    """Is <code> in a Mermaid label reported (lesson 02's first diagram clipped 'Handler settin…')?"""
    diagram = 'flowchart LR\n    H["Handler setting<br/><code>orders.process</code>"] --> M["module"]'
    assert mermaid_problems(diagram) == [
        "line 2 has HTML <code> in a label; only <br/> keeps its size (Mermaid sizes before styling)"
    ]


@pytest.mark.parametrize(
    "diagram",
    [
        "flowchart LR\n    A[call f(x)] --> B",  # parentheses need a quoted label
        'flowchart LR\n    A["a"] -> B',  # not a flowchart arrow
        "sequenceDiagram\n    A->>B: first; second",  # a ; ends the message
        "pie\n    title Pets",  # a kind of diagram the course does not use
    ],
)
def test_mermaid_mistakes_are_reported(diagram):
    """Are a label with parentheses, a wrong arrow, a ; in a message and an unknown diagram reported?"""
    assert mermaid_problems(diagram)


def test_the_course_diagram_forms_parse():
    """Do the flowchart and sequence forms the lessons use parse?"""
    flowchart = (
        'flowchart TD\n    A["x"] --> B{"y?"}\n    B -- yes --> C[["queue"]]\n    B -->|"no"| D{{"bus"}}\n'
        '    C -.-> D\n    S["a"] --> Y["b"] --> E["c"]'
    )
    sequence = (
        "sequenceDiagram\n    participant C as Caller\n    C->>L: Invoke\n    L-->>C: 200 + payload\n"
        "    Note over C,L: Synchronous (RequestResponse)\n    L->>L: poller reads a batch"
    )
    assert mermaid_problems(flowchart) == [] and mermaid_problems(sequence) == []
