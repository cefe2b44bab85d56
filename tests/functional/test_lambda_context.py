"""The handler's context object and process environment, as on AWS."""

import base64
import json
import os

import pytest

from .lambda_helpers import create_function, invoke

CONTEXT = """
def handler(event, context):
    cc = context.client_context
    return {
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "identity": [context.identity.cognito_identity_id, context.identity.cognito_identity_pool_id],
        "client_context": None if cc is None else {"custom": cc.custom, "env": cc.env,
                                                  "app_title": cc.client and cc.client.app_title},
    }
"""

ENVIRON = """
import os
def handler(event, context):
    return {"environ": dict(os.environ), "cwd": os.getcwd()}
"""


def test_context_attributes(sb):
    """Does the context carry the function's name, version, memory (a string) and request id?"""
    create_function(sb, "ctx", CONTEXT, MemorySize=256)
    response = invoke(sb, "ctx")
    assert response["Payload"] == {
        "function_name": "ctx",
        "function_version": "$LATEST",
        "invoked_function_arn": "arn:aws:lambda:us-east-1:123456789012:function:ctx",
        "memory_limit_in_mb": "256",
        "aws_request_id": response["ResponseMetadata"]["RequestId"],
        "log_group_name": "/aws/lambda/ctx",
        "identity": [None, None],
        "client_context": None,
    }


def test_client_context_is_passed_through(sb):
    """Does ClientContext (base64 JSON) reach context.client_context?"""
    create_function(sb, "ctx", CONTEXT)
    client_context = {"custom": {"tenant": "a"}, "env": {"locale": "en"}, "client": {"app_title": "shop"}}
    encoded = base64.b64encode(json.dumps(client_context).encode()).decode()
    payload = invoke(sb, "ctx", ClientContext=encoded)["Payload"]
    assert payload["client_context"] == {"custom": {"tenant": "a"}, "env": {"locale": "en"}, "app_title": "shop"}


def test_client_context_that_is_not_base64_json_is_rejected(sb):
    """Is a ClientContext that isn't base64 of a JSON object refused with InvalidRequestContentException?"""
    create_function(sb, "ctx", CONTEXT)
    lam = sb.client("lambda")
    for bad in ("not base64!", base64.b64encode(b"not json").decode(), base64.b64encode(b"[1]").decode()):
        with pytest.raises(lam.exceptions.InvalidRequestContentException) as raised:
            lam.invoke(FunctionName="ctx", ClientContext=bad)
        message = raised.value.response["Error"]["Message"]
        assert message == "Client context must be a valid Base64-encoded JSON object."


def test_worker_environment_variables(sb):
    """Does the handler see AWS's reserved variables, its own variables, and the sandbox endpoint?"""
    create_function(sb, "env", ENVIRON, Environment={"Variables": {"TABLE": "orders"}}, MemorySize=512)
    payload = invoke(sb, "env")["Payload"]
    environ = payload["environ"]
    assert environ["TABLE"] == "orders"
    assert environ["_HANDLER"] == "handler.handler"
    assert environ["AWS_REGION"] == environ["AWS_DEFAULT_REGION"] == "us-east-1"
    assert environ["AWS_EXECUTION_ENV"] == "AWS_Lambda_python3.12"
    assert environ["AWS_LAMBDA_FUNCTION_NAME"] == "env"
    assert environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "512"
    assert environ["AWS_LAMBDA_FUNCTION_VERSION"] == "$LATEST"
    assert environ["AWS_LAMBDA_LOG_GROUP_NAME"] == "/aws/lambda/env"
    assert environ["AWS_LAMBDA_LOG_STREAM_NAME"].startswith(tuple("0123456789"))
    assert environ["AWS_LAMBDA_INITIALIZATION_TYPE"] == "on-demand"
    assert environ["AWS_ENDPOINT_URL"] == sb.endpoint_url
    assert environ["LAMBDA_TASK_ROOT"] == payload["cwd"]
    assert os.path.isfile(os.path.join(payload["cwd"], "handler.py"))
    assert environ["AWS_SESSION_TOKEN"] and environ["AWS_ACCESS_KEY_ID"].startswith("ASIA")
    assert os.path.isdir(environ["TMPDIR"])


def test_execution_role_identity(sb):
    """Does the handler act as the assumed execution role, with the function name as session?"""
    create_function(
        sb, "whoami", "import boto3\ndef handler(e, c):\n    return boto3.client('sts').get_caller_identity()['Arn']\n"
    )
    assert invoke(sb, "whoami")["Payload"] == "arn:aws:sts::123456789012:assumed-role/lambda-exec/whoami"


def test_handler_calls_back_into_the_sandbox(sb):
    """Can a handler use boto3 against the sandbox, and does the notebook see the result?"""
    sb.client("sqs").create_queue(QueueName="jobs")
    create_function(
        sb,
        "producer",
        "import boto3\ndef handler(e, c):\n    sqs = boto3.client('sqs')\n"
        "    sqs.send_message(QueueUrl=sqs.get_queue_url(QueueName='jobs')['QueueUrl'], MessageBody='hi')\n",
    )
    invoke(sb, "producer")
    queue_url = sb.client("sqs").get_queue_url(QueueName="jobs")["QueueUrl"]
    messages = sb.client("sqs").receive_message(QueueUrl=queue_url)["Messages"]
    assert messages[0]["Body"] == "hi"
