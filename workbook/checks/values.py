"""What a learner passes to a check, read generously: numpy and pandas values are numbers and lists too.

Example::

    as_number(numpy.float64(1.5))          # 1.5
    as_number("1.5 ms")                    # None: text is not a number
    as_messages(pandas.Series(["a", "b"])) # ['a', 'b']
"""

from __future__ import annotations

import numbers


def as_number(value) -> float | int | None:
    """``value`` as a Python int or float when it is a number (numpy and pandas scalars included), else None.

    ``True``/``False`` are not numbers here; neither is text.
    """
    if isinstance(value, bool) or value is None:
        return None
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", 0) == 0 and type(value).__module__.startswith("numpy"):
        value = item()
        if isinstance(value, bool):
            return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return None


def type_name(value) -> str:
    """The name a learner knows the value's type by (``DataFrame``, ``list``, ``str``)."""
    return getattr(value, "type_name", None) or type(value).__name__


def as_messages(lines) -> list[str] | None:
    """A list of str from a list, tuple, pandas Series or a DataFrame with a ``message`` column; else None."""
    columns = getattr(lines, "columns", None)
    if columns is not None and "message" in list(columns):
        lines = lines["message"]
    if hasattr(lines, "tolist"):
        lines = lines.tolist()
    if isinstance(lines, (list, tuple)) and all(isinstance(line, str) for line in lines):
        return [line.rstrip("\n") for line in lines]
    return None
