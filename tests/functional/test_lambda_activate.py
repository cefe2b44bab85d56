"""lambda_runtime.activate(): real handlers inside a plain moto ``mock_aws()`` block."""

import json

import boto3
from moto import mock_aws

from workbook import lambda_runtime

from .lambda_helpers import TRUST_POLICY, make_zip


def test_activate_runs_handlers_inside_mock_aws(moto_env):
    """With `with mock_aws(), lambda_runtime.activate():`, does invoke run the handler and can it call moto?"""
    with mock_aws(), lambda_runtime.activate():
        iam = boto3.client("iam", region_name="us-east-1")
        role = iam.create_role(RoleName="exec", AssumeRolePolicyDocument=json.dumps(TRUST_POLICY))["Role"]["Arn"]
        iam.put_role_policy(
            RoleName="exec",
            PolicyName="s3",
            PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
            ),
        )
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="inbox")
        lam = boto3.client("lambda", region_name="us-east-1")
        lam.create_function(
            FunctionName="lister",
            Runtime="python3.12",
            Role=role,
            Handler="handler.handler",
            Code={
                "ZipFile": make_zip(
                    "import boto3\ndef handler(event, context):\n"
                    "    return [b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']]\n"
                )
            },
        )
        response = lam.invoke(FunctionName="lister")
        assert json.loads(response["Payload"].read()) == ["inbox"]
        assert response["ExecutedVersion"] == "$LATEST"
