"""Who the learner is (workbook.progress.identity)."""

from __future__ import annotations

import getpass
from pathlib import Path

import pytest

from workbook.errors import PathError
from workbook.progress import identity


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.delenv("WORKBOOK_LEARNER", raising=False)
    return tmp_path


def test_default_is_the_os_user():
    """With nothing set, is the learner the computer's user name?"""
    assert identity.learner_and_source() == (getpass.getuser(), "OS user")


def test_saved_name_is_used(home):
    """After set_learner("Ada Lovelace"), is that the learner, saved under WORKBOOK_HOME?"""
    path = identity.set_learner("  Ada   Lovelace ")
    assert path.parent == home
    assert identity.learner() == "Ada Lovelace"


def test_environment_overrides_saved_name(monkeypatch):
    """Does WORKBOOK_LEARNER win over the saved name?"""
    identity.set_learner("Ada")
    monkeypatch.setenv("WORKBOOK_LEARNER", "ci-runner")
    assert identity.learner_and_source() == ("ci-runner", "WORKBOOK_LEARNER")


def test_empty_name_is_refused():
    """Is an empty display name refused?"""
    with pytest.raises(ValueError):
        identity.set_learner("   ")


def test_damaged_config_falls_back_to_os_user(home):
    """Is a damaged learner.json ignored rather than fatal?"""
    (home / "learner.json").write_text("{oops", encoding="utf-8")
    assert identity.learner() == getpass.getuser()


def test_home_defaults_to_dot_workbook(monkeypatch, tmp_path):
    """Without WORKBOOK_HOME, is the folder ~/.workbook?"""
    monkeypatch.delenv("WORKBOOK_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert identity.home() == tmp_path / ".workbook"


def test_saving_a_name_under_a_file_says_which_file_is_in_the_way(home, monkeypatch):
    """When WORKBOOK_HOME lies under a regular file, does set_learner say that file is not a folder and how
    to fix it (a PathError, which is an OSError)?"""
    file = home / "notes.txt"
    file.write_text("x")
    monkeypatch.setenv("WORKBOOK_HOME", str(file / "progress"))
    with pytest.raises(PathError) as caught:
        identity.set_learner("Ada")
    assert isinstance(caught.value, OSError)
    assert str(caught.value) == (
        f"cannot save your name in {file / 'progress'} (WORKBOOK_HOME): {file} is a file, not a folder; "
        "point WORKBOOK_HOME at a folder you can write to, or unset it to use ~/.workbook"
    )
    assert caught.value._render_traceback_() == [f"PathError: {caught.value}"]


def test_a_home_that_is_a_file_is_reported(home, monkeypatch):
    """Does check_home refuse a WORKBOOK_HOME that is a file, and accept one that does not exist yet?"""
    monkeypatch.setenv("WORKBOOK_HOME", str(home / "later"))
    assert identity.check_home() == home / "later"
    (home / "file").write_text("x")
    monkeypatch.setenv("WORKBOOK_HOME", str(home / "file"))
    with pytest.raises(PathError, match="is a file, not a folder"):
        identity.check_home()


def test_without_workbook_home_the_fix_is_to_set_it(home, monkeypatch):
    """When the default ~/.workbook cannot be made, does the message suggest setting WORKBOOK_HOME?"""
    (home / "file").write_text("x")
    monkeypatch.delenv("WORKBOOK_HOME")
    monkeypatch.setattr(Path, "home", lambda: home / "file")
    with pytest.raises(PathError, match=r"; set WORKBOOK_HOME to a folder you can write to \(export"):
        identity.set_learner("Ada")
