"""Logs: START/END/REPORT lines, handler output, logging records, LogResult, CloudWatch Logs."""

import re

from .lambda_helpers import create_function, invoke, log_messages

PRINTER = """
import logging
logger = logging.getLogger()
logger.setLevel(logging.INFO)
print("loading")
def handler(event, context):
    print("hello from the handler")
    logger.info("an info record")
    return "ok"
"""
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def test_log_result_holds_start_output_end_report(sb):
    """Does LogResult show START, the handler's output, END and REPORT in AWS's exact format?"""
    create_function(sb, "printer", PRINTER)
    response = invoke(sb, "printer", LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    lines = response["Log"].split("\n")
    assert lines[0] == f"START RequestId: {request_id} Version: $LATEST"
    assert lines[1] == "hello from the handler"
    assert re.fullmatch(
        rf"\[INFO\]\t\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{request_id}\tan info record", lines[2]
    )
    assert lines[3] == f"END RequestId: {request_id}"
    assert re.fullmatch(
        rf"REPORT RequestId: {request_id}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\t"
        r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: \d+\.\d\d ms\t",
        lines[4],
    )
    assert lines[5] == ""


def test_init_duration_only_on_cold_start(sb):
    """Is Init Duration reported on the first invoke of an environment only, and billed with it?"""
    create_function(sb, "printer", PRINTER)
    cold = invoke(sb, "printer", LogType="Tail")["Log"].splitlines()[-1]
    warm = invoke(sb, "printer", LogType="Tail")["Log"].splitlines()[-1]
    assert "Init Duration" in cold and "Init Duration" not in warm
    fields = dict(field.split(": ", 1) for field in cold.split("\t")[1:-1])
    duration, init = float(fields["Duration"][:-3]), float(fields["Init Duration"][:-3])
    assert int(fields["Billed Duration"][:-3]) == -int(-(duration + init) // 1)


def test_log_result_is_only_returned_for_tail(sb):
    """Is LogResult absent unless LogType is Tail?"""
    create_function(sb, "printer", PRINTER)
    assert "LogResult" not in invoke(sb, "printer")


def test_log_result_keeps_the_last_4_kb(sb):
    """Is LogResult cut to the last 4 KB of the invocation's log?"""
    create_function(sb, "loud", "def handler(e, c):\n    for i in range(500):\n        print('line', i)\n")
    log = invoke(sb, "loud", LogType="Tail")["Log"]
    assert len(log.encode()) <= 4096
    assert log.rstrip("\n").split("\n")[-1].startswith("REPORT RequestId:")
    assert "line 499" in log and "line 0\n" not in log


def test_logs_go_to_cloudwatch(sb):
    """Do init output and the invocation's lines land in /aws/lambda/<name>, one stream per environment?"""
    create_function(sb, "printer", PRINTER)
    invoke(sb, "printer")
    invoke(sb, "printer")
    streams = sb.client("logs").describe_log_streams(logGroupName="/aws/lambda/printer")["logStreams"]
    assert len(streams) == 1
    assert re.fullmatch(r"\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}", streams[0]["logStreamName"])
    messages = log_messages(sb, "printer")
    assert messages[0].startswith("INIT_START Runtime Version: ")
    assert messages[1] == "loading"
    assert messages[2].startswith("START RequestId: ")
    assert sum(message.startswith("REPORT RequestId: ") for message in messages) == 2


def test_stream_name_is_the_context_log_stream(sb):
    """Does context.log_stream_name name the environment's CloudWatch stream?"""
    create_function(sb, "names", "def handler(e, c):\n    return [c.log_group_name, c.log_stream_name]\n")
    group, stream = invoke(sb, "names")["Payload"]
    assert group == "/aws/lambda/names"
    streams = sb.client("logs").describe_log_streams(logGroupName=group)["logStreams"]
    assert [s["logStreamName"] for s in streams] == [stream]


def test_stderr_is_logged_too(sb):
    """Does output written to stderr appear in the log like stdout?"""
    create_function(sb, "err", "import sys\ndef handler(e, c):\n    print('to stderr', file=sys.stderr)\n")
    assert "\nto stderr\n" in invoke(sb, "err", LogType="Tail")["Log"]
