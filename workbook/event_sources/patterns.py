"""Event patterns in AWS's filter syntax (EventBridge's, which Lambda's event filtering also uses).

A pattern is a JSON object. Each key names a field of the event; its value is either a nested
pattern (the field is an object) or a list of rules, any of which may match the field's value.
Every key of a pattern must match (AND); the rules of one list are alternatives (OR); ``"$or"``
takes a list of patterns, any of which may match. When the event's value is a list, the rules
match if they match any of its elements.

Rules: a literal (``"Alice"``, ``100``, ``true``, ``null``, ``""``), or one of ``{"prefix": …}``,
``{"suffix": …}``, ``{"equals-ignore-case": …}``, ``{"wildcard": "*.png"}``,
``{"anything-but": …}``, ``{"numeric": [">", 10, "<=", 20]}``, ``{"exists": true|false}``,
``{"cidr": "10.0.0.0/24"}``. Strings and numbers match exactly, as AWS does: ``300`` and ``300.0``
are different values, and ``true`` is not ``1``.

Example::

    pattern = parse('{"body": {"status": ["failed", {"prefix": "err"}]}}')
    matches(pattern, {"body": {"status": "error-42"}})   # True
"""

from __future__ import annotations

import fnmatch
import ipaddress
import json
import operator

_MISSING = object()
_NUMERIC_OPERATORS = {
    "<": operator.lt,
    "<=": operator.le,
    "=": operator.eq,
    ">=": operator.ge,
    ">": operator.gt,
}


class InvalidPattern(ValueError):
    """The pattern is not valid filter syntax; the message says what is wrong."""


def parse(text) -> dict:
    """A pattern from its JSON text (or an already parsed object), validated. Raises :class:`InvalidPattern`.

    Example::

        parse('{"eventName": ["INSERT"]}')   # -> {"eventName": ["INSERT"]}
    """
    if isinstance(text, str):
        try:
            pattern = json.loads(text)
        except ValueError:
            raise InvalidPattern("the pattern is not valid JSON") from None
    else:
        pattern = text
    if not isinstance(pattern, dict):
        raise InvalidPattern("a pattern must be a JSON object")
    _validate(pattern, "")
    return pattern


def matches(pattern: dict, event) -> bool:
    """Whether ``event`` (parsed JSON) matches a pattern returned by :func:`parse`.

    Example::

        matches({"n": [{"numeric": [">", 5]}]}, {"n": 7})   # True
    """
    if not isinstance(event, dict):
        return False
    for key, expected in pattern.items():
        if key == "$or":
            if not any(matches(alternative, event) for alternative in expected):
                return False
        elif isinstance(expected, dict):
            value = event.get(key, _MISSING)
            if not _matches_nested(expected, value):
                return False
        elif not _matches_rules(expected, event.get(key, _MISSING)):
            return False
    return True


def _matches_nested(pattern: dict, value) -> bool:
    if isinstance(value, list):
        return any(isinstance(item, dict) and matches(pattern, item) for item in value)
    if isinstance(value, dict):
        return matches(pattern, value)
    # A missing object still matches a nested pattern made only of {"exists": false} rules.
    return matches(pattern, {}) if value is _MISSING else False


def _matches_rules(rules: list, value) -> bool:
    for rule in rules:
        if isinstance(rule, dict) and "exists" in rule:
            matched = (value is not _MISSING) == rule["exists"]
        elif isinstance(value, list):
            matched = any(_matches_rule(rule, item) for item in value)
        else:
            matched = _matches_rule(rule, value)
        if matched:
            return True
    return False


def _matches_rule(rule, value) -> bool:
    if not isinstance(rule, dict):
        return value is not _MISSING and _same_literal(rule, value)
    ((name, argument),) = rule.items()
    if value is _MISSING:
        return False
    if name == "prefix":
        return _string_test(argument, value, str.startswith)
    if name == "suffix":
        return _string_test(argument, value, str.endswith)
    if name == "equals-ignore-case":
        return isinstance(value, str) and value.casefold() == argument.casefold()
    if name == "wildcard":
        return isinstance(value, str) and fnmatch.fnmatchcase(value, argument.replace("[", "[[]"))
    if name == "numeric":
        if not _is_number(value):
            return False
        pairs = zip(argument[::2], argument[1::2], strict=True)
        return all(_NUMERIC_OPERATORS[op](value, bound) for op, bound in pairs)
    if name == "anything-but":
        if isinstance(argument, dict):
            return not _matches_rule(argument, value)
        excluded = argument if isinstance(argument, list) else [argument]
        return not any(_same_literal(item, value) for item in excluded)
    if name == "cidr":
        try:
            return ipaddress.ip_address(value) in ipaddress.ip_network(argument, strict=False)
        except (TypeError, ValueError):
            return False
    return False


def _string_test(argument, value, test) -> bool:
    if not isinstance(value, str):
        return False
    if isinstance(argument, dict):  # {"prefix": {"equals-ignore-case": "ab"}}
        return test(value.casefold(), argument["equals-ignore-case"].casefold())
    return test(value, argument)


def _same_literal(expected, value) -> bool:
    if expected is None or isinstance(expected, bool) or isinstance(value, bool) or value is None:
        return expected is value
    if _is_number(expected):
        return _is_number(value) and json.dumps(expected) == json.dumps(value)
    return isinstance(value, str) and expected == value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# ---------------------------------------------------------------- validation


def _validate(pattern: dict, path: str) -> None:
    if not pattern:
        raise InvalidPattern(f"{path or 'the pattern'} is an empty object")
    for key, value in pattern.items():
        where = f"{path}.{key}" if path else key
        if key == "$or":
            if not isinstance(value, list) or len(value) < 2 or not all(isinstance(p, dict) for p in value):
                raise InvalidPattern(f"{where} must be a list of at least two patterns")
            for alternative in value:
                _validate(alternative, where)
        elif isinstance(value, dict):
            _validate(value, where)
        elif isinstance(value, list):
            if not value:
                raise InvalidPattern(f"{where} is an empty list of rules")
            for rule in value:
                _validate_rule(rule, where)
        else:
            raise InvalidPattern(f"{where} must be an object or a list of rules")


def _validate_rule(rule, where: str) -> None:
    if rule is None or isinstance(rule, (str, bool, int, float)):
        return
    if not isinstance(rule, dict) or len(rule) != 1:
        raise InvalidPattern(f"{where}: a rule is a literal or an object with exactly one operator")
    ((name, argument),) = rule.items()
    if name in ("prefix", "suffix"):
        if isinstance(argument, dict) and list(argument) == ["equals-ignore-case"]:
            argument = argument["equals-ignore-case"]
        if not isinstance(argument, str):
            raise InvalidPattern(f"{where}: {name} takes a string")
    elif name in ("equals-ignore-case", "wildcard", "cidr"):
        if not isinstance(argument, str):
            raise InvalidPattern(f"{where}: {name} takes a string")
        if name == "cidr":
            try:
                ipaddress.ip_network(argument, strict=False)
            except ValueError:
                raise InvalidPattern(f"{where}: {argument!r} is not a CIDR block") from None
    elif name == "exists":
        if not isinstance(argument, bool):
            raise InvalidPattern(f"{where}: exists takes true or false")
    elif name == "numeric":
        _validate_numeric(argument, where)
    elif name == "anything-but":
        if isinstance(argument, dict):
            if len(argument) != 1 or next(iter(argument)) not in (
                "prefix",
                "suffix",
                "equals-ignore-case",
                "wildcard",
            ):
                raise InvalidPattern(
                    f"{where}: anything-but takes values or one of prefix/suffix/equals-ignore-case"
                )
            _validate_rule(argument, where)
        else:
            values = argument if isinstance(argument, list) else [argument]
            if not values or not all(isinstance(v, str) or _is_number(v) for v in values):
                raise InvalidPattern(f"{where}: anything-but takes strings or numbers")
    else:
        raise InvalidPattern(f"{where}: unknown operator {name!r}")


def _validate_numeric(argument, where: str) -> None:
    if not isinstance(argument, list) or len(argument) not in (2, 4):
        raise InvalidPattern(f"{where}: numeric takes one or two [operator, number] pairs")
    operators = argument[::2]
    if not all(op in _NUMERIC_OPERATORS for op in operators) or not all(
        _is_number(n) for n in argument[1::2]
    ):
        raise InvalidPattern(f"{where}: numeric takes operators <, <=, =, >=, > each followed by a number")
    if len(argument) == 4 and not (operators[0] in (">", ">=") and operators[1] in ("<", "<=")):
        raise InvalidPattern(
            f"{where}: a numeric range is a lower bound (> or >=) then an upper bound (< or <=)"
        )
