"""Lab 09 · an order pipeline (SQS → Lambda → DynamoDB) that survives poison, failed events and replays.

The contract the lab text gives the learner:

- ``orders-queue`` (given) carries orders, one per message: ``{"order_id": str, "amount_cents": int}``. A
  message is *poison* when its body is not JSON, or its ``amount_cents`` is not a whole number above zero (the
  given ``parse_order`` raises ``PoisonMessage`` for both).
- ``order-processor`` (role ``order-processor-role``) charges each order: one item in the table
  ``order-ledger`` (key ``entry_id``) with the order's ``order_id`` and ``amount_cents``. It reads the queue
  through an event source mapping with ``BatchSize`` 10 and ``ReportBatchItemFailures``, and answers
  ``{"batchItemFailures": [{"itemIdentifier": <messageId>}, ...]}`` listing exactly the poison messages.
- ``orders-queue``'s redrive policy sends a message to ``orders-dlq`` after ``maxReceiveCount`` 3 receives.
- ``receipt-sender`` (given, role ``receipt-sender-role``) is invoked asynchronously as
  ``receipt-sender:live`` and fails for an invalid e-mail address. Its event invoke config on ``live``
  allows 1 retry (``MaximumRetryAttempts``) and sends failed events to the SQS queue ``receipt-failures``
  (``OnFailure``).
- An order is charged once per ``order_id``: a replay of the same order, in another message and formatted
  differently, charges nothing more and is not a failure. Powertools' idempotency utility with its DynamoDB
  table ``order-idempotency`` (key ``id``, given) or a conditional write of one's own both do.

How the checks see it. They send orders of their own (new ids and amounts every run) and a poison message of
every kind, to the handler directly (an SQS-shaped event: which messages share a batch is certain) and through
the queue (the mapping is paused while they are sent, so that they arrive in one batch), and read the results
in DynamoDB and in the queues; a replay comes in a later batch, in a new execution environment (a variable
added for the time of the check). They delete what they wrote and the messages they read, and wait on
conditions with a deadline, at a fast sandbox time scale of their own (:data:`CHECK_TIME_SCALE`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid

from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.iam_policies import Grant

PROCESSOR = "order-processor"
PROCESSOR_ROLE = "order-processor-role"
QUEUE = "orders-queue"
DLQ = "orders-dlq"
MAX_RECEIVES = 3
BATCH_SIZE = 10
LEDGER = "order-ledger"
IDEMPOTENCY = "order-idempotency"
SENDER = "receipt-sender"
SENDER_ROLE = "receipt-sender-role"
ALIAS = "live"
FAILURES = "receipt-failures"
RETRIES = 1
REPORT = "ReportBatchItemFailures"
KINDS = "not JSON, an amount below 1, a fractional one"

CHECK_TIME_SCALE = 600  # a 30 s visibility timeout passes in 0.05 s, a 1-minute retry in 0.1 s
WAIT_SECONDS = 45  # how long a check waits for the pipeline before it says what did not happen
POLL_SECONDS = 0.05

lab = Lab("09-error-handling", "Lab 09 · An order pipeline that survives poison, failures and replays")


# ------------------------------------------------------------------------------------------------ helpers


@contextlib.contextmanager
def fast_sandbox_time(scale: float = CHECK_TIME_SCALE):
    """Run the sandbox's AWS waits at ``scale`` for the block, then put the time scale back.

    Nothing changes where there is no sandbox in this process (a real account has no time scale) or when
    the sandbox already runs at least this fast.
    """
    from workbook import sandbox

    sb = sandbox.current()
    before = sb.time_scale if sb is not None else None
    if before is None or before >= scale:
        yield
        return
    sb.time_scale = scale
    try:
        yield
    finally:
        sb.time_scale = before


def wait_until(condition, what: str, timeout: float = WAIT_SECONDS, every: float = POLL_SECONDS):
    """Poll ``condition()`` every ``every`` seconds until it returns something truthy, and return that.

    Failed with ``what`` (a string, or a function that says it then) at the deadline.
    """
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() >= deadline:
            raise Failed(what() if callable(what) else what)
        time.sleep(every)


def _arn(aws, service: str, resource: str) -> str:
    return f"arn:aws:{service}:{aws.region}:{aws.account_id}:{resource}"


def _queue_url(aws, name: str, step: str) -> str:
    sqs = aws.client("sqs")
    try:
        return sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except sqs.exceptions.QueueDoesNotExist:
        raise NotAttempted(f"there is no queue {name!r} yet ({step})") from None


def processor_needs(aws) -> list[Grant]:
    """What ``order-processor-role`` needs, and what it may have besides (the idempotency table)."""
    queue, ledger = _arn(aws, "sqs", QUEUE), _arn(aws, "dynamodb", f"table/{LEDGER}")
    store = _arn(aws, "dynamodb", f"table/{IDEMPOTENCY}")
    return [
        *aws.log_writing(PROCESSOR),
        Grant(("sqs:ReceiveMessage",), queue),
        Grant(("sqs:DeleteMessage",), queue),
        Grant(("sqs:GetQueueAttributes",), queue),
        Grant(("dynamodb:PutItem",), ledger),
        *(Grant((f"dynamodb:{action}",), store, required=False)
          for action in ("GetItem", "PutItem", "UpdateItem", "DeleteItem")),
    ]  # fmt: skip


def _processor(aws) -> dict:
    config = aws.function(PROCESSOR)
    aws.expect_role(config, PROCESSOR_ROLE)
    aws.least_privilege_role(
        PROCESSOR_ROLE, processor_needs(aws),
        job=f"{PROCESSOR} needs (read and delete {QUEUE}'s messages, put items in {LEDGER}; the table "
            f"{IDEMPOTENCY} may be used for step 4)",
    )  # fmt: skip
    return config


def _mapping(aws) -> dict:
    """The event source mapping from orders-queue to order-processor; NotAttempted when there is none."""
    lam = aws.client("lambda")
    queue = _arn(aws, "sqs", QUEUE)
    mappings = lam.list_event_source_mappings(EventSourceArn=queue)["EventSourceMappings"]
    ours = [m for m in mappings if m["FunctionArn"].split(":function:")[-1].split(":")[0] == PROCESSOR]
    if not ours:
        raise NotAttempted(
            f"there is no event source mapping from {QUEUE} to {PROCESSOR} yet: "
            f"lam.create_event_source_mapping(FunctionName={PROCESSOR!r}, EventSourceArn=QUEUE_ARN, ...)"
        )
    return ours[0]


@contextlib.contextmanager
def one_batch(aws, mapping: dict):
    """Hold ``mapping``'s polling for the block: the messages sent in it arrive in one batch after it.

    A mapping that was enabled is enabled again afterwards (the learner's setting is put back).
    """
    lam = aws.client("lambda")
    uuid_ = mapping["UUID"]
    state = lambda: lam.get_event_source_mapping(UUID=uuid_)["State"]  # noqa: E731
    if state() in ("Disabled", "Disabling"):
        yield
        return
    lam.update_event_source_mapping(UUID=uuid_, Enabled=False)
    try:
        wait_until(lambda: state() == "Disabled", f"the mapping from {QUEUE} did not stop for the check")
        yield
    finally:
        lam.update_event_source_mapping(UUID=uuid_, Enabled=True)


def order(aws) -> dict:
    """A good order of the check's own: a new id and amount every run."""
    return {"order_id": aws.fresh.name("ORD-"), "amount_cents": aws.fresh.randint(101, 99_999)}


def poison(aws) -> list[str]:
    """One poison body of each kind the step names: not JSON, an amount of zero or less, a fractional one."""
    fresh = aws.fresh
    not_json = f"order {fresh.token()} amount {fresh.randint(1, 999)}"
    not_positive = json.dumps({"order_id": fresh.name("BAD-"), "amount_cents": -fresh.randint(0, 999)})
    not_whole = json.dumps({"order_id": fresh.name("BAD-"), "amount_cents": fresh.randint(1, 999) + 0.5})
    return fresh.shuffled([not_json, not_positive, not_whole])


def sqs_event(aws, bodies: list[str]) -> tuple[dict, list[str]]:
    """The event an SQS mapping sends for ``bodies`` (from orders-queue), and the records' message ids."""
    queue = _arn(aws, "sqs", QUEUE)
    records, ids, now = [], [], str(int(time.time() * 1000))
    for body in bodies:
        message_id = str(uuid.uuid4())
        ids.append(message_id)
        records.append({
            "messageId": message_id,
            "receiptHandle": aws.fresh.token(24),
            "body": body,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": now, "SenderId": aws.account_id,
                           "ApproximateFirstReceiveTimestamp": now},
            "messageAttributes": {},
            "md5OfBody": hashlib.md5(body.encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue,
            "awsRegion": aws.region,
        })  # fmt: skip
    return {"Records": records}, ids


def charges(aws, order_ids) -> dict[str, list[dict]]:
    """order id -> the ledger items charged for it (plain values), for every id in ``order_ids``."""
    wanted = set(order_ids)
    found: dict[str, list[dict]] = {order_id: [] for order_id in wanted}
    dynamodb = aws.client("dynamodb")
    for page in dynamodb.get_paginator("scan").paginate(TableName=LEDGER):
        for item in page["Items"]:
            order_id = item.get("order_id", {}).get("S")
            if order_id in wanted:
                found[order_id].append(item)
    return found


def forget_charges(aws, order_ids) -> None:
    """Delete the ledger items of the check's own orders (leave the table as the learner had it)."""
    dynamodb = aws.client("dynamodb")
    for items in charges(aws, order_ids).values():
        for item in items:
            if "entry_id" in item:
                dynamodb.delete_item(TableName=LEDGER, Key={"entry_id": item["entry_id"]})


def _amount(item: dict):
    value = item.get("amount_cents", {})
    return int(value["N"]) if "N" in value else value


def expect_charged_once(aws, orders: list[dict], when: str) -> None:
    """Every order of ``orders`` has exactly one ledger item, with its amount; Failed saying which is not."""
    found = charges(aws, [o["order_id"] for o in orders])
    for sent in orders:
        items = found[sent["order_id"]]
        if not items:
            raise Failed(
                f"{when}, a good order (amount_cents {sent['amount_cents']}) was not charged: "
                f"{LEDGER} has no item with its order_id."
            )
        if len(items) > 1:
            raise Failed(
                f"{when}, a good order was charged {len(items)} times ({LEDGER} has {len(items)} "
                "items with its order_id): it must be charged exactly once."
            )
        if _amount(items[0]) != sent["amount_cents"]:
            raise Failed(
                f"{when}, a good order of {sent['amount_cents']} cents was charged "
                f"{_amount(items[0])!r}: keep the given charge(order) as it is."
            )


def _queue_counts(aws, url: str) -> int:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "ApproximateNumberOfMessagesDelayed",
        ],
    )["Attributes"]
    return sum(int(value) for value in attributes.values())


def take_messages(aws, url: str, wanted) -> list[dict]:
    """The messages of ``url`` for which ``wanted(message)`` is true, received and deleted from it.

    The others are held invisible while the queue is read to its end, then made visible again at once.
    """
    sqs = aws.client("sqs")
    taken, others = [], []
    try:
        while True:
            batch = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=30,
                                        AttributeNames=["All"]).get("Messages", [])  # fmt: skip
            if not batch:
                return taken
            for message in batch:
                if wanted(message):
                    taken.append(message)
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
                else:
                    others.append(message["ReceiptHandle"])
    finally:
        for handle in others:  # the learner's messages: visible again
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=handle, VisibilityTimeout=0)


def _failures_of(result, ids) -> set[str] | None:
    """The message ids a batch response lists as failures, read as Lambda reads it; None when Lambda would
    count the whole batch as failed (not an object, a misspelt key, an id that is not in the batch).

    ``null``, ``{}`` and an empty or missing ``batchItemFailures`` mean that every message succeeded.
    """
    payload = result.payload
    if payload is None or payload == "":
        return set()
    if not isinstance(payload, dict):
        return None
    failures = payload.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    listed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if identifier not in ids:
            return None
        listed.add(identifier)
    return listed


# ------------------------------------------------------------------------------------------------ step 1


@lab.step(
    "batch",
    "order-processor reports only the poison messages of a batch",
    hints=[
        "Loop over `event['Records']`: for each record call `charge(parse_order(record['body']))`, and when "
        "`parse_order` raises `PoisonMessage`, remember `record['messageId']` instead of raising. Return "
        "`{'batchItemFailures': [{'itemIdentifier': message_id}, ...]}` (an empty list when all went well).",
        "The role needs sqs:ReceiveMessage, sqs:DeleteMessage and sqs:GetQueueAttributes on QUEUE_ARN, and "
        "dynamodb:PutItem on the order-ledger table: one inline policy on order-processor-role "
        "(iam.put_role_policy). Not AWSLambdaSQSQueueExecutionRole: it allows every queue.",
        "`lam.create_event_source_mapping(FunctionName='order-processor', EventSourceArn=QUEUE_ARN, "
        "BatchSize=10, FunctionResponseTypes=['ReportBatchItemFailures'])`: without that last setting Lambda "
        "ignores the list your handler returns.",
    ],
    solution='''
PROCESSOR_PY = """
from orders import PoisonMessage, charge, parse_order


def handler(event, context):
    failures = []
    for record in event["Records"]:
        try:
            charge(parse_order(record["body"]))
        except PoisonMessage as error:
            print(f"poison message {record['messageId']}: {error}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

iam.put_role_policy(
    RoleName="order-processor-role",
    PolicyName="orders",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                "Resource": QUEUE_ARN,
            },
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": LEDGER_ARN},
        ],
    }),
)
deploy_function(lam, "order-processor", {"app.py": PROCESSOR_PY, "orders.py": ORDERS_PY}, PROCESSOR_ROLE_ARN,
                Timeout=10)
mapping = lam.create_event_source_mapping(
    FunctionName="order-processor",
    EventSourceArn=QUEUE_ARN,
    BatchSize=10,
    FunctionResponseTypes=["ReportBatchItemFailures"],
)
''',
)
def batch(aws):
    _processor(aws)
    mapping = _mapping(aws)
    wrong = []
    if REPORT not in (mapping.get("FunctionResponseTypes") or []):
        types = mapping.get("FunctionResponseTypes") or []
        wrong.append(
            f"FunctionResponseTypes is {types}, not [{REPORT!r}] (without it Lambda ignores the "
            "batchItemFailures your handler returns)"
        )
    if mapping.get("BatchSize") != BATCH_SIZE:
        wrong.append(f"BatchSize is {mapping.get('BatchSize')}, not {BATCH_SIZE}")
    if mapping.get("State") in ("Disabled", "Disabling"):
        wrong.append("it is disabled (Enabled=True turns it on)")
    if wrong:
        raise Failed(
            f"the mapping from {QUEUE} to {PROCESSOR} is not as the step asks: {'; '.join(wrong)}."
            " lam.update_event_source_mapping(UUID=..., ...) changes it."
        )
    good = [order(aws) for _ in range(3)]
    bodies = aws.fresh.shuffled([json.dumps(o) for o in good] + poison(aws))
    event, ids = sqs_event(aws, bodies)
    good_bodies = {json.dumps(o) for o in good}
    poison_ids = {i for i, body in zip(ids, bodies, strict=True) if body not in good_bodies}
    try:
        result = aws.invoke(PROCESSOR, event)
        if result.function_error:
            raise Failed(
                f"for a batch of 3 good orders and 3 poison messages ({KINDS}), {PROCESSOR} failed with "
                f"{result.error_summary}. A function error sends the whole batch back to the queue, good "
                "orders too: catch PoisonMessage per record and list its messageId in batchItemFailures "
                "instead."
            )
        listed = _failures_of(result, ids)
        if listed is None:
            raise Failed(
                f"for a batch with 3 poison messages, {PROCESSOR} returned {str(result.payload)[:200]!r}, "
                "which Lambda reads as a failure of the whole batch; return {'batchItemFailures': "
                "[{'itemIdentifier': <messageId>}, ...]} listing the poison messages by their messageId."
            )
        if listed != poison_ids:
            missed, extra = len(poison_ids - listed), len(listed - poison_ids)
            raise Failed(
                f"for a batch of 3 good orders and 3 poison messages ({KINDS}), batchItemFailures listed "
                f"{len(listed)} message(s): {missed} poison message(s) missing, {extra} other id(s) listed. "
                "List the messageId of each record parse_order refuses, and only those."
            )
        expect_charged_once(aws, good, "after a batch with poison messages in it")
    finally:
        forget_charges(aws, [o["order_id"] for o in good])
    return (
        f"{PROCESSOR} charged the good orders of a batch once each and listed only its poison messages; "
        "the mapping reports batch item failures"
    )


# ------------------------------------------------------------------------------------------------ step 2


@lab.step(
    "dlq",
    "A poison message ends in orders-dlq after 3 receives",
    hints=[
        "Create the queue orders-dlq, then give orders-queue a redrive policy: "
        "`sqs.set_queue_attributes(QueueUrl=QUEUE_URL, Attributes={'RedrivePolicy': json.dumps({...})})`.",
        "The policy is `{'deadLetterTargetArn': <orders-dlq's ARN>, 'maxReceiveCount': 3}`; read the ARN "
        "with `sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=['QueueArn'])`.",
    ],
    solution="""
DLQ_URL = sqs.create_queue(QueueName="orders-dlq")["QueueUrl"]
DLQ_ARN = sqs.get_queue_attributes(QueueUrl=DLQ_URL, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
sqs.set_queue_attributes(
    QueueUrl=QUEUE_URL,
    Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": DLQ_ARN, "maxReceiveCount": 3})},
)
""",
)
def dlq(aws):
    url = _queue_url(aws, QUEUE, "the setup cell makes it")
    sqs = aws.client("sqs")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])
    attributes = attributes.get("Attributes", {})
    if "RedrivePolicy" not in attributes:
        raise NotAttempted(f"{QUEUE} has no redrive policy yet: a poison message would come back forever")
    policy = json.loads(attributes["RedrivePolicy"])
    dlq_arn = _arn(aws, "sqs", DLQ)
    dlq_url = _queue_url(aws, DLQ, f"create it, then point {QUEUE}'s redrive policy at it")
    wrong = []
    if policy.get("deadLetterTargetArn") != dlq_arn:
        target = policy.get("deadLetterTargetArn")
        wrong.append(f"deadLetterTargetArn is {target!r}, not {DLQ}'s ARN {dlq_arn!r}")
    if str(policy.get("maxReceiveCount")) != str(MAX_RECEIVES):
        wrong.append(f"maxReceiveCount is {policy.get('maxReceiveCount')!r}, not {MAX_RECEIVES}")
    if wrong:
        raise Failed(
            f"{QUEUE}'s redrive policy is not as the step asks: {'; '.join(wrong)}. "
            "sqs.set_queue_attributes(QueueUrl=QUEUE_URL, Attributes={'RedrivePolicy': ...}) "
            "replaces it."
        )
    mapping = _mapping(aws)
    if REPORT not in (mapping.get("FunctionResponseTypes") or []):
        raise Failed(
            f"the mapping from {QUEUE} to {PROCESSOR} does not report batch item failures (step "
            "1): a poison message would be deleted with its batch, or bring the whole batch back."
        )
    if mapping.get("State") in ("Disabled", "Disabling"):
        raise Failed(
            f"the mapping from {QUEUE} to {PROCESSOR} is disabled: nothing reads the queue "
            "(lam.update_event_source_mapping(UUID=..., Enabled=True))."
        )
    good = [order(aws) for _ in range(4)]
    bad = poison(aws)
    entries = [{"Id": f"m{n}", "MessageBody": body}
               for n, body in enumerate(aws.fresh.shuffled([json.dumps(o) for o in good] + bad))]  # fmt: skip
    in_dlq: list[dict] = []
    try:
        with fast_sandbox_time():
            with one_batch(aws, mapping):  # a good order shares a batch with the poison, on every run
                sqs.send_message_batch(QueueUrl=url, Entries=entries)

            def poison_in_dlq():
                in_dlq.extend(take_messages(aws, dlq_url, lambda m: m["Body"] in bad))
                return len(in_dlq) >= len(bad)

            wait_until(poison_in_dlq, lambda: (
                f"{len(in_dlq)} of the {len(bad)} poison messages the check sent to {QUEUE} reached {DLQ} "
                f"within {WAIT_SECONDS} s: does {PROCESSOR} list each poison message in batchItemFailures "
                "(and not return success for it)?"
            ), every=0.2)  # fmt: skip
            wait_until(
                lambda: _queue_counts(aws, url) == 0,
                f"{QUEUE} did not empty within {WAIT_SECONDS} s "
                "after the check's messages: are some good orders coming back again and again?",
            )
        good_bodies = {json.dumps(o) for o in good}
        if take_messages(aws, dlq_url, lambda m: m["Body"] in good_bodies):
            raise Failed(
                f"a good order the check sent ended in {DLQ}: it failed with the poison messages in "
                "its batch. Only the poison messages may fail: list them in batchItemFailures, and do "
                "not raise."
            )
        expect_charged_once(aws, good, f"after poison messages went through {QUEUE} to {DLQ}")
    finally:
        forget_charges(aws, [o["order_id"] for o in good])
    return f"the good orders were charged once each; the poison reached {DLQ} after {MAX_RECEIVES} receives"


# ------------------------------------------------------------------------------------------------ step 3


def sender_needs(aws) -> list[Grant]:
    return [*aws.log_writing(SENDER), Grant(("sqs:SendMessage",), _arn(aws, "sqs", FAILURES))]


@lab.step(
    "on-failure",
    "A failed receipt ends in receipt-failures, with one retry",
    hints=[
        "`lam.put_function_event_invoke_config(FunctionName='receipt-sender', Qualifier='live', "
        "MaximumRetryAttempts=1, DestinationConfig={'OnFailure': {'Destination': FAILURES_ARN}})`. The shop "
        "invokes receipt-sender:live, so the config belongs to the alias live, not to $LATEST.",
        "Lambda sends the record as the function's execution role: give receipt-sender-role sqs:SendMessage "
        "on FAILURES_ARN (an inline policy), and nothing more.",
    ],
    solution="""
iam.put_role_policy(
    RoleName="receipt-sender-role",
    PolicyName="failures",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": FAILURES_ARN}],
    }),
)
invoke_config = lam.put_function_event_invoke_config(
    FunctionName="receipt-sender",
    Qualifier="live",
    MaximumRetryAttempts=1,
    DestinationConfig={"OnFailure": {"Destination": FAILURES_ARN}},
)
""",
)
def on_failure(aws):
    aws.function(SENDER)
    lam = aws.client("lambda")
    failures_arn = _arn(aws, "sqs", FAILURES)
    try:
        config = lam.get_function_event_invoke_config(FunctionName=SENDER, Qualifier=ALIAS)
    except lam.exceptions.ResourceNotFoundException:
        elsewhere = lam.list_function_event_invoke_configs(FunctionName=SENDER)["FunctionEventInvokeConfigs"]
        if elsewhere:
            arns = [c["FunctionArn"] for c in elsewhere]
            where = ", ".join(a.rsplit(":", 1)[-1] if a.count(":") > 6 else "$LATEST" for a in arns)
            raise Failed(
                f"{SENDER} has an event invoke config on {where}, but the shop invokes {SENDER}:{ALIAS}, and "
                f"an alias's events follow the alias's config: put it with Qualifier={ALIAS!r}."
            ) from None
        raise NotAttempted(f"{SENDER}:{ALIAS} has no event invoke config yet") from None
    wrong = []
    if config.get("MaximumRetryAttempts") != RETRIES:
        wrong.append(f"MaximumRetryAttempts is {config.get('MaximumRetryAttempts')!r}, not {RETRIES}")
    destination = ((config.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination")
    if destination != failures_arn:
        wrong.append(f"the OnFailure destination is {destination!r}, not {FAILURES}'s ARN {failures_arn!r}")
    if wrong:
        raise Failed(
            f"{SENDER}:{ALIAS}'s event invoke config is not as the step asks: {'; '.join(wrong)}. "
            "put_function_event_invoke_config replaces it."
        )
    job = f"Lambda needs to send {SENDER}'s failed events to {FAILURES} (and its logs)"
    aws.least_privilege_role(SENDER_ROLE, sender_needs(aws), job=job)
    event = {"order_id": aws.fresh.name("ORD-"), "email": aws.fresh.name("no-at-sign.")}
    url = _queue_url(aws, FAILURES, "the setup cell makes it")

    def ours(message) -> bool:
        try:
            return json.loads(message["Body"]).get("requestPayload") == event
        except (ValueError, AttributeError):
            return False

    with fast_sandbox_time():
        payload = json.dumps(event).encode()
        lam.invoke(FunctionName=SENDER, Qualifier=ALIAS, InvocationType="Event", Payload=payload)
        taken = wait_until(lambda: take_messages(aws, url, ours), (
            f"no record of the check's failed event reached {FAILURES} within {WAIT_SECONDS} s: the role "
            f"must allow sqs:SendMessage on it, and the event must be invoked as {SENDER}:{ALIAS}"
        ))  # fmt: skip
    record = json.loads(taken[0]["Body"])
    context = record.get("requestContext") or {}
    if context.get("condition") != "RetriesExhausted":
        raise Failed(
            f"the record of the check's failed event says condition {context.get('condition')!r}, "
            "not 'RetriesExhausted': did MaximumEventAgeInSeconds run out first? Leave it at its "
            "default."
        )
    if context.get("approximateInvokeCount") != RETRIES + 1:
        raise Failed(
            f"the check's failed event ran {context.get('approximateInvokeCount')} times, not "
            f"{RETRIES + 1} (once, and {RETRIES} retry)."
        )
    return f"a failed receipt was tried {RETRIES + 1} times and its record reached {FAILURES}"


# ------------------------------------------------------------------------------------------------ step 4


def _reformatted(sent: dict) -> str:
    """The same order as another producer writes it: keys in another order, other spacing."""
    return json.dumps({"amount_cents": sent["amount_cents"], "order_id": sent["order_id"]}, indent=1)


@lab.step(
    "once",
    "A replayed order is charged once",
    hints=[
        "The replay comes in another message (another messageId), so the messageId cannot tell it apart: the "
        "order_id does. Remember each order_id you charged, and skip an order_id you have seen.",
        "With Powertools: `persistence = DynamoDBPersistenceLayer(table_name='order-idempotency')`, "
        "`config = IdempotencyConfig(event_key_jmespath='order_id')`, and `@idempotent_function("
        "data_keyword_argument='order', persistence_store=persistence, config=config)` on a function that "
        "charges one order. Its role then needs GetItem, PutItem, UpdateItem and DeleteItem on that table.",
        "Without Powertools: a `put_item` into order-idempotency with `ConditionExpression="
        "'attribute_not_exists(id)'` before charging; a ConditionalCheckFailedException means 'already "
        "charged': skip the order, it is not a failure.",
    ],
    solution='''
PROCESSOR_PY = """
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from orders import PoisonMessage, charge, parse_order

persistence = DynamoDBPersistenceLayer(table_name="order-idempotency")
once_per_order = IdempotencyConfig(event_key_jmespath="order_id")


@idempotent_function(data_keyword_argument="order", persistence_store=persistence, config=once_per_order)
def charge_once(order):
    charge(order)
    return {"charged": order["order_id"]}


def handler(event, context):
    once_per_order.register_lambda_context(context)
    failures = []
    for record in event["Records"]:
        try:
            charge_once(order=parse_order(record["body"]))
        except PoisonMessage as error:
            print(f"poison message {record['messageId']}: {error}")
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
"""

iam.put_role_policy(
    RoleName="order-processor-role",
    PolicyName="idempotency",
    PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            "Resource": IDEMPOTENCY_ARN,
        }],
    }),
)
processor = deploy_function(lam, "order-processor", {"app.py": PROCESSOR_PY, "orders.py": ORDERS_PY},
                            PROCESSOR_ROLE_ARN, Timeout=10)
''',
)
def once(aws):
    config = _processor(aws)
    url = _queue_url(aws, QUEUE, "the setup cell makes it")
    _mapping(aws)
    twice, replayed = order(aws), order(aws)
    try:
        event, ids = sqs_event(aws, aws.fresh.shuffled([json.dumps(twice), _reformatted(twice)]))
        when = "for a batch with one order in it twice (two messages)"
        _expect_no_failures(aws.invoke(PROCESSOR, event), ids, when)
        expect_charged_once(aws, [twice], "after a batch with the same order in it twice (two messages)")
        with fast_sandbox_time():
            aws.client("sqs").send_message(QueueUrl=url, MessageBody=json.dumps(replayed))
            wait_until(
                lambda: charges(aws, [replayed["order_id"]])[replayed["order_id"]],
                f"an order the check sent to {QUEUE} was not charged within {WAIT_SECONDS} s",
            )
        variables = (config.get("Environment") or {}).get("Variables") or {}
        restarted = {"Variables": {**variables, "CHECK_REPLAY": aws.fresh.token()}}
        with aws.configured(
            PROCESSOR, Environment=restarted
        ):  # new execution environments, as after a deploy
            event, ids = sqs_event(aws, [_reformatted(replayed)])
            _expect_no_failures(aws.invoke(PROCESSOR, event), ids, "for an order replayed in a later batch")
        when = "after an order came through the queue and again in a later batch (another message, another "
        expect_charged_once(aws, [replayed], when + "execution environment)")
    finally:
        forget_charges(aws, [twice["order_id"], replayed["order_id"]])
    return "an order sent twice, in one batch or as a replay in a later one, was charged once"


def _expect_no_failures(result, ids, when: str) -> None:
    if result.function_error or _failures_of(result, ids) is None:
        answer = result.error_summary if result.function_error else repr(result.payload)[:200]
        raise Failed(
            f"{when}, {PROCESSOR} answered {answer}, which fails the whole batch: a duplicate is "
            "not a failure; skip it."
        )
    if _failures_of(result, ids):
        raise Failed(
            f"{when}, {PROCESSOR} listed a message in batchItemFailures: a duplicate is not a "
            "failure (it would come back, and end in the DLQ); skip it."
        )
