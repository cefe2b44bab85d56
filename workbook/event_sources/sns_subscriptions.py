"""SNS subscriptions with protocol ``lambda``: the event SNS sends, asynchronously.

SNS invokes the function asynchronously for each message that passes the subscription's filter
policy, when the function's resource-based policy lets ``sns.amazonaws.com`` invoke it for the topic
(``AddPermission`` with ``SourceArn`` = the topic's ARN). Without that permission the delivery fails
and the message is lost for this subscription, as on AWS. ``Publish`` returns at once.

Example::

    lam.add_permission(FunctionName="notify", StatementId="sns", Action="lambda:InvokeFunction",
                       Principal="sns.amazonaws.com", SourceArn=topic_arn)
    sns.subscribe(TopicArn=topic_arn, Protocol="lambda", Endpoint=function_arn)
    sns.publish(TopicArn=topic_arn, Message="hello")
"""

from __future__ import annotations

import base64
import hashlib
import os

from workbook.lambda_runtime import clock

SERVICE = "sns.amazonaws.com"


def sns_event(subscription_arn: str, topic_arn: str, message_id: str, message: str, subject: str | None,
              message_attributes: dict | None, region: str) -> dict:
    """The event a Lambda subscriber receives (``Records[0].Sns``), in AWS's key order.

    ``message_attributes`` are SNS's own form: ``{"name": {"Type": "String", "Value": "…"}}``.
    """
    certificate = hashlib.sha256(region.encode()).hexdigest()[:32]
    return {
        "Records": [
            {
                "EventVersion": "1.0",
                "EventSubscriptionArn": subscription_arn,
                "EventSource": "aws:sns",
                "Sns": {
                    "SignatureVersion": "1",
                    "Timestamp": clock.iso_millis(),
                    "Signature": base64.b64encode(os.urandom(128)).decode(),
                    "SigningCertUrl": f"https://sns.{region}.amazonaws.com/SimpleNotificationService-{certificate}.pem",
                    "MessageId": message_id,
                    "Message": message,
                    "MessageAttributes": {
                        name: {"Type": value.get("Type", "String"), "Value": value.get("Value")}
                        for name, value in (message_attributes or {}).items()
                    },
                    "Type": "Notification",
                    "UnsubscribeUrl": (
                        f"https://sns.{region}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn={subscription_arn}"
                    ),
                    "TopicArn": topic_arn,
                    "Subject": subject,
                },
            }
        ]
    }
