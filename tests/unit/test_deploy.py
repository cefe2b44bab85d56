"""workbook.deploy: deployment packages built from strings, and the trust policy of an execution role."""

from __future__ import annotations

import io
import json
import zipfile

import pytest

from workbook.deploy import zip_code


def _read(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def test_each_file_lands_at_its_path():
    """Does every key become a file with that path and that content?"""
    files = _read(zip_code({"app.py": "x = 1\n", "pkg/logic.py": b"y = 2\n"}))
    assert files == {"app.py": b"x = 1\n", "pkg/logic.py": b"y = 2\n"}


def test_indented_source_is_dedented():
    """Does a handler written as an indented triple-quoted string come out importable?"""
    source = """
        def handler(event, context):
            return event
    """
    text = _read(zip_code({"app.py": source}))["app.py"].decode()
    compile(text, "app.py", "exec")
    assert text.splitlines()[1] == "def handler(event, context):"


def test_same_sources_give_same_bytes():
    """Is the package deterministic, so re-running a cell does not change CodeSha256?"""
    assert zip_code({"a.py": "1", "b.py": "2"}) == zip_code({"b.py": "2", "a.py": "1"})


def test_files_are_readable_regular_files():
    """Do the files carry rw-r--r-- permissions, as the runtime needs?"""
    with zipfile.ZipFile(io.BytesIO(zip_code({"app.py": "x = 1"}))) as archive:
        assert archive.getinfo("app.py").external_attr >> 16 == 0o100644


@pytest.mark.parametrize("name", ["/abs.py", "../up.py", "pkg/../../x.py", "win\\path.py"])
def test_paths_outside_the_package_are_refused(name):
    """Is a path that would escape the package rejected with a helpful message?"""
    with pytest.raises(ValueError, match="relative path"):
        zip_code({name: "x = 1"})


def test_empty_package_is_refused():
    """Does an empty mapping fail loudly instead of producing an empty zip?"""
    with pytest.raises(ValueError, match="at least one file"):
        zip_code({})


def test_lambda_trust_policy_lets_only_lambda_assume_the_role():
    """Is LAMBDA_TRUST_POLICY the trust policy an execution role needs, and nothing more?"""
    from workbook.checks import iam_policies
    from workbook.deploy import LAMBDA_TRUST_POLICY

    assert iam_policies.trusts_service(LAMBDA_TRUST_POLICY, "lambda.amazonaws.com")
    assert not iam_policies.trusts_service(LAMBDA_TRUST_POLICY, "ec2.amazonaws.com")
    assert json.loads(json.dumps(LAMBDA_TRUST_POLICY)) == LAMBDA_TRUST_POLICY
