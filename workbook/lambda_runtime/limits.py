"""AWS's limits on what a function is made of: package sizes, layers and environment variables.

Checked, while a runtime is active, where AWS checks them (:mod:`.moto_patch`): CreateFunction,
UpdateFunctionCode, UpdateFunctionConfiguration and PublishLayerVersion, with AWS's errors.

* A package uploaded in the request (``ZipFile``) may be 50 MB zipped (52,428,800 bytes), and the
  request that carries it base64-encoded 70,167,211 bytes: ``RequestEntityTooLargeException`` (413).
  A package in S3 has no zipped limit.
* Unzipped, a function's package and all its layers together may hold 250 MB (262,144,000 bytes):
  ``InvalidParameterValueException``. Sizes come from the zip's table of contents (what each member
  declares), so no package is unzipped to be measured.
* At most 5 layers; environment variables at most 4 KB measured as compact JSON, and none of the
  keys the runtime sets (:data:`RESERVED_KEYS`).

Example::

    check_env({"AWS_REGION": "eu-west-1"})   # raises InvalidParameterValue (reserved key)
"""

from __future__ import annotations

import io
import json
import zipfile

from .errors import InvalidParameterValue, RequestTooLarge

ZIPPED_LIMIT = 52_428_800
REQUEST_LIMIT = 70_167_211
UNZIPPED_LIMIT = 262_144_000
MAX_LAYERS = 5
ENV_LIMIT = 4096

# The keys Lambda's runtimes set themselves (AWS's "reserved environment variables"). TZ, LANG, PATH,
# PYTHONPATH, AWS_LAMBDA_EXEC_WRAPPER … are not reserved: a function may set them.
RESERVED_KEYS = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)

_ENV_FAILED = (
    "Lambda was unable to configure your environment variables because the environment variables you have "
)


def unzipped_size(data: bytes | None) -> int:
    """The size ``data`` (a zip) takes unzipped, read from its table of contents (0 when not a zip)."""
    if not data:
        return 0
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return 0


def check_upload(operation: str, request: dict, code: dict | None) -> None:
    """Refuse a package sent in the request (``code["ZipFile"]``, base64) that is too large to upload.

    CreateFunction measures the zip first; UpdateFunctionCode and PublishLayerVersion the request first.
    """
    raw = (code or {}).get("ZipFile")
    if raw is None:
        return
    encoded = len(raw)
    zipped = encoded * 3 // 4 - (raw[-2:].count("=") if isinstance(raw, str) else raw[-2:].count(b"="))
    too_big_zip = RequestTooLarge(f"Zipped size must be smaller than {ZIPPED_LIMIT} bytes")
    if operation == "CreateFunction" and zipped > ZIPPED_LIMIT:
        raise too_big_zip
    if encoded > REQUEST_LIMIT - 1000 and _request_size(request) > REQUEST_LIMIT:
        raise RequestTooLarge(
            f"Request must be smaller than {REQUEST_LIMIT} bytes for the {operation} operation"
        )
    if zipped > ZIPPED_LIMIT:
        raise too_big_zip


def check_function_size(code_size: int, layers_size: int) -> None:
    """A function's package (``code_size`` unzipped) must fit in 250 MB next to its layers."""
    if layers_size > UNZIPPED_LIMIT:
        raise InvalidParameterValue(f"Layers consume more than the available size of {UNZIPPED_LIMIT} bytes")
    if code_size > UNZIPPED_LIMIT - layers_size:
        raise InvalidParameterValue(
            f"Unzipped size must be smaller than {UNZIPPED_LIMIT - layers_size} bytes"
        )


def check_layers_fit(code_size: int, layers_size: int) -> None:
    """New layers for an existing function (UpdateFunctionConfiguration) must fit next to its package."""
    if layers_size > UNZIPPED_LIMIT:
        raise InvalidParameterValue(f"Layers consume more than the available size of {UNZIPPED_LIMIT} bytes")
    if code_size + layers_size > UNZIPPED_LIMIT:
        raise InvalidParameterValue(
            f"Function code combined with layers exceeds the maximum allowed size of {UNZIPPED_LIMIT} bytes. "
            f"The actual size is {code_size + layers_size} bytes."
        )


def check_layer_size(code_size: int) -> None:
    """A layer's package must unzip to at most 250 MB (PublishLayerVersion)."""
    if code_size > UNZIPPED_LIMIT:
        raise InvalidParameterValue(f"Unzipped size must be smaller than {UNZIPPED_LIMIT} bytes")


def check_layer_count(layers: list | None) -> None:
    if layers is not None and len(layers) > MAX_LAYERS:
        raise InvalidParameterValue(f"Cannot reference more than {MAX_LAYERS} layers.")


def check_env(variables: dict | None) -> None:
    """Environment variables: no reserved key, and at most 4 KB as compact JSON (what AWS measures)."""
    if not variables:
        return
    reserved = [key for key in variables if key in RESERVED_KEYS]
    if reserved:
        raise InvalidParameterValue(
            _ENV_FAILED
            + "provided contains reserved keys that are currently not supported for modification. "
            f"Reserved keys used in this request: {', '.join(reserved)}"
        )
    measured = json.dumps(variables, separators=(",", ":"), ensure_ascii=False)
    if len(measured.encode("utf-8")) > ENV_LIMIT:
        raise InvalidParameterValue(
            _ENV_FAILED + f"provided exceeded the 4KB limit. String measured: {measured}"
        )


def _request_size(request: dict) -> int:
    return len(json.dumps(request, default=str))
