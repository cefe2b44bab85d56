"""CloudWatch metrics for every invoke, in the AWS/Lambda namespace.

The runtime calls :func:`publish` once per invocation (or throttle), and :func:`publish_async` for
what happens to asynchronous events (received, age, dropped, delivery failures); the data points go straight
into moto's CloudWatch backend, so ``get_metric_statistics`` and ``get_metric_data`` see them.

Each data point is written once per dimension set, as AWS does:

* no dimensions — across all functions of the account and region;
* ``FunctionName`` — all versions and aliases of a function;
* ``FunctionName`` + ``Resource`` — the name or ``name:qualifier`` the caller invoked;
* ``FunctionName`` + ``Resource`` + ``ExecutedVersion`` — alias invocations, per version the alias ran.

Example::

    publish("123456789012", "us-east-1", "orders", "orders:live", "3", duration_ms=12.5)
"""

from __future__ import annotations

import functools
import threading

NAMESPACE = "AWS/Lambda"
EXACT_NAMESPACES = frozenset({NAMESPACE, "AWS/ApiGateway"})  # the front doors write AWS/ApiGateway metrics

_exact = threading.local()
_install_lock = threading.Lock()
_installed = False


def dimension_sets(function_name: str, resource: str | None, executed_version: str | None) -> list:
    """The dimension sets one invocation of ``resource`` reports under."""
    if not resource or resource in (function_name, f"{function_name}:$LATEST"):
        resource = function_name
    elif ":" not in resource:  # a bare qualifier
        resource = f"{function_name}:{resource}"
    by_function = [{"Name": "FunctionName", "Value": function_name}]
    by_resource = by_function + [{"Name": "Resource", "Value": resource}]
    sets = [[], by_function, by_resource]
    qualifier = resource.partition(":")[2]
    if executed_version and qualifier and not qualifier.isdigit() and qualifier != "$LATEST":
        sets.append(by_resource + [{"Name": "ExecutedVersion", "Value": str(executed_version)}])
    return sets


def publish(
    account_id: str,
    region: str,
    function_name: str,
    resource: str | None,
    executed_version: str | None,
    *,
    duration_ms: float | None = None,
    error: bool = False,
    throttled: bool = False,
    concurrent_executions: int | None = None,
) -> None:
    """Record one invocation (or one throttled attempt) of a function.

    A throttled attempt counts only in Throttles. An invocation counts 1 in Invocations, 0 or 1 in
    Errors and 0 in Throttles (Lambda's invocation metrics are binary indicators), plus its Duration.
    ``concurrent_executions`` (environments busy right now) goes to ConcurrentExecutions.
    """
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    install_exact_statistics()
    if throttled:
        values = [("Throttles", 1.0, "Count")]
    else:
        values = [
            ("Invocations", 1.0, "Count"),
            ("Errors", 1.0 if error else 0.0, "Count"),
            ("Throttles", 0.0, "Count"),
        ]
        if duration_ms is not None:
            values.append(("Duration", float(duration_ms), "Milliseconds"))
    sets = _dimension_objects(function_name, resource, executed_version)
    now = utcnow()
    # What PutMetricData stores, built directly: this runs on every invoke. The Dimension objects
    # of a dimension set are built once and shared (moto only reads them).
    data = []
    for name, value, unit in values:
        for dimensions in sets:
            datum = MetricDatum(NAMESPACE, name, value, [], now, unit)
            datum.dimensions = dimensions
            data.append(datum)
    if concurrent_executions is not None:
        for dimensions in sets[1:3]:
            datum = MetricDatum(NAMESPACE, "ConcurrentExecutions", float(concurrent_executions), [], now, "Count")
            datum.dimensions = dimensions
            data.append(datum)
    cloudwatch_backends[account_id][region].metric_data.extend(data)


ASYNC_METRICS = {
    # name: unit. What the asynchronous queue reports (one data point per event or attempt).
    "AsyncEventsReceived": "Count",  # an event was queued
    "AsyncEventAge": "Milliseconds",  # queued -> this attempt started (grows with retries and throttles)
    "AsyncEventsDropped": "Count",  # given up without a successful run (after its DLQ/destination)
    "DeadLetterErrors": "Count",  # the dead-letter queue could not be sent to
    "DestinationDeliveryFailures": "Count",  # a destination could not be sent to
    "RecursiveInvocationsDropped": "Count",  # stopped by recursive loop detection
}


def publish_async(account_id: str, region: str, function_name: str, resource: str | None, name: str,
                  value: float = 1.0) -> None:
    """One data point of an asynchronous-invocation metric (:data:`ASYNC_METRICS`), under the same
    dimension sets as invocations: none, ``FunctionName``, and ``FunctionName`` + ``Resource``.

    Example::

        publish_async("123456789012", "us-east-1", "orders", "orders", "AsyncEventsReceived")
    """
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    install_exact_statistics()
    unit = ASYNC_METRICS[name]
    now = utcnow()
    data = []
    for dimensions in _dimension_objects(function_name, resource, None):
        datum = MetricDatum(NAMESPACE, name, float(value), [], now, unit)
        datum.dimensions = dimensions
        data.append(datum)
    cloudwatch_backends[account_id][region].metric_data.extend(data)


@functools.lru_cache(maxsize=4096)
def _dimension_objects(function_name: str, resource: str | None, executed_version: str | None) -> tuple:
    from moto.cloudwatch.models import Dimension

    return tuple(
        [Dimension(d["Name"], d["Value"]) for d in dimensions]
        for dimensions in dimension_sets(function_name, resource, executed_version)
    )


def install_exact_statistics() -> None:
    """Make GetMetricStatistics match AWS/Lambda (and AWS/ApiGateway) dimensions exactly, as CloudWatch does
    (idempotent).

    moto matches any data point that *contains* the requested dimensions, which would add the
    FunctionName, Resource and ExecutedVersion series of one invocation together.
    """
    global _installed
    if _installed:
        return
    with _install_lock:
        if _installed:
            return
        from moto.cloudwatch.models import CloudWatchBackend

        original_statistics = CloudWatchBackend.get_metric_statistics
        original_all_metrics = CloudWatchBackend.get_all_metrics

        @functools.wraps(original_statistics)
        def get_metric_statistics(self, namespace, metric_name, start_time, end_time, period, stats,
                                  dimensions, unit=None):
            _exact.dimensions = _key(dimensions or []) if namespace in EXACT_NAMESPACES else None
            try:
                return original_statistics(self, namespace, metric_name, start_time, end_time, period, stats,
                                           dimensions, unit)
            finally:
                _exact.dimensions = None

        @functools.wraps(original_all_metrics)
        def get_all_metrics(self):
            every = original_all_metrics(self)
            wanted = getattr(_exact, "dimensions", None)
            if wanted is None:
                return every
            return [md for md in every if frozenset((d.name, d.value) for d in md.dimensions) == wanted]

        CloudWatchBackend.get_metric_statistics = get_metric_statistics
        CloudWatchBackend.get_all_metrics = get_all_metrics
        _installed = True


def _key(dimensions) -> frozenset:
    return frozenset((d["Name"], d.get("Value")) for d in dimensions)
