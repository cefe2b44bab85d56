"""A moto server on the loopback interface, on a port nobody else is using, answering only its owner."""

from __future__ import annotations

import functools
import json
import logging
import threading
from http import HTTPStatus

from werkzeug.serving import BaseWSGIServer, make_server

from .guard import TOKEN_HEADER, SandboxGuard


class _QuietHandler:
    """Mixin that keeps werkzeug from writing anything into the notebook, and HTML from any answer."""

    def log(self, *args, **kwargs):  # werkzeug writes request lines, errors and timeouts through this
        pass

    def send_error(self, code, message=None, explain=None):
        """A malformed HTTP request (bad request line, headers too long …): JSON, not http.server's HTML."""
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        kind = "BadRequest" if code < 500 else "ServiceException"
        body = json.dumps({"__type": kind, "message": message or phrase})
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.close_connection = True
        if code >= 200 and code not in (HTTPStatus.NO_CONTENT, HTTPStatus.NOT_MODIFIED):
            data = body.encode()
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        else:
            self.end_headers()


class LoopbackMotoServer:
    """moto's Flask app served by werkzeug's threaded server on 127.0.0.1, behind a :class:`SandboxGuard`.

    Binding happens in the calling thread, so a failure to bind raises here instead of
    leaving a background thread waiting forever (which is what ThreadedMotoServer does).
    Threaded, so a handler running in a worker can call back into the sandbox while the
    request that invoked it is still open.

    :attr:`internal_token` opens ``/moto-api/*`` (send it as the ``X-Workbook-Sandbox-Token`` header);
    nothing else can use those endpoints.
    """

    token_header = TOKEN_HEADER

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        _remember_moto_modules()
        handler = type("QuietMotoRequestHandler", (_QuietHandler, MotoRequestHandler), {})
        self.guard = SandboxGuard(DomainDispatcherApplication(_create_app_without_cors))
        self._server: BaseWSGIServer = make_server(
            host, port, self.guard, threaded=True, request_handler=handler
        )
        self._server.daemon_threads = True
        self._server.log = _ignore  # werkzeug's own "Error on request" lines
        self._server.handle_error = _ignore  # socketserver would print a traceback on stderr
        self.guard.listen_on(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="workbook-moto-server", daemon=True
        )
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def internal_token(self) -> str:
        """The secret that opens ``/moto-api/*`` on this server (header ``X-Workbook-Sandbox-Token``)."""
        return self.guard.token

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _ignore(*args, **kwargs) -> None:
    pass


def _remember_moto_modules() -> None:
    """List moto's service folders once: its dispatcher lists them again (a directory scan and a ``stat``
    per folder) for every request it routes."""
    from moto import backends

    listing = backends.list_of_moto_modules
    if not hasattr(listing, "cache_info"):
        backends.list_of_moto_modules = functools.cache(lambda: tuple(listing()))


def _create_app_without_cors(service):
    """moto's Flask app for ``service`` without flask-cors, which answers any Origin with allow headers."""
    from moto.moto_server.werkzeug_app import create_backend_app

    app = create_backend_app(service)
    for functions in app.after_request_funcs.values():
        functions[:] = [f for f in functions if f.__module__ != "flask_cors.extension"]
    for name in ("handle_exception", "handle_user_exception"):  # flask-cors wraps these on the instance
        app.__dict__.pop(name, None)
    return app
