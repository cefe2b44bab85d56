"""One sandbox, two processes: the process that owns it (the grader) and a notebook kernel attached to it.

``python -m workbook grade`` owns the sandbox, so that the grade is computed where the notebook cannot
reach. It calls :meth:`Sandbox.share <workbook.sandbox.core.Sandbox.share>` and starts the kernel with the
variables that returns; in that kernel ``sandbox.start()`` *attaches* (an :class:`AttachedSandbox`) instead
of starting a sandbox of its own:

- its clients, and plain boto3 clients, go to the owner's server, with the sandbox's fake credentials;
- ``sb.reset()``, ``sb.settle()`` and ``sb.access_log()`` are asked of the owner through
  ``/workbook-api/reset``, ``/workbook-api/settle`` and ``/workbook-api/access-log``, which answer only
  a loopback request that carries the shared token and no ``Origin`` (a web page cannot send one);
- ``sb.time_scale`` and ``sb.cpu`` (and ``sandbox.start(cpu=...)``) read and change the owner's settings
  through ``/workbook-api/time-scale`` and ``/workbook-api/cpu``, guarded the same way: the kernel sees the
  time scale its functions really run at. A grader runs its checks at a time scale of its own and gives the
  notebook's back for the next cell (see :mod:`workbook.checks.grade`);
- ``sb.stop()`` detaches: the owner's sandbox keeps running.

The owner also counts the requests that may have changed the account (:class:`ChangeCounter`), so that
a grader re-checks a lab only after cells that changed something.
"""

from __future__ import annotations

import hmac
import io
import json
import os
import secrets
import threading
import urllib.error
import urllib.request
from urllib.parse import parse_qs

from .core import Sandbox, SandboxError
from .isolation import (
    ACCESS_KEY_VARIABLE,
    ACCOUNT_ID,
    FAKE_ACCESS_KEY_ID,
    FAKE_SECRET_ACCESS_KEY,
    IsolatedEnvironment,
)

ENDPOINT_VARIABLE = "WORKBOOK_SANDBOX_ENDPOINT"
TOKEN_VARIABLE = "WORKBOOK_SANDBOX_TOKEN"
REGION_VARIABLE = "WORKBOOK_SANDBOX_REGION"
TOKEN_HEADER = "X-Workbook-Sandbox-Token"
API_PREFIX = "/workbook-api/"
_LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")

# Operations whose names say they only read (GetFunction, ListRoles, DescribeTable, FilterLogEvents, …).
_READ_PREFIXES = (
    "Get", "List", "Describe", "Query", "Scan", "BatchGet", "Filter", "Head", "Lookup", "Search", "Select",
    "Test", "Validate", "Simulate", "Estimate",
)  # fmt: skip


def shared_from_environment() -> dict | None:
    """The sandbox this process was asked to attach to (endpoint, token, region), or None."""
    endpoint, token = os.environ.get(ENDPOINT_VARIABLE), os.environ.get(TOKEN_VARIABLE)
    if not endpoint or not token:
        return None
    return {"endpoint_url": endpoint, "token": token, "region": os.environ.get(REGION_VARIABLE)}


class AttachedSandbox(Sandbox):
    """The owner's sandbox, seen from an attached kernel. Get one with ``sandbox.start()``."""

    def __init__(self, endpoint_url: str, token: str, region: str):
        self.region = region
        self.account_id = ACCOUNT_ID
        self.endpoint_url = endpoint_url
        self._token = token
        self._runtime = None
        self._environment = IsolatedEnvironment(endpoint_url, region)
        self.running = True

    def reset(self) -> None:
        """Ask the owner to delete every resource and execution environment."""
        self._require_running()
        self._ask("reset", timeout=60)

    def settle(self, timeout: float = 30) -> bool:
        """Ask the owner to wait until no background work is pending; True when it all finished."""
        self._require_running()
        return bool(self._ask("settle", timeout=float(timeout)).get("settled"))

    def access_log(self, function: str | None = None):
        """The owner's access log (every AWS call a handler made) as a DataFrame: see Sandbox.access_log."""
        from workbook.iam import call_log

        self._require_running()
        return call_log.table(self._ask("access-log", timeout=30, function=function).get("entries", []))

    @property
    def time_scale(self) -> float:
        """The owner's time scale (see Sandbox.time_scale); setting it changes the owner's."""
        self._require_running()
        return float(self._ask("time-scale", timeout=30)["time_scale"])

    @time_scale.setter
    def time_scale(self, value: float) -> None:
        from workbook.lambda_runtime.clock import check_time_scale

        self._require_running()
        try:
            value = check_time_scale(value)
        except ValueError as exc:
            raise SandboxError(str(exc)) from None
        self._ask("time-scale", timeout=30, value=value)

    @property
    def cpu(self) -> str | None:
        """The owner's CPU mode (see Sandbox.cpu); setting it changes the owner's."""
        self._require_running()
        return self._ask("cpu", timeout=30)["cpu"]

    @cpu.setter
    def cpu(self, mode: str | None) -> None:
        from workbook.lambda_runtime.cpu import check_mode

        self._require_running()
        try:
            mode = check_mode(mode)
        except ValueError as exc:
            raise SandboxError(str(exc)) from None
        self._ask("cpu", timeout=30, mode=mode)

    def stop(self) -> None:
        """Detach: this kernel's clients stop working; the owner's sandbox keeps running."""
        from . import core

        with core._lock:
            if not self.running:
                return
            self.running = False
            self._environment.restore()
            if core._current is self:
                core._current = None

    def _ask(self, action: str, timeout: float, **fields) -> dict:
        url = f"{self.endpoint_url}{API_PREFIX}{action}"
        body = json.dumps({"timeout": timeout, **fields}).encode()
        headers = _signed(url, body, self.region)
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        request.add_header(TOKEN_HEADER, self._token)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never through a proxy
        try:
            with opener.open(request, timeout=timeout + 30) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            if exc.code == 400:  # the owner refused the value, and says why in one sentence
                raise SandboxError(_message(exc)) from None
            raise SandboxError(
                f"the sandbox this notebook is attached to did not {action} ({exc}). "
                "Restart the kernel, or run the notebook again."
            ) from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise SandboxError(
                f"the sandbox this notebook is attached to did not {action} ({exc}). "
                "Restart the kernel, or run the notebook again."
            ) from None

    def __repr__(self) -> str:
        state = "attached" if self.running else "detached"
        return f"<Sandbox {state} {self.endpoint_url} account={self.account_id} region={self.region}>"


def _message(error: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(error.read() or b"{}")["message"])
    except (ValueError, KeyError, TypeError, OSError):
        return str(error)


def _signed(url: str, body: bytes, region: str) -> dict:
    """SigV4 headers for a request with the sandbox's fake key, like any AWS call from the kernel."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY), "sts", region).add_auth(request)
    return dict(request.headers.items())


class ChangeCounter:
    """How many requests that may have changed the account the server has answered, by kind.

    ``"write"`` counts every successful request that is not a read (CreateFunction, PutItem, DeleteRole,
    …) and ``"invoke"`` the invocations of functions. A snapshot before and after some work says whether it
    changed anything a check can see.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._counts = {"write": 0, "invoke": 0}

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def add(self, kind: str) -> None:
        with self._lock:
            self._counts[kind] += 1


def request_kind(environ: dict) -> str:
    """``"read"``, ``"write"`` or ``"invoke"`` for one WSGI request to the moto server."""
    method = environ.get("REQUEST_METHOD", "GET").upper()
    path = environ.get("PATH_INFO", "")
    operation = _operation(environ)
    if operation:
        if operation in ("Invoke", "InvokeAsync", "InvokeWithResponseStream"):
            return "invoke"
        return "read" if operation.startswith(_READ_PREFIXES) else "write"
    if method in ("GET", "HEAD", "OPTIONS"):
        return "read"
    if path.endswith(("/invocations", "/response-streaming-invocations")) or "/invoke-async" in path:
        return "invoke"
    return "write"


def _operation(environ: dict) -> str | None:
    """The operation name of a JSON, CBOR or query-protocol request; None for REST (Lambda, S3)."""
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.rsplit(".", 1)[-1]
    path = environ.get("PATH_INFO", "")
    if "/operation/" in path:  # smithy RPC v2 (CloudWatch): /service/<name>/operation/<Operation>
        return path.rsplit("/", 1)[-1]
    query = parse_qs(environ.get("QUERY_STRING", ""))
    if "Action" in query:
        return query["Action"][0]
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        body = _read_body(environ)
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
        return action[0] if action else None
    return None


def _read_body(environ: dict) -> bytes:
    """The request body, left readable for the application behind."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


class SharingMiddleware:
    """WSGI middleware on the owner's server: the attach API, and the count of changes."""

    def __init__(self, app, token: str, owner: Sandbox):
        self.app, self.token, self.owner = app, token, owner
        self.changes = ChangeCounter()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(API_PREFIX):
            return self._serve(environ, start_response, path[len(API_PREFIX) :])
        if path.startswith("/moto-api/"):
            return self.app(environ, start_response)
        kind = request_kind(environ)
        if kind == "read":
            return self.app(environ, start_response)

        def counting_start_response(status, headers, exc_info=None):
            if str(status)[:1] in "23":
                self.changes.add(kind)
            return start_response(status, headers, exc_info)

        return self.app(environ, counting_start_response)

    def _serve(self, environ, start_response, action: str):
        if not self._allowed(environ):
            return _json(start_response, "403 Forbidden", {"message": "not allowed"})
        try:
            request = json.loads(_read_body(environ) or b"{}")
            if action == "reset":
                self.owner.reset()
                return _json(start_response, "200 OK", {"reset": True})
            if action == "settle":
                timeout = min(max(float(request.get("timeout", 30)), 0.0), 600.0)
                return _json(start_response, "200 OK", {"settled": bool(self.owner.settle(timeout))})
            if action == "time-scale":  # {"value": 600} sets it; {} reads it
                if "value" in request:
                    self.owner.time_scale = request["value"]
                return _json(start_response, "200 OK", {"time_scale": self.owner.time_scale})
            if action == "cpu":  # {"mode": "proportional"} or {"mode": null} sets it; {} reads it
                if "mode" in request:
                    self.owner.cpu = request["mode"]
                return _json(start_response, "200 OK", {"cpu": self.owner.cpu})
            if action == "access-log":  # the calls handlers made are logged in the owner's process
                from workbook.iam import call_log

                return _json(start_response, "200 OK", {"entries": call_log.records(request.get("function"))})
        except SandboxError as exc:  # a value the owner refuses: its one-sentence reason
            return _json(start_response, "400 Bad Request", {"message": str(exc)})
        except Exception as exc:  # an internal failure is an answer, never a traceback on the owner's stderr
            return _json(start_response, "500 Internal Server Error", {"message": exc.__class__.__name__})
        return _json(start_response, "404 Not Found", {"message": f"no such action {action!r}"})

    def _allowed(self, environ) -> bool:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("HTTP_ORIGIN"):
            return False
        host = environ.get("HTTP_HOST", "").rsplit(":", 1)[0]
        if host not in _LOOPBACK_HOSTS:
            return False
        return hmac.compare_digest(environ.get("HTTP_X_WORKBOOK_SANDBOX_TOKEN", ""), self.token)


def _json(start_response, status: str, document: dict):
    body = json.dumps(document).encode()
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


def share(sandbox: Sandbox) -> SharingMiddleware:
    """Put the attach API and the change counter in front of ``sandbox``'s server (once)."""
    wsgi_server = sandbox._server._server  # werkzeug's server: it reads ``.app`` on every request
    if isinstance(wsgi_server.app, SharingMiddleware):
        return wsgi_server.app
    token = secrets.token_urlsafe(32)
    middleware = SharingMiddleware(wsgi_server.app, token, sandbox)
    wsgi_server.app = middleware
    return middleware
