"""Lab 02's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks
from workbook.deploy import LAMBDA_TRUST_POLICY, create_execution_role, deploy_function

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
import logging
import os
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
logger = logging.getLogger()


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
        logger.error("not indexed: %s", problem)
        return {"indexed": []}
    for entry in entries:
        TABLE.put_item(Item=entry)
    return {"indexed": [entry["object_key"] for entry in entries]}
"""

# Happy path only: KeyError on anything that is not an S3 event.
NAIVE_APP_PY = """
import os
from urllib.parse import unquote_plus

import boto3

import catalog

TABLE = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event, context):
    indexed = []
    for record in event["Records"]:
        s3 = record["s3"]
        entry = catalog.catalog_entry(s3["bucket"]["name"], unquote_plus(s3["object"]["key"]), s3["object"]["size"])
        TABLE.put_item(Item=entry)
        indexed.append(entry["object_key"])
    return {"indexed": indexed}
"""


def make_table(sb, key="object_key", key_type="S", **billing):
    billing = billing or {"BillingMode": "PAY_PER_REQUEST"}
    sb.client("dynamodb").create_table(
        TableName="upload-catalog",
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": key_type}],
        **billing,
    )


def make_role(sb, statements=(LOGS, PUT_ITEM), trust=LAMBDA_TRUST_POLICY):
    iam = sb.client("iam")
    arn = iam.create_role(RoleName="upload-indexer-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    if statements:
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        iam.put_role_policy(RoleName="upload-indexer-role", PolicyName="p", PolicyDocument=json.dumps(document))
    return arn


def deploy(sb, app=APP_PY, catalog=CATALOG_PY, statements=(LOGS, PUT_ITEM), **config):
    make_table(sb)
    role_arn = make_role(sb, statements)
    config.setdefault("Environment", {"Variables": {"TABLE_NAME": "upload-catalog"}})
    deploy_function(sb.client("lambda"), "upload-indexer", {"app.py": app, "catalog.py": catalog}, role_arn, **config)


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


def test_table_fails_with_provisioned_billing(sb):
    """Does a table with provisioned capacity fail, since the step asks for on-demand billing?"""
    make_table(sb, ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    outcome = check("table")
    assert outcome.status is checks.Status.FAILED
    assert "PAY_PER_REQUEST" in outcome.feedback


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
    assert "Least privilege" in outcome.feedback and TABLE_ARN in outcome.feedback and "'*'" in outcome.feedback


@pytest.mark.parametrize(
    "resource", ["arn:aws:dynamodb:us-east-1:123456789012:table/*", "arn:aws:dynamodb:*:*:table/upload-*"]
)
def test_role_fails_when_put_item_is_allowed_on_a_pattern_of_tables(sb, resource):
    """Does a resource pattern that also covers other tables fail, naming the pattern?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": resource}))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert resource in outcome.feedback


def test_role_fails_when_put_item_is_allowed_on_another_table(sb):
    """Does dynamodb:PutItem on a different table fail, naming the resource it allows?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": TABLE_ARN.replace("upload-catalog", "uploads")}))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "table/uploads" in outcome.feedback and TABLE_ARN in outcome.feedback


@pytest.mark.parametrize(
    "action", ["dynamodb:*", ["dynamodb:PutItem", "dynamodb:GetItem"], ["dynamodb:PutItem", "dynamodb:DeleteTable"]]
)
def test_role_fails_when_it_allows_actions_the_indexer_does_not_need(sb, action):
    """Does a role that may also read, delete or do anything to the table fail, naming the extra actions?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Action": action}))
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    named = action if isinstance(action, str) else action[1]
    assert "more than" in outcome.feedback and named in outcome.feedback


def test_role_fails_when_the_trust_policy_admits_an_account(sb):
    """Does a trust policy that also lets an AWS account assume the role fail?"""
    trust = json.loads(json.dumps(LAMBDA_TRUST_POLICY))
    trust["Statement"].append(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}
    )
    make_role(sb, trust=trust)
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "arn:aws:iam::123456789012:root" in outcome.feedback


def test_role_passes_with_the_table_and_its_indexes(sb):
    """Is naming the table and its indexes (a common least-privilege idiom) still least privilege?"""
    make_role(sb, statements=(LOGS, {**PUT_ITEM, "Resource": [TABLE_ARN, TABLE_ARN + "/index/*"]}))
    outcome = check("role")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_role_passes_with_create_execution_role_and_batch_writes(sb):
    """Does the lesson's helper (managed logs policy) with BatchWriteItem on the table pass too?"""
    create_execution_role(
        sb.client("iam"), "upload-indexer-role",
        statements=[{"Effect": "Allow", "Action": ["dynamodb:BatchWriteItem"], "Resource": TABLE_ARN}],
    )  # fmt: skip
    outcome = check("role")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


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
    assert "two dots" in outcome.feedback and "last" in outcome.feedback


def test_logic_fails_when_the_extension_is_found_by_substring(sb):
    """Does matching extensions as substrings ('jpg' in 'x.jpgx') fail on the check's own file names?"""
    substring = """
def catalog_entry(bucket, key, size):
    if key.endswith("/") or size < 0:
        raise ValueError("not a file")
    extension = key.rsplit(".", 1)[-1].lower() if "." in key.rsplit("/", 1)[-1] else ""
    kind = "other"
    if any(known in extension for known in ["jpg", "jpeg", "png", "gif", "webp"]):
        kind = "image"
    elif any(known in extension for known in ["pdf", "txt", "csv", "docx", "xlsx"]):
        kind = "document"
    return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": kind}
"""
    outcome = check("logic", load_catalog(substring))
    assert outcome.status is checks.Status.FAILED
    assert "whole extension" in outcome.feedback


def test_logic_fails_when_folder_markers_are_accepted(sb):
    """Does a catalog_entry that accepts a folder marker fail, asking for a ValueError?"""
    outcome = check("logic", load_catalog(CATALOG_PY.replace('key.endswith("/")', "False")))
    assert outcome.status is checks.Status.FAILED
    assert "ValueError" in outcome.feedback and "folder marker" in outcome.feedback


def test_logic_fails_when_answers_are_hard_coded_for_the_labs_examples(sb):
    """Does a catalog_entry that knows only the lab's own examples fail on the check's files?"""
    known = """
KNOWN = {"photos/cat.JPG": "image", "reports/Q3 summary.pdf": "document", "notes/README": "other"}
def catalog_entry(bucket, key, size):
    if key.endswith("/") or size < 0:
        raise ValueError("bad")
    return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": KNOWN.get(key, "image")}
"""
    assert check("logic", load_catalog(known)).status is checks.Status.FAILED


def test_logic_fails_when_given_the_result_instead_of_the_function(sb):
    """Does passing catalog_entry(...)'s result (a dict) fail, asking for the function?"""
    outcome = check("logic", {"kind": "image"})
    assert outcome.status is checks.Status.FAILED
    assert "function itself" in outcome.feedback


def test_logic_passes_with_the_solution(sb):
    """Does the solution's catalog_entry pass?"""
    outcome = check("logic", load_catalog())
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_logic_passes_with_os_path_and_a_lookup_table(sb):
    """Is a differently written catalog_entry (os.path.splitext, a dict of kinds, its own exception) right too?"""
    other_style = """
import os.path

KINDS = {**dict.fromkeys([".jpg", ".jpeg", ".png", ".gif", ".webp"], "image"),
         **dict.fromkeys([".pdf", ".txt", ".csv", ".docx", ".xlsx"], "document")}


class NotAFile(ValueError):
    pass


def catalog_entry(bucket, key, size):
    if key.endswith("/"):
        raise NotAFile(key)
    if size < 0:
        raise NotAFile(size)
    extension = os.path.splitext(os.path.basename(key))[1].lower()
    return dict(object_key=key, bucket=bucket, size_bytes=size, kind=KINDS.get(extension, "other"))
"""
    outcome = check("logic", load_catalog(other_style))
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
    assert "returned None" in outcome.feedback and "{'indexed': [" in outcome.feedback


def test_handler_fails_when_keys_are_not_decoded(sb):
    """Does a handler that keeps the URL-encoded key fail, pointing at unquote_plus?"""
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


def test_handler_fails_without_the_table_name_variable(sb):
    """Does a function deployed without TABLE_NAME=upload-catalog fail, naming the variable?"""
    hard_coded = APP_PY.replace('os.environ["TABLE_NAME"]', '"upload-catalog"')
    deploy(sb, app=hard_coded, Environment={"Variables": {}})
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "TABLE_NAME" in outcome.feedback


def test_handler_fails_with_another_handler_setting(sb):
    """Does a handler setting other than app.handler fail, as the step names it?"""
    deploy(sb, app=APP_PY.replace("def handler(", "def main("), handler="app.main")
    outcome = check("handler")
    assert outcome.status is checks.Status.FAILED
    assert "app.handler" in outcome.feedback


def test_handler_passes_with_the_solution_and_leaves_no_items_of_its_own(sb):
    """Does the solution's handler pass, and does the check remove the items it wrote?"""
    deploy(sb)
    outcome = check("handler")
    assert outcome.status is checks.Status.PASSED, outcome.feedback
    assert sb.client("dynamodb").scan(TableName="upload-catalog")["Items"] == []


def test_handler_passes_with_a_client_and_a_batch_writer_style(sb):
    """Is a handler written with the low-level client and a helper function right too?"""
    client_style = """
import os
from urllib.parse import unquote_plus

import boto3

from catalog import catalog_entry

dynamodb = boto3.client("dynamodb")


def to_item(entry):
    return {k: {"N": str(v)} if isinstance(v, int) else {"S": v} for k, v in entry.items()}


def handler(event, context):
    entries = [catalog_entry(r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"]),
                             r["s3"]["object"]["size"]) for r in event["Records"]]
    for entry in entries:
        dynamodb.put_item(TableName=os.environ["TABLE_NAME"], Item=to_item(entry))
    return {"indexed": [e["object_key"] for e in entries]}
"""
    deploy(sb, app=client_style)
    outcome = check("handler")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# malformed: poison events and failures to write


def test_malformed_fails_when_the_handler_crashes_with_key_error(sb):
    """Does the happy-path handler fail the malformed step, quoting its KeyError and saying not to raise?"""
    deploy(sb, app=NAIVE_APP_PY)
    assert check("handler").status is checks.Status.PASSED
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "KeyError" in outcome.feedback and "ERROR" in outcome.feedback and "instead of raising" in outcome.feedback


def test_malformed_explains_a_syntax_error_instead_of_asking_not_to_raise(sb):
    """Is a handler that does not even import told to fix its code, and shown the event that was sent?"""
    deploy(sb, app=APP_PY.replace("def handler(event, context):", "def handler(event, context)"))
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "UserCodeSyntaxError" in outcome.feedback and "redeploy" in outcome.feedback
    assert "instead of raising" not in outcome.feedback and "order_id" in outcome.feedback


def test_malformed_fails_when_good_records_of_a_bad_event_are_written(sb):
    """Does a handler that writes record by record (and so half of a bad event) fail?"""
    one_by_one = APP_PY.replace(
        "entries.append(catalog.catalog_entry(bucket, unquote_plus(key), size))",
        "entries.append(catalog.catalog_entry(bucket, unquote_plus(key), size)); TABLE.put_item(Item=entries[-1])",
    )
    deploy(sb, app=one_by_one)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "incoming/" in outcome.feedback and "before writing any" in outcome.feedback


def test_malformed_fails_when_the_error_is_returned_but_not_logged(sb):
    """Does the old contract (return an error, log nothing) fail: nobody reads what an S3 trigger returns?"""
    returns_error = APP_PY.replace(
        'logger.error("not indexed: %s", problem)\n        return {"indexed": []}',
        'return {"indexed": [], "error": str(problem)}',
    )
    deploy(sb, app=returns_error)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "level ERROR" in outcome.feedback and "logged nothing" in outcome.feedback


def test_malformed_fails_when_the_problem_is_logged_at_info(sb):
    """Does logging a poison event at INFO (or WARNING) fail, asking for ERROR?"""
    at_info = APP_PY.replace('logger.error("not indexed', 'logger.warning("not indexed')
    deploy(sb, app=at_info)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "level ERROR" in outcome.feedback and "[WARNING]" in outcome.feedback


def test_malformed_fails_when_good_events_are_logged_at_error(sb):
    """Does a handler that logs every upload at ERROR fail (an alarm on ERROR would always ring)?"""
    noisy = APP_PY.replace("    for entry in entries:\n", '    logger.error("indexing %d", len(entries))\n    for entry in entries:\n')
    deploy(sb, app=noisy)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "good S3 event" in outcome.feedback and "INFO" in outcome.feedback


def test_malformed_fails_when_a_failure_to_write_is_swallowed(sb):
    """Does a handler that catches every exception, put_item's too, fail: a lost upload is never retried?"""
    swallowing = APP_PY.replace("    except ValueError as problem:", "    except Exception as problem:").replace(
        "    for entry in entries:\n        TABLE.put_item(Item=entry)\n",
        "    try:\n        for entry in entries:\n            TABLE.put_item(Item=entry)\n"
        "    except Exception as problem:\n        logger.error('write failed: %s', problem)\n        return {}\n",
    )
    deploy(sb, app=swallowing)
    outcome = check("malformed")
    assert outcome.status is checks.Status.FAILED
    assert "TABLE_NAME" in outcome.feedback and "retries" in outcome.feedback
    config = sb.client("lambda").get_function_configuration(FunctionName="upload-indexer")
    assert config["Environment"]["Variables"] == {"TABLE_NAME": "upload-catalog"}


def test_malformed_passes_with_the_solution(sb):
    """Does the solution's handler log every poison event at ERROR, write nothing, and raise write failures?"""
    deploy(sb)
    outcome = check("malformed")
    assert outcome.status is checks.Status.PASSED, outcome.feedback
    assert sb.client("dynamodb").scan(TableName="upload-catalog")["Items"] == []


def test_malformed_passes_with_print_and_a_level_word(sb):
    """Is print("ERROR: ...") a line at level ERROR too (what a metric filter on ERROR counts)?"""
    printing = APP_PY.replace('logger.error("not indexed: %s", problem)', 'print(f"ERROR: not indexed: {problem}")')
    deploy(sb, app=printing)
    outcome = check("malformed")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_the_whole_lab_passes_after_the_solution_steps(sb):
    """After every step is done, does checks.results report a full score?"""
    deploy(sb)
    checks.step(LAB, "logic").check(load_catalog())
    report = checks.results(LAB)
    assert report.score == 1.0, str(report)
