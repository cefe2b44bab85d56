"""Lab 02 · an S3 upload indexer: S3 event in, one DynamoDB item per uploaded object, logic tested on its own.

The contract the lab text gives the learner (and these checks hold the function to):

- ``catalog_entry(bucket, key, size)`` (pure, in ``catalog.py``) returns
  ``{"object_key": key, "bucket": bucket, "size_bytes": size, "kind": "image" | "document" | "other"}``
  and raises ValueError for a folder marker (a key ending in ``/``) or a negative size;
- ``upload-indexer`` (handler ``app.handler``, role ``upload-indexer-role``, ``TABLE_NAME=upload-catalog``)
  answers an S3 event with ``{"indexed": [decoded keys, in order]}`` after writing one item per record;
- a **poison event** (not an S3 event, a record without bucket, key or size, a record catalog_entry refuses)
  is logged at level ERROR and the handler returns normally, having written nothing: S3 invokes it
  asynchronously, so a returned value is discarded and only a raised error is retried;
- a **failure to write** (the table cannot be reached) is not caught: the invocation fails, so Lambda retries.

Every check run uses object keys and sizes of its own, new each time (hidden in the feedback), and removes
the items it wrote.
"""

from __future__ import annotations

import json
from urllib.parse import quote_plus

from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.iam_policies import Grant
from workbook.checks.log_levels import is_error
from workbook.checks.values import type_name

TABLE = "upload-catalog"
ROLE = "upload-indexer-role"
FUNCTION = "upload-indexer"
BUCKET = "workbook-uploads"
HANDLER = "app.handler"
IMAGE = "image"
DOCUMENT = "document"
OTHER = "other"
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "gif", "webp")
DOCUMENT_EXTENSIONS = ("pdf", "txt", "csv", "docx", "xlsx")
OTHER_EXTENSIONS = ("mp3", "zip", "gz", "exe", "md", "json")
NEAR_MISSES = ("jpgx", "pdfs", "xpng", "txts", "docxx")  # contain a listed extension, but are not one
PLATFORM = ("START ", "END ", "REPORT ", "INIT_START ", "INIT_REPORT ", "XRAY ")

lab = Lab("02-handlers", "Lab 02 · An S3 upload indexer")


# ------------------------------------------------------------------------------------------------ table


@lab.step(
    "table",
    f"Create the DynamoDB table {TABLE}",
    watches=("dynamodb:upload-catalog",),
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
    billing = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if billing != "PAY_PER_REQUEST":
        raise Failed(
            f"{TABLE} uses {billing} billing; the step asks for on-demand billing: "
            "dynamodb.update_table(TableName='upload-catalog', BillingMode='PAY_PER_REQUEST') changes it."
        )
    return f"{TABLE} stores one item per object_key (a string), billed on demand"


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
    watches=("iam-role:upload-indexer-role",),
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
    table_arn = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{TABLE}"
    needs = [*aws.log_writing(FUNCTION), Grant(("dynamodb:PutItem", "dynamodb:BatchWriteItem"), table_arn)]
    aws.least_privilege_role(ROLE, needs, job="the indexer needs")
    return f"{ROLE} is trusted by Lambda only, and may write logs and put items into {TABLE}, nothing more"


# ------------------------------------------------------------------------------------------------ logic


def expected_entry(bucket: str, key: str, size: int) -> dict:
    """What catalog_entry must return for a file (the lab's rules, written out once for the checks)."""
    name = key.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    kind = IMAGE if extension in IMAGE_EXTENSIONS else DOCUMENT if extension in DOCUMENT_EXTENSIONS else OTHER
    return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": kind}


def _mixed_case(fresh, extension: str) -> str:
    return "".join(c.upper() if fresh.randint(0, 1) else c for c in extension) if extension else extension


def logic_cases(fresh) -> list[tuple[tuple, str, str]]:
    """(arguments, what kind of file it is, the advice when it goes wrong): new names and sizes every run."""
    bucket = fresh.choice([BUCKET, fresh.name("archive-")])

    def key(folder: str, extension: str | None, base: str | None = None) -> str:
        name = fresh.name(base or "") if base is None else base + fresh.token(4)
        return f"{folder}{name}" + (f".{extension}" if extension else "")

    def size() -> int:
        return fresh.randint(1, 9_000_000)

    image, document, other = (fresh.choice(IMAGE_EXTENSIONS), fresh.choice(DOCUMENT_EXTENSIONS),
                              fresh.choice(OTHER_EXTENSIONS))  # fmt: skip
    return [
        ((bucket, key("photos/", image.upper()), size()), "an image whose extension is upper case (like 'cat.JPG')",
         " Compare extensions in lower case."),
        ((bucket, key("reports/", _mixed_case(fresh, document), "Q3 "), size()), "a document (like 'Q3 summary.Pdf')",
         " Compare extensions in lower case."),
        ((bucket, key("", other), size()), "a file with an extension that is neither an image nor a document",
         " Only the extensions the step lists are images or documents; anything else is 'other'."),
        ((bucket, key("misc/", fresh.choice(NEAR_MISSES)), size()),
         "a file whose extension contains a listed one but is not one (like 'cat.jpgx')",
         " Compare the whole extension with the list, not a part of it."),
        ((bucket, key("v1.2/", None), size()), "a file name without a dot in a folder with one (like 'v1.2/README')",
         " The extension belongs to the file name (after the last '/'): no dot there means 'other'."),
        ((bucket, key("exports/", f"{fresh.choice(DOCUMENT_EXTENSIONS)}.{other}"), size()),
         "a file name with two dots (like 'orders.csv.zip')", " The extension is what follows the *last* dot."),
        ((bucket, key("backups/", f"{other}.{image}"), size()), "a file name with two dots (like 'backup.zip.png')",
         " The extension is what follows the *last* dot."),
        ((bucket, key("exports/", document), 0), "an empty document (size 0)", " A size of 0 is a valid, empty file."),
    ]


def logic_refusals(fresh) -> list[tuple[tuple, str]]:
    """(arguments catalog_entry must refuse with ValueError, why)."""
    return [
        ((BUCKET, fresh.name("photos/", suffix="/"), 0), "a key ending in '/' is a folder marker, not a file"),
        ((BUCKET, fresh.name("photos/", suffix=".png"), -fresh.randint(1, 10_000)), "a size cannot be negative"),
    ]


@lab.step(
    "logic",
    "Write catalog_entry, the business logic, and test it without AWS",
    watches=("nothing:",),
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
    answers=("catalog.catalog_entry",),
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
            f"pass the function itself (catalog.catalog_entry, no parentheses); you passed a {type_name(catalog_entry)}."
        )
    cases = logic_cases(aws.fresh)
    for number, (arguments, described, advice) in enumerate(cases):
        expected = expected_entry(*arguments)
        try:
            entry = catalog_entry(*arguments)
        except Exception as exc:
            raise Failed(f"for {described}, catalog_entry{arguments!r} raised {_describe(exc)}; expected {expected}.") from None
        if entry is None:
            if number == 0:
                raise NotAttempted(f"catalog_entry returns None so far: catalog_entry{arguments!r} should return {expected}.")
            raise Failed(f"for {described}, catalog_entry{arguments!r} returned None; expected {expected}.")
        if entry != expected:
            hint = advice if isinstance(entry, dict) and entry.get("kind") != expected["kind"] else ""
            raise Failed(f"for {described}, catalog_entry{arguments!r} returned {entry!r}; expected {expected}.{hint}")
    refusals = logic_refusals(aws.fresh)
    for arguments, reason in refusals:
        call = f"catalog_entry{arguments!r}"
        try:
            entry = catalog_entry(*arguments)
        except ValueError:
            continue
        except Exception as exc:
            raise Failed(f"{call} raised {_describe(exc)}; refuse it with a ValueError ({reason}).") from None
        raise Failed(f"{call} returned {entry!r}; it should raise ValueError: {reason}.")
    return f"catalog_entry gives the right entry for {len(cases)} files of its own and refuses {len(refusals)} bad ones"


# ------------------------------------------------------------------------------------------------ handler


def s3_event(objects: list[tuple[str, int]], bucket: str = BUCKET) -> dict:
    """An S3 put event with one record per (URL-encoded key, size)."""
    from workbook.events import load_event

    records = []
    for key, size in objects:
        records += load_event("s3-put", bucket=bucket, key=key, size=size)["Records"]
    return {"Records": records}


def uploads(fresh, count: int) -> list[tuple[str, int]]:
    """``count`` (decoded key, size) pairs of the check's own; the first always needs decoding (a space, an ë)."""
    needs_decoding = [
        lambda: fresh.name("reports/Q3 ", suffix=" summary.PDF"),
        lambda: fresh.name("notes/Zoë ", suffix=" READ ME"),
    ]
    plain = [lambda: fresh.name("photos/", suffix=".jpg"), lambda: fresh.name("exports/", suffix=".csv.zip")]
    picked = [fresh.choice(needs_decoding)] + fresh.sample(plain, count - 1)
    return [(make(), fresh.randint(0, 5_000_000)) for make in fresh.shuffled(picked)]


def encoded(key: str) -> str:
    """An object key as S3 puts it in an event: URL-encoded, spaces as '+'."""
    return quote_plus(key, safe="/")


@lab.step(
    "handler",
    f"Deploy {FUNCTION}: S3 event in, items in {TABLE}",
    watches=("lambda:upload-indexer", "iam-role:upload-indexer-role", "dynamodb:upload-catalog"),
    hints=[
        "The handler is the adapter: for each record take `record['s3']['bucket']['name']`, "
        "`record['s3']['object']['key']` and `record['s3']['object']['size']`, let `catalog.catalog_entry` build the "
        "item, `put_item` it, and return `{'indexed': [the keys, in order]}`.",
        "S3 URL-encodes object keys in events: `Q3 summary.PDF` arrives as `Q3+summary.PDF`. Decode the key with "
        "`urllib.parse.unquote_plus` before you store it. Create the DynamoDB table resource once, at module level: "
        "`TABLE = boto3.resource('dynamodb').Table(os.environ['TABLE_NAME'])`.",
        "Deploy both files: `deploy_function(lam, 'upload-indexer', {'app.py': ..., 'catalog.py': ...}, role_arn, "
        "Environment={'Variables': {'TABLE_NAME': 'upload-catalog'}})` (read the files from `PROJECT`); the handler "
        "`app.handler` is its default. After changing app.py, run the same call again: it updates the function.",
    ],
    solution='''
# app.py (catalog.py next to it in the zip)
import logging
import os
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table(os.environ.get("TABLE_NAME", "upload-catalog"))
logger = logging.getLogger()
logger.setLevel(logging.INFO)


def handler(event, context):
    try:
        entries = [entry_from(record) for record in records_of(event)]
    except ValueError as problem:
        logger.error("not indexed: %s", problem)
        return {"indexed": []}
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
    config = aws.function(FUNCTION)
    _configured_as_asked(aws, config)
    _table(aws)
    written = []
    try:
        for count in (1, 2):
            objects = uploads(aws.fresh, count)
            written += [key for key, _ in objects]
            _index(aws, objects)
    finally:
        _forget(aws, written)
    return f"{FUNCTION} indexed 3 uploads of the check's own from 2 events (keys decoded, one item each)"


def _configured_as_asked(aws, config: dict) -> None:
    fix = (
        "deploy_function(lam, 'upload-indexer', FILES, role_arn, "
        "Environment={'Variables': {'TABLE_NAME': 'upload-catalog'}}) sets them"
    )
    aws.expect_configuration(config, Handler=HANDLER, Environment={"TABLE_NAME": TABLE}, how=fix)
    aws.expect_role(config, ROLE)


def _index(aws, objects: list[tuple[str, int]]) -> None:
    """Invoke the function with an S3 event for ``objects``; Failed unless it indexed each, as asked."""
    event = s3_event([(encoded(key), size) for key, size in objects])
    decoded = [key for key, _ in objects]
    result = aws.invoke(FUNCTION, event)
    described = f"an S3 event for {', '.join(repr(k) for k in decoded)}"
    if result.function_error:
        raise Failed(_explain_error(result, described))
    expected = {"indexed": decoded}
    if result.payload is None:
        raise Failed(f"your handler returned None; {described} asked for {expected}.")
    if result.payload != expected:
        advice = ""
        if isinstance(result.payload, dict) and result.payload.get("indexed") == [encoded(k) for k in decoded]:
            advice = " Decode the keys with urllib.parse.unquote_plus: S3 sends spaces as '+' and other characters as %XX."
        raise Failed(f"for {described} your handler returned {result.payload!r}; expected {expected}.{advice}")
    for key, size in objects:
        _expect_item(aws, encoded(key), expected_entry(BUCKET, key, size))


def _forget(aws, keys) -> None:
    dynamodb = aws.client("dynamodb")
    for key in keys:
        for stored in {key, encoded(key)}:
            try:
                dynamodb.delete_item(TableName=TABLE, Key={"object_key": {"S": stored}})
            except dynamodb.exceptions.ResourceNotFoundException:
                return


def _item(aws, key: str) -> dict | None:
    dynamodb = aws.client("dynamodb")
    return dynamodb.get_item(TableName=TABLE, Key={"object_key": {"S": key}}, ConsistentRead=True).get("Item")


def _expect_item(aws, encoded_key: str, expected: dict) -> None:
    key = expected["object_key"]
    item = _item(aws, key)
    if item is None:
        if encoded_key != key and _item(aws, encoded_key):
            raise Failed(
                f"{TABLE} has an item for {encoded_key!r}, the key as S3 encodes it; store the decoded key {key!r} "
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


def poison_events(fresh) -> list[tuple[str, object, list[str]]]:
    """(what is wrong, event, keys it must not write) for every poison event the check sends."""
    no_object = {"eventSource": "aws:s3", "s3": {"bucket": {"name": BUCKET}}}
    good_key = fresh.name("incoming/", suffix=".txt")
    mixed = s3_event([(encoded(good_key), fresh.randint(1, 999))])
    mixed["Records"].append(no_object)
    negative_key = fresh.name("photos/", suffix=".png")
    folder_key = fresh.name("photos/", suffix="/")
    return [
        ("an event that is not from S3", {"order_id": fresh.name("A-")}, []),
        ("a record without s3.object", {"Records": [no_object]}, []),
        ("a good record followed by a record without s3.object", mixed, [good_key]),
        ("a record with a negative size", s3_event([(encoded(negative_key), -fresh.randint(1, 999))]), [negative_key]),
        ("a record for a folder marker (a key ending in '/')", s3_event([(encoded(folder_key), 0)]), [folder_key]),
        ("an event that is a list", [fresh.name("photos/", suffix=".jpg")], []),
    ]


@lab.step(
    "malformed",
    "Poison events: log at ERROR and move on; failures to write: raise",
    watches=("lambda:upload-indexer", "iam-role:upload-indexer-role", "dynamodb:upload-catalog"),
    hints=[
        "S3 invokes the function asynchronously: what the handler returns is thrown away, and only a raised error "
        "is retried. An event you cannot index fails the same way on every retry, so log it at level ERROR and "
        "return: `logger.error('not indexed: %s', problem)` with `logger = logging.getLogger()`.",
        "Check the whole event before writing anything: a dict with a non-empty `Records` list, and "
        "`s3.bucket.name`, `s3.object.key` and `s3.object.size` in every record. Turn a `KeyError` or `TypeError` "
        "into a `ValueError`; catch `ValueError` (also what catalog_entry raises), log it at ERROR, and return.",
        "Catch only `ValueError`: an error from `put_item` (the table unreachable, throttling) is not the event's "
        "fault and may pass on a retry, so let it propagate. Build all entries first, write them afterwards, so an "
        "event whose second record is broken leaves the table unchanged.",
    ],
    solution='''
logger = logging.getLogger()


def handler(event, context):
    try:
        entries = [entry_from(record) for record in records_of(event)]   # validate everything first
    except ValueError as problem:                                         # a poison event: retrying cannot help
        logger.error("not indexed: %s", problem)
        return {"indexed": []}
    for entry in entries:                                                 # errors here are raised: Lambda retries
        TABLE.put_item(Item=entry)
    return {"indexed": [entry["object_key"] for entry in entries]}
''',
)
def malformed(aws):
    config = aws.function(FUNCTION)
    _table(aws)
    written: list[str] = []
    try:
        for problem, event, keys in poison_events(aws.fresh):
            written += keys
            _expect_poison_handled(aws, problem, event)
        for key in written:
            if _item(aws, key):
                raise Failed(
                    f"after a poison event {TABLE} has an item for {key!r}: check every record before writing any, "
                    "so that a bad event changes nothing."
                )
        objects = uploads(aws.fresh, 1)
        written += [key for key, _ in objects]
        event = s3_event([(encoded(key), size) for key, size in objects])
        result = aws.invoke(FUNCTION, event)
        if result.function_error:
            raise Failed(_explain_error(result, "a good S3 event"))
        errors = [line for line in _own_lines(result.log) if is_error(line)]
        if errors:
            raise Failed(
                f"for a good S3 event your handler logged at ERROR: {errors[0][:120]!r}. Keep ERROR for what needs "
                "a person's attention (an alarm on ERROR lines would go off for every upload); log the rest at INFO."
            )
        _expect_write_failure_raised(aws, config, event)
    finally:
        _forget(aws, written)
    return "poison events are logged at ERROR and dropped, nothing written; a failure to write is raised for a retry"


def _expect_poison_handled(aws, problem: str, event) -> None:
    result = aws.invoke(FUNCTION, event)
    sent = f"{problem} ({_short(event)})"
    if result.function_error:
        kind = result.payload.get("errorType", "") if isinstance(result.payload, dict) else ""
        if kind in _CODE_ERRORS:
            raise Failed(_explain_error(result, sent))
        raise Failed(
            f"for {sent} your handler raised {result.error_summary}. S3 would retry that event, and it would fail "
            "the same way every time: log what is wrong at level ERROR and return instead of raising."
        )
    if not any(is_error(line) for line in _own_lines(result.log)):
        logged = [line for line in _own_lines(result.log)]
        seen = f" It logged {logged[0][:100]!r}." if logged else " It logged nothing."
        raise Failed(
            f"for {sent} your handler returned without logging at level ERROR.{seen} Nobody reads what an S3-"
            "triggered function returns: log the problem with logger.error(...) so that it can be found and "
            "counted."
        )


def _expect_write_failure_raised(aws, config: dict, event: dict) -> None:
    variables = dict((config.get("Environment") or {}).get("Variables") or {})
    missing_table = aws.fresh.name("unreachable-table-")
    with aws.configured(FUNCTION, Environment={"Variables": {**variables, "TABLE_NAME": missing_table}}):
        result = aws.invoke(FUNCTION, event)
    if not result.function_error:
        raise Failed(
            "when the table cannot be written (the check pointed TABLE_NAME at a table that does not exist), your "
            f"handler returned {str(result.payload)[:100]}: an S3 upload would be lost without a retry. Catch only "
            "the errors of a bad event (ValueError), and let errors from put_item propagate so Lambda retries. "
            "(The handler must read the table name from TABLE_NAME, as the template does.)"
        )


# ------------------------------------------------------------------------------------------------ helpers

# errors that say the code cannot run at all (whatever the event), not that the handler mishandled one
_CODE_ERRORS = {"Runtime.ImportModuleError", "Runtime.HandlerNotFound", "Runtime.UserCodeSyntaxError"}


def _own_lines(log: str) -> list[str]:
    """The lines the handler wrote in one invocation's log tail: after START, platform lines left out."""
    lines = log.split("\n")
    start = next((n for n, line in enumerate(lines) if line.startswith("START ")), -1)
    return [line for line in lines[start + 1 :] if line.strip() and not line.startswith(PLATFORM)]


def _short(event, limit: int = 120) -> str:
    """An event as JSON, cut to ``limit`` characters."""
    text = json.dumps(event, ensure_ascii=False)
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
        return f"{text}. Does the handler write to the table named in TABLE_NAME ({TABLE!r})?"
    return f"{text}. Invoke it yourself with that event and LogType='Tail' to read the traceback."


def _describe(exc: BaseException) -> str:
    name = getattr(exc, "learner_type", None) or exc.__class__.__name__
    text = str(exc).strip()
    return f"{name}: {text}" if text else name
