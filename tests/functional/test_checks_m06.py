"""Lab 06's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks
from workbook.checks.labs.m06_permissions import BUCKET, FUNCTION, PARTNER, ROLE, TABLE
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "06-permissions"
check = functools.partial(check_step, LAB)
NOT_ATTEMPTED, FAILED, PASSED = checks.Status.NOT_ATTEMPTED, checks.Status.FAILED, checks.Status.PASSED
BROAD = ["AmazonS3FullAccess", "AmazonDynamoDBFullAccess"]

APP_PY = """
import json
import urllib.parse

import boto3

s3 = boto3.client("s3")
table = boto3.resource("dynamodb").Table("receipts")


def handler(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        receipt = json.loads(s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read())
        table.put_item(Item={"id": key, "total_cents": receipt["total_cents"]})
    return {"stored": len(event["Records"])}
"""


def start_lab(sb):
    """The lab's setup cell: bucket, table, and receipts with its over-permissive role."""
    sb.client("s3").create_bucket(Bucket=BUCKET)
    sb.client("dynamodb").create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    role_arn = create_execution_role(
        sb.client("iam"), ROLE, managed=["service-role/AWSLambdaBasicExecutionRole", *BROAD]
    )
    deploy_function(sb.client("lambda"), FUNCTION, {"app.py": APP_PY}, role_arn)


def restrict(sb, *statements, detach=tuple(BROAD)):
    iam = sb.client("iam")
    iam.put_role_policy(
        RoleName=ROLE,
        PolicyName="used",
        PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}),
    )
    for name in detach:
        iam.detach_role_policy(RoleName=ROLE, PolicyArn=f"arn:aws:iam::aws:policy/{name}")


def table_arn(sb):
    return f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/{TABLE}"


READ_INCOMING = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/incoming/*"}


def put_item(sb):
    return {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": table_arn(sb)}


def test_every_step_is_not_attempted_on_the_starting_lab(sb):
    """What does the unmodified lab score? Every step not done yet."""
    start_lab(sb)
    report = checks.run(LAB)
    assert [o.status for o in report.outcomes] == [NOT_ATTEMPTED] * 3


# ------------------------------------------------------------------------------------------------ least privilege


def test_least_privilege_passes_with_the_generalised_policy(sb):
    """Does a role with GetObject on incoming/* and PutItem on the table pass? Yes, and the function still works."""
    start_lab(sb)
    restrict(sb, READ_INCOMING, put_item(sb))
    assert check("least-privilege").status is PASSED


def test_least_privilege_passes_with_the_actions_in_one_statement_per_service_written_differently(sb):
    """Does a differently written but equivalent policy (one statement, wildcards that add nothing) pass? Yes."""
    start_lab(sb)
    restrict(
        sb,
        {
            "Sid": "All",
            "Effect": "Allow",
            "Action": ["s3:GetObject", "dynamodb:PutItem"],
            "Resource": [f"arn:aws:s3:::{BUCKET}/incoming/*", table_arn(sb)],
        },
    )
    assert check("least-privilege").status is PASSED


def test_least_privilege_fails_with_the_exact_keys_of_the_sample_run(sb):
    """Does the ungeneralised generated policy (the three sample keys) pass? No: the next receipt would be refused."""
    start_lab(sb)
    restrict(
        sb,
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/incoming/r-1.json"},
        put_item(sb),
    )
    outcome = check("least-privilege")
    assert outcome.status is FAILED and "incoming/*" in outcome.feedback


def test_least_privilege_fails_while_a_full_access_policy_stays_attached(sb):
    """Does adding the narrow policy but keeping AmazonS3FullAccess pass? No: allows add up."""
    start_lab(sb)
    restrict(sb, READ_INCOMING, put_item(sb), detach=("AmazonDynamoDBFullAccess",))
    outcome = check("least-privilege")
    assert outcome.status is FAILED and "allows more than" in outcome.feedback


def test_least_privilege_fails_with_the_whole_bucket(sb):
    """Does s3:GetObject on every object of the bucket pass? No: only incoming/ holds receipts."""
    start_lab(sb)
    restrict(sb, {**READ_INCOMING, "Resource": f"arn:aws:s3:::{BUCKET}/*"}, put_item(sb))
    outcome = check("least-privilege")
    assert outcome.status is FAILED and "private/" in outcome.feedback


# ------------------------------------------------------------------------------------------------ S3 permission


def add_s3(sb, **extra):
    sb.client("lambda").add_permission(
        FunctionName=FUNCTION,
        StatementId="s3",
        Action="lambda:InvokeFunction",
        Principal="s3.amazonaws.com",
        **extra,
    )


def test_s3_permission_passes_with_source_arn_and_account(sb):
    """Does a permission pinned by SourceArn and SourceAccount pass? Yes."""
    start_lab(sb)
    add_s3(sb, SourceArn=f"arn:aws:s3:::{BUCKET}", SourceAccount=sb.account_id)
    assert check("s3-permission").status is PASSED


def test_s3_permission_passes_with_the_arn_written_with_wildcard_region_and_account(sb):
    """Does SourceArn arn:aws:s3:*:*:<bucket> (the same bucket, spelt differently) pass? Yes."""
    start_lab(sb)
    add_s3(sb, SourceArn=f"arn:aws:s3:*:*:{BUCKET}", SourceAccount=sb.account_id)
    assert check("s3-permission").status is PASSED


def test_s3_permission_fails_with_a_wildcard_after_the_bucket_name(sb):
    """Does SourceArn <bucket>* pass? No: it also admits a bucket named <bucket>-anything."""
    start_lab(sb)
    add_s3(sb, SourceArn=f"arn:aws:s3:::{BUCKET}*", SourceAccount=sb.account_id)
    outcome = check("s3-permission")
    assert outcome.status is FAILED and f"{BUCKET}-" in outcome.feedback


def test_s3_permission_fails_without_source_arn(sb):
    """Does a permission with SourceAccount only pass? No: any bucket of the account could invoke."""
    start_lab(sb)
    add_s3(sb, SourceAccount=sb.account_id)
    outcome = check("s3-permission")
    assert outcome.status is FAILED and "other buckets" in outcome.feedback


def test_s3_permission_fails_without_source_account(sb):
    """Does a permission with SourceArn only pass? No: the same bucket name in another account could invoke."""
    start_lab(sb)
    add_s3(sb, SourceArn=f"arn:aws:s3:::{BUCKET}")
    outcome = check("s3-permission")
    assert outcome.status is FAILED and "SourceAccount" in outcome.feedback


# ------------------------------------------------------------------------------------------------ partner alias


def publish_live(sb):
    lam = sb.client("lambda")
    version = lam.publish_version(FunctionName=FUNCTION)["Version"]
    lam.create_alias(FunctionName=FUNCTION, Name="live", FunctionVersion=version)


def test_partner_alias_passes_with_a_permission_on_the_alias(sb):
    """Does a permission for the partner on the alias pass, and does the partner really get in? Yes."""
    start_lab(sb)
    publish_live(sb)
    sb.client("lambda").add_permission(
        FunctionName=FUNCTION,
        Qualifier="live",
        StatementId="p",
        Action="lambda:InvokeFunction",
        Principal=PARTNER,
    )
    assert check("partner-alias").status is PASSED
    alias_arn = f"arn:aws:lambda:{sb.region}:{sb.account_id}:function:{FUNCTION}:live"
    assert (
        sb.client("lambda", account=PARTNER).invoke(FunctionName=alias_arn, InvocationType="DryRun")[
            "StatusCode"
        ]
        == 204
    )


def test_partner_alias_passes_with_the_root_arn_as_principal(sb):
    """Does naming the partner by its root ARN instead of its id pass? Yes."""
    start_lab(sb)
    publish_live(sb)
    sb.client("lambda").add_permission(
        FunctionName=FUNCTION,
        Qualifier="live",
        StatementId="p",
        Action="lambda:InvokeFunction",
        Principal=f"arn:aws:iam::{PARTNER}:root",
    )
    assert check("partner-alias").status is PASSED


def test_partner_alias_fails_with_a_permission_on_the_whole_function(sb):
    """Does a permission without Qualifier pass? No: it opens the unqualified function, not the alias."""
    start_lab(sb)
    publish_live(sb)
    sb.client("lambda").add_permission(
        FunctionName=FUNCTION, StatementId="p", Action="lambda:InvokeFunction", Principal=PARTNER
    )
    outcome = check("partner-alias")
    assert outcome.status is FAILED and "Qualifier" in outcome.feedback


def test_partner_alias_fails_with_every_lambda_action(sb):
    """Does allowing the partner lambda:* on the alias pass? No: it may invoke, nothing more."""
    start_lab(sb)
    publish_live(sb)
    sb.client("lambda").add_permission(
        FunctionName=FUNCTION, Qualifier="live", StatementId="p", Action="lambda:*", Principal=PARTNER
    )
    outcome = check("partner-alias")
    assert outcome.status is FAILED and "more than lambda:InvokeFunction" in outcome.feedback
