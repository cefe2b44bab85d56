"""Deploy Lambda functions from notebook strings: zip packages, execution roles, create-or-update.

- :func:`zip_code` builds a deployment package (a zip file) in memory from ``{filename: source}``;
- :func:`create_execution_role` creates the IAM role a function runs as (trusted by Lambda, may write logs);
- :func:`deploy_function` creates a function, or updates its code and configuration if it exists, and waits
  until it is ready;
- :func:`wait_for_provisioned_concurrency` waits until the provisioned concurrency of an alias or version
  is ready;
- :func:`sample_dependency` gives the wheel of a small third-party library the course ships (lesson 07
  packages it with a function).

Lesson 01 does each of these by hand with boto3; later lessons use the helpers, which make the same calls.

Example::

    from workbook.deploy import create_execution_role, deploy_function

    APP_PY = '''
    def handler(event, context):
        return {"hello": event.get("name", "world")}
    '''
    ROLE_ARN = create_execution_role(iam, "hello-role")
    deploy_function(lam, "hello", {"app.py": APP_PY}, ROLE_ARN)   # handler "app.handler": file app.py
"""

from __future__ import annotations

import atexit
import io
import json
import shutil
import tempfile
import textwrap
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

LAMBDA_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ],
}
"""The trust policy of an execution role: the Lambda service may assume it (``sts:AssumeRole``)."""

_AWS_MANAGED = "arn:aws:iam::aws:policy/"
# create_function parameters that update_function_configuration does not take: some go to
# update_function_code instead, the rest only apply when a function is created (Tags: see tag_resource).
_CODE_SETTINGS = ("Publish", "Architectures")
_CREATE_ONLY = ("PackageType", "CodeSigningConfigArn", "Tags")

# A fixed timestamp makes the same sources give the same bytes (and the same CodeSha256).
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--: readable by the runtime, as on AWS


def zip_code(source_by_filename: Mapping[str, str | bytes]) -> bytes:
    """Return the bytes of a zip holding each file at the path given by its key.

    Keys are paths inside the package (``"app.py"``, ``"orders/logic.py"``); values are the file
    contents, text or bytes. Text is dedented, so a handler written as an indented triple-quoted
    string works as it reads. Pass the result as ``Code={"ZipFile": ...}`` to ``create_function`` or
    as ``ZipFile=...`` to ``update_function_code``.

    Example::

        >>> data = zip_code({"app.py": "def handler(event, context):\\n    return event\\n"})
        >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
        ['app.py']
    """
    if not source_by_filename:
        raise ValueError("zip_code needs at least one file, e.g. zip_code({'app.py': SOURCE})")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(source_by_filename):
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
                raise ValueError(
                    f"{name!r} is not a relative path inside the package, like 'app.py' or 'pkg/mod.py'"
                )
            content = source_by_filename[name]
            if isinstance(content, str):
                content = textwrap.dedent(content).encode("utf-8")
            info = zipfile.ZipInfo(str(path), date_time=_EPOCH)
            info.external_attr = _FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()


def create_execution_role(
    iam,
    name: str,
    statements: Iterable[dict] = (),
    managed: Iterable[str] = ("service-role/AWSLambdaBasicExecutionRole",),
) -> str:
    """Create the execution role ``name`` for Lambda functions and return its ARN.

    The role trusts Lambda (:data:`LAMBDA_TRUST_POLICY`). By default it gets the AWS managed policy
    ``AWSLambdaBasicExecutionRole``, which allows writing logs to CloudWatch Logs — what AWS's own tutorials
    attach. ``managed`` names more managed policies (``"AmazonS3ReadOnlyAccess"``,
    ``"service-role/AWSLambdaSQSQueueExecutionRole"``) or full policy ARNs; ``statements`` are IAM policy
    statements put on the role as one inline policy, ``permissions``.

    Running it again for the same name is safe: the trust policy and the inline policy are replaced and the
    managed policies attached again (none is detached).

    Example::

        ROLE_ARN = create_execution_role(iam, "orders-role")              # may write logs
        ROLE_ARN = create_execution_role(
            iam,
            "reader-role",
            statements=[{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::photos/*"}],
        )
    """
    trust = json.dumps(LAMBDA_TRUST_POLICY)
    try:
        arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=trust)["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=trust)
        arn = iam.get_role(RoleName=name)["Role"]["Arn"]
    statements = list(statements)
    if statements:
        document = {"Version": "2012-10-17", "Statement": statements}
        iam.put_role_policy(RoleName=name, PolicyName="permissions", PolicyDocument=json.dumps(document))
    for policy in managed:
        policy_arn = policy if policy.startswith("arn:") else _AWS_MANAGED + policy.lstrip("/")
        iam.attach_role_policy(RoleName=name, PolicyArn=policy_arn)
    return arn


def deploy_function(
    lam,
    name: str,
    files: Mapping[str, str | bytes],
    role_arn: str,
    handler: str = "app.handler",
    runtime: str = "python3.12",
    **config,
) -> dict:
    """Deploy the Python function ``name`` from ``{filename: source}`` and return its configuration.

    Creates the function the first time; when it exists, updates its configuration (role, handler, runtime
    and ``config``) and then its code. Either way it waits until the function is ready to invoke
    (``function_active_v2`` / ``function_updated_v2``), so that running a cell again redeploys.
    ``config`` takes the other parameters of ``create_function``: ``Timeout=2``, ``MemorySize=256``,
    ``Environment={"Variables": {...}}``, ``Publish=True``, …

    Example::

        config = deploy_function(lam, "orders", {"app.py": APP_PY, "pricing.py": PRICING_PY}, ROLE_ARN,
                                 Timeout=10, Environment={"Variables": {"TABLE_NAME": "orders"}})
        config["State"], config["LastUpdateStatus"]                # ('Active', 'Successful')
        deploy_function(lam, "echo", {"echo.py": ECHO_PY}, ROLE_ARN, handler="echo.handler")
    """
    package = zip_code(files)
    settings = {"Role": role_arn, "Handler": handler, "Runtime": runtime, **config}
    try:
        lam.create_function(FunctionName=name, Code={"ZipFile": package}, **settings)
    except lam.exceptions.ResourceConflictException:
        _update_function(lam, name, package, settings)
    else:
        lam.get_waiter("function_active_v2").wait(FunctionName=name)
    return lam.get_function_configuration(FunctionName=name)


def _update_function(lam, name: str, package: bytes, settings: dict) -> None:
    """Bring an existing function to ``settings`` and ``package``: configuration first, then code."""
    code_settings = {key: settings.pop(key) for key in _CODE_SETTINGS if key in settings}
    tags = settings.pop("Tags", None)
    for key in _CREATE_ONLY:
        settings.pop(key, None)
    updated = lam.get_waiter("function_updated_v2")
    lam.update_function_configuration(FunctionName=name, **settings)
    updated.wait(FunctionName=name)
    lam.update_function_code(FunctionName=name, ZipFile=package, **code_settings)
    updated.wait(FunctionName=name)
    if tags:
        arn = lam.get_function_configuration(FunctionName=name)["FunctionArn"]
        lam.tag_resource(Resource=arn, Tags=tags)


def wait_for_provisioned_concurrency(
    lam, name: str, qualifier: str, *, delay: float = 0.5, timeout: float = 300
) -> dict:
    """Wait until the provisioned concurrency of ``name:qualifier`` is ``READY``; return its configuration.

    boto3 has no waiter for it, so this is one built the same way (botocore's ``WaiterModel``): it asks
    ``get_provisioned_concurrency_config`` every ``delay`` seconds and stops at ``READY``, or raises
    ``botocore.exceptions.WaiterError`` at ``FAILED`` or after ``timeout`` seconds. On AWS allocation takes
    a minute or two; in the sandbox, seconds.

    Example::

        lam.put_provisioned_concurrency_config(FunctionName="prices", Qualifier="live",
                                               ProvisionedConcurrentExecutions=2)
        wait_for_provisioned_concurrency(lam, "prices", "live")["Status"]      # 'READY'
    """
    from botocore.waiter import WaiterModel, create_waiter_with_client

    model = WaiterModel(
        {
            "version": 2,
            "waiters": {
                "ProvisionedConcurrencyReady": {
                    "operation": "GetProvisionedConcurrencyConfig",
                    "delay": delay,
                    "maxAttempts": max(1, int(timeout / delay)),
                    "acceptors": [
                        {"state": "success", "matcher": "path", "argument": "Status", "expected": "READY"},
                        {"state": "failure", "matcher": "path", "argument": "Status", "expected": "FAILED"},
                    ],
                }
            },
        }
    )
    waiter = create_waiter_with_client("ProvisionedConcurrencyReady", model, lam)
    waiter.wait(FunctionName=name, Qualifier=qualifier)
    return lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier=qualifier)


_sample_wheels: dict[str, Path] = {}


def sample_dependency(name: str = "tinyprice") -> Path:
    """Return the path of a wheel of ``name``, a small third-party library the course ships.

    ``tinyprice`` (``tinyprice.format_price(123456, "EUR")`` gives ``'€1,234.56'``) is not installed in
    the course's environment: a handler that imports it fails with ``Runtime.ImportModuleError`` unless
    its deployment package (or a layer) carries it. ``pip install --no-index --target <folder> <wheel>``
    installs it into a build folder offline in a few seconds; zip that folder with the handler and the
    import works. The wheel is built on first use into a temporary folder, kept until Python exits.

    Example::

        import subprocess, sys
        from workbook.deploy import sample_dependency

        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index",
                        "--target", "build", str(sample_dependency())], check=True)
        # build/ now holds tinyprice/ and tinyprice-1.0.0.dist-info/: add app.py and zip the folder
    """
    from workbook import sample_packages

    wheel = _sample_wheels.get(name)
    if wheel is None or not wheel.is_file():
        if not _sample_wheels:
            folder = Path(tempfile.mkdtemp(prefix="workbook-wheels-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
        else:
            folder = next(iter(_sample_wheels.values())).parent
        wheel = _sample_wheels[name] = sample_packages.wheel(name, folder)
    return wheel
