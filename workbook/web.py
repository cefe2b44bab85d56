"""Calling an HTTP API from a notebook or a check: one function, every status code an answer.

``urllib.request.urlopen`` raises on a 4xx or 5xx status, and API work is mostly about those statuses.
:func:`request` returns every answer the same way, as a :class:`Response`, and sends a JSON body for you.
It never goes through a proxy: the APIs of the workbook listen on 127.0.0.1.

Example::

    from workbook import web

    created = web.request("POST", API_URL + "items", json={"name": "teapot"})
    created.status, created.headers["Location"]      # (201, '/items/3f2a…')
    web.request("GET", API_URL + "items/nope").json()  # {'error': 'no item nope'}
"""

from __future__ import annotations

import json as jsonlib
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from email.message import Message

__all__ = ["Response", "request"]

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Response:
    """What an HTTP server answered: status, headers (case-insensitive) and the body as bytes."""

    status: int
    headers: Message = field(repr=False)
    body: bytes = field(repr=False)

    @property
    def content_type(self) -> str:
        """The media type without parameters: ``"text/html"`` for ``text/html; charset=utf-8``."""
        return (self.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        """The body decoded as UTF-8 (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The body decoded as JSON; ValueError when it is not JSON."""
        return jsonlib.loads(self.body)

    def __repr__(self) -> str:
        shown = self.text if len(self.text) <= 200 else self.text[:200] + "…"
        return f"<{self.status} {self.content_type or 'no content type'} {shown}>"


def request(
    method: str,
    url: str,
    *,
    json=None,
    data: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Response:
    """Send ``method url`` and return the answer, whatever its status.

    ``json`` is sent as a JSON body (with ``Content-Type: application/json``); ``data`` as it is (a str as
    UTF-8), for bodies that are not JSON. A server that cannot be reached raises ``urllib.error.URLError``.

    Example::

        request("POST", "http://127.0.0.1:50124/items", json={"name": "teapot"}).status    # 201
        request("POST", "http://127.0.0.1:50124/items", data="{not json").status           # 400
    """
    headers = dict(headers or {})
    if json is not None:
        data = jsonlib.dumps(json)
        headers.setdefault("Content-Type", "application/json")
    if isinstance(data, str):
        data = data.encode("utf-8")
    if data is not None:
        headers.setdefault("Content-Type", "application/json")
    call = urllib.request.Request(url, data=data, headers=headers, method=method.upper())
    try:
        with _OPENER.open(call, timeout=timeout) as answer:
            return Response(answer.status, answer.headers, answer.read())
    except urllib.error.HTTPError as answer:
        with answer:
            return Response(answer.code, answer.headers, answer.read())
