"""The arithmetic of AWS's package limits (workbook.lambda_runtime.limits), at AWS's real sizes."""

from __future__ import annotations

import base64

import pytest

from workbook.lambda_runtime import limits
from workbook.lambda_runtime.errors import InvalidParameterValue, RequestTooLarge


def encoded(size: int) -> str:
    """A base64 string as long as the encoding of ``size`` bytes (content does not matter)."""
    return "A" * (4 * (size // 3)) + {0: "", 1: "AA==", 2: "AAA="}[size % 3]


def test_base64_lengths_stand_for_their_bytes():
    """Does the helper give the length base64 really has?"""
    for size in (0, 1, 2, 3, 10):
        assert len(encoded(size)) == len(base64.b64encode(b"x" * size))


def test_create_function_measures_the_zip_first():
    """Is a 50 MB + 1 byte zip refused by CreateFunction as 'Zipped size', and 50 MB accepted?"""
    limits.check_upload("CreateFunction", {}, {"ZipFile": encoded(limits.ZIPPED_LIMIT)})
    with pytest.raises(RequestTooLarge) as caught:
        limits.check_upload("CreateFunction", {}, {"ZipFile": encoded(limits.ZIPPED_LIMIT + 1)})
    assert (caught.value.code, caught.value.message) == (
        413,
        "Zipped size must be smaller than 52428800 bytes",
    )


def test_update_function_code_measures_the_request_first():
    """Is a 60 MB zip refused by UpdateFunctionCode naming the request limit and the operation?"""
    code = {"ZipFile": encoded(60 * 1024 * 1024)}
    with pytest.raises(RequestTooLarge) as caught:
        limits.check_upload("UpdateFunctionCode", code, code)
    assert (
        caught.value.message
        == "Request must be smaller than 70167211 bytes for the UpdateFunctionCode operation"
    )


def test_s3_packages_have_no_zipped_limit():
    """Is a Code without ZipFile (S3) never measured for upload?"""
    limits.check_upload("CreateFunction", {}, {"S3Bucket": "b", "S3Key": "k"})


def test_unzipped_size_reads_the_table_of_contents():
    """Is the unzipped size the sum of the members' sizes, and 0 for bytes that are not a zip?"""
    from workbook.deploy import zip_code

    assert limits.unzipped_size(zip_code({"a.py": "x" * 10, "b.py": b"y" * 5})) == 15
    assert limits.unzipped_size(b"not a zip") == 0


def test_layers_consuming_everything_are_named():
    """Are layers over 250 MB on their own refused with AWS's message?"""
    with pytest.raises(
        InvalidParameterValue, match="Layers consume more than the available size of 262144000"
    ):
        limits.check_function_size(1, limits.UNZIPPED_LIMIT + 1)
