"""Lab 07 graded as an instructor would: the secret pasted into the configuration, a wildcard policy, the dependency
in the layer, a hard-coded rate, a layer laid out wrong; and two right solutions written differently."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "07-packaging-configuration"
ALL_PASSED = {"layer": "passed", "package": "passed", "role": "passed", "stack": "passed"}
LAYER_CELL = "layer = lam.publish_layer_version("
APP_CELL = 'APP_PY = """'
PACKAGE_CELL = 'prefix="invoice-build-"'
ROLE_CELL = "PARAMETER_ARN = ssm.get_parameter("
STACK_CELL = "TEMPLATE = {"
POWERTOOLS_SETTINGS = """\
    rate = parameters.get_parameter(os.environ["TAX_RATE_PARAMETER"], max_age=30)
    key = parameters.get_secret(os.environ["SIGNING_KEY_SECRET"], max_age=30)
    return rate, key"""


def settings(source: str) -> tuple[str, str, str]:
    """An edit of the handler cell: ``settings()`` with the body ``source`` instead of the solution's."""
    return APP_CELL, POWERTOOLS_SETTINGS, source


# Wrong: the key read in the notebook and pasted into an environment variable; ssm:* on the parameter.
KEY_FROM_ENVIRONMENT = """\
    rate = parameters.get_parameter(os.environ["TAX_RATE_PARAMETER"], max_age=30)
    return rate, os.environ["SIGNING_KEY"]"""

WILDCARD_ROLE = """
PARAMETER_ARN = ssm.get_parameter(Name=PARAMETER_NAME)["Parameter"]["ARN"]
SECRET_ARN = secretsmanager.describe_secret(SecretId=SECRET_NAME)["ARN"]
ROLE_ARN = create_execution_role(iam, ROLE_NAME, statements=[
    {"Effect": "Allow", "Action": "ssm:*", "Resource": PARAMETER_ARN},
    {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN},
])
"""

# Wrong: tinyprice installed into the layer (under python/) and left out of the package; the rate hard-coded.
LAYER_WITH_DEPENDENCY = """
with tempfile.TemporaryDirectory() as folder:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-compile",
                    "--target", f"{folder}/python", str(sample_dependency())], check=True)
    layer_files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in Path(folder).rglob("*") if p.is_file()}
layer = lam.publish_layer_version(
    LayerName=LAYER_NAME,
    Content={"ZipFile": zip_code({"python/money.py": MONEY_PY, **layer_files})},
    CompatibleRuntimes=["python3.12"],
)
LAYER_VERSION_ARN = layer["LayerVersionArn"]
"""

HARD_CODED_RATE = """\
    return "0.2", parameters.get_secret(os.environ["SIGNING_KEY_SECRET"])"""

PACKAGE_WITHOUT_DEPENDENCY = """
package = zip_code({"app.py": APP_PY})
s3.put_object(Bucket=BUCKET, Key=PACKAGE_KEY, Body=package)
"""

# Right, written differently: the layer zipped with zipfile as a package folder; settings() with boto3 and a
# cache of its own; the package built on disk with shutil and uploaded with upload_file; the role made with IAM
# calls (the secret's ARN ending in -??????); a YAML template with a parameter, the secret named by its ARN; and
# the stack deleted at the end.
ZIPFILE_LAYER = """
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w") as archive:
    archive.writestr("python/money/__init__.py", MONEY_PY)
LAYER_VERSION_ARN = lam.publish_layer_version(
    LayerName=LAYER_NAME, Content={"ZipFile": buffer.getvalue()}, CompatibleRuntimes=["python3.12", "python3.13"]
)["LayerVersionArn"]
"""

BOTO3_CACHE = """\
    import time

    import boto3

    cached = getattr(settings, "cached", None)
    if cached is None or time.monotonic() - cached[0] > 20:
        rate = boto3.client("ssm").get_parameter(Name=os.environ["TAX_RATE_PARAMETER"])["Parameter"]["Value"]
        secret = boto3.client("secretsmanager").get_secret_value(SecretId=os.environ["SIGNING_KEY_SECRET"])
        cached = settings.cached = (time.monotonic(), rate, secret["SecretString"])
    return cached[1], cached[2]"""

ON_DISK = """
import shutil

work = Path(tempfile.mkdtemp())
(work / "src").mkdir()
(work / "src" / "app.py").write_text(APP_PY)
subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-compile", "-t", str(work / "src"),
                str(sample_dependency())], check=True)
archive = shutil.make_archive(str(work / "package"), "zip", root_dir=work / "src")
s3.upload_file(archive, BUCKET, PACKAGE_KEY)
shutil.rmtree(work)
"""

ROLE_BY_HAND = """
SECRET_ARN = secretsmanager.describe_secret(SecretId=SECRET_NAME)["ARN"]
iam.create_role(RoleName=ROLE_NAME, AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
iam.attach_role_policy(RoleName=ROLE_NAME,
                       PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
iam.put_role_policy(RoleName=ROLE_NAME, PolicyName="configuration", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["ssm:GetParameter"],
         "Resource": [f"arn:aws:ssm:{sb.region}:{sb.account_id}:parameter/invoice/tax-rate"]},
        {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN[:-6] + "??????"},
    ],
}))
"""

YAML_STACK = """
TEMPLATE_YAML = f'''
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  LayerArn:
    Type: String
Resources:
  Invoice:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: {FUNCTION_NAME}
      Runtime: python3.12
      Handler: app.handler
      MemorySize: 256
      Role: {iam.get_role(RoleName=ROLE_NAME)["Role"]["Arn"]}
      Code:
        S3Bucket: {BUCKET}
        S3Key: {PACKAGE_KEY}
      Layers:
        - !Ref LayerArn
      Environment:
        Variables:
          TAX_RATE_PARAMETER: {PARAMETER_NAME}
          SIGNING_KEY_SECRET: {SECRET_ARN}
'''
cloudformation.create_stack(StackName=STACK_NAME, TemplateBody=TEMPLATE_YAML,
                            Parameters=[{"ParameterKey": "LayerArn", "ParameterValue": LAYER_VERSION_ARN}])
cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})
"""


def test_the_secret_in_the_environment_and_a_wildcard_policy_fail_their_steps(tmp_path):
    """Do ssm:* on the parameter and the signing key pasted into an environment variable fail role and stack only?"""
    submission = (
        Submission(LAB)
        .edit(*settings(KEY_FROM_ENVIRONMENT))
        .replace(ROLE_CELL, WILDCARD_ROLE)
        .edit(
            STACK_CELL,
            '"SIGNING_KEY_SECRET": SECRET_NAME}',
            '"SIGNING_KEY_SECRET": SECRET_NAME, "SIGNING_KEY": '
            'secretsmanager.get_secret_value(SecretId=SECRET_NAME)["SecretString"]}',
        )
    )
    result = submission.grade(tmp_path, f"{LAB}-pasted")
    assert statuses(result) == {**ALL_PASSED, "role": "failed", "stack": "failed"}, result["steps"]
    assert "ssm:*" in feedback(result, "role")
    assert "SIGNING_KEY holds the secret's value" in feedback(result, "stack")


def test_the_dependency_in_the_layer_and_a_hard_coded_rate_fail_their_steps(tmp_path):
    """Does tinyprice in the layer fail the package step, and a hard-coded rate the stack step (the rest passes)?"""
    submission = (
        Submission(LAB)
        .replace(LAYER_CELL, LAYER_WITH_DEPENDENCY)
        .edit(*settings(HARD_CODED_RATE))
        .replace(PACKAGE_CELL, PACKAGE_WITHOUT_DEPENDENCY)
    )
    result = submission.grade(tmp_path, f"{LAB}-in-the-layer")
    assert statuses(result) == {**ALL_PASSED, "package": "failed", "stack": "failed"}, result["steps"]
    assert "tinyprice" in feedback(result, "package")
    assert "Read the rate in the handler" in feedback(result, "stack")


def test_a_layer_with_the_module_at_its_root_fails(tmp_path):
    """Does a layer with money.py at the root of its zip fail the layer step (and the function, which cannot import it)?"""
    submission = Submission(LAB).edit(LAYER_CELL, '"python/money.py"', '"money.py"')
    result = submission.grade(tmp_path, f"{LAB}-layer-root")
    assert statuses(result) == {**ALL_PASSED, "layer": "failed", "stack": "failed"}, result["steps"]
    assert "python/money.py" in feedback(result, "layer")
    assert "money" in feedback(result, "stack")


def test_a_solution_written_differently_everywhere_passes(tmp_path):
    """Full marks for zipfile, boto3 with a cache of its own, shutil, IAM calls, a YAML template, and cleanup?"""
    submission = (
        Submission(LAB)
        .replace(LAYER_CELL, ZIPFILE_LAYER)
        .edit(*settings(BOTO3_CACHE))
        .replace(PACKAGE_CELL, ON_DISK)
        .replace(ROLE_CELL, ROLE_BY_HAND)
        .replace(STACK_CELL, YAML_STACK)
    )
    submission.append(
        "cloudformation.delete_stack(StackName=STACK_NAME)\n"
        'cloudformation.get_waiter("stack_delete_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})'
    )
    result = submission.grade(tmp_path, f"{LAB}-different")
    assert statuses(result) == ALL_PASSED, result["steps"]


# Right, reached in two goes: the role in the template with the function (inline policy, managed policy for the
# logs), the stack first created without the layer (its check fails), then fixed with update_stack; and the stack
# deleted at the end, which deletes the role too.
NO_ROLE_YET = """
PARAMETER_ARN = ssm.get_parameter(Name=PARAMETER_NAME)["Parameter"]["ARN"]
SECRET_ARN = secretsmanager.describe_secret(SecretId=SECRET_NAME)["ARN"]
"""

UPDATED_STACK = """
role = {
    "Type": "AWS::IAM::Role",
    "Properties": {
        "RoleName": ROLE_NAME,
        "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
        "ManagedPolicyArns": ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"],
        "Policies": [{"PolicyName": "configuration", "PolicyDocument": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "ssm:GetParameter", "Resource": PARAMETER_ARN},
            {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": SECRET_ARN}]}}],
    },
}
properties = {
    "FunctionName": FUNCTION_NAME, "Runtime": "python3.12", "Handler": "app.handler",
    "Role": {"Fn::GetAtt": ["InvoiceRole", "Arn"]}, "Code": {"S3Bucket": BUCKET, "S3Key": PACKAGE_KEY},
    "Environment": {"Variables": {"TAX_RATE_PARAMETER": PARAMETER_NAME, "SIGNING_KEY_SECRET": SECRET_NAME}},
}
template = {"Resources": {"InvoiceRole": role,
                          "Invoice": {"Type": "AWS::Lambda::Function", "Properties": properties}}}
cloudformation.create_stack(StackName=STACK_NAME, TemplateBody=json.dumps(template),
                            Capabilities=["CAPABILITY_NAMED_IAM"])
cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})
"""

ADD_THE_LAYER = """
properties["Layers"] = [LAYER_VERSION_ARN]
cloudformation.update_stack(StackName=STACK_NAME, TemplateBody=json.dumps(template),
                            Capabilities=["CAPABILITY_NAMED_IAM"])
cloudformation.get_waiter("stack_update_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})
"""

TIDY_UP = """
cloudformation.delete_stack(StackName=STACK_NAME)
cloudformation.get_waiter("stack_delete_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})
lam.delete_layer_version(LayerName=LAYER_NAME, VersionNumber=int(LAYER_VERSION_ARN.rsplit(":", 1)[1]))
s3.delete_object(Bucket=BUCKET, Key=PACKAGE_KEY)
"""


def test_the_role_in_the_template_and_a_stack_fixed_with_update_stack_pass(tmp_path):
    """Full marks for the role in the template, a stack fixed with update_stack, and everything deleted at the end?"""
    submission = Submission(LAB).replace(ROLE_CELL, NO_ROLE_YET).replace(STACK_CELL, UPDATED_STACK)
    submission.insert_after('checks.step("07-packaging-configuration", "stack")', ADD_THE_LAYER)
    submission.append(TIDY_UP)
    result = submission.grade(tmp_path, f"{LAB}-updated")
    assert statuses(result) == ALL_PASSED, result["steps"]
    assert result["cell_errors"] == [], result["cell_errors"]
    stack = next(step for step in result["steps"] if step["step"] == "stack")
    assert stack["cell"] == submission.number_of('properties["Layers"]')
