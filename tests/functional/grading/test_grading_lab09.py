"""Lab 09 graded as an instructor would: the usual mistakes of error handling, and pipelines written differently."""

from __future__ import annotations

import pytest

from .submissions import Submission, feedback, statuses

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

LAB = "09-error-handling"
ALL_PASSED = {"batch": "passed", "dlq": "passed", "on-failure": "passed", "once": "passed"}
STEP_1 = "lam.create_event_source_mapping("
STEP_2 = 'QueueName="orders-dlq"'
STEP_3 = "put_function_event_invoke_config("
STEP_4 = "DynamoDBPersistenceLayer"

REPORTED = """        try:
            {call}
        except PoisonMessage as error:
            print(f"poison message {{record['messageId']}}: {{error}}")
            failures.append({{"itemIdentifier": record["messageId"]}})"""
CHARGE = 'charge(parse_order(record["body"]))'
CHARGE_ONCE = 'charge_once(order=parse_order(record["body"]))'

# Right, written differently: Powertools' BatchProcessor, one policy per statement, the DLQ's ARN built by hand and
# maxReceiveCount as a string, the event invoke config named by "receipt-sender:live" and set in two calls, a
# conditional put into order-idempotency instead of Powertools' idempotency, and the sandbox's time scale at 600.
BATCH_PROCESSOR = '''
PROCESSOR_PY = """
import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from orders import charge, parse_order

processor = BatchProcessor(event_type=EventType.SQS)


def record_handler(record):
    charge(parse_order(record.body))


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
"""

queue_policy = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ConsumeOrders", "Effect": "Allow", "Resource": [QUEUE_ARN],
    "Action": ["sqs:GetQueueAttributes", "sqs:ReceiveMessage", "sqs:DeleteMessage"]}]}
ledger_policy = {"Version": "2012-10-17", "Statement": [{
    "Sid": "Charge", "Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": [LEDGER_ARN]}]}
iam.put_role_policy(RoleName="order-processor-role", PolicyName="queue", PolicyDocument=json.dumps(queue_policy))
iam.put_role_policy(RoleName="order-processor-role", PolicyName="ledger", PolicyDocument=json.dumps(ledger_policy))
deploy_function(lam, "order-processor", {"app.py": PROCESSOR_PY, "orders.py": ORDERS_PY}, PROCESSOR_ROLE_ARN,
                Timeout=10)
lam.create_event_source_mapping(FunctionName=lam.get_function(FunctionName="order-processor")["Configuration"]["FunctionArn"],
                                EventSourceArn=QUEUE_ARN, BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"],
                                Enabled=True)
'''

REDRIVE_BY_HAND = """
DLQ_URL = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
redrive = '{"maxReceiveCount": "3", "deadLetterTargetArn": "arn:aws:sqs:%s:%s:orders-dlq"}' % (REGION, ACCOUNT)
sqs.set_queue_attributes(QueueUrl=QUEUE_URL, Attributes={"RedrivePolicy": redrive})
"""

CONFIG_IN_TWO_CALLS = """
iam.put_role_policy(RoleName="receipt-sender-role", PolicyName="send-failures", PolicyDocument=json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [FAILURES_ARN]}]}))
lam.put_function_event_invoke_config(FunctionName="receipt-sender:live", MaximumRetryAttempts=0)
lam.update_function_event_invoke_config(FunctionName="receipt-sender:live", MaximumRetryAttempts=1,
                                        DestinationConfig={"OnFailure": {"Destination": FAILURES_ARN}})
"""

CONDITIONAL_PUT = '''
PROCESSOR_PY = """
import boto3
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

from orders import charge, parse_order

processor = BatchProcessor(event_type=EventType.SQS)
dynamodb = boto3.client("dynamodb")


def first_time(order_id):
    try:
        dynamodb.put_item(TableName="order-idempotency", Item={"id": {"S": order_id}},
                          ConditionExpression="attribute_not_exists(id)")
        return True
    except dynamodb.exceptions.ConditionalCheckFailedException:
        return False


def record_handler(record):
    order = parse_order(record.body)
    if first_time(order["order_id"]):
        charge(order)


def handler(event, context):
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
"""

seen_policy = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": IDEMPOTENCY_ARN}]}
iam.put_role_policy(RoleName="order-processor-role", PolicyName="seen", PolicyDocument=json.dumps(seen_policy))
deploy_function(lam, "order-processor", {"app.py": PROCESSOR_PY, "orders.py": ORDERS_PY}, PROCESSOR_ROLE_ARN,
                Timeout=10)
'''

# Right, another way again: the ledger line's key is the order id, written once with a conditional put by the
# handler itself (no second table, no new permission), and the pipeline taken down at the end.
LEDGER_KEYED_BY_ORDER = '''
PROCESSOR_PY = """
import boto3

from orders import PoisonMessage, parse_order

ledger = boto3.client("dynamodb")


def charge_once(order):
    item = {"entry_id": {"S": "order-" + order["order_id"]}, "order_id": {"S": order["order_id"]},
            "amount_cents": {"N": str(order["amount_cents"])}}
    try:
        ledger.put_item(TableName="order-ledger", Item=item, ConditionExpression="attribute_not_exists(entry_id)")
    except ledger.exceptions.ConditionalCheckFailedException:
        print("already charged:", order["order_id"])


def handler(event, context):
    failed = []
    for record in event["Records"]:
        try:
            order = parse_order(record["body"])
        except PoisonMessage:
            failed.append(record["messageId"])
            continue
        charge_once(order)
    return {"batchItemFailures": [{"itemIdentifier": message_id} for message_id in failed]}
"""
deploy_function(lam, "order-processor", {"app.py": PROCESSOR_PY, "orders.py": ORDERS_PY}, PROCESSOR_ROLE_ARN,
                Timeout=10)
'''

TAKE_DOWN = """
for mapping in lam.list_event_source_mappings(FunctionName="order-processor")["EventSourceMappings"]:
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
lam.delete_function_event_invoke_config(FunctionName="receipt-sender", Qualifier="live")
sb.stop()
"""


def test_a_handler_that_fails_the_whole_batch_fails_steps_1_and_2(tmp_path):
    """Does raising at the first poison message (instead of reporting it) fail the batch and DLQ steps only?"""
    submission = (
        Submission(LAB)
        .edit(STEP_1, REPORTED.format(call=CHARGE), f"        {CHARGE}")
        .edit(STEP_4, REPORTED.format(call=CHARGE_ONCE), f"        {CHARGE_ONCE}")
    )
    result = submission.grade(tmp_path, f"{LAB}-whole-batch")
    assert statuses(result) == {**ALL_PASSED, "batch": "failed", "dlq": "failed"}, result["steps"]
    assert "whole batch" in feedback(result, "batch")


def test_five_receives_a_config_on_latest_and_dedup_by_message_id_each_fail_their_own_step_only(tmp_path):
    """Do maxReceiveCount 5 when the step says 3 (dlq), an event invoke config on $LATEST when the shop
    invokes live (on-failure), and idempotency keyed on the message id when the step says order id (once) each
    fail their own step, naming the problem, while the batch step passes?"""
    submission = (
        Submission(LAB)
        .edit(STEP_2, '"maxReceiveCount": 3', '"maxReceiveCount": 5')
        .edit(STEP_3, '    Qualifier="live",\n', "")
        .edit(STEP_4, 'event_key_jmespath="order_id"', 'event_key_jmespath="message_id"')
        .edit(
            STEP_4,
            CHARGE_ONCE,
            'charge_once(order={**parse_order(record["body"]), "message_id": record["messageId"]})',
        )
    )
    result = submission.grade(tmp_path, f"{LAB}-five-latest-by-message-id")
    failed = dict.fromkeys(["dlq", "on-failure", "once"], "failed")
    assert statuses(result) == {**ALL_PASSED, **failed}, result["steps"]
    assert "maxReceiveCount is 5" in feedback(result, "dlq")
    assert "Qualifier='live'" in feedback(result, "on-failure")
    assert "charged 2 times" in feedback(result, "once")


def test_powertools_batches_hand_written_settings_and_a_faster_clock_pass(tmp_path):
    """Full marks for BatchProcessor, policies and settings written differently, a conditional put, and a
    notebook that sets sb.time_scale = 600 (the grader's checks run at their own)?"""
    submission = (
        Submission(LAB)
        .insert_after("sb.reset()  # start from an empty account", "sb.time_scale = 600")
        .replace(STEP_1, BATCH_PROCESSOR)
        .replace(STEP_2, REDRIVE_BY_HAND)
        .replace(STEP_3, CONFIG_IN_TWO_CALLS)
        .replace(STEP_4, CONDITIONAL_PUT)
        .append('assert sb.time_scale == 600, "the grader changed the notebook\'s time scale"')
    )
    result = submission.grade(tmp_path, f"{LAB}-different")
    assert result["cell_errors"] == [], result["cell_errors"]
    assert statuses(result) == ALL_PASSED, result["steps"]


def test_a_ledger_keyed_by_order_and_taking_it_down_at_the_end_pass(tmp_path):
    """Full marks for a conditional put on the ledger itself, and for deleting the mapping and config at the end?"""
    submission = Submission(LAB).replace(STEP_4, LEDGER_KEYED_BY_ORDER).append(TAKE_DOWN)
    result = submission.grade(tmp_path, f"{LAB}-ledger-key")
    assert result["cell_errors"] == [], result["cell_errors"]
    assert statuses(result) == ALL_PASSED, result["steps"]
