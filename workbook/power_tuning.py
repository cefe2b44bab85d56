"""Power tuning: run a function at several memory sizes and compare its duration and cost.

What the open-source AWS Lambda Power Tuning tool does with Step Functions, in a few lines for the sandbox
(start it with ``sandbox.start(cpu="proportional")`` so that memory buys CPU, as on AWS).

Example::

    from workbook.power_tuning import cost_per_invocation, power_tune
    cost_per_invocation(billed_ms=100, memory_mb=1024)   # -> 1.8666…e-06 dollars (x86_64, us-east-1)
    table = power_tune(lam, "resize", [128, 512, 1769], payload={"size": 64}, runs=3)
"""

from __future__ import annotations

import json
from collections.abc import Iterable

# On-demand prices in us-east-1 (per GB-second of billed duration, and per request), in US dollars.
PRICE_PER_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
PRICE_PER_REQUEST = 0.20 / 1_000_000


def cost_per_invocation(billed_ms: float, memory_mb: int, architecture: str = "x86_64") -> float:
    """What one invocation costs, in dollars: billed GB-seconds at the on-demand price plus the request.

    Example::

        cost_per_invocation(1000, 1024)   # -> 1.66667e-05 + 2e-07 = 1.68667e-05
    """
    gb_seconds = memory_mb / 1024 * billed_ms / 1000
    return gb_seconds * PRICE_PER_GB_SECOND[architecture] + PRICE_PER_REQUEST


def power_tune(lam, function_name: str, memory_sizes: Iterable[int], payload=None, runs: int = 3,
               architecture: str = "x86_64"):
    """Invoke ``function_name`` ``runs`` times at each memory size (after one warm-up invoke, so that
    cold starts stay out) and return a pandas DataFrame with one row per size: median ``Duration``
    and ``Billed Duration`` in ms and the median ``cost`` per invocation in dollars. The function's
    memory is left at the last size.

    Example::

        table = power_tune(lam, "resize", [128, 256, 512, 1024, 1769], payload={"size": 64})
        table.loc[table["Duration"] <= 200, "cost"].idxmin()   # the cheapest size under 200 ms
    """
    import pandas as pd

    from .lambda_logs import report_from_tail

    body = json.dumps(payload if payload is not None else {}).encode()
    rows = []
    for memory in memory_sizes:
        lam.update_function_configuration(FunctionName=function_name, MemorySize=int(memory))
        lam.get_waiter("function_updated_v2").wait(FunctionName=function_name)
        lam.invoke(FunctionName=function_name, Payload=body)["Payload"].read()  # the cold start
        reports = []
        for _ in range(runs):
            response = lam.invoke(FunctionName=function_name, Payload=body, LogType="Tail")
            response["Payload"].read()
            reports.append(report_from_tail(response))
        durations = pd.Series([report["Duration"] for report in reports])
        billed = pd.Series([report["Billed Duration"] for report in reports])
        rows.append({"MemorySize": int(memory), "Duration": durations.median(), "Billed Duration": billed.median(),
                     "cost": cost_per_invocation(billed.median(), int(memory), architecture)})
    return pd.DataFrame(rows).set_index("MemorySize")
