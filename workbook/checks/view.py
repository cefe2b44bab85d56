"""How check results look in a notebook (an HTML table) and in a terminal (plain text)."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

from .model import Outcome, Status

_COLOURS = {
    Status.PASSED: "#1a7f37",
    Status.FAILED: "#cf222e",
    Status.NOT_ATTEMPTED: "#6e7781",
    Status.ERROR: "#9a6700",
}


@dataclass
class Report:
    """The outcome of checking some steps of one lab. Shows itself as a table in Jupyter.

    Example::

        report = checks.run("01-serverless-concepts")
        report.score        # 0.75: three of four exercise steps pass
        report.to_frame()   # the same table as a pandas DataFrame
    """

    module: str
    title: str
    outcomes: list[Outcome]

    @property
    def exercise_outcomes(self) -> list[Outcome]:
        """The outcomes that count toward the score (not the steps the lab does for the learner)."""
        return [o for o in self.outcomes if o.exercise]

    @property
    def score(self) -> float:
        """The fraction of exercise steps that pass (0.0–1.0)."""
        counted = self.exercise_outcomes
        return sum(o.passed for o in counted) / len(counted) if counted else 0.0

    @property
    def passed(self) -> bool:
        """True when every exercise step passes."""
        return bool(self.outcomes) and all(o.passed for o in self.exercise_outcomes)

    @property
    def summary(self) -> str:
        """One line for the top of the table: how far the learner is."""
        counted = self.exercise_outcomes
        done = sum(o.passed for o in counted)
        if not self.outcomes:
            return "nothing to check"
        if len(self.outcomes) == 1:
            return self.outcomes[0].status.label
        if all(o.status is Status.ERROR for o in self.outcomes):
            return "could not check"
        if self.passed:
            return f"self-check passed: {done} of {len(counted)} step{'s' * (len(counted) != 1)} done"
        if all(o.status is Status.NOT_ATTEMPTED for o in counted):
            return f"not done yet: 0 of {len(counted)} steps done"
        return f"{done} of {len(counted)} steps done, keep going"

    def to_dict(self) -> dict:
        return {
            "module": self.module,
            "title": self.title,
            "score": round(self.score, 4),
            "passed": sum(o.passed for o in self.exercise_outcomes),
            "total": len(self.exercise_outcomes),
            "steps": [o.to_dict() for o in self.outcomes],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_frame(self):
        """The results as a pandas DataFrame, one row per step."""
        import pandas as pd

        rows = [
            {
                "step": o.step,
                "title": o.title,
                "result": f"{o.status.symbol} {o.status.label}",
                "feedback": o.feedback,
            }
            for o in self.outcomes
        ]
        return pd.DataFrame(rows, columns=["step", "title", "result", "feedback"])

    def __str__(self) -> str:
        lines = [f"{self.module} · {self.title} — {self.summary}"]
        for o in self.outcomes:
            lines.append(f"  {o.status.symbol} {o.step:<12} {o.status.label:<17} {o.feedback}")
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        rows = "".join(_html_row(o) for o in self.outcomes)
        colour = _COLOURS[Status.PASSED] if self.passed else "inherit"
        return (
            '<div class="workbook-checks">'
            f'<p style="margin:0 0 .4em 0"><b>{html.escape(self.title)}</b> '
            f'<span style="color:{colour}">— {html.escape(self.summary)}</span></p>'
            '<table style="border-collapse:collapse;text-align:left">'
            '<thead><tr><th style="text-align:left">step</th><th style="text-align:left">result</th>'
            '<th style="text-align:left">feedback</th></tr></thead>'
            f"<tbody>{rows}</tbody></table></div>"
        )


def _html_row(o: Outcome) -> str:
    colour = _COLOURS[o.status]
    counted = "" if o.exercise else ' <span style="color:#6e7781">(not scored)</span>'
    feedback = html.escape(o.feedback).replace("\n", "<br>")
    return (
        "<tr>"
        f'<td style="text-align:left;vertical-align:top"><code>{html.escape(o.step)}</code> '
        f"{html.escape(o.title)}{counted}</td>"
        f'<td style="text-align:left;vertical-align:top;white-space:nowrap;color:{colour}">'
        f"{o.status.symbol} {html.escape(o.status.label)}</td>"
        f'<td style="text-align:left;vertical-align:top">{feedback}</td>'
        "</tr>"
    )


@dataclass
class Note:
    """A hint or a solution: Markdown in Jupyter, plain text elsewhere."""

    heading: str
    body: str

    def __str__(self) -> str:
        return f"{self.heading}\n\n{self.body}"

    __repr__ = __str__

    def _repr_markdown_(self) -> str:
        return f"**{self.heading}**\n\n{self.body}"
