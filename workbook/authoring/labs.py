"""Generate the learner's labs from their solutions: ``solutions/NN-slug.solution.ipynb`` → ``labs/NN-slug.lab.ipynb``.

A solution marks what the learner must write with a region; the author writes the starter inside it::

    def handler(event, context):
        ### BEGIN SOLUTION
        # STARTER: # YOUR CODE HERE: return the order's total
        # STARTER: return None
        return sum(item["price"] for item in event["items"])
        ### END SOLUTION

In the lab the region becomes its starter lines, with ``# STARTER: `` removed::

    def handler(event, context):
        # YOUR CODE HERE: return the order's total
        return None

A region without starter lines becomes ``# YOUR CODE HERE`` and ``pass`` at the marker's indentation.
Markdown cells hide worked answers between ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``
(``### BEGIN SOLUTION`` works too), with optional ``<!-- STARTER: text -->`` lines; the default
starter is ``*Your answer here.*``. Cells tagged ``solution-only`` are left out of the lab.
The full convention is in STYLE_GUIDE.md.

Command line::

    python -m workbook labs           # regenerate labs/ (what `make labs` runs)
    python -m workbook labs --check   # change nothing; exit 1 if labs/ differs from what solutions/ generate
"""

from __future__ import annotations

import argparse
import copy
import filecmp
import re
import sys
import tempfile
from pathlib import Path

import nbformat

from .clean import clean_notebook, notebook_text
from .layout import SUFFIXES, module_slug, repo_root

SOLUTION_ONLY_TAG = "solution-only"
HEADER_CELL_ID = "generated-lab-notice"
FIX_COMMAND = "make labs"

CODE_BEGIN = "### BEGIN SOLUTION"
CODE_END = "### END SOLUTION"
CODE_STARTER = "# STARTER:"
CODE_DEFAULT_STARTER = ("# YOUR CODE HERE", "pass")

MARKDOWN_BEGIN = (CODE_BEGIN, "<!-- BEGIN SOLUTION -->")
MARKDOWN_END = (CODE_END, "<!-- END SOLUTION -->")
MARKDOWN_STARTER = re.compile(r"^<!--\s*STARTER:\s?(.*?)\s*-->$")
MARKDOWN_DEFAULT_STARTER = ("*Your answer here.*",)

_LOOKS_LIKE_A_MARKER = re.compile(r"(BEGIN|END)\s*SOLUTION|STARTER\s*:", re.IGNORECASE)
_COURSE_NAME = re.compile(r"^\d\d-[^.]+\.(?:lab|solution)\.ipynb$")


class MarkerError(ValueError):
    """A solution region is malformed. The message names the file, the cell and the line."""


def _starter_line(line: str, cell_type: str) -> str | None:
    """The lab text of a starter line, or None when ``line`` is not one."""
    stripped = line.strip()
    if cell_type == "code":
        if not stripped.startswith(CODE_STARTER):
            return None
        indent = line[: len(line) - len(line.lstrip())]
        text = stripped[len(CODE_STARTER) :]
        text = text[1:] if text.startswith(" ") else text
        return indent + text if text else ""
    match = MARKDOWN_STARTER.match(stripped)
    return match.group(1) if match else None


def _is_begin(line: str, cell_type: str) -> bool:
    return line.strip() in ((CODE_BEGIN,) if cell_type == "code" else MARKDOWN_BEGIN)


def _is_end(line: str, cell_type: str) -> bool:
    return line.strip() in ((CODE_END,) if cell_type == "code" else MARKDOWN_END)


def _default_starter(indent: str, cell_type: str) -> list[str]:
    lines = CODE_DEFAULT_STARTER if cell_type == "code" else MARKDOWN_DEFAULT_STARTER
    return [indent + line for line in lines]


def strip_solutions(source: str, cell_type: str = "code") -> str:
    """Replace every solution region in one cell's ``source`` by its starter.

    Raises :class:`MarkerError` (message ``line N: …``) on an unbalanced or misspelt marker.

    Example::

        >>> strip_solutions("x = 1\\n### BEGIN SOLUTION\\n# STARTER: y = None\\ny = 2\\n### END SOLUTION")
        'x = 1\\ny = None'
    """
    lab: list[str] = []
    region_start: int | None = None
    region_indent = ""
    starter: list[str] = []
    for number, line in enumerate(source.splitlines(), start=1):
        if _is_begin(line, cell_type):
            if region_start is not None:
                raise MarkerError(
                    f"line {number}: a BEGIN SOLUTION inside the region opened on line {region_start}"
                )
            region_start, region_indent, starter = number, line[: len(line) - len(line.lstrip())], []
        elif _is_end(line, cell_type):
            if region_start is None:
                raise MarkerError(f"line {number}: END SOLUTION without a BEGIN SOLUTION before it")
            lab += starter or _default_starter(region_indent, cell_type)
            region_start = None
        elif region_start is not None and (starter_text := _starter_line(line, cell_type)) is not None:
            starter.append(starter_text)
        elif _LOOKS_LIKE_A_MARKER.search(line):
            raise MarkerError(
                f"line {number}: {line.strip()!r} looks like a solution marker but is not one "
                f"(markers are exactly {CODE_BEGIN!r} and {CODE_END!r} on a line of their own; "
                "starter lines sit inside a region)"
            )
        elif region_start is None:
            lab.append(line)
    if region_start is not None:
        raise MarkerError(f"line {region_start}: BEGIN SOLUTION without an END SOLUTION in the same cell")
    return "\n".join(lab) + ("\n" if source.endswith("\n") and lab else "")


def header_cell(solution_name: str, with_id: bool = True) -> nbformat.NotebookNode:
    """The first cell of every lab: generated, from which file, and how to regenerate it."""
    cell = nbformat.v4.new_markdown_cell(
        f"> **This lab is generated from `{solution_name}`.** Do not edit it in the repository: "
        "edit the solution, then run `make labs` (or `python -m workbook labs`) to regenerate it.\n"
        ">\n"
        "> Learners: this is your copy to work in. Fill in the cells marked `YOUR CODE HERE`, "
        "then run the checks cell."
    )
    if with_id:
        cell.id = HEADER_CELL_ID
    else:
        del cell["id"]
    return cell


def generate_lab(solution_path: Path) -> nbformat.NotebookNode:
    """The lab notebook for the solution at ``solution_path`` (nothing is written).

    Example::

        lab = generate_lab(Path("solutions/02-handlers.solution.ipynb"))
    """
    solution = nbformat.read(solution_path, as_version=4)
    lab = copy.deepcopy(solution)
    with_ids = any("id" in cell for cell in solution.cells) or solution.nbformat_minor >= 5
    lab.cells = [header_cell(f"{solution_path.parent.name}/{solution_path.name}", with_id=with_ids)]
    for number, cell in enumerate(solution.cells, start=1):
        if SOLUTION_ONLY_TAG in cell.metadata.get("tags", []):
            continue
        lab_cell = copy.deepcopy(cell)
        if cell.cell_type in ("code", "markdown"):
            try:
                lab_cell.source = strip_solutions(cell.source, cell.cell_type)
            except MarkerError as exc:
                raise MarkerError(f"{solution_path}, cell {number}, {exc}") from None
        lab.cells.append(lab_cell)
    return clean_notebook(lab)


def solution_files(solutions_dir: Path) -> list[Path]:
    """The lab sources in ``solutions_dir``: files named ``NN-slug.solution.ipynb``, sorted."""
    return _course_shaped(solutions_dir, SUFFIXES["solutions"])


def _lab_shaped(folder: Path) -> list[Path]:
    """The files in ``folder`` named like a lab, ``NN-slug.lab.ipynb``, sorted."""
    return _course_shaped(folder, SUFFIXES["labs"])


def _course_shaped(folder: Path, suffix: str) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.name.endswith(suffix) and _COURSE_NAME.match(p.name)
    )


def lab_name(solution: Path) -> str:
    """The file name of the lab generated from ``solution``: ``02-handlers.lab.ipynb``."""
    return module_slug(solution) + SUFFIXES["labs"]


class WorkInLab(RuntimeError):
    """A lab about to be overwritten has outputs: someone has been working in it."""


def write_labs(solutions_dir: Path, labs_dir: Path, force: bool = False) -> list[str]:
    """Regenerate every lab; remove labs whose solution is gone. Returns what changed, one line each.

    The solutions are only read, never written. A lab that has outputs (someone ran it, so it may
    hold their answers) is not overwritten or removed unless ``force``: :class:`WorkInLab` is raised
    before anything is written.

    Example::

        write_labs(Path("solutions"), Path("labs"))   # -> ["wrote labs/02-handlers.lab.ipynb"]
    """
    generated = {lab_name(source): notebook_text(generate_lab(source)) for source in solution_files(solutions_dir)}
    replaced = [p for p in _lab_shaped(labs_dir) if generated.get(p.name) != p.read_text(encoding="utf-8")]
    worked_in = [p for p in replaced if _has_outputs(p)]
    if worked_in and not force:
        raise WorkInLab(
            "these labs have outputs, so someone may have been working in them: "
            + ", ".join(map(str, worked_in))
            + ". Keep a copy of any work in them, then run `make clean` (or pass --force) and regenerate."
        )
    labs_dir.mkdir(parents=True, exist_ok=True)
    changes = []
    for name, text in generated.items():
        target = labs_dir / name
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changes.append(f"wrote {target}")
    for stale in _lab_shaped(labs_dir):
        if stale.name not in generated:
            stale.unlink()
            changes.append(f"removed {stale} (its solution is gone)")
    return changes


def _has_outputs(path: Path) -> bool:
    try:
        nb = nbformat.read(path, as_version=4)
    except ValueError:
        return False
    return any(cell.get("outputs") or cell.get("execution_count") is not None for cell in nb.cells)


def lab_drift(solutions_dir: Path, labs_dir: Path) -> list[str]:
    """How ``labs_dir`` differs from what ``solutions_dir`` generates, one line per lab. Empty when in sync.

    Generates into a temporary folder; nothing in either folder is written.
    """
    with tempfile.TemporaryDirectory(prefix="workbook-labs-") as scratch:
        fresh = Path(scratch)
        write_labs(solutions_dir, fresh)
        expected = {p.name for p in _lab_shaped(fresh)}
        present = {p.name for p in _lab_shaped(labs_dir)}
        drift = []
        for name in sorted(expected | present):
            lab = labs_dir / name
            solution = solutions_dir / (module_slug(name) + SUFFIXES["solutions"])
            if name not in present:
                drift.append(f"{lab} is missing (solution {solution})")
            elif name not in expected:
                drift.append(f"{lab} has no solution {solution}")
            elif not filecmp.cmp(fresh / name, lab, shallow=False):
                drift.append(f"{lab} differs from what {solution} generates")
        return drift


def main(argv: list[str] | None = None) -> int:
    """Regenerate labs/ from solutions/, or with ``--check`` only say whether it is up to date."""
    root = repo_root()
    parser = argparse.ArgumentParser(
        prog="python -m workbook labs",
        description="Generate labs/NN-slug.lab.ipynb from solutions/NN-slug.solution.ipynb.",
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if labs/ is out of date")
    parser.add_argument("--solutions", type=Path, default=root / "solutions", help="folder of lab sources")
    parser.add_argument("--labs", type=Path, default=root / "labs", help="folder of generated labs")
    parser.add_argument("--force", action="store_true", help="overwrite labs even if they have outputs")
    args = parser.parse_args(argv)

    try:
        if args.check:
            drift = lab_drift(args.solutions, args.labs)
            if not drift:
                print(f"{len(solution_files(args.solutions))} lab(s) match their solutions.")
                return 0
            print(f"{len(drift)} lab(s) out of date:")
            print("\n".join(f"  {line}" for line in drift))
            print(f"Fix: run `{FIX_COMMAND}` (python -m workbook labs) and commit labs/.")
            return 1
        changes = write_labs(args.solutions, args.labs, force=args.force)
    except (MarkerError, WorkInLab) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(changes) if changes else "labs/ already up to date.")
    return 0
