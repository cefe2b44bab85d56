"""The loopback server answers only the notebook that started it: WSGI middleware in front of moto.

Every request must

* be addressed to the server itself: ``Host`` is ``127.0.0.1:<port>``, ``localhost:<port>`` or
  ``[::1]:<port>`` (a DNS-rebinding page sends its own host name);
* carry credentials the sandbox issued (:mod:`.issued_keys`) in a SigV4 ``Authorization`` header, or in
  a presigned URL on any method but POST. A web page cannot send an ``Authorization`` header to another
  origin without a CORS preflight, which is refused; it can put credentials in a URL, but only with GET,
  HEAD or POST, and GET and HEAD only read, with an answer the page cannot see (no
  ``Access-Control-Allow-*`` header ever leaves the server);
* for ``/moto-api/*`` (moto's reset, configuration and dashboard): carry the server's secret
  :attr:`SandboxGuard.token` in the ``X-Workbook-Sandbox-Token`` header. Only the process that started
  the server knows it; it may hand it to a process it trusts (a grader's notebook kernel) to let it reset
  or inspect the sandbox over HTTP.

Failures inside moto answer the service's 500 error document; nothing is printed.

Example::

    guard = SandboxGuard(moto_app)
    server = make_server("127.0.0.1", 0, guard)
    guard.listen_on(server.server_address[1])
"""

from __future__ import annotations

import hmac
import logging
import secrets
from urllib.parse import parse_qs

from . import error_responses
from .isolation import FAKE_ACCESS_KEY_ID
from .issued_keys import IssuedKeys

TOKEN_HEADER = "X-Workbook-Sandbox-Token"
_TOKEN_KEY = "HTTP_X_WORKBOOK_SANDBOX_TOKEN"
_SANDBOX_CREDENTIAL = f"Credential={FAKE_ACCESS_KEY_ID}/"
_MOTO_API_REFUSED = f"Only the process that started the sandbox may use /moto-api/ (header {TOKEN_HEADER})."

_log = logging.getLogger("workbook.sandbox")


class SandboxGuard:
    """Refuses every request that does not come from the sandbox's own process or its functions."""

    def __init__(self, app, token: str | None = None):
        self.app = app
        self.token = token or secrets.token_urlsafe(32)
        self.keys = IssuedKeys()
        self._hosts: frozenset[str] = frozenset()
        self._wrong_host = ""

    def listen_on(self, port: int) -> None:
        """Accept requests addressed to this port on the loopback names (call once bound)."""
        self._hosts = loopback_hosts(port)
        self._wrong_host = (
            f"This sandbox answers only requests addressed to 127.0.0.1:{port}, localhost:{port} "
            f"or [::1]:{port}."
        )

    def __call__(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        if host not in self._hosts and host.lower() not in self._hosts:
            return error_responses.refused(start_response, self._wrong_host)
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api") or path == "/favicon.ico":
            given = environ.get(_TOKEN_KEY, "").encode("latin-1")
            if not hmac.compare_digest(given, self.token.encode()):
                return error_responses.refused(start_response, _MOTO_API_REFUSED)
            service = None
        else:
            authorization = environ.get("HTTP_AUTHORIZATION")
            if authorization is not None and _SANDBOX_CREDENTIAL in authorization:
                service = None  # the notebook's own calls: the fast path of every invoke
            else:
                refusal, service = self._check_credentials(environ, start_response, authorization)
                if refusal is not None:
                    return refusal
        if "HTTP_ORIGIN" in environ:
            start_response = _without_cors(start_response)
        try:
            return self.app(environ, start_response)
        except Exception as error:  # moto failed: an AWS error document, never a traceback or an HTML page
            _log.debug("moto failed on %s %s", environ.get("REQUEST_METHOD"), path, exc_info=True)
            service = service or _from_authorization(environ.get("HTTP_AUTHORIZATION") or "")[1]
            return error_responses.internal_failure(environ, start_response, service, error)

    def _check_credentials(self, environ, start_response, authorization):
        """(None, signing service) when the request may go on; (the refusal, None) when not."""
        if authorization is not None:
            key_id, service = _from_authorization(authorization)
            token = environ.get("HTTP_X_AMZ_SECURITY_TOKEN")
        elif environ.get("REQUEST_METHOD") != "POST":
            key_id, service, token = _from_query(environ.get("QUERY_STRING", ""))
        else:
            key_id = service = token = None
        if not key_id:
            return error_responses.missing_authentication(environ, start_response, service), None
        issued = self.keys.lookup(key_id)
        if issued is None or (
            issued.session_token is not None
            and not hmac.compare_digest((token or "").encode("latin-1"), issued.session_token.encode())
        ):
            return error_responses.invalid_key(environ, start_response, service, key_id), None
        return None, service


def loopback_hosts(port: int) -> frozenset[str]:
    """The ``Host`` values that address a server on this loopback ``port`` (lower case)."""
    return frozenset({f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"})


def _from_authorization(authorization: str) -> tuple[str | None, str | None]:
    """(access key id, signing service) of a SigV4 header; the key of a SigV2 one (``AWS key:signature``)."""
    start = authorization.find("Credential=")
    if start >= 0:
        scope = authorization[start + 11 :].split(",", 1)[0].strip().split("/")
        return scope[0], (scope[3].lower() if len(scope) > 3 else None)
    if authorization.startswith("AWS ") and ":" in authorization:  # SigV2 survives only in S3
        return authorization[4:].split(":", 1)[0].strip(), "s3"
    return None, None


def _from_query(query: str) -> tuple[str | None, str | None, str | None]:
    """(access key id, signing service, session token) of a presigned URL."""
    if "X-Amz-Credential=" not in query and "AWSAccessKeyId=" not in query:
        return None, None, None
    params = parse_qs(query)
    tokens = [values[0] for name, values in params.items() if name.lower() == "x-amz-security-token"]
    token = tokens[0] if tokens else None
    if "X-Amz-Credential" in params:
        scope = params["X-Amz-Credential"][0].split("/")
        return scope[0], (scope[3].lower() if len(scope) > 3 else None), token
    return params["AWSAccessKeyId"][0], "s3", token


def _without_cors(start_response):
    """A start_response that drops Access-Control-* headers (S3 bucket CORS rules would add them)."""

    def start(status, headers, exc_info=None):
        kept = [(name, value) for name, value in headers if not name.lower().startswith("access-control-")]
        return start_response(status, kept, exc_info)

    return start
