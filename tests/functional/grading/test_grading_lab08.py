"""Lab 08 graded as an instructor would: a canary that never rolls back, and canaries written differently."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "08-versions-aliases"
ALL_PASSED = {"publish": "passed", "canary": "passed", "rollback": "passed", "promote": "passed"}
RELEASE_CELL = "def canary_release(new_version, weights=(0.1, 0.5), orders_per_step=200):"

# Another way to write it: get_metric_data, linear steps of 10%, a helper to move the alias, errors counted
# since the step started rather than as a difference.
LINEAR = """
def move_live(primary, weights):
    lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=primary,
                     RoutingConfig={"AdditionalVersionWeights": weights})


def errors_since(version, moment):
    query = {"Id": "errors", "MetricStat": {"Stat": "Sum", "Period": 60, "Metric": {
        "Namespace": "AWS/Lambda", "MetricName": "Errors", "Dimensions": [
            {"Name": "FunctionName", "Value": "shipping"}, {"Name": "Resource", "Value": "shipping:live"},
            {"Name": "ExecutedVersion", "Value": version}]}}}
    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    found = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=moment, EndTime=end)
    return sum(found["MetricDataResults"][0]["Values"])


def canary_release(new_version, weights=(0.1, 0.2, 0.3), orders_per_step=150):
    old = lam.get_alias(FunctionName="shipping", Name="live")["FunctionVersion"]
    for weight in weights:
        started = datetime.now(timezone.utc)
        move_live(old, {new_version: weight})
        send_orders(orders_per_step)
        if errors_since(new_version, started) > 0:
            move_live(old, {})
            return "rolled back"
    move_live(new_version, {})
    return "promoted"
"""

# Step 2 read another way: one get_metric_data call for both versions and both metrics, into a DataFrame.
METRIC_DATA = """
import pandas as pd


def live_metric(metric, version, since):
    dimensions = [{"Name": "FunctionName", "Value": "shipping"},
                  {"Name": "Resource", "Value": "shipping:live"},
                  {"Name": "ExecutedVersion", "Value": version}]
    query = {"Id": "m", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": metric,
                                                  "Dimensions": dimensions}, "Period": 60, "Stat": "Sum"}}
    end = datetime.now(timezone.utc) + timedelta(minutes=1)
    result = cloudwatch.get_metric_data(MetricDataQueries=[query], StartTime=since, EndTime=end)
    return int(sum(result["MetricDataResults"][0]["Values"]))


frame = pd.DataFrame(
    [{"version": v, "Invocations": live_metric("Invocations", v, LAB_START),
      "Errors": live_metric("Errors", v, LAB_START)} for v in (version_1, version_2)]
).set_index("version")
canary_metrics = frame.to_dict("index")
"""

# Wrong: shifts the traffic but never looks at the metrics, so version 2 is promoted despite its errors.
BLIND = """
def canary_release(new_version, weights=(0.1, 0.5), orders_per_step=200):
    old = lam.get_alias(FunctionName="shipping", Name="live")["FunctionVersion"]
    for weight in weights:
        lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=old,
                         RoutingConfig={"AdditionalVersionWeights": {new_version: weight}})
        send_orders(orders_per_step)
    lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=new_version,
                     RoutingConfig={"AdditionalVersionWeights": {}})
    return "promoted"
"""


def test_a_canary_that_never_reads_the_metrics_fails_the_rollback(tmp_path):
    """Does a canary_release that promotes whatever happens fail the rollback step, and only that one?"""
    result = Submission(LAB).replace(RELEASE_CELL, BLIND).grade(tmp_path, f"{LAB}-blind")
    assert statuses(result) == {**ALL_PASSED, "rollback": "failed"}, result["steps"]
    assert "more than a 10%" in feedback(result, "rollback") or "rolls back" in feedback(result, "rollback")


def test_metrics_read_into_a_dataframe_pass(tmp_path):
    """Full marks when live's numbers are read with get_metric_data into a DataFrame and passed as a dict?"""
    submission = Submission(LAB).replace("def live_metric(metric, version, since):", METRIC_DATA)
    assert statuses(submission.grade(tmp_path, f"{LAB}-dataframe")) == ALL_PASSED


def test_linear_steps_get_metric_data_and_cleanup_at_the_end_pass(tmp_path):
    """Full marks for linear steps read with get_metric_data, and for deleting the alias at the end?"""
    submission = Submission(LAB).replace(RELEASE_CELL, LINEAR)
    submission.append('lam.delete_alias(FunctionName="shipping", Name="live")')
    result = submission.grade(tmp_path, f"{LAB}-linear")
    assert statuses(result) == ALL_PASSED, result["steps"]
