"""Serverless stacks through moto's CloudFormation, as AWS deploys them.

While a runtime is active (every patch calls moto's original otherwise):

* ``AWS::Lambda::Function`` is created with its ``Layers`` and updated through UpdateFunctionConfiguration
  and UpdateFunctionCode (so the next invoke runs the new code), inline ``Code.ZipFile`` included, which
  CloudFormation writes to ``index.py``. moto drops the layers and passes inline code on as if it were a zip.
* ``AWS::Lambda::LayerVersion`` takes its ``LayerName``; ``Ref`` gives the layer version's ARN.
* ``AWS::Lambda::Version``: ``Ref`` gives the version's ARN and ``Fn::GetAtt …Version`` its number.
* ``AWS::Lambda::Alias`` (which moto lacks): created, updated and deleted with the stack, weighted
  ``RoutingConfig`` included. This resource type is known to moto from the first runtime on.
* ``AWS::IAM::Role``: inline ``Policies`` are stored as JSON (moto keeps Python's repr) and
  ``ManagedPolicyArns`` are attached, on create and on update; an update also replaces the trust policy.
* A resource Lambda refuses fails the stack as on AWS instead of failing the API call: the resource is
  ``CREATE_FAILED`` with the handler's message, what was created is deleted and the stack ends
  ``ROLLBACK_COMPLETE``; on update the stack ends ``UPDATE_ROLLBACK_COMPLETE`` (what was already updated
  stays updated: a difference). A function whose name is taken fails as AWS's does.

Example::

    cfn.create_stack(StackName="orders", TemplateBody=TEMPLATE, Capabilities=["CAPABILITY_NAMED_IAM"])
    lam.invoke(FunctionName="orders-api")            # runs the stack's code
"""

from __future__ import annotations

import base64
import contextlib
import json
import uuid

from .moto_patch import active

# What UpdateFunctionConfiguration takes among an AWS::Lambda::Function's properties.
_CONFIGURATION = (
    "Description",
    "Environment",
    "Handler",
    "Layers",
    "MemorySize",
    "Role",
    "Runtime",
    "Timeout",
    "VpcConfig",
    "DeadLetterConfig",
    "TracingConfig",
    "EphemeralStorage",
)
_HANDLER_ERROR_CODES = {400: "InvalidRequest", 404: "NotFound", 409: "AlreadyExists", 413: "InvalidRequest"}


class StackResourceFailed(Exception):
    """A resource of a stack could not be created or updated; ``reason`` is what AWS shows for it."""

    def __init__(self, logical_id: str, resource_type: str, reason: str):
        super().__init__(reason)
        self.logical_id, self.resource_type, self.reason = logical_id, resource_type, reason


def handler_message(error) -> str:
    """The status reason CloudFormation gives for a resource the service refused."""
    status = getattr(error, "code", 400)
    status = status if isinstance(status, int) else 400
    message = getattr(error, "message", None) or str(error)
    return (
        f'Resource handler returned message: "{message} (Service: Lambda, Status Code: {status}, '
        f'Request ID: {uuid.uuid4()})" (RequestToken: {uuid.uuid4()}, '
        f"HandlerErrorCode: {_HANDLER_ERROR_CODES.get(status, 'GeneralServiceException')})"
    )


def install() -> None:
    from moto.awslambda import models

    _patch_function(models)
    _patch_layer_version(models)
    _patch_version(models)
    _register_alias(models)
    _patch_role()
    _patch_stack()


@contextlib.contextmanager
def _refused(logical_id: str, resource_type: str):
    """Turn an API error raised while a stack creates or updates ``logical_id`` into a failed resource."""
    from moto.core.exceptions import ServiceException, _RESTError

    try:
        yield
    except (_RESTError, ServiceException, ValueError) as error:
        if active() is None:
            raise
        if isinstance(error, ValueError) and len(error.args) == 2:  # moto's S3 "NoSuchKey"
            error.message = error.args[1]
        raise StackResourceFailed(logical_id, resource_type, handler_message(error)) from None


def _arns(layers) -> list:
    return [getattr(layer, "arn", layer) for layer in layers]


def _patch_function(models) -> None:
    function_class = models.LambdaFunction
    original_create = function_class.create_from_cloudformation_json.__func__
    original_update = function_class.update_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name, **kw):
        if active() is None:
            return original_create(cls, name, cloudformation_json, account_id, region_name, **kw)
        backend = models.lambda_backends[account_id][region_name]
        logical_id = kw.get("LogicalId", name)
        if name in {fn.function_name for fn in backend.list_functions()}:
            raise StackResourceFailed(
                logical_id,
                "AWS::Lambda::Function",
                f"Resource of type 'AWS::Lambda::Function' with identifier '{name}' already exists.",
            )
        with _refused(logical_id, "AWS::Lambda::Function"):
            fn = original_create(cls, name, cloudformation_json, account_id, region_name, **kw)
            layers = cloudformation_json["Properties"].get("Layers")
            try:
                if layers:
                    backend.update_function_configuration(fn.function_name, None, {"Layers": _arns(layers)})
            except Exception:
                backend.delete_function(fn.function_name)  # the resource failed: nothing of it stays
                raise
        return fn

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        if active() is None:
            return original_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        properties = cloudformation_json["Properties"]
        code = dict(properties.get("Code") or {})
        if isinstance(code.get("ZipFile"), str):
            try:  # moto's create left base64 in the template it keeps; a new template has the source
                base64.b64decode(code["ZipFile"], validate=True)
            except ValueError:
                package = cls._create_zipfile_from_plaintext_code(code["ZipFile"])
                code["ZipFile"] = base64.b64encode(package).decode()
        backend = models.lambda_backends[account_id][region_name]
        name = original_resource.function_name
        configuration = {key: properties[key] for key in _CONFIGURATION if key in properties}
        if "Layers" in configuration:
            configuration["Layers"] = _arns(configuration["Layers"])
        with _refused(getattr(original_resource, "logical_resource_id", name), "AWS::Lambda::Function"):
            if code:
                backend.update_function_code(name, None, code)
            backend.update_function_configuration(name, None, configuration)
        return backend.get_function(name)

    function_class.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    function_class.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)


def _patch_layer_version(models) -> None:
    layer_class = models.LayerVersion
    original_create = layer_class.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name, **kw):
        if active() is not None:  # moto names the layer after the logical id
            name = cloudformation_json["Properties"].get("LayerName") or name
        with _refused(kw.get("LogicalId", name), "AWS::Lambda::LayerVersion"):
            return original_create(cls, name, cloudformation_json, account_id, region_name, **kw)

    def physical_resource_id(self) -> str:
        if active() is None:
            raise AttributeError("physical_resource_id")  # moto's Ref gives the model itself
        return self.arn

    layer_class.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    layer_class.physical_resource_id = property(physical_resource_id)


def _patch_version(models) -> None:
    version_class = models.LambdaVersion
    original_create = version_class.create_from_cloudformation_json.__func__

    def create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name, **kw):
        version = original_create(cls, name, cloudformation_json, account_id, region_name, **kw)
        function = cloudformation_json["Properties"]["FunctionName"]
        version.function_arn = (
            models.lambda_backends[account_id][region_name].get_function(function).function_arn
        )
        return version

    def physical_resource_id(self) -> str:
        if active() is None or not hasattr(self, "function_arn"):
            raise AttributeError("physical_resource_id")
        return f"{self.function_arn}:{self.version}"

    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute_name: str):
        from moto.cloudformation.exceptions import UnformattedGetAttTemplateException

        if attribute_name == "Version":
            return str(self.version)
        if attribute_name == "FunctionArn" and hasattr(self, "function_arn"):
            return self.function_arn
        raise UnformattedGetAttTemplateException()

    version_class.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    version_class.physical_resource_id = property(physical_resource_id)
    version_class.has_cfn_attr = classmethod(has_cfn_attr)
    version_class.get_cfn_attribute = get_cfn_attribute


def _register_alias(models) -> None:
    from moto.core.common_models import CloudFormationModel

    def routing(properties: dict) -> dict | None:
        weights = (properties.get("RoutingConfig") or {}).get("AdditionalVersionWeights")
        if not weights:
            return None
        return {
            "AdditionalVersionWeights": {
                str(w["FunctionVersion"]): float(w["FunctionWeight"]) for w in weights
            }
        }

    class AliasResource(CloudFormationModel):
        """``AWS::Lambda::Alias``: ``Ref`` gives the alias ARN."""

        def __init__(self, alias, function_name: str):
            self.alias, self.function_name = alias, function_name

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::Lambda::Alias"

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr in ("AliasArn",)

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return self.alias.arn

        @property
        def physical_resource_id(self) -> str:
            return self.alias.arn

        @classmethod
        def create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name, **kw):
            properties = cloudformation_json["Properties"]
            backend = models.lambda_backends[account_id][region_name]
            function = properties["FunctionName"]
            with _refused(kw.get("LogicalId", name), "AWS::Lambda::Alias"):
                alias = backend.create_alias(
                    properties.get("Name", name),
                    function,
                    str(properties["FunctionVersion"]),
                    properties.get("Description", ""),
                    routing(properties),
                )
            return cls(alias, function)

        @classmethod
        def update_from_cloudformation_json(
            cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
        ):
            properties = cloudformation_json["Properties"]
            backend = models.lambda_backends[account_id][region_name]
            with _refused(
                getattr(original_resource, "logical_resource_id", new_resource_name), "AWS::Lambda::Alias"
            ):
                alias = backend.update_alias(
                    original_resource.alias.name,
                    original_resource.function_name,
                    str(properties["FunctionVersion"]),
                    properties.get("Description", ""),
                    routing(properties) or {},
                )
            return cls(alias, original_resource.function_name)

        @classmethod
        def delete_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name):
            properties = cloudformation_json["Properties"]
            _delete_alias(account_id, region_name, properties.get("Name", name), properties["FunctionName"])

        def delete(self, account_id: str, region_name: str) -> None:
            _delete_alias(account_id, region_name, self.alias.name, self.function_name)

    def _delete_alias(account_id: str, region_name: str, name: str, function_name: str) -> None:
        backend = models.lambda_backends[account_id][region_name]
        try:
            backend.get_function(function_name)
        except Exception:  # the function is gone, and its aliases with it
            return
        backend.delete_alias(name, function_name)

    _clear_name_types()
    return AliasResource


def _patch_role() -> None:
    from moto.iam.models import Role, iam_backends
    from moto.utilities.utils import get_partition

    original_create = Role.create_from_cloudformation_json.__func__
    original_update = Role.update_from_cloudformation_json.__func__
    original_delete = Role.delete_from_cloudformation_json.__func__

    def as_json(document) -> str:
        return document if isinstance(document, str) else json.dumps(document)

    def apply_policies(role, properties: dict, backend) -> None:
        wanted = {
            policy["PolicyName"]: as_json(policy["PolicyDocument"])
            for policy in properties.get("Policies") or []
        }
        for name in set(role.policies) - set(wanted):
            role.delete_policy(name)
        for name, document in wanted.items():
            backend.put_role_policy(role.name, name, document)
        arns = set(properties.get("ManagedPolicyArns") or [])
        for arn in set(role.managed_policies) - arns:
            backend.detach_role_policy(arn, role.name)
        for arn in arns - set(role.managed_policies):
            backend.attach_role_policy(arn, role.name)

    def create_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name, **kw):
        if active() is None:
            return original_create(cls, name, cloudformation_json, account_id, region_name, **kw)
        properties = dict(cloudformation_json["Properties"])
        policies = properties.pop("Policies", None)
        role = original_create(
            cls, name, {**cloudformation_json, "Properties": properties}, account_id, region_name, **kw
        )
        backend = iam_backends[account_id][get_partition(region_name)]
        apply_policies(role, {**properties, "Policies": policies}, backend)
        return role

    def update_from_cloudformation_json(
        cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
    ):
        if active() is None:
            return original_update(
                cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name
            )
        properties = cloudformation_json["Properties"]
        backend = iam_backends[account_id][get_partition(region_name)]
        role = original_resource
        if "AssumeRolePolicyDocument" in properties:
            backend.update_assume_role_policy(role.name, as_json(properties["AssumeRolePolicyDocument"]))
        if "Description" in properties:
            role.description = properties["Description"]
        apply_policies(role, properties, backend)
        return role

    def delete_from_cloudformation_json(cls, name, cloudformation_json, account_id, region_name):
        if active() is not None:  # CloudFormation detaches the managed policies it attached
            backend = iam_backends[account_id][get_partition(region_name)]
            role = next((role for role in backend.roles.values() if role.name == name), None)
            for arn in list(role.managed_policies) if role is not None else []:
                backend.detach_role_policy(arn, role.name)
        return original_delete(cls, name, cloudformation_json, account_id, region_name)

    Role.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)
    Role.update_from_cloudformation_json = classmethod(update_from_cloudformation_json)
    Role.delete_from_cloudformation_json = classmethod(delete_from_cloudformation_json)


def _patch_stack() -> None:
    from moto.cloudformation.models import Event, Stack

    original_create = Stack.create_resources
    original_update = Stack.update

    def resource_event(stack, failure: StackResourceFailed, status: str) -> None:
        stack.events.append(
            Event(
                stack_id=stack.stack_id,
                stack_name=stack.name,
                logical_resource_id=failure.logical_id,
                physical_resource_id="",
                resource_type=failure.resource_type,
                resource_status=status,
                resource_status_reason=failure.reason,
                resource_properties=None,
            )
        )

    def create_resources(self) -> None:
        try:
            return original_create(self)
        except StackResourceFailed as failure:
            resource_event(self, failure, "CREATE_FAILED")
            reason = f"The following resource(s) failed to create: [{failure.logical_id}]. "
            self.status = "ROLLBACK_IN_PROGRESS"
            self._add_stack_event(
                "ROLLBACK_IN_PROGRESS", resource_status_reason=reason + "Rollback requested by user."
            )
            try:
                self.resource_map.delete()
            except Exception:  # noqa: BLE001 - what cannot be deleted stays, as a failed rollback leaves it
                pass
            self.status = "ROLLBACK_COMPLETE"
            self._add_stack_event("ROLLBACK_COMPLETE")

    def update(self, *args, **kwargs) -> None:
        try:
            return original_update(self, *args, **kwargs)
        except StackResourceFailed as failure:
            resource_event(self, failure, "UPDATE_FAILED")
            reason = f"The following resource(s) failed to update: [{failure.logical_id}]. "
            self._add_stack_event("UPDATE_ROLLBACK_IN_PROGRESS", resource_status_reason=reason)
            self.status = "UPDATE_ROLLBACK_COMPLETE"
            self._add_stack_event("UPDATE_ROLLBACK_COMPLETE")

    Stack.create_resources = create_resources
    Stack.update = update


def _clear_name_types() -> None:
    """moto caches which resource types exist and their name properties: forget them after a change."""
    from moto.cloudformation import parsing

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()
