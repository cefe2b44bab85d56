"""Small helpers for front door tests: plain HTTP calls, the permissions a public URL needs, SigV4 signing."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import NamedTuple

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from workbook.front_doors import listener

TIMEOUT = 30  # generous: a cold start on a busy machine


class Answer(NamedTuple):
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


def call(url: str, method: str = "GET", data: bytes | None = None, headers: dict | None = None) -> Answer:
    """One HTTP request with urllib; an error status is returned, not raised."""
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return Answer(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, dict(error.headers), error.read())


def door_of(url: str) -> listener.Listener:
    """The listener serving ``url`` in this process.

    Tests assert ``door_of(url).closed`` rather than "connection refused": once closed, the port is free and
    another test process may already listen on it.
    """
    port = int(url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    [door] = [door for door in listener.open_listeners() if door.port == port]
    return door


def signed_call(url: str, credentials: Credentials, region: str, method: str = "GET", data: bytes = b"",
                headers: dict | None = None) -> Answer:
    """A request signed with SigV4 for service ``lambda``, as an AWS_IAM function URL requires."""
    request = AWSRequest(method=method, url=url, data=data, headers=dict(headers or {}))
    SigV4Auth(credentials, "lambda", region).add_auth(request)
    return call(url, method, data or None, dict(request.headers.items()))


def allow_public_url(lam, function_name: str, qualifier: str | None = None) -> None:
    """The two statements an AuthType NONE URL needs: InvokeFunctionUrl and InvokeFunction for anyone."""
    extra = {"Qualifier": qualifier} if qualifier else {}
    lam.add_permission(FunctionName=function_name, StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE", **extra)
    lam.add_permission(FunctionName=function_name, StatementId="invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True, **extra)


def allow_api_gateway(lam, function_name: str, region: str, account_id: str, api_id: str) -> None:
    """The statement API Gateway needs to invoke the function for any stage, method and route of the API."""
    lam.add_permission(FunctionName=function_name, StatementId=f"apigw-{api_id}",
                       Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{account_id}:{api_id}/*")
