"""workbook.traffic and wait_for_provisioned_concurrency against a sandbox: real invokes, real versions."""

from __future__ import annotations

import pytest
from botocore.exceptions import WaiterError

from workbook import lambda_runtime, traffic
from workbook.deploy import create_execution_role, deploy_function, wait_for_provisioned_concurrency

pytestmark = pytest.mark.sandbox

SOURCE = """
def handler(event, context):
    if event.get("fail"):
        raise ValueError("asked to fail")
    return {"version": context.function_version}
"""


@pytest.fixture
def two_versions(sb):
    """A function with versions 1 and 2 and an alias live on version 1."""
    lam = sb.client("lambda")
    role = create_execution_role(sb.client("iam"), "traffic-role")
    deploy_function(lam, "split-demo", {"app.py": SOURCE}, role, Publish=True)
    deploy_function(lam, "split-demo", {"app.py": SOURCE + "\n# release 2\n"}, role, Publish=True)
    lam.create_alias(FunctionName="split-demo", Name="live", FunctionVersion="1")
    return lam


def test_invoke_many_records_the_executed_version_and_errors(two_versions):
    """Does each row say which version served the invocation, whether it failed, and what came back?"""
    rows = traffic.invoke_many(two_versions, "split-demo", [{}, {"fail": True}], qualifier="2")
    assert rows["executed_version"].tolist() == ["2", "2"]
    assert rows["function_error"].tolist() == [None, "Unhandled"]
    assert rows["payload"][0] == {"version": "2"} and rows["payload"][1]["errorType"] == "ValueError"
    assert rows["request_id"].is_unique


def test_invoke_many_follows_a_weighted_alias(two_versions):
    """Through a weighted alias, do both versions show up in the split, and the weights add up?"""
    two_versions.update_alias(
        FunctionName="split-demo",
        Name="live",
        FunctionVersion="1",
        RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}},
    )
    lambda_runtime.seed(1)
    try:
        table = traffic.split(traffic.invoke_many(two_versions, "split-demo", [{}] * 40, qualifier="live"))
    finally:
        lambda_runtime.seed(None)
    assert set(table.index) == {"1", "2"} and table["invocations"].sum() == 40
    assert table["share"].sum() == pytest.approx(1.0)


def test_wait_for_provisioned_concurrency_returns_when_ready(two_versions):
    """Does the waiter return the configuration once its status is READY?"""
    two_versions.put_provisioned_concurrency_config(
        FunctionName="split-demo", Qualifier="live", ProvisionedConcurrentExecutions=1
    )
    config = wait_for_provisioned_concurrency(two_versions, "split-demo", "live", delay=0.2, timeout=60)
    assert config["Status"] == "READY" and config["AllocatedProvisionedConcurrentExecutions"] == 1


def test_wait_for_provisioned_concurrency_gives_up_without_a_configuration(two_versions):
    """Without a configuration to wait for, does the waiter raise WaiterError instead of waiting forever?"""
    with pytest.raises(WaiterError):
        wait_for_provisioned_concurrency(two_versions, "split-demo", "live", delay=0.1, timeout=0.3)
