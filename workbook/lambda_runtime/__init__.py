"""The local Lambda data plane: learners' handlers really run, in worker processes, never in the kernel.

moto keeps the control plane (functions, versions, aliases, configuration); this package runs the code.
Each *execution environment* is a worker process (:mod:`.environment`) started by the pool
(:mod:`.pool`) and driven by the runtime inside it (:mod:`.bootstrap`). :mod:`.invoke` gives the
Invoke API its AWS semantics, :mod:`.logs` writes START/END/REPORT lines to CloudWatch Logs, and
:mod:`.dispatcher` queues asynchronous invokes.

The sandbox calls :func:`install`; in your own moto tests use :func:`activate`::

    from moto import mock_aws
    from workbook import lambda_runtime

    with mock_aws(), lambda_runtime.activate():
        ...  # boto3 lambda.invoke now runs the handler for real
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import weakref

from . import iam, metrics, moto_patch, provisioned
from .invoke import routing_random
from .runtime import DEFAULT_IDLE_TIMEOUT, Runtime

__all__ = ["Runtime", "activate", "configure", "install", "seed"]

_all: weakref.WeakSet[Runtime] = weakref.WeakSet()  # for configure() and interpreter exit
_lock = threading.Lock()
_settings = {"idle_timeout": DEFAULT_IDLE_TIMEOUT}


def install(endpoint_url: str, region: str) -> Runtime:
    """Start the runtime for the moto server at ``endpoint_url`` and route Lambda invokes to it.

    Returns the handle the sandbox keeps: ``.reset()``, ``.settle(timeout)``, ``.close()``.
    """
    runtime = Runtime(endpoint_url, region, idle_timeout=_settings["idle_timeout"])
    iam.install_role_enforcement()
    metrics.install_exact_statistics()
    _watch_provisioned_concurrency()
    moto_patch.activate(runtime)
    from workbook import event_sources  # what calls Lambda (pollers …) starts and stops with the runtime
    from workbook.event_sources import trigger_hooks  # S3, SNS, EventBridge: asynchronous, permission-checked

    event_sources.attach(runtime)
    trigger_hooks.install()
    from workbook import front_doors  # function URLs and APIs: loopback listeners, closed with the runtime

    front_doors.attach(runtime)
    with _lock:
        _all.add(runtime)
    return runtime


@contextlib.contextmanager
def activate(region: str | None = None, cpu: str | None = None, time_scale: float | None = None):
    """Run Lambda handlers for real inside a moto ``mock_aws()`` block.

    Starts a loopback moto server (sharing moto's in-process state) for the handlers'
    ``AWS_ENDPOINT_URL``, and stops everything on exit. ``cpu="proportional"`` gives each function CPU
    in proportion to its memory, as AWS does (1,769 MB is one vCPU). ``time_scale`` divides AWS's waits
    of asynchronous events (retries, back-off, event age; default ``WORKBOOK_TIME_SCALE`` or 60); the
    runtime yielded has it as ``.time_scale``, settable, and ``.settle(timeout)``.

    Example::

        with mock_aws(), lambda_runtime.activate():
            lam = boto3.client("lambda", region_name="us-east-1")
            ...
            lam.invoke(FunctionName="hello")["Payload"].read()
    """
    from workbook.sandbox.server import LoopbackMotoServer

    from .clock import check_time_scale
    from .cpu import check_mode

    check_mode(cpu)
    if time_scale is not None:
        time_scale = check_time_scale(time_scale)
    server = LoopbackMotoServer()
    region = region or os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION") or "us-east-1"
    runtime = install(server.endpoint_url, region)
    runtime.pool.cpu = cpu
    if time_scale is not None:
        runtime.time_scale = time_scale
    try:
        yield runtime
    finally:
        try:
            runtime.settle(timeout=30)
            runtime.close()
        finally:
            server.stop()


def seed(value: int | None) -> None:
    """Make weighted-alias routing repeatable (``random.Random(value)``); ``None`` re-seeds randomly.

    The ``WORKBOOK_LAMBDA_SEED`` environment variable sets the seed when the package is imported.

    Example::

        lambda_runtime.seed(42)   # the same versions are chosen on every run
    """
    routing_random.seed(value)


def configure(*, idle_timeout: float | None = None) -> dict:
    """Change runtime settings; returns the previous values.

    ``idle_timeout``: seconds an execution environment may stay idle before it shuts down
    (default 600, or ``WORKBOOK_LAMBDA_IDLE_TIMEOUT``).
    """
    previous = dict(_settings)
    if idle_timeout is not None:
        _settings["idle_timeout"] = float(idle_timeout)
        with _lock:
            for runtime in _all:
                runtime.pool.idle_timeout = float(idle_timeout)
    return previous


def _watch_provisioned_concurrency() -> None:
    provisioned.install()
    if _on_provisioned not in provisioned.listeners:
        provisioned.listeners.append(_on_provisioned)
    provisioned.allocation_probe = _provisioned_ready


def _on_provisioned(account_id, region, function_name, qualifier, resolved_version, count) -> None:
    runtime = moto_patch.active()
    if runtime is None:
        return
    key = (account_id, region, function_name)
    if not count:
        runtime.pool.remove_provisioned(key, qualifier)
        return
    from moto.awslambda.utils import get_backend

    fn = get_backend(account_id, region).get_function(function_name, str(resolved_version))
    runtime.pool.add_provisioned(runtime.spec_for(fn), qualifier, int(count))


def _provisioned_ready(account_id, region, function_name, qualifier) -> int:
    runtime = moto_patch.active()
    if runtime is None:
        return 0
    return runtime.pool.provisioned_ready((account_id, region, function_name), qualifier)


if os.environ.get("WORKBOOK_LAMBDA_SEED"):
    seed(int(os.environ["WORKBOOK_LAMBDA_SEED"]))


@atexit.register
def _close_all() -> None:
    with _lock:
        runtimes = list(_all)
        _all.clear()
    for runtime in runtimes:
        runtime.close()
