"""Lab checks: is each step of a lab done? Checked through boto3 against your sandbox.

In a lab notebook::

    from workbook import checks

    checks.step("01-serverless-concepts", "deploy").check()    # one step
    checks.run("01-serverless-concepts")                       # every step, as a table
    checks.hint("01-serverless-concepts", "deploy")            # a nudge; n=2, n=3 say more
    checks.solution("01-serverless-concepts", "deploy")        # one way to do it

Checks never raise: whatever goes wrong shows up as a row in the table. Each check of a step you have
attempted is recorded in your progress log (``python -m workbook progress``) as one attempt; checking it
again with the same result (the table at the end of a lab, say) is not a new attempt.

When a notebook is graded (``python -m workbook grade``), the same checks run in the grader's process,
not in your kernel: see :mod:`workbook.checks.grade`. The check cells then only hand over your answers,
and the table says that the grader checks each step.

Writing a lab's checks: see :mod:`workbook.checks.model` and ``workbook/checks/labs/``.
"""

from __future__ import annotations

import os
import time
import warnings

from .context import Aws, Invocation
from .model import Failed, Lab, NotAttempted, Outcome, Status, Step, hint_number
from .registry import UnknownLab, all_labs, get_lab
from .view import Note, Report

__all__ = [
    "Aws",
    "Failed",
    "Invocation",
    "Lab",
    "Note",
    "NotAttempted",
    "Outcome",
    "Report",
    "Status",
    "Step",
    "hint",
    "lab_names",
    "results",
    "results_json",
    "run",
    "solution",
    "step",
]

# (module, step) -> the values last passed to checks.step(module, step).check(...), so that
# checks.run(module) re-checks the learner's answer without asking for it again.
_remembered: dict[tuple[str, str], tuple[tuple, dict]] = {}
# (module, step) -> when those values were passed (time.monotonic()): the moment the answer stands for.
_answered_at: dict[tuple[str, str], float] = {}
# Set by the grader in the kernels it starts: the grader runs the checks, a self-check would only repeat them.
GRADED_VARIABLE = "WORKBOOK_GRADED"
BEING_GRADED = "this notebook is being graded: the grader checks this step itself, outside this kernel"
# (progress log, module, step) -> (status, feedback) last recorded from this kernel.
_last_recorded: dict[tuple[str, str, str], tuple[str, str]] = {}


def lab_names() -> list[str]:
    """Which labs have checks?

    Example::

        checks.lab_names()   # ['01-serverless-concepts', ...]
    """
    return sorted(all_labs())


def run(module: str) -> Report:
    """Check every step of the lab ``module``, show a table, and record each step in your progress.

    Example::

        checks.run("01-serverless-concepts")
    """
    return _check(module, None, record=True)


def results(module: str) -> Report:
    """Like :func:`run` but records nothing (for instructors' grading and for tests)."""
    return _check(module, None, record=False)


def results_json(module: str) -> str:
    """:func:`results` as one line of JSON (what ``python -m workbook grade`` reads)."""
    return results(module).to_json()


class StepHandle:
    """One step of a lab, ready to check. Get one with :func:`step`."""

    def __init__(self, module: str, step_id: str):
        self.module, self.step_id = module, step_id

    def check(self, *values, **named) -> Report:
        """Check this step (and record the result). Pass your answer when the step asks for one.

        Example::

            checks.step("01-serverless-concepts", "report").check(report)
        """
        if values or named:
            _remembered[(self.module, self.step_id)] = (values, named)
            _answered_at[(self.module, self.step_id)] = time.monotonic()
        return _check(self.module, self.step_id, record=True)

    def hint(self, n: int = 1) -> Note:
        """Hint ``n`` for this step (1 = gentlest)."""
        return hint(self.module, self.step_id, n)

    def solution(self) -> Note:
        """One way to do this step."""
        return solution(self.module, self.step_id)

    def __repr__(self) -> str:
        return f"<lab step {self.module} · {self.step_id}: .check(), .hint(n), .solution()>"


def step(module: str, step_id: str) -> StepHandle:
    """One step of a lab: ``.check(...)``, ``.hint(n)``, ``.solution()``.

    Example::

        checks.step("01-serverless-concepts", "deploy").check()
    """
    return StepHandle(module, step_id)


def hint(module: str, step_id: str, n: int = 1) -> Note:
    """Hint number ``n`` for a step: 1 is a nudge, higher numbers say more.

    Example::

        checks.hint("01-serverless-concepts", "deploy", n=2)
    """
    the_step = _find_step(module, step_id)
    if isinstance(the_step, str):
        return Note("No hint", the_step)
    total = len(the_step.hints)
    shown = min(hint_number(n), total)
    heading = f"Hint {shown} of {total} · {the_step.title}" if total else f"Hint · {the_step.title}"
    return Note(heading, the_step.hint(n))


def solution(module: str, step_id: str) -> Note:
    """One way to do a step (try the hints first).

    Example::

        checks.solution("01-serverless-concepts", "deploy")
    """
    the_step = _find_step(module, step_id)
    if isinstance(the_step, str):
        return Note("No solution", the_step)
    if not the_step.solution:
        return Note(f"Solution · {the_step.title}", "There is no reference solution for this step.")
    body = f"```python\n{the_step.solution}\n```"
    return Note(f"Solution · {the_step.title}", body)


def _find_step(module: str, step_id: str) -> Step | str:
    """The step, or why there is none (the message for the learner)."""
    try:
        return get_lab(module).get(step_id)
    except (UnknownLab, KeyError) as exc:
        return _message(exc)


def _check(module: str, step_id: str | None, *, record: bool) -> Report:
    try:
        lab = get_lab(module)
        steps = lab.steps if step_id is None else [lab.get(step_id)]
    except (UnknownLab, KeyError) as exc:
        problem = Outcome(str(module), str(step_id or "-"), "unknown", Status.ERROR, _message(exc))
        return Report(str(module), "unknown lab", [problem])

    if os.environ.get(GRADED_VARIABLE):
        return Report(lab.module, lab.title, [s.outcome(Status.NOT_ATTEMPTED, BEING_GRADED) for s in steps])
    try:
        aws = Aws()
    except NotAttempted as exc:
        outcomes = [s.outcome(Status.NOT_ATTEMPTED, str(exc)) for s in steps]
    except Exception as exc:
        outcomes = [s.run(_Broken(exc)) for s in steps]
    else:
        outcomes = []
        for s in steps:
            values, named = _remembered.get((module, s.id), ((), {}))
            outcomes.append(s.run(aws, *values, answered_at=_answered_at.get((module, s.id)), **named))
    if record:
        for outcome in outcomes:
            if outcome.status in (Status.PASSED, Status.FAILED) and _is_new_attempt(outcome):
                _record(outcome)
    return Report(lab.module, lab.title, outcomes)


class _Broken:
    """Stands in for Aws when it could not be built, so each step reports the reason."""

    def __init__(self, exc: Exception):
        self._exc = exc

    def __getattr__(self, name):
        raise self._exc


def _is_new_attempt(outcome: Outcome) -> bool:
    """Is this outcome an attempt of its own, not the same result shown again?

    A step passing again, or failing again with the same feedback, is the same attempt seen twice (the
    step's check cell, then the table at the end of the lab); a changed result is a new attempt.
    """
    try:
        from workbook import progress

        log = str(progress.log_path())
    except Exception:
        log = ""
    key = (log, outcome.module, outcome.step)
    previous = _last_recorded.get(key)
    current = (outcome.status.value, "" if outcome.passed else outcome.feedback)
    _last_recorded[key] = current
    return previous != current


def _record(outcome: Outcome) -> None:
    """Append one attempt to the learner's progress log; if that is not possible, say so in a warning.

    Steps not attempted (or not checkable) are not attempts: recording them would make every opened
    starter lab count as a wrong first try in the per-question statistics.
    """
    try:
        from workbook import progress  # pandas, only once there is something to record

        progress.record(
            outcome.module,
            outcome.step,
            outcome.status.value,
            outcome.passed,
            1.0 if outcome.passed else 0.0,
            kind="lab",
            bank_version=None,
            feedback=outcome.feedback,
        )
    except Exception as exc:  # a check must never fail because the log cannot be written
        warnings.warn(f"this result was not saved to your progress log: {exc}", stacklevel=3)


def _message(exc: BaseException) -> str:
    return exc.args[0] if isinstance(exc, KeyError) and exc.args else str(exc)
