"""Provisioned concurrency, the control plane: Put/Get/List/Delete, their errors, and what the runtime
is told (listeners). What the runtime then does with the environments: test_lambda_provisioned.py."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.lambda_runtime import provisioned

# Routes must exist before the sandbox's server answers its first Lambda request.
provisioned.install()



@pytest.fixture
def lam(sb):
    return sb.client("lambda")


@pytest.fixture
def function(sb, lam):
    """Function "orders" with published version 1 and alias "live" -> 1."""
    role = sb.client("iam").create_role(RoleName="orders-role", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))
    lam.create_function(
        FunctionName="orders", Runtime="python3.12", Role=role["Role"]["Arn"], Handler="app.handler",
        Code={"ZipFile": zipped("return event")},
    )
    lam.publish_version(FunctionName="orders")
    lam.create_alias(FunctionName="orders", Name="live", FunctionVersion="1")
    return "orders"


def zipped(body: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", f"def handler(event, context):\n    {body}\n")
    return buffer.getvalue()


def publish_second_version(lam, function):
    lam.update_function_code(FunctionName=function, ZipFile=zipped("return 2"))
    assert lam.publish_version(FunctionName=function)["Version"] == "2"


@pytest.fixture
def listener_calls(monkeypatch):
    calls = []
    monkeypatch.setattr(provisioned, "listeners", [lambda *args: calls.append(args)])
    return calls


def error_of(call) -> dict:
    with pytest.raises(ClientError) as caught:
        call()
    return {**caught.value.response["Error"], "Status": caught.value.response["ResponseMetadata"]["HTTPStatusCode"]}


def test_put_answers_in_progress_with_nothing_allocated_yet(lam, function):
    """What does Put return? The request, Status IN_PROGRESS, 0 allocated (as AWS does)."""
    response = lam.put_provisioned_concurrency_config(
        FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=2
    )
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert response["RequestedProvisionedConcurrentExecutions"] == 2
    assert response["AllocatedProvisionedConcurrentExecutions"] == 0
    assert response["Status"] == "IN_PROGRESS"
    assert response["LastModified"].endswith("+0000")


def test_get_is_ready_once_the_probe_reports_enough_environments(lam, function, monkeypatch):
    """When does Get say READY? When the runtime's probe reports as many environments as requested."""
    ready = {"count": 1}
    monkeypatch.setattr(provisioned, "allocation_probe", lambda account, region, name, qualifier: ready["count"])
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=2)

    warming = lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert (warming["Status"], warming["AllocatedProvisionedConcurrentExecutions"]) == ("IN_PROGRESS", 1)

    ready["count"] = 2
    done = lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert done["Status"] == "READY"
    assert done["AvailableProvisionedConcurrentExecutions"] == done["AllocatedProvisionedConcurrentExecutions"] == 2


def test_without_a_probe_get_reports_ready(lam, function, monkeypatch):
    """With no runtime probe installed, is the configuration reported READY right away?"""
    monkeypatch.setattr(provisioned, "allocation_probe", None)
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=3)
    assert lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="1")["Status"] == "READY"


def test_listeners_hear_put_and_delete_with_the_resolved_version(lam, function, listener_calls):
    """Which version does the runtime learn about for an alias, and what count on delete?"""
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=2)
    lam.delete_provisioned_concurrency_config(FunctionName=function, Qualifier="live")
    assert listener_calls == [
        ("123456789012", "us-east-1", "orders", "live", "1", 2),
        ("123456789012", "us-east-1", "orders", "live", "1", 0),
    ]


def test_list_shows_every_configuration_with_its_qualified_arn(lam, function):
    """Does List return one item per qualifier, with the qualified ARN?"""
    publish_second_version(lam, function)
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=1)
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="2", ProvisionedConcurrentExecutions=4)
    items = lam.list_provisioned_concurrency_configs(FunctionName=function)["ProvisionedConcurrencyConfigs"]
    assert {(item["FunctionArn"].rsplit(":", 1)[1], item["RequestedProvisionedConcurrentExecutions"]) for item in items} == {
        ("live", 1),
        ("2", 4),
    }
    assert all(item["FunctionArn"].startswith("arn:aws:lambda:us-east-1:123456789012:function:orders:") for item in items)


def test_latest_is_refused(lam, function):
    """Can $LATEST get provisioned concurrency? No: only published versions and aliases."""
    error = error_of(
        lambda: lam.put_provisioned_concurrency_config(
            FunctionName=function, Qualifier="$LATEST", ProvisionedConcurrentExecutions=1
        )
    )
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == "Provisioned Concurrency Configs cannot be applied to unpublished function versions."


def test_unknown_alias_and_version_are_not_found(lam, function):
    """What does Put say for an alias or version that does not exist?"""
    alias = error_of(
        lambda: lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="beta", ProvisionedConcurrentExecutions=1)
    )
    version = error_of(
        lambda: lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="7", ProvisionedConcurrentExecutions=1)
    )
    assert alias["Code"] == version["Code"] == "ResourceNotFoundException"
    assert alias["Message"].startswith("Cannot find alias arn: ")
    assert version["Message"] == "Function not found: arn:aws:lambda:us-east-1:123456789012:function:orders:7"


def test_get_of_a_missing_configuration(lam, function):
    """What does Get say when the version has no configuration?"""
    error = error_of(lambda: lam.get_provisioned_concurrency_config(FunctionName=function, Qualifier="1"))
    assert error == {
        "Code": "ProvisionedConcurrencyConfigNotFoundException",
        "Message": "No Provisioned Concurrency Config found for this function",
        "Status": 404,
    }


def test_delete_of_a_missing_configuration_is_not_an_error(lam, function):
    """Is Delete idempotent? Yes: the API model lists no not-found error for it."""
    response = lam.delete_provisioned_concurrency_config(FunctionName=function, Qualifier="1")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_count_below_one_is_a_validation_error(sb, function):
    """What does the service say to 0 environments (when the SDK's own check is off)?"""
    lam = sb.client("lambda", config=Config(parameter_validation=False))
    error = error_of(
        lambda: lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=0)
    )
    assert error["Code"] == "ValidationException"
    assert "Member must have value greater than or equal to 1" in error["Message"]


def test_alias_and_its_version_cannot_both_be_provisioned(lam, function):
    """Can version 1 get its own configuration while alias "live" -> 1 has one? No."""
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=1)
    error = error_of(
        lambda: lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="1", ProvisionedConcurrentExecutions=1)
    )
    assert error["Code"] == "ResourceConflictException"


def test_deleting_the_alias_removes_its_configuration(lam, function, listener_calls):
    """Does a configuration outlive its alias? No, and the runtime hears count 0."""
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=1)
    lam.delete_alias(FunctionName=function, Name="live")
    assert lam.list_provisioned_concurrency_configs(FunctionName=function)["ProvisionedConcurrencyConfigs"] == []
    assert listener_calls[-1][-1] == 0


def test_moving_the_alias_tells_the_runtime_the_new_version(lam, function, listener_calls):
    """When alias "live" moves to version 2, does the runtime hear about version 2?"""
    publish_second_version(lam, function)
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=2)
    lam.update_alias(FunctionName=function, Name="live", FunctionVersion="2")
    assert listener_calls[-1] == ("123456789012", "us-east-1", "orders", "live", "2", 2)


def test_reset_forgets_configurations(sb, lam, function):
    """Does a sandbox reset clear provisioned concurrency like every other resource?"""
    lam.put_provisioned_concurrency_config(FunctionName=function, Qualifier="live", ProvisionedConcurrentExecutions=1)
    sb.reset()
    assert provisioned.configs(sb.account_id, sb.region) == []
