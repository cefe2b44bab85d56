"""Learner-facing errors (workbook.errors): one sentence, no traceback."""

from __future__ import annotations

import errno

import pytest

from workbook.errors import PathError, WorkbookError, describe, path_error, reason


class NoSuchThing(WorkbookError, LookupError):
    """An error of the kind the workbook's modules define."""


def test_a_workbook_error_is_shown_without_a_traceback():
    """Does Jupyter (which calls _render_traceback_) show only the class name and the sentence?"""
    error = NoSuchThing("there is no thing 'x'; the things are: a, b")
    assert error._render_traceback_() == ["NoSuchThing: there is no thing 'x'; the things are: a, b"]
    assert isinstance(error, LookupError)


def test_a_file_in_the_way_is_named(tmp_path):
    """When a path runs through a regular file, is that file named as the reason?"""
    (tmp_path / "notes.txt").write_text("x")
    target = tmp_path / "notes.txt" / "a" / "out.csv"
    with pytest.raises(OSError) as caught:
        target.parent.mkdir(parents=True)
    assert reason(caught.value, target) == f"{tmp_path / 'notes.txt'} is a file, not a folder"


def test_a_folder_where_a_file_is_wanted_is_named(tmp_path):
    """When a folder is given where a file is written, does the reason say so?"""
    with pytest.raises(OSError) as caught:
        open(tmp_path, "w")
    assert reason(caught.value, tmp_path) == f"{tmp_path} is a folder, not a file"


@pytest.mark.parametrize(
    "code, words",
    [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only"), (errno.ENOSPC, "the disk is full")],
)
def test_common_failures_are_said_in_words(tmp_path, code, words):
    """Are permission, read-only and full-disk failures said plainly?"""
    assert words in reason(OSError(code, "whatever"), tmp_path / "out.csv")


def test_path_error_is_one_sentence_and_an_os_error(tmp_path):
    """Does path_error give "cannot <action> <path>: <why>; <fix>", keep errno, and stay an OSError?"""
    error = path_error(
        PermissionError(errno.EACCES, "Permission denied"), tmp_path / "o.csv", "write", "try x"
    )
    assert isinstance(error, PathError) and isinstance(error, OSError)
    assert str(error) == f"cannot write {tmp_path / 'o.csv'}: permission denied; try x"
    assert error.errno == errno.EACCES and "\n" not in str(error)


def test_describe_names_the_file_of_an_unexpected_os_error(tmp_path):
    """Is an OSError nobody expected described with its file and a hint, in one line?"""
    gone = tmp_path / "gone"
    error = FileNotFoundError(errno.ENOENT, "No such file or directory", str(gone / "x"))
    assert describe(error) == f"cannot use {gone / 'x'}: {gone} does not exist; check the path and try again"
