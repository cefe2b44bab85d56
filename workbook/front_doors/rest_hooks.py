"""Where REST APIs plug into moto (installed with the other front doors by :mod:`.moto_hooks`).

While a runtime is active:

* a new ``RestAPI`` (``create_rest_api``, ``import_rest_api``, CloudFormation) gets its listener;
* ``RestAPI.create_deployment`` keeps a snapshot of the resources, methods and integrations on the
  deployment (a stage serves its deployment, not the API's current state), and a deployment to an
  existing stage keeps that stage's variables and settings, as AWS does (moto starts a new stage);
* ``delete_rest_api`` closes the API's listener;
* ``binaryMediaTypes`` given to ``create_rest_api`` are kept, and ``update_rest_api``'s
  ``add``/``remove`` of ``/binaryMediaTypes/image~1png`` name the type in the path, as AWS reads them
  (moto drops the first and reads the second from ``value``).

Without an active runtime every patch calls moto's original only.
"""

from __future__ import annotations

import functools
import json

from workbook.lambda_runtime.moto_patch import once



def _active() -> bool:
    from workbook.lambda_runtime import moto_patch

    return moto_patch.active() is not None


@once
def install() -> None:
    """Patch moto once (idempotent)."""
    from moto.apigateway.models import APIGatewayBackend, RestAPI
    from moto.apigateway.responses import APIGatewayResponse

    from . import rest_api

    original_init = RestAPI.__init__

    @functools.wraps(original_init)
    def init(self, api_id, account_id, region_name, *args, **kwargs):
        original_init(self, api_id, account_id, region_name, *args, **kwargs)
        if _active():
            rest_api.open_door(account_id, region_name, api_id)

    RestAPI.__init__ = init

    original_deploy = RestAPI.create_deployment

    @functools.wraps(original_deploy)
    def create_deployment(self, name, description, stage_variables=None):
        if not _active():
            return original_deploy(self, name, description, stage_variables)
        previous = self.stages.get(name) if name else None
        deployment = original_deploy(self, name, description, stage_variables)
        deployment.workbook_deployed = rest_api.snapshot(self)
        if previous is not None and name in self.stages and self.stages[name] is not previous:
            previous.variables = {**(previous.variables or {}), **(stage_variables or {})}
            previous.deployment_id = deployment.id
            self.stages[name] = previous
        rest_api.open_door(self.account_id, self.region_name, self.id)
        return deployment

    RestAPI.create_deployment = create_deployment

    original_delete = APIGatewayBackend.delete_rest_api

    @functools.wraps(original_delete)
    def delete_rest_api(self, function_id):
        api = original_delete(self, function_id)
        if _active():
            rest_api.close_door(self.account_id, self.region_name, function_id)
        return api

    APIGatewayBackend.delete_rest_api = delete_rest_api

    original_create = APIGatewayResponse.create_rest_api

    @functools.wraps(original_create)
    def create_rest_api(self):
        status, headers, body = original_create(self)
        types = self._get_param("binaryMediaTypes")
        if not _active() or status != 200 or not types:
            return status, headers, body
        api = self.backend.get_rest_api(json.loads(body)["id"])
        api.binaryMediaTypes = [str(t) for t in types]
        return status, headers, json.dumps(api.to_dict())

    APIGatewayResponse.create_rest_api = create_rest_api

    original_patch = RestAPI.apply_patch_operations

    @functools.wraps(original_patch)
    def apply_patch_operations(self, patch_operations):
        if not _active():
            return original_patch(self, patch_operations)
        others = []
        for operation in patch_operations:
            path = str(operation.get("path", ""))
            if path.startswith("/binaryMediaTypes/") and operation.get("op") in ("add", "remove"):
                media_type = path[len("/binaryMediaTypes/"):].replace("~1", "/").replace("~0", "~")
                if operation["op"] == "add" and media_type not in self.binaryMediaTypes:
                    self.binaryMediaTypes.append(media_type)
                elif operation["op"] == "remove" and media_type in self.binaryMediaTypes:
                    self.binaryMediaTypes.remove(media_type)
            else:
                others.append(operation)
        return original_patch(self, others)

    RestAPI.apply_patch_operations = apply_patch_operations
