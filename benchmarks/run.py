"""Measure the local Lambda runtime against its targets, side by side in one run.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--quick]``). Prints one table:

(a) warm invoke through boto3 vs. the same boto3 invoke answered by moto's non-executing backend
    (``use_docker: False``, runtime switched off), alternating blocks so both see the same machine load;
(b) cold start added over a warm invoke, handler without imports;
(c) 8 concurrent invokes of a handler sleeping 200 ms vs. ONE WARM invoke of the same handler: the 8
    start from 8 warm environments (target); the same with 8 cold environments is reported too;
(d) ``sandbox.start()`` and the first (cold) invoke in a fresh interpreter (reported, no target);
(e) the floor under (b): spawning the interpreter itself, with and without ``site`` (reported);
(f) 1,000 messages drained through an SQS event source mapping (batch 10) vs. 100 sequential warm invokes
    of 10-record batches, and the median SendMessage -> handler start latency (reported);
(g) memory buys CPU (``cpu="proportional"``): a CPU-bound handler's duration at 128 MB vs 1,769 MB,
    against the expected 1769/128 = 13.8x (within 25%);
(h) the median delay from an ``Event`` invoke to its handler starting (warm; target <= 20 ms), and the
    real cost of a failing event's retry chain at time scale 600 (reported, next to its 300 ms of waits);
(i) a GET through a function URL, an HTTP API and a REST API (one kept-alive connection each) vs. a
    direct warm boto3 invoke of the same handler, alternating blocks (target <= 1.5x each).
"""

from __future__ import annotations

import argparse
import io
import json
import platform
import statistics
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
ECHO = "def handler(event, context):\n    return event\n"
SLEEPER = "import time\n\ndef handler(event, context):\n    time.sleep(0.2)\n    return 1\n"

FRESH_INTERPRETER = """
import io, json, sys, time, zipfile
t0 = time.perf_counter()
from workbook import sandbox
sb = sandbox.start()
t1 = time.perf_counter()
role = sb.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument=sys.argv[1])["Role"]["Arn"]
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("app.py", "def handler(event, context):\\n    return event\\n")
lam = sb.client("lambda")
lam.create_function(FunctionName="first", Runtime="python3.12", Role=role, Handler="app.handler",
                    Code={"ZipFile": buf.getvalue()})
t2 = time.perf_counter()
lam.invoke(FunctionName="first", Payload=b"{}")
t3 = time.perf_counter()
print(json.dumps({"start": t1 - t0, "first_invoke": t3 - t2}))
sb.stop()
"""


def zipped(source: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", source)
    return buffer.getvalue()


def timed(call) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


class Bench:
    def __init__(self, quick: bool):
        from workbook import sandbox

        self.rounds = 3 if quick else 8
        self.block = 25 if quick else 60
        self.sb = sandbox.start()
        self.lam = self.sb.client("lambda")
        self.role = self.sb.client("iam").create_role(RoleName="bench", AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]

    def create(self, name: str, source: str) -> None:
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=self.role, Handler="app.handler",
                                 Code={"ZipFile": zipped(source)}, Timeout=30)

    def invoke(self, name: str, client=None) -> None:
        response = (client or self.lam).invoke(FunctionName=name, Payload=b'{"n": 1}')
        response["Payload"].read()
        assert "FunctionError" not in response, response

    def warm_vs_baseline(self) -> tuple[float, float]:
        from moto.core.models import default_user_config

        from workbook.lambda_runtime import moto_patch

        runtime = self.sb._runtime
        self.create("echo", ECHO)
        for _ in range(20):
            self.invoke("echo")
        warm, baseline = [], []
        for _ in range(self.rounds):
            warm += [timed(lambda: self.invoke("echo")) for _ in range(self.block)]
            # The honest baseline: same server, client and request, answered by moto without running code.
            moto_patch.deactivate(runtime)
            default_user_config.setdefault("lambda", {})["use_docker"] = False
            try:
                baseline += [timed(lambda: self.invoke("echo")) for _ in range(self.block)]
            finally:
                default_user_config["lambda"]["use_docker"] = True
                moto_patch.activate(runtime)
        return statistics.median(warm), statistics.median(baseline)

    def cold_start(self) -> tuple[float, float]:
        added, warm = [], []
        for index in range(self.rounds * 2):
            name = f"cold-{index}"
            self.create(name, ECHO)
            cold_ms = timed(lambda: self.invoke(name))  # noqa: B023 (called at once)
            warm_ms = statistics.median(timed(lambda: self.invoke(name)) for _ in range(5))  # noqa: B023
            added.append(cold_ms - warm_ms)
            warm.append(warm_ms)
        return statistics.median(added), statistics.median(warm)

    def concurrency(self) -> dict:
        """8 concurrent invokes vs. ONE WARM invoke of the same handler, median over rounds.

        Warm variant (the target): the 8 start from 8 already-initialised environments; the run
        checks that no environment was added during the measured rounds (no hidden cold start).
        Cold variant (reported): each round uses a new function, so all 8 start cold.
        """
        import boto3

        runtime = self.sb._runtime
        key = (self.sb.account_id, self.sb.region, "sleeper")
        self.create("sleeper", SLEEPER)
        clients = [boto3.client("lambda", endpoint_url=self.sb.endpoint_url, region_name=self.sb.region)
                   for _ in range(8)]

        def eight(name: str) -> float:
            return timed(lambda: list(pool.map(lambda c: self.invoke(name, c), clients)))

        with ThreadPoolExecutor(8) as pool:
            for _ in range(5):  # eight warm environments (concurrent invokes each get their own)
                eight("sleeper")
                if runtime.pool.environment_count(key) >= 8:
                    break
            environments = runtime.pool.environment_count(key)
            single, warm = [], []
            for _ in range(self.rounds):
                single += [timed(lambda: self.invoke("sleeper")) for _ in range(3)]
                warm.append(eight("sleeper"))
            added = runtime.pool.environment_count(key) - environments
            cold = []
            for index in range(max(3, self.rounds // 2)):
                self.create(f"sleeper-cold-{index}", SLEEPER)
                cold.append(eight(f"sleeper-cold-{index}"))
        return {"single": statistics.median(single), "warm": statistics.median(warm), "cold": statistics.median(cold),
                "environments": environments, "added": added}

    def close(self) -> None:
        self.sb.stop()


ESM_HANDLER = ("import time\n\ndef handler(event, context):\n"
               "    print('AT', event['Records'][0]['body'], time.time_ns())\n")


def sqs_mapping_drain(sb, quick: bool) -> dict:
    """(f) 1,000 queued messages drained through an SQS event source mapping (BatchSize 10, default
    concurrency) vs. 100 sequential warm ``lambda.invoke`` calls with 10-record SQS events, same handler;
    and the median time from SendMessage to the handler's first line, one message at a time."""
    from workbook.event_sources import records

    lam, sqs = sb.client("lambda"), sb.client("sqs")
    iam = sb.client("iam")
    role = iam.get_role(RoleName="bench")["Role"]["Arn"]
    iam.put_role_policy(RoleName="bench", PolicyName="read-queues", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Action": [
            "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"]}]}))
    lam.create_function(FunctionName="drain", Runtime="python3.12", Role=role, Handler="app.handler",
                        Code={"ZipFile": zipped(ESM_HANDLER)}, Timeout=30)
    url = sqs.create_queue(QueueName="bench-drain", Attributes={"VisibilityTimeout": "60"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="drain", BatchSize=10)["UUID"]

    def fill(count: int) -> None:
        for start in range(0, count, 10):
            sqs.send_message_batch(QueueUrl=url, Entries=[
                {"Id": str(n), "MessageBody": f"m{start + n}"} for n in range(10)])

    def state(wanted: str) -> None:
        while lam.get_event_source_mapping(UUID=uuid)["State"] != wanted:
            time.sleep(0.01)

    fill(200)  # warm-up: the environments the mapping's concurrent batches use
    assert sb.settle(120)
    rounds = 1 if quick else 3
    drains, invokes = [], []
    attributes = records.sqs_system_attributes(receive_count=1, sent_timestamp=int(time.time() * 1000),
                                               sender_id="AIDAIENQZJOLO23YVJ4VO",
                                               first_receive_timestamp=int(time.time() * 1000))
    event = {"Records": [records.sqs_record(
        message_id=f"00000000-0000-0000-0000-{n:012d}", receipt_handle="AQEB" + "x" * 180, body=f"m{n}",
        attributes=attributes, message_attributes={}, md5_of_body="0" * 32, md5_of_message_attributes=None,
        queue_arn=arn, region=sb.region) for n in range(10)]}
    payload = json.dumps(event).encode()

    def drain() -> float:
        lam.update_event_source_mapping(UUID=uuid, Enabled=False)
        state("Disabled")
        fill(1000)
        start = time.perf_counter()
        lam.update_event_source_mapping(UUID=uuid, Enabled=True)
        assert sb.settle(300)
        elapsed = (time.perf_counter() - start) * 1000
        left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert left["ApproximateNumberOfMessages"] == "0", left  # every message was processed and deleted
        assert left["ApproximateNumberOfMessagesNotVisible"] == "0", left
        return elapsed

    for _ in range(rounds):
        drains.append(drain())
        start = time.perf_counter()
        for _ in range(100):
            response = lam.invoke(FunctionName="drain", Payload=payload)
            response["Payload"].read()
        invokes.append((time.perf_counter() - start) * 1000)
    lam.put_function_concurrency(FunctionName="drain", ReservedConcurrentExecutions=1)  # one batch at a time
    one_at_a_time = drain()  # reported only: one round (filling a queue of 1,000 takes moto several seconds)
    lam.delete_function_concurrency(FunctionName="drain")
    sent = {}
    for index in range(20 if quick else 60):
        body = f"latency-{index}"
        sent[body] = time.time_ns()
        sqs.send_message(QueueUrl=url, MessageBody=body)
        assert sb.settle(30)
    logs = sb.client("logs")
    started = {}
    for log_stream in logs.describe_log_streams(logGroupName="/aws/lambda/drain")["logStreams"]:
        for log_event in logs.get_log_events(logGroupName="/aws/lambda/drain",
                                             logStreamName=log_stream["logStreamName"])["events"]:
            parts = log_event["message"].split()
            if len(parts) == 3 and parts[0] == "AT" and parts[1] in sent:
                started[parts[1]] = int(parts[2])
    latencies = [(started[body] - sent[body]) / 1e6 for body in started]
    return {"drain": statistics.median(drains), "invokes": statistics.median(invokes),
            "sequential": one_at_a_time, "latency": statistics.median(latencies), "latencies": len(latencies)}


CPU_BOUND = ("import time\n\ndef handler(event, context):\n    end = time.process_time() + event['cpu']\n"
             "    while time.process_time() < end:\n        pass\n")


def memory_buys_cpu(sb, quick: bool) -> tuple[float, float]:
    """(g) Median duration (REPORT) in ms of 0.2 s of CPU work at 128 MB and at 1,769 MB, with
    ``cpu="proportional"``."""
    import base64

    from workbook import sandbox

    lam = sb.client("lambda")
    role = sb.client("iam").get_role(RoleName="bench")["Role"]["Arn"]
    sandbox.start(cpu="proportional")
    try:
        durations = {}
        for memory in (128, 1769):
            lam.create_function(FunctionName=f"cpu-{memory}", Runtime="python3.12", Role=role, Handler="app.handler",
                                Code={"ZipFile": zipped(CPU_BOUND)}, Timeout=30, MemorySize=memory)
            runs = []
            for _ in range(2 if quick else 5):
                response = lam.invoke(FunctionName=f"cpu-{memory}", Payload=b'{"cpu": 0.2}', LogType="Tail")
                report = base64.b64decode(response["LogResult"]).decode().split("\tDuration: ")[1]
                runs.append(float(report.split(" ms")[0]))
            durations[memory] = statistics.median(runs)
    finally:
        sandbox.start(cpu=None)
    return durations[128], durations[1769]


ASYNC_HANDLER = "import time\n\ndef handler(event, context):\n    print('AT', time.time_ns())\n"
ASYNC_FAILING = "def handler(event, context):\n    raise ValueError('retry me')\n"


def async_invokes(sb, quick: bool) -> dict:
    """(h) Median time from an Event invoke to the handler's first line (warm environment; measured from
    when the request is sent, which bounds the delay after the 202 from above: the handler usually starts
    before the 202 has reached the client), and the
    real cost of a failing event's whole retry chain (3 attempts, AWS waits of 1 + 2 minutes) at time
    scale 600, where the scaled waits themselves take 300 ms."""
    lam, logs = sb.client("lambda"), sb.client("logs")
    role = sb.client("iam").get_role(RoleName="bench")["Role"]["Arn"]
    for name, source in (("async-start", ASYNC_HANDLER), ("async-retry", ASYNC_FAILING)):
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                            Code={"ZipFile": zipped(source)}, Timeout=30)
    sent = []
    for index in range(5 + (20 if quick else 60)):
        before = time.time_ns()  # the 202 leaves the server after this, so start - before bounds the delay
        lam.invoke(FunctionName="async-start", InvocationType="Event", Payload=b"{}")
        if index >= 5:  # the first ones warm the environment up
            sent.append(before)
        assert sb.settle(30)
    started = sorted(int(e["message"].split()[1]) for e in logs.filter_log_events(
        logGroupName="/aws/lambda/async-start")["events"] if e["message"].startswith("AT "))[5:]
    delays = [(start - request) / 1e6 for start, request in zip(started, sent, strict=True)]

    previous = sb.time_scale
    sb.time_scale = 600
    try:
        lam.invoke(FunctionName="async-retry", Payload=b"{}")  # a warm environment for the chain
        chains = []
        for _ in range(3 if quick else 8):
            start = time.perf_counter()
            lam.invoke(FunctionName="async-retry", InvocationType="Event", Payload=b"{}")
            assert sb.settle(30)
            chains.append((time.perf_counter() - start) * 1000)
    finally:
        sb.time_scale = previous
    return {"start": statistics.median(delays), "samples": len(delays), "chain": statistics.median(chains),
            "waits": (60 + 120) / 600 * 1000}


FRONT_DOOR_HANDLER = "def handler(event, context):\n    return {'statusCode': 200, 'body': 'ok'}\n"


def front_doors(bench: Bench, quick: bool) -> dict:
    """Median latency of a GET through a function URL, an HTTP API and a REST API vs. a direct warm invoke
    (ms)."""
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    sb, lam = bench.sb, bench.lam
    bench.create("door", FRONT_DOOR_HANDLER)
    lam.add_permission(FunctionName="door", StatementId="url", Action="lambda:InvokeFunctionUrl",
                       Principal="*", FunctionUrlAuthType="NONE")
    lam.add_permission(FunctionName="door", StatementId="invoke", Action="lambda:InvokeFunction",
                       Principal="*", InvokedViaFunctionUrl=True)
    url = lam.create_function_url_config(FunctionName="door", AuthType="NONE")["FunctionUrl"]
    arn = lam.get_function(FunctionName="door")["Configuration"]["FunctionArn"]
    api = sb.client("apigatewayv2").create_api(Name="door", ProtocolType="HTTP", Target=arn)
    lam.add_permission(FunctionName="door", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{sb.region}:{sb.account_id}:{api['ApiId']}/*")
    rest = rest_api_for_bench(sb, lam, arn)
    url_connection = HTTPConnection(urlsplit(url).hostname, urlsplit(url).port, timeout=30)  # kept alive
    api_connection = HTTPConnection(urlsplit(api["ApiEndpoint"]).hostname, urlsplit(api["ApiEndpoint"]).port,
                                    timeout=30)

    def get(connection, path) -> None:
        connection.request("GET", path)
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200, body

    def direct() -> None:
        response = lam.invoke(FunctionName="door", Payload=b"{}")
        response["Payload"].read()

    calls = {"invoke": direct, "url": lambda: get(url_connection, "/"),
             "api": lambda: get(api_connection, "/items"), "rest": lambda: get(rest, "/prod/items")}
    for call in calls.values():
        for _ in range(20):
            call()
    times: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(bench.rounds):
        for name, call in calls.items():
            times[name] += [timed(call) for _ in range(bench.block)]
    url_connection.close()
    api_connection.close()
    rest.close()
    return {name: statistics.median(values) for name, values in times.items()}


def rest_api_for_bench(sb, lam, function_arn: str):
    """A REST API with GET /items proxied to ``function_arn``, deployed to ``prod``; a connection to it."""
    from http.client import HTTPConnection
    from urllib.parse import urlsplit

    from workbook import front_doors

    apigw = sb.client("apigateway")
    api = apigw.create_rest_api(name="door")
    items = apigw.create_resource(restApiId=api["id"], parentId=api["rootResourceId"], pathPart="items")
    apigw.put_method(restApiId=api["id"], resourceId=items["id"], httpMethod="GET", authorizationType="NONE")
    apigw.put_integration(restApiId=api["id"], resourceId=items["id"], httpMethod="GET", type="AWS_PROXY",
                          integrationHttpMethod="POST", uri=f"arn:aws:apigateway:{sb.region}:lambda:path/"
                          f"2015-03-31/functions/{function_arn}/invocations")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    lam.add_permission(FunctionName="door", StatementId="rest", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com",
                       SourceArn=f"arn:aws:execute-api:{sb.region}:{sb.account_id}:{api['id']}/prod/GET/items")
    url = urlsplit(front_doors.api_url(api["id"], "prod"))
    return HTTPConnection(url.hostname, url.port, timeout=30)


def fresh_interpreter(runs: int) -> tuple[float, float]:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", FRESH_INTERPRETER, TRUST], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r["start"] for r in results) * 1000,
            statistics.median(r["first_invoke"] for r in results) * 1000)


def interpreter_floor(runs: int) -> tuple[float, float]:
    """What starting the course's Python costs before any runtime code runs (with and without site)."""
    def spawn(*flags: str) -> float:
        return statistics.median(timed(lambda: subprocess.run([sys.executable, *flags, "-c", "pass"], check=True))
                                 for _ in range(runs))

    return spawn("-I"), spawn("-I", "-S")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, noisier)")
    args = parser.parse_args()

    bench = Bench(args.quick)
    try:
        warm, baseline = bench.warm_vs_baseline()
        cold_added, cold_warm = bench.cold_start()
        conc = bench.concurrency()
        esm = sqs_mapping_drain(bench.sb, args.quick)
        cpu_small, cpu_large = memory_buys_cpu(bench.sb, args.quick)
        asynchronous = async_invokes(bench.sb, args.quick)
        doors = front_doors(bench, args.quick)
    finally:
        bench.close()
    start_ms, first_ms = fresh_interpreter(2 if args.quick else 3)
    spawn_ms, spawn_no_site_ms = interpreter_floor(10 if args.quick else 20)

    single = conc["single"]
    rows = [
        ("(a) warm invoke / moto non-executing invoke", f"{warm:.2f} ms / {baseline:.2f} ms",
         f"{warm / baseline:.2f}x", "<= 1.25x", warm / baseline <= 1.25),
        ("(b) cold start added over warm (no imports)", f"{cold_added:.1f} ms (warm {cold_warm:.2f} ms)",
         f"+{cold_added:.1f} ms", "<= 100 ms", cold_added <= 100),
        ("(c) 8 concurrent from 8 warm envs / 1 warm", f"{conc['warm']:.0f} ms / {single:.0f} ms",
         f"{conc['warm'] / single:.2f}x", "<= 2x", conc["warm"] / single <= 2),
        ("(c) same, 8 cold environments / 1 warm", f"{conc['cold']:.0f} ms / {single:.0f} ms",
         f"{conc['cold'] / single:.2f}x", "report", None),
        ("(d) fresh interpreter: sandbox.start()", f"{start_ms:.0f} ms", "", "report", None),
        ("(d) fresh interpreter: first (cold) invoke", f"{first_ms:.0f} ms", "", "report", None),
        ("(e) floor: spawn `python -I -c pass`", f"{spawn_ms:.1f} ms (-S: {spawn_no_site_ms:.1f} ms)", "",
         "report", None),
        ("(f) drain 1,000 msgs via SQS mapping / 100 warm invokes",
         f"{esm['drain']:.0f} ms / {esm['invokes']:.0f} ms", f"{esm['drain'] / esm['invokes']:.2f}x", "<= 2x",
         esm["drain"] / esm["invokes"] <= 2),
        ("(f) same, one batch at a time (reserved conc. 1)",
         f"{esm['sequential']:.0f} ms / {esm['invokes']:.0f} ms",
         f"{esm['sequential'] / esm['invokes']:.2f}x", "report", None),
        ("(f) SendMessage -> handler start (median)",
         f"{esm['latency']:.1f} ms ({esm['latencies']} messages)", "", "report", None),
        ("(g) CPU-bound handler at 128 MB / 1,769 MB", f"{cpu_small:.0f} ms / {cpu_large:.0f} ms",
         f"{cpu_small / cpu_large:.1f}x", "13.8x +-25%", abs(cpu_small / cpu_large / (1769 / 128) - 1) <= 0.25),
        ("(h) Event invoke -> handler start (median, warm)",
         f"{asynchronous['start']:.1f} ms ({asynchronous['samples']} events)", "", "<= 20 ms",
         asynchronous["start"] <= 20),
        ("(h) retry chain, 3 attempts at time scale 600",
         f"{asynchronous['chain']:.0f} ms (scaled waits {asynchronous['waits']:.0f} ms)",
         f"+{asynchronous['chain'] - asynchronous['waits']:.0f} ms", "report", None),
        ("(i) GET via function URL / direct warm invoke", f"{doors['url']:.2f} ms / {doors['invoke']:.2f} ms",
         f"{doors['url'] / doors['invoke']:.2f}x", "<= 1.5x", doors["url"] / doors["invoke"] <= 1.5),
        ("(i) GET via HTTP API / direct warm invoke", f"{doors['api']:.2f} ms / {doors['invoke']:.2f} ms",
         f"{doors['api'] / doors['invoke']:.2f}x", "<= 1.5x", doors["api"] / doors["invoke"] <= 1.5),
        ("(i) GET via REST API / direct warm invoke", f"{doors['rest']:.2f} ms / {doors['invoke']:.2f} ms",
         f"{doors['rest'] / doors['invoke']:.2f}x", "<= 1.5x", doors["rest"] / doors["invoke"] <= 1.5),
    ]
    print(f"\nLocal Lambda runtime benchmark · {time.strftime('%Y-%m-%d')} · Python {platform.python_version()} · "
          f"{platform.machine()} · {_cpus()} CPUs\n")
    header = ("measurement", "medians", "ratio", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=False)))
    for row in rows:
        verdict = "" if row[4] is None else ("met" if row[4] else "MISSED")
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=False)) + "  " + verdict)
    print(f"\n(c) warm variant: {conc['environments']} warm environments, {conc['added']} added while measuring"
          f"{' (a cold start slipped in: the warm figure is not clean)' if conc['added'] else ''}")
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
