"""Lab 09's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json

import pytest

from workbook import checks
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "09-error-handling"
check = functools.partial(check_step, LAB)
NOT_ATTEMPTED, FAILED, PASSED = checks.Status.NOT_ATTEMPTED, checks.Status.FAILED, checks.Status.PASSED

ORDERS_PY = """
import json
import uuid

import boto3

ledger = boto3.resource("dynamodb").Table("order-ledger")


class PoisonMessage(ValueError):
    pass


def parse_order(body):
    try:
        order = json.loads(body)
    except ValueError:
        raise PoisonMessage("the body is not JSON") from None
    if not isinstance(order, dict) or not isinstance(order.get("order_id"), str):
        raise PoisonMessage("the body has no order_id")
    amount = order.get("amount_cents")
    if type(amount) is not int or amount <= 0:
        raise PoisonMessage(f"amount_cents must be a whole number above zero, not {amount!r}")
    return {"order_id": order["order_id"], "amount_cents": amount}


def charge(order):
    ledger.put_item(Item={"entry_id": str(uuid.uuid4()), **order})
"""

PARTIAL = """
from orders import PoisonMessage, charge, parse_order


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            charge(parse_order(record["body"]))
        except PoisonMessage:
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

# Wrong: the first poison message fails the whole batch.
WHOLE_BATCH = """
from orders import charge, parse_order


def handler(event, context):
    for record in event["Records"]:
        charge(parse_order(record["body"]))
"""

# Right, another way: Powertools' BatchProcessor with a conditional put on the idempotency table.
POWERTOOLS_BATCH_CONDITIONAL = """
import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from orders import charge, parse_order

processor = BatchProcessor(event_type=EventType.SQS)
seen = boto3.client("dynamodb")


def record_handler(record):
    order = parse_order(record.body)
    try:
        seen.put_item(TableName="order-idempotency", Item={"id": {"S": order["order_id"]}},
                      ConditionExpression="attribute_not_exists(id)")
    except seen.exceptions.ConditionalCheckFailedException:
        return
    charge(order)


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                    context=context)
"""

IDEMPOTENT_BY = """
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer, IdempotencyConfig, idempotent_function)

from orders import PoisonMessage, charge, parse_order

persistence = DynamoDBPersistenceLayer(table_name="order-idempotency")
config = IdempotencyConfig(event_key_jmespath="{key}")


@idempotent_function(data_keyword_argument="item", persistence_store=persistence, config=config)
def charge_once(item):
    charge(item["order"])
    return {{}}


def handler(event, context):
    config.register_lambda_context(context)
    failures = []
    for record in event["Records"]:
        try:
            order = parse_order(record["body"])
        except PoisonMessage:
            failures.append({{"itemIdentifier": record["messageId"]}})
            continue
        charge_once(item={{"order_id": order["order_id"], "messageId": record["messageId"], "order": order}})
    return {{"batchItemFailures": failures}}
"""
POWERTOOLS_ONCE = IDEMPOTENT_BY.format(key="order_id")
BY_MESSAGE_ID = IDEMPOTENT_BY.format(key="messageId")  # wrong: a replay is another message

RECEIPT_SENDER_PY = """
import re


def handler(event, context):
    if not re.fullmatch(r"[^@\\s]+@[^@\\s]+\\.[A-Za-z]{2,}", event["email"]):
        raise ValueError("not an e-mail address")
    return {"sent": event["order_id"]}
"""


def arn(sb, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{sb.region}:{sb.account_id}:{resource}"


def given(sb) -> None:
    """The lab's setup cell: queues, tables, roles that may write logs, receipt-sender behind live."""
    sqs, dynamodb, iam, lam = (sb.client(s) for s in ("sqs", "dynamodb", "iam", "lambda"))
    sqs.create_queue(QueueName="orders-queue", Attributes={"VisibilityTimeout": "30"})
    sqs.create_queue(QueueName="receipt-failures")
    for table, key in (("order-ledger", "entry_id"), ("order-idempotency", "id")):
        dynamodb.create_table(TableName=table, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
                              BillingMode="PAY_PER_REQUEST")  # fmt: skip
    create_execution_role(iam, "order-processor-role")
    sender_role = create_execution_role(iam, "receipt-sender-role")
    deploy_function(lam, "receipt-sender", {"app.py": RECEIPT_SENDER_PY}, sender_role)
    version = lam.publish_version(FunctionName="receipt-sender")["Version"]
    lam.create_alias(FunctionName="receipt-sender", Name="live", FunctionVersion=version)


def processor_policy(sb, idempotency: bool = False) -> dict:
    statements = [
        {"Effect": "Allow", "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
         "Resource": arn(sb, "sqs", "orders-queue")},
        {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": arn(sb, "dynamodb", "table/order-ledger")},
    ]  # fmt: skip
    if idempotency:
        statements.append({"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem",
                                                         "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
                           "Resource": arn(sb, "dynamodb", "table/order-idempotency")})  # fmt: skip
    return {"Version": "2012-10-17", "Statement": statements}


def processor(
    sb, source: str = PARTIAL, *, idempotency: bool = False, report: bool = True, policy=None
) -> None:
    """Step 1 (as asked, or not): the role's policy, order-processor deployed, the mapping."""
    iam, lam = sb.client("iam"), sb.client("lambda")
    document = policy or processor_policy(sb, idempotency)
    iam.put_role_policy(
        RoleName="order-processor-role", PolicyName="orders", PolicyDocument=json.dumps(document)
    )
    role = iam.get_role(RoleName="order-processor-role")["Role"]["Arn"]
    deploy_function(lam, "order-processor", {"app.py": source, "orders.py": ORDERS_PY}, role, Timeout=10)
    types = ["ReportBatchItemFailures"] if report else []
    lam.create_event_source_mapping(FunctionName="order-processor", EventSourceArn=arn(sb, "sqs", "orders-queue"),
                                    BatchSize=10, FunctionResponseTypes=types)  # fmt: skip


def redrive(sb, max_receives: int = 3) -> None:
    """Step 2: orders-dlq and the redrive policy."""
    sqs = sb.client("sqs")
    sqs.create_queue(QueueName="orders-dlq")
    policy = {"deadLetterTargetArn": arn(sb, "sqs", "orders-dlq"), "maxReceiveCount": max_receives}
    url = sqs.get_queue_url(QueueName="orders-queue")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json.dumps(policy)})


def on_failure(sb, qualifier: str | None = "live", retries: int = 1) -> None:
    """Step 3: the role may send to receipt-failures; the event invoke config on ``qualifier``."""
    failures = arn(sb, "sqs", "receipt-failures")
    document = {"Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": failures}]}  # fmt: skip
    sb.client("iam").put_role_policy(RoleName="receipt-sender-role", PolicyName="failures",
                                     PolicyDocument=json.dumps(document))  # fmt: skip
    where = {"Qualifier": qualifier} if qualifier else {}
    sb.client("lambda").put_function_event_invoke_config(
        FunctionName="receipt-sender", MaximumRetryAttempts=retries,
        DestinationConfig={"OnFailure": {"Destination": failures}}, **where,
    )  # fmt: skip


@pytest.fixture
def lab_sb(sb):
    given(sb)
    yield sb
    sb.settle(timeout=30)


def test_batch_not_attempted_before_the_function_exists(lab_sb):
    """Does the batch step say 'not done yet' before order-processor exists?"""
    assert check("batch").status == NOT_ATTEMPTED


def test_batch_fails_a_handler_that_fails_the_whole_batch(lab_sb):
    """Does a handler that raises at the first poison message fail, saying the whole batch comes back?"""
    processor(lab_sb, WHOLE_BATCH)
    outcome = check("batch")
    assert outcome.status == FAILED and "whole batch" in outcome.feedback


def test_batch_fails_a_mapping_without_report_batch_item_failures(lab_sb):
    """Does a mapping without ReportBatchItemFailures fail, naming the setting?"""
    processor(lab_sb, report=False)
    outcome = check("batch")
    assert outcome.status == FAILED and "ReportBatchItemFailures" in outcome.feedback


def test_batch_fails_a_role_that_may_read_every_queue(lab_sb):
    """Is an SQS grant on every queue (like AWSLambdaSQSQueueExecutionRole's) too much?"""
    policy = processor_policy(lab_sb)
    policy["Statement"][0]["Resource"] = "*"
    processor(lab_sb, policy=policy)
    outcome = check("batch")
    assert outcome.status == FAILED and "allows more than" in outcome.feedback


@pytest.mark.parametrize("source", [PARTIAL, POWERTOOLS_BATCH_CONDITIONAL], ids=["by-hand", "powertools"])
def test_batch_passes_a_handler_that_reports_its_poison(lab_sb, source):
    """Does a handler that lists only the poison messages pass, by hand or with Powertools' BatchProcessor?"""
    processor(lab_sb, source, idempotency=source is POWERTOOLS_BATCH_CONDITIONAL)
    outcome = check("batch")
    assert outcome.status == PASSED, outcome.feedback
    assert lab_sb.client("dynamodb").scan(TableName="order-ledger")["Items"] == []  # the check cleaned up


def test_dlq_not_attempted_without_a_redrive_policy(lab_sb):
    """Does the DLQ step say 'not done yet' while orders-queue has no redrive policy?"""
    processor(lab_sb)
    assert check("dlq").status == NOT_ATTEMPTED


def test_dlq_fails_another_max_receive_count(lab_sb):
    """Does maxReceiveCount 5, when the step says 3, fail naming it?"""
    processor(lab_sb)
    redrive(lab_sb, max_receives=5)
    outcome = check("dlq")
    assert outcome.status == FAILED and "maxReceiveCount" in outcome.feedback


def test_dlq_passes_when_poison_reaches_it_and_good_orders_are_charged_once(lab_sb):
    """Do the check's poison messages reach orders-dlq and its good orders get charged once, then vanish?"""
    processor(lab_sb)
    redrive(lab_sb)
    outcome = check("dlq")
    assert outcome.status == PASSED, outcome.feedback
    sqs = lab_sb.client("sqs")
    dlq = sqs.get_queue_url(QueueName="orders-dlq")["QueueUrl"]
    assert sqs.receive_message(QueueUrl=dlq).get("Messages", []) == []  # the check took its poison back
    assert lab_sb.client("dynamodb").scan(TableName="order-ledger")["Items"] == []


def test_on_failure_fails_a_config_on_latest(lab_sb):
    """Does an event invoke config on $LATEST fail, saying the shop's events follow live's?"""
    on_failure(lab_sb, qualifier=None)
    outcome = check("on-failure")
    assert outcome.status == FAILED and "Qualifier='live'" in outcome.feedback


def test_on_failure_fails_the_default_retries(lab_sb):
    """Does MaximumRetryAttempts 2 fail, when the step says 1?"""
    on_failure(lab_sb, retries=2)
    outcome = check("on-failure")
    assert outcome.status == FAILED and "MaximumRetryAttempts" in outcome.feedback


def test_on_failure_passes_with_a_record_of_the_checks_event(lab_sb):
    """Does the check's failed event reach receipt-failures after 1 retry, and is its record taken back?"""
    on_failure(lab_sb)
    outcome = check("on-failure")
    assert outcome.status == PASSED, outcome.feedback
    sqs = lab_sb.client("sqs")
    url = sqs.get_queue_url(QueueName="receipt-failures")["QueueUrl"]
    assert sqs.receive_message(QueueUrl=url).get("Messages", []) == []


def test_once_fails_a_handler_that_charges_a_replay_again(lab_sb):
    """Does the step fail a handler without idempotency, and one keyed on the message id?"""
    processor(lab_sb)
    redrive(lab_sb)
    assert check("once").status == FAILED
    processor_update(lab_sb, BY_MESSAGE_ID)
    outcome = check("once")
    assert outcome.status == FAILED and "charged 2 times" in outcome.feedback


@pytest.mark.parametrize(
    "source", [POWERTOOLS_ONCE, POWERTOOLS_BATCH_CONDITIONAL], ids=["powertools", "conditional"]
)
def test_once_passes_an_idempotent_handler(lab_sb, source):
    """Does an order sent twice get charged once, with Powertools' idempotency or a conditional put?"""
    processor(lab_sb, source, idempotency=True)
    redrive(lab_sb)
    outcome = check("once")
    assert outcome.status == PASSED, outcome.feedback


def processor_update(sb, source: str) -> None:
    role = sb.client("iam").get_role(RoleName="order-processor-role")["Role"]["Arn"]
    sb.client("iam").put_role_policy(
        RoleName="order-processor-role",
        PolicyName="orders",
        PolicyDocument=json.dumps(processor_policy(sb, idempotency=True)),
    )
    deploy_function(sb.client("lambda"), "order-processor", {"app.py": source, "orders.py": ORDERS_PY}, role,
                    Timeout=10)  # fmt: skip


def test_dlq_fails_a_handler_that_fails_the_whole_batch(lab_sb):
    """Does a handler that raises for the whole batch fail the DLQ step too, on every run (good orders are
    charged again, or never)?"""
    processor(lab_sb, WHOLE_BATCH)
    redrive(lab_sb)
    outcome = check("dlq")
    assert outcome.status == FAILED and "good order" in outcome.feedback, outcome.feedback
    mapping = lab_sb.client("lambda").list_event_source_mappings(FunctionName="order-processor")
    assert mapping["EventSourceMappings"][0]["State"] in ("Enabled", "Enabling")  # put back as it was


# Wrong: remembers the orders it charged in memory, which a new execution environment forgets.
IN_MEMORY = PARTIAL.replace(
    "def handler(event, context):", "charged = set()\n\n\ndef handler(event, context):"
).replace(
    '            charge(parse_order(record["body"]))',
    '            order = parse_order(record["body"])\n'
    '            if order["order_id"] not in charged:\n'
    "                charge(order)\n"
    '                charged.add(order["order_id"])',
)


def test_once_fails_a_memory_that_a_new_environment_forgets(lab_sb):
    """Does dedup in a global set (lost with its execution environment) fail?"""
    processor(lab_sb, IN_MEMORY)
    outcome = check("once")
    assert outcome.status == FAILED and "charged 2 times" in outcome.feedback, outcome.feedback
    config = lab_sb.client("lambda").get_function_configuration(FunctionName="order-processor")
    assert "CHECK_REPLAY" not in (config.get("Environment") or {}).get("Variables", {})  # put back
