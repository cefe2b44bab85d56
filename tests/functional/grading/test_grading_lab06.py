"""Lab 06 graded as an instructor would: the policy generated from the log and left unreviewed, and a hand-written one."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "06-permissions"
ALL_PASSED = {"least-privilege": "passed", "s3-permission": "passed", "partner-alias": "passed"}
POLICY_CELL = "generated = least_privilege_policy(used)"
GENERALISE = 'used["resource"] = used["resource"].str.replace(r"/incoming/.*$", "/incoming/*", regex=True)'


# Another way to write it: no access log, the policy typed by hand, one statement per service.
BY_HAND = """
policy = {"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadReceipts", "Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{BUCKET}/incoming/*"},
    {"Sid": "StoreReceipts", "Effect": "Allow", "Action": ["dynamodb:PutItem"],
     "Resource": f"arn:aws:dynamodb:{sb.region}:{sb.account_id}:table/{TABLE_NAME}"},
]}
iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="receipts", PolicyDocument=json.dumps(policy))
for attached in iam.list_attached_role_policies(RoleName=ROLE_NAME)["AttachedPolicies"]:
    if attached["PolicyName"] != "AWSLambdaBasicExecutionRole":
        iam.detach_role_policy(RoleName=ROLE_NAME, PolicyArn=attached["PolicyArn"])
"""


def test_the_generated_policy_left_unreviewed_fails_only_least_privilege(tmp_path):
    """Does attaching the generated policy with the sample run's exact keys fail step 1, and only step 1?"""
    submission = Submission(LAB).edit(POLICY_CELL, GENERALISE, "")
    result = submission.grade(tmp_path, f"{LAB}-unreviewed")
    assert statuses(result) == {**ALL_PASSED, "least-privilege": "failed"}, result["steps"]
    assert "incoming/*" in feedback(result, "least-privilege")


def test_a_hand_written_policy_passes(tmp_path):
    """Full marks for a policy written by hand, with the broad policies detached in a loop?"""
    result = Submission(LAB).replace(POLICY_CELL, BY_HAND).grade(tmp_path, f"{LAB}-by-hand")
    assert statuses(result) == ALL_PASSED, result["steps"]
