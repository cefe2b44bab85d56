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


def test_role_fails_when_the_trust_policy_also_admits_another_service(sb):
    """Does a trust policy for Lambda *and* EC2 fail, naming the principal that should not be there?"""
    trust = json.loads(json.dumps(LAMBDA_TRUST_POLICY))
    trust["Statement"][0]["Principal"]["Service"] = ["lambda.amazonaws.com", "ec2.amazonaws.com"]
    make_role(sb, trust=trust)
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "ec2.amazonaws.com" in outcome.feedback and "update_assume_role_policy" in outcome.feedback


def test_role_fails_when_anyone_may_assume_it(sb):
    """Does an extra statement letting any AWS principal assume the role fail?"""
    trust = json.loads(json.dumps(LAMBDA_TRUST_POLICY))
    trust["Statement"].append({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"})
    make_role(sb, trust=trust)
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "any AWS principal" in outcome.feedback


@pytest.mark.parametrize(
    "statement, named",
    [
        ({"Effect": "Allow", "Action": "logs:*", "Resource": "*"}, "logs:*"),
        ({"Effect": "Allow", "Action": "*", "Resource": "*"}, "'*'"),
        ({"Effect": "Allow", "Action": ["logs:PutLogEvents", "s3:GetObject"], "Resource": "*"}, "s3:GetObject"),
        ({"Effect": "Allow", "Action": ["logs:Create*", "logs:PutLogEvents"], "Resource": "*"}, "logs:Create*"),
    ],
    ids=["logs-star", "everything", "extra-action", "wildcard-beyond"],
)
def test_role_fails_when_it_allows_more_than_writing_logs(sb, statement, named):
    """Does a role that may do more than write logs fail, naming what it allows beyond that?"""
    make_role(sb, permissions={"Version": "2012-10-17", "Statement": [statement]})
    outcome = check("role")
    assert outcome.status is checks.Status.FAILED
    assert "more than" in outcome.feedback and named.strip("'") in outcome.feedback


def test_role_passes_with_logs_scoped_to_the_functions_log_group(sb):
    """Is a logs permission scoped to /aws/lambda/hello-lambda as good as one on '*'?"""
    scoped = {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
              "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/hello-lambda:*"}  # fmt: skip
    make_role(sb, permissions={"Version": "2012-10-17", "Statement": [scoped]})
    assert check("role").status is checks.Status.PASSED


def test_role_passes_with_the_aws_managed_basic_execution_policy(sb):
    """Does attaching AWSLambdaBasicExecutionRole (what AWS's tutorials do) pass?"""
    make_role(sb, permissions=None)
    sb.client("iam").attach_role_policy(
        RoleName="hello-lambda-role", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    )
    outcome = check("role")
    assert outcome.status is checks.Status.PASSED, outcome.feedback


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
    assert "returned None" in outcome.feedback and "'message': 'Hello, " in outcome.feedback


def test_deploy_fails_when_the_greeting_is_hard_coded(sb):
    """Does a handler that always greets Ada fail, showing what it returned?"""
    deploy(sb, source="def lambda_handler(event, context):\n    return {'message': 'Hello, Ada!'}\n")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "Hello, Ada!" in outcome.feedback


def test_deploy_fails_when_it_answers_only_names_it_has_seen(sb):
    """Does a handler that greets the lab's name and the check's old fixed name, and nothing else, fail?"""
    lookup = (
        "ANSWERS = {'Ada': 'Hello, Ada!', 'Checker': 'Hello, Checker!'}\n"
        "def lambda_handler(event, context):\n    return {'message': ANSWERS.get(event['name'], 'Hello!')}\n"
    )
    deploy(sb, source=lookup)
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED


def test_the_checks_names_are_new_every_run_and_hidden_in_the_feedback(sb):
    """Does the check greet different names on each run, without showing them to the learner?"""
    deploy(sb, source="def lambda_handler(event, context):\n    return {'message': 'Hi ' + event['name']}\n")
    seen = set()
    for _ in range(2):
        outcome = check("deploy")
        assert outcome.status is checks.Status.FAILED and "‹hidden›" in outcome.feedback
        assert "Checker-" in outcome.feedback
        seen.add(outcome.feedback)
    logs = sb.client("logs").filter_log_events(logGroupName="/aws/lambda/hello-lambda")["events"]
    assert len(seen) == 1 and not any("‹hidden›" in e["message"] for e in logs)


def test_deploy_fails_on_another_python_runtime(sb):
    """Does python3.11 fail when the step asks for python3.12, saying how to change it?"""
    deploy(sb, runtime="python3.11")
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "python3.12" in outcome.feedback and "update_function_configuration" in outcome.feedback


def test_deploy_fails_when_the_function_runs_as_another_role(sb):
    """Does a function that runs as some other (broader) role than hello-lambda-role fail, naming both?"""
    make_role(sb)
    iam = sb.client("iam")
    admin = iam.create_role(RoleName="admin", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))["Role"]
    sb.client("lambda").create_function(
        FunctionName="hello-lambda", Runtime="python3.12", Role=admin["Arn"],
        Handler="lambda_function.lambda_handler", Code={"ZipFile": zip_code({"lambda_function.py": GREETER})},
    )  # fmt: skip
    outcome = check("deploy")
    assert outcome.status is checks.Status.FAILED
    assert "role/admin" in outcome.feedback and "hello-lambda-role" in outcome.feedback


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
    """Does a Node.js function fail before it is invoked, naming the runtime it has?"""
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


def test_report_fails_without_the_init_duration_of_a_cold_start(sb):
    """Does a dict that leaves out the Init Duration of a cold start's REPORT line fail?"""
    report = real_report(sb)
    assert "Init Duration" in report
    del report["Init Duration"]
    outcome = check("report", report)
    assert outcome.status is checks.Status.FAILED
    assert "Init Duration" in outcome.feedback


def test_report_passes_with_numpy_numbers(sb):
    """Are numpy integers and floats numbers to the check?"""
    import numpy as np

    report = real_report(sb)
    report = {k: (np.float64(v) if isinstance(v, float) else np.int64(v) if isinstance(v, int) else v)
              for k, v in report.items()}  # fmt: skip
    outcome = check("report", report)
    assert outcome.status is checks.Status.PASSED, outcome.feedback


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
