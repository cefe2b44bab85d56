"""What CreateEventSourceMapping and UpdateEventSourceMapping refuse, with the messages AWS answers.

AWS's wording (seen in its API answers): the SQS batching-window rule, ``StartingPosition`` on an SQS
queue or missing on a stream, ``AT_TIMESTAMP`` on a DynamoDB stream, a missing queue or stream, a
duplicate mapping, an invalid filter pattern, a queue visibility timeout shorter than the function
timeout, and an execution role that cannot read the source. The sandbox's own wording (marked below):
``ParallelizationFactor`` above 1 and tumbling windows, which the sandbox does not run, and a FIFO
batch size above 10.

Example::

    check_parameters("sqs", {"BatchSize": 50})
    # Rejected: Maximum batch window in seconds must be greater than 0 if maximum batch size is …
"""

from __future__ import annotations

from . import filters

STARTING_POSITIONS = ("TRIM_HORIZON", "LATEST", "AT_TIMESTAMP")
SQS_ACTIONS = ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
KINESIS_ACTIONS = (
    "kinesis:GetRecords",
    "kinesis:GetShardIterator",
    "kinesis:DescribeStream",
    "kinesis:ListShards",
    "kinesis:ListStreams",
)
DYNAMODB_ACTIONS = (
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:DescribeStream",
    "dynamodb:ListStreams",
)
MAX_BATCH_SIZE = 10000
MAX_BATCH_WINDOW = 300


class Rejected(Exception):
    """An API error: its type (e.g. ``InvalidParameterValueException``), message and HTTP status."""

    def __init__(self, message: str, error_type: str = "InvalidParameterValueException", status: int = 400):
        super().__init__(message)
        self.error_type = error_type
        self.status = status


def _constraint(value, field: str, constraint: str) -> Rejected:
    return Rejected(
        f"1 validation error detected: Value '{value}' at '{field}' failed to satisfy constraint: "
        f"{constraint}",
        "ValidationException",
    )


def is_sqs(kind: str) -> bool:
    return kind in ("sqs", "sqs-fifo")


def check_parameters(kind: str, spec: dict) -> None:
    """The checks that need only the request (the mapping's settings after an update, for updates)."""
    batch_size = spec.get("BatchSize")
    if batch_size is not None:
        if batch_size > MAX_BATCH_SIZE:
            raise _constraint(
                batch_size, "batchSize", f"Member must have value less than or equal to {MAX_BATCH_SIZE}"
            )
        if kind == "sqs-fifo" and batch_size > 10:  # the sandbox's wording
            raise Rejected(f"BatchSize {batch_size} is too large for a FIFO queue: it can be at most 10.")
    window = spec.get("MaximumBatchingWindowInSeconds")
    if window is not None and window > MAX_BATCH_WINDOW:
        raise _constraint(
            window,
            "maximumBatchingWindowInSeconds",
            f"Member must have value less than or equal to {MAX_BATCH_WINDOW}",
        )
    if is_sqs(kind):
        if spec.get("StartingPosition"):
            raise Rejected("StartingPosition is not valid for SQS event sources.")
        if (batch_size or 10) > 10 and not window:
            raise Rejected(
                "Maximum batch window in seconds must be greater than 0 if maximum batch size is "
                "greater than 10"
            )
    else:
        _check_stream_parameters(kind, spec)
    try:
        filters.patterns_of(spec.get("FilterCriteria"), "sqs" if is_sqs(kind) else kind)
    except ValueError as exc:
        raise Rejected(str(exc)) from None


def _check_stream_parameters(kind: str, spec: dict) -> None:
    position = spec.get("StartingPosition")
    if not position:
        raise Rejected(
            "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: "
            "Member must not be null."
        )
    if position not in STARTING_POSITIONS:
        raise _constraint(
            position,
            "startingPosition",
            "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]",
        )
    if kind == "dynamodb" and position == "AT_TIMESTAMP":
        raise Rejected(f"Unsupported starting position for arn type: {spec.get('EventSourceArn')}")
    if position == "AT_TIMESTAMP" and spec.get("StartingPositionTimestamp") is None:
        raise Rejected("StartingPositionTimestamp is required when StartingPosition is AT_TIMESTAMP.")
    if (spec.get("ParallelizationFactor") or 1) > 1:  # the sandbox's wording
        raise Rejected(
            "The workbook's sandbox reads each shard with one batch at a time: leave ParallelizationFactor "
            "at 1 (more than one concurrent batch per shard is not emulated)."
        )
    if spec.get("TumblingWindowInSeconds"):  # the sandbox's wording
        raise Rejected(
            "The workbook's sandbox does not emulate tumbling windows: leave TumblingWindowInSeconds "
            "out (or 0)."
        )
    if (spec.get("DestinationConfig") or {}).get("OnSuccess"):
        raise Rejected("Unsupported DestinationConfig parameter for given event source mapping type.")


def source_missing(kind: str, arn: str) -> Rejected:
    if is_sqs(kind):
        return Rejected(
            "Error occurred while ReceiveMessage. SQS Error Code: AWS.SimpleQueueService.NonExistentQueue. "
            "SQS Error Message: The specified queue does not exist."
        )
    return Rejected(f"Stream not found: {arn}")


def check_duplicate(kind: str, arn: str, function_name: str, existing_uuid: str | None) -> None:
    """A function may have one mapping per source."""
    if existing_uuid is None:
        return
    if is_sqs(kind):
        message = (
            f'An event source mapping with SQS arn (" {arn} ") and function (" {function_name} ") already '
            f"exists. Please update or delete the existing mapping with UUID {existing_uuid}"
        )
    else:
        message = (
            f'The event source arn (" {arn} ") and function (" {function_name} ") provided mapping already '
            f"exists. Please update or delete the existing mapping with UUID {existing_uuid}"
        )
    raise Rejected(message, "ResourceConflictException", 409)


def check_visibility_timeout(queue_visibility_timeout: int, function_timeout: float) -> None:
    if queue_visibility_timeout < function_timeout:
        raise Rejected(
            f"Queue visibility timeout: {queue_visibility_timeout} seconds is less than Function timeout: "
            f"{int(function_timeout)} seconds"
        )


def check_role(kind: str, arn: str, allowed) -> None:
    """``allowed(action, resource)`` says whether the function's execution role may do an action."""
    if is_sqs(kind):
        for action in SQS_ACTIONS:
            if not allowed(action, arn):
                name = action.split(":")[1]
                raise Rejected(f"The function execution role does not have permissions to call {name} on SQS")
        return
    actions = KINESIS_ACTIONS if kind == "kinesis" else DYNAMODB_ACTIONS
    for action in actions:
        if not allowed(action, None if action.endswith(":ListStreams") else arn):
            names = [a.split(":")[1] for a in actions]
            listed = ", ".join(names[:-1]) + f", and {names[-1]}"
            raise Rejected(
                f"Cannot access stream {arn}. Please ensure the role can perform the {listed} Actions "
                "on your stream in IAM."
            )
