"""Strip what a run leaves in a notebook, so notebooks are committed clean.

Outputs hold request ids, ARNs and timestamps that change on every run; editor metadata
(collapsed, scrolled, ExecuteTime, vscode, colab, widget state…) changes with whoever saved last.
Neither belongs in git. What stays: sources, cell ids, cell ``tags``, and the notebook's
``kernelspec`` and ``language_info``.

Command line::

    python -m workbook clean notebooks/02-handlers.ipynb   # clean one notebook in place
    python -m workbook clean                               # every notebook in notebooks/ labs/ solutions/
    python -m workbook clean --check                       # change nothing; exit 1 if any notebook is unclean
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterable
from pathlib import Path

import nbformat

from .layout import NOTEBOOK_DIRS, repo_root

KEPT_NOTEBOOK_METADATA = ("kernelspec", "language_info")
KEPT_CELL_METADATA = ("tags",)
FIX_COMMAND = "make clean"


def clean_notebook(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and editor metadata from ``nb`` (in place) and return it.

    Example::

        nb = nbformat.read("notebooks/00-welcome.ipynb", as_version=4)
        clean_notebook(nb)
    """
    nb.metadata = nbformat.NotebookNode(
        {key: nb.metadata[key] for key in KEPT_NOTEBOOK_METADATA if key in nb.metadata}
    )
    for cell in nb.cells:
        kept = {key: cell.metadata[key] for key in KEPT_CELL_METADATA if cell.metadata.get(key)}
        cell.metadata = nbformat.NotebookNode(kept)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    return nb


def notebook_text(nb: nbformat.NotebookNode) -> str:
    """The exact text Jupyter would save for ``nb``: JSON indented by one space, a final newline."""
    buffer = io.StringIO()
    nbformat.write(nb, buffer)
    return buffer.getvalue()


def clean_text(text: str) -> str:
    """The clean form of a notebook given as text."""
    return notebook_text(clean_notebook(nbformat.reads(text, as_version=4)))


def what_is_unclean(nb: nbformat.NotebookNode) -> list[str]:
    """Say, in words, what :func:`clean_notebook` would remove from ``nb``. Empty when nothing."""
    outputs = sum(len(c.get("outputs", [])) for c in nb.cells)
    counts = sum(1 for c in nb.cells if c.get("execution_count") is not None)
    notebook_keys = sorted(set(nb.metadata) - set(KEPT_NOTEBOOK_METADATA))
    cell_keys = sorted(
        {
            key
            for c in nb.cells
            for key, value in c.metadata.items()
            if key not in KEPT_CELL_METADATA or not value
        }
    )
    reasons = []
    if outputs:
        reasons.append(f"{outputs} output(s)")
    if counts:
        reasons.append(f"{counts} execution count(s)")
    if notebook_keys:
        reasons.append("notebook metadata " + ", ".join(notebook_keys))
    if cell_keys:
        reasons.append("cell metadata " + ", ".join(cell_keys))
    return reasons


def find_notebooks(paths: Iterable[str | Path]) -> list[Path]:
    """The ``.ipynb`` files named by ``paths``; folders are searched recursively, checkpoints skipped."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(
                p for p in path.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and p.is_file()
            )
        elif path.exists():
            found.append(path)
        else:
            raise FileNotFoundError(f"no such file or folder: {path}")
    return found


def unclean_reasons(path: Path) -> list[str]:
    """Why the notebook at ``path`` is not clean; an empty list when it is."""
    text = path.read_text(encoding="utf-8")
    reasons = what_is_unclean(nbformat.reads(text, as_version=4))
    if not reasons and clean_text(text) != text:
        reasons.append("not in Jupyter's standard layout")
    return reasons


def clean_file(path: Path) -> bool:
    """Clean the notebook at ``path`` in place. Returns True when the file changed."""
    text = path.read_text(encoding="utf-8")
    cleaned = clean_text(text)
    if cleaned == text:
        return False
    path.write_text(cleaned, encoding="utf-8")
    return True


def _default_paths() -> list[Path]:
    root = repo_root()
    return [root / d for d in NOTEBOOK_DIRS if (root / d).is_dir()]


def main(argv: list[str] | None = None) -> int:
    """Clean the notebooks named in ``argv`` (default: every course notebook), or only ``--check`` them."""
    parser = argparse.ArgumentParser(
        prog="python -m workbook clean",
        description="Strip outputs, execution counts, widget state and editor metadata from notebooks.",
    )
    parser.add_argument(
        "paths", nargs="*", help="notebooks or folders (default: notebooks/ labs/ solutions/)"
    )
    parser.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 listing unclean notebooks"
    )
    args = parser.parse_args(argv)

    try:
        notebooks = find_notebooks(args.paths or _default_paths())
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    return _check(notebooks) if args.check else _clean(notebooks)


def _check(notebooks: list[Path]) -> int:
    """Say which notebooks are not clean and why; 1 when any is not."""
    unclean = {path: _reasons_or_read_error(path) for path in notebooks}
    unclean = {path: reasons for path, reasons in unclean.items() if reasons}
    if not unclean:
        print(f"{len(notebooks)} notebook(s) clean.")
        return 0
    print(f"{len(unclean)} notebook(s) not clean:")
    for path, reasons in unclean.items():
        print(f"  {path}: {'; '.join(reasons)}")
        print(f"      fix: python -m workbook clean {path}")
    print(f"Fix them all with `{FIX_COMMAND}`.")
    return 1


def _clean(notebooks: list[Path]) -> int:
    """Clean each notebook in place; 1 when one cannot be read as a notebook."""
    changed, unreadable = [], []
    for path in notebooks:
        try:
            if clean_file(path):
                changed.append(path)
                print(f"cleaned {path}")
        except ValueError as exc:  # nbformat's "not JSON" and validation errors are ValueErrors
            unreadable.append(path)
            print(f"error: {path} cannot be read as a notebook ({exc}); fix it by hand", file=sys.stderr)
    print(f"{len(changed)} of {len(notebooks)} notebook(s) changed.")
    return 1 if unreadable else 0


def _reasons_or_read_error(path: Path) -> list[str]:
    try:
        return unclean_reasons(path)
    except ValueError as exc:
        return [f"cannot be read as a notebook ({exc})"]
