"""Deployments of HTTP APIs: what a stage serves (moto keeps no deployments of API Gateway v2 APIs).

As on AWS, a stage with ``AutoDeploy`` serves the API as it is now (every change is deployed at once); any
other stage serves the deployment it points at (``CreateDeployment`` with ``StageName``, ``CreateStage`` or
``UpdateStage`` with ``DeploymentId``), a snapshot of the routes and integrations taken when it was made, and
answers 404 until it has one. Added to moto while a runtime is active: ``CreateDeployment``,
``GetDeployment(s)``, ``DeleteDeployment`` and ``UpdateStage``; ``DeploymentId`` kept on stages.

Example::

    apigw.create_stage(ApiId=api_id, StageName="prod")                 # 404 until deployed
    apigw.create_deployment(ApiId=api_id, StageName="prod")            # prod serves today's routes
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
import string
from datetime import UTC, datetime
from urllib.parse import unquote

from moto.core.exceptions import JsonRESTError

_DEPLOYMENTS = "_workbook_deployments"  # attribute of a moto Api: deployment id -> Deployment
_ROUTES = {
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$": None,
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$": None,
}


@dataclasses.dataclass
class Deployment:
    """One deployment: the route table it froze, and what GetDeployment answers."""

    deployment_id: str
    description: str | None
    created: str
    table: object  # http_api.RouteTable

    def to_json(self) -> dict:
        answer = {"autoDeployed": False, "createdDate": self.created, "deploymentId": self.deployment_id,
                  "deploymentStatus": "DEPLOYED"}
        if self.description:
            answer["description"] = self.description
        return answer


class NotFound(JsonRESTError):
    code = 404

    def __init__(self, message: str):
        super().__init__("NotFoundException", message)
        self.description = json.dumps({"message": message})


def deployments_of(api) -> dict[str, Deployment]:
    deployments = getattr(api, _DEPLOYMENTS, None)
    if deployments is None:
        deployments = {}
        setattr(api, _DEPLOYMENTS, deployments)
    return deployments


def deployed_table(api, deployment_id: str | None):
    """The route table the deployment froze, or None."""
    deployment = deployments_of(api).get(deployment_id) if deployment_id else None
    return deployment.table if deployment is not None else None


def _new_id() -> str:
    return "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6))


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def create(backend, api_id: str, description: str | None, stage_name: str | None) -> Deployment:
    from . import http_api

    api = backend.get_api(api_id)
    if stage_name and stage_name not in api.stages:
        raise NotFound(f"Invalid stage identifier specified: {stage_name}")
    deployment = Deployment(_new_id(), description, _now(), http_api.build_table(api))
    deployments_of(api)[deployment.deployment_id] = deployment
    if stage_name:
        api.stages[stage_name].deployment_id = deployment.deployment_id
        http_api.changed(backend.account_id, backend.region_name, api_id)
    return deployment


def install(models, responses, urls) -> None:
    """Add the deployment operations and ``UpdateStage`` to moto's apigatewayv2 (once, from http_api)."""
    from workbook.lambda_runtime import moto_patch

    from . import http_api

    for route in _ROUTES:
        urls.url_paths.setdefault(route, responses.ApiGatewayV2Response.dispatch)

    original_init = models.Stage.__init__
    original_to_json = models.Stage.to_json

    @functools.wraps(original_init)
    def stage_init(self, api, config):
        original_init(self, api, config)
        self.deployment_id = config.get("deploymentId")

    @functools.wraps(original_to_json)
    def stage_to_json(self):
        answer = original_to_json(self)
        if getattr(self, "deployment_id", None):
            answer["deploymentId"] = self.deployment_id
        return answer

    models.Stage.__init__ = stage_init
    models.Stage.to_json = stage_to_json

    def api_id_of(response) -> str:
        return unquote(response.path.split("/v2/apis/", 1)[1].split("/", 1)[0])

    def create_deployment(self):
        params = json.loads(self.body or "{}")
        deployment = create(self.apigatewayv2_backend, api_id_of(self), params.get("description"),
                            params.get("stageName"))
        return 201, {}, json.dumps(deployment.to_json())

    def get_deployments(self):
        api = self.apigatewayv2_backend.get_api(api_id_of(self))
        return 200, {}, json.dumps({"items": [d.to_json() for d in deployments_of(api).values()]})

    def get_deployment(self):
        api = self.apigatewayv2_backend.get_api(api_id_of(self))
        deployment = deployments_of(api).get(unquote(self.path.rstrip("/").rsplit("/", 1)[1]))
        if deployment is None:
            raise NotFound("Invalid Deployment identifier specified")
        return 200, {}, json.dumps(deployment.to_json())

    def delete_deployment(self):
        api = self.apigatewayv2_backend.get_api(api_id_of(self))
        if deployments_of(api).pop(unquote(self.path.rstrip("/").rsplit("/", 1)[1]), None) is None:
            raise NotFound("Invalid Deployment identifier specified")
        return 204, {}, ""

    def update_stage(self):
        api_id = api_id_of(self)
        stage = self.apigatewayv2_backend.get_stage(api_id, unquote(self.path.rstrip("/").rsplit("/", 1)[1]))
        params = json.loads(self.body or "{}")
        if "autoDeploy" in params:
            stage.auto_deploy = params["autoDeploy"]
        if "deploymentId" in params:
            api = self.apigatewayv2_backend.get_api(api_id)
            if params["deploymentId"] not in deployments_of(api):
                raise NotFound("Invalid Deployment identifier specified")
            stage.deployment_id = params["deploymentId"]
        for key, attribute in (("stageVariables", "stage_variables"), ("description", "description"),
                               ("defaultRouteSettings", "default_route_settings"),
                               ("routeSettings", "route_settings"),
                               ("accessLogSettings", "access_log_settings")):
            if key in params:
                setattr(stage, attribute, params[key])
        stage.updated = datetime.now()
        http_api.changed(self.apigatewayv2_backend.account_id, self.apigatewayv2_backend.region_name, api_id)
        return 200, {}, json.dumps(stage.to_json())

    for name, method in (("create_deployment", create_deployment), ("get_deployments", get_deployments),
                         ("get_deployment", get_deployment), ("delete_deployment", delete_deployment),
                         ("update_stage", update_stage)):
        existing = getattr(responses.ApiGatewayV2Response, name, None)

        def operation(self, _ours=method, _existing=existing):
            if moto_patch.active() is None and _existing is not None:
                return _existing(self)
            return _ours(self)

        setattr(responses.ApiGatewayV2Response, name, operation)
