"""The ``Condition`` element of a policy statement, decided against a request context.

One evaluator for every kind of policy the course writes: identity policies of execution roles,
permissions boundaries and resource-based policies (``aws:SourceArn``/``aws:SourceAccount``).
It follows the IAM documentation's rules:

* operators in a block, and keys under an operator, must all hold (AND); the values listed for one
  key are alternatives (OR), and for a negated operator (``StringNotEquals``, ``ArnNotLike``, …) the
  context value must match none of them;
* a key missing from the context makes a condition false, except under a negated operator (true),
  ``…IfExists`` (true) and ``Null`` (which tests exactly that);
* ``ForAnyValue:`` holds when at least one context value matches (false for a missing or empty key),
  ``ForAllValues:`` when every context value matches (true for a missing or empty key).

Policy variables (``${aws:username}``) are not substituted.

Example::

    conditions_hold({"StringEquals": {"aws:SourceAccount": "123456789012"}},
                    {"aws:SourceAccount": "123456789012"})   # -> True
"""

from __future__ import annotations

import base64
import fnmatch
import ipaddress
from datetime import UTC, datetime

from workbook.errors import WorkbookError


class UnknownConditionOperator(WorkbookError, ValueError):
    """A policy names a condition operator IAM does not have."""


def conditions_hold(condition: dict | None, context: dict) -> bool:
    """Whether every operator of a statement's ``Condition`` block holds for ``context``.

    ``context`` maps condition keys (any case) to a value or a list of values; an absent key is
    simply missing from it.

    Example::

        conditions_hold({"ArnLike": {"aws:SourceArn": "arn:aws:s3:::uploads-*"}},
                        {"aws:SourceArn": "arn:aws:s3:::uploads-7f3a"})   # -> True
    """
    if not condition:
        return True
    lowered = {key.lower(): value for key, value in context.items()}
    for operator, keys in condition.items():
        for key, expected in (keys or {}).items():
            if not operator_holds(operator, lowered.get(key.lower()), _as_list(expected)):
                return False
    return True


def operator_holds(operator: str, actual, expected: list) -> bool:
    """Whether one operator holds for one key: ``actual`` is the context's value (None when missing).

    Example::

        operator_holds("NumericLessThanEquals", "5", ["10"])   # -> True
    """
    qualifier, _, name = operator.rpartition(":")
    if_exists = name.endswith("IfExists")
    base = name[: -len("IfExists")] if if_exists else name
    if base == "Null":
        wants_missing = str(expected[0]).lower() == "true"
        return (actual is None or actual == []) == wants_missing
    compare, negated = _comparison(base, operator)
    missing = actual is None or actual == []
    if qualifier.lower() == "forallvalues":
        return all(_one_holds(compare, negated, value, expected) for value in _as_list(actual or []))
    if qualifier.lower() == "foranyvalue":
        return any(_one_holds(compare, negated, value, expected) for value in _as_list(actual or []))
    if qualifier:
        raise UnknownConditionOperator(
            f"the set operator {qualifier!r} in {operator!r} is neither ForAnyValue nor ForAllValues."
        )
    if missing:
        return if_exists or negated
    if isinstance(actual, list):  # a multivalued key under a single-valued operator: any value decides
        return any(_one_holds(compare, negated, value, expected) for value in actual)
    return _one_holds(compare, negated, actual, expected)


def _one_holds(compare, negated: bool, value, expected: list) -> bool:
    matched = any(compare(value, candidate) for candidate in expected)
    return not matched if negated else matched


def _comparison(base: str, operator: str):
    """(the function comparing a context value with a policy value, whether the operator is negated)."""
    try:
        return _OPERATORS[base]
    except KeyError:
        raise UnknownConditionOperator(
            f"{operator!r} is not an IAM condition operator (for example StringEquals, ArnLike, "
            "NumericLessThan, DateGreaterThan, Bool, IpAddress, Null)."
        ) from None


def _string_equals(value, candidate) -> bool:
    return str(value) == str(candidate)


def _string_equals_ignore_case(value, candidate) -> bool:
    return str(value).lower() == str(candidate).lower()


def _string_like(value, candidate) -> bool:
    return fnmatch.fnmatchcase(str(value), str(candidate).replace("[", "[[]"))


def _arn_like(value, candidate) -> bool:
    # ARNs compare part by part: arn:partition:service:region:account:resource.
    value_parts, candidate_parts = str(value).split(":", 5), str(candidate).split(":", 5)
    if len(value_parts) != 6 or len(candidate_parts) != 6:
        return False
    return all(_string_like(v, c) for v, c in zip(value_parts, candidate_parts, strict=True))


def _number(value) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _numeric(test):
    def compare(value, candidate) -> bool:
        left, right = _number(value), _number(candidate)
        return left is not None and right is not None and test(left, right)

    return compare


def _date(value) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    number = _number(value)
    if number is not None:
        return datetime.fromtimestamp(number, UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _dates(test):
    def compare(value, candidate) -> bool:
        left, right = _date(value), _date(candidate)
        return left is not None and right is not None and test(left, right)

    return compare


def _bool(value, candidate) -> bool:
    return str(value).lower() == str(candidate).lower()


def _binary(value, candidate) -> bool:
    raw = value if isinstance(value, bytes) else str(value).encode()
    return base64.b64encode(raw).decode() == str(candidate) or str(value) == str(candidate)


def _in_network(value, candidate) -> bool:
    try:
        return ipaddress.ip_address(str(value)) in ipaddress.ip_network(str(candidate), strict=False)
    except ValueError:
        return False


_ORDER = {
    "Equals": lambda a, b: a == b,
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}

# operator (without qualifier or IfExists) -> (comparison, negated)
_OPERATORS = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringEqualsIgnoreCase": (_string_equals_ignore_case, False),
    "StringNotEqualsIgnoreCase": (_string_equals_ignore_case, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "NumericNotEquals": (_numeric(_ORDER["Equals"]), True),
    "DateNotEquals": (_dates(_ORDER["Equals"]), True),
    **{"Numeric" + suffix: (_numeric(test), False) for suffix, test in _ORDER.items()},
    **{"Date" + suffix: (_dates(test), False) for suffix, test in _ORDER.items()},
    "Bool": (_bool, False),
    "BinaryEquals": (_binary, False),
    "IpAddress": (_in_network, False),
    "NotIpAddress": (_in_network, True),
}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]
