"""Lab 01's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import base64
import functools
import json

import pytest

from workbook import checks, lambda_logs
from workbook.deploy import LAMBDA_TRUST_POLICY, zip_code

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "01-serverless-concepts"
check = functools.partial(check_step, LAB)
WRITE_LOGS = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"},
    ],
}
GREETER = """
def lambda_handler(event, context):
    return {"message": f"Hello, {event['name']}!"}
"""






def make_role(sb, trust=LAMBDA_TRUST_POLICY, permissions=WRITE_LOGS):
    iam = sb.client("iam")
    role = iam.create_role(RoleName="hello-lambda-role", AssumeRolePolicyDocument=json.dumps(trust))["Role"]
    if permissions:
        policy = json.dumps(permissions)
        iam.put_role_policy(RoleName="hello-lambda-role", PolicyName="logs", PolicyDocument=policy)
    return role["Arn"]


def deploy(sb, source=GREETER, handler="lambda_function.lambda_handler", runtime="python3.12"):
    role_arn = make_role(sb)
    sb.client("lambda").create_function(
        FunctionName="hello-lambda",
        Runtime=runtime,
        Role=role_arn,
        Handler=handler,
        Code={"ZipFile": zip_code({"lambda_function.py": source})},
    )


def invoke(sb) -> dict:
    return sb.client("lambda").invoke(FunctionName="hello-lambda", Payload=b'{"name": "Ada"}', LogType="Tail")


def invoke_with_tail(sb) -> str:
    return base64.b64decode(invoke(sb)["LogResult"]).decode()


# role


def test_role_is_not_attempted_before_the_role_exists(sb):
    """Does the role step say "not done yet" on a fresh sandbox?"""
    outcome = check("role")
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "hello-lambda-role" in outcome.feedback


def test_role_fails_when_lambda_may_not_assume_it(sb):
    """Does a role trusting EC2 instead of Lambda fail, naming the missing principal?"""
    trust_ec2 = json.loads(json.dumps(LAMBDA_TRUST_POLICY).replace("lambda.amazonaws.com", "ec2.amazonaws.com"))
    make_role(sb, trust=trust_ec2)
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "lambda.amazonaws.com" in outcome.feedback


def test_role_fails_when_it_may_not_write_logs(sb):
    """Does a role without a logs permission fail, saying which actions to allow?"""
    make_role(sb, permissions=None)
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "logs:PutLogEvents" in outcome.feedback


def test_role_passes_with_lambda_trust_and_an_inline_logs_policy(sb):
    """Does the role from the solution pass?"""
    make_role(sb)
    assert check("role").status is checks.Status.PASSED


def test_role_passes_with_an_attached_managed_policy(sb):
    """Is an attached customer-managed policy as good as an inline one?"""
    make_role(sb, permissions=None)
    iam = sb.client("iam")
    policy = iam.create_policy(PolicyName="write-logs", PolicyDocument=json.dumps(WRITE_LOGS))["Policy"]
    iam.attach_role_policy(RoleName="hello-lambda-role", PolicyArn=policy["Arn"])
    assert check("role").status is checks.Status.PASSED


# deploy


def test_deploy_is_not_attempted_before_the_function_exists(sb):
    """Does the deploy step say "not done yet" when there is no hello-lambda?"""
    outcome = check("deploy")
    assert outcome.status is checks.Status.NOT_ATTEMPTED
    assert "hello-lambda" in outcome.feedback


def test_deploy_fails_when_the_handler_returns_none(sb):
    """Does a handler that returns nothing fail with "your handler returned None" and what was asked?"""
    deploy(sb, source="def lambda_handler(event, context):\n    print(event)\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "returned None" in outcome.feedback and "Hello, Checker!" in outcome.feedback


def test_deploy_fails_when_the_greeting_is_hard_coded(sb):
    """Does a handler that always greets Ada fail, showing what it returned?"""
    deploy(sb, source="def lambda_handler(event, context):\n    return {'message': 'Hello, Ada!'}\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "Hello, Ada!" in outcome.feedback


def test_deploy_fails_when_the_handler_setting_names_a_missing_file(sb):
    """Does a Handler pointing at a file that is not in the zip fail with the import error explained?"""
    deploy(sb, handler="app.lambda_handler")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "app.py" in outcome.feedback


def test_a_handler_with_a_syntax_error_is_named_with_how_to_redeploy(sb):
    """Does a handler that cannot be imported fail with the syntax error and the update_function_code fix?"""
    deploy(sb, source="def lambda_handler(event, context)\n    return 1\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "UserCodeSyntaxError" in outcome.feedback and "update_function_code" in outcome.feedback


def test_a_handler_that_raises_points_at_the_log_and_the_redeploy(sb):
    """Does a handler that raises KeyError fail naming the error, the log tail and how to redeploy?"""
    deploy(sb, source="def lambda_handler(event, context):\n    return {'message': event['nom']}\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "KeyError" in outcome.feedback and "LogType='Tail'" in outcome.feedback
    assert "update_function_code" in outcome.feedback


def test_deploy_fails_on_a_runtime_other_than_python(sb):
    """Does a Node.js function fail before it is invoked?"""
    deploy(sb, runtime="nodejs20.x", handler="index.handler")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "nodejs20.x" in outcome.feedback


def test_deploy_passes_when_the_function_greets_any_name(sb):
    """Does the solution's function pass?"""
    deploy(sb)
    outcome = check("deploy")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# invoke


def test_invoke_is_not_attempted_without_a_log(sb):
    """Does passing None (the starter's value) say "not done yet"?"""
    assert check("invoke", None).status is checks.Status.NOT_ATTEMPTED


def test_invoke_fails_when_the_log_is_still_base64(sb):
    """Does passing the raw LogResult fail with advice to decode it?"""
    deploy(sb)
    outcome = check("invoke", invoke(sb)["LogResult"])
    assert outcome.status is checks.Status.FAILED
    assert "base64" in outcome.feedback


def test_invoke_fails_when_given_the_payload_instead_of_the_log(sb):
    """Does passing the function's result instead of its log fail, naming the missing lines?"""
    deploy(sb)
    invoke_with_tail(sb)
    outcome = check("invoke", '{"message": "Hello, Ada!"}')
    assert outcome.status is checks.Status.FAILED
    assert "START" in outcome.feedback and "REPORT" in outcome.feedback


def test_invoke_fails_for_a_log_that_is_not_in_cloudwatch(sb):
    """Does a made-up log (request id unknown to CloudWatch Logs) fail?"""
    deploy(sb)
    invoke_with_tail(sb)
    made_up = "00000000-0000-4000-8000-000000000000"
    fake = f"START RequestId: {made_up} Version: $LATEST\nEND RequestId: {made_up}\n"
    fake += f"REPORT RequestId: {made_up}\tDuration: 1.00 ms\t"
    outcome = check("invoke", fake)
    assert outcome.status is checks.Status.FAILED
    assert made_up in outcome.feedback


def test_invoke_passes_with_the_decoded_log_tail(sb):
    """Does the decoded LogResult of a real invocation pass?"""
    deploy(sb)
    outcome = check("invoke", invoke_with_tail(sb))
    assert outcome.status is checks.Status.PASSED, outcome.feedback


# report


def real_report(sb) -> dict:
    deploy(sb)
    log = invoke_with_tail(sb)
    return lambda_logs.parse_report(lambda_logs.platform_lines(log, "REPORT")[0])


def test_report_is_not_attempted_without_a_dict(sb):
    """Does passing None (the starter's value) say "not done yet"?"""
    assert check("report", None).status is checks.Status.NOT_ATTEMPTED


def test_report_fails_when_given_the_line_instead_of_a_dict(sb):
    """Does passing the REPORT line itself fail, asking for a dict?"""
    outcome = check("report", "REPORT RequestId: x\tDuration: 1.00 ms")
    assert outcome.status is checks.Status.FAILED
    assert "dict" in outcome.feedback


def test_report_fails_when_fields_are_missing(sb):
    """Does a dict without Max Memory Used fail, naming the missing key?"""
    report = real_report(sb)
    del report["Max Memory Used"]
    outcome = check("report", report)
    assert outcome.status is checks.Status.FAILED
    assert "Max Memory Used" in outcome.feedback


def test_report_fails_when_values_keep_their_unit(sb):
    """Does "1.23 ms" (text with a unit) instead of 1.23 fail with advice to store the number?"""
    report = real_report(sb)
    report["Duration"] = f"{report['Duration']} ms"
    outcome = check("report", report)
    assert outcome.status is checks.Status.FAILED
    assert "number" in outcome.feedback


def test_report_fails_when_a_number_differs_from_cloudwatch(sb):
    """Does a Billed Duration off by one fail, showing the value in the REPORT line?"""
    report = real_report(sb)
    report["Billed Duration"] += 1
    outcome = check("report", report)
    assert outcome.status is checks.Status.FAILED
    assert "Billed Duration" in outcome.feedback


def test_report_fails_for_an_unknown_request_id(sb):
    """Does a dict whose RequestId no invocation had fail?"""
    report = real_report(sb)
    report["RequestId"] = "00000000-0000-4000-8000-000000000000"
    outcome = check("report", report)
    assert outcome.status is checks.Status.FAILED
    assert "RequestId" in outcome.feedback


def test_report_passes_when_the_numbers_match_cloudwatch(sb):
    """Does the parsed REPORT line of a real invocation pass?"""
    outcome = check("report", real_report(sb))
    assert outcome.status is checks.Status.PASSED, outcome.feedback


def test_the_whole_lab_passes_after_the_solution_steps(sb):
    """After every step is done, does checks.results report a full score?"""
    deploy(sb)
    log = invoke_with_tail(sb)
    checks.step(LAB, "invoke").check(log)
    checks.step(LAB, "report").check(lambda_logs.parse_report(lambda_logs.platform_lines(log, "REPORT")[0]))
    report = checks.results(LAB)
    assert report.score == 1.0, str(report)
    assert "self-check passed" in report.summary
