"""Small helpers for REST API tests: an API with Lambda proxy methods, the permission API Gateway needs, and
plain HTTP calls that return (status, headers, body) whatever the status."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

ECHO = """
import json

def handler(event, context):
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"},
            "body": json.dumps({"event": event, "arn": context.invoked_function_arn})}
"""


def integration_uri(region: str, function_arn: str) -> str:
    return f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def proxy_api(apigw, region: str, function_arn: str, routes=(("/items/{id}", "GET"),), *,
              stage: str | None = "prod", name: str = "shop", uri: str | None = None, **api_options) -> dict:
    """A REST API whose ``routes`` ((path, method) pairs) are AWS_PROXY methods for ``function_arn``,
    deployed to ``stage`` (None: not deployed). Returns {"id", "resources": {path: id}}."""
    api = apigw.create_rest_api(name=name, **api_options)
    resources = {"/": api["rootResourceId"]}
    for path, method in routes:
        add_method(apigw, api["id"], resources, path, method, uri or integration_uri(region, function_arn))
    if stage:
        apigw.create_deployment(restApiId=api["id"], stageName=stage)
    return {"id": api["id"], "resources": resources}


def add_method(apigw, api_id: str, resources: dict, path: str, method: str, uri: str,
               integration_type: str = "AWS_PROXY") -> None:
    """Create the resources of ``path`` as needed, and an integrated ``method`` on the last one."""
    parent = resources["/"]
    so_far = ""
    for part in [p for p in path.split("/") if p]:
        so_far += "/" + part
        if so_far not in resources:
            resources[so_far] = apigw.create_resource(restApiId=api_id, parentId=parent, pathPart=part)["id"]
        parent = resources[so_far]
    apigw.put_method(restApiId=api_id, resourceId=parent, httpMethod=method, authorizationType="NONE")
    options = {"uri": uri, "integrationHttpMethod": "POST"} if integration_type != "MOCK" else {}
    apigw.put_integration(restApiId=api_id, resourceId=parent, httpMethod=method, type=integration_type,
                          **options)


def allow_api(lam, function_name: str, region: str, account_id: str, api_id: str, pattern: str = "*/*/*",
              qualifier: str | None = None, sid: str = "apigateway") -> None:
    """Let API Gateway invoke the function for SourceArn ``arn:aws:execute-api:…:<api>/<pattern>``."""
    kwargs = {"Qualifier": qualifier} if qualifier else {}
    lam.add_permission(FunctionName=function_name, StatementId=sid, Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{region}:{account_id}:{api_id}/{pattern}", **kwargs)


def call(url: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None,
         timeout: float = 30) -> tuple[int, dict, bytes]:
    """``(status, headers, body)`` of one plain HTTP request (4xx and 5xx included)."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def echoed(body: bytes) -> dict:
    """The event the ECHO handler sent back."""
    return json.loads(body)["event"]
