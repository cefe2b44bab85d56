"""Provisioned concurrency, the runtime side: environments initialised ahead of time for an alias.
The control-plane API itself (Put/Get/List/Delete and their errors): test_lambda_provisioned_api.py."""

import time

import pytest

from .lambda_helpers import create_function, invoke

INIT_TYPE = "import os\nINIT = os.environ['AWS_LAMBDA_INITIALIZATION_TYPE']\ndef handler(e, c):\n    return INIT\n"


def _status(lam, timeout=60):
    """The configuration of alias "live", once READY (or when the wait gives up)."""
    deadline = time.monotonic() + timeout
    while True:
        config = lam.get_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
        if config["Status"] == "READY" or time.monotonic() > deadline:
            return config
        time.sleep(0.1)


@pytest.fixture
def lam(sb):
    """Function "warm" (reports its initialisation type), version 1, alias "live" with 1 provisioned environment."""
    create_function(sb, "warm", INIT_TYPE)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="warm")
    lam.create_alias(FunctionName="warm", Name="live", FunctionVersion="1")
    lam.put_provisioned_concurrency_config(FunctionName="warm", Qualifier="live", ProvisionedConcurrentExecutions=1)
    return lam


def test_configuration_is_ready_once_its_environment_is_initialised(lam):
    """Does the configuration reach READY, with 1 environment allocated, once the runtime has initialised it?"""
    config = _status(lam)
    assert config["Status"] == "READY"
    assert config["AllocatedProvisionedConcurrentExecutions"] == 1


def test_provisioned_environment_serves_the_alias_without_init(sb, lam):
    """Does an invoke of a provisioned alias run in a pre-initialised environment, with no Init Duration?"""
    assert _status(lam)["Status"] == "READY"
    response = invoke(sb, "warm", Qualifier="live", LogType="Tail")
    assert response["Payload"] == "provisioned-concurrency"
    assert "Init Duration" not in response["Log"]
    assert invoke(sb, "warm")["Payload"] == "on-demand"  # $LATEST is not provisioned


def test_deleting_the_config_shuts_the_environments_down(sb, lam):
    """After deleting the provisioned config, do invokes of the alias start on-demand environments?"""
    assert _status(lam)["Status"] == "READY"
    lam.delete_provisioned_concurrency_config(FunctionName="warm", Qualifier="live")
    assert invoke(sb, "warm", Qualifier="live")["Payload"] == "on-demand"
