"""Return values marshalled as AWS's Python runtime interface client (awslambdaric) does.

Its marshaller passes a returned ``bytes`` through as the payload and encodes anything else with
simplejson: nested bytes are decoded as UTF-8, named tuples become objects, a Decimal keeps its digits.
"""

import json

import pytest

from .lambda_helpers import create_function

RESULTS_PY = """
import collections
from decimal import Decimal

Point = collections.namedtuple("Point", "x y")

RESULTS = {
    "png": b"\\x89PNG\\r\\n",
    "nested-text": {"name": "caf\\u00e9".encode(), "items": [b"tea", (1, 2)]},
    "nested-binary": {"image": b"\\x89PNG"},
    "bytearray": bytearray(b"tea"),
    "bytes-key": {b"sku": "mug"},
    "named-tuple": {"point": Point(1, 2)},
    "decimal": {"price": Decimal("9.90"), "big": Decimal("1E+3"), "nan": Decimal("NaN")},
    "non-ascii": {"city": "K\\u00f6ln"},
}


def handler(event, context):
    return RESULTS[event]
"""


@pytest.fixture
def returned(sb):
    """Invoke a function that returns RESULTS[name] on the given runtime; give back the response, with
    ``Body`` the raw payload and ``Payload`` it decoded from JSON (None when it is not JSON)."""
    lam = sb.client("lambda")

    def call(name, runtime="python3.12"):
        function = f"results-{runtime.replace('.', '-')}"
        if function not in {f["FunctionName"] for f in lam.list_functions()["Functions"]}:
            create_function(sb, function, RESULTS_PY, Runtime=runtime)
        response = lam.invoke(FunctionName=function, Payload=json.dumps(name))
        response["Body"] = response["Payload"].read()
        try:
            response["Payload"] = json.loads(response["Body"])
        except ValueError:
            response["Payload"] = None
        return response

    return call


def test_returned_bytes_are_the_payload_unchanged(returned):
    """Does a handler returning bytes send exactly those bytes, not JSON and not an error?"""
    response = returned("png")
    assert "FunctionError" not in response
    assert response["Body"] == b"\x89PNG\r\n"


def test_nested_utf8_bytes_become_strings(returned):
    """Are bytes inside a dict or list decoded as UTF-8 text (and tuples sent as lists)?"""
    response = returned("nested-text")
    assert "FunctionError" not in response
    assert response["Payload"] == {"name": "café", "items": ["tea", [1, 2]]}


def test_nested_binary_bytes_are_a_marshal_error(returned):
    """Are nested bytes that are not UTF-8 a Runtime.MarshalError with the decoder's message?"""
    response = returned("nested-binary")
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"]["errorType"] == "Runtime.MarshalError"
    assert response["Payload"]["errorMessage"] == (
        "Unable to marshal response: 'utf-8' codec can't decode byte 0x89 in position 0: invalid start byte"
    )


def test_a_bytearray_is_not_passed_through(returned):
    """Is a bytearray (not bytes) encoded as JSON like any other object, and so a MarshalError?"""
    response = returned("bytearray")
    assert response["Payload"]["errorType"] == "Runtime.MarshalError"
    assert response["Payload"]["errorMessage"] == (
        "Unable to marshal response: Object of type bytearray is not JSON serializable"
    )


def test_bytes_keys_become_string_keys(returned):
    """Are bytes dictionary keys decoded as UTF-8, as simplejson does?"""
    assert returned("bytes-key")["Payload"] == {"sku": "mug"}


def test_named_tuples_become_objects(returned):
    """Is a named tuple sent as a JSON object of its fields, not as a list?"""
    assert returned("named-tuple")["Payload"] == {"point": {"x": 1, "y": 2}}


def test_decimals_keep_their_digits(returned):
    """Is a Decimal written as its own digits (9.90, 1E+3), and a NaN Decimal as NaN?"""
    assert returned("decimal")["Body"] == b'{"price": 9.90, "big": 1E+3, "nan": NaN}'


def test_non_ascii_kept_from_python_3_12(returned):
    """Do python3.12+ runtimes keep non-ASCII characters, while older runtimes escape them?"""
    assert returned("non-ascii")["Body"] == '{"city": "Köln"}'.encode()
    assert returned("non-ascii", runtime="python3.11")["Body"] == b'{"city": "K\\u00f6ln"}'
