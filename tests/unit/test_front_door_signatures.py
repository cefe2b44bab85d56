"""AWS_IAM function URLs: SigV4 signatures checked for service `lambda`, and who may invoke the URL."""

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from workbook.front_doors.signatures import Signer, may_invoke_url, signer
from workbook.sandbox.isolation import ACCOUNT_ID, FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY

URL = "http://127.0.0.1:50123/items?a=1"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT_ID}:function:shop"
CONTEXT = {"lambda:FunctionUrlAuthType": "AWS_IAM", "lambda:InvokedViaFunctionUrl": "true"}


def signed_headers(secret=FAKE_SECRET_ACCESS_KEY, service="lambda", body=b"") -> dict:
    request = AWSRequest(method="POST", url=URL, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(FAKE_ACCESS_KEY_ID, secret), service, "us-east-1").add_auth(request)
    return dict(request.headers.items()) | {"Host": "127.0.0.1:50123"}


def test_the_sandbox_key_signs_as_the_account_root():
    """Is a request signed with the sandbox's own key the account's root?"""
    who = signer("POST", URL, signed_headers(body=b"{}"), b"{}", account_id=ACCOUNT_ID)
    assert who is not None and who.root and who.arn == f"arn:aws:iam::{ACCOUNT_ID}:root"


def test_a_wrong_secret_a_changed_body_or_another_service_fails():
    """Is a signature made with the wrong secret, over another body, or for another service refused?"""
    assert signer("POST", URL, signed_headers(secret="wrong"), b"", account_id=ACCOUNT_ID) is None
    assert signer("POST", URL, signed_headers(body=b"{}"), b'{"changed": 1}', account_id=ACCOUNT_ID) is None
    assert signer("POST", URL, signed_headers(service="s3"), b"", account_id=ACCOUNT_ID) is None
    assert signer("POST", URL, {"Host": "127.0.0.1:50123"}, b"", account_id=ACCOUNT_ID) is None


def test_unknown_keys_are_refused_unless_trusted():
    """Is a key nobody issued refused, and taken as the root only when told to trust unknown keys?"""
    request = AWSRequest(method="GET", url=URL, headers={})
    SigV4Auth(Credentials("AKIAUNKNOWN000000000", "x"), "lambda", "us-east-1").add_auth(request)
    headers = dict(request.headers.items()) | {"Host": "127.0.0.1:50123"}
    assert signer("GET", URL, headers, b"", account_id=ACCOUNT_ID) is None
    trusted = signer("GET", URL, headers, b"", account_id=ACCOUNT_ID, trust_unknown_keys=True)
    assert trusted is not None and trusted.root


ADA = Signer("AKIAADA", ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:user/ada", "ada")
BOTH = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": ["lambda:InvokeFunctionUrl", "lambda:InvokeFunction"],
    "Resource": FUNCTION}]}


def test_identity_policy_must_allow_both_actions():
    """Does a caller of the account need both InvokeFunctionUrl and InvokeFunction in its policies?"""
    assert not may_invoke_url(ADA, [], FUNCTION, CONTEXT)
    only_url = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "lambda:InvokeFunctionUrl", "Resource": FUNCTION}]}
    assert not may_invoke_url(ADA._replace(policies=(only_url,)), [], FUNCTION, CONTEXT)
    assert may_invoke_url(ADA._replace(policies=(BOTH,)), [], FUNCTION, CONTEXT)


def test_function_policy_can_grant_and_deny():
    """Can the function's policy grant the caller on its own, and does its explicit Deny win?"""
    grant = [{"Effect": "Allow", "Principal": {"AWS": ADA.arn}, "Action": "lambda:*", "Resource": FUNCTION}]
    assert may_invoke_url(ADA, grant, FUNCTION, CONTEXT)
    deny = [{"Effect": "Deny", "Principal": "*", "Action": "lambda:InvokeFunctionUrl", "Resource": FUNCTION}]
    assert not may_invoke_url(ADA._replace(policies=(BOTH,)), deny, FUNCTION, CONTEXT)


def test_root_of_the_account_needs_no_policy_but_another_account_needs_both():
    """Is the account's root allowed without policies, and a caller of another account only when both its
    own policies and the function's allow it?"""
    root = Signer(FAKE_ACCESS_KEY_ID, ACCOUNT_ID, f"arn:aws:iam::{ACCOUNT_ID}:root", ACCOUNT_ID, root=True)
    assert may_invoke_url(root, [], FUNCTION, CONTEXT)
    other = Signer("AKIAOTHER", "210987654321", "arn:aws:iam::210987654321:user/bob", "bob", (BOTH,))
    assert not may_invoke_url(other, [], FUNCTION, CONTEXT)
    grant = [{"Effect": "Allow", "Principal": {"AWS": "210987654321"}, "Action": "lambda:*",
              "Resource": FUNCTION}]
    assert may_invoke_url(other, grant, FUNCTION, CONTEXT)
    assert not may_invoke_url(other._replace(policies=()), grant, FUNCTION, CONTEXT)
