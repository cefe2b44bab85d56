"""Lab 07 · the invoice function packaged with a dependency and a layer, configured from SSM and Secrets Manager,
deployed as a CloudFormation stack.

The contract the lab text gives the learner:

- the layer ``shop-money`` (compatible with ``python3.12``) provides the module ``money`` (``MONEY_PY``, given):
  ``money.tax_cents(subtotal_cents, rate)`` is the tax on a subtotal at a rate given as a decimal string
  (``"0.2"``), rounded half up to a whole cent.
- the deployment package ``s3://invoice-artifacts/invoice/package.zip`` holds ``app.py`` and the third-party
  dependency at the root of the zip; ``money`` is not in it (it comes from the layer).
- ``invoice-role`` may read the parameter ``/invoice/tax-rate`` (``ssm:GetParameter``) and the secret
  ``invoice/signing-key`` (``secretsmanager:GetSecretValue``), each by its ARN, write its logs, and nothing else.
- the stack ``invoice-stack`` owns the function ``invoice`` (``python3.12``, handler ``app.handler``, role
  ``invoice-role``, code from the package, the layer attached). Its environment names the parameter
  (``TAX_RATE_PARAMETER``) and the secret (``SIGNING_KEY_SECRET``, by name or ARN) and holds no secret value. For
  an order ``{"order_id", "lines": [{"sku", "unit_cents", "quantity"}]}`` it returns ``{"order_id",
  "subtotal_cents", "tax_cents", "total_cents", "total", "signature"}``: the tax at the parameter's rate, the
  total as ``tinyprice.format_price(total_cents, "EUR")`` writes it (``"€1,234.56"``), and the HMAC-SHA256 (hex)
  of ``"<order_id>:<total_cents>"`` keyed with the secret.

How the checks see it. The layer is tried in a function of the check's own (created, invoked with fresh amounts
and deleted), since Lambda's API does not hand back a layer's files. The package is read from S3. The function's
configuration reading is tried with values the learner cannot know: the check writes a fresh rate and a fresh key,
changes one environment variable of the function for the length of the check (so the answer comes from a new
execution environment: any cache the handler keeps is empty there), invokes it with a fresh order, and puts the
rate, the key and the environment back.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import zipfile
from decimal import ROUND_HALF_UP, Decimal

from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.iam_policies import Grant
from workbook.deploy import LAMBDA_TRUST_POLICY, zip_code

FUNCTION = "invoice"
ROLE = "invoice-role"
STACK = "invoice-stack"
BUCKET = "invoice-artifacts"
PACKAGE_KEY = "invoice/package.zip"
LAYER = "shop-money"
LAYER_MODULE = "money"
RUNTIME = "python3.12"
HANDLER = "app.handler"
PARAMETER = "/invoice/tax-rate"
SECRET = "invoice/signing-key"
PARAMETER_VARIABLE = "TAX_RATE_PARAMETER"
SECRET_VARIABLE = "SIGNING_KEY_SECRET"
DEPENDENCY = "tinyprice"  # the third-party library the handler imports (workbook.deploy.sample_dependency)
CURRENCY_SYMBOL = "€"
FRESH_ENVIRONMENT_VARIABLE = "WORKBOOK_CHECK_RUN"
STACK_DONE = ("CREATE_COMPLETE", "UPDATE_COMPLETE")

lab = Lab("07-packaging-configuration", "Lab 07 · Package it, configure it, ship it as a stack")


# ------------------------------------------------------------------------------------------------ the rules


def tax_cents(subtotal_cents: int, rate: str) -> int:
    """What ``money.tax_cents`` returns: the tax at ``rate`` (a decimal string), rounded half up to a cent."""
    return int((Decimal(subtotal_cents) * Decimal(str(rate))).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def signature(key: str, order_id: str, total_cents: int) -> str:
    """The invoice's signature: HMAC-SHA256, in hex, of ``"<order_id>:<total_cents>"`` keyed with ``key``."""
    return hmac.new(key.encode(), f"{order_id}:{total_cents}".encode(), hashlib.sha256).hexdigest()


def euros(cents: int) -> str:
    """What ``tinyprice.format_price(cents, "EUR")`` writes: ``euros(123456) == "€1,234.56"``."""
    whole, fraction = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{CURRENCY_SYMBOL}{whole:,}.{fraction:02d}"


def expected_invoice(order: dict, rate: str, key: str) -> dict:
    """What ``invoice`` answers for ``order`` when the parameter holds ``rate`` and the secret ``key``."""
    subtotal = sum(line["unit_cents"] * line["quantity"] for line in order["lines"])
    tax = tax_cents(subtotal, rate)
    return {
        "order_id": order["order_id"],
        "subtotal_cents": subtotal,
        "tax_cents": tax,
        "total_cents": subtotal + tax,
        "total": euros(subtotal + tax),
        "signature": signature(key, order["order_id"], subtotal + tax),
    }


def _order(fresh) -> dict:
    lines = [
        {
            "sku": fresh.name("SKU-").upper(),
            "unit_cents": fresh.randint(99, 25_000),
            "quantity": fresh.randint(1, 5),
        }
        for _ in range(fresh.randint(2, 4))
    ]
    return {"order_id": fresh.name("INV-"), "lines": lines}


def _rate(fresh) -> str:
    """A rate the learner cannot guess, with three decimals, never the lab's 0.2."""
    return fresh.private(f"0.{fresh.choice(n for n in range(101, 350) if n != 200)}")


def _half_cent_cases(fresh) -> list[tuple[int, str]]:
    """(subtotal, rate) pairs whose tax is an even number of cents and a half (half up and half to even differ
    there), and ordinary ones."""
    halves = [(4 * fresh.randint(25, 2_500) + 1, "0.5"), (20 * fresh.randint(5, 450) + 5, "0.1")]
    return halves + [(fresh.randint(100, 99_999), _rate(fresh)) for _ in range(2)]


# ------------------------------------------------------------------------------------------------ helpers


def _parameter_arn(aws) -> str:
    return f"arn:aws:ssm:{aws.region}:{aws.account_id}:parameter/{PARAMETER.lstrip('/')}"


def _secret_arn(aws) -> str:
    secrets = aws.client("secretsmanager")
    try:
        return secrets.describe_secret(SecretId=SECRET)["ARN"]
    except secrets.exceptions.ResourceNotFoundException:
        raise NotAttempted(f"there is no secret {SECRET!r}: run the setup cell") from None


def _latest_layer_version(aws) -> dict:
    versions = aws.client("lambda").list_layer_versions(LayerName=LAYER)["LayerVersions"]
    if not versions:
        raise NotAttempted(
            f"there is no layer {LAYER!r} yet: lam.publish_layer_version(LayerName={LAYER!r}, ...)"
        )
    return max(versions, key=lambda v: v["Version"])


def _zip_names(data: bytes) -> list[str]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.namelist()
    except zipfile.BadZipFile:
        return []


def _top_level(names: list[str], module: str) -> bool:
    """Is ``module`` importable from the root of a zip with these entries (a file or a package)?"""
    return f"{module}.py" in names or f"{module}/__init__.py" in names


def _nested(names: list[str], module: str) -> str | None:
    """Where ``module`` sits in the zip when not at its root (``python/money.py``), or None."""
    for name in names:
        parts = name.split("/")
        if len(parts) > 1 and (
            parts[-1] == f"{module}.py" or (parts[-1] == "__init__.py" and parts[-2] == module)
        ):
            return name
    return None


PROBE_PY = f"""
import importlib


def handler(event, context):
    try:
        module = importlib.import_module({LAYER_MODULE!r})
    except Exception as error:
        return {{"error": f"{{type(error).__name__}}: {{error}}"}}
    try:
        return {{"tax": [module.tax_cents(subtotal, rate) for subtotal, rate in event["cases"]]}}
    except Exception as error:
        return {{"error": f"{{type(error).__name__}}: {{error}}"}}
"""


def _probe_layer(aws, layer_arn: str, cases: list[tuple[int, str]]) -> dict:
    """Run ``money.tax_cents`` on ``cases`` in a function of the check's own that has only the layer."""
    iam, lam = aws.client("iam"), aws.client("lambda")
    name = aws.fresh.name("workbook-check-layer-")
    role_arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY))[
        "Role"
    ]["Arn"]
    try:
        lam.create_function(
            FunctionName=name, Runtime=RUNTIME, Handler="probe.handler", Role=role_arn, Layers=[layer_arn],
            Code={"ZipFile": zip_code({"probe.py": PROBE_PY})}, Timeout=10,
        )  # fmt: skip
        try:
            lam.get_waiter("function_active_v2").wait(FunctionName=name, WaiterConfig={"Delay": 1})
            result = aws.invoke(name, {"cases": cases})
        finally:
            lam.delete_function(FunctionName=name)
            logs = aws.client("logs")
            try:
                logs.delete_log_group(logGroupName=f"/aws/lambda/{name}")
            except logs.exceptions.ResourceNotFoundException:
                pass
    finally:
        iam.delete_role(RoleName=name)
    if result.function_error:
        return {"error": result.error_summary}
    return result.payload if isinstance(result.payload, dict) else {"error": str(result.payload)[:200]}


# ------------------------------------------------------------------------------------------------ step 1


@lab.step(
    "layer",
    f"Publish the layer {LAYER} that provides the module {LAYER_MODULE}",
    hints=[
        f"A Python layer's modules live under `python/` in its zip: Lambda unpacks the layer into `/opt` and puts "
        f"`/opt/python` on `sys.path`. So the file is `python/{LAYER_MODULE}.py`, not `{LAYER_MODULE}.py`.",
        f"`zip_code({{'python/{LAYER_MODULE}.py': MONEY_PY}})` builds the zip; "
        f"`lam.publish_layer_version(LayerName='{LAYER}', Content={{'ZipFile': ...}}, "
        f"CompatibleRuntimes=['{RUNTIME}'])` publishes it.",
        "Keep the answer's `LayerVersionArn` in `LAYER_VERSION_ARN`: the stack attaches that version. A layer version "
        "never changes: to fix one, publish the next.",
    ],
    solution="""
layer = lam.publish_layer_version(
    LayerName=LAYER_NAME,
    Description="money helpers shared by the shop's functions",
    Content={"ZipFile": zip_code({"python/money.py": MONEY_PY})},
    CompatibleRuntimes=["python3.12"],
)
LAYER_VERSION_ARN = layer["LayerVersionArn"]
""",
)
def layer(aws):
    latest = _latest_layer_version(aws)
    arn, number = latest["LayerVersionArn"], latest["Version"]
    runtimes = latest.get("CompatibleRuntimes") or []
    if RUNTIME not in runtimes:
        raise Failed(
            f"version {number} of {LAYER} is compatible with {runtimes or 'no runtime'}; publish a new version with "
            f"CompatibleRuntimes=['{RUNTIME}'], the runtime of the function."
        )
    cases = _half_cent_cases(aws.fresh)
    answer = _probe_layer(aws, arn, cases)
    if "error" in answer:
        where = (
            f"put it at python/{LAYER_MODULE}.py in the layer's zip (Lambda adds /opt/python to sys.path, not /opt)"
            if f"No module named '{LAYER_MODULE}'" in answer["error"]
            else f"publish MONEY_PY, unchanged, as python/{LAYER_MODULE}.py"
        )
        raise Failed(
            f"a function with only version {number} of {LAYER} cannot use {LAYER_MODULE}.tax_cents "
            f"({answer['error']}): {where}."
        )
    wanted = [tax_cents(subtotal, rate) for subtotal, rate in cases]
    if answer.get("tax") != wanted:
        raise Failed(
            f"{LAYER_MODULE}.tax_cents in version {number} of {LAYER} does not compute the lab's tax (for example, "
            f"1001 cents at 0.5 is 501 cents: half a cent rounds up): publish MONEY_PY unchanged."
        )
    return f"version {number} of {LAYER} provides {LAYER_MODULE} to functions on {RUNTIME}"


# ------------------------------------------------------------------------------------------------ step 2


@lab.step(
    "package",
    f"Build the deployment package, with {DEPENDENCY} at its root, and upload it to S3",
    hints=[
        f"The function imports `{DEPENDENCY}` from its own package: Lambda puts the root of the zip (`/var/task`) "
        f"on `sys.path`, so `{DEPENDENCY}/` goes at the root next to `app.py`, not under `python/` (a layer's "
        "layout).",
        f"`pip install --no-index --no-compile --target FOLDER WHEEL` installs {DEPENDENCY} into FOLDER. Read every "
        "file in it into `{relative path: bytes}`, add `'app.py': APP_PY`, and give the dict to `zip_code`. Leave "
        f"`{LAYER_MODULE}` out: it comes from the layer, and a copy in the package would hide the layer's.",
        f"`s3.put_object(Bucket='{BUCKET}', Key='{PACKAGE_KEY}', Body=package)`.",
    ],
    solution="""
# in APP_PY:
def settings():
    rate = parameters.get_parameter(os.environ["TAX_RATE_PARAMETER"], max_age=30)
    key = parameters.get_secret(os.environ["SIGNING_KEY_SECRET"], max_age=30)
    return rate, key


# the package:
with tempfile.TemporaryDirectory(prefix="invoice-build-") as folder:
    build = Path(folder)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-index", "--no-compile",
                    "--target", str(build), str(sample_dependency())], check=True)
    files = {path.relative_to(build).as_posix(): path.read_bytes() for path in build.rglob("*") if path.is_file()}
package = zip_code({"app.py": APP_PY, **files})
s3.put_object(Bucket=BUCKET, Key=PACKAGE_KEY, Body=package)
""",
)
def package(aws):
    s3 = aws.client("s3")
    try:
        data = s3.get_object(Bucket=BUCKET, Key=PACKAGE_KEY)["Body"].read()
    except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket):
        raise NotAttempted(f"there is no s3://{BUCKET}/{PACKAGE_KEY} yet") from None
    names = _zip_names(data)
    if not names:
        raise Failed(f"s3://{BUCKET}/{PACKAGE_KEY} is not a zip file: upload the bytes zip_code returns.")
    if "app.py" not in names:
        found = next((n for n in names if n.endswith("/app.py")), None)
        where = f" (it is at {found}: the handler must sit at the root)" if found else ""
        raise Failed(f"the package has no app.py at its root{where}; the handler is {HANDLER}.")
    if not _top_level(names, DEPENDENCY):
        nested = _nested(names, DEPENDENCY)
        where = (
            f"it is at {nested}, which is not on the function's sys.path: put {DEPENDENCY} at the root of the zip"
            if nested
            else f"add {DEPENDENCY}'s files at the root of the zip, next to app.py (a layer is not the place for it "
            "in this lab)"
        )
        raise Failed(f"the package does not hold {DEPENDENCY}: {where}.")
    if _top_level(names, LAYER_MODULE) or _nested(names, LAYER_MODULE):
        raise Failed(
            f"the package holds its own copy of {LAYER_MODULE}; it comes from the layer {LAYER}. Leave it out: the "
            "function's own files come first on sys.path, so a copy would hide the layer's."
        )
    return f"s3://{BUCKET}/{PACKAGE_KEY} holds app.py and {DEPENDENCY} at its root, and leaves {LAYER_MODULE} to the layer"


# ------------------------------------------------------------------------------------------------ step 3


@lab.step(
    "role",
    f"{ROLE} may read the parameter and the secret, and nothing else",
    hints=[
        f"Two statements besides log writing: `ssm:GetParameter` on the parameter's ARN (`ssm.get_parameter(Name="
        f"'{PARAMETER}')['Parameter']['ARN']`) and `secretsmanager:GetSecretValue` on the secret's "
        f"(`secretsmanager.describe_secret(SecretId='{SECRET}')['ARN']`).",
        "A secret's ARN ends with six random characters (`…:secret:invoice/signing-key-AbC123`): name it whole, or "
        "end it with `-??????`; `-*` would also match other secrets whose names start the same way.",
        f"`create_execution_role(iam, '{ROLE}', statements=[...])` makes the role with those statements and "
        "AWSLambdaBasicExecutionRole for the logs. Not `ssm:*`, not `Resource: '*'`.",
    ],
    solution="""
PARAMETER_ARN = ssm.get_parameter(Name=PARAMETER_NAME)["Parameter"]["ARN"]
SECRET_ARN = secretsmanager.describe_secret(SecretId=SECRET_NAME)["ARN"]
ROLE_ARN = create_execution_role(
    iam,
    ROLE_NAME,
    statements=[
        {"Sid": "ReadTaxRate", "Effect": "Allow", "Action": "ssm:GetParameter", "Resource": PARAMETER_ARN},
        {"Sid": "ReadSigningKey", "Effect": "Allow", "Action": "secretsmanager:GetSecretValue",
         "Resource": SECRET_ARN},
    ],
)
""",
)
def role(aws):
    needs = [
        *aws.log_writing(FUNCTION),
        Grant(("ssm:GetParameter",), _parameter_arn(aws)),
        Grant(("secretsmanager:GetSecretValue",), _secret_arn(aws)),
    ]
    aws.least_privilege_role(ROLE, needs, job=f"{FUNCTION} needs")
    return f"{ROLE} may read {PARAMETER} and {SECRET} and write its logs, and nothing more"


# ------------------------------------------------------------------------------------------------ step 4


def _stack(aws) -> dict:
    cloudformation = aws.client("cloudformation")
    try:
        stacks = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
    except cloudformation.exceptions.ClientError:
        stacks = []
    if not stacks:
        raise NotAttempted(f"there is no stack {STACK!r} yet")
    found = stacks[0]
    if found["StackStatus"] not in STACK_DONE:
        reason = f" ({found['StackStatusReason']})" if found.get("StackStatusReason") else ""
        raise Failed(
            f"{STACK} is {found['StackStatus']}{reason}; it must be CREATE_COMPLETE or UPDATE_COMPLETE. "
            "cloudformation.describe_stack_events(StackName=...) says which resource failed and why; a stack "
            "that could not be created is deleted (delete_stack) before it is created again."
        )
    return found


def _owned_functions(aws) -> list[str]:
    resources = aws.client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    return [r["PhysicalResourceId"] for r in resources if r["ResourceType"] == "AWS::Lambda::Function"]


def _package_sha(aws) -> str | None:
    s3 = aws.client("s3")
    try:
        data = s3.get_object(Bucket=BUCKET, Key=PACKAGE_KEY)["Body"].read()
    except (s3.exceptions.NoSuchKey, s3.exceptions.NoSuchBucket):
        return None
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _expect_environment(aws, config: dict) -> None:
    variables = (config.get("Environment") or {}).get("Variables") or {}
    secret_arn = _secret_arn(aws)
    value = aws.client("secretsmanager").get_secret_value(SecretId=SECRET).get("SecretString") or ""
    leaking = sorted(name for name, held in variables.items() if value and value in held)
    if leaking:
        raise Failed(
            f"the environment variable {leaking[0]} holds the secret's value: anyone allowed to read {FUNCTION}'s "
            f"configuration reads it, and a new key needs a redeployment. Put the secret's name in "
            f"{SECRET_VARIABLE} ({SECRET!r}) and read the value in the handler."
        )
    wrong = []
    if variables.get(PARAMETER_VARIABLE) != PARAMETER:
        wrong.append(f"{PARAMETER_VARIABLE} is {variables.get(PARAMETER_VARIABLE)!r}, not {PARAMETER!r}")
    if variables.get(SECRET_VARIABLE) not in (SECRET, secret_arn):
        wrong.append(f"{SECRET_VARIABLE} is {variables.get(SECRET_VARIABLE)!r}, not {SECRET!r} (or its ARN)")
    if wrong:
        raise Failed(
            f"{FUNCTION}'s environment does not name its configuration: {'; '.join(wrong)}. Set them in the "
            "template's Environment.Variables and update the stack."
        )


def _with_fresh_configuration(aws, config: dict, order: dict) -> tuple[object, str, str]:
    """Invoke with a fresh rate and key, in a new execution environment; put everything back afterwards."""
    ssm, secrets = aws.client("ssm"), aws.client("secretsmanager")
    fresh = aws.fresh
    rate, key = _rate(fresh), fresh.name("check-key-", 24)
    old_rate = ssm.get_parameter(Name=PARAMETER)["Parameter"]["Value"]
    old_key = secrets.get_secret_value(SecretId=SECRET)["SecretString"]
    variables = (config.get("Environment") or {}).get("Variables") or {}
    ssm.put_parameter(Name=PARAMETER, Value=rate, Type="String", Overwrite=True)
    try:
        secrets.put_secret_value(SecretId=SECRET, SecretString=key)
        try:
            changed = {**variables, FRESH_ENVIRONMENT_VARIABLE: fresh.token()}
            with aws.configured(FUNCTION, Environment={"Variables": changed}):
                result = aws.invoke(FUNCTION, order)
        finally:
            secrets.put_secret_value(SecretId=SECRET, SecretString=old_key)
    finally:
        ssm.put_parameter(Name=PARAMETER, Value=old_rate, Type="String", Overwrite=True)
    return result, rate, key


@lab.step(
    "stack",
    f"Deploy {FUNCTION} as the stack {STACK}, configured from the parameter and the secret",
    hints=[
        f"The template has one resource of type AWS::Lambda::Function with FunctionName '{FUNCTION}', Runtime "
        f"'{RUNTIME}', Handler '{HANDLER}', Role ROLE_ARN, Code {{'S3Bucket': '{BUCKET}', 'S3Key': "
        f"'{PACKAGE_KEY}'}} and Layers [LAYER_VERSION_ARN].",
        f"Environment.Variables names where the configuration lives: {PARAMETER_VARIABLE} '{PARAMETER}' and "
        f"{SECRET_VARIABLE} '{SECRET}'. The handler reads the values with them at run time "
        "(`parameters.get_parameter(...)`, `parameters.get_secret(...)`), so a new rate or key needs no redeployment.",
        f"`cloudformation.create_stack(StackName='{STACK}', TemplateBody=json.dumps(TEMPLATE))`, then the waiter "
        "`stack_create_complete`. After a change, `update_stack` (and `stack_update_complete`).",
    ],
    solution="""
TEMPLATE = {
    "AWSTemplateFormatVersion": "2010-09-09",
    "Resources": {
        "InvoiceFunction": {
            "Type": "AWS::Lambda::Function",
            "Properties": {
                "FunctionName": FUNCTION_NAME,
                "Runtime": "python3.12",
                "Handler": "app.handler",
                "Role": ROLE_ARN,
                "Code": {"S3Bucket": BUCKET, "S3Key": PACKAGE_KEY},
                "Layers": [LAYER_VERSION_ARN],
                "Timeout": 10,
                "Environment": {
                    "Variables": {"TAX_RATE_PARAMETER": PARAMETER_NAME, "SIGNING_KEY_SECRET": SECRET_NAME}
                },
            },
        }
    },
}
cloudformation.create_stack(StackName=STACK_NAME, TemplateBody=json.dumps(TEMPLATE))
cloudformation.get_waiter("stack_create_complete").wait(StackName=STACK_NAME, WaiterConfig={"Delay": 1})
""",
)
def stack(aws):
    _stack(aws)
    owned = _owned_functions(aws)
    if FUNCTION not in owned:
        lam = aws.client("lambda")
        try:
            lam.get_function_configuration(FunctionName=FUNCTION)
            outside = f"; the function {FUNCTION} exists, but was made outside the stack: delete it and let the stack create it"
        except lam.exceptions.ResourceNotFoundException:
            outside = ""
        functions = f"the functions {', '.join(owned)}" if owned else "no function"
        raise Failed(
            f"{STACK} holds {functions}, not {FUNCTION!r} (set FunctionName in the template){outside}."
        )
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    aws.expect_configuration(
        config, Runtime=RUNTIME, Handler=HANDLER, how="Change the template and update the stack"
    )
    sha = _package_sha(aws)
    if sha is None or config.get("CodeSha256") != sha:
        raise Failed(
            f"{FUNCTION}'s code is not s3://{BUCKET}/{PACKAGE_KEY} as it is now: give the template Code "
            f"{{'S3Bucket': '{BUCKET}', 'S3Key': '{PACKAGE_KEY}'}}. CloudFormation reads the object only when the "
            "Code property changes: after uploading a new package, change the key (or add S3ObjectVersion) and "
            "update the stack."
        )
    layer_arns = [entry["Arn"] for entry in config.get("Layers") or []]
    if not any(arn.split(":")[-2] == LAYER for arn in layer_arns):
        raise Failed(
            f"{FUNCTION} has no version of the layer {LAYER} attached (Layers is {layer_arns}): give the template "
            "Layers [LAYER_VERSION_ARN]."
        )
    _expect_environment(aws, config)
    order = _order(aws.fresh)
    result, rate, key = _with_fresh_configuration(aws, config, order)
    if result.function_error:
        raise Failed(f"{FUNCTION} failed on an order of the check's: {result.error_summary}.")
    wanted = expected_invoice(order, rate, key)
    answer = result.payload if isinstance(result.payload, dict) else {}
    if answer.get("tax_cents") != wanted["tax_cents"] or answer.get("total_cents") != wanted["total_cents"]:
        raise Failed(
            f"with the parameter {PARAMETER} set to another rate, {FUNCTION} answered tax_cents "
            f"{answer.get('tax_cents')!r} for a subtotal of {wanted['subtotal_cents']} cents; at that rate it is "
            f"{wanted['tax_cents']}. Read the rate in the handler, from the parameter {PARAMETER_VARIABLE} names, "
            "not in the notebook when you deploy."
        )
    if answer.get("signature") != wanted["signature"]:
        raise Failed(
            f"with the secret {SECRET} set to another key, {FUNCTION}'s signature is not the HMAC-SHA256 of "
            f"'<order_id>:<total_cents>' with that key. Read the key in the handler, from the secret "
            f"{SECRET_VARIABLE} names, not in the notebook when you deploy."
        )
    wrong = [
        f"{field} is {answer.get(field)!r}, not {value!r}"
        for field, value in wanted.items()
        if answer.get(field) != value
    ]
    extra = sorted(set(answer) - set(wanted))
    if wrong or extra:
        problems = wrong + ([f"it also returns {', '.join(extra)}"] if extra else [])
        raise Failed(
            f"{FUNCTION}'s invoice for an order of the check's is not the one APP_PY computes: {'; '.join(problems)}. "
            "Keep the handler as given and write settings() only."
        )
    return (
        f"{STACK} owns {FUNCTION}, built from the package with the layer attached; it read a new rate and a new key "
        "without being redeployed"
    )
