"""Format amounts of money given in cents.

Example::

    >>> import tinyprice
    >>> tinyprice.format_price(123456, "EUR")
    '€1,234.56'
"""

__version__ = "1.0.0"

SYMBOLS = {"EUR": "€", "GBP": "£", "USD": "$", "JPY": "¥"}


def format_price(cents: int, currency: str = "EUR") -> str:
    """The amount ``cents`` (an integer) written with its currency symbol and two decimals."""
    if not isinstance(cents, int) or isinstance(cents, bool):
        raise TypeError(f"cents must be an integer, like 1999, not {cents!r}")
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    symbol = SYMBOLS.get(currency.upper(), currency.upper() + " ")
    return f"{sign}{symbol}{whole:,}.{fraction:02d}"
