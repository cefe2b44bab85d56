"""The Sandbox: one local AWS account per Python process."""

from __future__ import annotations

import atexit
import threading

import boto3

from workbook.errors import WorkbookError

from . import banner, managed_policies
from .isolation import ACCOUNT_ID, FAKE_ACCESS_KEY_ID, IsolatedEnvironment
from .server import LoopbackMotoServer

DEFAULT_REGION = "us-east-1"

_lock = threading.RLock()
_current: Sandbox | None = None


class SandboxError(WorkbookError, RuntimeError):
    """The sandbox could not do what was asked. The message says what to try."""


class Sandbox:
    """A local AWS account: a moto server on 127.0.0.1 plus the local Lambda runtime.

    Use :func:`workbook.sandbox.start` to get one rather than building it yourself.
    """

    def __init__(self, region: str = DEFAULT_REGION):
        self.region = region
        self.account_id = ACCOUNT_ID
        managed_policies.install()
        try:
            self._server = LoopbackMotoServer()
        except OSError as exc:
            raise SandboxError(
                f"the local AWS server could not start on 127.0.0.1 ({exc.strerror or exc}). "
                "Restart the kernel and run the cell again; if it keeps failing, run "
                "`python -m workbook doctor` in a terminal."
            ) from None
        self.endpoint_url = self._server.endpoint_url
        try:
            self._environment = IsolatedEnvironment(self.endpoint_url, region)
            try:
                _forget_aws_state()  # a new account starts empty, even after an earlier sandbox in this process
                self._runtime = _install_lambda_runtime(self)
            except BaseException:
                self._environment.restore()
                raise
        except BaseException:
            self._server.stop()
            raise
        self.running = True

    def client(self, service: str, account: str | None = None, **kwargs):
        """A boto3 client for ``service`` bound to this sandbox; ``account`` acts in another AWS account.

        The sandbox holds as many accounts as you name: a client for ``account="210987654321"`` is that
        account's administrator (its calls say ``arn:aws:iam::210987654321:root``), and reaches this
        account's resources only where their resource-based policies allow it.

        Example::

            sb.client("lambda").list_functions()
            other = sb.client("lambda", account="210987654321")   # a caller from a second account
        """
        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        client = boto3.client(service, **kwargs)
        client.meta.events.register("before-send", self._refuse_when_stopped)
        if account is not None and account != self.account_id:
            client.meta.events.register("before-send", _acting_in(account))
        return client

    def resource(self, service: str, **kwargs):
        """A boto3 resource (``s3``, ``dynamodb``, …) bound to this sandbox."""
        kwargs.setdefault("region_name", self.region)
        kwargs.setdefault("endpoint_url", self.endpoint_url)
        resource = boto3.resource(service, **kwargs)
        resource.meta.client.meta.events.register("before-send", self._refuse_when_stopped)
        return resource

    def reset(self) -> None:
        """Delete everything: every AWS resource and every Lambda execution environment.

        Example::

            sb.reset()   # a clean account, as if the sandbox had just started
        """
        self._require_running()
        if self._runtime is not None:
            self._runtime.reset()
        _forget_aws_state()
        from workbook.iam import call_log

        call_log.clear()

    def access_log(self, function: str | None = None):
        """Every AWS call a handler made with its execution role, as a pandas DataFrame.

        Columns: time, function, action, resource, allowed, decision (``allow``, ``deny`` or
        ``implicit-deny``), statement (``policy name/Sid`` that decided) and role. See
        :func:`workbook.iam.call_log.least_privilege_policy` to turn it into a policy.

        Example::

            log = sb.access_log("orders")
            log[~log.allowed][["action", "resource"]]   # what the role refused
        """
        from workbook.iam.call_log import access_log

        return access_log(function)

    def settle(self, timeout: float = 30) -> bool:
        """Wait until no background work (asynchronous invokes, pollers) is pending.

        Returns True when everything finished within ``timeout`` seconds, False otherwise.

        Example::

            lam.invoke(FunctionName="orders", InvocationType="Event", Payload=b"{}")
            sb.settle()   # the handler has run by now
        """
        self._require_running()
        if self._runtime is None:
            return True
        return self._runtime.settle(timeout)

    @property
    def time_scale(self) -> float:
        """How many times shorter than on AWS the sandbox's long waits are (default 60).

        Retries of a failed asynchronous event (1 and 2 minutes on AWS), the back-off of a throttled one
        (1 s … 5 min) and event ages are divided by it: at 60 a one-minute retry comes after one second.
        Log timestamps show AWS's times. ``WORKBOOK_TIME_SCALE`` sets it for a process; 1 is real time.

        Example::

            sb.time_scale = 600   # retries after 0.1 s and 0.2 s
        """
        self._require_running()
        return self._runtime.time_scale if self._runtime is not None else 1.0

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        self._require_running()
        if self._runtime is not None:
            try:
                self._runtime.time_scale = value
            except ValueError as exc:
                raise SandboxError(str(exc)) from None

    @property
    def cpu(self) -> str | None:
        """How functions get CPU: ``"proportional"`` (memory buys CPU, as on AWS) or None (all they can get).

        ``sandbox.start(cpu=...)`` sets it too; a change applies from the next invoke on.

        Example::

            sb.cpu = "proportional"   # 128 MB gets about 7 % of one CPU
        """
        self._require_running()
        return self._runtime.pool.cpu if self._runtime is not None else None

    @cpu.setter
    def cpu(self, mode: str | None) -> None:
        from workbook.lambda_runtime import cpu as cpu_share

        self._require_running()
        try:
            mode = cpu_share.check_mode(mode)
        except ValueError as exc:
            raise SandboxError(str(exc)) from None
        if self._runtime is not None:
            self._runtime.pool.cpu = mode

    @property
    def internal_token(self) -> str | None:
        """The secret that opens moto's ``/moto-api/*`` on this sandbox's server (None when attached).

        Send it as the ``X-Workbook-Sandbox-Token`` header; any other request there is refused. Give it
        only to a process you trust with the whole account (a grader's notebook kernel).
        """
        server = getattr(self, "_server", None)
        return server.internal_token if server is not None else None

    def share(self) -> dict[str, str]:
        """The environment variables that attach a notebook kernel to this sandbox (``python -m workbook grade``).

        In a kernel started with them, ``sandbox.start()`` attaches to this sandbox instead of starting one:
        see :mod:`workbook.sandbox.attach`. ``self.changes`` then counts the requests that changed something.

        Example::

            env = {**os.environ, **sb.share()}   # for the kernel that runs the notebook
        """
        from . import attach

        self._require_running()
        self._sharing = attach.share(self)
        return {
            attach.ENDPOINT_VARIABLE: self.endpoint_url,
            attach.TOKEN_VARIABLE: self._sharing.token,
            attach.REGION_VARIABLE: self.region,
            attach.ACCESS_KEY_VARIABLE: FAKE_ACCESS_KEY_ID,  # this process's key, random per process
        }

    @property
    def changes(self):
        """The :class:`~workbook.sandbox.attach.ChangeCounter` of a shared sandbox (None before ``share()``)."""
        sharing = getattr(self, "_sharing", None)
        return sharing.changes if sharing is not None else None

    def stop(self) -> None:
        """Stop the server and the runtime, and put the process environment back as it was."""
        global _current
        with _lock:
            if not self.running:
                return
            self.running = False
            try:
                if self._runtime is not None:
                    self._runtime.close()
            finally:
                self._server.stop()
                self._environment.restore()
                if _current is self:
                    _current = None

    def _refuse_when_stopped(self, **kwargs) -> None:
        # A client kept from before `stop()` would otherwise fail with a long connection traceback.
        if not self.running:
            raise SandboxError(
                "this sandbox was stopped, so its clients have nowhere to go. "
                "Run `sb = sandbox.start()` and make new clients with `sb.client(...)`."
            )

    def _require_running(self) -> None:
        if not self.running:
            raise SandboxError("this sandbox was stopped. Call `sandbox.start()` to get a new one.")

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<Sandbox {state} {self.endpoint_url} account={self.account_id} region={self.region}>"


def _acting_in(account: str):
    """A before-send hook that sends a request as ``account`` (moto's ``x-moto-account-id`` header)."""
    if not (isinstance(account, str) and len(account) == 12 and account.isdigit()):
        raise SandboxError(f"an AWS account id is 12 digits, like '210987654321'; {account!r} is not one.")

    def act_in_account(request, **kwargs) -> None:
        request.headers["x-moto-account-id"] = account

    return act_in_account


def _forget_aws_state() -> None:
    from moto.moto_api._internal.models import moto_api_backend

    moto_api_backend.reset()


def _install_lambda_runtime(sb: Sandbox):
    from workbook import lambda_runtime

    return lambda_runtime.install(endpoint_url=sb.endpoint_url, region=sb.region)


_UNCHANGED = "unchanged"


def start(region: str = DEFAULT_REGION, cpu: str | None = _UNCHANGED) -> Sandbox:
    """Start the local AWS account for this process, or return the one already running.

    After this call every boto3 client talks to the sandbox with fake credentials;
    your real ``~/.aws`` configuration is hidden until :meth:`Sandbox.stop`. In a kernel that
    ``python -m workbook grade`` started, it attaches to the grader's sandbox instead of starting one
    (see :mod:`workbook.sandbox.attach`).

    ``cpu="proportional"`` gives each function CPU in proportion to its memory, as AWS does (1,769 MB is
    one vCPU); ``cpu=None`` gives every function all the CPU it can get (the default). Without ``cpu``
    the setting stays as it is.

    Example::

        from workbook import sandbox
        sb = sandbox.start()
        sb.client("s3").list_buckets()["Buckets"]   # -> []
        sb = sandbox.start(cpu="proportional")   # memory buys CPU from the next invoke on
    """
    if cpu != _UNCHANGED:
        from workbook.lambda_runtime import cpu as cpu_share

        try:
            cpu_share.check_mode(cpu)
        except ValueError as exc:
            raise SandboxError(str(exc)) from None
    sb = _start(region)
    if cpu != _UNCHANGED:
        sb.cpu = cpu  # an attached sandbox asks its owner
    return sb


def _start(region: str) -> Sandbox:
    global _current
    with _lock:
        if _current is not None and _current.running:
            if region != _current.region:
                raise SandboxError(
                    f"a sandbox is already running in {_current.region}. "
                    f"Call `sb.stop()` first to start one in {region}."
                )
            return _current
        from . import attach  # a grader may have started this kernel attached to its own sandbox

        shared = attach.shared_from_environment()
        if shared is not None:
            _current = attach.AttachedSandbox(shared["endpoint_url"], shared["token"], shared["region"] or region)
        else:
            _current = Sandbox(region=region)
        banner.show(_current.endpoint_url, _current.account_id, _current.region)
        return _current


def current() -> Sandbox | None:
    """The running sandbox of this process, or None."""
    return _current if _current is not None and _current.running else None


@atexit.register
def _stop_at_exit() -> None:
    if _current is not None:
        _current.stop()
