"""The policy engine shared by the sandbox's services.

:mod:`.resource_policy` evaluates resource-based policies — who may invoke a Lambda function — with
their ``Principal`` and ``Condition`` blocks (``aws:SourceArn``, ``aws:SourceAccount`` …), the way AWS
decides whether S3, SNS or EventBridge may call a function.

The rest is shared by every kind of policy: :mod:`.conditions` decides ``Condition`` blocks (one evaluator
for identity and resource-based policies), :mod:`.policy` identity policies with permissions boundaries
and the statement that decided, :mod:`.principals` the ``Principal`` element, and :mod:`.call_log` the
access log of handler calls (``sb.access_log()``) with :func:`.call_log.least_privilege_policy`.

Example::

    from workbook.iam import resource_policy
    resource_policy.allows(statements, service="s3.amazonaws.com", action="lambda:InvokeFunction",
                           resource=function_arn, context={"aws:SourceArn": "arn:aws:s3:::photos"})
"""
