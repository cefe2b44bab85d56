"""The Invoke API through plain boto3: status codes, payloads, qualifiers, API errors."""

import json
import threading

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from .lambda_helpers import create_function, invoke

ECHO = """
def handler(event, context):
    return {"event": event, "version": context.function_version,
            "arn": context.invoked_function_arn, "request_id": context.aws_request_id}
"""


def test_request_response_returns_the_json_result(sb):
    """Does a synchronous invoke answer 200 with the handler's result and ExecutedVersion?"""
    create_function(sb, "echo", ECHO)
    response = invoke(sb, "echo", {"n": 1})
    assert response["StatusCode"] == 200
    assert response["Payload"]["event"] == {"n": 1}
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response


def test_none_result_is_null(sb):
    """Does a handler returning None give the payload `null`?"""
    create_function(sb, "nothing", "def handler(event, context):\n    return None\n")
    assert invoke(sb, "nothing")["Body"] == b"null"


def test_empty_payload_is_an_empty_event(sb):
    """Does an invoke without Payload hand the handler an empty dict?"""
    create_function(sb, "echo", ECHO)
    assert invoke(sb, "echo")["Payload"]["event"] == {}


def test_request_id_matches_context_and_start_line(sb):
    """Is the response RequestId the handler's aws_request_id and the START line's id?"""
    create_function(sb, "echo", ECHO)
    response = invoke(sb, "echo", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["Payload"]["request_id"] == request_id
    assert f"START RequestId: {request_id} Version: $LATEST" in response["Log"]


def test_dry_run_answers_204_without_running(sb):
    """Does DryRun answer 204 with an empty body and leave no log?"""
    create_function(sb, "echo", ECHO)
    response = sb.client("lambda").invoke(FunctionName="echo", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert response["Payload"].read() == b""


def test_event_invoke_runs_in_the_background(sb):
    """Does an Event invoke answer 202 at once and run the handler by the time settle() returns?"""
    create_function(
        sb,
        "writer",
        """
import boto3
def handler(event, context):
    boto3.client("s3").put_object(Bucket="results", Key="done", Body=b"yes")
""",
    )
    sb.client("s3").create_bucket(Bucket="results")
    response = sb.client("lambda").invoke(FunctionName="writer", InvocationType="Event", Payload=b"{}")
    assert response["StatusCode"] == 202
    assert response["Payload"].read() == b""
    assert sb.settle(timeout=20)
    assert sb.client("s3").get_object(Bucket="results", Key="done")["Body"].read() == b"yes"


@pytest.mark.parametrize(
    "kwargs, expected_arn_suffix, expected_version",
    [
        ({"FunctionName": "echo"}, "function:echo", "$LATEST"),
        ({"FunctionName": "echo:$LATEST"}, "function:echo:$LATEST", "$LATEST"),
        ({"FunctionName": "echo:1"}, "function:echo:1", "1"),
        ({"FunctionName": "echo", "Qualifier": "1"}, "function:echo:1", "1"),
        ({"FunctionName": "echo", "Qualifier": "live"}, "function:echo:live", "1"),
        ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo:live"}, "function:echo:live", "1"),
        ({"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:echo"}, "function:echo", "$LATEST"),
    ],
)
def test_qualifiers_select_the_version_and_the_invoked_arn(sb, kwargs, expected_arn_suffix, expected_version):
    """Do names, ARNs, `name:qualifier` and the Qualifier parameter pick the right version and ARN?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="echo")
    lam.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
    kwargs = dict(kwargs)
    response = invoke(sb, kwargs.pop("FunctionName"), **kwargs)
    assert response["ExecutedVersion"] == expected_version
    assert response["Payload"]["version"] == expected_version
    assert response["Payload"]["arn"] == f"arn:aws:lambda:us-east-1:123456789012:{expected_arn_suffix}"


def test_unknown_function_is_resource_not_found(sb):
    """Does invoking a function that doesn't exist raise ResourceNotFoundException naming :$LATEST?"""
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.invoke(FunctionName="nope")
    assert raised.value.response["Error"]["Message"] == (
        "Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope:$LATEST"
    )
    assert raised.value.response["Type"] == "User"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_unknown_alias_is_resource_not_found(sb):
    """Does invoking a missing alias raise ResourceNotFoundException?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.invoke(FunctionName="echo", Qualifier="missing")


def test_unknown_alias_message_names_the_alias(sb):
    """Does invoking a missing alias or version name it in 'Function not found: <arn>:<qualifier>'?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    cases = (({"FunctionName": "echo:missing"}, "missing"), ({"FunctionName": "echo", "Qualifier": "7"}, "7"))
    for kwargs, qualifier in cases:
        with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
            lam.invoke(**kwargs)
        assert raised.value.response["Error"]["Message"] == (
            f"Function not found: arn:aws:lambda:us-east-1:123456789012:function:echo:{qualifier}"
        )


def test_qualifier_in_name_and_parameter_must_agree(sb):
    """Does 'name:1' with Qualifier='2' raise InvalidParameterValueException, as AWS does?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="echo")
    with pytest.raises(lam.exceptions.InvalidParameterValueException) as raised:
        lam.invoke(FunctionName="echo:1", Qualifier="2")
    assert raised.value.response["Error"]["Message"] == (
        "The derived qualifier from the function name does not match the specified qualifier."
    )
    assert invoke(sb, "echo:1", Qualifier="1")["ExecutedVersion"] == "1"


def test_function_arn_of_another_region_is_not_found(sb):
    """Does an ARN naming another region raise ResourceNotFoundException instead of running the local function?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.ResourceNotFoundException) as raised:
        lam.invoke(FunctionName="arn:aws:lambda:eu-west-1:123456789012:function:echo")
    assert raised.value.response["Error"]["Message"] == (
        "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')"
    )


def test_payload_that_is_not_json_is_rejected(sb):
    """Does a payload that isn't JSON raise InvalidRequestContentException?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    with pytest.raises(lam.exceptions.InvalidRequestContentException) as raised:
        lam.invoke(FunctionName="echo", Payload=b"{not json")
    assert raised.value.response["Error"]["Message"].startswith(
        "Could not parse request body into json: Could not parse payload into json: "
    )
    assert raised.value.response["Type"] == "User"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_request_over_6_mb_is_413(sb):
    """Is a synchronous request over 6 MB refused with 413 RequestEntityTooLargeException?"""
    create_function(sb, "echo", ECHO)
    with pytest.raises(ClientError) as raised:
        sb.client("lambda").invoke(FunctionName="echo", Payload=json.dumps("x" * (6 * 1024 * 1024)))
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert error["Error"]["Code"] == "RequestEntityTooLargeException"
    assert error["Error"]["Message"] == "Request must be smaller than 6291456 bytes for the InvokeFunction operation"


def test_event_request_over_1_mb_is_413(sb):
    """Is an Event request over 1 MB refused with 413?"""
    create_function(sb, "echo", ECHO)
    payload = json.dumps("x" * (1024 * 1024))
    with pytest.raises(ClientError) as raised:
        sb.client("lambda").invoke(FunctionName="echo", InvocationType="Event", Payload=payload)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    assert raised.value.response["Error"]["Message"] == (
        f"{len(payload)} byte payload is too large for the Event invocation type (limit 1048576 bytes)"
    )


def test_reserved_concurrency_zero_throttles(sb):
    """Does reserved concurrency 0 throttle every invoke with 429 and a Reason?"""
    create_function(sb, "echo", ECHO)
    lam = sb.client("lambda")
    lam.put_function_concurrency(FunctionName="echo", ReservedConcurrentExecutions=0)
    with pytest.raises(lam.exceptions.TooManyRequestsException) as raised:
        lam.invoke(FunctionName="echo")
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429
    assert raised.value.response["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"


def test_more_concurrent_invokes_than_reserved_are_throttled(sb):
    """With reserved concurrency 1, is one of two overlapping invokes throttled?"""
    create_function(sb, "slow", "import time\ndef handler(event, context):\n    time.sleep(1)\n")
    lam = sb.client("lambda")
    lam.put_function_concurrency(FunctionName="slow", ReservedConcurrentExecutions=1)
    outcomes = []

    def call():
        client = sb.client("lambda", config=Config(retries={"total_max_attempts": 1}))  # boto3 retries 429s
        try:
            outcomes.append(client.invoke(FunctionName="slow")["StatusCode"])
        except client.exceptions.TooManyRequestsException:
            outcomes.append(429)

    threads = [threading.Thread(target=call) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [200, 429]
