"""Lab 02's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks
from workbook.checks.labs import m02_handlers
from workbook.deploy import LAMBDA_TRUST_POLICY, zip_code

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "02-handlers"
check = functools.partial(check_step, LAB)
LOGS = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/upload-catalog"
PUT_ITEM = {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": TABLE_ARN}

CATALOG_PY = """
def catalog_entry(bucket, key, size):
    if not key or key.endswith("/"):
        raise ValueError("folder marker")
    if size < 0:
        raise ValueError("negative size")
    name = key.rsplit("/", 1)[-1]
    extension = name.rsplit(".", 1)[1].lower() if "." in name else ""
    kind = {"jpg": "image", "jpeg": "image", "png": "image", "gif": "image", "webp": "image",
            "pdf": "document", "txt": "document", "csv": "document", "docx": "document",
            "xlsx": "document"}.get(extension, "other")
    return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": kind}
"""

APP_PY = """
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table("upload-catalog")


def handler(event, context):
    try:
        if not isinstance(event, dict) or not isinstance(event.get("Records"), list) or not event["Records"]:
            raise ValueError("not an S3 event")
        entries = []
        for record in event["Records"]:
            try:
                s3 = record["s3"]
                bucket, key, size = s3["bucket"]["name"], s3["object"]["key"], s3["object"]["size"]
            except (KeyError, TypeError) as missing:
                raise ValueError(f"record without {missing}") from None
            entries.append(catalog.catalog_entry(bucket, unquote_plus(key), size))
    except ValueError as problem:
        return {"indexed": [], "error": str(problem)}
    for entry in entries:
        TABLE.put_item(Item=entry)
    return {"indexed": [entry["object_key"] for entry in entries]}
"""

# Happy path only: KeyError on anything that is not an S3 event.
NAIVE_APP_PY = """
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table("upload-catalog")


def handler(event, context):
    indexed = []
    for record in event["Records"]:
        s3 = record["s3"]
        entry = catalog.catalog_entry(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), s3["object"]["size"])
        TABLE.put_item(Item=entry)
        indexed.append(entry["object_key"])
    return {"indexed": indexed}
"""






def make_table(sb, key="object_key", key_type="S"):
    sb.client("dynamodb").create_table(
        TableName="upload-catalog",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
        BillingMode="PAY_PER_REQUEST",
    )


def make_role(sb, statements=(LOGS, PUT_ITEM), trust=LAMBDA_TRUST_POLICY):
    iam = sb.client("iam")
    arn = iam.create_role(RoleName="upload-indexer-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_role_policy(RoleName="upload-indexer-role", PolicyName="p", PolicyDocument=json.dumps(document))
    return arn


def deploy(sb, app=APP_PY, catalog=CATALOG_PY, statements=(LOGS, PUT_ITEM)):
    make_table(sb)
    role_arn = make_role(sb, statements)
    lam = sb.client("lambda")
    lam.create_function(
        FunctionName="upload-indexer",
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.handler",
        Code={"ZipFile": zip_code({"app.py": app, "catalog.py": catalog})},
    )
    lam.get_waiter("function_active_v2").wait(FunctionName="upload-indexer")


def load_catalog(source=CATALOG_PY):
    namespace: dict = {}
    exec(compile(source, "catalog.py", "exec"), namespace)
    return namespace["catalog_entry"]


# table


def test_table_is_not_attempted_before_it_exists(sb):
    """Does the table step say "not done yet" on a fresh sandbox?"""
    outcome = check("table")
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "upload-catalog" in outcome.feedback


def test_table_fails_with_another_partition_key(sb):
    """Does a table keyed by "id" fail, naming the key the indexer needs?"""
    make_table(sb, key="id")
    outcome = check("table")
    assert outcome.status is checks.Status.FAILED
    assert "object_key" in outcome.feedback


def test_table_fails_when_the_key_is_a_number(sb):
    """Does object_key declared as N fail with advice to use S?"""
    make_table(sb, key_type="N")
    outcome = check("table")
    assert outcome.status is checks.Status.FAILED
    assert "'S'" in outcome.feedback


def test_table_passes_with_a_string_object_key(sb):
    """Does the solution's table pass?"""
    make_table(sb)
    assert check("table").status is checks.Status.PASSED


# role


def test_role_fails_without_put_item(sb):
    """Does a role that may only write logs fail, naming dynamodb:PutItem?"""
    make_role(sb, statements=(LOGS,))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "dynamodb:PutItem" in outcome.feedback


def test_role_fails_when_lambda_may_not_assume_it(sb):
    """Does a role trusting EC2 fail, naming lambda.amazonaws.com?"""
    make_role(sb, trust=json.loads(json.dumps(LAMBDA_TRUST_POLICY).replace("lambda.", "ec2.")))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "lambda.amazonaws.com" in outcome.feedback


def test_role_fails_when_put_item_is_allowed_on_every_table(sb):
    """Does dynamodb:PutItem on "*" fail, asking for the table's ARN (least privilege)?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": "*"}))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "Least privilege" in outcome.feedback and TABLE_ARN in outcome.feedback


def test_role_fails_when_put_item_is_allowed_on_another_table(sb):
    """Does dynamodb:PutItem on a different table fail, naming the resource it allows?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": TABLE_ARN.replace("upload-catalog", "uploads")}))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "table/uploads" in outcome.feedback and TABLE_ARN in outcome.feedback


def test_role_passes_with_a_wildcard_that_names_the_table(sb):
    """Is a pattern that still names the table (any region and account) least privilege enough?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": "arn:aws:dynamodb:*:*:table/upload-catalog"}))
    assert check("role").status is checks.Status.PASSED


def test_role_passes_with_logs_and_put_item(sb):
    """Does a role with logs and dynamodb:PutItem pass?"""
    make_role(sb)
    assert check("role").status is checks.Status.PASSED


# logic (pure: no sandbox state needed, but checks still run against the sandbox)


def test_logic_is_not_attempted_without_a_function(sb):
    """Does passing nothing (or the starter, which returns None) say "not done yet"?"""
    assert check("logic").status is checks.Status.NOT_ATTEMPTED
    checks._remembered.clear()
    outcome = check("logic", lambda bucket, key, size: None)
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "returns None" in outcome.feedback


def test_logic_fails_when_extensions_are_case_sensitive(sb):
    """Does a catalog_entry that calls cat.JPG "other" fail with advice about lower case?"""
    outcome = check("logic", load_catalog(CATALOG_PY.replace(".lower()", "")))
    assert outcome.status is checks.Status.FAILED
    assert "lower case" in outcome.feedback


def test_logic_fails_when_the_extension_follows_the_first_dot(sb):
    """Does a catalog_entry that reads orders.csv.zip as a csv fail, pointing at the last dot?"""
    outcome = check("logic", load_catalog(CATALOG_PY.replace('name.rsplit(".", 1)[1]', 'name.split(".")[1]')))
    assert outcome.status is checks.Status.FAILED
    assert "orders.csv.zip" in outcome.feedback and "last" in outcome.feedback


def test_logic_fails_when_folder_markers_are_accepted(sb):
    """Does a catalog_entry that accepts "photos/" fail, asking for a ValueError?"""
    outcome = check("logic", load_catalog(CATALOG_PY.replace('key.endswith("/")', "False")))
    assert outcome.status is checks.Status.FAILED
    assert "ValueError" in outcome.feedback and "photos/" in outcome.feedback


def test_logic_fails_when_given_the_result_instead_of_the_function(sb):
    """Does passing catalog_entry(...)'s result (a dict) fail, asking for the function?"""
    outcome = check("logic", {"kind": "image"})
    assert outcome.status is checks.Status.FAILED
    assert "function itself" in outcome.feedback


def test_logic_passes_with_the_solution(sb):
    """Does the solution's catalog_entry pass?"""
    outcome = check("logic", load_catalog())
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# handler


def test_handler_is_not_attempted_before_the_function_exists(sb):
    """Does the handler step say "not done yet" when there is no upload-indexer?"""
    outcome = check("handler")
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "upload-indexer" in outcome.feedback


def test_handler_fails_when_it_returns_none(sb):
    """Does a handler that writes nothing and returns None fail with "your handler returned None"?"""
    deploy(sb, app="def handler(event, context):\n    print(event)\n")
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "returned None" in outcome.feedback and "Q3 summary.PDF" in outcome.feedback


def test_handler_fails_when_keys_are_not_decoded(sb):
    """Does a handler that keeps "Q3+summary.PDF" fail, pointing at unquote_plus?"""
    deploy(sb, app=APP_PY.replace("unquote_plus(key)", "key"))
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "unquote_plus" in outcome.feedback


def test_handler_fails_when_it_does_not_write_the_item(sb):
    """Does a handler that answers correctly but never calls put_item fail, saying the item is missing?"""
    deploy(sb, app=APP_PY.replace("TABLE.put_item(Item=entry)", "pass"))
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "no item" in outcome.feedback


def test_handler_fails_when_the_role_may_not_put_items(sb):
    """Is AccessDenied from DynamoDB explained as a missing dynamodb:PutItem permission?"""
    deploy(sb, statements=(LOGS,))
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "dynamodb:PutItem" in outcome.feedback


def test_handler_passes_with_the_solution(sb):
    """Does the solution's handler pass, and leave the decoded items in the table?"""
    deploy(sb)
    outcome = check("handler")
    assert outcome.status is checks.Status.PASSED, outcome.feedback
    item = sb.client("dynamodb").get_item(TableName="upload-catalog", Key={"object_key": {"S": "checks/Q3 summary.PDF"}})
    assert item["Item"]["kind"] == {"S": "document"}


# malformed


def test_malformed_fails_when_the_handler_crashes_with_key_error(sb):
    """Does the happy-path handler fail the malformed step, quoting its KeyError?"""
    deploy(sb, app=NAIVE_APP_PY)
    assert check("handler").status is checks.Status.PASSED
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "KeyError" in outcome.feedback and "'error'" in outcome.feedback


def test_malformed_explains_a_syntax_error_instead_of_asking_not_to_raise(sb):
    """Is a handler that does not even import told to fix its code, and shown the event that was sent?"""
    deploy(sb, app=APP_PY.replace("def handler(event, context):", "def handler(event, context)"))
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "UserCodeSyntaxError" in outcome.feedback and "redeploy" in outcome.feedback
    assert "instead of raising" not in outcome.feedback and "A-1001" in outcome.feedback


def test_malformed_fails_when_good_records_of_a_bad_event_are_written(sb):
    """Does a handler that writes record by record (and so half of a bad event) fail?"""
    one_by_one = APP_PY.replace(
        "entries.append(catalog.catalog_entry(bucket, unquote_plus(key), size))",
        "entries.append(catalog.catalog_entry(bucket, unquote_plus(key), size)); TABLE.put_item(Item=entries[-1])",
    )
    deploy(sb, app=one_by_one)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert m02_handlers.GOOD_RECORD_KEY in outcome.feedback


def test_malformed_fails_when_the_error_is_missing(sb):
    """Does answering {"indexed": []} without an error message fail?"""
    deploy(sb, app=APP_PY.replace('return {"indexed": [], "error": str(problem)}', 'return {"indexed": []}'))
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "error" in outcome.feedback


def test_malformed_passes_with_the_solution(sb):
    """Does the solution's handler answer every malformed event as the contract says?"""
    deploy(sb)
    outcome = check("malformed")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_the_whole_lab_passes_after_the_solution_steps(sb):
    """After every step is done, does checks.results report a full score?"""
    deploy(sb)
    checks.step(LAB, "logic").check(load_catalog())
    report = checks.results(LAB)
    assert report.score == 1.0, str(report)
