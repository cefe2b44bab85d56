"""What a check sees: boto3 clients for the sandbox and a few read-only helpers built on them.

Checks speak only boto3, so a lab could later be checked against a real account.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urlparse

import boto3
from botocore.config import Config

from workbook import lambda_logs

from . import iam_policies
from .fresh import Fresh
from .model import Failed, NotAttempted

# One attempt only: the sandbox is local, and retrying an invoke would run the learner's handler twice.
_CONFIG = Config(connect_timeout=5, read_timeout=120, retries={"total_max_attempts": 1, "mode": "standard"})
_LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# request id -> time.monotonic() of every invocation a check made in this process, so that a check can
# leave its own invocations out of what it compares with a learner's answer.
_check_invocations: dict[str, float] = {}
_check_invocations_lock = threading.Lock()


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
        self.fresh = Fresh()  # a new one for each step's check: see Step.run
        self.answered_at = time.monotonic()  # when the learner's answer was taken; also as epoch seconds:
        self.answered_at_epoch = time.time()

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

    def log_writing(self, function_name: str):
        """The grants an execution role needs to write the logs of ``function_name`` (see iam_policies)."""
        group = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:/aws/lambda/{function_name}"
        return iam_policies.log_writing(group)

    def least_privilege_role(
        self, role_name: str, needs, *, job: str = "its function needs", excess_allowed: bool = False
    ) -> list[dict]:
        """The permission documents of ``role_name`` when it is an execution role with exactly ``needs``.

        Failed (naming what to change) when Lambda may not assume it, when anyone else may, when a needed
        :class:`~workbook.checks.iam_policies.Grant` is missing, or when its policies allow more than
        ``needs`` (unless ``excess_allowed``). NotAttempted when there is no such role.

        Example (inside a check)::

            needs = [*aws.log_writing("orders"), Grant(("sqs:SendMessage",), queue_arn)]
            aws.least_privilege_role("orders-role", needs, job="orders needs")
        """
        found = self.role(role_name)
        trust = found["AssumeRolePolicyDocument"]
        if not iam_policies.trusts_service(trust, "lambda.amazonaws.com"):
            raise Failed(
                f"{role_name} exists, but Lambda may not assume it: its trust policy needs an Allow "
                "statement with Principal {'Service': 'lambda.amazonaws.com'} and Action 'sts:AssumeRole'."
            )
        strangers = iam_policies.trust_problems(trust, "lambda.amazonaws.com")
        if strangers:
            raise Failed(
                f"{role_name}'s trust policy admits more than Lambda: {'; '.join(strangers)}. An execution "
                "role trusts lambda.amazonaws.com only: replace it with "
                "iam.update_assume_role_policy(RoleName=..., PolicyDocument=...)."
            )
        documents = self.role_policies(role_name)
        lacking = iam_policies.missing(documents, needs)
        if lacking:
            logs = [g for g in lacking if any(a.startswith("logs:") for a in g.actions)]
            if logs:
                raise Failed(
                    f"{role_name} can be assumed by Lambda but may not write logs: add a permission policy "
                    "that allows logs:CreateLogGroup, logs:CreateLogStream and logs:PutLogEvents "
                    "(an inline policy is fine)."
                )
            wanted = "; ".join(g.describe() for g in lacking)
            instead = iam_policies.excess(documents, needs)
            also = f" What it allows instead, or besides: {'; '.join(instead)}." if instead else ""
            raise Failed(f"{role_name} may not do what {job}: allow {wanted}.{also}")
        extra = [] if excess_allowed else iam_policies.excess(documents, needs)
        if extra:
            raise Failed(
                f"{role_name} allows more than {job}: {'; '.join(extra)}. Least privilege: allow only "
                f"{_allowed_list(needs)}. "
                "iam.put_role_policy with the same PolicyName replaces an inline policy; "
                "iam.detach_role_policy removes an attached one."
            )
        return documents

    def expect_role(self, config: dict, role_name: str) -> str:
        """The function of ``config`` runs as ``role_name``; Failed naming the role it runs as otherwise."""
        try:
            expected = self.role(role_name)["Arn"]
        except NotAttempted:
            raise Failed(
                f"{config['FunctionName']} runs as {config.get('Role')}, and there is no role {role_name} "
                f"yet: create {role_name} and give it to the function."
            ) from None
        if config.get("Role") != expected:
            raise Failed(
                f"{config['FunctionName']} runs as {config.get('Role')}; it must run as {role_name} "
                f"({expected}), the role the lab built for it: "
                "lam.update_function_configuration(FunctionName=..., Role=...)."
            )
        return expected

    def expect_configuration(self, config: dict, *, how: str = "", **expected) -> None:
        """Failed listing every setting of ``config`` that is not as ``expected``.

        ``Environment`` is given as ``{name: value}``: those variables must have those values (others may
        be there too). ``how`` is the learner's way to change the settings.

        Example (inside a check)::

            aws.expect_configuration(config, Runtime="python3.12", Timeout=2,
                                     Environment={"TABLE_NAME": "upload-catalog"})
        """
        wrong = []
        for setting, value in expected.items():
            if setting == "Environment":
                variables = (config.get("Environment") or {}).get("Variables") or {}
                for name, wanted in value.items():
                    if variables.get(name) != wanted:
                        found = variables.get(name)
                        wrong.append(f"the environment variable {name} is {found!r}, not {wanted!r}")
            elif config.get(setting) != value:
                wrong.append(f"{setting} is {config.get(setting)!r}, not {value!r}")
        if wrong:
            name = config["FunctionName"]
            fix = how or f"lam.update_function_configuration(FunctionName={name!r}, ...) changes them"
            raise Failed(f"{name} is not configured as the step asks: {'; '.join(wrong)}. {fix}.")

    @contextlib.contextmanager
    def configured(self, function_name: str, **changes):
        """Change settings of a function for the duration of a ``with`` block, then put them back.

        Example (inside a check)::

            with aws.configured("batch-processor", Timeout=1):
                result = aws.invoke("batch-processor", event)
        """
        lam = self.client("lambda")
        current = lam.get_function_configuration(FunctionName=function_name)
        before = {}
        for setting in changes:
            if setting == "Environment":
                before[setting] = {"Variables": (current.get("Environment") or {}).get("Variables") or {}}
            else:
                before[setting] = current.get(setting)
        changes = {setting: value for setting, value in changes.items() if before[setting] != value}
        if not changes:
            yield
            return
        self._update(function_name, changes)
        try:
            yield
        finally:
            self._update(function_name, {setting: before[setting] for setting in changes})

    def _update(self, function_name: str, settings: dict) -> None:
        lam = self.client("lambda")
        lam.update_function_configuration(FunctionName=function_name, **settings)
        lam.get_waiter("function_updated_v2").wait(FunctionName=function_name, WaiterConfig={"Delay": 1})

    def fingerprint(self, watches) -> str:
        """A digest of the resources in ``watches``: the same as long as none changed in a way a check sees.

        Resources are ``"lambda:<name>"``, ``"iam-role:<name>"``, ``"dynamodb:<table>"``, and ``"nothing:"``
        for a check of an answer alone.

        A grader re-checks a step that failed only when this changed (or its answer did). Example::

            aws.fingerprint(["lambda:batch-processor", "iam-role:batch-processor-role"])
        """
        parts = []
        for watch in watches:
            kind, _, name = watch.partition(":")
            try:
                parts.append([watch, _DESCRIBE[kind](self, name)])
            except NotAttempted:
                parts.append([watch, None])
        return json.dumps(parts, sort_keys=True, default=str)

    def check_invocations_since(self, moment: float) -> set[str]:
        """The request ids of the invocations checks made in this process after ``moment`` (monotonic)."""
        with _check_invocations_lock:
            return {request_id for request_id, at in _check_invocations.items() if at > moment}

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
        request_id = response["ResponseMetadata"]["RequestId"]
        with _check_invocations_lock:
            _check_invocations[request_id] = time.monotonic()
        return Invocation(
            status_code=response["StatusCode"],
            payload=payload,
            function_error=response.get("FunctionError"),
            log=log,
            request_id=request_id,
        )


def _function_state(aws: Aws, name: str) -> dict:
    config = aws.function(name)
    volatile = {"RevisionId", "LastModified", "ResponseMetadata", "State", "LastUpdateStatus"}
    return {key: value for key, value in config.items() if key not in volatile and not key.endswith("Reason")}


def _role_state(aws: Aws, name: str) -> dict:
    role = aws.role(name)
    return {"trust": role.get("AssumeRolePolicyDocument"), "policies": aws.role_policies(name)}


def _table_state(aws: Aws, name: str) -> dict:
    dynamodb = aws.client("dynamodb")
    try:
        table = dynamodb.describe_table(TableName=name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        raise NotAttempted(name) from None
    keep = ("KeySchema", "AttributeDefinitions", "BillingModeSummary", "TableArn", "CreationDateTime")
    return {key: table.get(key) for key in keep}


_DESCRIBE = {
    "lambda": _function_state,
    "iam-role": _role_state,
    "dynamodb": _table_state,
    "nothing": lambda aws, name: None,  # a step whose result depends on its answer alone
}


def _allowed_list(needs) -> str:
    logs = [a for g in needs if g.any_scope for a in g.actions]
    others = [g.describe() for g in needs if not g.any_scope]
    return "; ".join(([", ".join(logs)] if logs else []) + others)


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
