"""Lab 01 · your first function: deploy it from a zip, invoke it with a test event, read its REPORT line."""

from __future__ import annotations

import base64
import binascii
import math

from workbook import lambda_logs
from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.values import as_number, type_name

FUNCTION = "hello-lambda"
ROLE = "hello-lambda-role"
RUNTIME = "python3.12"
REQUIRED_NUMBERS = ("Duration", "Billed Duration", "Memory Size", "Max Memory Used")
REDEPLOY = (
    "Fix the source, zip it again and send it to the function you have: "
    f"lam.update_function_code(FunctionName='{FUNCTION}', ZipFile=...), then check again."
)

lab = Lab("01-serverless-concepts", "Lab 01 · Your first Lambda function")


@lab.step(
    "role",
    f"Create the execution role {ROLE}",
    watches=("iam-role:hello-lambda-role",),
    hints=[
        "A Lambda function acts with the permissions of its execution role. The role needs two policies: "
        "a *trust policy* saying who may assume it, and a *permission policy* saying what it may do.",
        "The trust policy has one statement: `Effect` `Allow`, "
        "`Principal` `{'Service': 'lambda.amazonaws.com'}`, `Action` `sts:AssumeRole`. "
        "Pass it as a JSON string to `iam.create_role(RoleName=..., AssumeRolePolicyDocument=...)`.",
        "For the permissions, `iam.put_role_policy(RoleName='hello-lambda-role', PolicyName='write-logs', "
        "PolicyDocument=json.dumps(...))` with an Allow statement for `logs:CreateLogGroup`, "
        "`logs:CreateLogStream` and `logs:PutLogEvents` on `Resource` `'*'`.",
    ],
    solution='''
TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }],
}
WRITE_LOGS = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "*",
    }],
}
role_arn = iam.create_role(RoleName="hello-lambda-role",
                           AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
iam.put_role_policy(RoleName="hello-lambda-role", PolicyName="write-logs",
                    PolicyDocument=json.dumps(WRITE_LOGS))
''',
)
def role(aws):
    aws.least_privilege_role(ROLE, aws.log_writing(FUNCTION), job="a function that writes its logs needs")
    return f"{ROLE} can be assumed by Lambda only, and may write logs and nothing more"


@lab.step(
    "deploy",
    f"Deploy {FUNCTION} from a zip built in the notebook",
    watches=("lambda:hello-lambda", "iam-role:hello-lambda-role"),
    hints=[
        f"`{FUNCTION}` must answer the event `{{'name': 'Ada'}}` with `{{'message': 'Hello, Ada!'}}`. "
        "Write the handler's source as a string, put it in a zip file in memory, and hand the zip's bytes to "
        "`lam.create_function`.",
        "`zipfile.ZipFile(buffer, 'w')` over an `io.BytesIO()` builds the zip; "
        "`archive.writestr('lambda_function.py', SOURCE)` adds the file; "
        "`buffer.getvalue()` is what goes into `Code={'ZipFile': ...}`.",
        "The `Handler` setting is `file.function`: for a file `lambda_function.py` with "
        "`def lambda_handler(event, context)` it is `'lambda_function.lambda_handler'`. "
        f"Also pass `Runtime='python3.12'` and `Role=role_arn` (the ARN of {ROLE}).",
    ],
    solution='''
SOURCE = """
def lambda_handler(event, context):
    name = event.get("name", "world")
    print(f"greeting {name}")
    return {"message": f"Hello, {name}!"}
"""
buffer = io.BytesIO()
with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
    archive.writestr("lambda_function.py", SOURCE)

lam.create_function(
    FunctionName="hello-lambda",
    Runtime="python3.12",
    Role=role_arn,
    Handler="lambda_function.lambda_handler",
    Code={"ZipFile": buffer.getvalue()},
)
lam.get_waiter("function_active_v2").wait(FunctionName="hello-lambda")
''',
)
def deploy(aws):
    config = aws.function(FUNCTION)
    runtime_fix = (
        f"lam.update_function_configuration(FunctionName='{FUNCTION}', Runtime='{RUNTIME}') changes it"
    )
    if not config.get("Runtime", "").startswith("python3"):
        raise Failed(f"{FUNCTION} runs {config.get('Runtime')!r}; this lab needs {RUNTIME!r}: {runtime_fix}.")
    aws.expect_configuration(config, Runtime=RUNTIME, how=runtime_fix)
    aws.expect_role(config, ROLE)
    handler = config.get("Handler", "")
    if "." not in handler:
        raise Failed(
            f"the Handler setting is {handler!r}; it must be 'file.function', "
            "e.g. 'lambda_function.lambda_handler'."
        )
    # Names of the check's own, new on every run (one with a space and a non-ASCII letter): a handler that
    # answers only Ada, or only the last name it saw, does not pass.
    for name in (aws.fresh.name("Checker-"), aws.fresh.name("Zoë ")):
        event = {"name": name}
        result = aws.invoke(FUNCTION, event)
        expected = {"message": f"Hello, {name}!"}
        if result.function_error:
            raise Failed(_explain_error(result, handler))
        if result.payload is None:
            raise Failed(
                f"your handler returned None; the event {event} asked for a greeting: return {expected}. {REDEPLOY}"
            )
        if result.payload != expected:
            raise Failed(
                f"for the event {event} your handler returned {result.payload!r}; expected {expected}. "
                f"Greet the name the event carries. {REDEPLOY}"
            )
    return f"{FUNCTION} ({config['Runtime']}, handler {handler}, role {ROLE}) greets any name it is sent"


@lab.step(
    "invoke",
    "Invoke it with a test event and read the log tail",
    hints=[
        "Invoke synchronously and ask for the log: "
        "`lam.invoke(FunctionName=..., Payload=..., LogType='Tail')`. Then pass the decoded log text "
        "to the check: `checks.step('01-serverless-concepts', 'invoke').check(log)`.",
        "`Payload` is bytes: `json.dumps({'name': 'Ada'}).encode()`. "
        "The response's `LogResult` holds the last 4 KB of the log, base64-encoded.",
        "`log = base64.b64decode(response['LogResult']).decode()` gives text with a START, "
        "an END and a REPORT line.",
    ],
    answers=("log",),
    solution='''
response = lam.invoke(
    FunctionName="hello-lambda",
    Payload=json.dumps({"name": "Ada"}).encode(),
    LogType="Tail",
)
result = json.loads(response["Payload"].read())
log = base64.b64decode(response["LogResult"]).decode()
print(result)
print(log)
''',
)
def invoke(aws, log=None):
    if log is None or log == "":
        raise NotAttempted(
            "invoke hello-lambda with LogType='Tail', decode LogResult, then pass the text: "
            "checks.step('01-serverless-concepts', 'invoke').check(log)"
        )
    log = _as_text(log)
    if _is_base64_of_a_log(log):
        raise Failed(
            "that is still base64: decode it first with base64.b64decode(response['LogResult']).decode()."
        )
    start = lambda_logs.platform_lines(log, "START")
    reports = lambda_logs.platform_lines(log, "REPORT")
    if not reports:  # START alone may be missing: LogResult keeps only the last 4 KB of a long log
        missing = "REPORT" if start else "START and REPORT"
        raise Failed(
            f"the text you passed has no {missing} line. Pass the decoded LogResult of an invoke made with "
            "LogType='Tail' (not the Payload)."
        )
    request_id = lambda_logs.request_id(reports[-1])
    if start and request_id != lambda_logs.request_id(start[-1]):
        raise Failed("the START and REPORT lines carry different request ids: pass one invocation's log.")
    aws.function(FUNCTION)
    known = {r.get("RequestId") for r in aws.reports(FUNCTION)}
    if request_id not in known:
        raise Failed(
            f"no invocation of {FUNCTION} with request id {request_id} is in its CloudWatch log group "
            f"/aws/lambda/{FUNCTION}: pass the log of an invocation of {FUNCTION}."
        )
    return f"request {request_id} of {FUNCTION}: START, END and REPORT found"


@lab.step(
    "report",
    "Parse the REPORT line into numbers",
    hints=[
        "Find the line of `log` that starts with `REPORT`. "
        "Its fields are separated by tab characters (`'\\t'`), and each field looks like `Name: value unit`.",
        "Split the line on `'\\t'`, skip empty parts, split each part once on `': '`. "
        "Drop the unit (`ms`, `MB`) and turn the value into a number: "
        "`float` for durations, `int` for Billed Duration and memory.",
        "The dict needs the keys `RequestId`, `Duration`, `Billed Duration`, `Memory Size` and "
        "`Max Memory Used` (the first field "
        "looks like `REPORT RequestId: <id>`, so strip the `REPORT ` prefix first), and `Init Duration` when "
        "the line has one. Then `checks.step('01-serverless-concepts', 'report').check(report)`.",
    ],
    answers=("report",),
    solution='''
report_line = next(line for line in log.splitlines() if line.startswith("REPORT"))
report = {}
for field in report_line.removeprefix("REPORT ").split("\\t"):
    if not field.strip():
        continue
    name, value = field.split(": ", 1)
    if name == "RequestId":
        report[name] = value
    elif name in ("Billed Duration", "Memory Size", "Max Memory Used"):
        report[name] = int(value.split()[0])
    else:
        report[name] = float(value.split()[0])
report
''',
)
def report(aws, report=None):
    if report is None:
        raise NotAttempted(
            "parse the REPORT line into a dict, then: "
            "checks.step('01-serverless-concepts', 'report').check(report)"
        )
    if not isinstance(report, dict):
        raise Failed(f"pass a dict (field name → number); you passed a {type_name(report)}.")
    required = ("RequestId",) + REQUIRED_NUMBERS
    missing = [key for key in required if key not in report]
    if missing:
        names = ", ".join(repr(k) for k in missing)
        raise Failed(f"your dict has no {names}; use the field names as they appear in the REPORT line.")
    numbers = {}
    for key in REQUIRED_NUMBERS + tuple(k for k in ("Init Duration",) if k in report):
        numbers[key] = as_number(report[key])
        if numbers[key] is None:
            value = report[key]
            raise Failed(f"{key} is {value!r} ({type_name(value)}); store just the number, without the unit.")
    aws.function(FUNCTION)
    request_id = str(report["RequestId"]).strip()
    real = next((r for r in aws.reports(FUNCTION) if r.get("RequestId") == request_id), None)
    if real is None:
        raise Failed(
            f"no REPORT line of {FUNCTION} in CloudWatch Logs has RequestId {report['RequestId']!r}: "
            "parse the REPORT line of your own invocation."
        )
    if "Init Duration" in real and "Init Duration" not in report:
        raise Failed(
            "that REPORT line has an Init Duration (the invocation was a cold start): put it in your dict too."
        )
    for key, value in numbers.items():
        if key not in real:
            raise Failed(f"the REPORT line has no {key} field; leave it out of your dict.")
        if not math.isclose(value, real[key], abs_tol=0.006):
            unit = "MB" if "Memory" in key else "ms"
            raise Failed(f"{key} is {report[key]!r} in your dict; the REPORT line says {real[key]} {unit}.")
    return (
        f"billed {real['Billed Duration']} ms for {real['Duration']} ms of work, "
        f"{real['Max Memory Used']} of {real['Memory Size']} MB used"
    )


def _explain_error(result, handler: str) -> str:
    error = result.payload if isinstance(result.payload, dict) else {}
    kind = error.get("errorType", "")
    message = f"invoking {FUNCTION} failed with {result.error_summary}"
    module, _, function = handler.rpartition(".")
    if kind == "Runtime.ImportModuleError":
        return (
            f"{message}. Handler {handler!r} makes Lambda import {module}.py: is it at the top of the zip? "
            "Either rebuild the zip with that file name, or change the setting with "
            f"lam.update_function_configuration(FunctionName='{FUNCTION}', Handler=...)."
        )
    if kind == "Runtime.HandlerNotFound":
        return (
            f"{message}. The Handler {handler!r} needs a function named {function} in {module}.py: "
            "rename the function, or change the setting with "
            f"lam.update_function_configuration(FunctionName='{FUNCTION}', Handler=...)."
        )
    if kind == "Runtime.UserCodeSyntaxError":
        return f"{message}. Python could not import your file: correct that line. {REDEPLOY}"
    if kind == "Sandbox.Timedout":
        return (
            f"{message}. Your handler ran longer than the function's timeout: does it loop forever, "
            f"or wait for something that never comes? {REDEPLOY}"
        )
    if kind == "Runtime.ExitError":
        return (
            f"{message}. Your handler ended its own process (sys.exit()?): return the result instead. "
            f"{REDEPLOY}"
        )
    return (
        f"{message}. Your handler raised this error: invoke it yourself with LogType='Tail' and read the "
        f"traceback in the log. {REDEPLOY}"
    )


def _as_text(value) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if not isinstance(value, str):
        raise Failed(f"pass the log as text (a str); you passed a {type(value).__name__}.")
    return value


def _is_base64_of_a_log(text: str) -> bool:
    if " " in text.strip() or "START" in text:
        return False
    try:
        return "RequestId" in base64.b64decode(text.strip(), validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return False
