"""Deployment packages Lambda refuses: a function's or layer's zip that is not a zip.

AWS checks the package when it receives it (CreateFunction, UpdateFunctionCode, PublishLayerVersion)
and answers ``InvalidParameterValueException`` "Could not unzip uploaded file. Please check your
file, then try to upload again." moto stores any bytes; while a runtime is active the sandbox checks
them as AWS does (:mod:`.moto_patch`). A function created earlier with bytes that are not a zip
fails its invokes with ``InvalidZipFileException`` (502), never with an HTTP 500.

Example::

    require_zip(b"not a zip")   # raises InvalidParameterValue
"""

from __future__ import annotations

import base64
import io
import json
import zipfile

from moto.core.exceptions import JsonRESTError

from .errors import InvalidParameterValue

UNZIP_FAILED = "Could not unzip uploaded file. Please check your file, then try to upload again."
INVALID_ZIP = "Lambda could not unzip the deployment package."
S3_ERROR = "Error occurred while GetObject. S3 Error Code: {}. S3 Error Message: {}"


class InvalidZipFile(JsonRESTError):
    """502 ``InvalidZipFileException``: the Invoke API's answer when a function's package is unreadable."""

    code = 502

    def __init__(self) -> None:
        super().__init__("InvalidZipFileException", INVALID_ZIP)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "message": INVALID_ZIP})


def is_zip(data: bytes) -> bool:
    """Whether ``data`` is a zip archive whose table of contents can be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return False
    return True


def require_zip(data: bytes | None) -> None:
    """Raise AWS's InvalidParameterValueException unless ``data`` is a zip (None: nothing to check)."""
    if data is not None and not is_zip(data):
        raise InvalidParameterValue(UNZIP_FAILED)


def uploaded_bytes(code: dict | None, account_id: str) -> bytes | None:
    """The package a ``Code``/``Content`` request member names: ``ZipFile`` (base64 in the request) or an
    S3 object (``S3Bucket``/``S3Key``, AWS's error when it does not exist); None for container images."""
    if not code:
        return None
    if code.get("ZipFile") is not None:
        raw = code["ZipFile"]
        try:
            return base64.b64decode(raw.encode() if isinstance(raw, str) else raw)
        except (ValueError, TypeError):
            return raw if isinstance(raw, bytes) else raw.encode()
    if code.get("S3Bucket") and code.get("S3Key"):
        key = s3_object(code, account_id)
        return key.value if key is not None else None
    return None


def s3_object(code: dict, account_id: str):
    """moto's S3 object a ``Code``/``Content`` names (``S3Bucket``, ``S3Key``, ``S3ObjectVersion``), or
    AWS's InvalidParameterValueException when Lambda could not get it."""
    from moto.s3.exceptions import MissingBucket, MissingKey
    from moto.s3.models import s3_backends

    try:
        key = s3_backends[account_id]["aws"].get_object(code["S3Bucket"], code["S3Key"],
                                                        version_id=code.get("S3ObjectVersion"))
    except MissingBucket:
        missing = S3_ERROR.format("NoSuchBucket", "The specified bucket does not exist")
        raise InvalidParameterValue(missing) from None
    except MissingKey:
        key = None
    if key is None and code.get("S3ObjectVersion"):
        raise InvalidParameterValue(S3_ERROR.format("NoSuchVersion", "The specified version does not exist."))
    if key is None:
        raise InvalidParameterValue(S3_ERROR.format("NoSuchKey", "The specified key does not exist."))
    return key


def use_s3_version(target, code: dict | None, account_id: str) -> None:
    """Give ``target`` (a moto function or layer version) the bytes of the S3 object version ``code`` names:
    moto reads the newest version whatever ``S3ObjectVersion`` says."""
    if not code or not code.get("S3ObjectVersion") or code.get("ZipFile") is not None:
        return
    from moto.awslambda.models import _s3_content

    target.code_bytes, target.code_size, target.code_sha_256, target.code_digest = _s3_content(
        s3_object(code, account_id))
