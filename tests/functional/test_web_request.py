"""workbook.web.request: every answer a Response, whatever its status, against a loopback HTTP server."""

from __future__ import annotations

import json
import threading
import urllib.error

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from workbook import web


@Request.application
def echo(request: Request) -> Response:
    """Answers with the status the path names (``/404``) and, as JSON, what it received."""
    status = int(request.path.strip("/") or 200)
    seen = {"method": request.method, "type": request.content_type, "body": request.get_data(as_text=True)}
    return Response(
        json.dumps(seen), status=status, headers={"Location": "/made"}, mimetype="application/json"
    )


@pytest.fixture(scope="module")
def url():
    server = make_server("127.0.0.1", 0, echo, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def test_a_json_body_is_sent_as_json(url):
    """Does json= send the body encoded, with Content-Type application/json, and decode the answer?"""
    answer = web.request("POST", url + "/201", json={"name": "teapot"})
    assert answer.status == 201
    assert answer.headers["location"] == "/made"  # header names are case-insensitive
    assert answer.json() == {"method": "POST", "type": "application/json", "body": '{"name": "teapot"}'}


def test_error_statuses_are_answers_not_exceptions(url):
    """Are 400, 404 and 500 returned as Responses, with their bodies, instead of raised?"""
    for status in (400, 404, 500):
        answer = web.request("GET", f"{url}/{status}")
        assert (answer.status, answer.content_type) == (status, "application/json")
        assert answer.json()["method"] == "GET"


def test_text_bodies_are_sent_as_they_are(url):
    """Is data= sent unchanged (a str as UTF-8), so that a malformed JSON body can be sent on purpose?"""
    answer = web.request("POST", url + "/", data="{not json é", headers={"Content-Type": "text/plain"})
    assert answer.json() == {"method": "POST", "type": "text/plain", "body": "{not json é"}


def test_the_repr_shows_status_type_and_body(url):
    """Does a Response show its status, media type and body when it is a cell's last expression?"""
    shown = repr(web.request("DELETE", url + "/404"))
    assert shown.startswith("<404 application/json {") and '"method": "DELETE"' in shown


def test_a_server_that_is_not_there_raises(url):
    """Is a refused connection an error (URLError), not a Response?"""
    server = make_server("127.0.0.1", 0, echo)
    port = server.server_port
    server.server_close()
    with pytest.raises(urllib.error.URLError):
        web.request("GET", f"http://127.0.0.1:{port}/", timeout=5)
