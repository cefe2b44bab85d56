"""HTTP API route selection, stages and integration targets, function URL CORS rules, and how a front door
reads a request (pure functions)."""

import io

import pytest

from workbook.front_doors import cors, http_io
from workbook.front_doors.http_api import (
    Route,
    RouteTable,
    StageInfo,
    lambda_arn_of,
    parse_route_key,
    source_arn,
)

FN = "arn:aws:lambda:us-east-1:123456789012:function:shop"


def table(*route_keys, stages=("$default",)):
    routes = [Route(key, *parse_route_key(key), FN, "2.0", 30.0) for key in route_keys]
    routes.sort(key=Route.priority)
    return RouteTable(routes, {name: StageInfo({}) for name in stages})


def chosen(route_table, method, path):
    selected = route_table.select(method, path)
    return None if selected is None else (selected[0].route_key, selected[1])


def test_route_key_is_parsed_into_method_and_segments():
    """Is `GET /items/{id}` a method and two segments, and `$default` neither?"""
    assert parse_route_key("GET /items/{id}") == ("GET", "/items/{id}", ("items", "{id}"))
    assert parse_route_key("ANY /") == ("ANY", "/", ())
    assert parse_route_key("$default") == (None, None, ())


def test_exact_route_wins_over_variables_greedy_and_default():
    """For /pets/dog/1, does an exact route win, then a variable one, then greedy, then $default?"""
    keys = ["$default", "ANY /{proxy+}", "GET /pets/{proxy+}", "GET /pets/dog/{id}", "GET /pets/dog/1"]
    assert chosen(table(*keys), "GET", "/pets/dog/1") == ("GET /pets/dog/1", {})
    assert chosen(table(*keys[:4]), "GET", "/pets/dog/1") == ("GET /pets/dog/{id}", {"id": "1"})
    assert chosen(table(*keys[:3]), "GET", "/pets/dog/1") == ("GET /pets/{proxy+}", {"proxy": "dog/1"})
    assert chosen(table(*keys[:2]), "GET", "/pets/dog/1") == ("ANY /{proxy+}", {"proxy": "pets/dog/1"})
    assert chosen(table(*keys[:1]), "GET", "/pets/dog/1") == ("$default", {})


def test_method_route_wins_over_any():
    """Does `GET /items` win over `ANY /items` for a GET, and ANY take the POST?"""
    route_table = table("ANY /items", "GET /items")
    assert chosen(route_table, "GET", "/items")[0] == "GET /items"
    assert chosen(route_table, "POST", "/items")[0] == "ANY /items"


def test_no_matching_route_and_no_default_is_none():
    """Without a matching route or $default, is nothing selected (404)?"""
    route_table = table("GET /items/{id}")
    assert chosen(route_table, "GET", "/items") is None
    assert chosen(route_table, "GET", "/items/1/extra") is None
    assert chosen(route_table, "POST", "/items/1") is None


def test_path_parameters_are_decoded():
    """Are path parameters percent-decoded?"""
    assert chosen(table("GET /users/{name}"), "GET", "/users/Ada%20L")[1] == {"name": "Ada L"}


def test_greedy_variable_needs_at_least_one_segment():
    """Does `/{proxy+}` leave the root path to other routes?"""
    assert chosen(table("ANY /{proxy+}"), "GET", "/") is None
    assert chosen(table("ANY /{proxy+}", "GET /"), "GET", "/")[0] == "GET /"


def test_default_stage_is_at_the_root_and_named_stages_under_their_name():
    """Is /prod/items the `prod` stage's /items, and /items the `$default` stage's?"""
    route_table = table("GET /items", stages=("$default", "prod"))
    assert route_table.stage_of("/prod/items") == ("prod", "/items")
    assert route_table.stage_of("/items") == ("$default", "/items")
    assert table("GET /items", stages=("prod",)).stage_of("/items") is None


@pytest.mark.parametrize(
    "uri",
    [FN, f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FN}/invocations"],
)
def test_integration_uri_names_the_function(uri):
    """Is the function found in a plain Lambda ARN and in an apigateway invocations ARN?"""
    assert lambda_arn_of(uri) == FN


def test_integration_uri_that_is_not_lambda():
    """Is an HTTP integration's URL not taken for a function?"""
    assert lambda_arn_of("https://example.com/") is None
    assert lambda_arn_of(None) is None


def test_source_arn_names_stage_method_and_route_path():
    """Is the SourceArn `…:<api>/<stage>/<METHOD>/<route path>`, and `…/<stage>/$default` for $default?"""
    route = table("GET /items/{id}").routes[0]
    assert source_arn("us-east-1", "123456789012", "a1b2", "prod", "GET", route) == (
        "arn:aws:execute-api:us-east-1:123456789012:a1b2/prod/GET/items/{id}")
    default = table("$default").routes[0]
    assert source_arn("us-east-1", "123456789012", "a1b2", "$default", "GET", default) == (
        "arn:aws:execute-api:us-east-1:123456789012:a1b2/$default/$default")


# ---------------------------------------------------------------- CORS


SHOP = {"AllowOrigins": ["https://shop.example"], "AllowMethods": ["GET", "POST"],
        "AllowHeaders": ["content-type"], "ExposeHeaders": ["x-total"], "MaxAge": 300}


def test_preflight_is_recognised():
    """Is only an OPTIONS request with Origin and Access-Control-Request-Method a preflight?"""
    assert cors.is_preflight("OPTIONS", "https://a", "GET")
    assert not cors.is_preflight("OPTIONS", None, "GET")
    assert not cors.is_preflight("GET", "https://a", "GET")


def test_allowed_preflight_gets_every_configured_header():
    """Does an allowed preflight get origin, methods, headers and max age?"""
    headers = dict(cors.preflight_headers(SHOP, "https://shop.example", "POST", "Content-Type"))
    assert headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert headers["Access-Control-Allow-Methods"] == "GET,POST"
    assert headers["Access-Control-Allow-Headers"] == "content-type"
    assert headers["Access-Control-Max-Age"] == "300"
    assert "Access-Control-Allow-Credentials" not in headers


@pytest.mark.parametrize(
    ("origin", "method", "requested_headers"),
    [("https://evil.example", "GET", ""), ("https://shop.example", "DELETE", ""),
     ("https://shop.example", "GET", "x-secret")],
)
def test_refused_preflight_gets_no_cors_headers(origin, method, requested_headers):
    """Does a preflight from another origin, or for a method or header not allowed, get no CORS headers?"""
    assert cors.preflight_headers(SHOP, origin, method, requested_headers) == []


def test_wildcards_and_credentials():
    """Is `*` answered with `*`, or with the origin itself when credentials are allowed?"""
    everyone = {"AllowOrigins": ["*"], "AllowMethods": ["*"], "AllowHeaders": ["*"]}
    headers = dict(cors.preflight_headers(everyone, "https://a.example", "PUT", "x-any"))
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert headers["Access-Control-Allow-Methods"] == "PUT"
    with_credentials = {**everyone, "AllowCredentials": True}
    headers = dict(cors.preflight_headers(with_credentials, "https://a.example", "PUT", ""))
    assert headers["Access-Control-Allow-Origin"] == "https://a.example"
    assert headers["Access-Control-Allow-Credentials"] == "true"


def test_answers_carry_allow_origin_and_expose_headers():
    """Does an answer to an allowed origin carry Allow-Origin and Expose-Headers, and others nothing?"""
    headers = dict(cors.response_headers(SHOP, "https://shop.example"))
    assert headers["Access-Control-Allow-Origin"] == "https://shop.example"
    assert headers["Access-Control-Expose-Headers"] == "x-total"
    assert cors.response_headers(SHOP, "https://evil.example") == []
    assert cors.response_headers(None, "https://shop.example") == []
    assert cors.response_headers(SHOP, None) == []


# ---------------------------------------------------------------- reading a request


def test_raw_path_and_query_are_kept_as_sent():
    """Are the path and query string read as the client sent them (still percent-encoded)?"""
    assert http_io.raw_target({"RAW_URI": "/a%20b/c?x=1&x=%2F"}) == ("/a%20b/c", "x=1&x=%2F")
    assert http_io.raw_target({"PATH_INFO": "/a b", "QUERY_STRING": "y=2"}) == ("/a%20b", "y=2")


def test_headers_are_read_from_the_environ():
    """Are HTTP_* variables, Content-Type and Content-Length read back as lower-case header names?"""
    environ = {"HTTP_X_TAG": "t", "CONTENT_TYPE": "text/plain", "CONTENT_LENGTH": "3", "SERVER_NAME": "x"}
    assert sorted(http_io.request_headers(environ)) == [
        ("content-length", "3"), ("content-type", "text/plain"), ("x-tag", "t")]


def test_body_over_the_limit_is_not_read():
    """Is a body longer than the limit refused (None) and a shorter one read whole?"""
    environ = {"CONTENT_LENGTH": "5", "wsgi.input": io.BytesIO(b"hello")}
    assert http_io.read_body(environ, 4) is None
    assert http_io.read_body(environ, 5) == b"hello"
    assert http_io.read_body({"wsgi.input": io.BytesIO(b"")}, 5) == b""


def test_forwarding_headers_are_added_unless_sent():
    """Are x-forwarded-for/-proto/-port added, keeping ones the client sent?"""
    environ = {"REMOTE_ADDR": "127.0.0.1", "SERVER_PORT": "50123"}
    added = dict(http_io.forwarded([("x-forwarded-for", "203.0.113.9")], environ))
    assert added == {"x-forwarded-for": "203.0.113.9", "x-forwarded-proto": "http",
                     "x-forwarded-port": "50123"}


@pytest.mark.parametrize("origin, loopback", [
    ("http://localhost:8888", True), ("http://127.0.0.1:50123", True), ("https://[::1]:8443", True),
    ("http://localhost", True), ("https://evil.example", False), ("http://localhost.evil.example", False),
    ("null", False), ("file://", False), ("http://127.0.0.1.evil.example:80", False),
])
def test_which_origins_are_pages_on_this_machine(origin, loopback):
    """Are only http(s) origins on 127.0.0.1, localhost or [::1] (any port) pages on this machine?"""
    assert cors.is_loopback_origin(origin) is loopback


def test_only_an_origin_named_in_allow_origins_is_named():
    """Does AllowOrigins name an origin only by listing it (any case), never through "*"?"""
    assert cors.names_origin({"AllowOrigins": ["https://Shop.example"]}, "https://shop.example")
    assert not cors.names_origin({"AllowOrigins": ["*"]}, "https://shop.example")
    assert not cors.names_origin(None, "https://shop.example")
