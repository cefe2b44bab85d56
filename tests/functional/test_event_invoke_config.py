"""Put/Get/Update/Delete/ListFunctionEventInvokeConfigs: per version and alias, with AWS's answers."""

from __future__ import annotations

import pytest
from botocore.config import Config

from .async_helpers import ECHO, queue
from .lambda_helpers import create_function

ARN = "arn:aws:lambda:us-east-1:123456789012:function"


@pytest.fixture
def lam(sb):
    create_function(sb, "orders", ECHO)
    client = sb.client("lambda", config=Config(parameter_validation=False))
    version = client.publish_version(FunctionName="orders")["Version"]
    client.create_alias(FunctionName="orders", Name="live", FunctionVersion=version)
    return client


def error(raised) -> tuple[str, str]:
    return raised.value.response["Error"]["Code"], raised.value.response["Error"]["Message"]


def test_put_answers_the_config_with_a_qualified_function_arn(lam):
    """Does Put answer FunctionArn with :$LATEST, the settings given, and both destination keys?"""
    response = lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=1)
    assert response["FunctionArn"] == f"{ARN}:orders:$LATEST"
    assert response["MaximumRetryAttempts"] == 1
    assert "MaximumEventAgeInSeconds" not in response
    assert response["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {}}
    assert "LastModified" in response


def test_put_replaces_and_update_merges(lam):
    """Does Put drop settings it does not name, while Update keeps them?"""
    lam.put_function_event_invoke_config(
        FunctionName="orders", MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60
    )
    lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    config = lam.get_function_event_invoke_config(FunctionName="orders")
    assert config["MaximumRetryAttempts"] == 0 and "MaximumEventAgeInSeconds" not in config

    lam.put_function_event_invoke_config(
        FunctionName="orders", MaximumRetryAttempts=2, MaximumEventAgeInSeconds=60
    )
    lam.update_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    config = lam.get_function_event_invoke_config(FunctionName="orders")
    assert (config["MaximumRetryAttempts"], config["MaximumEventAgeInSeconds"]) == (0, 60)


def test_update_keeps_the_destination_it_does_not_name(sb, lam):
    """Does Update with only OnFailure keep the OnSuccess destination?"""
    _, first = queue(sb, "first")
    _, second = queue(sb, "second")
    lam.put_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnSuccess": {"Destination": first}}
    )
    lam.update_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnFailure": {"Destination": second}}
    )
    config = lam.get_function_event_invoke_config(FunctionName="orders")["DestinationConfig"]
    assert config == {"OnSuccess": {"Destination": first}, "OnFailure": {"Destination": second}}


def test_each_version_and_alias_has_its_own_config(lam):
    """Are $LATEST, version 1 and alias live configured separately, and listed together?"""
    lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName="orders", Qualifier="1", MaximumRetryAttempts=1)
    lam.put_function_event_invoke_config(FunctionName=f"{ARN}:orders:live", MaximumRetryAttempts=2)
    assert lam.get_function_event_invoke_config(FunctionName="orders:1")["MaximumRetryAttempts"] == 1
    assert lam.get_function_event_invoke_config(FunctionName="orders", Qualifier="live")["FunctionArn"] == (
        f"{ARN}:orders:live"
    )
    listed = lam.list_function_event_invoke_configs(FunctionName="orders")["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"].rsplit(":", 1)[1] for c in listed] == ["$LATEST", "1", "live"]
    first = lam.list_function_event_invoke_configs(FunctionName="orders", MaxItems=1)
    rest = lam.list_function_event_invoke_configs(FunctionName="orders", Marker=first["NextMarker"])
    assert len(first["FunctionEventInvokeConfigs"]) + len(rest["FunctionEventInvokeConfigs"]) == 3


def test_a_new_version_does_not_inherit_the_config_of_latest(lam):
    """After publishing, does the new version have no config of its own?"""
    lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    lam.update_function_configuration(FunctionName="orders", Description="v2")
    version = lam.publish_version(FunctionName="orders")["Version"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_function_event_invoke_config(FunctionName="orders", Qualifier=version)
    assert error(raised)[1] == f"The function {ARN}:orders:{version} doesn't have an EventInvokeConfig"


def test_delete_removes_only_that_config(lam):
    """Does Delete answer 204 and leave the other qualifiers' configs?"""
    lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    lam.put_function_event_invoke_config(FunctionName="orders", Qualifier="live", MaximumRetryAttempts=0)
    response = lam.delete_function_event_invoke_config(FunctionName="orders")
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 204
    listed = lam.list_function_event_invoke_configs(FunctionName="orders")["FunctionEventInvokeConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"{ARN}:orders:live"]
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.delete_function_event_invoke_config(FunctionName="orders")
    assert error(raised)[1] == f"The function {ARN}:orders:$LATEST doesn't have an EventInvokeConfig"


def test_a_deleted_function_takes_its_configs_along(sb, lam):
    """Does a function created again under the same name start without the old configs?"""
    lam.put_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=0)
    lam.delete_function(FunctionName="orders")
    create_function(sb, "orders", ECHO)
    assert lam.list_function_event_invoke_configs(FunctionName="orders")["FunctionEventInvokeConfigs"] == []


@pytest.mark.parametrize(
    "kwargs, code, message",
    [
        (
            {"FunctionName": "missing"},
            "InvalidParameterValueException",
            "You must specify at least one of error handling or destination setting.",
        ),
        (
            {"FunctionName": "missing", "MaximumRetryAttempts": 1},
            "ResourceNotFoundException",
            "The function doesn't exist.",
        ),
        (
            {"FunctionName": "orders", "Qualifier": "nope", "MaximumRetryAttempts": 1},
            "ResourceNotFoundException",
            "The function doesn't exist.",
        ),
        (
            {"FunctionName": "orders:1", "Qualifier": "live", "MaximumRetryAttempts": 1},
            "InvalidParameterValueException",
            "The derived qualifier from the function name does not match the specified qualifier.",
        ),
        (
            {"FunctionName": "orders", "MaximumRetryAttempts": 3},
            "ValidationException",
            "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: "
            "Member must have value less than or equal to 2",
        ),
        (
            {"FunctionName": "orders", "MaximumEventAgeInSeconds": 21601},
            "ValidationException",
            "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' "
            "failed to satisfy constraint: "
            "Member must have value less than or equal to 21600",
        ),
        (
            {"FunctionName": "orders", "DestinationConfig": {"OnSuccess": {"Destination": f"{ARN}:orders"}}},
            "InvalidParameterValueException",
            "You can't specify the function as a destination for itself.",
        ),
        (
            {"FunctionName": "orders", "DestinationConfig": {"OnSuccess": {"Destination": f"{ARN}:nobody"}}},
            "InvalidParameterValueException",
            f"The destination ARN {ARN}:nobody is invalid.",
        ),
        (
            {
                "FunctionName": "orders",
                "DestinationConfig": {"OnSuccess": {"Destination": "arn:aws:s3:::bucket"}},
            },
            "InvalidParameterValueException",
            "The provided destination config "
            "DestinationConfig(onSuccess=OnSuccess(destination=arn:aws:s3:::bucket), "
            "onFailure=null) is invalid.",
        ),
    ],
)
def test_put_refuses_what_aws_refuses(lam, kwargs, code, message):
    """Does Put answer AWS's error code and message for each invalid request?"""
    with pytest.raises(lam.exceptions.ClientError) as raised:
        lam.put_function_event_invoke_config(**kwargs)
    assert error(raised) == (code, message)


def test_an_s3_bucket_is_a_valid_failure_destination(lam):
    """Is S3 accepted as OnFailure (and only there)?"""
    response = lam.put_function_event_invoke_config(
        FunctionName="orders", DestinationConfig={"OnFailure": {"Destination": "arn:aws:s3:::failures"}}
    )
    assert response["DestinationConfig"]["OnFailure"] == {"Destination": "arn:aws:s3:::failures"}


def test_get_update_and_list_of_what_is_missing(lam):
    """Do Get/Update of a missing config and List of a missing function answer AWS's 404s?"""
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.get_function_event_invoke_config(FunctionName="orders", Qualifier="live")
    assert error(raised)[1] == f"The function {ARN}:orders:live doesn't have an EventInvokeConfig"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.update_function_event_invoke_config(FunctionName="orders", MaximumRetryAttempts=1)
    assert error(raised)[1] == f"The function {ARN}:orders:$LATEST doesn't have an EventInvokeConfig"
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.list_function_event_invoke_configs(FunctionName="missing")
    assert error(raised)[1] == "The function doesn't exist."
