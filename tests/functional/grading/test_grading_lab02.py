"""Lab 02 graded as an instructor would: wrong work fails the step it is wrong for, right work done differently passes."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "02-handlers"
ALL_PASSED = dict.fromkeys(["table", "role", "logic", "handler", "malformed"], "passed")
TABLE_CELL = "dynamodb.create_table("
ROLE_CELL = "role_arn = iam.create_role("
CATALOG_CELL = "%%writefile {PROJECT}/catalog.py"
APP_CELL = "%%writefile {PROJECT}/app.py"
DEPLOY_CELL = 'event = load_event("s3-put", key="photos/summer+party.jpg", size=1234)'


def test_provisioned_billing_and_a_hard_coded_table_fail_their_steps(tmp_path):
    """Do provisioned billing (table) and a function deployed without TABLE_NAME (handler, malformed) fail?"""
    wrong_config = (
        Submission(LAB)
        .edit(TABLE_CELL, 'BillingMode="PAY_PER_REQUEST"', 'ProvisionedThroughput={"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}')
        .edit(APP_CELL, 'os.environ.get("TABLE_NAME", "upload-catalog")', '"upload-catalog"')
        .edit(DEPLOY_CELL, ', Environment={"Variables": {"TABLE_NAME": "upload-catalog"}}', "")
    )
    wrong_config.edit("for bad_event in [", ', Environment={"Variables": {"TABLE_NAME": "upload-catalog"}}', "")
    result = wrong_config.grade(tmp_path, f"{LAB}-config")
    assert statuses(result) == {**ALL_PASSED, "table": "failed", "handler": "failed", "malformed": "failed"}
    assert "PAY_PER_REQUEST" in feedback(result, "table") and "TABLE_NAME" in feedback(result, "handler")


def test_logic_hard_coded_for_the_labs_examples_and_poison_logged_as_a_warning_fail(tmp_path):
    """Does a catalog_entry that knows only the lab's files fail step 3, and a WARNING for poison events step 5?"""
    hard_coded = (
        Submission(LAB)
        .replace(
            CATALOG_CELL,
            '''
            %%writefile {PROJECT}/catalog.py
            KNOWN = {"photos/cat.JPG": "image", "reports/Q3 summary.pdf": "document", "photos/summer party.jpg": "image"}


            def catalog_entry(bucket, key, size):
                if key.endswith("/") or size < 0:
                    raise ValueError(f"not a file: {key}")
                return {"object_key": key, "bucket": bucket, "size_bytes": size, "kind": KNOWN.get(key, "document")}
            ''',
        )
        .edit(APP_CELL, 'logger.error("not indexed: %s", problem)', 'logger.warning("not indexed: %s", problem)')
    )
    hard_coded.drop("def test_kind_follows_the_extension")  # their own tests would not pass either
    result = hard_coded.grade(tmp_path, f"{LAB}-hard-coded")
    assert statuses(result)["logic"] == "failed" and statuses(result)["malformed"] == "failed"
    assert statuses(result)["table"] == statuses(result)["role"] == "passed"
    assert "ERROR" in feedback(result, "malformed")


def test_dynamodb_star_and_a_handler_that_swallows_a_failure_to_write_each_fail_their_own_step_only(tmp_path):
    """Do dynamodb:* on the table (step 2; the function still works) and catching put_item's errors too, an
    upload lost without a retry (step 5), each fail their own step, naming the problem, while the rest
    passes?"""
    submission = (
        Submission(LAB)
        .edit(ROLE_CELL, '{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn}',
              '{"Effect": "Allow", "Action": "dynamodb:*", "Resource": table_arn}')
        .edit(
            APP_CELL,
            "    for entry in entries:  # ... then write; an error here is raised, so Lambda retries the event\n"
            "        TABLE.put_item(Item=entry)\n",
            "    try:\n        for entry in entries:\n            TABLE.put_item(Item=entry)\n"
            "    except Exception as problem:\n        logger.error('could not write: %s', problem)\n"
            "        return {'indexed': []}\n",
        )
    )  # fmt: skip
    result = submission.grade(tmp_path, f"{LAB}-dynamodb-star-swallowing")
    assert statuses(result) == {**ALL_PASSED, "role": "failed", "malformed": "failed"}, result["steps"]
    assert "dynamodb:*" in feedback(result, "role")
    assert "retries" in feedback(result, "malformed")


def test_the_lessons_helpers_a_client_and_print_pass(tmp_path):
    """Full marks with create_execution_role, os.path logic, the low-level client, print("ERROR: …") and a waiter-less create?"""
    other_way = (
        Submission(LAB)
        .replace(
            ROLE_CELL,
            """
            from workbook.deploy import create_execution_role

            role_arn = create_execution_role(iam, "upload-indexer-role", statements=[
                {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [table_arn]},
            ])
            """,
        )
        .replace(
            CATALOG_CELL,
            '''
            %%writefile {PROJECT}/catalog.py
            import os.path

            KINDS = {**dict.fromkeys([".jpg", ".jpeg", ".png", ".gif", ".webp"], "image"),
                     **dict.fromkeys([".pdf", ".txt", ".csv", ".docx", ".xlsx"], "document")}


            class NotAFile(ValueError):
                """A key or size that cannot be catalogued."""


            def catalog_entry(bucket, key, size):
                if key.endswith("/"):
                    raise NotAFile(f"{key} is a folder marker")
                if size < 0:
                    raise NotAFile(f"negative size {size}")
                extension = os.path.splitext(os.path.basename(key))[1].lower()
                return dict(object_key=key, bucket=bucket, size_bytes=size, kind=KINDS.get(extension, "other"))
            ''',
        )
        .replace(
            APP_CELL,
            '''
            %%writefile {PROJECT}/app.py
            import os
            from urllib.parse import unquote_plus

            import boto3

            from catalog import catalog_entry

            dynamodb = boto3.client("dynamodb")


            def to_item(entry):
                return {name: {"N": str(value)} if isinstance(value, int) else {"S": value} for name, value in entry.items()}


            def entries_of(event):
                try:
                    records = event["Records"]
                    assert isinstance(records, list) and records
                    return [catalog_entry(r["s3"]["bucket"]["name"], unquote_plus(r["s3"]["object"]["key"]),
                                          r["s3"]["object"]["size"]) for r in records]
                except (KeyError, TypeError, AssertionError) as problem:
                    raise ValueError(f"not an S3 event ({problem!r})") from None


            def handler(event, context):
                try:
                    entries = entries_of(event)
                except ValueError as problem:
                    print(f"ERROR: dropped a poison event: {problem}")
                    return None
                for entry in entries:
                    dynamodb.put_item(TableName=os.environ["TABLE_NAME"], Item=to_item(entry))
                return {"indexed": [entry["object_key"] for entry in entries]}
            ''',
        )
    )
    result = other_way.grade(tmp_path, f"{LAB}-other-way")
    assert statuses(result) == ALL_PASSED, result["steps"]


def test_everything_in_fewer_cells_without_check_cells_and_cleaned_up_passes(tmp_path):
    """Full marks for a notebook without its check cells, whose table, function and role are deleted at the end?"""
    terse = Submission(LAB)
    for step in ALL_PASSED:
        terse.drop(f'checks.step("02-handlers", "{step}")')
    terse.drop('checks.run("02-handlers")')
    terse.append(
        """
        lam.delete_function(FunctionName="upload-indexer")
        dynamodb.delete_table(TableName="upload-catalog")
        iam.delete_role_policy(RoleName="upload-indexer-role", PolicyName="write-logs-and-catalog")
        iam.delete_role(RoleName="upload-indexer-role")
        """
    )
    result = terse.grade(tmp_path, f"{LAB}-terse")
    assert statuses(result) == ALL_PASSED, result["steps"]
