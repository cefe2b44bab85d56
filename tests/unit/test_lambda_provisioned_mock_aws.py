"""Provisioned concurrency under plain `mock_aws` (moto in-process, no server)."""

from __future__ import annotations

import io
import json
import zipfile

import boto3
from moto import mock_aws

from workbook.deploy import LAMBDA_TRUST_POLICY
from workbook.lambda_runtime import provisioned


def test_put_and_get_work_in_process(monkeypatch):
    """Do the new operations answer plain boto3 under mock_aws too?"""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIATESTTESTTESTTEST")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setattr(provisioned, "allocation_probe", None)
    provisioned.install()
    with mock_aws():
        role = boto3.client("iam", region_name="us-east-1").create_role(
            RoleName="r", AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST_POLICY)
        )["Role"]["Arn"]
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("app.py", "def handler(event, context):\n    return event\n")
        lam = boto3.client("lambda", region_name="us-east-1")
        lam.create_function(
            FunctionName="fn", Runtime="python3.12", Role=role, Handler="app.handler",
            Code={"ZipFile": buffer.getvalue()}, Publish=True,
        )
        lam.put_provisioned_concurrency_config(FunctionName="fn", Qualifier="1", ProvisionedConcurrentExecutions=1)
        config = lam.get_provisioned_concurrency_config(FunctionName="fn", Qualifier="1")
        assert (config["RequestedProvisionedConcurrentExecutions"], config["Status"]) == (1, "READY")
