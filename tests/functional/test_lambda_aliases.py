"""Weighted aliases: each invoke picks a version by weight; the version that ran is reported."""

import pytest
from botocore.exceptions import ClientError

from workbook import lambda_runtime

from .lambda_helpers import create_function, invoke, make_zip

VERSIONED = "def handler(event, context):\n    return context.function_version\n"


def _two_versions(sb):
    create_function(sb, "canary", VERSIONED)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="canary")
    lam.update_function_code(FunctionName="canary", ZipFile=make_zip(VERSIONED + "# v2\n"))
    lam.publish_version(FunctionName="canary")
    return lam


def test_weighted_alias_splits_traffic(sb):
    """Does an alias with AdditionalVersionWeights {2: 0.5} send invokes to both versions, reported everywhere?"""
    lam = _two_versions(sb)
    lam.create_alias(
        FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )
    lambda_runtime.seed(7)
    seen = set()
    for _ in range(20):
        response = invoke(sb, "canary", Qualifier="live", LogType="Tail")
        assert response["Payload"] == response["ExecutedVersion"]
        assert f"Version: {response['ExecutedVersion']}" in response["Log"].splitlines()[0]
        seen.add(response["ExecutedVersion"])
    assert seen == {"1", "2"}


def test_seed_makes_routing_repeatable(sb):
    """Does lambda_runtime.seed(n) make the sequence of chosen versions repeatable?"""
    lam = _two_versions(sb)
    lam.create_alias(
        FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}}
    )

    def run():
        lambda_runtime.seed(123)
        return [invoke(sb, "canary", Qualifier="live")["ExecutedVersion"] for _ in range(10)]

    assert run() == run()


def test_alias_without_weights_runs_its_version(sb):
    """Does a plain alias always run the version it points to?"""
    lam = _two_versions(sb)
    lam.create_alias(FunctionName="canary", Name="stable", FunctionVersion="1")
    assert {invoke(sb, "canary:stable")["ExecutedVersion"] for _ in range(5)} == {"1"}


WEIGHTS_AT = "at 'routingConfig.additionalVersionWeights' failed to satisfy constraint: "
WEIGHT_CONSTRAINT = (
    WEIGHTS_AT + "Map value must satisfy constraint: [Member must have value less than or equal to 1.0, "
    "Member must have value greater than or equal to 0.0, Member must not be null]"
)
KEY_CONSTRAINT = (
    WEIGHTS_AT + "Map keys must satisfy constraint: [Member must have length less than or equal to 1024, "
    "Member must have length greater than or equal to 1, Member must satisfy regular expression pattern: [0-9]+]"
)
INVALID = "InvalidParameterValueException"


@pytest.mark.parametrize(
    "version, weights, code, message",
    [
        ("1", {"1": 0.8, "2": 0.2}, INVALID, "Number of items in AdditionalVersionWeights cannot be greater than 1"),
        ("1", {"2": 2}, "ValidationException", "1 validation error detected: Value '{2=2.0}' " + WEIGHT_CONSTRAINT),
        ("1", {"1": 0.5}, INVALID,
         "Invalid function version 1. Function version 1 is already included in routing configuration."),
        ("$LATEST", {"1": 0.5}, INVALID, "$LATEST is not supported for an alias pointing to more than 1 version"),
        ("1", {"$LATEST": 0.5}, "ValidationException",
         "1 validation error detected: Value '{$LATEST=0.5}' " + KEY_CONSTRAINT),
        ("1", {"10": 0.5}, "ResourceNotFoundException",
         "Function not found: arn:aws:lambda:us-east-1:123456789012:function:canary:10"),
    ],
    ids=["two-versions", "weight-above-1", "same-version", "latest", "key-not-a-version", "missing-version"],
)
def test_invalid_routing_config_is_rejected(sb, version, weights, code, message):
    """Does CreateAlias (and UpdateAlias) reject an invalid RoutingConfig with AWS's error code and message?"""
    lam = _two_versions(sb)
    routing = {"AdditionalVersionWeights": weights}
    with pytest.raises(ClientError) as error:
        lam.create_alias(FunctionName="canary", Name="bad", FunctionVersion=version, RoutingConfig=routing)
    assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (code, message)
    if version != "$LATEST":
        lam.create_alias(FunctionName="canary", Name="ok", FunctionVersion=version)
        with pytest.raises(ClientError) as error:
            lam.update_alias(FunctionName="canary", Name="ok", RoutingConfig=routing)
        assert (error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]) == (code, message)
    assert [alias["Name"] for alias in lam.list_aliases(FunctionName="canary")["Aliases"]] in ([], ["ok"])


def test_empty_routing_config_is_accepted(sb):
    """Is an empty AdditionalVersionWeights map accepted (the way to send 100 % to one version)?"""
    lam = _two_versions(sb)
    empty = {"AdditionalVersionWeights": {}}
    lam.create_alias(FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig=empty)
    lam.update_alias(FunctionName="canary", Name="live", FunctionVersion="2", RoutingConfig=empty)
    assert invoke(sb, "canary:live")["ExecutedVersion"] == "2"


def test_duplicate_alias_is_a_resource_conflict(sb):
    """Does creating an alias that exists raise ResourceConflictException 'Alias already exists: <arn>'?"""
    lam = _two_versions(sb)
    lam.create_alias(FunctionName="canary", Name="live", FunctionVersion="1")
    with pytest.raises(lam.exceptions.ResourceConflictException) as error:
        lam.create_alias(FunctionName="canary", Name="live", FunctionVersion="2")
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    assert error.value.response["Error"]["Message"] == (
        "Alias already exists: arn:aws:lambda:us-east-1:123456789012:function:canary:live"
    )


def test_update_without_routing_config_keeps_the_weights(sb):
    """Does UpdateAlias without RoutingConfig keep the alias' weights (only the fields given change)?"""
    lam = _two_versions(sb)
    weights = {"AdditionalVersionWeights": {"2": 0.25}}
    lam.create_alias(FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig=weights)
    updated = lam.update_alias(FunctionName="canary", Name="live", Description="quarter to 2")
    assert (updated["FunctionVersion"], updated["RoutingConfig"]) == ("1", weights)
    assert lam.get_alias(FunctionName="canary", Name="live")["RoutingConfig"] == weights
    lambda_runtime.seed(7)
    assert {invoke(sb, "canary:live")["ExecutedVersion"] for _ in range(20)} == {"1", "2"}
