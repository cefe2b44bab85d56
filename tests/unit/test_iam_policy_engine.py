"""Identity-policy evaluation with conditions and permissions boundaries (workbook.iam.policy)."""

from __future__ import annotations

from workbook.iam.policy import ALLOW, DENY, IMPLICIT_DENY, Policy, evaluate

BUCKET_OBJECT = "arn:aws:s3:::orders/2026/1.json"


def allow(action, resource="*", **extra):
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action, resource="*", **extra):
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def test_nothing_allows_means_implicit_deny_with_no_statement():
    """Which statement decides when no policy allows the request? None: it is an implicit deny."""
    assert evaluate([Policy("p", doc(allow("sqs:*")))], "s3:GetObject", BUCKET_OBJECT, {}) == (
        IMPLICIT_DENY,
        None,
        False,
    )


def test_the_deciding_statement_is_named_by_sid_or_index():
    """How is the statement that allowed a call named? policy name/Sid, or policy name/index without a Sid."""
    policies = [
        Policy("read", doc(allow("sqs:*"), allow("s3:GetObject", "arn:aws:s3:::orders/*", Sid="ReadOrders")))
    ]
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {}).statement == "read/ReadOrders"
    assert evaluate(policies, "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q", {}).statement == "read/0"


def test_an_explicit_deny_in_any_policy_overrides_every_allow():
    """Does a Deny in a second policy beat an Allow in the first? Yes, and the Deny is the statement named."""
    policies = [
        Policy("admin", doc(allow("*"))),
        Policy("guard", doc(deny("s3:DeleteObject", Sid="NoDeletes"))),
    ]
    decision = evaluate(policies, "s3:DeleteObject", BUCKET_OBJECT, {})
    assert decision.effect == DENY and decision.statement == "guard/NoDeletes"


def test_a_deny_with_a_condition_applies_only_when_the_condition_holds():
    """Does the documented "deny unless HTTPS" statement deny a plain-HTTP request only? Yes."""
    policies = [
        Policy("p", doc(allow("s3:*"), deny("s3:*", Condition={"Bool": {"aws:SecureTransport": "false"}})))
    ]
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {"aws:SecureTransport": "false"}).effect == DENY
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {"aws:SecureTransport": "true"}).effect == ALLOW


def test_an_allow_whose_condition_fails_allows_nothing():
    """Does an Allow limited to a source IP range allow a request from elsewhere? No."""
    policies = [
        Policy("p", doc(allow("s3:GetObject", Condition={"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}})))
    ]
    assert (
        evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {"aws:SourceIp": "127.0.0.1"}).effect
        == IMPLICIT_DENY
    )
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {"aws:SourceIp": "203.0.113.9"}).effect == ALLOW


def test_without_a_request_context_conditions_are_taken_as_holding():
    """What does a service-side check (no request context) make of a condition? It takes it as holding."""
    policies = [
        Policy("p", doc(allow("sqs:ReceiveMessage", Condition={"Bool": {"aws:SecureTransport": "true"}})))
    ]
    assert evaluate(policies, "sqs:ReceiveMessage", None).effect == ALLOW


def test_not_action_and_not_resource():
    """Do NotAction and NotResource match everything except what they list? Yes."""
    policies = [
        Policy("p", doc({"Effect": "Allow", "NotAction": "iam:*", "NotResource": "arn:aws:s3:::secret/*"}))
    ]
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {}).effect == ALLOW
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::secret/k", {}).effect == IMPLICIT_DENY
    assert evaluate(policies, "iam:ListRoles", "*", {}).effect == IMPLICIT_DENY


def test_actions_match_case_insensitively_resources_case_sensitively():
    """Is S3:getobject the same action as s3:GetObject, and Orders the same bucket as orders? Yes, and no."""
    policies = [Policy("p", doc(allow("S3:getobject", "arn:aws:s3:::orders/*")))]
    assert evaluate(policies, "s3:GetObject", BUCKET_OBJECT, {}).effect == ALLOW
    assert evaluate(policies, "s3:GetObject", "arn:aws:s3:::Orders/1.json", {}).effect == IMPLICIT_DENY


def test_a_boundary_caps_what_the_identity_policy_grants():
    """With s3:* granted and a boundary allowing only s3:GetObject, is PutObject allowed? No, by the boundary."""
    identity = [Policy("role-policy", doc(allow("s3:*")))]
    boundary = [Policy("boundary", doc(allow("s3:GetObject")))]
    assert evaluate(identity, "s3:GetObject", BUCKET_OBJECT, {}, boundary).effect == ALLOW
    decision = evaluate(identity, "s3:PutObject", BUCKET_OBJECT, {}, boundary)
    assert decision.effect == IMPLICIT_DENY and decision.by_boundary


def test_a_boundary_grants_nothing_by_itself():
    """Does a boundary allowing s3:* let a role with no identity policy read S3? No."""
    decision = evaluate([], "s3:GetObject", BUCKET_OBJECT, {}, [Policy("boundary", doc(allow("s3:*")))])
    assert decision.effect == IMPLICIT_DENY and not decision.by_boundary


def test_an_explicit_deny_in_a_boundary_denies():
    """Does a Deny in the boundary refuse what the identity policy allows? Yes, and it says so."""
    boundary = [Policy("boundary", doc(allow("*"), deny("s3:DeleteObject", Sid="Keep")))]
    decision = evaluate([Policy("p", doc(allow("s3:*")))], "s3:DeleteObject", BUCKET_OBJECT, {}, boundary)
    assert decision == (DENY, "boundary/Keep", True)


def test_bare_documents_get_numbered_names():
    """What name does a document passed without one get? policy-1, policy-2, … in order."""
    assert (
        evaluate([doc(allow("sqs:*")), doc(allow("s3:*"))], "s3:GetObject", BUCKET_OBJECT, {}).statement
        == "policy-2/0"
    )
