"""Lab 06 · least privilege from the access log, S3 → Lambda with a conditioned permission, a partner account.

The contract the lab text gives the learner:

- ``receipts`` (role ``receipts-role``) reads a JSON receipt uploaded under ``incoming/`` in the bucket
  ``receipts-inbox`` and puts an item into the table ``receipts``. Its role must allow exactly that (plus writing
  its logs): ``s3:GetObject`` on the objects under ``incoming/``, ``dynamodb:PutItem`` on the table; the broad
  managed policies go. The check asks the sandbox's own policy engine about the role's policies, both ways, and
  runs the function on a fresh receipt.
- the function's resource-based policy lets ``s3.amazonaws.com`` invoke it for this bucket in this account only
  (``SourceArn`` and ``SourceAccount``): the check evaluates every statement naming S3 for the right source and for
  another bucket and another account.
- the partner account ``210987654321`` may invoke the alias ``live`` and nothing else of ``receipts``.
"""

from __future__ import annotations

import json

from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.iam_policies import Grant, missing
from workbook.iam import policy as engine
from workbook.iam.conditions import conditions_hold
from workbook.iam.principals import names_caller
from workbook.lambda_runtime.cross_account import invoke_decision

FUNCTION = "receipts"
ROLE = "receipts-role"
BUCKET = "receipts-inbox"
TABLE = "receipts"
PREFIX = "incoming/"
PARTNER = "210987654321"
ALIAS = "live"
BROAD = ("AmazonS3FullAccess", "AmazonDynamoDBFullAccess")

lab = Lab("06-permissions", "Lab 06 · Only what it needs, only who should call it")


def s3_event(key: str) -> dict:
    """The S3 notification event for one uploaded object (what S3 sends to the function)."""
    return {
        "Records": [
            {
                "eventSource": "aws:s3",
                "eventName": "ObjectCreated:Put",
                "s3": {"bucket": {"name": BUCKET, "arn": f"arn:aws:s3:::{BUCKET}"}, "object": {"key": key}},
            }
        ]
    }


def _function_arn(aws) -> str:
    return f"arn:aws:lambda:{aws.region}:{aws.account_id}:function:{FUNCTION}"


# ------------------------------------------------------------------------------------------------ least privilege


@lab.step(
    "least-privilege",
    f"{ROLE} allows only what {FUNCTION} used",
    watches=(f"lambda:{FUNCTION}", f"iam-role:{ROLE}"),
    hints=[
        f"Read what the function called: `sb.access_log('{FUNCTION}')`. Every row is one call, with its action and "
        "resource.",
        "`least_privilege_policy(log)` writes those calls as a policy, one statement per resource. The object keys in "
        f"it are the ones the sample run used: generalise them to every object under `{PREFIX}` "
        f"(`arn:aws:s3:::{BUCKET}/{PREFIX}*`), or the next receipt is refused.",
        f"Put the policy on the role with `iam.put_role_policy(RoleName='{ROLE}', PolicyName=..., PolicyDocument=...)` "
        "and detach the two full-access managed policies with `iam.detach_role_policy`. Keep "
        "AWSLambdaBasicExecutionRole: the function must still write its logs.",
    ],
    solution=f'''
log = sb.access_log("{FUNCTION}")
used = log[log.allowed].copy()
used["resource"] = used["resource"].str.replace(r"/{PREFIX}.*$", "/{PREFIX}*", regex=True)  # every receipt
generated = least_privilege_policy(used)
iam.put_role_policy(RoleName="{ROLE}", PolicyName="used", PolicyDocument=json.dumps(generated))
for name in {BROAD!r}:
    iam.detach_role_policy(RoleName="{ROLE}", PolicyArn=f"arn:aws:iam::aws:policy/{{name}}")
''',
)
def least_privilege(aws):
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    iam = aws.client("iam")
    attached = [p["PolicyName"] for p in iam.list_attached_role_policies(RoleName=ROLE)["AttachedPolicies"]]
    if all(name in attached for name in BROAD) and not iam.list_role_policies(RoleName=ROLE)["PolicyNames"]:
        raise NotAttempted(f"{ROLE} still has {BROAD[0]} and {BROAD[1]} and no policy of its own")
    documents = aws.role_policies(ROLE)
    fresh = aws.fresh
    key = f"{PREFIX}{fresh.name('r-')}.json"
    object_arn = f"arn:aws:s3:::{BUCKET}/{key}"
    table_arn = f"arn:aws:dynamodb:{aws.region}:{aws.account_id}:table/{TABLE}"
    needs = [
        *aws.log_writing(FUNCTION),
        Grant(("s3:GetObject",), object_arn),
        Grant(("dynamodb:PutItem",), table_arn),
    ]
    lacking = missing(documents, needs)
    if lacking:
        raise Failed(
            f"{ROLE} may not do everything {FUNCTION} needs: allow {'; '.join(g.describe() for g in lacking)}. "
            f"A policy listing the exact keys of the sample run refuses the next receipt: use {PREFIX}* for the objects."
        )
    too_much = [
        f"{action} on {resource}"
        for action, resource in _probes(aws, fresh, table_arn)
        if engine.evaluate(documents, action, resource).effect == engine.ALLOW
    ]
    if too_much:
        raise Failed(
            f"{ROLE} allows more than {FUNCTION} used, for example {'; '.join(too_much[:3])}. Least privilege: "
            f"s3:GetObject on {BUCKET}/{PREFIX}* and dynamodb:PutItem on {TABLE} (plus writing logs), nothing else; "
            "detach the full-access policies."
        )
    total = fresh.randint(100, 99_999)
    aws.client("s3").put_object(Bucket=BUCKET, Key=key, Body=json.dumps({"total_cents": total}).encode())
    result = aws.invoke(FUNCTION, s3_event(key))
    if result.function_error:
        raise Failed(
            f"with the new role {FUNCTION} fails on a receipt uploaded as {key}: {result.error_summary}."
        )
    item = aws.client("dynamodb").get_item(TableName=TABLE, Key={"id": {"S": key}}).get("Item")
    if not item or item.get("total_cents", {}).get("N") != str(total):
        raise Failed(f"{FUNCTION} ran for {key} but stored no item with total_cents {total} in {TABLE}.")
    return f"{ROLE} allows reading receipts under {PREFIX} and storing them in {TABLE}, and nothing more"


def _probes(aws, fresh, table_arn: str) -> list[tuple[str, str]]:
    """Requests the function never makes: a least-privilege role refuses every one."""
    other = fresh.name("other-")
    return [
        ("s3:GetObject", f"arn:aws:s3:::{other}/{PREFIX}x.json"),
        ("s3:GetObject", f"arn:aws:s3:::{BUCKET}/private/{other}.json"),
        ("s3:PutObject", f"arn:aws:s3:::{BUCKET}/{PREFIX}{other}.json"),
        ("s3:DeleteObject", f"arn:aws:s3:::{BUCKET}/{PREFIX}{other}.json"),
        ("s3:ListBucket", f"arn:aws:s3:::{BUCKET}"),
        ("dynamodb:DeleteItem", table_arn),
        ("dynamodb:Scan", table_arn),
        ("dynamodb:PutItem", f"{table_arn.rsplit('/', 1)[0]}/{other}"),
        ("sqs:SendMessage", f"arn:aws:sqs:{aws.region}:{aws.account_id}:{other}"),
        ("iam:PassRole", f"arn:aws:iam::{aws.account_id}:role/{other}"),
    ]


# ------------------------------------------------------------------------------------------------ S3 permission


def _function_policy(aws, qualifier: str | None = None) -> dict | None:
    lam = aws.client("lambda")
    extra = {"Qualifier": qualifier} if qualifier else {}
    try:
        return json.loads(lam.get_policy(FunctionName=FUNCTION, **extra)["Policy"])
    except lam.exceptions.ResourceNotFoundException:
        return None


def _s3_may_invoke(statements: list[dict], function_arn: str, source_arn: str, account: str) -> bool:
    context = {"aws:SourceArn": source_arn, "aws:SourceAccount": account}
    allowed = False
    for statement in statements:
        if not engine.statement_applies(statement, "lambda:InvokeFunction", function_arn, None):
            continue
        if not conditions_hold(statement.get("Condition"), context):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = allowed or statement.get("Effect") == "Allow"
    return allowed


@lab.step(
    "s3-permission",
    f"S3 may invoke {FUNCTION} for {BUCKET} in this account only",
    hints=[
        "`lam.add_permission` adds one statement to the function's resource-based policy: FunctionName, a "
        "StatementId of your choice, Action 'lambda:InvokeFunction' and Principal 's3.amazonaws.com'.",
        "Without conditions, any bucket in any account could make S3 invoke your function (the confused deputy). "
        f"SourceArn='arn:aws:s3:::{BUCKET}' names the bucket; SourceAccount=sb.account_id the account that owns it.",
        "A statement you got wrong stays until you remove it: `lam.remove_permission(FunctionName=..., "
        "StatementId=...)`. Read the result with `lam.get_policy(FunctionName=...)`.",
    ],
    solution=f'''
lam.add_permission(FunctionName="{FUNCTION}", StatementId="s3-receipts-inbox", Action="lambda:InvokeFunction",
                   Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::{BUCKET}", SourceAccount=sb.account_id)
json.loads(lam.get_policy(FunctionName="{FUNCTION}")["Policy"])["Statement"]
''',
)
def s3_permission(aws):
    aws.function(FUNCTION)
    policy = _function_policy(aws)
    function_arn = _function_arn(aws)
    statements = [
        s
        for s in (policy or {}).get("Statement", [])
        if names_caller(s.get("Principal"), service="s3.amazonaws.com")
    ]
    if not statements:
        raise NotAttempted(f"{FUNCTION}'s resource-based policy has no statement for s3.amazonaws.com yet")
    bucket_arn = f"arn:aws:s3:::{BUCKET}"
    if not _s3_may_invoke(statements, function_arn, bucket_arn, aws.account_id):
        raise Failed(
            f"S3 may not invoke {FUNCTION} for {BUCKET}: a statement needs Action lambda:InvokeFunction on the "
            f"function, Principal s3.amazonaws.com, SourceArn {bucket_arn} and SourceAccount {aws.account_id}."
        )
    fresh = aws.fresh
    stranger_account = str(fresh.randint(100_000_000_000, 999_999_999_999))
    for stranger_bucket in (
        f"arn:aws:s3:::{fresh.name('attacker-')}",
        f"arn:aws:s3:::{BUCKET}-{fresh.token()}",
    ):
        if _s3_may_invoke(statements, function_arn, stranger_bucket, aws.account_id):
            raise Failed(
                f"S3 may invoke {FUNCTION} for other buckets, {stranger_bucket.split(':::')[1]} included: give "
                f"exactly SourceArn={bucket_arn!r} (remove_permission the old statement, then add_permission again)."
            )
    if _s3_may_invoke(statements, function_arn, bucket_arn, stranger_account):
        raise Failed(
            f"S3 may invoke {FUNCTION} for a bucket named {BUCKET} in another account ({stranger_account}): bucket "
            f"names can be taken by anyone once deleted, so also give SourceAccount={aws.account_id!r}."
        )
    return f"S3 may invoke {FUNCTION} for {BUCKET} in account {aws.account_id}, and for no other bucket or account"


# ------------------------------------------------------------------------------------------------ partner account


@lab.step(
    "partner-alias",
    f"Account {PARTNER} may invoke {FUNCTION}:{ALIAS} and nothing else",
    hints=[
        f"Publish a version of {FUNCTION} and point an alias named {ALIAS} at it "
        "(`lam.publish_version`, `lam.create_alias`).",
        f"`lam.add_permission(..., Qualifier='{ALIAS}', Principal='{PARTNER}')` puts the statement on the alias: it "
        "lets that account invoke the alias, and neither the function itself nor another version.",
        f"Try it: `sb.client('lambda', account='{PARTNER}')` is a client in the partner's account. Invoke the "
        f"alias's full ARN from it (…:function:{FUNCTION}:{ALIAS}).",
    ],
    solution=f'''
version = lam.publish_version(FunctionName="{FUNCTION}")["Version"]
lam.create_alias(FunctionName="{FUNCTION}", Name="{ALIAS}", FunctionVersion=version)
lam.add_permission(FunctionName="{FUNCTION}", Qualifier="{ALIAS}", StatementId="partner-live",
                   Action="lambda:InvokeFunction", Principal="{PARTNER}")
partner_lam = sb.client("lambda", account="{PARTNER}")
partner_lam.invoke(FunctionName=f"arn:aws:lambda:{{sb.region}}:{{sb.account_id}}:function:{FUNCTION}:{ALIAS}",
                   InvocationType="DryRun")["StatusCode"]
''',
)
def partner_alias(aws):
    aws.function(FUNCTION)
    lam = aws.client("lambda")
    try:
        lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    except lam.exceptions.ResourceNotFoundException:
        raise NotAttempted(f"{FUNCTION} has no alias {ALIAS!r} yet") from None
    function_arn = _function_arn(aws)
    # The alias' policy and the function's own (a statement without Qualifier lands there, as on AWS).
    statements = [s for q in (ALIAS, None) for s in (_function_policy(aws, q) or {}).get("Statement", [])]
    policy = {"Statement": statements}
    partner_root = f"arn:aws:iam::{PARTNER}:root"
    naming_partner = [
        s
        for s in policy.get("Statement", [])
        if names_caller(s.get("Principal"), account=PARTNER, arns={partner_root})
    ]
    if not naming_partner:
        raise NotAttempted(f"no statement of {FUNCTION}'s policy names account {PARTNER} yet")
    if invoke_decision(policy, PARTNER, partner_root, f"{function_arn}:{ALIAS}") != engine.ALLOW:
        raise Failed(
            f"account {PARTNER} may not invoke {FUNCTION}:{ALIAS}: add_permission with Qualifier={ALIAS!r}, "
            f"Principal={PARTNER!r} and Action 'lambda:InvokeFunction'."
        )
    version = lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)["FunctionVersion"]
    for other in (function_arn, f"{function_arn}:{version}"):
        if invoke_decision(policy, PARTNER, partner_root, other) == engine.ALLOW:
            raise Failed(
                f"account {PARTNER} may invoke {other}, not only the alias: remove that statement "
                f"(remove_permission) and add it again with Qualifier={ALIAS!r}."
            )
    stranger = str(aws.fresh.randint(100_000_000_000, 999_999_999_999))
    if (
        invoke_decision(policy, stranger, f"arn:aws:iam::{stranger}:root", f"{function_arn}:{ALIAS}")
        == engine.ALLOW
    ):
        raise Failed(
            f"any account may invoke {FUNCTION}:{ALIAS} ({stranger} too): name {PARTNER} as the Principal."
        )
    for statement in naming_partner:
        if engine.statement_applies(
            statement, "lambda:UpdateFunctionConfiguration", f"{function_arn}:{ALIAS}", None
        ):
            raise Failed(
                f"the statement for {PARTNER} allows more than lambda:InvokeFunction: "
                f"{statement.get('Action')!r}."
            )
    return f"account {PARTNER} may invoke {FUNCTION}:{ALIAS}, and neither the function itself nor another account"
