"""Put/Get/Update/Delete/ListFunctionEventInvokeConfigs, as Lambda answers them.

An *event invoke config* says how the asynchronous queue treats a function's events: how many times
a failed event is retried (``MaximumRetryAttempts``, 0–2, default 2), how old an event may grow
before it is given up (``MaximumEventAgeInSeconds``, 60–21600, default 21600 = 6 hours), and where
records of finished events go (``DestinationConfig``: ``OnSuccess`` and ``OnFailure``).

There is one per function version or alias (``$LATEST``, ``1``, ``live`` …), named by ``FunctionName``
(name, ``name:qualifier``, full or partial ARN) and ``Qualifier``. ``Put`` replaces the whole config,
``Update`` changes only the settings it names. moto keeps one config per function whatever the
qualifier, appends on every put and merges nothing: while a runtime is active, these operations are
answered here instead, with AWS's validation and error messages.

Example::

    lam.put_function_event_invoke_config(FunctionName="orders", Qualifier="live",
                                          MaximumRetryAttempts=0,
                                          DestinationConfig={"OnFailure": {"Destination": queue_arn}})
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

from . import errors
from .errors import NotFound

DEFAULT_RETRIES = 2
DEFAULT_MAX_AGE = 21600  # seconds: 6 hours

# The pattern AWS names when a destination is not an ARN (as its validation message prints it).
DESTINATION_PATTERN = (
    r"$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:"
    r"((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)"
)
_DESTINATION_RE = re.compile(DESTINATION_PATTERN)
_AT_MOST = "Member must have value less than or equal to"
_AT_LEAST = "Member must have value greater than or equal to"
_SUCCESS_SERVICES = ("sqs", "sns", "lambda", "events")
_FAILURE_SERVICES = ("sqs", "sns", "lambda", "events", "s3")

_lock = threading.Lock()


class Validation(JsonRESTError):
    code = 400

    def __init__(self, value, member: str, constraint: str):
        super().__init__(
            "ValidationException",
            f"1 validation error detected: Value '{value}' at '{member}' "
            f"failed to satisfy constraint: {constraint}",
        )


FUNCTION_MISSING = "The function doesn't exist."


@dataclasses.dataclass
class EventInvokeConfig:
    """One version's or alias' settings (None: not set, the default applies)."""

    function_arn: str  # qualified: …:function:name:$LATEST, …:name:1, …:name:live
    last_modified: float
    maximum_retry_attempts: int | None = None
    maximum_event_age: int | None = None
    on_success: str | None = None
    on_failure: str | None = None

    @property
    def retries(self) -> int:
        return DEFAULT_RETRIES if self.maximum_retry_attempts is None else self.maximum_retry_attempts

    @property
    def max_age(self) -> int:
        return DEFAULT_MAX_AGE if self.maximum_event_age is None else self.maximum_event_age

    def response(self) -> dict:
        """The config as the API returns it (also what moto's own Get reads)."""
        body: dict = {"LastModified": self.last_modified, "FunctionArn": self.function_arn}
        if self.maximum_retry_attempts is not None:
            body["MaximumRetryAttempts"] = self.maximum_retry_attempts
        if self.maximum_event_age is not None:
            body["MaximumEventAgeInSeconds"] = self.maximum_event_age
        body["DestinationConfig"] = {
            "OnSuccess": {"Destination": self.on_success} if self.on_success else {},
            "OnFailure": {"Destination": self.on_failure} if self.on_failure else {},
        }
        return body


DEFAULTS = EventInvokeConfig(function_arn="", last_modified=0.0)


# ---------------------------------------------------------------- where configs live


def _store(backend) -> dict[str, EventInvokeConfig]:
    """The configs of one moto Lambda backend, by qualified function ARN (gone with a reset)."""
    store = backend.__dict__.get("_workbook_event_invoke_configs")
    if store is None:
        with _lock:
            store = backend.__dict__.setdefault("_workbook_event_invoke_configs", {})
    return store


def lookup(backend, function_name: str, qualifier: str | None) -> EventInvokeConfig:
    """The config an event invoked as ``function_name[:qualifier]`` runs under (defaults when none)."""
    arn = _qualified_arn(backend, function_name, qualifier or "$LATEST")
    return _store(backend).get(arn, DEFAULTS)


def forget(backend, function_name: str, qualifier: str | None = None) -> None:
    """Drop the configs of a deleted function (every qualifier) or of one deleted version/alias."""
    store = _store(backend)
    base = _qualified_arn(backend, function_name, "")[:-1]
    for arn in list(store):
        name_and_qualifier = arn[len(base) + 1 :] if arn.startswith(base + ":") else None
        if name_and_qualifier is None:
            continue
        if qualifier is None or name_and_qualifier == qualifier:
            store.pop(arn, None)


def _qualified_arn(backend, function_name: str, qualifier: str) -> str:
    return f"arn:aws:lambda:{backend.region_name}:{backend.account_id}:function:{function_name}:{qualifier}"


# ---------------------------------------------------------------- the API


def _target(response, path_parts: int) -> tuple[str, str, str]:
    """(function name, qualifier, qualified ARN) a request names; the function must exist."""
    from .invoke import split_function_name

    raw = unquote(response.path.rsplit("/", path_parts)[1])
    query_qualifier = response.querystring.get("Qualifier", [None])[0] or None
    name, qualifier = split_function_name(raw, query_qualifier)
    if query_qualifier and qualifier != query_qualifier:
        raise errors.qualifier_mismatch()
    if raw.startswith("arn:"):
        arn_region = raw.split(":")[3]
        if arn_region and arn_region != response.region:
            raise errors.OtherRegion(arn_region, response.region)
    qualifier = qualifier or "$LATEST"
    return name, qualifier, _qualified_arn(response.backend, name, qualifier)


def _exists(backend, name: str, qualifier: str) -> bool:
    from moto.awslambda.exceptions import UnknownFunctionException

    try:
        if qualifier == "$LATEST" or qualifier.isdigit():
            return backend.get_function(name, qualifier) is not None
        backend.get_function(name)
        backend.get_alias(qualifier, name)
        return True
    except (UnknownFunctionException, JsonRESTError):
        return False
    except Exception:  # moto raises a few other errors for unknown aliases and versions
        return False


def _settings(backend, name: str, body: dict, partial: bool) -> dict:
    """The settings a Put or Update request gives, checked as AWS checks them."""
    settings: dict = {}
    if "MaximumRetryAttempts" in body and body["MaximumRetryAttempts"] is not None:
        value = int(body["MaximumRetryAttempts"])
        if value > 2:
            raise Validation(value, "maximumRetryAttempts", f"{_AT_MOST} 2")
        if value < 0:
            raise Validation(value, "maximumRetryAttempts", f"{_AT_LEAST} 0")
        settings["maximum_retry_attempts"] = value
    if "MaximumEventAgeInSeconds" in body and body["MaximumEventAgeInSeconds"] is not None:
        value = int(body["MaximumEventAgeInSeconds"])
        if value > DEFAULT_MAX_AGE:
            raise Validation(value, "maximumEventAgeInSeconds", f"{_AT_MOST} 21600")
        if value < 60:
            raise Validation(value, "maximumEventAgeInSeconds", f"{_AT_LEAST} 60")
        settings["maximum_event_age"] = value
    destinations = body.get("DestinationConfig")
    if destinations is not None:
        on_success = (destinations.get("OnSuccess") or {}).get("Destination") or None
        on_failure = (destinations.get("OnFailure") or {}).get("Destination") or None
        for member, arn in (("onSuccess", on_success), ("onFailure", on_failure)):
            if arn is not None and not _DESTINATION_RE.fullmatch(arn):
                raise Validation(arn, f"destinationConfig.{member}.destination",
                                 f"Member must satisfy regular expression pattern: {DESTINATION_PATTERN}")
        for arn, services in ((on_success, _SUCCESS_SERVICES), (on_failure, _FAILURE_SERVICES)):
            if arn is not None and arn.split(":")[2] not in services:
                shown = _java_destination_config(on_success, on_failure)
                raise errors.InvalidParameterValue(f"The provided destination config {shown} is invalid.")
        for arn in (on_success, on_failure):
            if arn is not None and arn.split(":")[2] == "lambda":
                _check_lambda_destination(backend, name, arn)
        if "OnSuccess" in destinations or not partial:
            settings["on_success"] = on_success
        if "OnFailure" in destinations or not partial:
            settings["on_failure"] = on_failure
    if not settings and not partial:
        raise errors.InvalidParameterValue(
            "You must specify at least one of error handling or destination setting."
        )
    return settings


def _java_destination_config(on_success: str | None, on_failure: str | None) -> str:
    success = f"OnSuccess(destination={on_success})" if on_success else "null"
    failure = f"OnFailure(destination={on_failure})" if on_failure else "null"
    return f"DestinationConfig(onSuccess={success}, onFailure={failure})"


def _check_lambda_destination(backend, name: str, arn: str) -> None:
    from .invoke import split_function_name

    target, qualifier = split_function_name(arn, None)
    if target == name:
        raise errors.InvalidParameterValue("You can't specify the function as a destination for itself.")
    if not _exists(backend, target, qualifier or "$LATEST"):
        raise errors.InvalidParameterValue(f"The destination ARN {arn} is invalid.")


def _no_config(arn: str) -> NotFound:
    return NotFound(f"The function {arn} doesn't have an EventInvokeConfig")


def put(response):
    body = response.json_body or {}
    name, qualifier, arn = _target(response, 2)
    # The settings first: AWS refuses a request without any before it looks the function up.
    settings = _settings(response.backend, name, body, partial=False)
    if not _exists(response.backend, name, qualifier):
        raise NotFound(FUNCTION_MISSING)
    config = EventInvokeConfig(function_arn=arn, last_modified=time.time(), **settings)
    _store(response.backend)[arn] = config
    return 200, {"status": 200, "content-type": "application/json"}, json.dumps(config.response())


def update(response):
    body = response.json_body or {}
    name, qualifier, arn = _target(response, 2)
    if not _exists(response.backend, name, qualifier):
        raise NotFound(FUNCTION_MISSING)
    settings = _settings(response.backend, name, body, partial=True)
    store = _store(response.backend)
    current = store.get(arn)
    if current is None:
        raise _no_config(arn)
    config = dataclasses.replace(current, last_modified=time.time(), **settings)
    store[arn] = config
    return 200, {"status": 200, "content-type": "application/json"}, json.dumps(config.response())


def get(response):
    _, _, arn = _target(response, 2)
    config = _store(response.backend).get(arn)
    if config is None:
        raise _no_config(arn)
    return 200, {"status": 200, "content-type": "application/json"}, json.dumps(config.response())


def delete(response):
    _, _, arn = _target(response, 2)
    if _store(response.backend).pop(arn, None) is None:
        raise _no_config(arn)
    return 204, {"status": 204}, ""


def list_configs(response):
    from .invoke import split_function_name

    raw = unquote(response.path.rsplit("/", 3)[1])
    name, _ = split_function_name(raw, None)
    if not _exists(response.backend, name, "$LATEST"):
        raise NotFound(FUNCTION_MISSING)
    prefix = _qualified_arn(response.backend, name, "")
    found = [config for arn, config in _store(response.backend).items() if arn.startswith(prefix)]
    found.sort(key=lambda config: _order(config.function_arn[len(prefix) :]))
    start = int(response.querystring.get("Marker", ["0"])[0] or 0)
    limit = int(response.querystring.get("MaxItems", ["50"])[0] or 50)
    page = found[start : start + limit]
    body: dict = {"FunctionEventInvokeConfigs": [config.response() for config in page]}
    if start + limit < len(found):
        body["NextMarker"] = str(start + limit)
    return 200, {"status": 200, "content-type": "application/json"}, json.dumps(body)


def _order(qualifier: str) -> tuple:
    if qualifier == "$LATEST":
        return (0, 0, "")
    if qualifier.isdigit():
        return (1, int(qualifier), "")
    return (2, 0, qualifier)

