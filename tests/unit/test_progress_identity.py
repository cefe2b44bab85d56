"""Who the learner is (workbook.progress.identity)."""

from __future__ import annotations

import getpass

import pytest

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
