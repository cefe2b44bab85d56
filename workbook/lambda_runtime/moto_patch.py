"""Where the runtime plugs into moto (the control plane stays moto's).

* ``LambdaResponse.invoke`` — the Invoke API (qualifiers, alias routing, invocation types, errors).
* ``LambdaFunction.invoke`` — what other services call (SQS and stream event sources …).
* ``LambdaSimpleBackend.invoke`` — moto's non-executing backend, used under ``use_docker: False``.
* ``LambdaBackend.delete_function`` / ``delete_alias`` — a deleted function's environments shut down,
  and its event invoke configs go with it.
* moto's response request-id generator keeps the id the runtime chose (``RequestId`` == ``aws_request_id``).
* ``LambdaBackend.create_alias`` / ``update_alias`` — AWS's weighted-routing validation (:mod:`.aliases`).
* ``LambdaResponse.add_permission`` / ``get_policy`` / ``remove_permission`` — a policy per version and
  alias, named by ``Qualifier`` or in ``FunctionName`` (:mod:`.function_policy`).
* ``LambdaBackend.delete_function`` / ``update_function_*`` — a version an alias uses cannot be deleted,
  a published version cannot be changed (:mod:`.versions`).
* ``LambdaResponse.*_function_event_invoke_config(s)`` — per version and alias, Put replaces and
  Update merges, with AWS's validation (:mod:`.event_invoke_config`).
* ``DeadLetterConfig`` — kept by CreateFunction/UpdateFunctionConfiguration (moto drops it), shown by
  GetFunctionConfiguration, locked into a version when it is published; the execution role must be
  allowed to send to it, as AWS checks.
* CreateFunction, UpdateFunctionCode, PublishLayerVersion — a package that is not a zip is refused
  (:mod:`.packages`), and so is one over AWS's size limits, more than 5 layers, or environment variables
  over 4 KB or with reserved keys (:mod:`.limits`, UpdateFunctionConfiguration too); code from S3 gives
  AWS's error when the object is missing and uses the ``S3ObjectVersion`` asked for.
* CloudFormation's Lambda and IAM resources behave as AWS deploys them (:mod:`.cloudformation`).

The patches are installed once and stay; while no runtime is active every one of them calls moto's
original, so moto behaves exactly as it does without the workbook.
"""

from __future__ import annotations

import contextlib
import functools
import json
import threading

import wrapt

_lock = threading.Lock()
_installed = False
_runtimes: list = []  # active runtimes, most recent last


def once(install):
    """Make ``install`` (a function that patches moto) run only the first time it is called, from any thread.

    Example::

        @moto_patch.once
        def install():
            models.LambdaBackend.create_alias = create_alias
    """
    lock = threading.Lock()
    done = False

    @functools.wraps(install)
    def install_once() -> None:
        nonlocal done
        with lock:
            if done:
                return
            done = True
        install()

    return install_once


def active():
    return _runtimes[-1] if _runtimes else None


def activate(runtime) -> None:
    install_patches()
    with _lock:
        _runtimes.append(runtime)


def deactivate(runtime) -> None:
    with _lock:
        if runtime in _runtimes:
            _runtimes.remove(runtime)


@contextlib.contextmanager
def suspended():
    """No runtime is active inside the block, so moto answers as plain moto; they come back after it.

    Example::

        with moto_patch.suspended():
            ...   # what a moto test without the workbook would see
    """
    with _lock:
        running = list(_runtimes)
        _runtimes.clear()
    try:
        yield
    finally:
        with _lock:
            _runtimes[:0] = running


def install_patches() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        _installed = True
    import moto.core.responses as core_responses
    from moto.awslambda import models, responses
    from moto.awslambda_simple import models as simple_models

    from . import aliases, event_invoke_config, invoke

    aliases.install()  # alias checks (on while a runtime is active)
    original_api_invoke = responses.LambdaResponse.invoke

    def api_invoke(self):
        runtime = active()
        if runtime is None:
            return original_api_invoke(self)
        return invoke.handle(runtime, self)

    responses.LambdaResponse.invoke = api_invoke

    original_function_invoke = models.LambdaFunction.invoke

    def function_invoke(self, body, request_headers, response_headers):
        runtime = active()
        if runtime is None:
            return original_function_invoke(self, body, request_headers, response_headers)
        payload = body.encode() if isinstance(body, str) else (body or b"{}")
        try:
            outcome = runtime.execute(self, payload, self.function_arn)
        except Exception as exc:  # throttled, or the role cannot be assumed
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps({"errorType": type(exc).__name__, "errorMessage": str(exc)}).encode()
        if outcome.function_error:
            response_headers["x-amz-function-error"] = "Unhandled"
        response_headers["x-amz-executed-version"] = outcome.version
        return outcome.payload

    models.LambdaFunction.invoke = function_invoke

    original_simple_invoke = simple_models.LambdaSimpleBackend.invoke

    def simple_invoke(self, function_name, qualifier, body, headers, response_headers):
        if active() is None:
            return original_simple_invoke(self, function_name, qualifier, body, headers, response_headers)
        return self.get_function(function_name, qualifier).invoke(body, headers, response_headers)

    simple_models.LambdaSimpleBackend.invoke = simple_invoke

    original_delete = models.LambdaBackend.delete_function

    def delete_function(self, function_name, qualifier=None):
        from .invoke import split_function_name

        original_delete(self, function_name, qualifier)
        runtime = active()
        if runtime is not None:
            name, qualifier = split_function_name(function_name, qualifier)
            runtime.pool.retire((self.account_id, self.region_name, name), qualifier)
            event_invoke_config.forget(self, name, qualifier)

    models.LambdaBackend.delete_function = delete_function

    original_delete_alias = models.LambdaBackend.delete_alias

    def delete_alias(self, name, function_name):
        original_delete_alias(self, name, function_name)
        if active() is not None:
            event_invoke_config.forget(self, function_name, name)

    models.LambdaBackend.delete_alias = delete_alias

    _patch_event_invoke_config(responses.LambdaResponse)
    _patch_dead_letter_config(models)
    _patch_packages(models)
    from . import cloudformation, function_policy, versions

    # moto's CloudFormation imports every service's models (seconds): patch it when a stack first needs it
    wrapt.register_post_import_hook(lambda _module: cloudformation.install(), "moto.cloudformation.models")
    function_policy.install()  # a resource-based policy per version and alias
    versions.install()  # published versions unchangeable; a version an alias uses stays

    original_request_id = core_responses.gen_amzn_requestid_long

    def request_id(headerdict=None):
        if isinstance(headerdict, dict) and headerdict.get("x-amzn-requestid"):
            return headerdict["x-amzn-requestid"]
        return original_request_id(headerdict)

    core_responses.gen_amzn_requestid_long = request_id


def _patch_event_invoke_config(response_class) -> None:
    from . import event_invoke_config

    for operation, ours in (
        ("put_function_event_invoke_config", event_invoke_config.put),
        ("update_function_event_invoke_config", event_invoke_config.update),
        ("get_function_event_invoke_config", event_invoke_config.get),
        ("delete_function_event_invoke_config", event_invoke_config.delete),
        ("list_function_event_invoke_configs", event_invoke_config.list_configs),
    ):
        original = getattr(response_class, operation)

        def operation_handler(self, _original=original, _ours=ours):
            if active() is None:
                return _original(self)
            return _ours(self)

        setattr(response_class, operation, operation_handler)


# The moto function object carries its dead-letter target in this attribute: a published version is a
# copy of $LATEST, so it keeps the target $LATEST had when it was published.
DEAD_LETTER_ATTRIBUTE = "_workbook_dead_letter_target"


def _patch_dead_letter_config(models) -> None:
    from . import destinations, iam

    function_class = models.LambdaFunction
    backend_class = models.LambdaBackend
    original_init = function_class.__init__
    original_update_configuration = function_class.update_configuration
    original_get_configuration = function_class.get_configuration
    original_create = backend_class.create_function
    original_update = backend_class.update_function_configuration

    def init(self, account_id, spec, region, version=1):
        original_init(self, account_id, spec, region, version)
        setattr(self, DEAD_LETTER_ATTRIBUTE, _target(spec))

    def update_configuration(self, config_updates):
        if "DeadLetterConfig" in config_updates:
            setattr(self, DEAD_LETTER_ATTRIBUTE, _target(config_updates))
        return original_update_configuration(self, config_updates)

    def get_configuration(self, *args, **kwargs):
        config = original_get_configuration(self, *args, **kwargs)
        target = getattr(self, DEAD_LETTER_ATTRIBUTE, None)
        if target and active() is not None:
            config["DeadLetterConfig"] = {"TargetArn": target}
        return config

    def require_dead_letter_permission(backend, role_arn, target) -> None:
        if not target or not role_arn:
            return
        try:
            iam.check_role_assumable(backend.account_id, backend.region_name, role_arn)
        except iam.RoleCannotBeAssumed:
            return  # the role check answers first, with its own error
        service = target.split(":")[2] if target.count(":") >= 5 else ""
        action, api = {"sqs": ("sqs:SendMessage", "SendMessage on SQS"),
                       "sns": ("sns:Publish", "Publish on SNS")}.get(service, (None, None))
        if action is None:
            from .errors import InvalidParameterValue

            raise InvalidParameterValue(
                f"The provided target arn {target} is invalid: a dead-letter queue is an SQS queue or an "
                "SNS topic."
            )
        if not destinations.role_allows(backend.account_id, backend.region_name, role_arn, action, target):
            from .errors import InvalidParameterValue

            raise InvalidParameterValue(
                f"The provided execution role does not have permissions to call {api}"
            )

    def create_function(self, spec):
        if active() is not None:
            require_dead_letter_permission(self, spec.get("Role"), _target(spec))
        return original_create(self, spec)

    def update_function_configuration(self, function_name, qualifier, body):
        if active() is not None and _target(body):
            role = body.get("Role") or self.get_function(function_name, qualifier).role
            require_dead_letter_permission(self, role, _target(body))
        return original_update(self, function_name, qualifier, body)

    function_class.__init__ = init
    function_class.update_configuration = update_configuration
    function_class.get_configuration = get_configuration
    backend_class.create_function = create_function
    backend_class.update_function_configuration = update_function_configuration


def _target(spec: dict) -> str | None:
    return ((spec or {}).get("DeadLetterConfig") or {}).get("TargetArn") or None


def _patch_packages(models) -> None:
    from . import limits, packages

    backend_class = models.LambdaBackend
    original_create = backend_class.create_function
    original_update_code = backend_class.update_function_code
    original_update_configuration = backend_class.update_function_configuration
    original_publish_layer = backend_class.publish_layer_version

    def layers_size(backend, arns) -> int:
        versions = [backend.layers_versions_by_arn(arn if isinstance(arn, str) else arn.get("Arn"))
                    for arn in arns or ()]
        return sum(limits.unzipped_size(version.code_bytes) for version in versions if version is not None)

    def create_function(self, spec):
        if active() is None:
            return original_create(self, spec)
        code = spec.get("Code")
        limits.check_upload("CreateFunction", spec, code)
        data = packages.uploaded_bytes(code, self.account_id)
        packages.require_zip(data)
        limits.check_layer_count(spec.get("Layers"))
        limits.check_env((spec.get("Environment") or {}).get("Variables"))
        limits.check_function_size(limits.unzipped_size(data), layers_size(self, spec.get("Layers")))
        fn = original_create(self, spec)
        packages.use_s3_version(fn, code, self.account_id)
        return fn

    def update_function_code(self, function_name, qualifier, body):
        if active() is None:
            return original_update_code(self, function_name, qualifier, body)
        limits.check_upload("UpdateFunctionCode", body, body)
        data = packages.uploaded_bytes(body, self.account_id)
        packages.require_zip(data)
        fn = self.get_function(function_name, qualifier)
        limits.check_function_size(limits.unzipped_size(data), layers_size(self, fn.layers))
        result = original_update_code(self, function_name, qualifier, body)
        if body.get("S3ObjectVersion") and body.get("ZipFile") is None:
            fn = self.get_function(function_name, qualifier)
            packages.use_s3_version(fn, body, self.account_id)
            return fn.get_configuration()
        return result

    def update_function_configuration(self, function_name, qualifier, body):
        if active() is not None:
            limits.check_layer_count(body.get("Layers"))
            limits.check_env((body.get("Environment") or {}).get("Variables"))
            if body.get("Layers"):
                fn = self.get_function(function_name, qualifier)
                code_size = limits.unzipped_size(getattr(fn, "code_bytes", b""))
                limits.check_layers_fit(code_size, layers_size(self, body["Layers"]))
        return original_update_configuration(self, function_name, qualifier, body)

    def publish_layer_version(self, spec):
        if active() is None:
            return original_publish_layer(self, spec)
        content = spec.get("Content")
        limits.check_upload("PublishLayerVersion", spec, content)
        data = packages.uploaded_bytes(content, self.account_id)
        packages.require_zip(data)
        limits.check_layer_size(limits.unzipped_size(data))
        layer_version = original_publish_layer(self, spec)
        packages.use_s3_version(layer_version, content, self.account_id)
        return layer_version

    backend_class.create_function = create_function
    backend_class.update_function_code = update_function_code
    backend_class.update_function_configuration = update_function_configuration
    backend_class.publish_layer_version = publish_layer_version
