"""workbook.lambda_logs: REPORT lines, log tails and log groups read into pandas."""

from __future__ import annotations

import base64

import pytest

from workbook import lambda_logs
from workbook.lambda_logs import log_events, parse_report, report_from_tail

REQUEST = "3f1c2a7e-1111-4222-8333-944445555666"
COLD = (
    f"REPORT RequestId: {REQUEST}\tDuration: 1.52 ms\tBilled Duration: 97 ms\t"
    "Memory Size: 128 MB\tMax Memory Used: 41 MB\tInit Duration: 95.03 ms\t"
)
TAIL = f"START RequestId: {REQUEST} Version: $LATEST\nhello\nEND RequestId: {REQUEST}\n{COLD}\n"


def test_parse_report_reads_a_cold_start_line():
    """Does parse_report turn a REPORT line (with Init Duration) into numbers?"""
    assert parse_report(COLD) == {
        "RequestId": REQUEST,
        "Duration": 1.52,
        "Billed Duration": 97,
        "Memory Size": 128,
        "Max Memory Used": 41,
        "Init Duration": 95.03,
    }


def test_parse_report_keeps_a_timeout_status():
    """Does a timed-out invocation's REPORT keep its Status field?"""
    line = (
        f"REPORT RequestId: {REQUEST}\tDuration: 3000.00 ms\t"
        "Billed Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 40 MB\tStatus: timeout"
    )
    assert parse_report(line)["Status"] == "timeout"


def test_parse_report_refuses_other_lines():
    """Is a START line refused with a message that quotes it?"""
    with pytest.raises(ValueError, match="not a REPORT line: 'START"):
        parse_report(f"START RequestId: {REQUEST} Version: $LATEST")


def test_request_id_and_platform_lines_find_the_frame_of_an_invocation():
    """Do platform_lines and request_id pick out START/END/REPORT and their id?"""
    assert [lambda_logs.request_id(line) for line in lambda_logs.platform_lines(TAIL, "END")] == [REQUEST]
    assert lambda_logs.request_id("hello") is None


def test_last_report_is_none_without_a_report_line():
    """Does last_report say None, not raise, for a log with no REPORT line?"""
    assert lambda_logs.last_report("START RequestId: x\n") is None
    assert lambda_logs.last_report(TAIL)["Billed Duration"] == 97


def test_report_from_tail_decodes_the_log_result():
    """Does report_from_tail read the REPORT line out of a base64 LogResult?"""
    response = {"StatusCode": 200, "LogResult": base64.b64encode(TAIL.encode()).decode()}
    assert report_from_tail(response)["Init Duration"] == 95.03


def test_report_from_tail_explains_a_missing_log_result():
    """Does an invoke without LogType='Tail' get a message saying what to do?"""
    with pytest.raises(ValueError, match="LogType='Tail'"):
        report_from_tail({"StatusCode": 200})


class FakeLogs:
    """filter_log_events over a fixed list of events, two per page."""

    def __init__(self, events):
        self.events, self.calls = events, []

    def filter_log_events(self, logGroupName, nextToken=None, **filters):
        self.calls.append({"logGroupName": logGroupName, "nextToken": nextToken, **filters})
        start = int(nextToken or 0)
        page = {"events": self.events[start : start + 2]}
        if start + 2 < len(self.events):
            page["nextToken"] = str(start + 2)
        return page


def test_log_events_reads_every_page_into_a_dataframe():
    """Does log_events follow nextToken, convert timestamps and strip trailing newlines?"""
    events = [
        {"timestamp": 1_700_000_000_000 + n, "logStreamName": "s", "message": f"line {n}\n"} for n in range(5)
    ]
    fake = FakeLogs(events)
    frame = log_events(fake, "orders", filterPattern='"line"')
    assert list(frame.columns) == ["timestamp", "logStreamName", "message"]
    assert list(frame["message"]) == [f"line {n}" for n in range(5)]
    assert str(frame["timestamp"].dt.tz) == "UTC"
    assert [call["nextToken"] for call in fake.calls] == [None, "2", "4"]
    assert {call["logGroupName"] for call in fake.calls} == {"/aws/lambda/orders"}
    assert {call["filterPattern"] for call in fake.calls} == {'"line"'}


def test_log_events_of_an_empty_search_has_the_columns():
    """Does a search with no hits still give a DataFrame with the three columns?"""
    frame = log_events(FakeLogs([]), "orders")
    assert frame.empty and list(frame.columns) == ["timestamp", "logStreamName", "message"]
