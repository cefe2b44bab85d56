"""The sandbox clock: real time, plus the time AWS's scaled waits skipped."""

from __future__ import annotations

import time

import pytest

from workbook.lambda_runtime import clock
from workbook.lambda_runtime.clock import SandboxClock


def test_without_waits_the_clock_is_real_time():
    """Does sandbox time follow the real clock while nothing waits?"""
    sandbox = SandboxClock()
    assert abs(sandbox.now() - time.time()) < 1


def test_a_scaled_wait_adds_the_time_it_skipped():
    """After a one-minute wait at scale 60 (one real second), has sandbox time gained 59 s?"""
    sandbox = SandboxClock()
    start = time.monotonic()
    real = sandbox.wait(60, scale=60)
    assert real == pytest.approx(1.0)
    assert sandbox.now(start + 1.0) - sandbox.now(start) == pytest.approx(60.0, abs=0.01)
    assert sandbox.now(start + 3.0) - sandbox.now(start + 1.0) == pytest.approx(2.0, abs=0.01)


def test_overlapping_waits_are_not_counted_twice():
    """When two events wait at the same moment, does the clock gain the skipped time once?"""
    sandbox = SandboxClock()
    start = time.monotonic()
    sandbox.wait(60, scale=60)
    sandbox.wait(60, scale=60)
    assert sandbox.now(start + 1.0) - sandbox.now(start) == pytest.approx(60.0, abs=0.05)


def test_reset_returns_to_real_time():
    """After reset(), is sandbox time the real time again?"""
    sandbox = SandboxClock()
    sandbox.wait(3600, scale=3600)
    sandbox.reset()
    assert abs(sandbox.now() - time.time()) < 1


def test_iso_millis_is_awss_record_timestamp():
    """Does a record's timestamp look like 2019-11-14T18:16:05.568Z?"""
    assert clock.iso_millis(1573755365.568) == "2019-11-14T18:16:05.568Z"


@pytest.mark.parametrize("raw, expected", [("600", 600.0), ("", 60.0), ("zero", 60.0), ("-5", 60.0)])
def test_the_default_time_scale_comes_from_the_environment(monkeypatch, raw, expected):
    """Does WORKBOOK_TIME_SCALE set the default, and anything unusable fall back to 60?"""
    monkeypatch.setenv("WORKBOOK_TIME_SCALE", raw)
    assert clock.default_time_scale() == expected


@pytest.mark.parametrize("value", [0, 0.5, "x", None, float("inf")])
def test_check_time_scale_refuses_what_makes_no_sense(value):
    """Are scales below 1, infinite or not numbers refused with one sentence?"""
    with pytest.raises(ValueError, match="time_scale must be a number"):
        clock.check_time_scale(value)
