"""Lab 10 · the capstone: an items API on Lambda and DynamoDB behind an HTTP API, shipped through an alias.

The contract the lab text gives the learner:

- The table ``items`` (partition key ``id``, a string) is made by the lab's setup.
- ``items-api-role`` (step 1) may write the function's logs and do ``dynamodb:PutItem``, ``GetItem`` and
  ``Scan`` on ``items``, nothing more.
- ``items-api`` (step 2; python3.12, role ``items-api-role``, ``TABLE_NAME=items``) answers payload-format-2.0
  events, routing on the method and the path:
  ``POST /items`` with the JSON body ``{"name": <non-empty string>}`` stores ``{"id": <new id>, "name"}`` and
  answers 201, ``Location: /items/<id>`` and the item as JSON; any other body is 400 with a JSON
  ``{"error": …}``. ``GET /items`` is 200 ``{"items": [...]}``; ``GET /items/<id>`` 200 with the item, or 404
  with a JSON error; any other request 404 with a JSON error. Every request logs one JSON line carrying
  Lambda's request id and the ``status`` it answered.
- Step 3: version published, alias ``live`` on it, the HTTP API ``items-http`` with a ``$default`` stage whose
  Lambda proxy integration targets ``items-api:live``, and a resource-policy statement letting
  ``apigateway.amazonaws.com`` invoke it only from that API (``SourceArn``).
- Step 4: ``GET /`` answers an HTML page (``text/html``) listing every item's name, HTML-escaped; shipped by
  publishing a new version and moving ``live``, the API untouched.

The checks call the API over HTTP with items of their own (names the learner cannot predict), compare what
comes back with what DynamoDB holds, and delete what they stored.
"""

from __future__ import annotations

import html
import json
import re
import urllib.error
from dataclasses import dataclass

from workbook import web
from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.iam_policies import Grant, _matches

FUNCTION = "items-api"
ROLE = "items-api-role"
TABLE = "items"
ALIAS = "live"
API_NAME = "items-http"
NEEDED_ACTIONS = (("dynamodb:PutItem",), ("dynamodb:GetItem",), ("dynamodb:Scan",))
JSON_TYPES = ("application/json",)

lab = Lab("10-capstone-web-api", "Lab 10 · Capstone: a web API, shipped through an alias")


# The solutions of steps 2 and 4, as in the solution notebook (the handler's source is a string in it).
FUNCTION_SOLUTION = '''
ITEMS_PY = """
import base64
import json
import os
import uuid

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def respond(status, body, headers=None):
    # a payload-format-2.0 response with a JSON body
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "body": json.dumps(body),
    }


def create_item(event):
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    try:
        data = json.loads(body)
    except ValueError:
        return respond(400, {"error": 'the body must be JSON, like {"name": "teapot"}'})
    name = data.get("name") if isinstance(data, dict) else None
    if not isinstance(name, str) or not name.strip():
        return respond(400, {"error": "name must be a non-empty string"})
    item = {"id": uuid.uuid4().hex, "name": name}
    table.put_item(Item=item)
    return respond(201, item, {"Location": f"/items/{item['id']}"})


def list_items(event):
    return respond(200, {"items": table.scan()["Items"]})


def get_item(event):
    item_id = event["rawPath"].removeprefix("/items/")
    item = table.get_item(Key={"id": item_id}).get("Item")
    if item is None:
        return respond(404, {"error": f"there is no item {item_id}"})
    return respond(200, item)


ROUTES = {("POST", "/items"): create_item, ("GET", "/items"): list_items}


def find_route(method, path):
    if (method, path) in ROUTES:
        return ROUTES[(method, path)]
    if method == "GET" and path.startswith("/items/") and path.count("/") == 2:
        return get_item
    return None


def handler(event, context):
    method, path = event["requestContext"]["http"]["method"], event["rawPath"]
    route = find_route(method, path)
    response = route(event) if route else respond(404, {"error": f"there is no route {method} {path}"})
    print(json.dumps({"level": "INFO", "request_id": context.aws_request_id, "method": method,
                      "path": path, "status": response["statusCode"]}))
    return response
"""

config = deploy_function(
    lam, "items-api", {"app.py": ITEMS_PY}, ROLE_ARN, Environment={"Variables": {"TABLE_NAME": TABLE_NAME}}
)
'''

PAGE_SOLUTION = '''
PAGE_PY = """

import html


def show_page(event):
    names = sorted(item["name"] for item in table.scan()["Items"])
    rows = "".join(f"<li>{html.escape(name)}</li>" for name in names)
    page = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Items</title></head>"
        f"<body><h1>Items</h1><ul>{rows}</ul></body></html>"
    )
    return {"statusCode": 200, "headers": {"Content-Type": "text/html; charset=utf-8"}, "body": page}


ROUTES[("GET", "/")] = show_page
"""
ITEMS_V2_PY = ITEMS_PY + PAGE_PY

deploy_function(
    lam, "items-api", {"app.py": ITEMS_V2_PY}, ROLE_ARN, Environment={"Variables": {"TABLE_NAME": TABLE_NAME}}
)
version_2 = lam.publish_version(FunctionName="items-api", Description="the HTML page")["Version"]
live = lam.update_alias(FunctionName="items-api", Name="live", FunctionVersion=version_2)
'''


# ------------------------------------------------------------------------------------------------ shared


def table_arn(aws) -> str:
    dynamodb = aws.client("dynamodb")
    try:
        return dynamodb.describe_table(TableName=TABLE)["Table"]["TableArn"]
    except dynamodb.exceptions.ResourceNotFoundException:
        raise NotAttempted(f"there is no table {TABLE!r}: run the setup cell") from None


def needs(aws) -> list[Grant]:
    arn = table_arn(aws)
    return [*aws.log_writing(FUNCTION), *(Grant(actions, arn) for actions in NEEDED_ACTIONS)]


def new_name(fresh) -> str:
    """An item name of the check's own: words, a space, and characters JSON and HTML must carry."""
    return fresh.name("Check ", 6, f" {fresh.choice(['&', '«»', 'é', '#', '+'])} {fresh.token(4)}")


def stored(aws, item_id: str) -> dict | None:
    """The item ``item_id`` as DynamoDB holds it (plain values), or None."""
    found = aws.client("dynamodb").get_item(TableName=TABLE, Key={"id": {"S": item_id}}, ConsistentRead=True)
    item = found.get("Item")
    return None if item is None else {key: next(iter(value.values())) for key, value in item.items()}


def forget(aws, item_ids) -> None:
    """Delete the items a check stored (leave the table as the learner left it)."""
    for item_id in item_ids:
        if isinstance(item_id, str) and item_id:
            aws.client("dynamodb").delete_item(TableName=TABLE, Key={"id": {"S": item_id}})


def _json_body(answer) -> object:
    try:
        return json.loads(answer.body)
    except ValueError:
        return None


def _shown(body: object) -> str:
    text = body if isinstance(body, str) else json.dumps(body)
    return text if len(text) <= 160 else text[:160] + "…"


@dataclass
class Answer:
    """One answer of the function, directly (step 2) or through the API (steps 3, 4)."""

    status: int | None
    headers: dict  # names lower-cased
    body: bytes
    log: str = ""
    request_id: str = ""

    @property
    def content_type(self) -> str:
        return (self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def expect_json(answer: Answer, status: int, what: str) -> object:
    """The JSON body of ``answer`` when its status is ``status`` and it is JSON; Failed otherwise."""
    if answer.status != status:
        raise Failed(f"{what}: the answer was {answer.status} {_shown(answer.text)!s}; expected {status}.")
    if answer.content_type not in JSON_TYPES:
        raise Failed(
            f"{what}: the answer's Content-Type is {answer.content_type or 'missing'!r}; a JSON body goes "
            "with Content-Type: application/json."
        )
    body = _json_body(answer)
    if body is None:
        raise Failed(f"{what}: the body is not JSON: {_shown(answer.text)}")
    return body


def expect_error(answer: Answer, status: int, what: str) -> None:
    body = expect_json(answer, status, what)
    if not isinstance(body, dict) or not isinstance(body.get("error"), str) or not body["error"].strip():
        raise Failed(
            f'{what}: expected a JSON error message, {{"error": "..."}}; the body was {_shown(body)}.'
        )


def _item_of(body: object, name: str, what: str) -> str:
    """The id of the item ``body`` when it is ``{"id": …, "name": name}``; Failed otherwise."""
    if not isinstance(body, dict) or not isinstance(body.get("id"), str) or not body["id"]:
        raise Failed(f'{what}: expected the item, {{"id": "...", "name": "..."}}; got {_shown(body)}.')
    if body.get("name") != name:
        raise Failed(f"{what}: the item's name came back as {body.get('name')!r}, not the name sent.")
    return body["id"]


def malformed_bodies(fresh) -> list[tuple[str, str | None]]:
    """(description, body) of every kind of body the lab says is a 400."""
    return [
        ("a body that is not JSON", '{"name": "' + fresh.token()),
        ("no body at all", None),
        ("a JSON list", json.dumps([fresh.token()])),
        ("an object without a name", json.dumps({"title": fresh.token()})),
        ("an empty name", json.dumps({"name": ""})),
        ("a name that is a number", json.dumps({"name": fresh.randint(1, 999)})),
    ]


def exercise_items(aws, call, what: str) -> list[str]:
    """Create, read and list items through ``call(method, path, body)``; the ids stored. Failed when wrong."""
    fresh, made = aws.fresh, []
    try:
        names = [new_name(fresh) for _ in range(2)]
        for name in names:
            answer = call("POST", "/items", json.dumps({"name": name}))
            if answer.status == 200:
                body = _json_body(answer)
                if isinstance(body, dict) and isinstance(body.get("id"), str):
                    made.append(body["id"])
                raise Failed(
                    f"{what}: POST /items answered 200; a request that creates something answers 201 "
                    "Created, with a Location header naming the new item."
                )
            item_id = _item_of(expect_json(answer, 201, f"{what}: POST /items"), name, f"{what}: POST /items")
            made.append(item_id)
            location = answer.headers.get("location")
            if (
                location is None
                or location.rstrip("/").split("?")[0].rsplit("/items/", 1)[-1] != item_id
                or "/items/" not in location
            ):
                raise Failed(
                    f"{what}: the 201 answer's Location header is {location!r}; it must name the new item: "
                    "/items/<its id>."
                )
            held = stored(aws, item_id)
            if held is None or held.get("name") != name:
                raise Failed(
                    f"{what}: POST /items answered 201 with an id, but the table {TABLE} "
                    + ("has no item with that id." if held is None else f"holds {held!r} under it.")
                )
        for item_id, name in zip(made, names, strict=True):
            path = f"/items/{item_id}"
            got = _item_of(expect_json(call("GET", path, None), 200, f"{what}: GET /items/<id>"), name,
                           f"{what}: GET /items/<id>")  # fmt: skip
            if got != item_id:
                raise Failed(f"{what}: GET /items/<id> answered another item.")
        listing = expect_json(call("GET", "/items", None), 200, f"{what}: GET /items")
        items = listing.get("items") if isinstance(listing, dict) else None
        if not isinstance(items, list):
            raise Failed(f'{what}: GET /items must answer {{"items": [...]}}; it answered {_shown(listing)}.')
        listed = {i.get("id"): i.get("name") for i in items if isinstance(i, dict)}
        missing = [name for item_id, name in zip(made, names, strict=True) if listed.get(item_id) != name]
        if missing:
            raise Failed(f"{what}: GET /items does not list {len(missing)} of the items just created.")
        expect_error(
            call("GET", f"/items/{fresh.token(12)}", None), 404, f"{what}: GET /items/<an unknown id>"
        )
        before = _count(aws)
        for description, body in malformed_bodies(fresh):
            answer = call("POST", "/items", body)
            created = _json_body(answer) if answer.status == 201 else None
            if isinstance(created, dict):
                made.append(created.get("id"))
            expect_error(answer, 400, f"{what}: POST /items with {description}")
        if _count(aws) != before:
            raise Failed(f"{what}: a POST /items answered 400 but stored an item anyway.")
        return made
    except BaseException:
        forget(aws, made)
        raise


def _count(aws) -> int:
    return aws.client("dynamodb").scan(TableName=TABLE, Select="COUNT", ConsistentRead=True)["Count"]


# ------------------------------------------------------------------------------------------------ step 1


@lab.step(
    "role",
    "An execution role that may do exactly what the API needs",
    watches=(f"iam-role:{ROLE}", f"dynamodb:{TABLE}"),
    hints=[
        "The API creates (PutItem), reads one (GetItem) and lists (Scan) items of one table: those three "
        "actions, on TABLE_ARN only. Plus its own logs.",
        "create_execution_role(iam, 'items-api-role', statements=[...]) trusts Lambda and attaches "
        "AWSLambdaBasicExecutionRole for the logs; the statements become its inline policy.",
        "statements=[{'Effect': 'Allow', 'Action': ['dynamodb:PutItem', 'dynamodb:GetItem', "
        "'dynamodb:Scan'], 'Resource': TABLE_ARN}]",
    ],
    solution="""
ROLE_ARN = create_execution_role(iam, "items-api-role", statements=[{
    "Effect": "Allow",
    "Action": ["dynamodb:PutItem", "dynamodb:GetItem", "dynamodb:Scan"],
    "Resource": TABLE_ARN,
}])
""",
)
def role(aws):
    aws.least_privilege_role(ROLE, needs(aws), job=f"{FUNCTION} needs")
    return f"{ROLE} may write its logs and put, get and scan items in {TABLE}, and nothing else"


# ------------------------------------------------------------------------------------------------ step 2


def http_event(method: str, path: str, body: str | None, *, route_key: str, account_id: str) -> dict:
    """The payload-format-2.0 event an HTTP API sends for ``method path`` through the route ``route_key``."""
    event = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {
            "accept": "application/json",
            "content-type": "application/json",
            "host": "127.0.0.1",
            "user-agent": "workbook-check",
        },  # fmt: skip
        "requestContext": {
            "accountId": account_id,
            "apiId": "checkapi",
            "domainName": "127.0.0.1",
            "domainPrefix": "127",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "workbook-check",
            },  # fmt: skip
            "requestId": "check",
            "routeKey": route_key,
            "stage": "$default",
            "time": "28/Nov/2026:09:00:00 +0000",
            "timeEpoch": 1795856400000,
        },
        "isBase64Encoded": False,
    }
    if path.startswith("/items/"):
        event["pathParameters"] = {"id": path.removeprefix("/items/")}
    if body is not None:
        event["body"] = body
        event["headers"]["content-length"] = str(len(body.encode()))
    return event


def _route_key(method: str, path: str) -> str:
    if path == "/items" and method in ("GET", "POST"):
        return f"{method} /items"
    if path.startswith("/items/") and method == "GET":
        return "GET /items/{id}"
    return "$default"


def invoke_answer(aws, qualified: str, method: str, path: str, body: str | None) -> Answer:
    """Invoke the function directly with the event an HTTP API would send; its answer as HTTP would see it."""
    event = http_event(method, path, body, route_key=_route_key(method, path), account_id=aws.account_id)
    result = aws.invoke(qualified, event)
    what = f"{method} {path.split('/items/')[0] + ('/items/<id>' if '/items/' in path else '')}"
    if result.function_error:
        raise Failed(
            f"{FUNCTION} failed on {what} with {result.error_summary}: through the API the caller would get "
            "500 Internal Server Error. Answer every request with a status code, 400 for a body you cannot "
            "use."
        )
    payload = result.payload
    if not isinstance(payload, dict) or "statusCode" not in payload:
        raise Failed(
            f"{FUNCTION} answered {what} with {_shown(payload)}, not a response: return "
            "{'statusCode': ..., 'headers': {...}, 'body': json.dumps(...)}."
        )
    headers = {str(k).lower(): str(v) for k, v in (payload.get("headers") or {}).items()}
    body_text = payload.get("body") or ""
    return Answer(int(payload["statusCode"]), headers, str(body_text).encode(), result.log, result.request_id)


def _json_lines(log: str) -> list[dict]:
    lines = []
    for line in log.splitlines():
        start = line.find("{")
        if start < 0:
            continue
        try:
            record = json.loads(line[start:])
        except ValueError:
            continue
        if isinstance(record, dict):
            lines.append(record)
    return lines


def _carries(record: dict, value: str) -> bool:
    return any(v == value or (isinstance(v, dict) and _carries(v, value)) for v in record.values())


def expect_log_line(answer: Answer, what: str) -> None:
    """The invocation's log holds a JSON line with its request id and the status it answered."""
    records = _json_lines(answer.log)
    if not records:
        raise Failed(
            f"{FUNCTION} logged no JSON line for {what}: log one line per request, "
            "print(json.dumps({'request_id': context.aws_request_id, ..., 'status': ...}))."
        )
    if not any(_carries(r, answer.request_id) for r in records):
        raise Failed(
            f"the JSON line {FUNCTION} logged for {what} does not carry the invocation's request id "
            "(context.aws_request_id), which ties it to the START/END/REPORT lines."
        )
    if not any(_carries(r, answer.request_id) and r.get("status") == answer.status for r in records):
        raise Failed(
            f"the JSON line {FUNCTION} logged for {what} has no key 'status' with the status code it "
            f"answered ({answer.status})."
        )


@lab.step(
    "function",
    "A handler that answers every request with the right status code, and logs it as JSON",
    watches=(f"lambda:{FUNCTION}", f"iam-role:{ROLE}", f"dynamodb:{TABLE}"),
    hints=[
        "Route on event['requestContext']['http']['method'] and event['rawPath']. Return {'statusCode': ..., "
        "'headers': {'Content-Type': 'application/json'}, 'body': json.dumps(...)} for every request, also "
        "the wrong ones: 201 (with a Location header) for a created item, 400 for a body you cannot use, 404 "
        "for an unknown id or route.",
        "A body that is not JSON makes json.loads raise ValueError: catch it and answer 400. Then check that "
        "the JSON is an object whose 'name' is a non-empty string. An event without a body has no 'body' "
        "key.",
        "Log once per request, after routing: print(json.dumps({'request_id': context.aws_request_id, "
        "'method': method, 'path': path, 'status': response['statusCode']})). Deploy with "
        "Environment={'Variables': {'TABLE_NAME': 'items'}}.",
    ],
    solution=FUNCTION_SOLUTION,
)
def function(aws):
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    aws.expect_configuration(config, Runtime="python3.12", Environment={"TABLE_NAME": TABLE})
    table_arn(aws)
    answers: list[Answer] = []

    def call(method, path, body):
        answer = invoke_answer(aws, FUNCTION, method, path, body)
        answers.append(answer)
        return answer

    made = exercise_items(aws, call, "invoked directly")
    try:
        wanted = f"/{aws.fresh.token(8)}"
        expect_error(call("GET", wanted, None), 404, "invoked directly: GET /<an unknown path>")
        expect_log_line(answers[0], "POST /items")
        expect_log_line(answers[-1], "a request of an unknown path")
    finally:
        forget(aws, made)
    return (
        f"{FUNCTION} creates (201 with Location), gets, lists, answers 400 to every malformed body and 404 "
        "to unknown ids and paths, and logs a JSON line with the request id and status"
    )


# ------------------------------------------------------------------------------------------------ step 3


_FUNCTION_ARN = re.compile(r"arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:([\w-]+)(?::([\w$-]+))?")


def _apis(aws) -> list[dict]:
    apigw = aws.client("apigatewayv2")
    found, token = [], None
    while True:
        page = apigw.get_apis(**({"NextToken": token} if token else {}))
        found += page.get("Items", [])
        token = page.get("NextToken")
        if not token:
            return found


def the_api(aws) -> dict:
    """The HTTP API items-http; NotAttempted when there is none, Failed when there are several."""
    named = [api for api in _apis(aws) if api.get("Name") == API_NAME]
    if not named:
        raise NotAttempted(f"there is no HTTP API named {API_NAME!r} yet")
    if len(named) > 1:
        raise Failed(
            f"there are {len(named)} APIs named {API_NAME!r}: keep one and delete the others "
            "(apigw.delete_api(ApiId=...)), so that everyone calls the same one."
        )
    api = named[0]
    if api.get("ProtocolType") != "HTTP":
        raise Failed(f"{API_NAME} is a {api.get('ProtocolType')} API; create it with ProtocolType='HTTP'.")
    return api


def _integration_target(integration: dict) -> tuple[str, str | None] | None:
    """(function name, qualifier or None) of a Lambda integration's URI; None when it is not a function."""
    found = _FUNCTION_ARN.search(integration.get("IntegrationUri") or "")
    return (found.group(1), found.group(2)) if found else None


def expect_integrations_on_live(aws, api: dict) -> None:
    """Every route of the API goes to a Lambda proxy integration of items-api:live."""
    apigw = aws.client("apigatewayv2")
    integrations = {
        i["IntegrationId"]: i for i in apigw.get_integrations(ApiId=api["ApiId"]).get("Items", [])
    }
    routes = apigw.get_routes(ApiId=api["ApiId"]).get("Items", [])
    if not routes:
        raise Failed(
            f"{API_NAME} has no routes: add POST /items, GET /items, GET /items/{{id}} and GET / "
            "(apigw.create_route(ApiId=..., RouteKey='GET /items', Target='integrations/<id>'))."
        )
    for route in routes:
        target = (route.get("Target") or "").removeprefix("integrations/")
        integration = integrations.get(target)
        if integration is None:
            raise Failed(f"the route {route['RouteKey']!r} has no integration: Target='integrations/<id>'.")
        where = _integration_target(integration)
        if integration.get("IntegrationType") != "AWS_PROXY" or where is None:
            raise Failed(
                f"the route {route['RouteKey']!r} does not go to a Lambda function: its integration must be "
                "IntegrationType='AWS_PROXY' with the alias's ARN as IntegrationUri."
            )
        name, qualifier = where
        if name != FUNCTION:
            raise Failed(f"the route {route['RouteKey']!r} goes to the function {name!r}, not {FUNCTION}.")
        if qualifier in (None, "$LATEST"):
            raise Failed(
                f"the route {route['RouteKey']!r} invokes {FUNCTION} unqualified, that is $LATEST: every "
                "deployment would reach your users untested. Target the alias: IntegrationUri = the ARN of "
                f"{FUNCTION}:{ALIAS}."
            )
        if qualifier != ALIAS:
            raise Failed(
                f"the route {route['RouteKey']!r} invokes {FUNCTION}:{qualifier}. Target the alias "
                f"{ALIAS} instead (its ARN as IntegrationUri): then shipping a version is one update_alias, "
                "and the API never changes."
            )
        if str(integration.get("PayloadFormatVersion", "2.0")) != "2.0":
            raise Failed(
                f"the integration of {route['RouteKey']!r} sends payload format "
                f"{integration.get('PayloadFormatVersion')}; the handler reads format 2.0: "
                "PayloadFormatVersion='2.0'."
            )


def expect_live_on_a_version(aws) -> str:
    """The version live points at (a published one); Failed otherwise."""
    lam = aws.client("lambda")
    try:
        alias = lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    except lam.exceptions.ResourceNotFoundException:
        raise NotAttempted(f"{FUNCTION} has no alias {ALIAS!r} yet") from None
    if alias["FunctionVersion"] == "$LATEST":
        raise Failed(
            f"{ALIAS} points at $LATEST, which changes with every deployment: publish a version "
            f"(lam.publish_version(FunctionName={FUNCTION!r})) and point {ALIAS} at it."
        )
    return alias["FunctionVersion"]


def _execute_api_arn(aws, api_id: str, route: str = "GET/items") -> str:
    return f"arn:aws:execute-api:{aws.region}:{aws.account_id}:{api_id}/$default/{route}"


def _statements(aws, qualifier: str | None) -> list[dict]:
    lam = aws.client("lambda")
    try:
        policy = lam.get_policy(FunctionName=FUNCTION, **({"Qualifier": qualifier} if qualifier else {}))
    except lam.exceptions.ResourceNotFoundException:
        return []
    statements = json.loads(policy["Policy"]).get("Statement", [])
    return statements if isinstance(statements, list) else [statements]


def _from_api_gateway(statement: dict) -> bool:
    principal = statement.get("Principal")
    services = principal.get("Service") if isinstance(principal, dict) else principal
    services = services if isinstance(services, list) else [services]
    return statement.get("Effect") == "Allow" and ("apigateway.amazonaws.com" in services or "*" in services)


def _source_arns(statement: dict) -> list[str]:
    found = []
    for operator, values in (statement.get("Condition") or {}).items():
        if operator.removesuffix("IfExists") not in ("ArnLike", "ArnEquals", "StringLike", "StringEquals"):
            continue
        for key, value in values.items():
            if key.lower() == "aws:sourcearn":
                found += value if isinstance(value, list) else [value]
    return found


def expect_permission_for(aws, api: dict) -> None:
    """API Gateway may invoke live only from this API; Failed naming the loophole otherwise."""
    statements = [s for q in (ALIAS, None) for s in _statements(aws, q) if _from_api_gateway(s)]
    if not statements:
        raise Failed(
            f"{FUNCTION}:{ALIAS} has no resource-policy statement for apigateway.amazonaws.com, so the API "
            "may not invoke it (every request would be 500): lam.add_permission(FunctionName='items-api', "
            "Qualifier='live', Principal='apigateway.amazonaws.com', Action='lambda:InvokeFunction', "
            "SourceArn=..., StatementId=...)."
        )
    ours = _execute_api_arn(aws, api["ApiId"])
    other = _execute_api_arn(aws, aws.fresh.token(10))
    for statement in statements:
        arns = _source_arns(statement)
        if not arns:
            raise Failed(
                f"the statement {statement.get('Sid')!r} lets API Gateway invoke {FUNCTION} from any API, in "
                f"any account: add SourceArn='arn:aws:execute-api:{aws.region}:{aws.account_id}:<api id>/*' "
                f"so that only {API_NAME} may."
            )
        if any(_matches(arn, other) for arn in arns):
            raise Failed(
                f"the statement {statement.get('Sid')!r} has SourceArn {arns[0]!r}, which also matches other "
                f"APIs: name {API_NAME}'s id in it ('…:<api id>/*')."
            )
    if not any(_matches(arn, ours) for s in statements for arn in _source_arns(s)):
        raise Failed(
            f"the SourceArn of the API Gateway statement does not match {API_NAME} (its id is "
            f"{api['ApiId']}): use 'arn:aws:execute-api:{aws.region}:{aws.account_id}:{api['ApiId']}/*'."
        )


def base_url(aws, api: dict) -> str:
    """The URL the API serves its $default stage at (no trailing slash)."""
    stages = aws.client("apigatewayv2").get_stages(ApiId=api["ApiId"]).get("Items", [])
    names = [s["StageName"] for s in stages]
    if "$default" not in names:
        raise Failed(
            f"{API_NAME} has no $default stage{' (it has ' + ', '.join(names) + ')' if names else ''}: "
            "apigw.create_stage(ApiId=..., StageName='$default', AutoDeploy=True) serves it at the API's "
            "endpoint."
        )
    return str(api.get("ApiEndpoint") or "").rstrip("/")


def http_caller(url: str):
    def call(method, path, body):
        try:
            got = web.request(method, url + path, data=body, timeout=30)
        except (urllib.error.URLError, OSError) as exc:
            raise Failed(f"the API at {url} did not answer {method} {path}: {exc}.") from None
        answer = Answer(got.status, {k.lower(): v for k, v in got.headers.items()}, got.body)
        if answer.status in (500, 502) and _json_body(answer) == {"message": "Internal Server Error"}:
            raise Failed(
                f"through the API: {method} {path.split('/items/')[0]} got API Gateway's own {answer.status} "
                "Internal Server Error. Either the function failed (read its log group), or API Gateway may "
                f"not invoke {FUNCTION}:{ALIAS}: add the permission on the alias (Qualifier='{ALIAS}') with "
                "this API's SourceArn."
            )
        return answer

    return call


@lab.step(
    "api",
    "The HTTP API items-http, integrated with the alias live",
    hints=[
        "Publish a version, then lam.create_alias(FunctionName='items-api', Name='live', "
        "FunctionVersion=...). The API's integration targets the alias's ARN (AliasArn): "
        "IntegrationType='AWS_PROXY', PayloadFormatVersion='2.0'.",
        "apigw.create_api(Name='items-http', ProtocolType='HTTP'), create_integration, a create_route per "
        "route (Target='integrations/' + integration id), create_stage(StageName='$default', "
        "AutoDeploy=True).",
        "lam.add_permission(FunctionName='items-api', Qualifier='live', StatementId='items-http', "
        "Action='lambda:InvokeFunction', Principal='apigateway.amazonaws.com', "
        "SourceArn=f'arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*'). Then API_URL = "
        "apigw.get_api(ApiId=api_id)['ApiEndpoint'].",
    ],
    solution="""
version = lam.publish_version(FunctionName="items-api", Description="the JSON API")["Version"]
alias_arn = lam.create_alias(FunctionName="items-api", Name="live", FunctionVersion=version)["AliasArn"]
api_id = apigw.create_api(Name="items-http", ProtocolType="HTTP")["ApiId"]
integration_id = apigw.create_integration(ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=alias_arn,
                                          PayloadFormatVersion="2.0")["IntegrationId"]
for route_key in ("POST /items", "GET /items", "GET /items/{id}", "GET /"):
    apigw.create_route(ApiId=api_id, RouteKey=route_key, Target=f"integrations/{integration_id}")
apigw.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
lam.add_permission(FunctionName="items-api", Qualifier="live", StatementId="items-http",
                   Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
                   SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api_id}/*")
API_URL = apigw.get_api(ApiId=api_id)["ApiEndpoint"]
""",
)
def api(aws):
    aws.function(FUNCTION)
    table_arn(aws)
    found = the_api(aws)
    version = expect_live_on_a_version(aws)
    expect_integrations_on_live(aws, found)
    expect_permission_for(aws, found)
    url = base_url(aws, found)
    call = http_caller(url)
    made = exercise_items(aws, call, "through the API")
    try:
        fresh = aws.fresh
        expect_not_found(call("GET", f"/{fresh.token(8)}", None), "GET /<an unknown path>")
        expect_not_found(call("DELETE", "/items", None), "DELETE /items", also=(405,))
    finally:
        forget(aws, made)
    return (
        f"{API_NAME} serves the items through {FUNCTION}:{ALIAS} (version {version}), and only it may "
        "invoke it"
    )


def expect_not_found(answer: Answer, what: str, also: tuple[int, ...] = ()) -> None:
    """An unknown route is 404 (API Gateway's own, or the function's JSON error); ``also`` other statuses."""
    if answer.status in (404, *also):
        return
    raise Failed(
        f"through the API: {what} answered {answer.status} {_shown(answer.text)}; a route the API does not "
        "have is 404 Not Found" + (" (or 405 Method Not Allowed)" if 405 in also else "") + "."
    )


# ------------------------------------------------------------------------------------------------ step 4


@lab.step(
    "page",
    "Ship an HTML page as version 2, by moving the alias",
    hints=[
        "Add a route to the handler: GET / answers 200, {'Content-Type': 'text/html'}, and a page with one "
        "<li> per item of table.scan()['Items'].",
        "Put every name through html.escape(...): a name is text, and '<' or '&' in it must show as "
        "characters, not become markup.",
        "Deploy the new source, publish it, and lam.update_alias(FunctionName='items-api', Name='live', "
        "FunctionVersion=new_version). Do not touch the API: its integration already targets live.",
    ],
    solution=PAGE_SOLUTION,
)
def page(aws):
    aws.function(FUNCTION)
    table_arn(aws)
    found = the_api(aws)
    version = expect_live_on_a_version(aws)
    expect_integrations_on_live(aws, found)
    call = http_caller(base_url(aws, found))
    fresh = aws.fresh
    names = [new_name(fresh), fresh.name("<b>Check ", 6, f" & {fresh.token(3)}</b>")]
    made = [fresh.token(16) for _ in names]
    dynamodb = aws.client("dynamodb")
    try:
        for item_id, name in zip(made, names, strict=True):
            dynamodb.put_item(TableName=TABLE, Item={"id": {"S": item_id}, "name": {"S": name}})
        answer = call("GET", "/", None)
        if answer.status == 404:
            raise NotAttempted(
                f"GET / through the API is 404 ({ALIAS} is on version {version}): ship the page as a new "
                f"version and move {ALIAS} to it"
            )
        if answer.status != 200:
            raise Failed(
                f"through the API: GET / answered {answer.status} {_shown(answer.text)}; expected 200."
            )
        if answer.content_type != "text/html":
            raise Failed(
                f"GET / answered Content-Type {answer.content_type or 'missing'!r}; a browser shows a page "
                "only when it is text/html."
            )
        page_text = answer.text
        if names[1] in page_text:
            raise Failed(
                "an item whose name holds '<b>' and '&' is on the page as markup, not as text: put every "
                "name through html.escape(...) (the name <script>… would run in your users' browsers)."
            )
        absent = [name for name in names if html.escape(name, quote=False) not in page_text
                  and html.escape(name) not in page_text]  # fmt: skip
        if absent:
            raise Failed(
                f"GET / does not show {len(absent)} of the items in {TABLE}: list the name of every item "
                "(table.scan()), HTML-escaped."
            )
    finally:
        forget(aws, made)
    if version == "1":
        raise Failed(
            f"GET / serves the page, but {ALIAS} is still on version 1: this step ships the page as a new "
            f"version. Publish it and move {ALIAS} to it (lam.update_alias), the API untouched."
        )
    return f"GET / shows every item, escaped, from version {version}, shipped by moving {ALIAS}"
