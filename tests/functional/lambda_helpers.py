"""Small helpers for Lambda tests: zips built in memory, a role Lambda may assume, functions."""

from __future__ import annotations

import base64
import io
import json
import textwrap
import zipfile

from workbook.deploy import LAMBDA_TRUST_POLICY as TRUST_POLICY


def make_zip(code: str, filename: str = "handler.py", extra: dict[str, str] | None = None) -> bytes:
    """A deployment package holding ``code`` as ``filename`` (plus any ``extra`` files)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(filename, textwrap.dedent(code))
        for name, content in (extra or {}).items():
            archive.writestr(name, textwrap.dedent(content))
    return buffer.getvalue()


ALLOW_ALL = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def create_role(sb, name: str = "lambda-exec", policy: dict | None = ALLOW_ALL) -> str:
    """A role Lambda may assume; by default its inline policy allows everything."""
    iam = sb.client("iam")
    try:
        return iam.get_role(RoleName=name)["Role"]["Arn"]
    except iam.exceptions.NoSuchEntityException:
        pass
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
    if policy is not None:
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(policy))
    return arn


def create_function(sb, name: str, code: str, handler: str = "handler.handler", **kwargs) -> dict:
    """Create a python3.12 function whose ``handler.py`` is ``code``; kwargs go to create_function."""
    kwargs.setdefault("Runtime", "python3.12")
    kwargs.setdefault("Timeout", 3)
    filename = kwargs.pop("filename", "handler.py")
    return sb.client("lambda").create_function(
        FunctionName=name,
        Role=kwargs.pop("Role", None) or create_role(sb),
        Handler=handler,
        Code={"ZipFile": make_zip(code, filename)},
        **kwargs,
    )


def invoke(sb, name: str, event=None, **kwargs) -> dict:
    """Invoke synchronously; returns the response with ``Payload`` read and decoded from JSON
    (``Body`` keeps the raw bytes) and ``Log`` decoded from LogResult when present."""
    lam = sb.client("lambda")
    if event is not None:
        kwargs["Payload"] = json.dumps(event)
    response = lam.invoke(FunctionName=name, **kwargs)
    body = response["Payload"].read()
    response["Body"] = body
    response["Payload"] = json.loads(body) if body else None
    if "LogResult" in response:
        response["Log"] = base64.b64decode(response["LogResult"]).decode()
    return response


def log_messages(sb, name: str) -> list[str]:
    """Every message in the function's log group, stream by stream."""
    logs = sb.client("logs")
    group = f"/aws/lambda/{name}"
    messages = []
    for stream in logs.describe_log_streams(logGroupName=group)["logStreams"]:
        events = logs.get_log_events(logGroupName=group, logStreamName=stream["logStreamName"])["events"]
        messages += [event["message"] for event in events]
    return messages
