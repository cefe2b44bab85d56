"""Lab 02 · an S3 upload indexer: S3 event in, one DynamoDB item per uploaded object, logic tested on its own.

The contract the lab text gives the learner (and these checks hold the function to):

- ``catalog_entry(bucket, key, size)`` (pure, in ``catalog.py``) returns
  ``{"object_key": key, "bucket": bucket, "size_bytes": size, "kind": "image" | "document" | "other"}``
  and raises ValueError for a folder marker (a key ending in ``/``) or a negative size;
- ``upload-indexer`` answers an S3 event with ``{"indexed": [decoded keys, in order]}`` after writing one item per
  record to the table ``upload-catalog``;
- it answers anything else (not an S3 event, a record without bucket, key or size, a record catalog_entry refuses)
  with ``{"indexed": [], "error": "<what is wrong>"}``, writes nothing, and does not raise.
"""

from __future__ import annotations

import fnmatch
import json

from workbook.checks import Failed, Lab, NotAttempted, iam_policies

TABLE = "upload-catalog"
ROLE = "upload-indexer-role"
FUNCTION = "upload-indexer"
BUCKET = "workbook-uploads"
IMAGE = "image"
DOCUMENT = "document"
OTHER = "other"

lab = Lab("02-handlers", "Lab 02 · An S3 upload indexer")


# ------------------------------------------------------------------------------------------------ table


@lab.step(
    "table",
    f"Create the DynamoDB table {TABLE}",
    hints=[
        "The table needs one key: a partition key (`HASH`) named `object_key` of type string (`S`). "
        "Nothing else is declared up front: DynamoDB items may carry any other attributes.",
        "`dynamodb.create_table(TableName=..., KeySchema=[{'AttributeName': 'object_key', 'KeyType': 'HASH'}], "
        "AttributeDefinitions=[{'AttributeName': 'object_key', 'AttributeType': 'S'}], BillingMode='PAY_PER_REQUEST')`.",
        "Wait until it exists with `dynamodb.get_waiter('table_exists').wait(TableName='upload-catalog')`, and keep "
        "`table_arn = dynamodb.describe_table(TableName='upload-catalog')['Table']['TableArn']` for step 2.",
    ],
    solution='''
dynamodb.create_table(
    TableName="upload-catalog",
    KeySchema=[{"AttributeName": "object_key", "KeyType": "HASH"}],
    AttributeDefinitions=[{"AttributeName": "object_key", "AttributeType": "S"}],
    BillingMode="PAY_PER_REQUEST",
)
dynamodb.get_waiter("table_exists").wait(TableName="upload-catalog")
table_arn = dynamodb.describe_table(TableName="upload-catalog")["Table"]["TableArn"]
''',
)
def table(aws):
    description = _table(aws)
    keys = {k["KeyType"]: k["AttributeName"] for k in description["KeySchema"]}
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    if keys.get("HASH") != "object_key":
        raise Failed(
            f"{TABLE}'s partition key is {keys.get('HASH')!r}; the indexer stores items by 'object_key'. "
            "A table's key cannot be changed: delete it with dynamodb.delete_table(TableName='upload-catalog') and "
            "create it again with KeySchema [{'AttributeName': 'object_key', 'KeyType': 'HASH'}]."
        )
    if "RANGE" in keys:
        raise Failed(
            f"{TABLE} also has a sort key ({keys['RANGE']!r}); one object key is one item, so leave the sort key out "
            "(delete it with dynamodb.delete_table(TableName='upload-catalog') and create it again)."
        )
    if types.get("object_key") != "S":
        raise Failed(
            f"object_key is declared as type {types.get('object_key')!r}; object keys are strings: use 'S' "
            "(delete the table with dynamodb.delete_table(TableName='upload-catalog') and create it again)."
        )
    return f"{TABLE} stores one item per object_key (a string)"


def _table(aws) -> dict:
    dynamodb = aws.client("dynamodb")
    try:
        return dynamodb.describe_table(TableName=TABLE)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        raise NotAttempted(f"there is no DynamoDB table named {TABLE!r} yet") from None


# ------------------------------------------------------------------------------------------------ role


@lab.step(
    "role",
    f"Give {ROLE} the permissions the indexer needs",
    hints=[
        f"Like lab 01's role: a trust policy for `lambda.amazonaws.com`, a permission to write logs, and one more "
        f"permission, because the function writes items to {TABLE}. The sandbox enforces the role: a function can "
        "do only what its role allows.",
        "The action that writes one item is `dynamodb:PutItem`. Least privilege: allow it on the table's ARN "
        "(`table_arn` from step 1) rather than on `'*'`.",
        "Two statements in one policy document: `{'Effect': 'Allow', 'Action': ['logs:CreateLogGroup', "
        "'logs:CreateLogStream', 'logs:PutLogEvents'], 'Resource': '*'}` and `{'Effect': 'Allow', 'Action': "
        "'dynamodb:PutItem', 'Resource': table_arn}`; attach it with `iam.put_role_policy`.",
    ],
    solution='''
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}
PERMISSIONS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": "*"},
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn},
    ],
}
role_arn = iam.create_role(RoleName="upload-indexer-role",
                           AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
iam.put_role_policy(RoleName="upload-indexer-role", PolicyName="write-logs-and-catalog",
                    PolicyDocument=json.dumps(PERMISSIONS))
''',
)
def role(aws):
    documents = aws.execution_role_policies(ROLE)
    if not any(iam_policies.allows(d, "dynamodb:PutItem") for d in documents):
        raise Failed(
            f"{ROLE} may write logs but not items: allow 'dynamodb:PutItem' on the table's ARN "
            f"(arn:aws:dynamodb:…:table/{TABLE})."
        )
    table_arn = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{TABLE}"
    resources = _put_item_resources(documents)
    if not any(_matches(pattern, table_arn) for pattern in resources):
        raise Failed(
            f"{ROLE} may put items, but not into {TABLE}: the statement allowing 'dynamodb:PutItem' names "
            f"{', '.join(repr(r) for r in resources)}. Use the table's ARN, table_arn from step 1 ({table_arn})."
        )
    other_table = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/some-other-table"
    broad = [pattern for pattern in resources if _matches(pattern, other_table)]
    if broad:
        raise Failed(
            f"{ROLE} may put items into every table ('dynamodb:PutItem' on {broad[0]!r}). Least privilege: "
            f"allow it on the table's ARN only, table_arn from step 1 ({table_arn}), and update the policy "
            "(iam.put_role_policy with the same PolicyName replaces it)."
        )
    return f"{ROLE} may write logs and put items into {TABLE} only"


def _put_item_resources(documents) -> list[str]:
    """The Resource patterns of every Allow statement that covers dynamodb:PutItem."""
    resources = []
    for document in documents:
        statements = document.get("Statement", [])
        for statement in statements if isinstance(statements, list) else [statements]:
            if iam_policies.allows({"Statement": [statement]}, "dynamodb:PutItem"):
                found = statement.get("Resource", "*" if "NotResource" in statement else [])
                resources += found if isinstance(found, list) else [found]
    return resources


def _matches(pattern: str, arn: str) -> bool:
    return fnmatch.fnmatchcase(arn, pattern)


# ------------------------------------------------------------------------------------------------ logic

# (arguments, what catalog_entry must return)
LOGIC_CASES = [
    ((BUCKET, "photos/cat.JPG", 2048), IMAGE),
    ((BUCKET, "reports/Q3 summary.pdf", 52_000), DOCUMENT),
    (("archive", "notes/README", 12), OTHER),
    (("archive", "backup.tar.gz", 5_000_000), OTHER),
    (("archive", "exports/orders.csv.zip", 4_096), OTHER),
    ((BUCKET, "exports/orders.csv", 0), DOCUMENT),
]
# arguments catalog_entry must refuse with ValueError, and why
LOGIC_REFUSALS = [
    ((BUCKET, "photos/", 0), "a key ending in '/' is a folder marker, not a file"),
    ((BUCKET, "photos/dog.png", -1), "a size cannot be negative"),
]


@lab.step(
    "logic",
    "Write catalog_entry, the business logic, and test it without AWS",
    hints=[
        "`catalog_entry` knows nothing about events, Lambda or DynamoDB: three plain values in, one dict out. "
        "The kind comes from the file name's extension, compared in lower case: `photos/cat.JPG` is an image.",
        "The extension is what follows the last dot of the *file name* (the part after the last `/`): "
        "`key.rsplit('/', 1)[-1]` is the file name; `name.rsplit('.', 1)[1].lower()` its extension when it "
        "contains a dot. No dot means no extension, so the kind is 'other'.",
        "Refuse bad input before anything else: `if key.endswith('/'): raise ValueError(...)` and "
        "`if size < 0: raise ValueError(...)`. Then return "
        "`{'object_key': key, 'bucket': bucket, 'size_bytes': size, 'kind': kind}`, and pass the function itself "
        "to the check: `checks.step('02-handlers', 'logic').check(catalog.catalog_entry)`.",
    ],
    solution='''
IMAGE_EXTENSIONS = {"jpg", "jpeg", "png", "gif", "webp"}
DOCUMENT_EXTENSIONS = {"pdf", "txt", "csv", "docx", "xlsx"}


def catalog_entry(bucket, key, size):
    if not key or key.endswith("/"):
        raise ValueError(f"{key!r} is a folder marker, not a file")
    if size < 0:
        raise ValueError(f"size must not be negative, got {size}")
    filename = key.rsplit("/", 1)[-1]
    extension = filename.rsplit(".", 1)[1].lower() if "." in filename else ""
    if extension in IMAGE_EXTENSIONS:
        kind = "image"
    elif extension in DOCUMENT_EXTENSIONS:
        kind = "document"
    else:
        kind = "other"
    return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": kind}
''',
)
def logic(aws, catalog_entry=None):
    if catalog_entry is None:
        raise NotAttempted(
            "write catalog_entry in catalog.py, then pass the function: "
            "checks.step('02-handlers', 'logic').check(catalog.catalog_entry)"
        )
    if not callable(catalog_entry):
        raise Failed(
            f"pass the function itself (catalog.catalog_entry, no parentheses); you passed a "
            f"{type(catalog_entry).__name__}."
        )
    for arguments, kind in LOGIC_CASES:
        bucket, key, size = arguments
        expected = {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": kind}
        call = f"catalog_entry{arguments!r}"
        try:
            entry = catalog_entry(*arguments)
        except Exception as exc:
            raise Failed(f"{call} raised {_describe(exc)}; expected {expected}.") from None
        if entry is None:
            if arguments == LOGIC_CASES[0][0]:
                raise NotAttempted(f"catalog_entry returns None so far: {call} should return {expected}.")
            raise Failed(f"{call} returned None; expected {expected}.")
        if entry != expected:
            raise Failed(f"{call} returned {entry!r}; expected {expected}.{_kind_advice(entry, expected)}")
    for arguments, reason in LOGIC_REFUSALS:
        call = f"catalog_entry{arguments!r}"
        try:
            entry = catalog_entry(*arguments)
        except ValueError:
            continue
        except Exception as exc:
            raise Failed(f"{call} raised {_describe(exc)}; refuse it with a ValueError ({reason}).") from None
        raise Failed(f"{call} returned {entry!r}; it should raise ValueError: {reason}.")
    return f"catalog_entry gives the right entry for {len(LOGIC_CASES)} files and refuses {len(LOGIC_REFUSALS)} bad ones"


def _kind_advice(entry, expected) -> str:
    if isinstance(entry, dict) and entry.get("kind") != expected["kind"]:
        if expected["object_key"].endswith(".JPG"):
            return " Compare extensions in lower case."
        if "." not in expected["object_key"].rsplit("/", 1)[-1]:
            return " A file name without a dot has no extension: its kind is 'other'."
        name = expected["object_key"].rsplit("/", 1)[-1]
        if name.count(".") > 1:
            return f" The extension is what follows the *last* dot ({name.rsplit('.', 1)[1]!r})."
    return ""


# ------------------------------------------------------------------------------------------------ handler

# Each check run writes these keys under "checks/" (and deletes them first, so stale items prove nothing).
SINGLE = [("checks/Q3+summary.PDF", "checks/Q3 summary.PDF", 52_000, DOCUMENT)]
DOUBLE = [
    ("checks/cat.jpg", "checks/cat.jpg", 2048, IMAGE),
    ("checks/notes/READ+ME", "checks/notes/READ ME", 12, OTHER),
]


def s3_event(objects: list[tuple[str, int]], bucket: str = BUCKET) -> dict:
    """An S3 put event with one record per (URL-encoded key, size)."""
    from workbook.events import load_event

    records = []
    for key, size in objects:
        records += load_event("s3-put", bucket=bucket, key=key, size=size)["Records"]
    return {"Records": records}


@lab.step(
    "handler",
    f"Deploy {FUNCTION}: S3 event in, items in {TABLE}",
    hints=[
        "The handler is the adapter: for each record take `record['s3']['bucket']['name']`, "
        "`record['s3']['object']['key']` and `record['s3']['object']['size']`, let `catalog.catalog_entry` build the "
        "item, `put_item` it, and return `{'indexed': [the keys, in order]}`.",
        "S3 URL-encodes object keys in events: `Q3 summary.PDF` arrives as `Q3+summary.PDF`. Decode the key with "
        "`urllib.parse.unquote_plus` before you store it. Create the DynamoDB table resource once, at module level: "
        "`TABLE = boto3.resource('dynamodb').Table('upload-catalog')`.",
        "Deploy both files: `deploy_function(lam, 'upload-indexer', {'app.py': ..., 'catalog.py': ...}, role_arn, "
        "Environment={'Variables': {'TABLE_NAME': 'upload-catalog'}})` (read the files from `PROJECT`); the handler "
        "`app.handler` is its default. After changing app.py, run the same call again: it updates the function.",
    ],
    solution='''
# app.py (catalog.py next to it in the zip)
import os
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "upload-catalog"))


def handler(event, context):
    try:
        entries = [entry_from(record) for record in records_of(event)]
    except ValueError as problem:
        print(f"not indexed: {problem}")
        return {"indexed": [], "error": str(problem)}
    for entry in entries:
        TABLE.put_item(Item=entry)
    return {"indexed": [entry["object_key"] for entry in entries]}


def records_of(event):
    if not isinstance(event, dict) or not isinstance(event.get("Records"), list) or not event["Records"]:
        raise ValueError("not an S3 event: expected a dict with a non-empty 'Records' list")
    return event["Records"]


def entry_from(record):
    try:
        s3 = record["s3"]
        bucket, key, size = s3["bucket"]["name"], s3["object"]["key"], s3["object"]["size"]
    except (KeyError, TypeError) as missing:
        raise ValueError(f"an S3 record needs s3.bucket.name, s3.object.key and s3.object.size; no {missing}") from None
    return catalog.catalog_entry(bucket, unquote_plus(key), size)

# deploy (from workbook.deploy import deploy_function)
FILES = {path.name: path.read_text() for path in PROJECT.glob("*.py")}
deploy_function(lam, "upload-indexer", FILES, role_arn, Environment={"Variables": {"TABLE_NAME": "upload-catalog"}})
''',
)
def handler(aws):
    aws.function(FUNCTION)
    _table(aws)
    for objects in (SINGLE, DOUBLE):
        _forget(aws, objects)
        event = s3_event([(encoded, size) for encoded, _, size, _ in objects])
        decoded = [key for _, key, _, _ in objects]
        result = aws.invoke(FUNCTION, event)
        described = f"an S3 event for {', '.join(repr(k) for k in decoded)}"
        if result.function_error:
            raise Failed(_explain_error(result, described))
        expected = {"indexed": decoded}
        if result.payload is None:
            raise Failed(f"your handler returned None; {described} asked for {expected}.")
        if result.payload != expected:
            advice = ""
            if isinstance(result.payload, dict) and any("+" in str(k) for k in result.payload.get("indexed") or []):
                advice = " Decode the keys with urllib.parse.unquote_plus: S3 sends spaces as '+'."
            raise Failed(f"for {described} your handler returned {result.payload!r}; expected {expected}.{advice}")
        for encoded, key, size, kind in objects:
            _expect_item(aws, encoded, {"object_key": key, "bucket": BUCKET, "size_bytes": size, "kind": kind})
    return f"{FUNCTION} indexed 3 uploads from 2 events (keys decoded, one item each)"


def _forget(aws, objects) -> None:
    dynamodb = aws.client("dynamodb")
    for encoded, key, _, _ in objects:
        for stored in {encoded, key}:
            dynamodb.delete_item(TableName=TABLE, Key={"object_key": {"S": stored}})


def _expect_item(aws, encoded: str, expected: dict) -> None:
    dynamodb = aws.client("dynamodb")
    key = expected["object_key"]
    item = dynamodb.get_item(TableName=TABLE, Key={"object_key": {"S": key}}, ConsistentRead=True).get("Item")
    if item is None:
        if encoded != key and dynamodb.get_item(TableName=TABLE, Key={"object_key": {"S": encoded}}).get("Item"):
            raise Failed(
                f"{TABLE} has an item for {encoded!r}, the key as S3 encodes it; store the decoded key {key!r} "
                "(urllib.parse.unquote_plus)."
            )
        raise Failed(
            f"your handler said it indexed {key!r}, but {TABLE} has no item with that object_key: "
            "did it put_item the entry into the table?"
        )
    found = {name: _plain(value) for name, value in item.items()}
    wrong = {name: found.get(name) for name, value in expected.items() if found.get(name) != value}
    if wrong:
        got = ", ".join(f"{name}={value!r}" for name, value in wrong.items())
        want = ", ".join(f"{name}={expected[name]!r}" for name in wrong)
        raise Failed(f"the item for {key!r} has {got}; expected {want}. Store the entry catalog_entry returns.")


def _plain(value: dict):
    """A DynamoDB attribute value ({'S': 'x'}, {'N': '12'}) as plain Python."""
    if "S" in value:
        return value["S"]
    if "N" in value:
        number = float(value["N"])
        return int(number) if number.is_integer() else number
    return next(iter(value.values()))


# ------------------------------------------------------------------------------------------------ malformed

GOOD_RECORD_KEY = "checks/before-the-bad-record.txt"


def malformed_events() -> list[tuple[str, object]]:
    """(what is wrong, event) for every malformed event the check sends."""
    no_object = {"eventSource": "aws:s3", "s3": {"bucket": {"name": BUCKET}}}
    mixed = s3_event([(GOOD_RECORD_KEY, 10)])
    mixed["Records"].append(no_object)
    negative = s3_event([("checks/broken.png", -5)])
    return [
        ("an event that is not from S3", {"order_id": "A-1001"}),
        ("a record without s3.object", {"Records": [no_object]}),
        ("a good record followed by a record without s3.object", mixed),
        ("a record with a negative size", negative),
        ("an event that is a list", ["checks/cat.jpg"]),
    ]


@lab.step(
    "malformed",
    "Answer malformed events with a clear error, not a crash",
    hints=[
        "Invoke your function with `{'order_id': 'A-1001'}` and read the error: `KeyError: 'Records'`. "
        "The contract: for an event you cannot index, return `{'indexed': [], 'error': '<what is wrong>'}` "
        "and write nothing.",
        "Check the shape before you use it: is the event a dict with a non-empty `Records` list? Does every record "
        "have `s3.bucket.name`, `s3.object.key` and `s3.object.size`? Turn a `KeyError` or `TypeError` while "
        "reading a record into a `ValueError` with a message, and catch `ValueError` (also what catalog_entry raises) "
        "in the handler.",
        "Build all entries first, write afterwards: inside the `try`, collect the `catalog.catalog_entry(...)` result "
        "of every record in a list; after the `try`, `put_item` them in a loop. Then an event whose second record is "
        "broken leaves the table unchanged.",
    ],
    solution='''
def handler(event, context):
    try:
        entries = [entry_from(record) for record in records_of(event)]   # validate everything first
    except ValueError as problem:
        print(f"not indexed: {problem}")
        return {"indexed": [], "error": str(problem)}
    for entry in entries:                                                 # then write
        TABLE.put_item(Item=entry)
    return {"indexed": [entry["object_key"] for entry in entries]}
''',
)
def malformed(aws):
    aws.function(FUNCTION)
    _table(aws)
    dynamodb = aws.client("dynamodb")
    for stale in (GOOD_RECORD_KEY, "checks/broken.png"):
        dynamodb.delete_item(TableName=TABLE, Key={"object_key": {"S": stale}})
    for problem, event in malformed_events():
        result = aws.invoke(FUNCTION, event)
        sent = f"{problem} ({_short(event)})"
        if result.function_error:
            kind = result.payload.get("errorType", "") if isinstance(result.payload, dict) else ""
            if kind in _CODE_ERRORS:
                raise Failed(_explain_error(result, sent))
            raise Failed(
                f"for {sent} your handler crashed with {result.error_summary}. "
                "Return {'indexed': [], 'error': '<what is wrong>'} instead of raising."
            )
        payload = result.payload
        if not isinstance(payload, dict) or payload.get("indexed") != [] or not isinstance(payload.get("error"), str):
            raise Failed(
                f"for {sent} your handler returned {payload!r}; "
                "expected {'indexed': [], 'error': '<what is wrong>'}."
            )
        if not payload["error"].strip():
            raise Failed(f"for {sent} the error message is empty; say what is wrong with the event.")
    for written in (GOOD_RECORD_KEY, "checks/broken.png"):
        if dynamodb.get_item(TableName=TABLE, Key={"object_key": {"S": written}}, ConsistentRead=True).get("Item"):
            raise Failed(
                f"after a malformed event {TABLE} has an item for {written!r}: check every record before writing "
                "any, so a bad event changes nothing."
            )
    return f"{len(malformed_events())} malformed events answered with an error; nothing written"


# ------------------------------------------------------------------------------------------------ helpers

# errors that say the code cannot run at all (whatever the event), not that the handler mishandled one
_CODE_ERRORS = {"Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.UserCodeSyntaxError"}


def _short(event, limit: int = 120) -> str:
    """An event as JSON, cut to ``limit`` characters."""
    text = json.dumps(event)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _explain_error(result, described: str) -> str:
    error = result.payload if isinstance(result.payload, dict) else {}
    kind, message = error.get("errorType", ""), error.get("errorMessage", "")
    text = f"invoking {FUNCTION} with {described} failed with {result.error_summary}"
    if kind == "Runtime.ImportModuleError":
        return f"{text}. Are app.py and catalog.py both at the top of the zip?"
    if kind == "Runtime.HandlerNotFound":
        return f"{text}. The Handler setting should be 'app.handler', with def handler(event, context) in app.py."
    if kind == "Runtime.UserCodeSyntaxError":
        return f"{text}. Fix that line, run the %%writefile cell again, and redeploy."
    if "AccessDenied" in kind or "AccessDenied" in message or "not authorized" in message:
        return f"{text}. The role {ROLE} must allow dynamodb:PutItem on the table {TABLE}."
    if kind == "ResourceNotFoundException":
        return f"{text}. Does the handler write to the table named {TABLE!r}?"
    return f"{text}. Invoke it yourself with that event and LogType='Tail' to read the traceback."


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
