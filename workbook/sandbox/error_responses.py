"""AWS-shaped error answers the loopback server sends on its own, in the protocol of the service asked.

Used by :mod:`.guard` for the requests it refuses before moto sees them (unknown keys, unsigned
requests, foreign ``Host`` headers) and for failures inside moto, so that an SDK shows the error it
would get from AWS and nothing ever answers with werkzeug's HTML page.

Example::

    return invalid_key(environ, start_response, "sts", "AKIAINVENTED")   # 403 InvalidClientTokenId
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from xml.sax.saxutils import escape

INVALID_TOKEN = "The security token included in the request is invalid."
S3_UNKNOWN_KEY = "The AWS Access Key Id you provided does not exist in our records."

# Signing names that are not the name of botocore's service model.
_MODEL_NAMES = {
    "monitoring": "cloudwatch", "states": "stepfunctions", "email": "ses", "execute-api": "apigateway",
}  # fmt: skip
_CONTENT_TYPES = {
    "json": "application/x-amz-json-1.1", "rest-json": "application/json", "cbor": "application/cbor",
}  # fmt: skip


def protocol_of(environ: dict, service: str | None) -> str:
    """``s3``, ``json``, ``rest-json``, ``cbor``, ``query``, ``ec2`` or ``rest-xml`` for this request."""
    if environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
        return "cbor"
    if service == "s3":
        return "s3"
    if environ.get("HTTP_X_AMZ_TARGET"):
        return "json"
    protocol = _model_protocol(service) if service else None
    if protocol == "ec2":
        return protocol
    if environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        return "query"
    if protocol == "smithy-rpc-v2-cbor":
        return "json"  # a cbor client sends the smithy-protocol header, checked above
    return protocol or "rest-json"


@functools.lru_cache(maxsize=64)
def _model_protocol(service: str) -> str | None:
    from botocore.loaders import create_loader

    if not re.fullmatch(r"[a-z0-9][a-z0-9.-]{0,62}", service):  # a name from the request: no paths
        return None
    try:
        model = create_loader().load_service_model(_MODEL_NAMES.get(service, service), "service-2")
    except Exception:  # not a service botocore knows
        return None
    return model.get("metadata", {}).get("protocol")


def invalid_key(environ, start_response, service: str | None, key_id: str):
    """AWS's answer to a key it never issued (or a session key without its token)."""
    protocol = protocol_of(environ, service)
    if protocol == "s3":
        return _send(
            start_response, 403, protocol, "InvalidAccessKeyId", S3_UNKNOWN_KEY, {"AWSAccessKeyId": key_id}
        )
    if protocol == "ec2":
        return _send(
            start_response,
            401,
            protocol,
            "AuthFailure",
            "AWS was not able to validate the provided access credentials",
        )
    if protocol in ("json", "rest-json", "cbor"):
        return _send(start_response, 403, protocol, "UnrecognizedClientException", INVALID_TOKEN)
    return _send(start_response, 403, protocol, "InvalidClientTokenId", INVALID_TOKEN)


def missing_authentication(environ, start_response, service: str | None = None):
    """AWS's answer to a request that carries no credentials it accepts."""
    protocol = protocol_of(environ, service)
    if protocol == "s3":
        return _send(start_response, 403, protocol, "AccessDenied", "Access Denied")
    if protocol in ("json", "rest-json", "cbor"):
        return _send(
            start_response,
            403,
            protocol,
            "MissingAuthenticationTokenException",
            "Missing Authentication Token",
        )
    return _send(
        start_response, 403, protocol, "MissingAuthenticationToken", "Request is missing Authentication Token"
    )


def refused(start_response, message: str):
    """A request the sandbox turns away whatever it asks (wrong Host, /moto-api/ without the token)."""
    return _send(start_response, 403, "rest-json", "AccessDeniedException", message)


def internal_failure(environ, start_response, service: str | None, error: BaseException):
    """A failure inside moto, as the service's 500 error instead of a traceback and an HTML page."""
    if isinstance(error, UnicodeDecodeError):
        message = "The sandbox could not read this request: its body is not valid UTF-8."
    else:
        message = f"The sandbox failed while handling this request ({type(error).__name__})."
    protocol = protocol_of(environ, service)
    code = {"s3": "InternalError", "rest-json": "ServiceException"}.get(protocol, "InternalFailure")
    return _send(start_response, 500, protocol, code, message)


def _send(start_response, status: int, protocol: str, code: str, message: str, extra: dict | None = None):
    request_id = str(uuid.uuid4())
    headers = [("x-amzn-RequestId", request_id), ("X-Content-Type-Options", "nosniff")]
    if protocol in _CONTENT_TYPES:
        headers += [("Content-Type", _CONTENT_TYPES[protocol]), ("x-amzn-ErrorType", code)]
        document = {"__type": code, "message": message}
        if protocol == "cbor":
            headers.append(("smithy-protocol", "rpc-v2-cbor"))
            body = _cbor_text_map(document)
        else:
            body = json.dumps(document).encode()
    else:
        headers.append(("Content-Type", "application/xml" if protocol == "s3" else "text/xml"))
        body = _xml(protocol, code, message, request_id, extra or {}).encode()
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {_REASONS[status]}", headers)
    return [body]


_REASONS = {401: "Unauthorized", 403: "Forbidden", 500: "Internal Server Error"}


def _xml(protocol: str, code: str, message: str, request_id: str, extra: dict) -> str:
    fields = f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message>"
    if protocol == "s3":
        fields += "".join(f"<{name}>{escape(value)}</{name}>" for name, value in extra.items())
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Error>{fields}'
            f"<RequestId>{request_id}</RequestId></Error>"
        )
    if protocol == "ec2":
        return (
            f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>{fields}</Error></Errors>'
            f"<RequestID>{request_id}</RequestID></Response>"
        )
    kind = "Receiver" if code == "InternalFailure" else "Sender"
    return (
        f"<ErrorResponse><Error><Type>{kind}</Type>{fields}</Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


def _cbor_text_map(document: dict[str, str]) -> bytes:
    """A CBOR map of text strings (RFC 8949), all an rpc-v2-cbor error body needs."""
    out = bytearray(_cbor_head(5, len(document)))
    for key, value in document.items():
        for text in (key, value):
            data = text.encode()
            out += _cbor_head(3, len(data)) + data
    return bytes(out)


def _cbor_head(major: int, length: int) -> bytes:
    if length < 24:
        return bytes([major << 5 | length])
    for extra, size in ((24, 1), (25, 2), (26, 4)):
        if length < 1 << (8 * size):
            return bytes([major << 5 | extra]) + length.to_bytes(size, "big")
    raise ValueError("text too long for an error body")
