"""The WSGI side every front door shares: reading a request as the client sent it, writing an answer.

Example::

    raw_path, raw_query = raw_target(environ)        # ('/items/a%20b', 'x=1&x=2')
    return answer(start_response, 200, b"hi", [("Content-Type", "text/plain")])
"""

from __future__ import annotations

from http import HTTPStatus


def answer(start_response, status: int, body: bytes, headers: list[tuple[str, str]]):
    """Send ``status`` with ``headers`` and ``body`` (``Content-Length`` added); the WSGI return value."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Unknown"
    start_response(f"{status} {phrase}", [*headers, ("Content-Length", str(len(body)))])
    return [body]


def request_headers(environ) -> list[tuple[str, str]]:
    """The request's headers as ``(name, value)`` pairs, from a WSGI environ."""
    pairs = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            pairs.append((key[5:].replace("_", "-").lower(), value))
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        if environ.get(key):
            pairs.append((name, environ[key]))
    return pairs


def read_body(environ, limit: int) -> bytes | None:
    """The request body, or None when it is longer than ``limit`` bytes."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        return None
    return environ["wsgi.input"].read(length) if length > 0 else b""


def raw_target(environ) -> tuple[str, str]:
    """``(raw path, raw query string)`` as the client sent them."""
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
        return path or "/", query
    from urllib.parse import quote

    return quote(environ.get("PATH_INFO", "/")) or "/", environ.get("QUERY_STRING", "")


def forwarded(headers: list[tuple[str, str]], environ) -> list[tuple[str, str]]:
    """``headers`` plus the ``x-forwarded-for``/``-proto``/``-port`` AWS's front end adds (unless sent)."""
    names = {name for name, _ in headers}
    extra = [("x-forwarded-for", environ.get("REMOTE_ADDR", "127.0.0.1")), ("x-forwarded-proto", "http"),
             ("x-forwarded-port", str(environ.get("SERVER_PORT", "")))]
    return headers + [(name, value) for name, value in extra if name not in names]
