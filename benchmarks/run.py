"""Measure the local Lambda runtime against its targets, side by side in one run.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run.py [--quick]``). Prints one table:

(a) warm invoke through boto3 vs. the same boto3 invoke answered by moto's non-executing backend
    (``use_docker: False``, runtime switched off), alternating blocks so both see the same machine load;
(b) cold start added over a warm invoke, handler without imports;
(c) 8 concurrent invokes of a handler sleeping 200 ms vs. one invoke;
(d) ``sandbox.start()`` and the first (cold) invoke in a fresh interpreter (reported, no target).
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
            cold_ms = timed(lambda: self.invoke(name))
            warm_ms = statistics.median(timed(lambda: self.invoke(name)) for _ in range(5))
            added.append(cold_ms - warm_ms)
            warm.append(warm_ms)
        return statistics.median(added), statistics.median(warm)

    def concurrency(self) -> tuple[float, float]:
        import boto3

        self.create("sleeper", SLEEPER)
        clients = [boto3.client("lambda", endpoint_url=self.sb.endpoint_url, region_name=self.sb.region)
                   for _ in range(8)]
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda c: self.invoke("sleeper", c), clients))  # eight warm environments
            single, eight = [], []
            for _ in range(self.rounds):
                single.append(timed(lambda: self.invoke("sleeper")))
                eight.append(timed(lambda: list(pool.map(lambda c: self.invoke("sleeper", c), clients))))
        return statistics.median(eight), statistics.median(single)

    def close(self) -> None:
        self.sb.stop()


def fresh_interpreter(runs: int) -> tuple[float, float]:
    results = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", FRESH_INTERPRETER, TRUST], cwd=ROOT, capture_output=True,
                             text=True, check=True)
        results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return (statistics.median(r["start"] for r in results) * 1000,
            statistics.median(r["first_invoke"] for r in results) * 1000)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke run, noisier)")
    args = parser.parse_args()

    bench = Bench(args.quick)
    try:
        warm, baseline = bench.warm_vs_baseline()
        cold_added, cold_warm = bench.cold_start()
        eight, single = bench.concurrency()
    finally:
        bench.close()
    start_ms, first_ms = fresh_interpreter(2 if args.quick else 3)

    rows = [
        ("(a) warm invoke / moto non-executing invoke", f"{warm:.2f} ms / {baseline:.2f} ms",
         f"{warm / baseline:.2f}x", "<= 1.25x", warm / baseline <= 1.25),
        ("(b) cold start added over warm (no imports)", f"{cold_added:.1f} ms (warm {cold_warm:.2f} ms)",
         f"+{cold_added:.1f} ms", "<= 100 ms", cold_added <= 100),
        ("(c) 8 concurrent 200 ms invokes / one invoke", f"{eight:.0f} ms / {single:.0f} ms",
         f"{eight / single:.2f}x", "<= 2x", eight / single <= 2),
        ("(d) fresh interpreter: sandbox.start()", f"{start_ms:.0f} ms", "", "report", None),
        ("(d) fresh interpreter: first (cold) invoke", f"{first_ms:.0f} ms", "", "report", None),
    ]
    print(f"\nLocal Lambda runtime benchmark · {time.strftime('%Y-%m-%d')} · Python {platform.python_version()} · "
          f"{platform.machine()} · {_cpus()} CPUs\n")
    header = ("measurement", "medians", "ratio", "target", "")
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(4)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    for row in rows:
        verdict = "" if row[4] is None else ("met" if row[4] else "MISSED")
        print("  ".join(str(c).ljust(w) for c, w in zip(row, widths)) + "  " + verdict)
    return 0


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())
