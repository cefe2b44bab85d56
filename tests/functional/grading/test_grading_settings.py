"""`python -m workbook grade` and the settings a notebook changes: sb.time_scale and sb.cpu."""

from __future__ import annotations

import pytest

from workbook.checks import Failed, Lab

from .submissions import Submission, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

SEEN: list[tuple[float, str | None]] = []
lab = Lab("98-settings", "A lab that only records the settings its check runs at")


@lab.step("queue", "A queue named settings-probe", hints=["sqs.create_queue"], solution="sqs.create_queue()")
def queue(aws):
    from workbook import sandbox

    sb = sandbox.current()
    SEEN.append((sb.time_scale, sb.cpu))
    if "settings-probe" not in str(aws.client("sqs").list_queues().get("QueueUrls")):
        raise Failed("there is no queue named settings-probe yet")
    return "found it"


def test_checks_run_at_the_graders_time_scale_and_the_notebooks_cpu(tmp_path, session_sandbox, monkeypatch):
    """Do a notebook's sb.time_scale = 600 and cpu="proportional" hold for its cells; do the checks run at the
    grader's time scale but the notebook's CPU mode; and are the grader's settings back once it is graded?"""
    from workbook.checks import registry

    sb = session_sandbox
    kept = (sb.time_scale, sb.cpu)
    monkeypatch.setattr(registry, "get_lab", lambda module: lab)
    SEEN.clear()
    notebook = Submission().append(
        """
        from workbook import sandbox
        sb = sandbox.start(cpu="proportional")
        sb.time_scale = 600
        """,
        'sb.client("sqs").create_queue(QueueName="settings-probe")',
        'assert (sb.time_scale, sb.cpu) == (600, "proportional"), "the check did not give the settings back"',
    )
    result = notebook.grade(tmp_path, "98-settings", module="98-settings")
    assert result["error"] is None and result["cell_errors"] == [], result
    assert statuses(result) == {"queue": "passed"}
    assert SEEN and set(SEEN) == {(kept[0], "proportional")}
    assert (sb.time_scale, sb.cpu) == kept
