"""What a lab is made of: steps, each with a check, graded hints and a solution.

A lab module declares its steps like this::

    from workbook.checks import Failed, Lab, NotAttempted

    lab = Lab("01-serverless-concepts", "Your first function")

    @lab.step("deploy", "Deploy hello-lambda", hints=["…", "…"], solution="lam.create_function(…)")
    def deploy(aws):
        config = aws.function("hello-lambda")          # NotAttempted when it does not exist yet
        if not config["Runtime"].startswith("python"):
            raise Failed(f"hello-lambda runs {config['Runtime']}; this course uses Python")
        return "hello-lambda is deployed"              # what the learner sees on success

A check receives an :class:`~workbook.checks.context.Aws` (boto3 clients for the sandbox, and
``aws.fresh``: private inputs, new on every run and hidden in the feedback) and any values the learner
passed to ``checks.step(...).check(value)``. It returns a short success message (or None), or raises
:class:`NotAttempted` / :class:`Failed` with feedback. Any other exception becomes a "could not check"
row: the learner never sees a traceback.
"""

from __future__ import annotations

import enum
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from .fresh import Fresh


class NotAttempted(Exception):
    """The step has not been started: the resource does not exist, no value was passed, …"""


class Failed(Exception):
    """The step was attempted but is not right yet. The message says what is wrong and what was expected."""


class Status(enum.StrEnum):
    """How checking a step came out; ``symbol`` and ``label`` are how the table shows it."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_ATTEMPTED = "not_attempted"
    ERROR = "error"  # the check itself could not run

    @property
    def symbol(self) -> str:
        return {"passed": "✓", "failed": "✗", "not_attempted": "○", "error": "⚠"}[self.value]

    @property
    def label(self) -> str:
        return {
            "passed": "self-check passed",
            "failed": "not yet",
            "not_attempted": "not done yet",
            "error": "could not check",
        }[self.value]


@dataclass(frozen=True)
class Outcome:
    """The result of checking one step."""

    module: str
    step: str
    title: str
    status: Status
    feedback: str
    exercise: bool = True

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    def to_dict(self) -> dict:
        return {
            "module": self.module,
            "step": self.step,
            "title": self.title,
            "status": self.status.value,
            "passed": self.passed,
            "exercise": self.exercise,
            "feedback": self.feedback,
        }


CheckFunction = Callable[..., "str | None"]


@dataclass
class Step:
    """One step of a lab: an id, a title, a check, graded hints and a reference solution.

    ``exercise=False`` marks a step that the lab does for the learner (e.g. starting the sandbox):
    it is shown and checked but does not count toward the score.
    """

    module: str
    id: str
    title: str
    check: CheckFunction
    hints: Sequence[str] = ()
    solution: str = ""
    exercise: bool = True
    answers: Sequence[str] = ()
    watches: Sequence[str] = ()

    def run(self, aws, *args, answered_at: float | None = None, **kwargs) -> Outcome:
        """Run the check; never raises (apart from KeyboardInterrupt and friends).

        Each run gets new private inputs (``aws.fresh``), hidden in the feedback. ``answered_at`` is when
        the learner's answer was taken (``time.monotonic()``; default now), for checks that compare an
        answer with the logs as they were then.
        """
        fresh = Fresh()
        answered_at = answered_at if answered_at is not None else time.monotonic()
        try:
            aws.fresh, aws.answered_at = fresh, answered_at
            aws.answered_at_epoch = time.time() - (time.monotonic() - answered_at)
        except AttributeError:
            pass
        try:
            message = self.check(aws, *args, **kwargs)
        except NotAttempted as exc:
            return self.outcome(Status.NOT_ATTEMPTED, fresh.hide(str(exc)) or "not done yet")
        except Failed as exc:
            return self.outcome(Status.FAILED, fresh.hide(str(exc)))
        except Exception as exc:  # a check must never show the learner a traceback
            return self.outcome(Status.ERROR, fresh.hide(f"could not check: {_describe(exc)}"))
        return self.outcome(Status.PASSED, fresh.hide(message or "self-check passed"))

    def hint(self, n: int = 1) -> str:
        """Hint number ``n`` (1 = gentlest); past the last hint, that hint and a pointer to the solution."""
        if not self.hints:
            return f"No hints for this step. `checks.solution({self.module!r}, {self.id!r})` shows one way."
        n = hint_number(n)
        if n <= len(self.hints):
            return self.hints[n - 1]
        return (
            f"{self.hints[-1]}\n\nThat was the last hint ({len(self.hints)} of {len(self.hints)}). "
            f"`checks.solution({self.module!r}, {self.id!r})` shows one way to do it."
        )

    def outcome(self, status: Status, feedback: str) -> Outcome:
        """This step's row in the results, with ``status`` and ``feedback``."""
        return Outcome(self.module, self.id, self.title, status, feedback, self.exercise)


@dataclass
class Lab:
    """The steps of one module's lab, in the order the learner does them."""

    module: str
    title: str
    steps: list[Step] = field(default_factory=list)

    def step(
        self,
        id: str,
        title: str,
        *,
        hints: Sequence[str] = (),
        solution: str = "",
        exercise: bool = True,
        answers: Sequence[str] = (),
        watches: Sequence[str] = (),
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Decorator: declare the next step of this lab with the decorated function as its check.

        ``answers`` names the notebook variables the step asks for, in the order the check takes them
        (``("log",)``, ``("catalog.catalog_entry",)``): a grader reads them from the kernel after each cell.
        ``watches`` names every resource the check's result depends on (``"lambda:hello-lambda"``,
        ``"iam-role:hello-lambda-role"``, ``"dynamodb:upload-catalog"``); a grader then re-checks a step that
        failed only after one of them changed. Leave it empty when the result depends on anything else (logs,
        items): the step is then re-checked after every cell that wrote something.
        """

        def register(check: CheckFunction) -> CheckFunction:
            if any(s.id == id for s in self.steps):
                raise ValueError(f"lab {self.module} already has a step {id!r}")
            solution_text = solution.strip("\n")
            step = Step(self.module, id, title, check, tuple(hints), solution_text, exercise)
            step.answers, step.watches = tuple(answers), tuple(watches)
            self.steps.append(step)
            return check

        return register

    def get(self, step_id: str) -> Step:
        """The step with this id; KeyError listing the lab's step ids otherwise."""
        for step in self.steps:
            if step.id == step_id:
                return step
        ids = ", ".join(repr(s.id) for s in self.steps)
        raise KeyError(f"lab {self.module} has no step {step_id!r}; its steps are {ids}")


def hint_number(n) -> int:
    """The hint a learner asked for: a whole number from 1 up; anything else asks for the first.

    Example::

        >>> hint_number(3), hint_number("2"), hint_number(0), hint_number("more")
        (3, 2, 1, 1)
    """
    return max(1, int(n) if str(n).isdigit() else 1)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if exc.__class__.__name__ in ("EndpointConnectionError", "ConnectionRefusedError", "ConnectionError"):
        return "the local AWS sandbox did not answer. Run the `sandbox.start()` cell again, then re-check."
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__
