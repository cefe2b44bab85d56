"""The course as a learner sees it: every lesson and lab opened in JupyterLab, in headless Chromium, and run.

What no kernel-side test can see: error outputs, widgets left as "Loading widget…" or as their text repr,
Mermaid blocks left as code or with clipped labels, Markdown typeset as maths by accident; and, through
the page, a quiz answer and a lab check reaching the learner's progress log. Screenshots of every
notebook go to e2e-screenshots/<notebook>/, for a person to look at.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import urllib.parse

import pytest

from .lab_server import PYTHON, ROOT, LabServer
from .notebook_page import NotebookPage, QuizCard, clipped_labels

LESSONS = sorted(path.stem for path in (ROOT / "notebooks").glob("[0-9][0-9]-*.ipynb"))
LABS = sorted(path.name.removesuffix(".lab.ipynb") for path in (ROOT / "labs").glob("[0-9][0-9]-*.lab.ipynb"))
# The kind of question each lesson's quiz is answered with in the browser: one of each kind of input.
QUIZ_TYPES = {
    "01-serverless-concepts": "single",
    "02-handlers": "matching",
    "03-context": "short_answer",
    "04-logging-monitoring": "multiple",
}
# What the page a lesson's own API serves (shown in an IFrame) must show once the lesson has run: an entry
# the notebook created.
PAGES_SHOW = {"10-capstone-web-api": "Ada Lovelace"}


def notebook_url(lab: LabServer, path: str) -> str:
    """The notebook's URL in a workspace of its own, so that no other notebook is open beside it."""
    workspace = re.sub(r"[^a-z0-9]+", "-", path.removesuffix(".ipynb"))  # a workspace name has no dots
    return f"{lab.base_url}/lab/workspaces/e2e-{workspace}/tree/{urllib.parse.quote(path)}?token={lab.token}"


def rendering_problems(notebook: NotebookPage, context) -> list[str]:
    """Everything in the page a learner would take for a fault."""
    problems = [f"error output: {text[:400]}" for text in notebook.error_outputs()]
    problems += [f"widget not drawn: {text}" for text in notebook.wait_for_widgets()]
    problems += [f"widget shown as its text repr: {text}" for text in notebook.widget_reprs()]
    problems += [f"diagram: {problem}" for problem in notebook.wait_for_diagrams()]
    problems += [f"Markdown typeset as maths: {text[:80]!r}" for text in notebook.maths()]
    images = notebook.diagram_images()
    if images:
        viewer = context.new_page()
        try:
            for number, url in enumerate(images, start=1):
                problems += [
                    f"diagram {number}: label cut off: {text!r}" for text in clipped_labels(viewer, url)
                ]
        finally:
            viewer.close()
    return problems


def served_page_problems(notebook: NotebookPage, context, expected: str) -> list[str]:
    """Open the page the lesson's last IFrame shows in a tab of its own, as a learner opening API_URL would;
    the problems seen (``expected`` is text the page must show)."""
    frames = notebook.panel.locator(".jp-OutputArea-output iframe")
    sources = frames.evaluate_all("frames => frames.map(f => f.src)")
    if not sources:
        return ["no IFrame output: the page the lesson's API serves is not shown"]
    tab = context.new_page()
    try:
        answer = tab.goto(sources[-1], timeout=30_000)
        text = tab.locator("body").inner_text(timeout=30_000)
    finally:
        tab.close()
    if answer is None or answer.status != 200:
        return [f"the page at {sources[-1]} answered {answer and answer.status}"]
    if expected not in text:
        return [f"the page at {sources[-1]} does not show {expected!r}: {text[:300]!r}"]
    return []


def answer_wrongly_then_rightly(notebook: NotebookPage, lab: LabServer, module: str) -> list[str]:
    """Answer one question of the lesson's quiz wrongly, then (after Try again) rightly; the problems seen."""
    question_type = QUIZ_TYPES.get(module, "single")
    planned = subprocess.run(
        [str(PYTHON), "tests/e2e/quiz_plan.py", module, question_type],
        cwd=ROOT, env=lab.env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    card = QuizCard(notebook, plan["card"])
    problems = []
    if plan["type"] == "matching":
        rows = card.drop_down_state()
        if not rows or any(shown != "choose…" for shown, _ in rows):
            problems.append(f"matching drop-downs do not start on 'choose…': {rows}")
        if any(offset > 4 for _, offset in rows):
            problems.append(f"matching labels not level with their drop-downs (px off): {rows}")
    card.give(plan["wrong"])
    shown = card.submit("❌ Not yet")
    if plan["wrong_feedback"] not in shown:
        problems.append(
            f"the wrong answer's feedback {plan['wrong_feedback']!r} is not shown: {shown[-600:]!r}"
        )
    card.try_again()
    card.give(plan["right"])
    card.submit("✅ Correct")
    attempts = [
        row for row in csv.DictReader(io.StringIO(lab.workbook("report")))
        if (row["module"], row["item_id"]) == (module, plan["id"])
    ]  # fmt: skip
    if [row["correct"] for row in attempts] != ["False", "True"]:
        problems.append(
            f"`python -m workbook report` has {[r['correct'] for r in attempts]}, not [False, True]"
        )
    if module not in lab.workbook("progress"):
        problems.append(f"`python -m workbook progress` does not list {module}")
    return problems


@pytest.mark.parametrize("module", LESSONS)
def test_lesson_runs_cleanly_in_jupyterlab(module, lab, page, context, screenshots):
    """Does the lesson run top to bottom in JupyterLab with no error output, every widget and diagram drawn
    and no accidental maths; does a page the lesson serves through its API show what the lesson created; and
    do a wrong and a right quiz answer show their feedback and reach the progress log? (The welcome notebook
    opens from the URL `make lab` printed.)"""
    path = f"notebooks/{module}.ipynb"
    notebook = NotebookPage(page, path, lab.course / path)
    notebook.open(lab.printed_url if module == "00-welcome" else notebook_url(lab, path))
    try:
        notebook.run_all()
        problems = rendering_problems(notebook, context)
        if module in PAGES_SHOW:
            problems += served_page_problems(notebook, context, PAGES_SHOW[module])
        if "quiz.show(" in json.dumps(notebook.source):
            problems += answer_wrongly_then_rightly(notebook, lab, module)
    finally:
        notebook.screenshots(screenshots / module)
    assert not problems, "\n".join(problems)


def fill_in_first_step(notebook: NotebookPage, module: str) -> tuple[int, int]:
    """Type the solution of the lab's first step into its cell as a learner would; (task cell, check cell)."""
    cells = notebook.source["cells"]

    def source(cell):
        return "".join(cell["source"])

    task = next(
        i for i, cell in enumerate(cells) if cell["cell_type"] == "code" and "YOUR CODE HERE" in source(cell)
    )
    # the next code cell is the step's check, or a try-out cell that the lab and its solution share
    following = next(i for i in range(task + 1, len(cells)) if cells[i]["cell_type"] == "code")
    check = next(i for i in range(task + 1, len(cells)) if "checks.step(" in source(cells[i]))
    solution = json.loads((ROOT / "solutions" / f"{module}.solution.ipynb").read_text())["cells"]
    at = next(i for i, cell in enumerate(solution) if source(cell) == source(cells[following]))
    solved = source(next(cell for cell in reversed(solution[:at]) if cell["cell_type"] == "code"))
    markers = ("### BEGIN SOLUTION", "### END SOLUTION")
    code = "\n".join(
        line for line in solved.splitlines()
        if line.strip() not in markers and not line.lstrip().startswith("# STARTER:")
    )  # fmt: skip
    editor = notebook.cell(task).locator(".cm-content")
    editor.click()
    notebook.page.keyboard.press("Control+a")
    notebook.page.keyboard.insert_text(code)
    assert notebook.cell_source_in_browser(task) == code, "the editor did not take the code as typed"
    return task, check


@pytest.mark.parametrize("module", LABS)
def test_lab_runs_cleanly_and_checks_a_filled_in_step(module, lab, page, context, screenshots):
    """Does the unmodified lab run cleanly, its first check say "not done yet", and — once the step is
    filled in through the editor and run — the same check cell say "self-check passed"?"""
    path = f"labs/{module}.lab.ipynb"
    notebook = NotebookPage(page, path, lab.course / path)
    notebook.open(notebook_url(lab, path))
    try:
        notebook.run_all()
        problems = rendering_problems(notebook, context)
        task, check = fill_in_first_step(notebook, module)
        before = notebook.cell(check).locator(".jp-OutputArea").inner_text()
        if "not done yet" not in before:
            problems.append(f"before the step is done, its check shows {before[:300]!r}")
        for index in range(task, check + 1):  # the step, any try-out cells after it, its check
            if notebook.source["cells"][index]["cell_type"] == "code":
                notebook.run_cell(index)
        after = notebook.cell(check).locator(".jp-OutputArea").inner_text()
        if "self-check passed" not in after:
            problems.append(f"after the step is done, its check shows {after[:300]!r}")
        problems += [f"after the step: error output: {text[:400]}" for text in notebook.error_outputs()]
    finally:
        notebook.screenshots(screenshots / f"{module}.lab")
    assert not problems, "\n".join(problems)


def test_make_lab_prints_the_welcome_notebooks_url(lab):
    """Does `make lab` print the welcome notebook's URL, with the token to open it?"""
    parsed = urllib.parse.urlparse(lab.printed_url)
    assert parsed.path == "/lab/tree/notebooks/00-welcome.ipynb"
    assert urllib.parse.parse_qs(parsed.query) == {"token": [lab.token]}


def test_kernels_start_without_warnings(lab, page):
    """Once a notebook's kernel has started, is the server's output free of warnings a learner would read as
    errors (such as ipykernel's about unencrypted TCP)?"""
    path = "notebooks/00-welcome.ipynb"
    NotebookPage(page, path, lab.course / path).open(notebook_url(lab, path))
    warnings = [
        line for line in lab.log().splitlines() if "without encryption" in line or line.startswith("[W")
    ]
    upstream = ("is not trusted", "websocket_ping_timeout")  # Jupyter's own, on opening any notebook
    assert [line for line in warnings if not any(text in line for text in upstream)] == []
