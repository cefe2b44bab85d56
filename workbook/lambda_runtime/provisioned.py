"""Provisioned concurrency: the four Lambda API operations moto does not have.

``PutProvisionedConcurrencyConfig``, ``GetProvisionedConcurrencyConfig``,
``DeleteProvisionedConcurrencyConfig`` and ``ListProvisionedConcurrencyConfigs`` become plain boto3
calls against the sandbox (and under ``mock_aws``). The configurations live in moto's Lambda
backend, so a sandbox reset forgets them.

The runtime hooks in through two module attributes:

* ``listeners`` — each is called as ``listener(account_id, region, function_name, qualifier,
  resolved_version, count)`` when a configuration is put (``count`` environments wanted) or goes
  away (``count`` 0). Called in the request's thread: keep it quick.
* ``allocation_probe`` — ``(account_id, region, function_name, qualifier) -> int``, how many
  environments are initialised for that configuration. It decides the Status Get/List report.

Example::

    lam.put_provisioned_concurrency_config(FunctionName="orders", Qualifier="live",
                                           ProvisionedConcurrentExecutions=2)
    lam.get_provisioned_concurrency_config(FunctionName="orders", Qualifier="live")["Status"]
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import unquote

from moto.awslambda.exceptions import InvalidParameterValueException, LambdaClientError

API_PATH = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"
MAX_ITEMS = 50

listeners: list = []
allocation_probe = None

log = logging.getLogger(__name__)
_lock = threading.RLock()
_installed = False


@dataclass
class ProvisionedConfig:
    """One configuration: how many environments were asked for on a version or alias."""

    function_name: str
    qualifier: str
    requested: int
    last_modified: str


class ProvisionedConcurrencyConfigNotFound(LambdaClientError):
    code = 404

    def __init__(self) -> None:
        super().__init__(
            "ProvisionedConcurrencyConfigNotFoundException",
            "No Provisioned Concurrency Config found for this function",
        )


class ResourceConflict(LambdaClientError):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


class ValidationError(LambdaClientError):
    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", "1 validation error detected: " + message)


# ---------------------------------------------------------------- the store, per backend


def _store(backend) -> dict[tuple[str, str], ProvisionedConfig]:
    # Lives on moto's Lambda backend object, which moto replaces on reset.
    return backend.__dict__.setdefault("_workbook_provisioned_concurrency", {})


def _backend(account_id: str, region: str):
    from moto.awslambda.utils import get_backend

    return get_backend(account_id, region)


def configs(account_id: str, region: str) -> list[ProvisionedConfig]:
    """Every provisioned-concurrency configuration of one account and region."""
    with _lock:
        return list(_store(_backend(account_id, region)).values())


def _lambda_date() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "+0000")


def _qualified_arn(backend, function_name: str, qualifier: str) -> str:
    return f"arn:aws:lambda:{backend.region_name}:{backend.account_id}:function:{function_name}:{qualifier}"


# ---------------------------------------------------------------- the operations


def _resolve(backend, function_name_or_arn: str, qualifier: str | None, latest_message: str):
    """The function's name and the version the qualifier stands for; API errors as AWS raises them."""
    if not qualifier:
        raise ValidationError(
            "Value null at 'qualifier' failed to satisfy constraint: Member must not be null"
        )
    function_name = backend.get_function(function_name_or_arn).function_name
    if qualifier == "$LATEST":
        raise InvalidParameterValueException(latest_message)
    if qualifier.isdigit():
        return function_name, str(backend.get_function(function_name, qualifier).version)
    version = backend.get_alias(qualifier, function_name).function_version
    if version == "$LATEST":
        raise InvalidParameterValueException(PUT_ON_LATEST)
    return function_name, str(version)


PUT_ON_LATEST = "Provisioned Concurrency Configs cannot be applied to unpublished function versions."
NOT_ALIAS_OR_VERSION = "The function resource provided must be an alias or a published version."


def _status(backend, config: ProvisionedConfig) -> dict:
    probe = allocation_probe
    if probe is None:  # nothing to wait for: no runtime prepares environments
        allocated = config.requested
    else:
        ready = probe(backend.account_id, backend.region_name, config.function_name, config.qualifier)
        allocated = min(int(ready), config.requested)
    return {
        "RequestedProvisionedConcurrentExecutions": config.requested,
        "AvailableProvisionedConcurrentExecutions": allocated,
        "AllocatedProvisionedConcurrentExecutions": allocated,
        "Status": "READY" if allocated >= config.requested else "IN_PROGRESS",
        "LastModified": config.last_modified,
    }


def put(backend, function_name_or_arn: str, qualifier: str | None, count) -> dict:
    """PutProvisionedConcurrencyConfig."""
    if not isinstance(count, int) or count < 1:
        raise ValidationError(
            f"Value '{count}' at 'provisionedConcurrentExecutions' failed to satisfy constraint: "
            "Member must have value greater than or equal to 1"
        )
    function_name, version = _resolve(backend, function_name_or_arn, qualifier, PUT_ON_LATEST)
    with _lock:
        store = _store(backend)
        for (name, other), _ in store.items():
            if name != function_name or other == qualifier:
                continue
            if not qualifier.isdigit() and other == version:
                raise ResourceConflict(
                    "Alias can't be used for Provisioned Concurrency configuration "
                    "on an already Provisioned version"
                )
            pointed_at = not other.isdigit() and _alias_version(backend, name, other) == version
            if qualifier.isdigit() and pointed_at:
                raise ResourceConflict("Version is pointed by a Provisioned Concurrency alias")
        config = ProvisionedConfig(function_name, qualifier, count, _lambda_date())
        store[(function_name, qualifier)] = config
    _notify(backend, function_name, qualifier, version, count)
    return {
        "RequestedProvisionedConcurrentExecutions": count,
        "AvailableProvisionedConcurrentExecutions": 0,
        "AllocatedProvisionedConcurrentExecutions": 0,
        "Status": "IN_PROGRESS",
        "LastModified": config.last_modified,
    }


def get(backend, function_name_or_arn: str, qualifier: str | None) -> dict:
    """GetProvisionedConcurrencyConfig."""
    function_name, _ = _resolve(backend, function_name_or_arn, qualifier, NOT_ALIAS_OR_VERSION)
    with _lock:
        config = _store(backend).get((function_name, qualifier))
    if config is None:
        raise ProvisionedConcurrencyConfigNotFound()
    return _status(backend, config)


def delete(backend, function_name_or_arn: str, qualifier: str | None) -> None:
    """DeleteProvisionedConcurrencyConfig: deleting a configuration that is not there is not an error."""
    function_name, version = _resolve(backend, function_name_or_arn, qualifier, NOT_ALIAS_OR_VERSION)
    with _lock:
        removed = _store(backend).pop((function_name, qualifier), None)
    if removed is not None:
        _notify(backend, function_name, qualifier, version, 0)


def list_configs(backend, function_name_or_arn: str, marker: str | None, max_items: int | None) -> dict:
    """ListProvisionedConcurrencyConfigs, ordered by qualifier; Marker is the qualifier to start at."""
    function_name = backend.get_function(function_name_or_arn).function_name
    with _lock:
        mine = sorted((c for c in _store(backend).values() if c.function_name == function_name),
                      key=lambda c: c.qualifier)
    if marker:
        mine = [c for c in mine if c.qualifier >= marker]
    page_size = max_items or MAX_ITEMS
    items = [
        {"FunctionArn": _qualified_arn(backend, c.function_name, c.qualifier), **_status(backend, c)}
        for c in mine[:page_size]
    ]
    result = {"ProvisionedConcurrencyConfigs": items}
    if len(mine) > page_size:
        result["NextMarker"] = mine[page_size].qualifier
    return result


def _alias_version(backend, function_name: str, alias: str) -> str | None:
    try:
        return str(backend.get_alias(alias, function_name).function_version)
    except Exception:
        return None


def _notify(backend, function_name: str, qualifier: str, version: str, count: int) -> None:
    for listener in list(listeners):
        try:
            listener(backend.account_id, backend.region_name, function_name, qualifier, version, count)
        except Exception:
            log.exception("provisioned-concurrency listener %r failed", listener)


def _forget(backend, function_name: str, qualifiers=None) -> None:
    """Drop configurations whose version or alias went away, telling the listeners."""
    with _lock:
        store = _store(backend)
        gone = [k for k in store if k[0] == function_name and (qualifiers is None or k[1] in qualifiers)]
        versions = {key: (key[1] if key[1].isdigit() else _alias_version(backend, *key)) for key in gone}
        for key in gone:
            del store[key]
    for key in gone:
        _notify(backend, function_name, key[1], versions[key] or "", 0)


# ---------------------------------------------------------------- wiring into moto


class _Operations:
    """Methods added to moto's LambdaResponse; moto calls them by operation name."""

    def put_provisioned_concurrency_config(self):
        body = json.loads(self.body or "{}")
        result = put(self.backend, self._pc_function_name(), self._pc_qualifier(),
                     body.get("ProvisionedConcurrentExecutions"))
        return 202, {"status": 202}, json.dumps(result)

    def get_provisioned_concurrency_config(self):
        return 200, {}, json.dumps(get(self.backend, self._pc_function_name(), self._pc_qualifier()))

    def delete_provisioned_concurrency_config(self):
        delete(self.backend, self._pc_function_name(), self._pc_qualifier())
        return 204, {"status": 204}, ""

    def list_provisioned_concurrency_configs(self):
        max_items = self.querystring.get("MaxItems", [None])[0]
        marker = self.querystring.get("Marker", [None])[0]
        max_items = int(max_items) if max_items else None
        result = list_configs(self.backend, self._pc_function_name(), marker, max_items)
        return 200, {}, json.dumps(result)

    def _pc_function_name(self) -> str:
        return unquote(self.path.rstrip("/").split("/")[-2])

    def _pc_qualifier(self) -> str | None:
        return self.querystring.get("Qualifier", [None])[0]


def install() -> None:
    """Teach moto the four operations (idempotent). Call before the sandbox's first Lambda request."""
    global _installed
    with _lock:
        if _installed:
            return
        from moto.awslambda import urls
        from moto.awslambda.models import LambdaBackend
        from moto.awslambda.responses import LambdaResponse

        urls.url_paths.setdefault(API_PATH, LambdaResponse.dispatch)
        for name, member in vars(_Operations).items():
            if callable(member) and not name.startswith("__"):
                setattr(LambdaResponse, name, member)
        _wrap_deletions(LambdaBackend)
        _installed = True


def _wrap_deletions(LambdaBackend) -> None:
    original_delete_function = LambdaBackend.delete_function
    original_delete_alias = LambdaBackend.delete_alias
    original_update_alias = LambdaBackend.update_alias

    def delete_function(self, function_name, qualifier=None):
        try:
            name = self.get_function(function_name).function_name
        except Exception:
            name = None
        original_delete_function(self, function_name, qualifier)
        if name is not None:
            _forget(self, name, None if qualifier is None else {str(qualifier)})

    def delete_alias(self, name, function_name):
        try:
            canonical = self.get_function(function_name).function_name
        except Exception:
            canonical = None
        if canonical is not None:
            _forget(self, canonical, {name})
        original_delete_alias(self, name, function_name)

    def update_alias(self, name, function_name, *args, **kwargs):
        alias = original_update_alias(self, name, function_name, *args, **kwargs)
        with _lock:
            config = _store(self).get((self.get_function(function_name).function_name, name))
        if config is not None:  # the alias now points elsewhere: that version needs the environments
            _notify(self, config.function_name, name, str(alias.function_version), config.requested)
        return alias

    LambdaBackend.delete_function = delete_function
    LambdaBackend.delete_alias = delete_alias
    LambdaBackend.update_alias = update_alias


# Importing the module is enough to get the routes: the runtime imports it while the sandbox starts,
# before moto's server builds its Lambda routes on the first Lambda request.
install()
