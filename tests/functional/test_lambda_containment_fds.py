"""With few file descriptors (macOS allows 256 by default), invokes degrade into 429s, and nothing leaks."""

import sys

import pytest

from .pyrun import run_python_json

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts /proc/self/fd")


def test_a_low_soft_limit_is_raised_when_the_sandbox_starts():
    """With `ulimit -Sn 256` and a higher hard limit, does starting the sandbox raise the soft limit?"""
    result = run_python_json(
        """
        import json, resource
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        from workbook import sandbox
        sb = sandbox.start()
        print(json.dumps({"hard": hard, "soft": resource.getrlimit(resource.RLIMIT_NOFILE)[0]}))
        sb.stop()
        """
    )
    if result["hard"] <= 256:
        pytest.skip("the hard limit on open files is 256 or lower here")
    assert result["soft"] > 256


CONCURRENT = """
import json, os, resource, sys
from concurrent.futures import ThreadPoolExecutor

resource.setrlimit(resource.RLIMIT_NOFILE, (256, 256))  # `ulimit -n 256`: soft and hard
from botocore.config import Config
from workbook import sandbox
sys.path.insert(0, os.getcwd())
from tests.functional.lambda_helpers import create_function

before = len(os.listdir("/proc/self/fd"))
sb = sandbox.start()
NAPPER = "import time\\ndef handler(event, context):\\n    time.sleep(1)\\n    return 'ok'\\n"
create_function(sb, "napper", NAPPER, Timeout=60)
lam = sb.client("lambda", config=Config(max_pool_connections=60, retries={"total_max_attempts": 1},
                                        read_timeout=120, connect_timeout=60))

def call(_):
    try:
        response = lam.invoke(FunctionName="napper", Payload=b"{}")
        body = response["Payload"].read()
        return "ok" if body == b'"ok"' else "failed: " + body.decode()[:200]
    except lam.exceptions.TooManyRequestsException as exc:
        return "429 " + exc.response.get("Reason", "")
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]

with ThreadPoolExecutor(60) as pool:
    results = list(pool.map(call, range(60)))
lam.close()
sb.stop()
print(json.dumps({"before": before, "after": len(os.listdir("/proc/self/fd")), "results": results}))
"""


def test_sixty_concurrent_invokes_at_256_descriptors():
    """At `ulimit -n 256`, do 60 concurrent cold starts each succeed or get a 429 (never a 500), with no
    descriptor left open after stop()?"""
    result = run_python_json(CONCURRENT, timeout=180)
    results = result["results"]
    unexpected = [r for r in results if r != "ok" and not r.startswith("429 ")]
    assert not unexpected, unexpected[:3]
    assert "ok" in results
    assert all(r == "429 ConcurrentInvocationLimitExceeded" for r in results if r != "ok")
    assert result["after"] <= result["before"], result


def test_a_failed_spawn_closes_its_pipes_and_answers_429(sb, monkeypatch):
    """When starting a worker fails for want of descriptors, is the invoke a 429 with no pipe left open?"""
    import errno
    import os

    from botocore.config import Config

    from workbook.lambda_runtime import environment

    from .lambda_helpers import create_function

    def out_of_descriptors(*args, **kwargs):
        raise OSError(errno.EMFILE, "Too many open files")

    create_function(sb, "unlucky", "def handler(event, context):\n    return 1\n")
    lam = sb.client("lambda", config=Config(retries={"total_max_attempts": 1}))
    lam.get_function(FunctionName="unlucky")  # the connection is open before counting
    monkeypatch.setattr(environment._spawner, "popen", out_of_descriptors)
    def pipes() -> set[str]:
        """The pipes this process holds (sockets come and go with other threads' connections)."""
        found = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:  # closed while listing
                continue
            if target.startswith("pipe:"):
                found.add(target)
        return found

    before = pipes()
    with pytest.raises(lam.exceptions.TooManyRequestsException) as raised:
        lam.invoke(FunctionName="unlucky")
    assert raised.value.response["Reason"] == "ConcurrentInvocationLimitExceeded"
    assert pipes() <= before
    monkeypatch.undo()
    assert lam.invoke(FunctionName="unlucky")["Payload"].read() == b"1"
