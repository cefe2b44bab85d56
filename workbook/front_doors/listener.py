"""One loopback HTTP listener per front door (a function URL, an HTTP API, a REST API).

:func:`serve` binds a free port on 127.0.0.1 in the calling thread (a failure raises here), serves a
WSGI app from a daemon thread with werkzeug's threaded server, and answers only requests addressed to
the listener itself: ``Host`` is ``127.0.0.1:<port>``, ``localhost:<port>`` or ``[::1]:<port>``, as the
sandbox's own server requires (:func:`workbook.sandbox.guard.loopback_hosts`). A page on another site
that resolves its own name to 127.0.0.1 (DNS rebinding) gets a 403, and so does a request a page on another
site sends (an ``Origin`` that is not this machine's) unless the front door's CORS configuration names that
origin (the app's ``allows_origin(origin)``): on AWS a public URL answers any page, on a learner's laptop a page
they happen to visit must not drive their functions.

Every listener still open is closed by :func:`close_all` (the sandbox's ``reset()`` and ``stop()``).

Example::

    from werkzeug.wrappers import Request, Response

    @Request.application
    def hello(request):
        return Response("hi")

    door = serve(hello, name="hello")
    door.url                # 'http://127.0.0.1:50123/'
    door.close()
"""

from __future__ import annotations

import json
import logging
import threading

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from workbook.front_doors.cors import is_loopback_origin
from workbook.sandbox.guard import loopback_hosts
from workbook.sandbox.server import _QuietHandler

_lock = threading.Lock()
_open: dict[str, Listener] = {}  # name -> listener


class Listener:
    """A WSGI app served on ``127.0.0.1:<port>``; made by :func:`serve`."""

    def __init__(self, app, *, name: str):
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.name = name
        self.app = app
        handler = type("QuietFrontDoorHandler", (_QuietHandler, WSGIRequestHandler), {})
        self._server: BaseWSGIServer = make_server("127.0.0.1", 0, self._guarded, threaded=True,
                                                   request_handler=handler)
        self._server.daemon_threads = True
        self._server.log = _ignore
        self._server.handle_error = _ignore
        self.port: int = self._server.server_address[1]
        self._hosts = loopback_hosts(self.port)
        self._refusal = json.dumps({"Message": (
            f"This front door answers only requests addressed to 127.0.0.1:{self.port}, "
            f"localhost:{self.port} or [::1]:{self.port}.")}).encode()
        self.closed = False
        self._thread = threading.Thread(target=self._server.serve_forever, name=f"front-door-{name}",
                                        daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>/``"""
        return f"http://127.0.0.1:{self.port}/"

    def _guarded(self, environ, start_response):
        host = environ.get("HTTP_HOST", "")
        if host not in self._hosts and host.lower() not in self._hosts:
            return _refuse(start_response, self._refusal)
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and not is_loopback_origin(origin):
            allows = getattr(self.app, "allows_origin", None)
            if allows is None or not allows(origin):
                return _refuse(start_response, _FOREIGN_ORIGIN)
        return self.app(environ, start_response)

    def close(self) -> None:
        """Stop answering and free the port (idempotent)."""
        with _lock:
            if self.closed:
                return
            self.closed = True
            if _open.get(self.name) is self:
                del _open[self.name]
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __repr__(self) -> str:
        state = "closed" if self.closed else self.url
        return f"<Listener {self.name} {state}>"


def serve(app, *, name: str) -> Listener:
    """Serve the WSGI ``app`` on a new loopback port, known by ``name`` (one listener per name: a listener
    already open under that name is closed first).

    Example::

        door = serve(app, name="function-url:123456789012:us-east-1:hello")
        urllib.request.urlopen(door.url).read()
        door.close()
    """
    listener = Listener(app, name=name)
    with _lock:
        previous = _open.get(name)
        _open[name] = listener
    if previous is not None:
        previous.close()
    return listener


def named(name: str) -> Listener | None:
    """The open listener called ``name``, or None."""
    with _lock:
        return _open.get(name)


def close_named(name: str) -> None:
    """Close the listener called ``name``, if one is open."""
    listener = named(name)
    if listener is not None:
        listener.close()


def open_listeners() -> list[Listener]:
    """Every listener not closed yet."""
    with _lock:
        return list(_open.values())


def close_all() -> None:
    """Close every open listener."""
    for listener in open_listeners():
        listener.close()


def _refuse(start_response, body: bytes):
    start_response("403 Forbidden", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


_FOREIGN_ORIGIN = json.dumps({"Message": (
    "A page on another site sent this request; the sandbox answers pages from this machine and origins the "
    "front door's CORS configuration names in AllowOrigins.")}).encode()


def _ignore(*args, **kwargs) -> None:
    pass
