"""Alias validation moto leaves out: weighted routing rules and AWS's error for an existing alias.

``CreateAlias`` and ``UpdateAlias`` check ``RoutingConfig.AdditionalVersionWeights`` as Lambda does
(one additional version at most, weights between 0.0 and 1.0, numeric keys, not the alias' own
version, not with ``$LATEST``, the version must exist), with AWS's error codes and messages.
A second alias with the same name is a ``ResourceConflictException`` (moto says ``ConflictException``,
which boto3 cannot map to ``lam.exceptions.ResourceConflictException``).

They apply while a runtime is active (the sandbox, ``lambda_runtime.activate()``); without one, moto
answers as it always does.
"""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError

from .errors import ResourceConflict
from .moto_patch import once


_WEIGHT_CONSTRAINT = (
    "failed to satisfy constraint: Map value must satisfy constraint: "
    "[Member must have value less than or equal to 1.0, "
    "Member must have value greater than or equal to 0.0, Member must not be null]"
)
_KEY_CONSTRAINT = (
    "failed to satisfy constraint: Map keys must satisfy constraint: "
    "[Member must have length less than or equal to 1024, "
    "Member must have length greater than or equal to 1, "
    "Member must satisfy regular expression pattern: [0-9]+]"
)


class InvalidParameterValue(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("InvalidParameterValueException", message)
        self.description = json.dumps({"__type": self.error_type, "Type": "User", "message": message})


class Validation(JsonRESTError):
    code = 400

    def __init__(self, message: str):
        super().__init__("ValidationException", message)


def _weights(routing_config) -> dict:
    if isinstance(routing_config, str):
        try:
            routing_config = json.loads(routing_config)
        except ValueError:
            return {}
    return dict((routing_config or {}).get("AdditionalVersionWeights") or {})


def weighted_versions(routing_config) -> set[str]:
    """The versions a ``RoutingConfig`` sends weighted traffic to (``{"2"}`` for ``{"2": 0.1}``)."""
    return {str(version) for version in _weights(routing_config)}


def _java_double(value) -> str:
    """How the Lambda API echoes a weight in a validation message (``2`` -> ``2.0``)."""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return str(value)


def validate_routing(backend, function_name: str, function_version: str | None, routing_config) -> None:
    """Raise the error AWS gives for an invalid ``RoutingConfig`` (nothing for a valid or empty one)."""
    weights = _weights(routing_config)
    if not weights:
        return
    if len(weights) > 1:
        raise InvalidParameterValue("Number of items in AdditionalVersionWeights cannot be greater than 1")
    version = str(function_version or "$LATEST")
    for key, value in weights.items():
        key = str(key)
        shown = f"Value '{{{key}={_java_double(value)}}}' at 'routingConfig.additionalVersionWeights'"
        try:
            weight = float(value)
        except (TypeError, ValueError):
            weight = -1.0
        if not 0.0 <= weight <= 1.0:
            raise Validation(f"1 validation error detected: {shown} {_WEIGHT_CONSTRAINT}")
        if key == version:
            raise InvalidParameterValue(
                f"Invalid function version {version}. "
                f"Function version {version} is already included in routing configuration."
            )
        if version == "$LATEST":
            raise InvalidParameterValue(
                "$LATEST is not supported for an alias pointing to more than 1 version"
            )
        if not key.isdigit():
            raise Validation(f"1 validation error detected: {shown} {_KEY_CONSTRAINT}")
        backend.get_function(function_name, key)  # 404 Function not found: …:<key>


@once
def install() -> None:
    from moto.awslambda import exceptions, models

    from .moto_patch import active

    backend_class = models.LambdaBackend
    original_create = backend_class.create_alias
    original_update = backend_class.update_alias

    def create_alias(self, name, function_name, function_version, description, routing_config):
        if active() is None:
            return original_create(self, name, function_name, function_version, description, routing_config)
        self.get_function(function_name, function_version)  # unknown function or version: 404 first
        validate_routing(self, function_name, function_version, routing_config)
        try:
            return original_create(self, name, function_name, function_version, description, routing_config)
        except exceptions.ConflictException as exc:
            raise ResourceConflict(exc.message) from None

    def update_alias(self, name, function_name, function_version, description, routing_config):
        if routing_config is not None and active() is not None:
            alias = self.get_alias(name, function_name)  # an unknown alias: 404 first
            version = function_version or alias.function_version
            validate_routing(self, function_name, version, routing_config)
        return original_update(self, name, function_name, function_version, description, routing_config)

    backend_class.create_alias = create_alias
    backend_class.update_alias = update_alias
