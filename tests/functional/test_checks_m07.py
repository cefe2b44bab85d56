"""Lab 07's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from botocore.exceptions import WaiterError

from workbook import checks
from workbook.checks.labs.m07_packaging_configuration import (
    BUCKET,
    DEPENDENCY,
    FUNCTION,
    LAYER,
    PACKAGE_KEY,
    PARAMETER,
    ROLE,
    SECRET,
    STACK,
)
from workbook.deploy import create_execution_role, deploy_function, sample_dependency, zip_code

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "07-packaging-configuration"
check = functools.partial(check_step, LAB)
NOT_ATTEMPTED, FAILED, PASSED = checks.Status.NOT_ATTEMPTED, checks.Status.FAILED, checks.Status.PASSED
KEY = "the-lab-key"

MONEY_PY = """
from decimal import ROUND_HALF_UP, Decimal


def tax_cents(subtotal_cents, rate):
    exact = Decimal(subtotal_cents) * Decimal(str(rate))
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
"""


@functools.cache
def dependency_files() -> dict[str, bytes]:
    """The files pip installs for the lab's dependency, as paths inside the package (installed once)."""
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-compile", "--target", folder,
             str(sample_dependency())],
            check=True,
        )  # fmt: skip
        return {
            p.relative_to(folder).as_posix(): p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()
        }


INVOICE = """
import hashlib
import hmac
import os

import {dependency}
import money


def settings():
{settings}


def handler(event, context):
    rate, key = settings()
    subtotal = sum(line["unit_cents"] * line["quantity"] for line in event["lines"])
    tax = money.tax_cents(subtotal, rate)
    total = subtotal + tax
    signed = f"{{event['order_id']}}:{{total}}".encode()
    return {{"order_id": event["order_id"], "subtotal_cents": subtotal, "tax_cents": tax, "total_cents": total,
            "total": {dependency}.format_price(total, "EUR"), "signature": hmac.new(key.encode(), signed, hashlib.sha256).hexdigest()}}
"""

POWERTOOLS = """
    from aws_lambda_powertools.utilities import parameters
    return (parameters.get_parameter(os.environ["TAX_RATE_PARAMETER"], max_age=30),
            parameters.get_secret(os.environ["SIGNING_KEY_SECRET"], max_age=30))
"""

# Right, written differently: boto3, read once per execution environment and kept in module globals.
ONCE_PER_ENVIRONMENT = """
    import boto3
    global CACHED
    if "CACHED" not in globals():
        rate = boto3.client("ssm").get_parameter(Name=os.environ["TAX_RATE_PARAMETER"])["Parameter"]["Value"]
        key = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SIGNING_KEY_SECRET"])
        CACHED = (rate, key["SecretString"])
    return CACHED
"""

# Wrong: the values themselves in the environment, read from there.
FROM_ENVIRONMENT = """
    return os.environ["TAX_RATE"], os.environ["SIGNING_KEY"]
"""

# Wrong: the rate hard-coded, the key read properly.
HARD_CODED_RATE = """
    import boto3
    key = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SIGNING_KEY_SECRET"])
    return "0.2", key["SecretString"]
"""

# Wrong: the key read in the notebook and written into the code.
HARD_CODED_KEY = f"""
    import boto3
    rate = boto3.client("ssm").get_parameter(Name=os.environ["TAX_RATE_PARAMETER"])["Parameter"]["Value"]
    return rate, {KEY!r}
"""


def app_py(settings: str = POWERTOOLS) -> str:
    return INVOICE.format(dependency=DEPENDENCY, settings=settings.strip("\n"))


def start_lab(sb):
    """The lab's setup cell: the artifacts bucket, the parameter and the secret."""
    sb.client("s3").create_bucket(Bucket=BUCKET)
    sb.client("ssm").put_parameter(Name=PARAMETER, Value="0.2", Type="String")
    sb.client("secretsmanager").create_secret(Name=SECRET, SecretString=KEY)


def publish_layer(sb, files=None, runtimes=("python3.12",)) -> str:
    files = files or {"python/money.py": MONEY_PY}
    layer = sb.client("lambda").publish_layer_version(
        LayerName=LAYER, Content={"ZipFile": zip_code(files)}, CompatibleRuntimes=list(runtimes)
    )
    return layer["LayerVersionArn"]


def upload_package(sb, files=None) -> None:
    files = files if files is not None else {"app.py": app_py(), **dependency_files()}
    sb.client("s3").put_object(Bucket=BUCKET, Key=PACKAGE_KEY, Body=zip_code(files))


def arns(sb) -> tuple[str, str]:
    parameter = sb.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["ARN"]
    return parameter, sb.client("secretsmanager").describe_secret(SecretId=SECRET)["ARN"]


def make_role(sb, parameter_resource=None, secret_resource=None, *, actions=("ssm:GetParameter",)) -> str:
    parameter_arn, secret_arn = arns(sb)
    return create_execution_role(
        sb.client("iam"),
        ROLE,
        statements=[
            {"Effect": "Allow", "Action": list(actions), "Resource": parameter_resource or parameter_arn},
            {
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_resource or secret_arn,
            },
        ],
    )


def function_properties(sb, role_arn: str, layer_arn: str) -> dict:
    return {
        "FunctionName": FUNCTION,
        "Runtime": "python3.12",
        "Handler": "app.handler",
        "Role": role_arn,
        "Code": {"S3Bucket": BUCKET, "S3Key": PACKAGE_KEY},
        "Layers": [layer_arn],
        "Timeout": 10,
        "Environment": {"Variables": {"TAX_RATE_PARAMETER": PARAMETER, "SIGNING_KEY_SECRET": SECRET}},
    }


def create_stack(sb, properties: dict, resources: dict | None = None) -> None:
    cloudformation = sb.client("cloudformation")
    template = {
        "Resources": {
            "Invoice": {"Type": "AWS::Lambda::Function", "Properties": properties},
            **(resources or {}),
        }
    }
    cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK, WaiterConfig={"Delay": 1})


def lab_done(sb, settings: str = POWERTOOLS, *, secret_by_arn: bool = False, **changes) -> dict:
    """Steps 1 to 3 as the solution does them, then the stack with ``changes`` to the function's properties."""
    start_lab(sb)
    layer_arn = publish_layer(sb)
    upload_package(sb, {"app.py": app_py(settings), **dependency_files()})
    properties = {**function_properties(sb, make_role(sb), layer_arn), **changes}
    if secret_by_arn:
        properties["Environment"]["Variables"]["SIGNING_KEY_SECRET"] = arns(sb)[1]
    create_stack(sb, properties)
    return properties


def test_every_step_is_not_attempted_on_the_starting_lab(sb):
    """What does the unmodified lab score? Every step not done yet."""
    start_lab(sb)
    report = checks.run(LAB)
    assert [o.status for o in report.outcomes] == [NOT_ATTEMPTED] * 4


# ------------------------------------------------------------------------------------------------ layer


def test_layer_passes_with_the_module_under_python(sb):
    """Does a layer with python/money.py for python3.12 pass, and does the check leave no function or role behind?"""
    start_lab(sb)
    publish_layer(sb)
    assert check("layer").status is PASSED
    assert sb.client("lambda").list_functions()["Functions"] == []
    assert sb.client("iam").list_roles()["Roles"] == []


def test_layer_passes_with_the_module_as_a_package(sb):
    """Does python/money/__init__.py (a package rather than a file) pass? Yes: import money finds it."""
    start_lab(sb)
    publish_layer(sb, {"python/money/__init__.py": MONEY_PY})
    assert check("layer").status is PASSED


def test_layer_passes_with_the_module_in_site_packages(sb):
    """Does python/lib/python3.12/site-packages/money.py (pip's layout) pass? Yes: Lambda puts it on sys.path too."""
    start_lab(sb)
    publish_layer(sb, {"python/lib/python3.12/site-packages/money.py": MONEY_PY})
    assert check("layer").status is PASSED


def test_layer_fails_with_the_module_at_the_root_of_the_zip(sb):
    """Does a layer with money.py at the root pass? No: /opt is not on sys.path, /opt/python is."""
    start_lab(sb)
    publish_layer(sb, {"money.py": MONEY_PY})
    outcome = check("layer")
    assert outcome.status is FAILED and "python/money.py" in outcome.feedback


def test_layer_fails_without_the_runtime(sb):
    """Does a layer published for python3.11 only pass? No: the step names python3.12."""
    start_lab(sb)
    publish_layer(sb, runtimes=("python3.11",))
    outcome = check("layer")
    assert outcome.status is FAILED and "CompatibleRuntimes" in outcome.feedback


def test_layer_fails_with_a_money_module_that_rounds_half_to_even(sb):
    """Does a money module of the learner's own, with round() (half to even), pass? No: half a cent rounds up."""
    start_lab(sb)
    publish_layer(
        sb,
        {
            "python/money.py": "def tax_cents(subtotal_cents, rate):\n    return round(subtotal_cents * float(rate))\n"
        },
    )
    outcome = check("layer")
    assert outcome.status is FAILED and "half a cent rounds up" in outcome.feedback


# ------------------------------------------------------------------------------------------------ package


def test_package_passes_with_the_dependency_at_the_root(sb):
    """Does a zip with app.py and the dependency at its root pass? Yes."""
    start_lab(sb)
    upload_package(sb)
    assert check("package").status is PASSED


def test_package_is_not_attempted_without_the_object(sb):
    """Is the step not attempted while nothing is at the package's key? Yes."""
    start_lab(sb)
    assert check("package").status is NOT_ATTEMPTED


def test_package_fails_with_the_dependency_laid_out_as_for_a_layer(sb):
    """Does a package with the dependency under python/ pass? No: the function's sys.path has the root, not python/."""
    start_lab(sb)
    upload_package(
        sb, {"app.py": app_py(), **{f"python/{name}": text for name, text in dependency_files().items()}}
    )
    outcome = check("package")
    assert outcome.status is FAILED and "root" in outcome.feedback and "python/" in outcome.feedback


def test_package_fails_without_the_dependency(sb):
    """Does app.py alone pass (the dependency put in a layer instead)? No: the step asks for it in the package."""
    start_lab(sb)
    upload_package(sb, {"app.py": app_py()})
    outcome = check("package")
    assert outcome.status is FAILED and DEPENDENCY in outcome.feedback


def test_package_fails_with_a_copy_of_the_layers_module(sb):
    """Does a package that also holds money.py pass? No: it would hide the layer's module."""
    start_lab(sb)
    upload_package(sb, {"app.py": app_py(), "money.py": MONEY_PY, **dependency_files()})
    outcome = check("package")
    assert outcome.status is FAILED and "layer" in outcome.feedback


# ------------------------------------------------------------------------------------------------ role


def test_role_passes_with_both_arns(sb):
    """Does a role with GetParameter and GetSecretValue on the two ARNs pass? Yes."""
    start_lab(sb)
    make_role(sb)
    assert check("role").status is PASSED


def test_role_passes_with_the_secret_arn_ending_in_six_question_marks(sb):
    """Does the secret named …signing-key-?????? (AWS's documented form) pass? Yes."""
    start_lab(sb)
    _, secret_arn = arns(sb)
    make_role(sb, secret_resource=secret_arn.rsplit("-", 1)[0] + "-??????")
    assert check("role").status is PASSED


def test_role_fails_with_every_ssm_action(sb):
    """Does ssm:* on the parameter pass? No: the function only reads it."""
    start_lab(sb)
    make_role(sb, actions=("ssm:*",))
    outcome = check("role")
    assert outcome.status is FAILED and "ssm:*" in outcome.feedback


def test_role_fails_with_every_parameter(sb):
    """Does ssm:GetParameter on every parameter pass? No: it needs one."""
    start_lab(sb)
    make_role(sb, parameter_resource="*")
    outcome = check("role")
    assert outcome.status is FAILED and "allows more than" in outcome.feedback


def test_role_fails_with_the_secret_arn_ending_in_a_star(sb):
    """Does …signing-key-* pass? No: it also matches other secrets whose names start the same way."""
    start_lab(sb)
    _, secret_arn = arns(sb)
    make_role(sb, secret_resource=secret_arn.rsplit("-", 1)[0] + "-*")
    outcome = check("role")
    assert outcome.status is FAILED and "GetSecretValue" in outcome.feedback


def test_role_fails_without_the_secret(sb):
    """Does a role that reads the parameter only pass? No: the handler reads the secret too."""
    start_lab(sb)
    parameter_arn, _ = arns(sb)
    create_execution_role(
        sb.client("iam"), ROLE, [{"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": parameter_arn}]
    )
    outcome = check("role")
    assert outcome.status is FAILED and "secretsmanager:GetSecretValue" in outcome.feedback


# ------------------------------------------------------------------------------------------------ stack


def test_stack_passes_and_puts_everything_back(sb):
    """Does the solution's stack pass, and do the rate, the key and the environment stay as they were? Yes."""
    properties = lab_done(sb)
    assert check("stack").status is PASSED
    assert sb.client("ssm").get_parameter(Name=PARAMETER)["Parameter"]["Value"] == "0.2"
    assert sb.client("secretsmanager").get_secret_value(SecretId=SECRET)["SecretString"] == KEY
    config = sb.client("lambda").get_function_configuration(FunctionName=FUNCTION)
    assert config["Environment"]["Variables"] == properties["Environment"]["Variables"]


def test_stack_passes_with_values_read_once_per_environment_and_the_secret_by_arn(sb):
    """Full marks for boto3 reads kept in globals, and the secret named by its ARN? Yes: a new environment reads anew."""
    lab_done(sb, ONCE_PER_ENVIRONMENT, secret_by_arn=True)
    outcome = check("stack")
    assert outcome.status is PASSED, outcome.feedback


def test_stack_is_not_attempted_without_a_stack(sb):
    """Is the step not attempted while there is no stack, even when the function exists? Yes."""
    start_lab(sb)
    assert check("stack").status is NOT_ATTEMPTED


def test_stack_fails_when_the_function_was_made_outside_it(sb):
    """Does a function deployed with boto3, next to a stack that holds something else, pass? No: the stack must own it."""
    start_lab(sb)
    publish_layer(sb)
    role_arn = make_role(sb)
    upload_package(sb)
    deploy_function(sb.client("lambda"), FUNCTION, {"app.py": app_py(), **dependency_files()}, role_arn)
    create_stack(sb, {**function_properties(sb, role_arn, publish_layer(sb)), "FunctionName": "invoice-copy"})
    outcome = check("stack")
    assert outcome.status is FAILED and "outside the stack" in outcome.feedback


def test_stack_fails_with_the_secret_value_in_the_environment(sb):
    """Does a function that holds the key itself in an environment variable pass? No: anyone who reads the config reads it."""
    lab_done(
        sb,
        FROM_ENVIRONMENT,
        Environment={
            "Variables": {
                "TAX_RATE_PARAMETER": PARAMETER, "SIGNING_KEY_SECRET": SECRET, "TAX_RATE": "0.2", "SIGNING_KEY": KEY,
            }
        },
    )  # fmt: skip
    outcome = check("stack")
    assert outcome.status is FAILED and "SIGNING_KEY holds the secret's value" in outcome.feedback


def test_stack_fails_with_a_hard_coded_rate(sb):
    """Does a handler that reads the key but hard-codes the lab's rate pass? No: the check sets another rate."""
    lab_done(sb, HARD_CODED_RATE)
    outcome = check("stack")
    assert outcome.status is FAILED and "Read the rate in the handler" in outcome.feedback


def test_stack_fails_without_the_layer(sb):
    """Does a stack whose function has no layer pass? No: the step attaches shop-money."""
    lab_done(sb, Layers=[])
    outcome = check("stack")
    assert outcome.status is FAILED and LAYER in outcome.feedback


def test_stack_fails_when_the_package_changed_after_the_deployment(sb):
    """Does a function whose code is not the package in S3 any more pass? No: its code must be the package's."""
    lab_done(sb)
    upload_package(sb, {"app.py": app_py(ONCE_PER_ENVIRONMENT), **dependency_files()})
    outcome = check("stack")
    assert outcome.status is FAILED and PACKAGE_KEY in outcome.feedback


def test_stack_fails_with_the_key_written_into_the_code(sb):
    """Does a handler that reads the rate but carries the key in its code pass? No: the check rotates the key."""
    lab_done(sb, HARD_CODED_KEY)
    outcome = check("stack")
    assert outcome.status is FAILED and "signature" in outcome.feedback


def test_stack_fails_when_it_rolled_back_over_a_function_made_before(sb):
    """Does a stack that could not create invoice (deployed with boto3 first) pass? No: it says how to start again."""
    start_lab(sb)
    role_arn, layer_arn = make_role(sb), publish_layer(sb)
    upload_package(sb)
    deploy_function(sb.client("lambda"), FUNCTION, {"app.py": app_py(), **dependency_files()}, role_arn)
    cloudformation = sb.client("cloudformation")
    template = {"Resources": {"Invoice": {"Type": "AWS::Lambda::Function",
                                          "Properties": function_properties(sb, role_arn, layer_arn)}}}  # fmt: skip
    cloudformation.create_stack(StackName=STACK, TemplateBody=json.dumps(template))
    with pytest.raises(
        WaiterError, match="ROLLBACK_COMPLETE"
    ):  # the waiter's way to say it will never complete
        cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK, WaiterConfig={"Delay": 1})
    outcome = check("stack")
    assert (
        outcome.status is FAILED
        and "ROLLBACK_COMPLETE" in outcome.feedback
        and "delete_stack" in outcome.feedback
    )
