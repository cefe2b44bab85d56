"""Where the front doors plug into moto: the only module of this package that patches moto.

Installed once by :func:`workbook.front_doors.attach`; while no runtime is active every patch calls
moto's original (or, for operations moto lacks, answers as moto would: not found), so plain moto
behaves as it always did.

* ``LambdaResponse.*_function_url_config`` and ``list_function_url_configs`` (a route moto lacks) —
  :mod:`.function_urls` keeps the configs (``Qualifier`` for aliases, AWS's errors) and their listeners;
* ``LambdaBackend.delete_function`` / ``delete_alias`` — a deleted function's or alias' URL stops answering;
* moto's Lambda policy parser — ``AddPermission``'s ``FunctionUrlAuthType`` and ``InvokedViaFunctionUrl``
  become the ``Condition`` AWS writes (``lambda:FunctionUrlAuthType``, ``lambda:InvokedViaFunctionUrl``);
* ``ApiGatewayV2Backend`` — :mod:`.http_api` serves HTTP APIs (``ApiEndpoint`` is the loopback URL,
  quick create with ``Target``, route tables refreshed when routes, integrations or stages change);
* ``RestAPI`` / ``APIGatewayBackend`` — :mod:`.rest_hooks` serves REST APIs.

The API Gateway patches are installed when moto first imports those models.
"""

from __future__ import annotations

import functools

import wrapt

from workbook.lambda_runtime.moto_patch import once

_URLS_ROUTE = r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/urls/?$"


def _runtime():
    from workbook.lambda_runtime import moto_patch

    return moto_patch.active()


@once
def install() -> None:
    """Patch moto once (idempotent)."""
    _patch_function_url_api()
    _patch_deletions()
    _patch_policy_conditions()
    # moto's API Gateway models take a second to import (OpenAPI validation): patch them when moto first
    # needs them, not at sandbox start.
    wrapt.register_post_import_hook(_install_http_api, "moto.apigatewayv2.models")
    wrapt.register_post_import_hook(_install_rest_api, "moto.apigateway.models")


def _install_http_api(_module) -> None:
    from . import http_api

    http_api.install_hooks()


def _install_rest_api(_module) -> None:
    from . import rest_hooks

    rest_hooks.install()


def _patch_function_url_api() -> None:
    from moto.awslambda import responses, urls

    from . import function_urls

    urls.url_paths.setdefault(_URLS_ROUTE, responses.LambdaResponse.dispatch)
    for operation, ours in (
        ("create_function_url_config", function_urls.create),
        ("get_function_url_config", function_urls.get),
        ("update_function_url_config", function_urls.update),
        ("delete_function_url_config", function_urls.delete),
    ):
        original = getattr(responses.LambdaResponse, operation)

        def operation_handler(self, _original=original, _ours=ours):
            if _runtime() is None:
                return _original(self)
            return _ours(self)

        setattr(responses.LambdaResponse, operation, operation_handler)

    def list_function_url_configs(self):
        return function_urls.list_configs(self)

    responses.LambdaResponse.list_function_url_configs = list_function_url_configs


def _patch_deletions() -> None:
    from moto.awslambda.models import LambdaBackend

    from . import function_urls

    original_delete = LambdaBackend.delete_function
    original_delete_alias = LambdaBackend.delete_alias

    @functools.wraps(original_delete)
    def delete_function(self, function_name, qualifier=None):
        original_delete(self, function_name, qualifier)
        if _runtime() is not None:
            from workbook.lambda_runtime.invoke import split_function_name

            name, qualifier = split_function_name(function_name, qualifier)
            if not qualifier or qualifier == "$LATEST":
                function_urls.forget(self.account_id, self.region_name, name)

    @functools.wraps(original_delete_alias)
    def delete_alias(self, name, function_name):
        original_delete_alias(self, name, function_name)
        if _runtime() is not None:
            function_urls.forget(self.account_id, self.region_name, function_name, name)

    LambdaBackend.delete_function = delete_function
    LambdaBackend.delete_alias = delete_alias


def _patch_policy_conditions() -> None:
    from moto.awslambda.policy import Policy

    original = Policy.decode_policy

    @functools.wraps(original)
    def decode_policy(self, obj):
        auth_type = obj.pop("FunctionUrlAuthType", None) if isinstance(obj, dict) else None
        via_url = obj.pop("InvokedViaFunctionUrl", None) if isinstance(obj, dict) else None
        policy = original(self, obj)
        condition = None
        if auth_type is not None:
            condition = {"StringEquals": {"lambda:FunctionUrlAuthType": auth_type}}
        if via_url is not None:
            condition = condition or {}
            via = "true" if via_url in (True, "true") else "false"
            condition["Bool"] = {"lambda:InvokedViaFunctionUrl": via}
        if condition is not None:
            merged = obj.setdefault("Condition", {})
            for operator, pairs in condition.items():
                merged.setdefault(operator, {}).update(pairs)
        return policy

    Policy.decode_policy = decode_policy
