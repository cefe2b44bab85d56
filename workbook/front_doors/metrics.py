"""CloudWatch metrics of the front doors, as AWS reports them, written straight into moto's CloudWatch.

* A function URL: ``UrlRequestCount``, ``Url4xxCount``, ``Url5xxCount`` (0 or 1 per request) and
  ``UrlRequestLatency`` (ms) in ``AWS/Lambda``, under ``FunctionName`` and ``FunctionName`` + ``Resource``
  (``name`` or ``name:alias``).
* An HTTP API: ``Count``, ``4xx``, ``5xx`` and ``Latency`` (ms) in ``AWS/ApiGateway``, plus
  ``IntegrationLatency`` when the function ran, under ``ApiId`` and ``ApiId`` + ``Stage``.

Example::

    cloudwatch.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Url4xxCount",
                                     Dimensions=[{"Name": "FunctionName", "Value": "hello"}], ...)
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1024)
def _dimensions(*pairs_per_set: tuple) -> tuple:
    from moto.cloudwatch.models import Dimension

    return tuple([Dimension(name, value) for name, value in pairs] for pairs in pairs_per_set)


def _put(account_id: str, region: str, namespace: str, sets: tuple,
         values: list[tuple[str, float, str]]) -> None:
    from moto.cloudwatch.models import MetricDatum, cloudwatch_backends
    from moto.core.utils import utcnow

    from workbook.lambda_runtime import metrics

    try:
        metrics.install_exact_statistics()
        now = utcnow()
        data = []
        for name, value, unit in values:
            for dimensions in sets:
                datum = MetricDatum(namespace, name, float(value), [], now, unit)
                datum.dimensions = dimensions
                data.append(datum)
        cloudwatch_backends[account_id][region].metric_data.extend(data)
    except Exception:  # metrics never break a request (the account may be resetting)
        pass


def record_url(account_id: str, region: str, function_name: str, qualifier: str, status: int,
               latency_ms: float) -> None:
    """One request to a function URL that answered ``status`` after ``latency_ms``."""
    resource = function_name if qualifier in (None, "", "$LATEST") else f"{function_name}:{qualifier}"
    sets = _dimensions((("FunctionName", function_name),),
                       (("FunctionName", function_name), ("Resource", resource)))
    _put(account_id, region, "AWS/Lambda", sets, [
        ("UrlRequestCount", 1, "Count"),
        ("Url4xxCount", 1 if 400 <= status < 500 else 0, "Count"),
        ("Url5xxCount", 1 if status >= 500 else 0, "Count"),
        ("UrlRequestLatency", latency_ms, "Milliseconds"),
    ])


def record_api(account_id: str, region: str, api_id: str, stage: str | None, status: int, latency_ms: float,
               integration_ms: float | None) -> None:
    """One request to an HTTP API (``stage`` None when no stage took it)."""
    pairs = [(("ApiId", api_id),)]
    if stage:
        pairs.append((("ApiId", api_id), ("Stage", stage)))
    values = [("Count", 1, "Count"), ("4xx", 1 if 400 <= status < 500 else 0, "Count"),
              ("5xx", 1 if status >= 500 else 0, "Count"), ("Latency", latency_ms, "Milliseconds")]
    if integration_ms is not None:
        values.append(("IntegrationLatency", integration_ms, "Milliseconds"))
    _put(account_id, region, "AWS/ApiGateway", _dimensions(*pairs), values)
