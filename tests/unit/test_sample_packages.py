"""The wheels of the sample libraries the course ships (workbook.sample_packages)."""

from __future__ import annotations

import zipfile

import pytest

from workbook import sample_packages
from workbook.deploy import sample_dependency


def test_the_wheel_holds_the_module_and_its_metadata(tmp_path):
    """Does the wheel hold tinyprice/__init__.py and a dist-info pip accepts (METADATA, WHEEL, RECORD)?"""
    wheel = sample_packages.wheel("tinyprice", tmp_path)
    assert wheel.name == "tinyprice-1.0.0-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert "tinyprice/__init__.py" in names
    for member in ("METADATA", "WHEEL", "RECORD"):
        assert f"tinyprice-1.0.0.dist-info/{member}" in names


def test_the_same_sources_give_the_same_wheel(tmp_path):
    """Is the wheel reproducible byte for byte?"""
    first = sample_packages.wheel("tinyprice", tmp_path / "a").read_bytes()
    assert sample_packages.wheel("tinyprice", tmp_path / "b").read_bytes() == first


def test_sample_dependency_builds_once_and_an_unknown_name_is_refused():
    """Does sample_dependency() return the same wheel twice and name the choices for an unknown library?"""
    assert sample_dependency() == sample_dependency()
    assert sample_dependency().is_file()
    with pytest.raises(ValueError, match="tinyprice"):
        sample_dependency("numpy")
