"""Lab 01 graded as an instructor would: wrong work fails the step it is wrong for, right work done differently passes."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "01-serverless-concepts"
ALL_PASSED = {"role": "passed", "deploy": "passed", "invoke": "passed", "report": "passed"}
ROLE_CELL = "role_arn = iam.create_role("
DEPLOY_CELL = "lam.create_function("


def test_a_role_open_to_others_and_allowed_everything_in_logs_fails_the_role_step(tmp_path):
    """Does a role that EC2 may assume too, with logs:* on everything, fail step 1 only (naming both problems)?"""
    broad = Submission(LAB).edit(ROLE_CELL, '"Principal": {"Service": "lambda.amazonaws.com"}',
                                 '"Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]}')  # fmt: skip
    result = broad.grade(tmp_path, f"{LAB}-open-trust")
    assert statuses(result) == {**ALL_PASSED, "role": "failed"}
    assert "ec2.amazonaws.com" in feedback(result, "role")

    star = Submission(LAB).edit(
        ROLE_CELL, '"Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]', '"Action": "logs:*"'
    )
    result = star.grade(tmp_path, f"{LAB}-logs-star")
    assert statuses(result) == {**ALL_PASSED, "role": "failed"}
    assert "logs:*" in feedback(result, "role")


def test_another_runtime_fails_the_deploy_step(tmp_path):
    """Does python3.11 (the step names python3.12) fail step 2, while the steps after it still pass?"""
    result = Submission(LAB).edit(DEPLOY_CELL, 'Runtime="python3.12"', 'Runtime="python3.11"').grade(
        tmp_path, f"{LAB}-runtime"
    )
    assert statuses(result) == {**ALL_PASSED, "deploy": "failed"}
    assert "python3.12" in feedback(result, "deploy")


def test_a_greeting_hard_coded_for_the_labs_example_fails(tmp_path):
    """Does a handler that answers Ada (the lab's example) and nobody else fail step 2?"""
    hard_coded = Submission(LAB).edit(DEPLOY_CELL, 'return {"message": f"Hello, {name}!"}',
                                      'return {"message": "Hello, Ada!"}')  # fmt: skip
    result = hard_coded.grade(tmp_path, f"{LAB}-hard-coded")
    assert statuses(result) == {**ALL_PASSED, "deploy": "failed"}


def test_a_report_without_the_cold_starts_init_duration_fails(tmp_path):
    """Does a REPORT dict with only the five named fields (the line had an Init Duration too) fail step 4?"""
    five = Submission(LAB).insert_after(
        'checks.step("01-serverless-concepts", "deploy")',  # new memory, new environment: the invoke is a cold start
        """
        lam.update_function_configuration(FunctionName="hello-lambda", MemorySize=256)
        lam.get_waiter("function_updated_v2").wait(FunctionName="hello-lambda")
        """,
    )
    five.replace(
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
    result = five.grade(tmp_path, f"{LAB}-no-init")
    assert statuses(result) == {**ALL_PASSED, "report": "failed"}
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
