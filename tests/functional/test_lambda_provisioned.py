"""Provisioned concurrency: environments initialised ahead of time for an alias or version."""

import time

from .lambda_helpers import create_function, invoke

INIT_TYPE = "import os\nINIT = os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\ndef handler(e, c):\n    return INIT\n"


def _wait_ready(lam, qualifier, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier=qualifier)["Status"]
        if status == "READY":
            return True
        time.sleep(0.1)
    return False


def test_provisioned_environment_serves_the_alias_without_init(sb):
    """Does an invoke of a provisioned alias run in a pre-initialised environment, with no Init Duration?"""
    create_function(sb, "warm", INIT_TYPE)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="warm")
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert _wait_ready(lam, "live")
    response = invoke(sb, "warm", Qualifier="live", LogType="Tail")
    assert response["Payload"] == "provisioned-concurrency"
    assert "Init Duration" not in response["Log"]
    assert invoke(sb, "warm")["Payload"] == "on-demand"  # $LATEST is not provisioned


def test_deleting_the_config_shuts_the_environments_down(sb):
    """After deleting the provisioned config, do invokes of the alias start on-demand environments?"""
    create_function(sb, "warm", INIT_TYPE)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="warm")
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=1)
    assert _wait_ready(lam, "live")
    lam.delete_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    assert invoke(sb, "warm", Qualifier="live")["Payload"] == "on-demand"
