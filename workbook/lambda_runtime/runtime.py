"""The runtime handle: execution environments, the async queue, logs and metrics for one moto account.

:func:`workbook.lambda_runtime.install` returns a :class:`Runtime`. The moto patches in
:mod:`.moto_patch` send every Lambda invoke to the active runtime's :meth:`Runtime.execute`.

Starting a runtime makes this process non-dumpable (handlers cannot read its environment, which may
hold your real AWS keys, from ``/proc``) and raises its limit on open files (see :mod:`.containment`).
"""

from __future__ import annotations

import os
import tempfile
import time
import uuid

from . import clock, containment, iam, logs, metrics, moto_patch
from .async_invoke import AsyncEvents
from .code import CodeCache
from .dispatcher import AsyncInvocation, Dispatcher
from .environment import Environment, FunctionSpec, NoCapacity, Outcome
from .iam import RoleCannotBeAssumed
from .pool import Pool, Throttled

DEFAULT_IDLE_TIMEOUT = float(os.environ.get("WORKBOOK_LAMBDA_IDLE_TIMEOUT", "600"))
# The 429 reason when the machine has no room for another worker: this account's concurrency is full.
MACHINE_FULL = "ConcurrentInvocationLimitExceeded"


class Runtime:
    """Runs Lambda functions of the local account in worker processes. Returned by ``install()``."""

    def __init__(self, endpoint_url: str, region: str, idle_timeout: float = DEFAULT_IDLE_TIMEOUT):
        self.endpoint_url = endpoint_url
        self.region = region
        containment.make_non_dumpable()
        containment.raise_open_file_limit()
        self.worker_users, self.isolation = containment.worker_users()  # isolation: who workers run as, why
        self.root = _new_root()
        self._env_root = os.path.join(self.root, "environments")
        os.makedirs(self._env_root)
        if self.worker_users is not None:  # workers of other users reach their own folders only
            for folder in (self.root, self._env_root):
                os.chmod(folder, 0o711)
        self.code = CodeCache(self.root, workers_own_files=self.worker_users is None)
        self.pool = Pool(self._new_environment, idle_timeout)
        self.dispatcher = Dispatcher(self._run_async)
        self.async_events = AsyncEvents(self, self.dispatcher)  # retries, DLQ, destinations
        self._time_scale = clock.default_time_scale()  # WORKBOOK_TIME_SCALE, else 60
        # Background services started with the runtime (event source pollers …): each has
        # reset(), settle(timeout) -> bool and close(); see workbook.event_sources.attach.
        self.services: list = []
        self.closed = False

    # ------------------------------------------------------------------ handle API (used by the sandbox)

    def reset(self) -> None:
        """Kill every execution environment, forget queued events and delete the unpacked code."""
        self.dispatcher.reset()
        for service in self.services:
            service.reset()
        self.pool.clear()
        self.code.clear()

    def settle(self, timeout: float = 30) -> bool:
        """Wait until no asynchronous invoke is queued or running, every service is idle and no handler runs
        (a synchronous invoke goes on after its caller gave up waiting)."""
        deadline = time.monotonic() + timeout
        while True:  # until one pass finds everything idle: a service's batch may queue async invokes
            if not self.dispatcher.settle(max(0.0, deadline - time.monotonic())):
                return False
            if all([service.settle(max(0.0, deadline - time.monotonic())) for service in self.services]):
                if self.pool.settle(max(0.0, deadline - time.monotonic())) and not self.dispatcher.pending():
                    return True
            if time.monotonic() >= deadline:
                return False

    def close(self) -> None:
        """Stop everything, stop receiving invokes, and delete every temp dir."""
        if self.closed:
            return
        self.closed = True
        moto_patch.deactivate(self)
        for service in self.services:
            service.close()
        self.dispatcher.close()
        self.pool.close()
        containment.remove_tree(self.root)

    # ------------------------------------------------------------------ environments

    def spec_for(self, fn) -> FunctionSpec:
        """A snapshot of a moto ``LambdaFunction`` (one version), with its code unpacked."""
        owner = (fn.account_id, fn.region, fn.function_name)
        code_dir = self.code.unpack("code", owner, fn.code_sha_256, getattr(fn, "code_bytes", b""))
        layer_paths: list[str] = []
        layer_dirs: list[str] = []
        if fn.layers:
            from moto.awslambda.models import lambda_backends

            backend = lambda_backends[fn.account_id][fn.region]
            versions = [backend.layers_versions_by_arn(layer["Arn"]) for layer in fn.layers]
            versions = [version for version in versions if version is not None]
            if versions:  # one folder, like /opt: layers extracted in order, a later one's file wins
                layer_dir = self.code.unpack("layers", owner, "+".join(v.code_sha_256 for v in versions),
                                             [v.code_bytes for v in versions])
                layer_paths += self.code.layer_paths(layer_dir, fn.run_time)
                layer_dirs.append(layer_dir)
        return FunctionSpec(
            account_id=fn.account_id,
            region=fn.region,
            function_name=fn.function_name,
            version=str(fn.version),
            handler=fn.handler or "",
            runtime=fn.run_time or "python3.12",
            memory_size=int(fn.memory_size or 128),
            timeout=float(fn.timeout or 3),
            variables=tuple(sorted((str(k), str(v)) for k, v in (fn.environment_vars or {}).items())),
            role=fn.role,
            code_dir=code_dir,
            layer_paths=tuple(layer_paths),
            log_group=fn.logs_group_name,
            layer_dirs=tuple(layer_dirs),
        )

    def _new_environment(self, spec: FunctionSpec, provisioned_for: str | None) -> Environment:
        return Environment(spec, self._env_root, self.endpoint_url, self._credentials, provisioned_for,
                           users=self.worker_users, prepare=self._verify_code)

    def _verify_code(self, spec: FunctionSpec) -> None:
        self.code.verify((spec.code_dir, *spec.layer_dirs))

    @staticmethod
    def _credentials(spec: FunctionSpec) -> dict[str, str]:
        return iam.execution_role_credentials(spec.account_id, spec.region, spec.role, spec.function_name)

    # ------------------------------------------------------------------ invoking

    def execute(
        self,
        fn,
        payload: bytes,
        invoked_arn: str,
        qualifier: str | None = None,
        client_context: dict | None = None,
        request_id: str | None = None,
    ) -> Outcome:
        """Run ``fn`` once, synchronously. Raises :class:`Throttled` or :class:`RoleCannotBeAssumed`."""
        request_id = request_id or str(uuid.uuid4())
        try:
            spec = self.spec_for(fn)
        except OSError as exc:
            if exc.errno in containment.RESOURCE_ERRNOS:  # no file descriptor left to unpack the code
                raise Throttled(None, MACHINE_FULL) from None
            raise
        resource = f"{spec.function_name}:{qualifier}" if qualifier else spec.function_name
        try:
            env = self.pool.acquire(spec, _reserved_concurrency(fn), qualifier)
        except Throttled:
            self._publish(spec, resource, spec.version, throttled=True)
            raise
        try:
            outcome = env.invoke(request_id, payload, invoked_arn, client_context)
        except RoleCannotBeAssumed:
            env.retired = True
            raise
        except (NoCapacity, OSError) as exc:
            if not isinstance(exc, NoCapacity) and exc.errno not in containment.RESOURCE_ERRNOS:
                raise
            env.retired = True
            self._publish(spec, resource, spec.version, throttled=True)
            raise Throttled(None, MACHINE_FULL) from None
        finally:
            concurrent = self.pool.busy_count(spec.function_key)
            self.pool.release(env)
        self._write_logs(env, spec, outcome)
        self._publish(
            spec,
            resource,
            spec.version,
            duration_ms=outcome.duration_ms,
            error=outcome.function_error,
            concurrent_executions=concurrent,
        )
        return outcome

    def _write_logs(self, env: Environment, spec: FunctionSpec, outcome: Outcome) -> None:
        lines = [logs.start_line(outcome.request_id, spec.version)]
        lines += logs.split_output(outcome.output)
        lines.append(logs.end_line(outcome.request_id))
        lines.append(
            logs.report_line(
                outcome.request_id,
                outcome.duration_ms,
                spec.memory_size,
                outcome.max_memory_mb,
                init_ms=outcome.init_ms,
                status=outcome.status,
                error_type=outcome.error_type if outcome.status == "error" else None,
            )
        )
        outcome.log_text = "\n".join(lines) + "\n"
        try:
            env.cloudwatch.write(lines)
        except Exception:  # the log group may be gone (account reset mid-invoke)
            pass

    @staticmethod
    def _publish(spec: FunctionSpec, resource: str, version: str, **values) -> None:
        try:
            metrics.publish(spec.account_id, spec.region, spec.function_name, resource, version, **values)
        except Exception:  # metrics never break an invoke
            pass

    # ------------------------------------------------------------------ asynchronous invokes

    def submit_async(self, invocation: AsyncInvocation) -> None:
        """Queue an event (``Event`` invoke or trigger); :mod:`.async_invoke` retries and delivers it."""
        self.async_events.submit(invocation)

    def _run_async(self, invocation: AsyncInvocation) -> None:
        self.async_events.run(invocation)

    @property
    def time_scale(self) -> float:
        """How many times shorter than on AWS the sandbox's waits are (retries, back-off, event age)."""
        return self._time_scale

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        self._time_scale = clock.check_time_scale(value)


_ROOT_PREFIX = "workbook-lambda-"


def _new_root() -> str:
    """A temp folder named after this process, after removing those of processes that died without
    cleaning up (a notebook kernel that was killed cannot run its exit handlers)."""
    import glob

    import psutil

    for path in glob.glob(os.path.join(tempfile.gettempdir(), f"{_ROOT_PREFIX}*-*")):
        owner = os.path.basename(path)[len(_ROOT_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not psutil.pid_exists(int(owner)):
            containment.remove_tree(path)
    return tempfile.mkdtemp(prefix=f"{_ROOT_PREFIX}{os.getpid()}-")


def _reserved_concurrency(fn) -> int | None:
    """Reserved concurrency lives on the function (moto keeps it on the $LATEST object)."""
    try:
        if fn.version == "$LATEST":
            latest = fn
        else:
            from moto.awslambda.utils import get_backend

            latest = get_backend(fn.account_id, fn.region).get_function(fn.function_name)
        value = latest.reserved_concurrency
    except Exception:
        value = getattr(fn, "reserved_concurrency", None)
    return None if value is None or value == "" else int(value)
