"""AWS's limits on packages, layers and environment variables, refused with AWS's errors."""

from __future__ import annotations

import io
import json
import struct
import zipfile

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from tests.functional.lambda_helpers import TRUST_POLICY, create_role, make_zip
from workbook import lambda_runtime
from workbook.lambda_runtime import limits

pytestmark = pytest.mark.sandbox

MB = 1024 * 1024
ENV_ERROR = (
    "Lambda was unable to configure your environment variables because the environment variables you have "
)


def declaring(size: int, name: str = "data.bin") -> bytes:
    """A tiny zip whose table of contents says its one member unzips to ``size`` bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, b"x")
    data = bytearray(buffer.getvalue())
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, size)  # uncompressed size in the central directory
    return bytes(data)


def create(lam, role, name, package, **kwargs):
    return lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": package},
        **kwargs,
    )


def error_of(call, *args, **kwargs) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(*args, **kwargs)
    error = caught.value.response
    return error["ResponseMetadata"]["HTTPStatusCode"], error["Error"]["Code"], error["Error"]["Message"]


def test_a_package_that_unzips_past_250_mb_is_refused(sb):
    """Is a package declaring more than 262,144,000 unzipped bytes refused on create and on update?"""
    lam, role = sb.client("lambda"), create_role(sb)
    assert error_of(create, lam, role, "huge", declaring(limits.UNZIPPED_LIMIT + 1)) == (
        400,
        "InvalidParameterValueException",
        "Unzipped size must be smaller than 262144000 bytes",
    )
    create(lam, role, "fits", declaring(limits.UNZIPPED_LIMIT))
    assert error_of(lam.update_function_code, FunctionName="fits", ZipFile=declaring(300 * MB))[2] == (
        "Unzipped size must be smaller than 262144000 bytes"
    )


def test_layers_take_their_share_of_the_250_mb(sb):
    """With layers, is the package limit 250 MB minus the layers, and are six layers refused?"""
    lam, role = sb.client("lambda"), create_role(sb)
    layer = lam.publish_layer_version(LayerName="big", Content={"ZipFile": declaring(100 * MB)})[
        "LayerVersionArn"
    ]
    room = limits.UNZIPPED_LIMIT - 100 * MB
    assert error_of(create, lam, role, "with-layer", declaring(room + 1), Layers=[layer])[2] == (
        f"Unzipped size must be smaller than {room} bytes"
    )
    create(lam, role, "with-layer", declaring(room), Layers=[layer])
    create(lam, role, "plain", declaring(200 * MB))
    assert error_of(lam.update_function_configuration, FunctionName="plain", Layers=[layer])[2] == (
        "Function code combined with layers exceeds the maximum allowed size of 262144000 bytes. "
        f"The actual size is {300 * MB} bytes."
    )
    small = lam.publish_layer_version(
        LayerName="small", Content={"ZipFile": make_zip("X = 1", "python/x.py")}
    )
    assert error_of(
        create, lam, role, "six", make_zip("def handler(e, c): pass"), Layers=[small["LayerVersionArn"]] * 6
    ) == (400, "InvalidParameterValueException", "Cannot reference more than 5 layers.")


def test_a_layer_that_unzips_past_250_mb_is_refused(sb):
    """Is PublishLayerVersion refused for a layer declaring more than 250 MB unzipped?"""
    assert error_of(
        sb.client("lambda").publish_layer_version,
        LayerName="huge",
        Content={"ZipFile": declaring(limits.UNZIPPED_LIMIT + 1)},
    )[1:] == ("InvalidParameterValueException", "Unzipped size must be smaller than 262144000 bytes")


def test_an_upload_past_the_zipped_limit_is_too_large(sb, monkeypatch):
    """Is a direct upload over the zipped limit a 413 RequestEntityTooLargeException, per operation?"""
    monkeypatch.setattr(limits, "ZIPPED_LIMIT", 2000)  # AWS's 50 MB, scaled down to keep the test fast
    monkeypatch.setattr(limits, "REQUEST_LIMIT", 4000)
    lam, role = sb.client("lambda"), create_role(sb)
    package = make_zip(
        "def handler(e, c): pass", extra={"padding.bin": "".join(f"{n:x}" for n in range(900))}
    )
    assert 2000 < len(package) < 3000
    assert error_of(create, lam, role, "big", package) == (
        413,
        "RequestEntityTooLargeException",
        "Zipped size must be smaller than 2000 bytes",
    )
    create(lam, role, "small", make_zip("def handler(e, c): pass"))
    assert error_of(lam.update_function_code, FunctionName="small", ZipFile=package + b"\0" * 800) == (
        413,
        "RequestEntityTooLargeException",
        "Request must be smaller than 4000 bytes for the UpdateFunctionCode operation",
    )
    assert error_of(lam.publish_layer_version, LayerName="big", Content={"ZipFile": package})[1:] == (
        "RequestEntityTooLargeException",
        "Zipped size must be smaller than 2000 bytes",
    )


def test_environment_variables_over_4_kb_are_refused_with_the_string_measured(sb):
    """Are variables whose compact JSON exceeds 4 KB refused, quoting the JSON AWS measured?"""
    lam, role = sb.client("lambda"), create_role(sb)
    variables = {"A": "x" * 4000, "B": "y" * 91}
    measured = json.dumps(variables, separators=(",", ":"))
    assert len(measured) == 4106
    assert error_of(
        create, lam, role, "env", make_zip("def handler(e, c): pass"), Environment={"Variables": variables}
    )[1:] == (
        "InvalidParameterValueException",
        ENV_ERROR + f"provided exceeded the 4KB limit. String measured: {measured}",
    )
    fits = {"A": "x" * 4000, "B": "y" * 81}
    assert len(json.dumps(fits, separators=(",", ":"))) == 4096
    create(lam, role, "env", make_zip("def handler(e, c): pass"), Environment={"Variables": fits})
    assert (
        "4KB limit"
        in error_of(
            lam.update_function_configuration, FunctionName="env", Environment={"Variables": variables}
        )[2]
    )


def test_reserved_keys_are_refused_and_unreserved_ones_accepted(sb):
    """Are AWS_REGION, AWS_ACCESS_KEY_ID & co. refused (named in the message) while TZ and PATH are not?"""
    lam, role = sb.client("lambda"), create_role(sb)
    assert error_of(
        create,
        lam,
        role,
        "env",
        make_zip("def handler(e, c): pass"),
        Environment={"Variables": {"AWS_REGION": "eu-west-1", "TABLE": "t", "AWS_ACCESS_KEY_ID": "AKIA"}},
    )[2] == (
        ENV_ERROR + "provided contains reserved keys that are currently not supported for modification. "
        "Reserved keys used in this request: AWS_REGION, AWS_ACCESS_KEY_ID"
    )
    create(
        lam,
        role,
        "env",
        make_zip("def handler(e, c): pass"),
        Environment={
            "Variables": {"TZ": "Europe/Paris", "PATH": "/usr/bin", "AWS_LAMBDA_EXEC_WRAPPER": "/x"}
        },
    )
    assert error_of(
        lam.update_function_configuration, FunctionName="env", Environment={"Variables": {"_HANDLER": "x"}}
    )[2].endswith("Reserved keys used in this request: _HANDLER")


def test_limits_hold_under_mock_aws_with_activate(monkeypatch):
    """Are the same limits enforced in a plain moto test with lambda_runtime.activate()?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # set by a sandbox an earlier test left running
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(), lambda_runtime.activate():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        lam = boto3.client("lambda", region_name="us-east-1")
        assert error_of(create, lam, role, "huge", declaring(limits.UNZIPPED_LIMIT + 1))[2] == (
            "Unzipped size must be smaller than 262144000 bytes"
        )
        assert (
            "Reserved keys used in this request: AWS_DEFAULT_REGION"
            in error_of(
                create,
                lam,
                role,
                "env",
                make_zip("def handler(e, c): pass"),
                Environment={"Variables": {"AWS_DEFAULT_REGION": "eu-west-1"}},
            )[2]
        )


def test_a_real_upload_over_50_mb_is_refused(sb):
    """Is a real 51 MB zip (stored, not compressed) refused by CreateFunction with AWS's 413?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("handler.py", "def handler(e, c): pass\n")
        archive.writestr("blob.bin", b"\0" * (51 * MB))
    assert error_of(create, sb.client("lambda"), create_role(sb), "big", buffer.getvalue()) == (
        413,
        "RequestEntityTooLargeException",
        "Zipped size must be smaller than 52428800 bytes",
    )
