"""Shared by the lab-check tests: run one step's check as a learner's check cell would."""

from __future__ import annotations

import pytest

from workbook import checks


@pytest.fixture(autouse=True)
def forget_answers():
    """Answers passed to .check(value) are remembered per kernel; each test starts without any."""
    for memory in (checks._remembered, checks._answered_at, checks._last_recorded):
        memory.clear()
    yield
    for memory in (checks._remembered, checks._answered_at, checks._last_recorded):
        memory.clear()


def check_step(lab: str, step: str, *values):
    """The one outcome of ``checks.step(lab, step).check(*values)``."""
    report = checks.step(lab, step).check(*values)
    assert len(report.outcomes) == 1
    return report.outcomes[0]
