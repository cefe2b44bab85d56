"""Are the course files named and paired by module: NN-slug, the same in every folder?"""

from __future__ import annotations

import nbformat
import pytest

from workbook.authoring.layout import MODULE_SLUGS, layout_problems, repo_root

ROOT = repo_root()


def test_the_committed_course_follows_the_layout():
    """Is every notebook and bank in the repository named NN-slug with a known slug and paired as it should be?"""
    problems = layout_problems(ROOT)
    assert not problems, "course layout problems:\n  " + "\n  ".join(problems)


def test_the_welcome_lesson_exists():
    """Is the lesson every learner opens first, notebooks/00-welcome.ipynb, in place?"""
    assert (ROOT / "notebooks" / "00-welcome.ipynb").is_file()


def test_module_numbers_match_their_position():
    """Does every known slug start with its own two-digit number, 00 to 10, in order?"""
    assert [slug[:2] for slug in MODULE_SLUGS] == [f"{n:02d}" for n in range(len(MODULE_SLUGS))]


# The rules themselves, on small fixture courses (the real course may not have every kind of file yet).


def make_course(root, files):
    for relative in files:
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".ipynb":
            nbformat.write(nbformat.v4.new_notebook(), path)
        else:
            path.write_text("module: x\n", encoding="utf-8")
    return root


def test_a_complete_module_has_no_problems(tmp_path):
    """Is a module with lesson, solution, lab and bank, all with the same slug, accepted?"""
    files = [
        "notebooks/02-handlers.ipynb",
        "solutions/02-handlers.solution.ipynb",
        "labs/02-handlers.lab.ipynb",
        "quizzes/02-handlers.yaml",
    ]
    assert layout_problems(make_course(tmp_path, files + ["quizzes/README.md", "labs/.gitkeep"])) == []


@pytest.mark.parametrize(
    "files, expected",
    [
        (["notebooks/handlers.ipynb"], "not shaped NN-slug"),
        (["notebooks/02-Handlers.ipynb"], "not shaped NN-slug"),
        (["notebooks/02-lambda-handlers.ipynb", "quizzes/02-lambda-handlers.yaml"], "unknown module '02-lambda-handlers'"),
        (["quizzes/03-handlers.yaml"], "unknown module '03-handlers'"),
        (["solutions/03-context.solution.ipynb"], "solutions/03-context.solution.ipynb has no lab"),
        (["labs/03-context.lab.ipynb"], "labs/03-context.lab.ipynb has no solution"),
        (["labs/03-context.ipynb", "solutions/03-context.solution.ipynb"], "expected a name like labs/NN-slug.lab.ipynb"),
        (["notebooks/04-logging-monitoring.ipynb"], "has no question bank: add quizzes/04-logging-monitoring.yaml"),
    ],
    ids=["no-number", "upper-case", "unknown-slug", "wrong-number", "solution-without-lab", "lab-without-solution", "lab-named-like-a-lesson", "lesson-without-bank"],
)
def test_layout_problems_are_reported(tmp_path, files, expected):
    """Is each naming or pairing mistake reported with the file and what to do?"""
    problems = layout_problems(make_course(tmp_path, files))
    assert any(expected in problem for problem in problems), problems


def test_the_welcome_lesson_needs_no_bank(tmp_path):
    """Is 00-welcome, which has no knowledge check, exempt from the bank rule?"""
    assert layout_problems(make_course(tmp_path, ["notebooks/00-welcome.ipynb"])) == []
