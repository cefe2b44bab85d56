"""`python -m workbook grade`: the grade is computed outside the kernel, for the best state the work reached."""

from __future__ import annotations

import json

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "01-serverless-concepts"
ALL_PASSED = {"role": "passed", "deploy": "passed", "invoke": "passed", "report": "passed"}

FORGERY = """
from workbook import checks
from workbook.checks import model, view

def everything_passes(self, aws, *args, **kwargs):
    return self.outcome(model.Status.PASSED, "self-check passed")

model.Step.run = everything_passes
view.Report.score = property(lambda self: 1.0)
checks.results_json = lambda module: json.dumps({"score": 1.0, "passed": 4, "total": 4, "steps": []})
print("WORKBOOK-GRADE-RESULT " + json.dumps({"score": 1.0, "passed": 4, "total": 4, "steps": []}))
"""


@pytest.mark.parametrize("lab", ["01-serverless-concepts", "02-handlers", "03-context", "04-logging-monitoring"])
def test_forged_results_in_the_kernel_earn_nothing(tmp_path, lab):
    """Does a notebook that rewrites workbook.checks in its kernel to pass everything, and does nothing, score 0?"""
    forged = Submission().append("import json\nfrom workbook import sandbox\nsb = sandbox.start()", FORGERY,
                                 f"checks.run({lab!r})")  # fmt: skip
    result = forged.grade(tmp_path, f"{lab}-forged")
    assert result["error"] is None and result["cell_errors"] == []
    assert result["score"] == 0.0
    assert set(statuses(result).values()) == {"not_attempted"}


def test_forged_answers_are_checked_like_any_answer(tmp_path):
    """Does a made-up REPORT dict and log, handed to the checks in the kernel, fail against CloudWatch Logs?"""
    fake_id = "00000000-0000-4000-8000-000000000000"
    forged = (
        Submission(LAB)
        .edit("log = base64.b64decode", "log = base64.b64decode(response[\"LogResult\"]).decode()",
              f"log = 'START RequestId: {fake_id}\\nREPORT RequestId: {fake_id}\\tDuration: 1.00 ms'")  # fmt: skip
        .edit("report_line = next(", "report_line = next(line for line in log.splitlines() if line.startswith(\"REPORT\"))",
              f"report_line = 'REPORT RequestId: {fake_id}\\tDuration: 1.00 ms\\tBilled Duration: 1 ms\\t"
              "Memory Size: 128 MB\\tMax Memory Used: 30 MB'")  # fmt: skip
    )
    result = forged.grade(tmp_path, f"{LAB}-forged-answers")
    assert statuses(result) == {**ALL_PASSED, "invoke": "failed", "report": "failed"}
    assert fake_id in feedback(result, "invoke")


def test_tidying_up_at_the_end_keeps_the_credit(tmp_path):
    """Does deleting the function and the role and stopping the sandbox at the end keep full marks?"""
    tidy = Submission(LAB).append(
        """
        lam.delete_function(FunctionName="hello-lambda")
        iam.delete_role_policy(RoleName="hello-lambda-role", PolicyName="write-logs")
        iam.delete_role(RoleName="hello-lambda-role")
        sb.reset()
        sb.stop()
        """
    )
    result = tidy.grade(tmp_path, f"{LAB}-tidy")
    assert result["score"] == 1.0, result["steps"]
    cells = {step["step"]: step["cell"] for step in result["steps"]}
    assert cells["role"] == tidy.number_of('role_arn = iam.create_role(')
    assert cells["deploy"] == tidy.number_of("lam.create_function(")


def test_a_kernel_that_dies_keeps_the_credit_earned_before(tmp_path):
    """Does a kernel that dies after step 2 keep steps 1 and 2, name the cell, and leave steps 3 and 4 undone?"""
    dying = Submission(LAB).insert_after('checks.step("01-serverless-concepts", "deploy")', "import os\nos._exit(1)")
    result = dying.grade(tmp_path, f"{LAB}-dies")
    cell = dying.number_of("os._exit(1)")
    assert result["error"] is None
    assert statuses(result) == {"role": "passed", "deploy": "passed", "invoke": "not_attempted", "report": "not_attempted"}
    assert f"cell {cell}" in result["stopped"] and "died" in result["stopped"]
    assert {"cell": cell, "error": f"the kernel died while running cell {cell}"} in result["cell_errors"]


def test_a_cell_that_times_out_is_named_and_grading_goes_on(tmp_path):
    """Is a cell stopped by the per-cell timeout reported as "cell N timed out after S s", and the rest graded?"""
    slow = Submission(LAB).insert_after("lam.create_function(", "import time\ntime.sleep(60)")
    result = slow.grade(tmp_path, f"{LAB}-slow", timeout=5)
    cell = slow.number_of("time.sleep(60)")
    assert result["stopped"] is None
    assert {"cell": cell, "error": f"cell {cell} timed out after 5 s"} in result["cell_errors"]
    assert not any("KeyboardInterrupt" in e["error"] for e in result["cell_errors"])
    assert statuses(result) == ALL_PASSED


def test_a_step_done_after_a_failure_passes_at_the_cell_that_fixed_it(tmp_path):
    """Does a step that first fails and is then fixed pass, at the cell of the fix, with the first try's feedback gone?"""
    fixed_later = (
        Submission(LAB)
        .edit("SOURCE = '''", 'return {"message": f"Hello, {name}!"}', 'return {"message": "Hello, Ada!"}')
        .insert_after(
            'checks.step("01-serverless-concepts", "deploy")',
            """
            SOURCE = SOURCE.replace('"Hello, Ada!"', 'f"Hello, {name}!"')
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w") as archive:
                archive.writestr("lambda_function.py", SOURCE)
            lam.update_function_code(FunctionName="hello-lambda", ZipFile=buffer.getvalue())
            lam.get_waiter("function_updated_v2").wait(FunctionName="hello-lambda")
            """,
        )
    )
    result = fixed_later.grade(tmp_path, f"{LAB}-fixed")
    assert result["score"] == 1.0
    deploy = next(s for s in result["steps"] if s["step"] == "deploy")
    assert deploy["cell"] == fixed_later.number_of("lam.update_function_code(")


def test_the_checks_private_inputs_never_reach_the_kernel(tmp_path):
    """Are the names the grader's checks greet made up outside the kernel, which never sees one being made?"""
    spy = """
    from workbook.checks import fresh
    seen = []
    original = fresh.Fresh.private
    fresh.Fresh.private = lambda self, text: seen.append(text) or original(self, text)
    """
    submission = Submission(LAB).insert_after("sb = sandbox.start()", spy)
    for step in ("role", "deploy", "invoke", "report"):
        submission.drop(f'checks.step("01-serverless-concepts", "{step}")')
    submission.drop('checks.run("01-serverless-concepts")')
    submission.append("import pathlib\npathlib.Path('seen.json').write_text(json.dumps(seen))")
    result = submission.grade(tmp_path, f"{LAB}-spy")
    assert result["score"] == 1.0
    assert json.loads((tmp_path / "seen.json").read_text()) == []
    from workbook import sandbox

    logs = sandbox.current().client("logs").filter_log_events(logGroupName="/aws/lambda/hello-lambda")["events"]
    assert any("greeting Checker-" in event["message"] for event in logs), "the grader's checks greeted names"
