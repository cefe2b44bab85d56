"""Errors as AWS reports them: API errors (HTTP 4xx) and platform error documents (HTTP 200).

*API errors* mean the function did not run: unknown function, throttled, request too large.
They are raised as moto ``JsonRESTError`` subclasses, so boto3 turns them into the same exception
classes it raises against AWS (``lam.exceptions.TooManyRequestsException`` …).

*Platform error documents* mean the function ran and failed in a way the runtime could not report
itself (timeout, the process died, a response too large). They come back as the payload of a
200 response with ``FunctionError: Unhandled``, like handler exceptions do.
"""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError

MAX_SYNC_REQUEST_BYTES = 6 * 1024 * 1024  # 6291456
MAX_ASYNC_REQUEST_BYTES = 1024 * 1024  # 1 MB since October 2025
MAX_RESPONSE_BYTES = 6 * 1024 * 1024 + 100  # 6291556, what the Lambda platform allows


class ResourceNotFound(JsonRESTError):
    code = 404

    def __init__(self, arn: str):
        super().__init__("ResourceNotFoundException", f"Function not found: {arn}")
        # AWS's body: {"Type": "User", "Message": "Function not found: …"} (capital M for this one)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "Message": self.message})


class NotFound(JsonRESTError):
    """404 ``ResourceNotFoundException`` with a message of its own (a policy, a config, a qualifier)."""

    code = 404

    def __init__(self, message: str):
        super().__init__("ResourceNotFoundException", message)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "Message": message})


class ResourceConflict(JsonRESTError):
    """409 ``ResourceConflictException`` (its body spells ``message`` in lower case)."""

    code = 409

    def __init__(self, message: str):
        super().__init__("ResourceConflictException", message)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "message": message})


class TooManyRequests(JsonRESTError):
    """429: the function is at its reserved concurrency (or has none)."""

    code = 429

    def __init__(self, reason: str = "ReservedFunctionConcurrentInvocationLimitExceeded"):
        super().__init__("TooManyRequestsException", "Rate Exceeded.")
        self.reason = reason
        self.description = json.dumps(
            {"__type": self.error_type, "Type": "User", "message": "Rate Exceeded.", "Reason": reason}
        )


class RequestTooLarge(JsonRESTError):
    code = 413

    def __init__(self, message: str):
        super().__init__("RequestEntityTooLargeException", message)


class InvalidRequestContent(JsonRESTError):
    code = 400

    def __init__(self, detail: str, message: str | None = None):
        super().__init__(
            "InvalidRequestContentException",
            message or f"Could not parse request body into json: Could not parse payload into json: {detail}",
        )
        if message is None:
            body = {"__type": self.error_type, "Type": "User", "message": self.message}
            self.description = json.dumps(body)


def invalid_client_context() -> InvalidRequestContent:
    return InvalidRequestContent("", "Client context must be a valid Base64-encoded JSON object.")


class InvalidParameterValue(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValueException", message)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "message": message})


def qualifier_mismatch() -> InvalidParameterValue:
    return InvalidParameterValue(
        "The derived qualifier from the function name does not match the specified qualifier."
    )


class OtherRegion(JsonRESTError):
    """404: a function ARN of another region than the endpoint's."""

    code = 404

    def __init__(self, arn_region: str, region: str) -> None:
        super().__init__(
            "ResourceNotFoundException",
            f"Functions from '{arn_region}' are not reachable in this region ('{region}')",
        )


class RoleNotAssumable(JsonRESTError):
    code = 400

    def __init__(self) -> None:
        super().__init__(
            "InvalidParameterValueException", "The role defined for the function cannot be assumed by Lambda."
        )


def sync_request_too_large() -> RequestTooLarge:
    return RequestTooLarge(
        f"Request must be smaller than {MAX_SYNC_REQUEST_BYTES} bytes for the InvokeFunction operation"
    )


def async_request_too_large(size: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"{size} byte payload is too large for the Event invocation type (limit {MAX_ASYNC_REQUEST_BYTES} bytes)"
    )


# --------------------------------------------------------------------------- platform error documents


def timeout_error(request_id: str, timeout_seconds: float) -> dict:
    return {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds",
    }


_SIGNAL_NAMES = {9: "killed", 11: "segmentation fault", 6: "aborted", 15: "terminated", 7: "bus error", 8: "floating point exception"}


def exit_reason(returncode: int | None) -> str:
    """What the platform says about a runtime process that ended (Go's ``ExitError`` wording)."""
    if returncode is None or returncode == 0:
        return "Runtime exited without providing a reason"
    if returncode < 0:
        name = _SIGNAL_NAMES.get(-returncode, f"signal {-returncode}")
        return f"Runtime exited with error: signal: {name}"
    return f"Runtime exited with error: exit status {returncode}"


def exit_error(request_id: str, returncode: int | None) -> dict:
    return {"errorType": "Runtime.ExitError", "errorMessage": f"RequestId: {request_id} Error: {exit_reason(returncode)}"}


def response_too_large_error() -> dict:
    return {
        "errorMessage": f"Response payload size exceeded maximum allowed payload size ({MAX_RESPONSE_BYTES} bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }
