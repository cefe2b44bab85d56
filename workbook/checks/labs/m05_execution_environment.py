"""Lab 05 · the cheapest memory that meets a latency target, and reserved concurrency in front of a database.

The contract the lab text gives the learner:

- ``image-resizer`` (given, deployed by the setup) spends ``cpu_ms`` of CPU at one vCPU and then waits ``wait_ms``
  on I/O; the lab's workload is ``WORKLOAD = {"cpu_ms": 40, "wait_ms": 50}``. Among ``MEMORY_SIZES`` the learner
  finds the cheapest size (cost per invocation: billed GB-seconds at the on-demand price plus the request) whose
  median ``Duration`` is at most ``TARGET_MS`` = 250 ms, sets the function's ``MemorySize`` to it and passes it:
  ``checks.step("05-execution-environment", "tune").check(cheapest_memory)``. The check measures every size itself
  (its own invocations, in the CPU mode the notebook set: a graded notebook's ``cpu="proportional"`` applies to the
  grader's sandbox too) and prices them; with memory buying CPU the answer is 512 MB, and where every size gets a
  full CPU it is 128 MB: either way, the same rule on the check's own measurements.
- ``orders-writer`` (given) writes to a database that accepts at most ``DB_CONNECTIONS`` = 3 connections: the
  learner gives it reserved concurrency 3, sends concurrent requests without retries until one is throttled, and
  passes the 429's ``Reason``: ``checks.step("05-execution-environment", "protect").check(throttle_reason)``.
"""

from __future__ import annotations

import datetime

from workbook import lambda_logs
from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.values import as_number, type_name
from workbook.power_tuning import cost_per_invocation

FUNCTION = "image-resizer"
WRITER = "orders-writer"
MEMORY_SIZES = (128, 256, 512, 1024, 1769)
WORKLOAD = {"cpu_ms": 40, "wait_ms": 50}
TARGET_MS = 250
TARGET_SLACK = 1.15  # a size within 15 % of the target on the check's run may go either way (noise)
COST_SLACK = 1.10  # a size costing at most 10 % more than the cheapest is as cheap, given the noise
DB_CONNECTIONS = 3
RESERVED_REASON = "ReservedFunctionConcurrentInvocationLimitExceeded"

lab = Lab("05-execution-environment", "Lab 05 · Tune memory, protect a database")


def _measure(aws) -> dict[int, dict]:
    """``{memory: {"duration": ms, "cost": dollars}}`` for every lab size, from the check's own invocations
    (the faster of two warm ones: a busy laptop only ever slows a run down)."""
    measured = {}
    for memory in MEMORY_SIZES:
        with aws.configured(FUNCTION, MemorySize=memory):
            runs = []
            for _ in range(2):
                result = aws.invoke(FUNCTION, {**WORKLOAD, "request": aws.fresh.name("check-")})
                if result.function_error:
                    raise Failed(f"{FUNCTION} failed at {memory} MB: {result.error_summary}. Deploy it again "
                                 "with the setup cell.")
                report = lambda_logs.last_report(result.log) or {}
                if "Duration" in report:
                    runs.append(report)
            if not runs:
                raise Failed(f"{FUNCTION} wrote no REPORT line at {memory} MB; run the setup cell again.")
            best = min(runs, key=lambda report: report["Duration"])
            measured[memory] = {"duration": best["Duration"],
                                "cost": cost_per_invocation(best["Billed Duration"], memory)}
    return measured


@lab.step(
    "tune",
    f"The cheapest memory size for {FUNCTION} within {TARGET_MS} ms",
    watches=("lambda:image-resizer",),
    answers=("cheapest_memory",),
    hints=[
        "`power_tune(lam, FUNCTION_NAME, MEMORY_SIZES, payload=WORKLOAD, runs=2)` gives a table with one row per "
        "memory size: the median Duration and the cost per invocation.",
        "Keep the rows whose Duration is at most TARGET_MS, then take the one with the lowest cost: "
        "`tuning[tuning['Duration'] <= TARGET_MS]['cost'].idxmin()` (the index is the MemorySize).",
        "power_tune leaves the function at the last size it measured: set it to your answer with "
        "`lam.update_function_configuration(FunctionName=FUNCTION_NAME, MemorySize=cheapest_memory)`.",
    ],
    solution='''
tuning = power_tune(lam, FUNCTION_NAME, MEMORY_SIZES, payload=WORKLOAD, runs=2)
within_target = tuning[tuning["Duration"] <= TARGET_MS]
cheapest_memory = int(within_target["cost"].idxmin())
lam.update_function_configuration(FunctionName=FUNCTION_NAME, MemorySize=cheapest_memory)
lam.get_waiter("function_updated_v2").wait(FunctionName=FUNCTION_NAME)
''',
)
def tune(aws, cheapest_memory=None):
    if cheapest_memory is None:
        raise NotAttempted("measure image-resizer at each size, then "
                           "checks.step('05-execution-environment', 'tune').check(cheapest_memory)")
    chosen = as_number(cheapest_memory)
    if chosen is None or chosen != int(chosen):
        raise Failed(f"pass the memory size in MB, a whole number such as 256; you passed a {type_name(cheapest_memory)}.")
    chosen = int(chosen)
    if chosen not in MEMORY_SIZES:
        raise Failed(f"{chosen} MB is not one of the sizes the lab measures: {', '.join(map(str, MEMORY_SIZES))}.")
    config = aws.function(FUNCTION)
    if config.get("MemorySize") != chosen:
        raise Failed(f"{FUNCTION} runs with {config.get('MemorySize')} MB, but your answer is {chosen} MB: set its "
                     "MemorySize to the size you chose (power_tune leaves it at the last size it measured).")
    measured = _measure(aws)
    meeting = {memory: m for memory, m in measured.items() if m["duration"] <= TARGET_MS}
    if not meeting:
        raise Failed(f"on the check's run no size answered within {TARGET_MS} ms; run the setup cell again and retry.")
    cheapest = min(meeting, key=lambda memory: meeting[memory]["cost"])
    mine = measured[chosen]
    if mine["duration"] > TARGET_MS * TARGET_SLACK:
        raise Failed(f"at {chosen} MB {FUNCTION} took {mine['duration']:.0f} ms on the check's run, over the "
                     f"{TARGET_MS} ms target: the cheapest size overall is not the answer if it is too slow.")
    if mine["cost"] > meeting[cheapest]["cost"] * COST_SLACK:
        raise Failed(f"{chosen} MB meets the target, but a size that also meets it costs less per invocation: "
                     "among the sizes within the target, take the lowest cost, not the lowest Duration.")
    return (f"{chosen} MB: {mine['duration']:.0f} ms on the check's run, within {TARGET_MS} ms, at the lowest cost "
            f"(the check found {cheapest} MB)")


@lab.step(
    "protect",
    f"Reserved concurrency {DB_CONNECTIONS} for {WRITER}",
    answers=("throttle_reason",),
    hints=[
        f"`lam.put_function_concurrency(FunctionName='{WRITER}', ReservedConcurrentExecutions=...)` sets it: one "
        "environment per database connection.",
        "Send more concurrent requests than that with `lam_no_retries` (each in a thread, as in the lesson) and catch "
        "`lam_no_retries.exceptions.TooManyRequestsException`.",
        "The reason is in the error's response: `error.response['Reason']`.",
    ],
    solution=f'''
lam.put_function_concurrency(FunctionName="{WRITER}", ReservedConcurrentExecutions=DB_CONNECTIONS)
reasons = []


def call():
    try:
        lam_no_retries.invoke(FunctionName="{WRITER}", Payload=b"{{}}")["Payload"].read()
    except lam_no_retries.exceptions.TooManyRequestsException as error:
        reasons.append(error.response["Reason"])


threads = [threading.Thread(target=call) for _ in range(2 * DB_CONNECTIONS)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
throttle_reason = reasons[0]
''',
)
def protect(aws, throttle_reason=None):
    aws.function(WRITER)
    reserved = aws.client("lambda").get_function_concurrency(FunctionName=WRITER).get("ReservedConcurrentExecutions")
    if reserved is None and throttle_reason is None:
        raise NotAttempted(f"give {WRITER} reserved concurrency, then "
                           "checks.step('05-execution-environment', 'protect').check(throttle_reason)")
    if reserved is None:
        raise Failed(f"{WRITER} has no reserved concurrency: nothing stops it opening more than {DB_CONNECTIONS} "
                     "connections. Set it with put_function_concurrency.")
    if reserved == 0:
        raise Failed(f"reserved concurrency 0 throttles every request: {WRITER} would never write. Give it one "
                     "environment per database connection.")
    if reserved != DB_CONNECTIONS:
        raise Failed(f"{WRITER} has reserved concurrency {reserved}; the database accepts {DB_CONNECTIONS} "
                     "connections, one per environment.")
    if throttle_reason is None:
        raise NotAttempted("now send more concurrent requests than that and pass the 429's Reason: .check(throttle_reason)")
    if not isinstance(throttle_reason, str):
        raise Failed(f"pass the Reason as a string (error.response['Reason']); you passed a {type_name(throttle_reason)}.")
    if throttle_reason != RESERVED_REASON:
        raise Failed(f"{throttle_reason[:80]!r} is not the Reason of a 429 caused by reserved concurrency; read "
                     "error.response['Reason'] of the TooManyRequestsException.")
    now = datetime.datetime.now(datetime.timezone.utc)
    points = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Throttles", Dimensions=[{"Name": "FunctionName", "Value": WRITER}],
        StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1), Period=3600,
        Statistics=["Sum"])["Datapoints"]
    if sum(point["Sum"] for point in points) < 1:
        raise Failed(f"the Throttles metric of {WRITER} is 0: send more concurrent requests than its reserved "
                     "concurrency (with lam_no_retries) so that some are throttled.")
    return f"{WRITER} never runs more than {DB_CONNECTIONS} at once; the extra requests got 429 {RESERVED_REASON}"
