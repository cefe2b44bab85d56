"""The AWS managed policies a Lambda course attaches, available in every sandbox account.

moto can load all ~1,600 AWS managed policies, but that costs about a second per IAM reset. Learners
only need a handful (``AWSLambdaBasicExecutionRole`` above all), so the sandbox loads just those,
picked out of moto's data without parsing the rest.
"""

from __future__ import annotations

import json
from functools import cache

COURSE_POLICIES = (
    "AWSLambdaBasicExecutionRole",
    "AWSLambdaSQSQueueExecutionRole",
    "AWSLambdaDynamoDBExecutionRole",
    "AWSLambdaKinesisExecutionRole",
    "AWSLambdaVPCAccessExecutionRole",
    "AWSLambdaRole",
    "AWSLambda_ReadOnlyAccess",
    "AWSLambda_FullAccess",
    "AWSXRayDaemonWriteAccess",
    "CloudWatchLogsFullAccess",
    "AmazonS3ReadOnlyAccess",
    "AmazonS3FullAccess",
    "AmazonDynamoDBReadOnlyAccess",
    "AmazonDynamoDBFullAccess",
    "AmazonSQSReadOnlyAccess",
    "AmazonSQSFullAccess",
    "AmazonSNSFullAccess",
    "AmazonEventBridgeFullAccess",
    "AmazonSSMReadOnlyAccess",
    "SecretsManagerReadWrite",
    "ReadOnlyAccess",
    "AdministratorAccess",
)


@cache
def _course_policy_data() -> dict[str, dict]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data as text

    decoder = json.JSONDecoder()
    found = {}
    for name in COURSE_POLICIES:
        key = text.find(f'"{name}":')
        if key >= 0:
            found[name], _ = decoder.raw_decode(text, text.index("{", key))
    return found


def install() -> None:
    """Make moto's IAM backends start with the course's managed policies (idempotent)."""
    from moto import settings
    from moto.iam import models

    if getattr(models.IAMBackend._init_aws_policies, "_workbook", False):
        return
    load_everything = models.IAMBackend._init_aws_policies

    def _init_aws_policies(self):
        if settings.load_iam_aws_managed_policies():
            return load_everything(self)
        return [
            models.AWSManagedPolicy.from_data(name, self.account_id, self.region_name, data)
            for name, data in _course_policy_data().items()
        ]

    _init_aws_policies._workbook = True
    models.IAMBackend._init_aws_policies = _init_aws_policies
