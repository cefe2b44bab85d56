"""Traffic for a function and what it shows: which version served each invocation, and how the split came out.

A weighted alias picks a version for every invocation. These helpers send many invocations, keep what each
response says (``ExecutedVersion``, ``FunctionError``), count them per version, and chart how the share of one
version settles towards its configured weight as the invocations add up.

Example::

    from workbook import traffic

    invocations = traffic.invoke_many(lam, "prices", [{"sku": "tea"}] * 500, qualifier="live")
    traffic.split(invocations)                          # invocations, errors and share per version
    traffic.plot_running_share(invocations, "2", 0.1)   # version 2's share against its weight of 10 %

Only boto3 calls and their responses are used, so the same code works against a real AWS account.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

COLUMNS = ["request_id", "executed_version", "function_error", "payload"]


def invoke_many(lam, function_name: str, events: Iterable, *, qualifier: str | None = None) -> pd.DataFrame:
    """Invoke ``function_name`` synchronously once per event and return one row per invocation.

    Columns: ``request_id``, ``executed_version`` (the version that ran, from the response's
    ``ExecutedVersion``), ``function_error`` (``"Unhandled"`` when the handler failed, else None) and
    ``payload`` (the decoded response). ``qualifier`` names an alias or a version (``"live"``, ``"3"``).

    Example::

        invocations = invoke_many(lam, "prices", [{"sku": "tea"}, {"sku": "mug"}], qualifier="live")
        invocations["executed_version"].tolist()        # ['1', '1']
    """
    target = {"FunctionName": function_name, **({"Qualifier": qualifier} if qualifier else {})}
    rows = []
    for event in events:
        response = lam.invoke(**target, Payload=json.dumps(event).encode())
        body = response["Payload"].read()
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode("utf-8", errors="replace")
        rows.append(
            {
                "request_id": response["ResponseMetadata"]["RequestId"],
                "executed_version": response.get("ExecutedVersion"),
                "function_error": response.get("FunctionError"),
                "payload": payload,
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)  # None stays None, not NaN


def split(invocations: pd.DataFrame) -> pd.DataFrame:
    """Invocations, errors and share of the traffic per executed version, from :func:`invoke_many`'s rows.

    Example::

        split(invocations)
        #                   invocations  errors  share
        # executed_version
        # 1                         449       0  0.898
        # 2                          51       0  0.102
    """
    if invocations.empty:
        empty = pd.DataFrame(columns=["invocations", "errors", "share"])
        empty.index.name = "executed_version"
        return empty
    failed = invocations["function_error"].notna()
    table = pd.DataFrame(
        {
            "invocations": invocations.groupby("executed_version").size(),
            "errors": failed.groupby(invocations["executed_version"]).sum().astype(int),
        }
    )
    table["share"] = (table["invocations"] / table["invocations"].sum()).round(3)
    return table.sort_index(key=lambda versions: versions.map(_version_order))


def running_share(invocations: pd.DataFrame, version: str) -> pd.Series:
    """After each invocation, the share of all invocations so far that ``version`` served (1-based index).

    Example::

        running_share(invocations, "2").iloc[-1]          # 0.102: the share over every invocation
    """
    served = (invocations["executed_version"].astype(str) == str(version)).astype(float)
    share = served.cumsum() / pd.RangeIndex(1, len(served) + 1)
    share.index = pd.RangeIndex(1, len(served) + 1, name="invocations")
    return share.rename(f"share of version {version}")


def plot_running_share(
    invocations: pd.DataFrame, version: str, weight: float, *, ax=None, title: str | None = None
):
    """Chart ``version``'s running share of the traffic against its configured ``weight``; returns the Axes.

    Example::

        plot_running_share(invocations, "2", 0.1, title="live: 10 % to version 2")
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    share = running_share(invocations, version)
    ax.plot(share.index, share.values, color="tab:blue", label=f"observed share of version {version}")
    ax.axhline(weight, color="tab:red", linestyle="--", label=f"configured weight ({weight:.0%})")
    ax.set_xlabel("invocations so far")
    ax.set_ylabel("share")
    ax.set_ylim(0, max(0.5, 2 * weight, float(share.max()) if len(share) else 0) * 1.05)
    ax.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    ax.set_title(title or f"Version {version}'s share of the traffic")
    ax.legend(loc="upper right")
    ax.figure.tight_layout()
    return ax


def _version_order(version) -> tuple:
    """Sorts "2" before "10" and "$LATEST" last."""
    text = str(version)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)
