"""The lab-check machinery on a small made-up lab: table, never-raises, not attempted, hints, progress."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys

import pytest

from workbook import checks, progress
from workbook.checks import Failed, Lab, NotAttempted, Status, registry
from workbook.checks.model import hint_number

DEMO = "99-demo"


@pytest.fixture
def demo(monkeypatch, tmp_path):
    """A registered lab with a step of each kind, an endpoint never called, and an empty progress log."""
    lab = Lab(DEMO, "Demo lab")

    @lab.step("done", "A step that passes", hints=["first", "second", "third"], solution="x = 1")
    def done(aws):
        return "well done"

    @lab.step("wrong", "A step that fails <b>", hints=["only hint"])
    def wrong(aws):
        raise Failed("your handler returned None; the event asked for <42>")

    @lab.step("todo", "A step not started")
    def todo(aws):
        raise NotAttempted("create the queue first")

    @lab.step("crash", "A step whose check crashes")
    def crash(aws):
        return {}["missing"]

    @lab.step("value", "A step that needs the learner's answer")
    def value(aws, answer=None):
        if answer is None:
            raise NotAttempted("pass your answer")
        if answer != 42:
            raise Failed(f"{answer} is not the answer")
        return "42 it is"

    monkeypatch.setitem(registry.all_labs(), DEMO, lab)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.setattr("workbook.sandbox.current", lambda: None)
    checks._remembered.clear()
    yield lab
    checks._remembered.clear()


def statuses(report):
    return {o.step: o.status for o in report.outcomes}


def test_run_checks_every_step_in_order(demo):
    """Does checks.run give one outcome per step, in the lab's order, with the right status?"""
    report = checks.run(DEMO)
    assert [o.step for o in report.outcomes] == ["done", "wrong", "todo", "crash", "value"]
    assert statuses(report) == {
        "done": Status.PASSED,
        "wrong": Status.FAILED,
        "todo": Status.NOT_ATTEMPTED,
        "crash": Status.ERROR,
        "value": Status.NOT_ATTEMPTED,
    }


def test_the_html_table_shows_symbols_and_escaped_feedback(demo):
    """Does the notebook table show ✓/✗, the feedback, and escape HTML in titles and feedback?"""
    page = checks.run(DEMO)._repr_html_()
    assert "✓" in page and "✗" in page
    assert "your handler returned None; the event asked for &lt;42&gt;" in page
    assert "A step that fails &lt;b&gt;" in page


def test_a_crashing_check_becomes_a_could_not_check_row(demo):
    """Does an exception inside a check become a readable row instead of a traceback?"""
    outcome = checks.step(DEMO, "crash").check().outcomes[0]
    assert outcome.status is Status.ERROR
    assert outcome.feedback == "could not check: KeyError: 'missing'"


def test_an_unknown_lab_is_a_row_not_an_exception(demo):
    """Does a misspelt lab name give a row that names the labs there are?"""
    report = checks.run("99-dem")
    assert report.outcomes[0].status is Status.ERROR
    assert DEMO in report.outcomes[0].feedback


def test_an_unknown_step_is_a_row_that_lists_the_steps(demo):
    """Does a misspelt step name give a row that lists the lab's steps?"""
    outcome = checks.step(DEMO, "dnoe").check().outcomes[0]
    assert outcome.status is Status.ERROR
    assert "'done'" in outcome.feedback


def test_a_lab_nobody_started_says_not_done_yet(demo):
    """Does a lab whose steps are all not attempted say "not done yet"?"""
    demo.steps = [s for s in demo.steps if s.id in ("todo", "value")]
    assert checks.run(DEMO).summary.startswith("not done yet")


def test_a_finished_lab_says_self_check_passed(demo):
    """Does a lab with every step passing say "self-check passed" (never "all tests passed")?"""
    demo.steps = [s for s in demo.steps if s.id == "done"]
    report = checks.run(DEMO)
    assert report.passed and report.score == 1.0
    assert "self-check passed" in report.summary and "tests" not in str(report)


def test_without_a_sandbox_every_step_is_not_attempted(monkeypatch, demo):
    """With no sandbox and no loopback endpoint, do checks ask to start the sandbox instead of calling AWS?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL")
    report = checks.run(DEMO)
    assert set(statuses(report).values()) == {Status.NOT_ATTEMPTED}
    assert "sandbox.start()" in report.outcomes[0].feedback


def test_a_real_aws_endpoint_is_never_used(monkeypatch, demo):
    """Is an AWS_ENDPOINT_URL that is not loopback refused?"""
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://lambda.us-east-1.amazonaws.com")
    assert set(statuses(checks.run(DEMO)).values()) == {Status.NOT_ATTEMPTED}


def test_a_value_passed_to_check_is_checked(demo):
    """Does step(...).check(value) hand the value to the check?"""
    assert checks.step(DEMO, "value").check(41).outcomes[0].status is Status.FAILED
    assert checks.step(DEMO, "value").check(42).outcomes[0].status is Status.PASSED


def test_run_rechecks_the_last_value_passed(demo):
    """After step(...).check(42), does checks.run still see 42 for that step?"""
    checks.step(DEMO, "value").check(42)
    assert statuses(checks.run(DEMO))["value"] is Status.PASSED


def test_each_attempted_step_is_recorded_once_per_run(demo):
    """Does one checks.run append one lab attempt per attempted step (passed or failed)?"""
    checks.run(DEMO)
    logged = [(a["kind"], a["module"], a["item_id"], a["correct"], a["score"]) for a in progress.attempts()]
    assert logged == [("lab", DEMO, "done", True, 1.0), ("lab", DEMO, "wrong", False, 0.0)]


def test_feedback_is_recorded_with_the_attempt(demo):
    """Does the recorded attempt carry the feedback the learner saw?"""
    checks.step(DEMO, "wrong").check()
    assert progress.attempts()[-1]["feedback"] == "your handler returned None; the event asked for <42>"


def test_steps_not_attempted_are_not_recorded(demo):
    """Are "not done yet" and "could not check" rows kept out of the attempt log?"""
    checks.step(DEMO, "todo").check()
    checks.step(DEMO, "crash").check()
    assert progress.attempts() == []


def test_a_graded_kernel_hands_over_answers_without_checking(monkeypatch, demo):
    """In a kernel the grader started, does a check cell keep the answer but leave the checking (and the
    log) to the grader, so that the same work is not done twice?"""
    from workbook.checks import answers

    monkeypatch.setenv(checks.GRADED_VARIABLE, "1")
    monkeypatch.setattr(checks, "Aws", lambda: pytest.fail("a graded kernel built the checks' clients"))
    report = checks.step(DEMO, "value").check(42)
    assert [(o.status, o.feedback) for o in report.outcomes] == [(Status.NOT_ATTEMPTED, checks.BEING_GRADED)]
    assert {o.status for o in checks.run(DEMO).outcomes} == {Status.NOT_ATTEMPTED}
    assert progress.attempts() == []
    assert '"passed": {"value": [[42], {}]}' in answers.export({}, [], DEMO)


def test_results_records_nothing(demo):
    """Does checks.results (used by the grader) leave the attempt log alone?"""
    checks.results(DEMO)
    assert progress.attempts() == []


def test_a_broken_progress_log_does_not_break_the_check(monkeypatch, demo):
    """If recording fails, does the learner still get the table, with a warning saying it was not saved?"""

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(progress, "record", broken)
    with pytest.warns(UserWarning, match="not saved to your progress log: disk full"):
        report = checks.run(DEMO)
    assert statuses(report)["done"] is Status.PASSED


def test_results_json_is_one_line_with_score_and_steps(demo):
    """Does results_json give one JSON line with the score, the counts and every step?"""
    import json

    text = checks.results_json(DEMO)
    assert "\n" not in text
    data = json.loads(text)
    assert (data["module"], data["passed"], data["total"], data["score"]) == (DEMO, 1, 5, 0.2)
    statuses = [s["status"] for s in data["steps"]]
    assert statuses == ["passed", "failed", "not_attempted", "error", "not_attempted"]


def test_steps_that_are_not_exercises_do_not_count(demo):
    """Is a step declared with exercise=False left out of the score?"""

    @demo.step("setup", "Start the sandbox", exercise=False)
    def setup(aws):
        return "ready"

    report = checks.results(DEMO)
    assert report.to_dict()["total"] == 5
    assert "(not scored)" in report._repr_html_()


def test_hints_get_more_specific_with_n(demo):
    """Do hint(n=1), hint(n=2), hint(n=3) give the hints in order, numbered?"""
    shown = [checks.hint(DEMO, "done", n=n) for n in (1, 2, 3)]
    assert [note.body for note in shown] == ["first", "second", "third"]
    assert shown[1].heading.startswith("Hint 2 of 3")


@pytest.mark.parametrize("asked, number", [(3, 3), ("2", 2), (0, 1), (-1, 1), ("more", 1), (1.5, 1)])
def test_a_hint_number_is_a_whole_number_from_one(asked, number):
    """Is anything but a whole number from 1 up read as a request for the first hint?"""
    assert hint_number(asked) == number


def test_asking_past_the_last_hint_points_to_the_solution(demo):
    """Does hint(n=9) repeat the last hint and point to checks.solution?"""
    note = checks.hint(DEMO, "wrong", n=9)
    assert note.body.startswith("only hint") and "checks.solution" in note.body


def test_a_step_without_hints_points_to_the_solution(demo):
    """Does a step with no hints say so instead of raising?"""
    assert "checks.solution" in checks.hint(DEMO, "todo").body


def test_solution_shows_the_code_as_a_python_block(demo):
    """Does checks.solution show the reference code in a Markdown code block?"""
    note = checks.solution(DEMO, "done")
    assert note._repr_markdown_().endswith("```python\nx = 1\n```")


def test_hint_for_an_unknown_step_is_a_note_not_an_exception(demo):
    """Does asking for a hint of a step that does not exist explain instead of raising?"""
    assert "no step" in checks.hint(DEMO, "nope").body


def test_report_converts_to_a_dataframe(demo):
    """Can an instructor get the table as a pandas DataFrame?"""
    frame = checks.results(DEMO).to_frame()
    assert list(frame.columns) == ["step", "title", "result", "feedback"]
    assert frame.loc[0, "result"] == "✓ self-check passed"


def test_lab_names_lists_the_registered_labs(demo):
    """Does checks.lab_names() list every lab with checks, the pilot included?"""
    assert {"01-serverless-concepts", DEMO} <= set(checks.lab_names())


def test_two_steps_with_the_same_id_are_refused():
    """Does declaring a step id twice fail when the lab module is imported?"""
    lab = Lab("98-twice", "Twice")
    lab.step("a", "A")(lambda aws: None)
    with pytest.raises(ValueError, match="already has a step 'a'"):
        lab.step("a", "A again")(lambda aws: None)


def test_notebook_files_map_to_their_lab():
    """Do file names like 01-serverless-concepts-ada map to the 01-serverless-concepts lab?"""
    assert registry.lab_for_file("01-serverless-concepts").module == "01-serverless-concepts"
    assert registry.lab_for_file("01-serverless-concepts-ada").module == "01-serverless-concepts"
    assert registry.lab_for_file("homework") is None


def test_a_lab_s_checks_load_without_the_other_labs():
    """Does the first check of a lab import that lab's checks only (a learner's first check cell stays
    quick), are all the labs still listed in order afterwards, and is every lab's file named so that this
    works (m01_serverless_concepts.py)?"""
    code = (
        "import sys\n"
        "from workbook.checks import registry\n"
        "registry.get_lab('01-serverless-concepts')\n"
        "print(sorted(m for m in sys.modules if m.startswith('workbook.checks.labs.m')))\n"
        "registry.get_lab('05-execution-environment')\n"
        "print(list(registry.all_labs()) == sorted(registry.all_labs()))"
    )
    loaded, in_order = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert loaded == "['workbook.checks.labs.m01_serverless_concepts']"
    assert in_order == "True", "all_labs() lists the labs in order, whichever was checked first"
    for module in registry.all_labs():
        expected = "m" + module.replace("-", "_")
        assert importlib.util.find_spec(f"workbook.checks.labs.{expected}"), f"name {module}'s checks {expected}.py"


@pytest.mark.parametrize("module", sorted(registry.all_labs()))
def test_every_registered_step_has_hints_and_a_solution_that_parses(module):
    """Does each step of each real lab offer graded hints and Python that compiles as its solution?"""
    for step in registry.get_lab(module).steps:
        assert len(step.hints) >= 2, f"{module}/{step.id} needs graded hints"
        ast.parse(step.solution, filename=f"{module}/{step.id}")

