"""A moto server on the loopback interface, on a port nobody else is using."""

from __future__ import annotations

import logging
import threading

from werkzeug.serving import BaseWSGIServer, make_server


class _QuietHandler:
    """Mixin that keeps werkzeug from printing one line per request into the notebook."""

    def log_request(self, *args, **kwargs):  # noqa: D401 - werkzeug hook
        pass


class LoopbackMotoServer:
    """moto's Flask app served by werkzeug's threaded server on 127.0.0.1.

    Binding happens in the calling thread, so a failure to bind raises here instead of
    leaving a background thread waiting forever (which is what ThreadedMotoServer does).
    Threaded, so a handler running in a worker can call back into the sandbox while the
    request that invoked it is still open.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        handler = type("QuietMotoRequestHandler", (_QuietHandler, MotoRequestHandler), {})
        app = DomainDispatcherApplication(create_backend_app)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True, request_handler=handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="workbook-moto-server", daemon=True)
        self._thread.start()

    @property
    def endpoint_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
