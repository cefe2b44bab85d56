"""Lab 01 graded as an instructor would: wrong work fails the step it is wrong for, right work done differently passes."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "01-serverless-concepts"
ALL_PASSED = {"role": "passed", "deploy": "passed", "invoke": "passed", "report": "passed"}
ROLE_CELL = "role_arn = iam.create_role("
DEPLOY_CELL = "lam.create_function("


def test_a_role_ec2_may_assume_and_a_greeting_hard_coded_for_ada_each_fail_their_own_step_only(tmp_path):
    """Do a role that EC2 may assume too (step 1) and a handler that answers Ada, the lab's example, and
    nobody else (step 2) each fail their own step, while invoke and report still pass?"""
    submission = (
        Submission(LAB)
        .edit(ROLE_CELL, '"Principal": {"Service": "lambda.amazonaws.com"}',
              '"Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}')
        .edit(DEPLOY_CELL, 'return {"message": f"Hello, {name}!"}', 'return {"message": "Hello, Ada!"}')
    )  # fmt: skip
    result = submission.grade(tmp_path, f"{LAB}-open-trust-hard-coded")
    assert statuses(result) == {**ALL_PASSED, "role": "failed", "deploy": "failed"}, result["steps"]
    assert "ec2.amazonaws.com" in feedback(result, "role")


def test_logs_star_another_runtime_and_a_report_without_init_duration_each_fail_their_own_step_only(tmp_path):
    """Do logs:* in the role (step 1), python3.11 when the step names python3.12 (step 2), and a REPORT dict
    with only the five named fields when the line had an Init Duration too (step 4) each fail their own step,
    naming the problem, while invoke still passes?"""
    submission = (
        Submission(LAB)
        .edit(ROLE_CELL, '"Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]',
              '"Action": "logs:*"')
        .edit(DEPLOY_CELL, 'Runtime="python3.12"', 'Runtime="python3.11"')
    )  # fmt: skip
    # New memory, new environment: the notebook's invoke is a cold start. (The deploy check stops at the
    # runtime, before it would invoke the function and warm that environment up.)
    submission.insert_after(
        'checks.step("01-serverless-concepts", "deploy")',
        """
        lam.update_function_configuration(FunctionName="hello-lambda", MemorySize=256)
        lam.get_waiter("function_updated_v2").wait(FunctionName="hello-lambda")
        """,
    )
    submission.replace(
        "report_line = next(",
        """
        report_line = next(line for line in log.splitlines() if line.startswith("REPORT"))
        fields = dict(part.split(": ", 1) for part in report_line.removeprefix("REPORT ").split("\\t") if part)
        report = {"RequestId": fields["RequestId"], "Duration": float(fields["Duration"].split()[0])}
        for name in ("Billed Duration", "Memory Size", "Max Memory Used"):
            report[name] = int(fields[name].split()[0])
        report
        """,
    )
    result = submission.grade(tmp_path, f"{LAB}-logs-star-runtime-no-init")
    failed = dict.fromkeys(["role", "deploy", "report"], "failed")
    assert statuses(result) == {**ALL_PASSED, **failed}, result["steps"]
    assert "logs:*" in feedback(result, "role")
    assert "python3.12" in feedback(result, "deploy")
    assert "Init Duration" in feedback(result, "report")


def test_the_managed_policy_no_waiter_and_a_regex_pass(tmp_path):
    """Full marks with AWS's managed policy, other file and function names, no waiter, and regex and numpy parsing?"""
    other_way = (
        Submission(LAB)
        .replace(
            ROLE_CELL,
            """
            trust = {"Version": "2012-10-17", "Statement": [{"Sid": "LambdaMayAssume", "Effect": "Allow",
                     "Principal": {"Service": ["lambda.amazonaws.com"]}, "Action": ["sts:AssumeRole"]}]}
            role = iam.create_role(RoleName="hello-lambda-role", AssumeRolePolicyDocument=json.dumps(trust),
                                   Description="runs hello-lambda")
            iam.attach_role_policy(RoleName="hello-lambda-role",
                                   PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
            role_arn = role["Role"]["Arn"]
            """,
        )
        .replace(
            DEPLOY_CELL,
            """
            from workbook.deploy import zip_code

            code = zip_code({"greeter.py": "def greet(event, context):\\n    return {'message': 'Hello, %s!' % event['name']}\\n"})
            lam.create_function(FunctionName="hello-lambda", Runtime="python3.12", Role=role_arn,
                                Handler="greeter.greet", Code={"ZipFile": code}, MemorySize=256, Timeout=10)
            """,
        )
        .replace(
            "report_line = next(",
            """
            import re
            import numpy as np

            line = [l for l in log.split("\\n") if l.startswith("REPORT")][-1]
            report = {"RequestId": re.search(r"RequestId: (\\S+)", line).group(1)}
            for name, value in re.findall(r"(Duration|Billed Duration|Memory Size|Max Memory Used|Init Duration): ([\\d.]+)", line):
                report[name] = np.float64(value) if "." in value else np.int64(value)
            report
            """,
        )
    )
    result = other_way.grade(tmp_path, f"{LAB}-other-way")
    assert statuses(result) == ALL_PASSED, result["steps"]


def test_helpers_plain_boto3_clients_and_cleanup_at_the_end_pass(tmp_path):
    """Full marks with plain boto3 clients, helper functions, a scoped logs policy, and everything deleted at the end?"""
    helpers = (
        Submission(LAB)
        .replace(
            ROLE_CELL,
            """
            import boto3

            iam = boto3.client("iam")

            def make_role(name):
                trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                         "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
                arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
                logs = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                        "Resource": "arn:aws:logs:*:*:log-group:/aws/lambda/hello-lambda:*"}]}
                iam.put_role_policy(RoleName=name, PolicyName="logs", PolicyDocument=json.dumps(logs))
                return arn

            role_arn = make_role("hello-lambda-role")
            """,
        )
        .edit(DEPLOY_CELL, 'lam.get_waiter("function_active_v2").wait(FunctionName="hello-lambda")',
              'lam.get_waiter("function_active").wait(FunctionName="hello-lambda")')  # fmt: skip
        .append(
            """
            lam.delete_function(FunctionName="hello-lambda")
            iam.delete_role_policy(RoleName="hello-lambda-role", PolicyName="logs")
            iam.delete_role(RoleName="hello-lambda-role")
            """
        )
    )
    result = helpers.grade(tmp_path, f"{LAB}-helpers")
    assert statuses(result) == ALL_PASSED, result["steps"]
