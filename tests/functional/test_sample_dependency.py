"""The sample third-party library lesson 07 packages: missing from a zip, then installed and zipped."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile

import pytest

from tests.functional.lambda_helpers import create_role, invoke, make_zip
from workbook.deploy import sample_dependency

pytestmark = pytest.mark.sandbox

APP = """
import tinyprice

def handler(event, context):
    return tinyprice.format_price(event["cents"], event.get("currency", "EUR"))
"""


def test_the_kernel_cannot_import_the_sample_library():
    """Is tinyprice absent from the course's environment, so only a package can bring it?"""
    result = subprocess.run([sys.executable, "-c", "import tinyprice"], capture_output=True, text=True)
    assert result.returncode == 1
    assert "No module named 'tinyprice'" in result.stderr


def test_a_handler_whose_zip_lacks_the_library_fails_to_import(sb):
    """Does a handler importing a library its zip lacks fail with Runtime.ImportModuleError?"""
    sb.client("lambda").create_function(
        FunctionName="no-deps",
        Runtime="python3.12",
        Role=create_role(sb),
        Handler="app.handler",
        Code={"ZipFile": make_zip(APP, "app.py")},
    )
    response = invoke(sb, "no-deps", {"cents": 1999})
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"]["errorType"] == "Runtime.ImportModuleError"
    assert response["Payload"]["errorMessage"] == "Unable to import module 'app': No module named 'tinyprice'"


def test_pip_installs_the_wheel_offline_and_the_zipped_folder_works(sb, tmp_path):
    """Does pip install the sample wheel offline into a folder which, zipped with the handler, runs?"""
    build = tmp_path / "build"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-compile",
            "--target",
            str(build),
            str(sample_dependency()),
        ],
        check=True,
        timeout=120,
    )
    (build / "app.py").write_text(APP)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(build.rglob("*")):
            archive.write(path, path.relative_to(build).as_posix())
    assert "tinyprice/__init__.py" in zipfile.ZipFile(buffer).namelist()
    sb.client("lambda").create_function(
        FunctionName="with-deps",
        Runtime="python3.12",
        Role=create_role(sb),
        Handler="app.handler",
        Code={"ZipFile": buffer.getvalue()},
    )
    assert invoke(sb, "with-deps", {"cents": 123456})["Payload"] == "€1,234.56"
    assert invoke(sb, "with-deps", {"cents": 1999, "currency": "usd"})["Payload"] == "$19.99"
