"""`python -m workbook doctor`: is this laptop ready for the workbook?

Checks the Python version, the installed packages against requirements.txt, that the progress
folder is writable, that a local AWS sandbox starts and stops, that nothing can reach real AWS
credentials, and that the local Lambda runtime runs a handler. Prints one line per check
(✓ passed, ✗ failed, – skipped) with a fix for every failure; exits 1 when anything failed.

Example (in a terminal, from the repository)::

    python -m workbook doctor
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import urlparse

from workbook.authoring.layout import repo_root
from workbook.deploy import LAMBDA_TRUST_POLICY, zip_code

MINIMUM_PYTHON = (3, 11)
REINSTALL_HINT = "run `make lab` from the repository (it reinstalls requirements.txt into .venv)"
# Imported by the notebooks; what we can still check when there is no requirements.txt to read.
CORE_MODULES = ("boto3", "botocore", "moto", "nbformat", "ipywidgets", "jupyterlab", "yaml", "pandas")
LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy")


@dataclass
class CheckResult:
    """One line of the doctor's report: ``status`` is "pass", "fail" or "skip"."""

    name: str
    status: str
    detail: str = ""
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "fail"


def passed(name: str, detail: str = "") -> CheckResult:
    return CheckResult(name, "pass", detail)


def failed(name: str, detail: str, fix: str) -> CheckResult:
    return CheckResult(name, "fail", detail, fix)


def skipped(name: str, detail: str) -> CheckResult:
    return CheckResult(name, "skip", detail)


# --- checks that need no sandbox -------------------------------------------------------------------


def check_python(version_info: tuple[int, ...] = tuple(sys.version_info)) -> CheckResult:
    """Is this Python new enough?"""
    shown = ".".join(map(str, version_info[:3]))
    wanted = ".".join(map(str, MINIMUM_PYTHON))
    if tuple(version_info[:2]) >= MINIMUM_PYTHON:
        return passed("Python", f"{shown} ({wanted} or newer needed)")
    return failed(
        "Python",
        f"{shown} is too old; the workbook needs {wanted} or newer",
        f"install Python {wanted}+ (python.org or your package manager), then `make distclean lab`",
    )


def pinned_versions(requirements_text: str) -> dict[str, str | None]:
    """Package name → pinned version (None when not pinned with ``==``) from requirements.txt text.

    Example::

        >>> pinned_versions("boto3==1.44.5\\nmoto[server]==5.2.5\\n-e .\\n")
        {'boto3': '1.44.5', 'moto': '5.2.5'}
    """
    pins: dict[str, str | None] = {}
    for raw in requirements_text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(?:==\s*([^\s;]+))?", line)
        if match:
            pins[match.group(1)] = match.group(3)
    return pins


def workbook_venv() -> Path:
    """The virtual environment `make lab` creates: ``.venv`` in the repository."""
    return repo_root() / ".venv"


def venv_python(venv: Path | None = None) -> str:
    """How to type the workbook's own Python in a terminal opened in the repository.

    Example::

        >>> venv_python(Path(".venv"))  # doctest: +SKIP
        '.venv/bin/python'
    """
    venv = venv if venv is not None else workbook_venv()
    return str(Path(venv.name) / ("Scripts" if os.name == "nt" else "bin") / "python")


def running_outside_venv(prefix: str | None = None, venv: Path | None = None) -> bool:
    """Is this Python another one than the workbook's ``.venv`` (when that exists)?

    A learner who types ``python -m workbook doctor`` without activating ``.venv`` gets the system Python:
    every package then looks missing, and the right fix is the other Python, not a reinstall.
    """
    venv = venv if venv is not None else workbook_venv()
    if not venv.is_dir():
        return False
    try:
        return Path(prefix if prefix is not None else sys.prefix).resolve() != venv.resolve()
    except OSError:
        return False


def doctor_command() -> str:
    """The command to run the doctor again, with the Python that has the workbook's packages."""
    python = venv_python() if workbook_venv().is_dir() else "python"
    return f"{python} -m workbook doctor"


def _reinstall_hint() -> str:
    if running_outside_venv():
        return (
            f"this doctor runs on {sys.executable}, not on the workbook's .venv: run "
            f"`{doctor_command()}` from the repository instead (or `source .venv/bin/activate` first)"
        )
    return REINSTALL_HINT


def check_packages(requirements: Path | None = None) -> CheckResult:
    """Are the packages in requirements.txt installed, at the pinned versions?"""
    requirements = requirements if requirements is not None else repo_root() / "requirements.txt"
    if not requirements.is_file():
        return _check_core_modules_import()
    pins = pinned_versions(requirements.read_text(encoding="utf-8"))
    problems = []
    for name, pinned in pins.items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name} is not installed")
            continue
        if pinned is not None and installed != pinned:
            problems.append(f"{name} {installed} is installed, {pinned} is pinned")
    if problems and running_outside_venv():
        detail = f"{len(problems)} of {len(pins)} are missing or at other versions, e.g. {problems[0]}"
        return failed("Packages", detail, _reinstall_hint())
    if problems:
        return failed("Packages", "; ".join(problems), _reinstall_hint())
    return passed("Packages", f"all {len(pins)} in {requirements.name} installed at their pinned versions")


def _check_core_modules_import() -> CheckResult:
    missing = []
    for module in CORE_MODULES:
        try:
            __import__(module)
        except ImportError:
            missing.append(module)
    if missing:
        return failed("Packages", "cannot import " + ", ".join(missing), _reinstall_hint())
    return passed("Packages", "no requirements.txt found; the core packages import")


def workbook_home() -> Path:
    """Where progress is kept: ``$WORKBOOK_HOME``, or ``~/.workbook``.

    The same rule as ``workbook.progress.home()``, which imports pandas: the doctor must run without it.
    """
    return Path(os.environ.get("WORKBOOK_HOME") or Path.home() / ".workbook").expanduser()


def check_workbook_home(home: Path | None = None) -> CheckResult:
    """Can the attempt log be written?"""
    home = home if home is not None else workbook_home()
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".doctor-"):
            pass
    except OSError as exc:
        return failed(
            "Progress folder",
            f"{home} is not writable ({exc.strerror or exc})",
            "point WORKBOOK_HOME at a folder you own, e.g. `export WORKBOOK_HOME=$HOME/workbook-progress`",
        )
    return passed("Progress folder", f"{home} is writable")


# --- checks inside a sandbox ------------------------------------------------------------------------


def check_endpoint(sb) -> CheckResult:
    """Does the sandbox listen on the loopback interface, and answer there?"""
    host = urlparse(sb.endpoint_url).hostname
    if host not in LOOPBACK_HOSTS:
        return failed(
            "Sandbox endpoint",
            f"{sb.endpoint_url} is not a loopback address",
            "report this to your instructor: the sandbox must only listen on 127.0.0.1",
        )
    try:
        account = sb.client("sts").get_caller_identity()["Account"]
    except Exception as exc:
        proxies = [name for name in PROXY_VARIABLES if os.environ.get(name)]
        fix = "restart your terminal and run the doctor again; if it keeps failing, ask for help"
        if proxies:
            fix = (
                f"{', '.join(proxies)} is set, and sandbox calls go to that proxy: "
                "`export NO_PROXY=127.0.0.1,localhost` (Windows: `set NO_PROXY=...`) before starting Jupyter"
            )
        return failed("Sandbox endpoint", f"a call to the sandbox failed ({type(exc).__name__}: {exc})", fix)
    if account != sb.account_id:
        return failed(
            "Sandbox endpoint",
            f"the endpoint answered for account {account}, not the sandbox's {sb.account_id}",
            "restart and run the doctor again; another program may be using the same port",
        )
    return passed("Sandbox endpoint", f"{sb.endpoint_url} (loopback) answers for account {sb.account_id}")


def check_no_real_credentials(sb) -> CheckResult:
    """Do boto3 clients made now get the sandbox's fake keys, with ~/.aws out of reach?"""
    import boto3

    from workbook.sandbox.isolation import FAKE_ACCESS_KEY_ID

    problems = []
    try:
        credentials = boto3.Session().get_credentials()
    except Exception as exc:  # e.g. ProfileNotFound when AWS_PROFILE came back
        problems.append(f"boto3 cannot resolve credentials ({exc})")
    else:
        if credentials is None or credentials.access_key != FAKE_ACCESS_KEY_ID:
            problems.append("boto3 resolves credentials other than the sandbox's fake keys")
    real_aws = (Path.home() / ".aws").resolve()
    for variable in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        value = os.environ.get(variable)
        if not value:
            problems.append(f"{variable} is not set, so ~/.aws would be read")
        elif Path(value).resolve().is_relative_to(real_aws):
            problems.append(f"{variable} points into ~/.aws")
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        if os.environ.get(variable):
            problems.append(f"{variable} is still set")
    if problems:
        return failed(
            "No real credentials",
            "; ".join(problems),
            "do not set AWS variables after `sandbox.start()`; "
            "restart the kernel and report this to your instructor",
        )
    return passed("No real credentials", "clients get the sandbox's fake keys; ~/.aws is hidden")


RUNTIME_HANDLER = "def handler(event, context):\n    return {'doctor': event['nonce']}\n"


def check_lambda_runtime(sb) -> CheckResult:
    """Does a tiny handler really run and return what it should?

    Skipped (not failed) while the local runtime is not installed: moto then answers an invoke
    with a complaint about Docker instead of running any code.
    """
    name = "Lambda runtime"
    lam, iam = sb.client("lambda"), sb.client("iam")
    suffix = uuid.uuid4().hex[:8]
    function_name, role_name = f"workbook-doctor-{suffix}", f"workbook-doctor-{suffix}"
    nonce = uuid.uuid4().hex
    trust = json.dumps(LAMBDA_TRUST_POLICY)
    role_arn = iam.create_role(RoleName=role_name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    try:
        lam.create_function(
            FunctionName=function_name,
            Runtime="python3.12",
            Role=role_arn,
            Handler="app.handler",
            Code={"ZipFile": zip_code({"app.py": RUNTIME_HANDLER})},
            Timeout=10,
        )
        try:
            with _quiet():
                payload = json.dumps({"nonce": nonce}).encode()
                response = lam.invoke(FunctionName=function_name, Payload=payload)
            body = response["Payload"].read().decode("utf-8", "replace")
        finally:
            lam.delete_function(FunctionName=function_name)
    finally:
        iam.delete_role(RoleName=role_name)

    if _decoded(body) == {"doctor": nonce}:
        return passed(name, "a test handler ran in a worker process and returned the expected value")
    if "docker" in body.lower():
        return skipped(name, "skipped: runtime not available (invoke does not run handler code yet)")
    return failed(
        name,
        f"the test handler returned {body[:200]!r} (function error: {response.get('FunctionError')})",
        "run the doctor again; if it keeps failing, report the line above to your instructor",
    )


def _decoded(body: str):
    try:
        return json.loads(body)
    except ValueError:
        return None


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Keep moto's warnings and prints out of the report."""
    previous = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            yield
    finally:
        logging.disable(previous)


SandboxCheck = Callable[[object], CheckResult]
SANDBOX_CHECKS: tuple[tuple[str, SandboxCheck], ...] = (
    ("Sandbox endpoint", check_endpoint),
    ("No real credentials", check_no_real_credentials),
    ("Lambda runtime", check_lambda_runtime),
)


def sandbox_checks() -> list[CheckResult]:
    """Start a sandbox, run the checks that need one, stop it and confirm the environment came back."""
    from workbook import sandbox

    already_running = sandbox.current()
    environment_before = dict(os.environ)
    try:
        with _quiet():
            sb = sandbox.start()
    except Exception as exc:  # the doctor reports; it never shows a traceback
        detail = str(exc)
        fix = "close other programs using many ports, restart your terminal and run the doctor again"
        if isinstance(exc, ImportError):  # a missing or mismatched package, not the machine
            detail = f"{type(exc).__name__}: {exc}"
            fix = "a package is missing or at another version: see Packages above"
        start = failed("Sandbox starts", detail, fix)
        return [start] + [skipped(name, "skipped: needs a running sandbox") for name, _ in SANDBOX_CHECKS]

    results = [passed("Sandbox starts", f"moto server on {sb.endpoint_url}")]
    for name, check in SANDBOX_CHECKS:
        results.append(_run_safely(name, lambda check=check: check(sb)))
    if already_running is None:
        results.append(_run_safely("Sandbox stops", lambda: _stop_and_compare(sb, environment_before)))
    return results


def _stop_and_compare(sb, environment_before: dict[str, str]) -> CheckResult:
    sb.stop()
    if dict(os.environ) != environment_before:
        changed = sorted(set(os.environ.items()) ^ set(environment_before.items()))
        names = sorted({key for key, _ in changed})
        return failed(
            "Sandbox stops",
            "the environment was not restored: " + ", ".join(names),
            "report this to your instructor",
        )
    return passed("Sandbox stops", "server stopped, environment restored")


def _run_safely(name: str, check: Callable[[], CheckResult]) -> CheckResult:
    try:
        return check()
    except Exception as exc:
        fix = "run the doctor again; if it keeps failing, ask for help"
        return failed(name, f"{type(exc).__name__}: {exc}", fix)


# --- the report --------------------------------------------------------------------------------------


def run_checks() -> list[CheckResult]:
    """Every check, in the order the report shows them."""
    results = [
        _run_safely("Python", check_python),
        _run_safely("Packages", check_packages),
        _run_safely("Progress folder", check_workbook_home),
    ]
    return results + sandbox_checks()


SYMBOLS = {"pass": "✓", "fail": "✗", "skip": "–"}
PLAIN_SYMBOLS = {"pass": "OK  ", "fail": "FAIL", "skip": "SKIP"}


def render(results: list[CheckResult], encoding: str | None = None) -> str:
    """The report as text: one line per check, a fix under each failure, a verdict at the end."""
    symbols = SYMBOLS if _can_encode("✓✗–", encoding or sys.stdout.encoding) else PLAIN_SYMBOLS
    lines = ["Serverless Lambda Workbook — doctor", ""]
    for result in results:
        lines.append(f"  {symbols[result.status]} {result.name}: {result.detail}")
        if result.failed:
            lines.append(f"      fix: {result.fix}")
    failures = sum(result.failed for result in results)
    lines.append("")
    if failures:
        lines.append(f"{failures} problem(s) found. Fix them and run `{doctor_command()}` again.")
    else:
        lines.append("All checks passed: this laptop is ready for the workbook.")
    text = "\n".join(lines)
    return text if symbols is SYMBOLS else text.replace("—", "-")


def _can_encode(text: str, encoding: str | None) -> bool:
    try:
        text.encode(encoding or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Run every check and print the report; 1 when anything failed."""
    if argv:
        print("usage: python -m workbook doctor   (takes no options)", file=sys.stderr)
        return 2
    results = run_checks()
    print(render(results))
    return 1 if any(result.failed for result in results) else 0
