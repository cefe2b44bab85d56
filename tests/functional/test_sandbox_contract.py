"""Does `workbook.sandbox` keep the contract the notebooks and later work rely on?"""

from __future__ import annotations

import errno
import os
import select
import subprocess
import sys
import textwrap
from urllib.parse import urlparse

import boto3
import botocore.exceptions
import pytest

from tests.functional.pyrun import ROOT, hermetic_env, run_python_json
from workbook import sandbox
from workbook.sandbox import core

pytestmark = pytest.mark.sandbox


# --- in this process, with the session's sandbox -----------------------------------------------------


def test_start_is_idempotent(sb):
    """Does a second `sandbox.start()` in the same process return the running sandbox?"""
    assert sandbox.start() is sb
    assert sandbox.current() is sb


def test_endpoint_is_loopback_on_a_real_port(sb):
    """Is the endpoint http://127.0.0.1:<port> with a port the operating system picked?"""
    url = urlparse(sb.endpoint_url)
    assert (url.scheme, url.hostname) == ("http", "127.0.0.1")
    assert 0 < url.port < 65536


def test_default_region_and_account(sb):
    """Is the sandbox in us-east-1, account 123456789012, unless asked otherwise?"""
    assert (sb.region, sb.account_id) == ("us-east-1", "123456789012")


def test_sb_client_talks_to_the_sandbox(sb):
    """Is `sb.client(service)` a boto3 client bound to the sandbox's endpoint and region?"""
    s3 = sb.client("s3")
    assert s3.meta.endpoint_url == sb.endpoint_url
    assert s3.meta.region_name == sb.region
    s3.create_bucket(Bucket="contract-bucket")
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["contract-bucket"]


def test_plain_boto3_clients_made_after_start_use_the_sandbox(sb):
    """Does a plain `boto3.client(...)` made after start reach the sandbox, with its account?"""
    sqs = boto3.client("sqs")
    assert sqs.meta.endpoint_url == sb.endpoint_url
    sqs.create_queue(QueueName="plain-boto3")
    assert any(url.endswith("/plain-boto3") for url in sb.client("sqs").list_queues()["QueueUrls"])
    assert boto3.client("sts").get_caller_identity()["Account"] == sb.account_id


def test_reset_wipes_every_resource(sb):
    """After `sb.reset()`, are buckets, queues, roles and functions gone?"""
    sb.client("s3").create_bucket(Bucket="before-reset")
    sb.client("sqs").create_queue(QueueName="before-reset")
    sb.client("iam").create_role(RoleName="before-reset", AssumeRolePolicyDocument="{}")
    sb.reset()
    assert sb.client("s3").list_buckets()["Buckets"] == []
    assert sb.client("sqs").list_queues().get("QueueUrls", []) == []
    assert sb.client("iam").list_roles()["Roles"] == []


def test_settle_returns_true_when_nothing_is_pending(sb):
    """Does `sb.settle()` return True promptly when there is no background work?"""
    assert sb.settle(timeout=5) is True


def test_settle_waits_for_a_handler_whose_caller_stopped_waiting(sb):
    """After a client's read timeout, does `sb.settle()` wait for the handler that goes on running, as on AWS?"""
    from botocore.config import Config

    from tests.functional.lambda_helpers import create_function, log_messages

    create_function(sb, "slow", "import time\ndef handler(event, context):\n    time.sleep(1.5)\n    print('finished')\n")
    impatient = sb.client("lambda", config=Config(read_timeout=0.5, retries={"total_max_attempts": 1}))
    with pytest.raises(botocore.exceptions.ReadTimeoutError):
        impatient.invoke(FunctionName="slow", Payload=b"{}")
    assert sb.settle(timeout=30) is True
    assert "finished" in [m.strip() for m in log_messages(sb, "slow")]


def test_asking_for_another_region_while_running_is_a_clear_error(sb):
    """Does `start(region=...)` with a different region, while a sandbox runs, say to stop it first?"""
    with pytest.raises(sandbox.SandboxError, match="already running"):
        sandbox.start(region="eu-west-1")


def test_a_server_that_cannot_start_gives_a_sandbox_error(monkeypatch):
    """When the server cannot bind, is the learner given a SandboxError with advice, and the environment left alone?"""

    def cannot_bind(*args, **kwargs):
        raise OSError(errno.EADDRINUSE, "Address already in use")

    monkeypatch.setattr(core, "LoopbackMotoServer", cannot_bind)
    monkeypatch.setattr(core, "_current", None)
    before = dict(os.environ)
    with pytest.raises(sandbox.SandboxError, match="could not start.*Address already in use.*doctor") as caught:
        sandbox.start()
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert dict(os.environ) == before


def test_a_sandbox_error_shows_as_one_line_in_a_notebook():
    """Does IPython show a SandboxError as its message only, not a traceback wall?"""
    error = sandbox.SandboxError("the local AWS server could not start")
    assert error._render_traceback_() == ["SandboxError: the local AWS server could not start"]


# --- in a fresh process: start, stop and the environment ---------------------------------------------

LEARNER_ENV = {
    "AWS_PROFILE": "learner",
    "AWS_ACCESS_KEY_ID": "AKIALEARNERREALKEY01",
    "AWS_SECRET_ACCESS_KEY": "learner-real-secret",
    "AWS_SESSION_TOKEN": "learner-real-token",
    "AWS_ENDPOINT_URL_S3": "https://s3.example.invalid",
    "AWS_CONFIG_FILE": "/nonexistent/learner/config",
    "WORKBOOK_CONTRACT_MARKER": "unrelated variable",
}


def test_region_can_be_chosen_at_start():
    """Does `sandbox.start(region="eu-west-1")` give a sandbox, and default clients, in that region?"""
    seen = run_python_json(
        """
        import json, boto3
        from workbook import sandbox
        sb = sandbox.start(region="eu-west-1")
        print(json.dumps({"sb": sb.region, "client": sb.client("s3").meta.region_name,
                          "plain": boto3.client("lambda").meta.region_name}))
        """
    )
    assert seen == {"sb": "eu-west-1", "client": "eu-west-1", "plain": "eu-west-1"}


def test_stop_restores_the_environment_exactly():
    """After `sb.stop()`, is `os.environ` exactly what it was before start (learner's AWS settings included)?"""
    seen = run_python_json(
        """
        import json, os
        from workbook import sandbox
        before = dict(os.environ)
        sb = sandbox.start()
        during = os.environ.get("AWS_PROFILE")
        sb.stop()
        print(json.dumps({"during_profile": during, "restored": dict(os.environ) == before,
                          "current": sandbox.current() is None}))
        """,
        env=hermetic_env(**LEARNER_ENV),
    )
    assert seen == {"during_profile": None, "restored": True, "current": True}


def test_stop_stops_the_server():
    """After `sb.stop()`, does nothing answer on the sandbox's port any more?"""
    seen = run_python_json(
        """
        import json, socket
        from urllib.parse import urlparse
        from workbook import sandbox
        sb = sandbox.start()
        url = urlparse(sb.endpoint_url)
        sb.stop()
        with socket.socket() as s:
            s.settimeout(2)
            refused = s.connect_ex((url.hostname, url.port)) != 0
        print(json.dumps({"refused": refused, "running": sb.running}))
        """
    )
    assert seen == {"refused": True, "running": False}


def test_context_manager_stops_and_restores_on_exit():
    """Does `with sandbox.start() as sb:` run a sandbox inside the block and restore everything after it?"""
    seen = run_python_json(
        """
        import json, os
        from workbook import sandbox
        before = dict(os.environ)
        with sandbox.start() as sb:
            inside = os.environ["AWS_ENDPOINT_URL"] == sb.endpoint_url
            buckets = sb.client("s3").list_buckets()["Buckets"]
        print(json.dumps({"inside": inside, "buckets": buckets, "running": sb.running,
                          "restored": dict(os.environ) == before, "current": sandbox.current() is None}))
        """,
        env=hermetic_env(**LEARNER_ENV),
    )
    assert seen == {"inside": True, "buckets": [], "running": False, "restored": True, "current": True}


def test_sandboxes_in_two_processes_do_not_collide(sb):
    """Do two kernels on one laptop get different ports, separate accounts, and keys that open only their own?"""
    child_code = """
        import sys
        from workbook import sandbox
        sb = sandbox.start()
        sb.client("s3").create_bucket(Bucket="child-bucket")
        from workbook.sandbox.isolation import FAKE_ACCESS_KEY_ID
        print(sb.endpoint_url, FAKE_ACCESS_KEY_ID, flush=True)
        sys.stdin.readline()
    """
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(child_code)],
        cwd=ROOT,
        env=hermetic_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([child.stdout], [], [], 60)
        assert ready, "the second sandbox did not start within 60 s"
        child_endpoint, _, child_key = child.stdout.readline().strip().partition(" ")
        assert child_endpoint.startswith("http://127.0.0.1:"), child.stderr.read() if child.poll() else child_endpoint
        sb.client("s3").create_bucket(Bucket="parent-bucket")

        assert child_endpoint != sb.endpoint_url
        mine = [b["Name"] for b in sb.client("s3").list_buckets()["Buckets"]]
        with pytest.raises(botocore.exceptions.ClientError, match="InvalidAccessKeyId"):
            sb.client("s3", endpoint_url=child_endpoint).list_buckets()  # our key means nothing to the other
        theirs_client = sb.client("s3", endpoint_url=child_endpoint, aws_access_key_id=child_key, aws_secret_access_key="x")
        theirs = [b["Name"] for b in theirs_client.list_buckets()["Buckets"]]
        assert (mine, theirs) == (["parent-bucket"], ["child-bucket"])
    finally:
        child.communicate(input="\n", timeout=30)


def test_a_learners_http_proxy_is_bypassed_for_the_sandbox():
    """With HTTP_PROXY/HTTPS_PROXY set (a corporate laptop), do sandbox calls still go straight to 127.0.0.1?"""
    closed_proxy = "http://127.0.0.1:9"  # nothing listens there: any call sent to the proxy fails
    seen = run_python_json(
        """
        import json
        from workbook import sandbox
        sb = sandbox.start()
        try:
            print(json.dumps(sb.client("s3").list_buckets()["Buckets"]))
        except Exception as exc:
            print(json.dumps(type(exc).__name__))
        """,
        env=proxied_env(closed_proxy),
    )
    assert seen == []


def proxied_env(proxy: str) -> dict[str, str]:
    env = hermetic_env(HTTP_PROXY=proxy, HTTPS_PROXY=proxy, http_proxy=proxy, https_proxy=proxy)
    for name in ("NO_PROXY", "no_proxy"):
        env.pop(name, None)
    return env


def test_a_new_sandbox_starts_with_an_empty_account():
    """After `sb.stop()`, does the next `sandbox.start()` in the same process start with no resources?"""
    seen = run_python_json(
        """
        import json
        from workbook import sandbox
        sb = sandbox.start()
        sb.client("s3").create_bucket(Bucket="left-from-before")
        sb.stop()
        sb = sandbox.start()
        print(json.dumps(sb.client("s3").list_buckets()["Buckets"]))
        """
    )
    assert seen == []


def test_a_start_that_fails_after_the_server_is_up_leaves_nothing_behind():
    """If the Lambda runtime cannot be installed, is the server stopped and the environment restored?"""
    seen = run_python_json(
        """
        import json, os, threading
        from workbook import lambda_runtime, sandbox
        def broken(**kwargs):
            raise RuntimeError("runtime refused")
        lambda_runtime.install = broken
        before = dict(os.environ)
        try:
            sandbox.start()
        except RuntimeError as exc:
            error = str(exc)
        servers = [t.name for t in threading.enumerate() if t.name == "workbook-moto-server"]
        print(json.dumps({"error": error, "restored": dict(os.environ) == before,
                          "servers": servers, "current": sandbox.current() is None}))
        """
    )
    assert seen == {"error": "runtime refused", "restored": True, "servers": [], "current": True}


def test_a_client_used_after_stop_says_the_sandbox_is_stopped():
    """Does a client kept from a stopped sandbox raise a one-line SandboxError, not a connection traceback?"""
    seen = run_python_json(
        """
        import json
        from workbook import sandbox
        sb = sandbox.start()
        s3 = sb.client("s3")
        sb.stop()
        try:
            s3.list_buckets()
        except sandbox.SandboxError as exc:
            print(json.dumps(str(exc)))
        """
    )
    assert "sandbox was stopped" in seen and "sandbox.start()" in seen


def test_config_files_are_empty_files_that_need_no_cleanup(sb):
    """Do AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at existing, empty files shipped with the package?"""
    for name in ("AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        path = os.environ[name]
        assert os.path.isfile(path) and os.path.getsize(path) == 0
        assert os.path.dirname(path).endswith(os.path.join("workbook", "sandbox", "empty_aws_config"))
