"""The notebook cleaner: what it strips, what it keeps, and its --check mode."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from workbook.authoring import clean

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def run_notebook_cell(source: str = "print('hi')", **metadata) -> nbformat.NotebookNode:
    """A code cell as Jupyter leaves it after a run: an output, a count, editor metadata."""
    return new_code_cell(
        source,
        execution_count=7,
        outputs=[new_output("stream", name="stdout", text="hi\n")],
        metadata=metadata,
    )


def write(path, nb) -> None:
    nbformat.write(nb, path)


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


@pytest.fixture
def messy(tmp_path):
    """A notebook saved after a run, by several editors, with widget state."""
    nb = new_notebook(
        metadata={
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python", "version": "3.11.7"},
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
            "toc": {"number_sections": True},
            "vscode": {"interpreter": {"hash": "abc"}},
            "colab": {"provenance": []},
        }
    )
    nb.cells = [
        new_markdown_cell("# Title", metadata={"jupyter": {"source_hidden": True}}),
        run_notebook_cell(
            collapsed=True,
            scrolled=True,
            ExecuteTime={"end_time": "2024-01-01"},
            execution={"iopub.status.busy": "2024-01-01"},
            jupyter={"outputs_hidden": True},
            tags=["solution-only"],
        ),
    ]
    path = tmp_path / "messy.ipynb"
    write(path, nb)
    return path


def test_outputs_are_removed(messy):
    """Does cleaning remove every output of every code cell?"""
    clean.clean_file(messy)
    assert all(cell.outputs == [] for cell in read(messy).cells if cell.cell_type == "code")


def test_execution_counts_are_removed(messy):
    """Does cleaning reset every execution count to null?"""
    clean.clean_file(messy)
    assert all(cell.execution_count is None for cell in read(messy).cells if cell.cell_type == "code")


def test_widget_state_and_editor_metadata_are_removed_from_the_notebook(messy):
    """Are widget state, toc, vscode and colab metadata dropped from the notebook's metadata?"""
    clean.clean_file(messy)
    assert set(read(messy).metadata) == {"kernelspec", "language_info"}


def test_kernelspec_and_language_info_are_kept(messy):
    """Does the notebook keep its kernelspec and language_info exactly?"""
    clean.clean_file(messy)
    nb = read(messy)
    assert nb.metadata.kernelspec == KERNELSPEC
    assert nb.metadata.language_info == {"name": "python", "version": "3.11.7"}


def test_editor_cell_metadata_is_removed_but_tags_are_kept(messy):
    """Do collapsed, scrolled, ExecuteTime, execution and jupyter go while cell tags stay?"""
    clean.clean_file(messy)
    cells = read(messy).cells
    assert cells[0].metadata == {}
    assert cells[1].metadata == {"tags": ["solution-only"]}


def test_sources_and_cell_ids_are_untouched(messy):
    """Does cleaning leave every cell's source and id as they were?"""
    before = [(cell.id, cell.source) for cell in read(messy).cells]
    clean.clean_file(messy)
    assert [(cell.id, cell.source) for cell in read(messy).cells] == before


def test_output_is_what_jupyter_writes(messy):
    """Is the cleaned file JSON indented by one space with a final newline, as Jupyter saves it?"""
    clean.clean_file(messy)
    text = messy.read_text(encoding="utf-8")
    assert text.startswith('{\n "cells": [\n  {\n')
    assert text.endswith("}\n")


def test_cleaning_twice_changes_nothing(messy):
    """Is cleaning stable: the second run leaves the file byte-identical and says nothing changed?"""
    assert clean.clean_file(messy) is True
    first = messy.read_bytes()
    assert clean.clean_file(messy) is False
    assert messy.read_bytes() == first


def test_a_clean_file_is_not_rewritten(tmp_path):
    """Is a notebook that is already clean left alone (same bytes, same modification time)?"""
    path = tmp_path / "clean.ipynb"
    path.write_text(clean.notebook_text(new_notebook(cells=[new_code_cell("x = 1")])), encoding="utf-8")
    mtime = path.stat().st_mtime_ns
    assert clean.clean_file(path) is False
    assert path.stat().st_mtime_ns == mtime


def test_unclean_reasons_say_what_would_be_removed(messy):
    """Does the check explain what is unclean in words (outputs, counts, metadata keys)?"""
    reasons = "; ".join(clean.unclean_reasons(messy))
    assert "1 output(s)" in reasons
    assert "1 execution count(s)" in reasons
    assert "widgets" in reasons and "ExecuteTime" in reasons


def test_a_notebook_saved_in_another_layout_is_unclean(tmp_path):
    """Is a notebook with clean content but non-Jupyter JSON layout (indent 2) reported?"""
    path = tmp_path / "indented.ipynb"
    path.write_text(nbformat.writes(new_notebook(cells=[new_code_cell("x = 1")]), indent=2), encoding="utf-8")
    assert clean.unclean_reasons(path) == ["not in Jupyter's standard layout"]


def test_check_mode_fails_listing_each_unclean_file_and_the_fix(messy, tmp_path, capsys):
    """Does `clean --check` exit 1, name every unclean file, the per-file fix and `make clean`?"""
    second = tmp_path / "second.ipynb"
    second.write_bytes(messy.read_bytes())
    assert clean.main(["--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert f"python -m workbook clean {messy}" in out
    assert f"python -m workbook clean {second}" in out
    assert "make clean" in out


def test_check_mode_changes_nothing(messy):
    """Does `clean --check` leave the files it reports untouched?"""
    before = messy.read_bytes()
    clean.main(["--check", str(messy)])
    assert messy.read_bytes() == before


def test_check_mode_passes_on_clean_notebooks(messy, capsys):
    """Does `clean --check` exit 0 once the notebooks are clean?"""
    clean.main([str(messy)])
    assert clean.main(["--check", str(messy)]) == 0


def test_folders_are_searched_recursively_skipping_checkpoints(tmp_path):
    """Are notebooks in sub-folders found, and .ipynb_checkpoints copies ignored?"""
    (tmp_path / "sub").mkdir()
    (tmp_path / ".ipynb_checkpoints").mkdir()
    for path in (
        tmp_path / "a.ipynb",
        tmp_path / "sub" / "b.ipynb",
        tmp_path / ".ipynb_checkpoints" / "a-checkpoint.ipynb",
    ):
        write(path, new_notebook())
    assert clean.find_notebooks([tmp_path]) == [tmp_path / "a.ipynb", tmp_path / "sub" / "b.ipynb"]


def test_a_missing_path_is_a_clear_error(tmp_path, capsys):
    """Does naming a file that does not exist give a one-line error and exit 2, not a traceback?"""
    assert clean.main([str(tmp_path / "nope.ipynb")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_a_broken_notebook_is_reported_not_a_traceback(tmp_path, messy, capsys):
    """Is a file that is not notebook JSON named as unreadable (exit 1) while the others are still cleaned?"""
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{ not json")
    assert clean.main([str(tmp_path)]) == 1
    assert f"{broken} cannot be read as a notebook" in capsys.readouterr().err
    assert clean.unclean_reasons(messy) == []


def test_the_command_line_entry_point_cleans(messy):
    """Does `python -m workbook clean <file>` reach the cleaner through the CLI registry?"""
    from workbook.__main__ import main

    assert main(["clean", str(messy)]) == 0
    assert clean.unclean_reasons(messy) == []
