"""A kernel attached to a grader's sandbox: its clients, reset, settle and stop, and what it may not do."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from tests.functional.pyrun import hermetic_env, run_python_json
from workbook.sandbox import attach

pytestmark = pytest.mark.sandbox


def attached_env(sb) -> dict[str, str]:
    return hermetic_env(**sb.share())


def test_start_in_an_attached_process_uses_the_owners_sandbox(sb):
    """Does sandbox.start() in a process given share()'s variables attach, and see (and make) the same resources?"""
    sb.client("iam").create_role(RoleName="made-by-owner", AssumeRolePolicyDocument="{}")
    seen = run_python_json(
        """
        import json
        import boto3
        from workbook import sandbox
        sb = sandbox.start()
        sb.client("iam").create_role(RoleName="made-by-kernel", AssumeRolePolicyDocument="{}")
        roles = sorted(r["RoleName"] for r in boto3.client("iam").list_roles()["Roles"])
        print(json.dumps({"repr": repr(sb), "endpoint": sb.endpoint_url, "roles": roles}))
        """,
        env=attached_env(sb),
    )
    assert seen["endpoint"] == sb.endpoint_url and "attached" in seen["repr"]
    assert seen["roles"] == ["made-by-kernel", "made-by-owner"]
    assert "made-by-kernel" in [r["RoleName"] for r in sb.client("iam").list_roles()["Roles"]]


def test_reset_settle_and_stop_in_an_attached_process(sb):
    """Does an attached sb.reset() empty the owner's sandbox, settle() answer, and stop() only detach?"""
    sb.client("sqs").create_queue(QueueName="before-reset")
    seen = run_python_json(
        """
        import json
        from workbook import sandbox
        sb = sandbox.start()
        sb.reset()
        settled = sb.settle(timeout=5)
        sqs = sb.client("sqs")
        sb.stop()
        try:
            sqs.list_queues()
            after_stop = "answered"
        except sandbox.SandboxError as error:
            after_stop = str(error)
        print(json.dumps({"settled": settled, "after_stop": after_stop, "current": sandbox.current() is None}))
        """,
        env=attached_env(sb),
    )
    assert seen["settled"] is True and seen["current"] is True
    assert "stopped" in seen["after_stop"]
    assert sb.running and sb.client("sqs").list_queues().get("QueueUrls", []) == []


def post(sb, action: str, **headers) -> int:
    request = urllib.request.Request(f"{sb.endpoint_url}/workbook-api/{action}", data=b"{}", method="POST")
    for name, value in headers.items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_attach_api_needs_the_token_and_refuses_web_pages(sb):
    """Is reset refused without the token, with a wrong one, or from a page (an Origin), and done with it?"""
    token = sb.share()[attach.TOKEN_VARIABLE]
    sb.client("sqs").create_queue(QueueName="kept")
    assert post(sb, "reset") == 403
    assert post(sb, "reset", **{attach.TOKEN_HEADER: "guess"}) == 403
    assert post(sb, "reset", **{attach.TOKEN_HEADER: token, "Origin": "https://evil.example"}) == 403
    assert sb.client("sqs").list_queues()["QueueUrls"]
    assert post(sb, "settle", **{attach.TOKEN_HEADER: token}) == 200
    assert post(sb, "reset", **{attach.TOKEN_HEADER: token}) == 200
    assert sb.client("sqs").list_queues().get("QueueUrls", []) == []


def test_the_token_opens_the_attach_api_only(sb):
    """Is the token given to a kernel useless for moto's own /moto-api/ (least privilege for a graded kernel)?"""
    token = sb.share()[attach.TOKEN_VARIABLE]
    request = urllib.request.Request(f"{sb.endpoint_url}/moto-api/reset", data=b"", method="POST")
    request.add_header(attach.TOKEN_HEADER, token)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=30)
    assert refused.value.code == 403


def test_the_change_counter_counts_writes_and_invokes_not_reads(sb):
    """Do CreateRole and PutItem count as writes, Invoke as an invoke, and List/Get/Describe as nothing?"""
    sb.share()
    before = sb.changes.snapshot()
    iam = sb.client("iam")
    iam.list_roles()
    iam.create_role(RoleName="counted", AssumeRolePolicyDocument=json.dumps({"Statement": []}))
    iam.get_role(RoleName="counted")
    sb.client("logs").describe_log_groups()
    sb.client("sqs").create_queue(QueueName="counted")
    after = sb.changes.snapshot()
    assert after["write"] - before["write"] == 2 and after["invoke"] == before["invoke"]


@pytest.mark.parametrize(
    "environ, kind",
    [
        ({"HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem", "REQUEST_METHOD": "POST"}, "write"),
        ({"HTTP_X_AMZ_TARGET": "Logs_20140328.FilterLogEvents", "REQUEST_METHOD": "POST"}, "read"),
        ({"PATH_INFO": "/2015-03-31/functions/f/invocations", "REQUEST_METHOD": "POST"}, "invoke"),
        ({"PATH_INFO": "/2015-03-31/functions/f", "REQUEST_METHOD": "GET"}, "read"),
        ({"PATH_INFO": "/2015-03-31/functions/f/configuration", "REQUEST_METHOD": "PUT"}, "write"),
        ({"PATH_INFO": "/", "REQUEST_METHOD": "POST", "QUERY_STRING": "Action=ListRoles"}, "read"),
        ({"PATH_INFO": "/service/GraniteServiceVersion20100801/operation/PutMetricAlarm", "REQUEST_METHOD": "POST"},
         "write"),
    ],
)
def test_requests_are_told_apart_by_their_operation(environ, kind):
    """Is each protocol's operation (JSON target, REST path, query Action, RPC v2 path) classified right?"""
    assert attach.request_kind(environ) == kind


@pytest.fixture
def owner_settings(sb):
    """The owner's time scale and CPU mode, put back after the test."""
    kept = (sb.time_scale, sb.cpu)
    yield sb
    sb.time_scale, sb.cpu = kept


def test_an_attached_kernel_reads_and_changes_the_owners_time_scale_and_cpu(owner_settings):
    """Does an attached sb.time_scale read the owner's, and do sb.time_scale = … and start(cpu=…) change the owner's?"""
    sb = owner_settings
    sb.time_scale, sb.cpu = 240, None
    seen = run_python_json(
        """
        import json
        from workbook import sandbox
        sb = sandbox.start(cpu="proportional")
        before = sb.time_scale
        sb.time_scale = 600
        errors = []
        for wrong in ("time_scale", 0.5), ("cpu", "fast"):
            try:
                setattr(sb, *wrong)
            except sandbox.SandboxError as error:
                errors.append(str(error))
        print(json.dumps({"before": before, "after": sb.time_scale, "cpu": sb.cpu, "errors": errors}))
        """,
        env=attached_env(sb),
    )
    assert seen["before"] == 240 and seen["after"] == 600 and seen["cpu"] == "proportional"
    assert sb.time_scale == 600 and sb.cpu == "proportional"
    assert all("\n" not in error and error.endswith(".") for error in seen["errors"])  # one sentence each
    assert "at least 1" in seen["errors"][0] and "proportional" in seen["errors"][1]


def test_the_settings_api_needs_the_token(owner_settings):
    """Are time-scale and cpu refused without the token or from a page, and do they answer with it?"""
    sb = owner_settings
    token = sb.share()[attach.TOKEN_VARIABLE]
    kept = sb.time_scale
    for action in ("time-scale", "cpu"):
        assert post(sb, action) == 403
        assert post(sb, action, **{attach.TOKEN_HEADER: token, "Origin": "https://evil.example"}) == 403
        assert post(sb, action, **{attach.TOKEN_HEADER: token}) == 200
    assert sb.time_scale == kept
