"""Where the course files live and how they are named.

One module is one slug, the same in every folder::

    notebooks/02-handlers.ipynb            lesson
    solutions/02-handlers.solution.ipynb   lab source, with solution regions
    labs/02-handlers.lab.ipynb             generated from the solution (`make labs`)
    quizzes/02-handlers.yaml               question bank

A lab and its solution say so in their file names, so that a lesson and its lab opened side by side
in JupyterLab show two different tab names.
"""

from __future__ import annotations

import re
from pathlib import Path

MODULE_SLUGS = (
    "00-welcome",
    "01-serverless-concepts",
    "02-handlers",
    "03-context",
    "04-logging-monitoring",
    "05-execution-environment",
    "06-permissions",
    "07-packaging-configuration",
    "08-versions-aliases",
    "09-error-handling",
    "10-capstone-web-api",
)

NOTEBOOK_DIRS = ("notebooks", "labs", "solutions")
QUIZ_DIR = "quizzes"
# What follows the slug in each folder's file names.
SUFFIXES = {
    "notebooks": ".ipynb",
    "labs": ".lab.ipynb",
    "solutions": ".solution.ipynb",
    QUIZ_DIR: ".yaml",
}

_SLUG_SHAPE = re.compile(r"^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$")


def repo_root() -> Path:
    """The folder holding notebooks/, labs/, solutions/ and quizzes/.

    The package is installed in place (``-e .``), so the repository is the package's parent.
    Falls back to the current directory when the package was installed elsewhere.

    Example::

        >>> (repo_root() / "notebooks").is_dir()
        True
    """
    candidate = Path(__file__).resolve().parents[2]
    if (candidate / "notebooks").is_dir() or (candidate / "solutions").is_dir():
        return candidate
    return Path.cwd()


def module_slug(path: str | Path) -> str:
    """The module slug a course file belongs to: ``labs/02-handlers.lab.ipynb`` → ``"02-handlers"``."""
    return Path(path).name.split(".", 1)[0]


def course_path(folder: str, slug: str) -> str:
    """The relative path of a module's file in ``folder``.

    Example::

        >>> course_path("labs", "02-handlers")
        'labs/02-handlers.lab.ipynb'
    """
    return f"{folder}/{slug}{SUFFIXES[folder]}"


def is_known_slug(slug: str) -> bool:
    """True for the slugs in :data:`MODULE_SLUGS`."""
    return slug in MODULE_SLUGS


def course_files(root: Path, folder: str, suffix: str) -> list[Path]:
    """The ``*suffix`` files directly in ``root/folder``, sorted (checkpoints never included)."""
    directory = root / folder
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name.endswith(suffix))


def layout_problems(root: Path) -> list[str]:
    """Every way the course files under ``root`` break the naming and pairing rules.

    An empty list means: every notebook and bank is named ``NN-slug`` with a known slug,
    every solution has its lab and every lab its solution, every lesson from 01 on has a bank.

    Example::

        >>> layout_problems(repo_root())
        []
    """
    problems: list[str] = []
    found: dict[str, set[str]] = {}
    for folder, suffix in SUFFIXES.items():
        slugs = found.setdefault(folder, set())
        extension = "." + suffix.rsplit(".", 1)[1]  # any notebook or bank, so misnamed ones are reported
        for path in course_files(root, folder, extension):
            slug = module_slug(path)
            shown = f"{folder}/{path.name}"
            if path.name != slug + suffix:
                problems.append(f"{shown}: expected a name like {folder}/NN-slug{suffix}")
            elif not _SLUG_SHAPE.match(slug):
                problems.append(
                    f"{shown}: {slug!r} is not shaped NN-slug (two digits, a dash, lower-case words)"
                )
            elif not is_known_slug(slug):
                known = ", ".join(MODULE_SLUGS)
                problems.append(f"{shown}: unknown module {slug!r}; the modules are {known}")
            slugs.add(slug)

    for slug in sorted(found["solutions"] - found["labs"]):
        problems.append(f"{course_path('solutions', slug)} has no lab: run `make labs`")
    for slug in sorted(found["labs"] - found["solutions"]):
        problems.append(f"{course_path('labs', slug)} has no solution (labs are generated from solutions/)")
    for slug in sorted(found["notebooks"]):
        if is_known_slug(slug) and slug != "00-welcome" and slug not in found[QUIZ_DIR]:
            problems.append(
                f"{course_path('notebooks', slug)} has no question bank: add {course_path(QUIZ_DIR, slug)}"
            )
    return problems
