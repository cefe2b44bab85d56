"""REST API resource-tree matching (workbook.front_doors.rest_routes): which resource and method a
request reaches."""

import pytest

from workbook.front_doors import rest_api
from workbook.front_doors.rest_routes import Integration, Resource, RouteTable, match_path

PROXY = Integration("AWS_PROXY", "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f")


def table(*resources):
    return RouteTable(Resource(f"r{i}", path, {m: PROXY for m in methods}) for i, (path, methods) in
                      enumerate(resources))


SHOP = table(
    ("/", ["GET"]),
    ("/items", ["GET", "POST"]),
    ("/items/{id}", ["GET", "DELETE"]),
    ("/items/special", ["GET"]),
    ("/items/{id}/reviews", ["ANY"]),
    ("/{proxy+}", ["ANY"]),
)


def test_a_literal_path_reaches_its_resource():
    """Does GET /items reach the /items resource, with no path parameters?"""
    match = SHOP.match("GET", "/items")
    assert (match.resource_path, match.method, match.path_parameters) == ("/items", "GET", None)
    assert match.integration == PROXY and match.resource_id == "r1"


def test_the_root_resource_answers_slash_and_the_empty_path():
    """Do `/` and `` both reach the root resource?"""
    assert SHOP.match("GET", "/").resource_path == "/"
    assert SHOP.match("GET", "").resource_path == "/"


def test_a_path_parameter_takes_one_segment():
    """Does /items/42 reach /items/{id} with pathParameters {'id': '42'}?"""
    match = SHOP.match("GET", "/items/42")
    assert (match.resource_path, match.path_parameters) == ("/items/{id}", {"id": "42"})


def test_a_literal_segment_wins_over_a_parameter():
    """With /items/special and /items/{id}, does /items/special reach the literal one?"""
    assert SHOP.match("GET", "/items/special").resource_path == "/items/special"


def test_a_parameter_wins_over_the_greedy_proxy():
    """Does /items/42/reviews reach /items/{id}/reviews rather than /{proxy+}?"""
    match = SHOP.match("PUT", "/items/42/reviews")
    assert (match.resource_path, match.method) == ("/items/{id}/reviews", "ANY")
    assert match.path_parameters == {"id": "42"}


def test_the_greedy_proxy_takes_every_remaining_segment():
    """Does /a/b/c reach /{proxy+} with proxy 'a/b/c'?"""
    match = SHOP.match("PATCH", "/a/b/c")
    assert (match.resource_path, match.path_parameters) == ("/{proxy+}", {"proxy": "a/b/c"})


def test_the_greedy_proxy_needs_at_least_one_segment():
    """Does /{proxy+} leave the root alone (the root needs its own method)?"""
    only_proxy = table(("/", []), ("/{proxy+}", ["ANY"]))
    assert only_proxy.match("GET", "/") is None
    assert only_proxy.match("GET", "/x").path_parameters == {"proxy": "x"}


def test_a_nested_greedy_proxy_keeps_its_prefix():
    """Does /files/{proxy+} match /files/a/b with proxy 'a/b', and not /files itself?"""
    files = table(("/files/{proxy+}", ["GET"]))
    assert files.match("GET", "/files/a/b").path_parameters == {"proxy": "a/b"}
    assert files.match("GET", "/files") is None


def test_any_answers_every_method_but_a_declared_method_comes_first():
    """On a resource with GET and ANY, does GET use GET and POST use ANY?"""
    both = table(("/things", ["GET", "ANY"]))
    assert both.match("GET", "/things").method == "GET"
    assert both.match("POST", "/things").method == "ANY"
    assert both.match("post", "/things").method == "ANY"


def test_a_method_the_resource_lacks_is_no_match():
    """Is POST /items/42 (only GET and DELETE there) no match, even with a /{proxy+} around?"""
    assert SHOP.match("POST", "/items/42") is None


def test_an_unknown_path_is_no_match_without_a_proxy():
    """Without a greedy resource, does an unknown path match nothing?"""
    assert table(("/items", ["GET"])).match("GET", "/orders") is None
    assert table(("/items", ["GET"])).match("GET", "/items/1") is None


def test_a_trailing_slash_is_ignored():
    """Does /items/ reach /items?"""
    assert SHOP.match("GET", "/items/").resource_path == "/items"


def test_paths_are_case_sensitive():
    """Is /Items a different path from /items?"""
    assert table(("/items", ["GET"])).match("GET", "/Items") is None


def test_parameter_values_are_percent_decoded():
    """Are %20 and %2F decoded in path parameter values, and literals compared decoded?"""
    assert SHOP.match("GET", "/items/a%20b").path_parameters == {"id": "a b"}
    assert SHOP.match("GET", "/items/a%2Fb").path_parameters == {"id": "a/b"}
    assert SHOP.match("GET", "/a%20b/c").path_parameters == {"proxy": "a b/c"}
    assert SHOP.match("GET", "/items/speci%61l").resource_path == "/items/special"


def test_a_method_without_integration_still_matches():
    """Does a method with no integration match (the caller decides what that means)?"""
    bare = RouteTable([Resource("r", "/x", {"GET": None})])
    match = bare.match("GET", "/x")
    assert match is not None and match.integration is None


@pytest.mark.parametrize(
    ("template", "path", "expected"),
    [
        ("/items/{id}", "/items/7", ((0, 1), {"id": "7"})),
        ("/{a}/{b}", "/x/y", ((1, 1), {"a": "x", "b": "y"})),
        ("/{proxy+}", "/x/y", ((2,), {"proxy": "x/y"})),
        ("/items/{id}", "/items", None),
        ("/items", "/items/7", None),
        ("/{proxy+}/more", "/x/more", None),  # greedy only as the last segment
    ],
)
def test_match_path_ranks_and_parameters(template, path, expected):
    """Does match_path give each template's rank and parameters (None when it does not fit)?"""
    assert match_path(template, path) == expected


# ------------------------------------------------------------------ integration URIs and source ARNs

FN = "arn:aws:lambda:us-east-1:123456789012:function:orders"


def uri(function_arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{function_arn}/invocations"


@pytest.mark.parametrize(
    ("function_arn", "variables", "label"),
    [
        (FN, None, "orders"),
        (FN + ":live", None, "orders:live"),
        (FN + ":3", None, "orders:3"),
        (FN + ":$LATEST", None, "orders:$LATEST"),
        (FN + ":${stageVariables.alias}", {"alias": "beta"}, "orders:beta"),
        ("arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}", {"fn": "billing"}, "billing"),
    ],
)
def test_the_function_of_an_aws_proxy_uri(function_arn, variables, label):
    """Does lambda_target read the function (and alias or version) from the URI, with stage variables
    substituted?"""
    target = rest_api.lambda_target(uri(function_arn), variables)
    assert (target.account_id, target.region, target.label) == ("123456789012", "us-east-1", label)


@pytest.mark.parametrize(
    "bad_uri",
    [
        uri(FN + ":${stageVariables.alias}"),  # the variable is not set
        "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
        "https://example.com/hook",
        "",
    ],
)
def test_a_uri_that_names_no_function_is_refused(bad_uri):
    """Is a URI that names no Lambda function (unset variable, S3, HTTP) None?"""
    assert rest_api.lambda_target(bad_uri) is None


def test_the_source_arn_names_stage_method_and_resource_path():
    """Is the SourceArn arn:aws:execute-api:<region>:<account>:<api>/<stage>/<METHOD>/<resource path>?"""
    assert rest_api.source_arn("us-east-1", "123456789012", "a1b2c3", "prod", "GET", "/items/{id}") == (
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/prod/GET/items/{id}")
    root = rest_api.source_arn("us-east-1", "123456789012", "a1b2c3", "prod", "GET", "/")
    assert root.endswith(":a1b2c3/prod/GET/")
