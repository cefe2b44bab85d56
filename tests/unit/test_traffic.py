"""workbook.traffic: counting which version served each invocation, and charting the split."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from workbook import traffic  # noqa: E402


def invocations(versions: str, failed: str = "") -> pd.DataFrame:
    """Rows as invoke_many returns them, one per character of ``versions``; an 'x' in ``failed``: an error."""
    failed = failed.ljust(len(versions))
    rows = [
        {"request_id": f"r{n}", "executed_version": v, "function_error": "Unhandled" if f == "x" else None,
         "payload": None}
        for n, (v, f) in enumerate(zip(versions, failed, strict=True))
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=traffic.COLUMNS)


def test_split_counts_invocations_errors_and_share_per_version():
    """Does split give each version its invocations, its errors and its share of all invocations?"""
    table = traffic.split(invocations("1121111112", failed="  x      x"))
    assert table.to_dict("index") == {
        "1": {"invocations": 8, "errors": 0, "share": 0.8},
        "2": {"invocations": 2, "errors": 2, "share": 0.2},
    }


def test_split_orders_versions_by_number_and_latest_last():
    """Does version 10 come after version 9, and $LATEST after both?"""
    frame = invocations("ab")
    frame["executed_version"] = ["10", "9"]
    latest = pd.concat([frame, frame.assign(executed_version="$LATEST")], ignore_index=True)
    assert list(traffic.split(latest).index) == ["9", "10", "$LATEST"]


def test_split_of_no_invocations_is_an_empty_table():
    """Does an empty frame (no alias yet, nothing sent) give an empty table with the same columns?"""
    table = traffic.split(invocations(""))
    assert table.empty and list(table.columns) == ["invocations", "errors", "share"]


def test_running_share_is_the_share_after_each_invocation():
    """Is the running share the fraction of the invocations so far that the version served?"""
    share = traffic.running_share(invocations("2112"), "2")
    assert share.tolist() == pytest.approx([1.0, 0.5, 1 / 3, 0.5])
    assert list(share.index) == [1, 2, 3, 4]


def test_plot_running_share_draws_the_share_and_the_weight():
    """Does the chart hold the observed share and a line at the configured weight, labelled in the legend?"""
    ax = traffic.plot_running_share(invocations("1111211112"), "2", 0.1)
    observed, weight = ax.get_lines()
    assert observed.get_ydata()[-1] == pytest.approx(0.2)
    assert list(weight.get_ydata()) == [0.1, 0.1]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "observed share of version 2",
        "configured weight (10%)",
    ]
