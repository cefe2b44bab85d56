"""Does `python -m workbook doctor` tell an instructor, line by line, whether a laptop is ready?"""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from tests.functional.pyrun import ROOT, hermetic_env
from workbook import doctor
from workbook.doctor import CheckResult


def run_doctor(tmp_path, **env) -> subprocess.CompletedProcess:
    """The doctor in a fresh process, with HOME and WORKBOOK_HOME in ``tmp_path`` unless overridden."""
    defaults = {
        "HOME": str(tmp_path),
        "WORKBOOK_HOME": str(tmp_path / "workbook-home"),
        "PYTHONIOENCODING": "utf-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "workbook", "doctor"],
        cwd=ROOT,
        env=hermetic_env(**{**defaults, **env}),
        capture_output=True,
        text=True,
        timeout=120,
    )


# --- the whole command ---------------------------------------------------------------------------------


@pytest.mark.sandbox
def test_a_ready_laptop_passes_every_check(tmp_path):
    """On this (ready) environment, does the doctor exit 0 with only ✓ and skipped lines?"""
    result = run_doctor(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    check_lines = [line for line in result.stdout.splitlines() if line.startswith("  ")]
    assert len(check_lines) == 8
    assert all(line.lstrip()[0] in "✓–" for line in check_lines), result.stdout
    assert "All checks passed" in result.stdout


@pytest.mark.sandbox
def test_a_learners_real_aws_profile_does_not_fail_the_credentials_check(tmp_path):
    """With ~/.aws holding other keys and AWS_PROFILE set, does the credentials check still pass?"""
    (tmp_path / ".aws").mkdir()
    (tmp_path / ".aws" / "credentials").write_text(
        "[learner]\naws_access_key_id = AKIAFAKEREALPROFILE9\naws_secret_access_key = s\n"
    )
    result = run_doctor(tmp_path, AWS_PROFILE="learner", AWS_ACCESS_KEY_ID="AKIAFAKEREALENVIRON9")
    assert "✓ No real credentials" in result.stdout, result.stdout


@pytest.mark.sandbox
def test_a_failure_exits_1_and_prints_its_fix(tmp_path):
    """When a check fails (an unwritable progress folder), does the doctor exit 1 and say how to fix it?"""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = run_doctor(tmp_path, WORKBOOK_HOME=str(blocker / "progress"))
    assert result.returncode == 1
    assert "✗ Progress folder" in result.stdout
    assert "fix: point WORKBOOK_HOME at a folder you own" in result.stdout
    assert "1 problem(s) found" in result.stdout


@pytest.mark.sandbox
def test_a_learners_proxy_does_not_break_the_sandbox(tmp_path):
    """With HTTP(S)_PROXY set (a corporate laptop), does the endpoint check still pass, loopback bypassing it?"""
    closed_proxy = "http://127.0.0.1:9"
    env = {"HTTP_PROXY": closed_proxy, "HTTPS_PROXY": closed_proxy, "NO_PROXY": "", "no_proxy": ""}
    result = run_doctor(tmp_path, **env)
    assert "✓ Sandbox endpoint" in result.stdout, result.stdout


def test_unexpected_arguments_are_refused():
    """Does `doctor --bogus` print its usage and exit 2?"""
    assert doctor.main(["--bogus"]) == 2


# --- single checks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "version, status", [((3, 10, 12), "fail"), ((3, 11, 0), "pass"), ((3, 13, 1), "pass")]
)
def test_python_version_check(version, status):
    """Is Python older than 3.11 a failure, and 3.11 or newer a pass?"""
    assert doctor.check_python(version).status == status


def test_an_old_python_names_the_needed_version():
    """Does the Python failure say which version is needed?"""
    result = doctor.check_python((3, 9, 1))
    assert "3.9.1 is too old" in result.detail and "3.11" in result.fix


def test_pins_are_read_from_requirements_text():
    """Are `name==version` pins read, extras dropped, comments and `-e .` skipped, unpinned names kept?"""
    text = "# comment\njupyterlab==4.6.6\nmoto[server]==5.2.5  # the server extra\nrich\n-e .\n"
    assert doctor.pinned_versions(text) == {"jupyterlab": "4.6.6", "moto": "5.2.5", "rich": None}


def test_the_repositorys_pins_are_installed():
    """Do the installed packages match requirements.txt in this environment?"""
    assert doctor.check_packages(ROOT / "requirements.txt").status == "pass"


def test_a_wrong_or_missing_package_fails_with_the_reinstall_fix(tmp_path):
    """Does a pin unlike the installed version, or a missing package, fail with `make lab` as the fix?"""
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("boto3==0.0.1\nworkbook-no-such-package==1.0\n")
    result = doctor.check_packages(requirements)
    assert result.status == "fail"
    assert "boto3" in result.detail and "0.0.1 is pinned" in result.detail
    assert "workbook-no-such-package is not installed" in result.detail
    assert "make lab" in result.fix


def test_without_requirements_the_core_packages_must_import(tmp_path):
    """With no requirements.txt to read, does the check fall back to importing the core packages?"""
    result = doctor.check_packages(tmp_path / "missing.txt")
    assert result.status == "pass" and "import" in result.detail


def test_a_writable_progress_folder_passes_and_is_created(tmp_path):
    """Is a progress folder that can be created and written to a pass?"""
    home = tmp_path / "new" / "workbook"
    assert doctor.check_workbook_home(home).status == "pass"
    assert home.is_dir() and list(home.iterdir()) == []


def test_workbook_home_defaults_to_dot_workbook(monkeypatch, tmp_path):
    """Without WORKBOOK_HOME, is progress kept in ~/.workbook?"""
    monkeypatch.delenv("WORKBOOK_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert doctor.workbook_home() == tmp_path / ".workbook"


@pytest.mark.sandbox
def test_the_credentials_check_passes_in_the_sandbox(sb):
    """In a running sandbox, are the fake keys in use and ~/.aws hidden?"""
    assert doctor.check_no_real_credentials(sb).status == "pass"


@pytest.mark.sandbox
@pytest.mark.parametrize(
    "variable, value",
    [("AWS_ACCESS_KEY_ID", "AKIAFAKEREALENVIRON7"), ("AWS_PROFILE", "learner")],
)
def test_the_credentials_check_catches_a_leak(sb, monkeypatch, variable, value):
    """If a real key or profile gets back into the environment, does the credentials check fail?"""
    monkeypatch.setenv(variable, value)
    result = doctor.check_no_real_credentials(sb)
    assert result.status == "fail"


@pytest.mark.sandbox
def test_the_credentials_check_catches_config_pointing_at_dot_aws(sb, monkeypatch, tmp_path):
    """If AWS_CONFIG_FILE points into ~/.aws again, does the check fail?"""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / ".aws" / "config"))
    result = doctor.check_no_real_credentials(sb)
    assert result.status == "fail" and "AWS_CONFIG_FILE points into ~/.aws" in result.detail


@pytest.mark.sandbox
def test_the_endpoint_check_passes_in_the_sandbox(sb):
    """Is the sandbox's endpoint loopback, and does it answer for the sandbox's account?"""
    assert doctor.check_endpoint(sb).status == "pass"


@pytest.mark.sandbox
def test_the_runtime_check_passes_or_skips_and_leaves_nothing_behind(sb):
    """In a real sandbox, does the runtime check pass (or skip without a runtime) and delete what it made?"""
    result = doctor.check_lambda_runtime(sb)
    assert result.status in {"pass", "skip"}, result
    assert sb.client("lambda").list_functions()["Functions"] == []
    assert sb.client("iam").list_roles()["Roles"] == []


@pytest.mark.sandbox
def test_the_doctor_leaves_a_running_sandbox_running(sb):
    """Called from a kernel whose sandbox is running, does the doctor use it without stopping it?"""
    results = doctor.sandbox_checks()
    assert sb.running and "Sandbox stops" not in [r.name for r in results]


# --- the runtime check against fakes (its verdicts do not depend on which runtime is installed) ---------


class FakeClients:
    """Stands in for a sandbox: an IAM that creates roles and a Lambda whose invoke returns ``body``."""

    def __init__(self, body: str | None = None, function_error: str | None = None):
        self.body, self.function_error = body, function_error

    def client(self, service):
        return self

    def create_role(self, RoleName, AssumeRolePolicyDocument):
        return {"Role": {"Arn": f"arn:aws:iam::123456789012:role/{RoleName}"}}

    def delete_role(self, RoleName):
        pass

    def create_function(self, **kwargs):
        pass

    def delete_function(self, FunctionName):
        pass

    def invoke(self, FunctionName, Payload):
        body = self.body if self.body is not None else json.dumps({"doctor": json.loads(Payload)["nonce"]})
        response = {"StatusCode": 200, "Payload": io.BytesIO(body.encode())}
        if self.function_error:
            response["FunctionError"] = self.function_error
        return response


def test_a_handler_returning_the_expected_value_passes():
    """When invoke runs the handler and returns its value, does the runtime check pass?"""
    assert doctor.check_lambda_runtime(FakeClients()).status == "pass"


def test_motos_no_docker_answer_means_runtime_not_available():
    """When invoke answers with moto's no-Docker message, is the check skipped as 'runtime not available'?"""
    fake = FakeClients(
        body="error running docker: Error while fetching server API version", function_error="Handled"
    )
    result = doctor.check_lambda_runtime(fake)
    assert result.status == "skip"
    assert "skipped: runtime not available" in result.detail


def test_a_wrong_result_from_a_real_runtime_fails():
    """When invoke runs code but returns something else, does the runtime check fail with what it got?"""
    fake = FakeClients(body='{"errorMessage": "boom", "errorType": "Exception"}', function_error="Unhandled")
    result = doctor.check_lambda_runtime(fake)
    assert result.status == "fail" and "boom" in result.detail


# --- the report ----------------------------------------------------------------------------------------


def test_the_report_shows_a_fix_under_each_failure():
    """Does every ✗ line have a `fix:` line under it, and the verdict count the failures?"""
    text = doctor.render(
        [
            CheckResult("Python", "pass", "3.12.1"),
            CheckResult("Packages", "fail", "boto3 missing", "run `make lab`"),
        ],
        encoding="utf-8",
    )
    assert "  ✓ Python: 3.12.1" in text
    assert "  ✗ Packages: boto3 missing\n      fix: run `make lab`" in text
    assert "1 problem(s) found" in text


def test_the_report_falls_back_to_plain_words_on_a_terminal_without_unicode():
    """On a console that cannot print ✓, does the report say OK/FAIL/SKIP instead of crashing?"""
    text = doctor.render(
        [CheckResult("Python", "pass", "3.12.1"), CheckResult("Runtime", "skip", "skipped")], "ascii"
    )
    text.encode("ascii")
    assert "OK   Python" in text and "SKIP Runtime" in text


# --- the wrong Python ------------------------------------------------------------------------------------


def test_another_python_than_the_venv_is_noticed(tmp_path):
    """Is a Python outside the workbook's .venv told apart from the .venv's own (no .venv: no verdict)?"""
    venv = tmp_path / ".venv"
    venv.mkdir()
    assert doctor.running_outside_venv(prefix=str(tmp_path / "system-python"), venv=venv)
    assert not doctor.running_outside_venv(prefix=str(venv), venv=venv)
    assert not doctor.running_outside_venv(prefix=str(tmp_path), venv=tmp_path / "no-venv")


def test_missing_packages_outside_the_venv_point_at_the_venv_python(tmp_path, monkeypatch):
    """With the system Python, is the fix "use .venv's Python", not a reinstall, in a one-line detail?"""
    monkeypatch.setattr(doctor, "running_outside_venv", lambda *a, **k: True)
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("workbook-no-such-package==1.0\nanother-missing-package==2.0\n")
    result = doctor.check_packages(requirements)
    assert result.status == "fail"
    assert result.detail.startswith("2 of 2 are missing or at other versions")
    assert "-m workbook doctor" in result.fix and ".venv" in result.fix
