"""AWS/Lambda metrics published by the runtime, read back through boto3."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest

from workbook.lambda_runtime import metrics


@pytest.fixture
def cloudwatch(sb):
    return sb.client("cloudwatch")


def window():
    now = datetime.now(UTC)
    return {"StartTime": now - timedelta(minutes=5), "EndTime": now + timedelta(minutes=5), "Period": 600}


def statistic(cloudwatch, name, dimensions, stat="Sum"):
    points = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=name, Statistics=[stat],
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()], **window(),
    )["Datapoints"]
    return sum(point[stat] for point in points) if stat == "Sum" else (points[0][stat] if points else None)


def publish(sb, resource="orders", executed_version="$LATEST", **kwargs):
    metrics.publish(sb.account_id, sb.region, "orders", resource, executed_version, **kwargs)


def test_each_invocation_counts_once_per_function(sb, cloudwatch):
    """How many Invocations does FunctionName=orders show after three invokes? Three."""
    for _ in range(3):
        publish(sb, duration_ms=5)
    assert statistic(cloudwatch, "Invocations", {"FunctionName": "orders"}) == 3


def test_errors_are_zero_or_one_per_invocation(sb, cloudwatch):
    """Is the error rate the Average of Errors? Yes: every invocation reports 0 or 1."""
    publish(sb, error=True)
    publish(sb)
    publish(sb)
    publish(sb)
    assert statistic(cloudwatch, "Errors", {"FunctionName": "orders"}) == 1
    assert statistic(cloudwatch, "Errors", {"FunctionName": "orders"}, stat="Average") == 0.25


def test_duration_statistics(sb, cloudwatch):
    """Do Minimum, Maximum and Average of Duration come out in milliseconds?"""
    for duration in (10.0, 20.0, 30.0):
        publish(sb, duration_ms=duration)
    assert statistic(cloudwatch, "Duration", {"FunctionName": "orders"}, stat="Maximum") == 30.0
    assert statistic(cloudwatch, "Duration", {"FunctionName": "orders"}, stat="Average") == 20.0


def test_throttled_attempts_are_not_invocations(sb, cloudwatch):
    """Does a throttled attempt count in Throttles but not in Invocations?"""
    publish(sb, throttled=True)
    publish(sb, duration_ms=1)
    assert statistic(cloudwatch, "Throttles", {"FunctionName": "orders"}) == 1
    assert statistic(cloudwatch, "Invocations", {"FunctionName": "orders"}) == 1


def test_alias_invocations_split_by_executed_version(sb, cloudwatch):
    """Can the two versions behind a weighted alias be told apart? Yes, with ExecutedVersion."""
    for version in ("1", "1", "2"):
        publish(sb, resource="orders:live", executed_version=version, duration_ms=1)
    live = {"FunctionName": "orders", "Resource": "orders:live"}
    assert statistic(cloudwatch, "Invocations", live) == 3
    assert statistic(cloudwatch, "Invocations", {**live, "ExecutedVersion": "1"}) == 2
    assert statistic(cloudwatch, "Invocations", {**live, "ExecutedVersion": "2"}) == 1


def test_unqualified_invocations_use_the_function_name_as_resource(sb, cloudwatch):
    """What Resource does an unqualified invoke report? The bare function name."""
    publish(sb, resource=None, duration_ms=1)
    assert statistic(cloudwatch, "Invocations", {"FunctionName": "orders", "Resource": "orders"}) == 1


def test_account_wide_series_adds_up_all_functions(sb, cloudwatch):
    """Does the series without dimensions count every function's invocations exactly once?"""
    publish(sb, duration_ms=1)
    metrics.publish(sb.account_id, sb.region, "invoices", "invoices:live", "4", duration_ms=1)
    assert statistic(cloudwatch, "Invocations", {}) == 2


def test_concurrent_executions_maximum(sb, cloudwatch):
    """Does ConcurrentExecutions report the peak number of busy environments?"""
    for busy in (1, 4, 2):
        publish(sb, duration_ms=1, concurrent_executions=busy)
    assert statistic(cloudwatch, "ConcurrentExecutions", {"FunctionName": "orders"}, stat="Maximum") == 4


def test_list_metrics_shows_the_lambda_dimension_sets(sb, cloudwatch):
    """Which Invocations series exist after an alias invoke? All four dimension sets."""
    publish(sb, resource="orders:live", executed_version="3", duration_ms=1)
    listed = cloudwatch.list_metrics(Namespace="AWS/Lambda", MetricName="Invocations")["Metrics"]
    assert sorted(sorted(d["Name"] for d in m["Dimensions"]) for m in listed) == [
        [],
        ["ExecutedVersion", "FunctionName", "Resource"],
        ["FunctionName"],
        ["FunctionName", "Resource"],
    ]


def test_get_metric_data_reads_into_a_dataframe(sb, cloudwatch):
    """Can a lab turn GetMetricData results into a pandas DataFrame in one line?"""
    for duration in (3.0, 5.0):
        publish(sb, duration_ms=duration)
    result = cloudwatch.get_metric_data(
        MetricDataQueries=[
            {
                "Id": name.lower(),
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/Lambda", "MetricName": name,
                               "Dimensions": [{"Name": "FunctionName", "Value": "orders"}]},
                    "Period": 60,
                    "Stat": stat,
                },
            }
            for name, stat in (("Invocations", "Sum"), ("Duration", "Average"))
        ],
        StartTime=window()["StartTime"],
        EndTime=window()["EndTime"],
    )["MetricDataResults"]
    frame = pd.DataFrame({r["Id"]: pd.Series(r["Values"], index=r["Timestamps"]) for r in result})
    assert frame["invocations"].sum() == 2
    assert frame["duration"].mean() == 4.0


@pytest.mark.slow
def test_a_real_invoke_is_counted(sb, cloudwatch):
    """After one lambda.invoke in the sandbox, does CloudWatch show one invocation with a duration?"""
    import io
    import json
    import zipfile

    role = sb.client("iam").create_role(
        RoleName="metrics-role",
        AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
    )["Role"]["Arn"]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 1\n")
    lam = sb.client("lambda")
    lam.create_function(FunctionName="counted", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": buffer.getvalue()})
    lam.invoke(FunctionName="counted", Payload=b"{}")
    assert statistic(cloudwatch, "Invocations", {"FunctionName": "counted"}) == 1
    assert statistic(cloudwatch, "Duration", {"FunctionName": "counted"}, stat="Maximum") > 0
