"""What a check sees: boto3 clients for the sandbox and a few read-only helpers built on them.

Checks speak only boto3, so a lab could later be checked against a real account.
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlparse

import boto3
from botocore.config import Config

from workbook import lambda_logs

from . import iam_policies
from .model import Failed, NotAttempted

# One attempt only: the sandbox is local, and retrying an invoke would run the learner's handler twice.
_CONFIG = Config(connect_timeout=5, read_timeout=120, retries={"total_max_attempts": 1, "mode": "standard"})
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class NoSandbox(NotAttempted):
    """No sandbox is running in this kernel."""


@dataclass
class Invocation:
    """What a synchronous invoke returned, decoded."""

    status_code: int
    payload: object  # the JSON-decoded payload, or the raw text when it is not JSON
    function_error: str | None
    log: str  # the decoded LogResult tail ("" when none came back)
    request_id: str

    @property
    def error_summary(self) -> str:
        """``"ErrorType: message"`` for a handler error, else the start of the payload."""
        if isinstance(self.payload, dict) and "errorType" in self.payload:
            return f"{self.payload['errorType']}: {self.payload.get('errorMessage', '')}".strip()
        return str(self.payload)[:200]


class Aws:
    """boto3 access to the sandbox for checks.

    Example (inside a check)::

        config = aws.function("hello-lambda")
        aws.client("logs").describe_log_groups()
    """

    def __init__(self, endpoint_url: str | None = None, region: str | None = None):
        if endpoint_url is None:
            endpoint_url, region = _find_sandbox(region)
        self.endpoint_url = endpoint_url
        self.region = region or os.environ.get("AWS_REGION") or "us-east-1"
        self._clients: dict[str, object] = {}

    def client(self, service: str):
        """A (cached) boto3 client for ``service`` bound to the sandbox."""
        if service not in self._clients:
            self._clients[service] = boto3.client(
                service, endpoint_url=self.endpoint_url, region_name=self.region, config=_CONFIG
            )
        return self._clients[service]

    @cached_property
    def account_id(self) -> str:
        """The sandbox's account id (asked once, through STS)."""
        return self.client("sts").get_caller_identity()["Account"]

    def function(self, name: str) -> dict:
        """The configuration of function ``name``; NotAttempted when there is no such function."""
        lam = self.client("lambda")
        try:
            return lam.get_function_configuration(FunctionName=name)
        except lam.exceptions.ResourceNotFoundException:
            raise NotAttempted(f"there is no function named {name!r} yet") from None

    def role(self, name: str) -> dict:
        """The IAM role ``name``; NotAttempted when there is no such role."""
        iam = self.client("iam")
        try:
            return iam.get_role(RoleName=name)["Role"]
        except iam.exceptions.NoSuchEntityException:
            raise NotAttempted(f"there is no IAM role named {name!r} yet") from None

    def role_policies(self, role_name: str) -> list[dict]:
        """The permission policy documents of a role: inline ones and attached managed ones."""
        iam = self.client("iam")
        documents = []
        for name in iam.list_role_policies(RoleName=role_name)["PolicyNames"]:
            documents.append(iam.get_role_policy(RoleName=role_name, PolicyName=name)["PolicyDocument"])
        for attached in iam.list_attached_role_policies(RoleName=role_name)["AttachedPolicies"]:
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = iam.get_policy_version(PolicyArn=policy["Arn"], VersionId=policy["DefaultVersionId"])
            documents.append(version["PolicyVersion"]["Document"])
        return [iam_policies.as_document(d) for d in documents]

    def execution_role_policies(self, role_name: str) -> list[dict]:
        """The permission documents of a working execution role: Lambda may assume it, and it may write logs.

        NotAttempted when there is no such role; Failed, saying what to add, when it is not a working
        execution role yet.
        """
        found = self.role(role_name)
        if not iam_policies.trusts_service(found["AssumeRolePolicyDocument"], "lambda.amazonaws.com"):
            raise Failed(
                f"{role_name} exists, but Lambda may not assume it: its trust policy needs an Allow "
                "statement with Principal {'Service': 'lambda.amazonaws.com'} and Action 'sts:AssumeRole'."
            )
        documents = self.role_policies(role_name)
        if not any(iam_policies.allows(d, "logs:PutLogEvents") for d in documents):
            raise Failed(
                f"{role_name} can be assumed by Lambda but may not write logs: add a permission policy "
                "that allows logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents "
                "(an inline policy is fine)."
            )
        return documents

    def log_events(self, log_group: str, **filters) -> list[dict]:
        """Every event of ``log_group`` that ``filter_log_events`` returns; [] when there is no such group."""
        logs = self.client("logs")
        try:
            return list(lambda_logs.filter_events(logs, log_group, **filters))
        except logs.exceptions.ResourceNotFoundException:
            return []

    def log_messages(self, log_group: str) -> list[str]:
        """Every message in ``log_group``, oldest first; [] when the group does not exist."""
        events = self.log_events(log_group)
        events.sort(key=lambda event: (event.get("timestamp", 0), event.get("ingestionTime", 0)))
        return [event["message"] for event in events]

    def function_log_lines(self, function_name: str) -> list[str]:
        """The lines in ``/aws/lambda/<function_name>``, oldest first (multi-line messages split)."""
        lines = []
        for message in self.log_messages(f"/aws/lambda/{function_name}"):
            lines += message.splitlines() or [""]
        return lines

    def reports(self, function_name: str) -> list[dict]:
        """The REPORT lines of ``function_name`` in CloudWatch Logs, parsed, oldest first."""
        lines = self.function_log_lines(function_name)
        return [lambda_logs.parse_report(line) for line in lines if line.startswith("REPORT ")]

    def invoke(self, function_name: str, event: object) -> Invocation:
        """Invoke ``function_name`` synchronously with ``event`` and decode what comes back."""
        response = self.client("lambda").invoke(
            FunctionName=function_name, Payload=json.dumps(event).encode(), LogType="Tail"
        )
        raw = response["Payload"].read().decode("utf-8", errors="replace")
        try:
            payload = json.loads(raw)
        except ValueError:
            payload = raw
        log = base64.b64decode(response.get("LogResult", "")).decode("utf-8", "replace")
        return Invocation(
            status_code=response["StatusCode"],
            payload=payload,
            function_error=response.get("FunctionError"),
            log=log,
            request_id=response["ResponseMetadata"]["RequestId"],
        )


def _find_sandbox(region: str | None) -> tuple[str, str | None]:
    """The running sandbox's endpoint, or a loopback AWS_ENDPOINT_URL; never a real AWS endpoint."""
    from workbook import sandbox

    running = sandbox.current()
    if running is not None:
        return running.endpoint_url, region or running.region
    endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
    if endpoint and urlparse(endpoint).hostname in _LOOPBACK:
        return endpoint, region
    raise NoSandbox("the sandbox is not running in this notebook: run the cell with `sandbox.start()` first")
