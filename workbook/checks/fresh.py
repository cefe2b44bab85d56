"""Private inputs for one check run: new random names and values every time, never shown in feedback.

A check that always sends the same event can be passed by a handler that hard-codes the answer. Each check
run gets its own :class:`Fresh` (``aws.fresh``); every name it makes is remembered, and the framework hides
them in the feedback (``‹hidden›``), so a learner can neither predict nor read them.

Example (inside a check)::

    name = aws.fresh.name("Checker-")            # 'Checker-q7kz2m', different on every run
    amount = aws.fresh.randint(100, 99_999)
"""

from __future__ import annotations

import random
import string

HIDDEN = "‹hidden›"
_ALPHABET = string.ascii_lowercase + string.digits


class Fresh:
    """Random values for one check run, drawn from the operating system's generator (not seedable)."""

    def __init__(self):
        self._random = random.SystemRandom()
        self._private: set[str] = set()

    def token(self, length: int = 6) -> str:
        """``length`` random lower-case letters and digits, remembered as private."""
        return self.private("".join(self._random.choice(_ALPHABET) for _ in range(length)))

    def name(self, prefix: str = "", length: int = 6, suffix: str = "") -> str:
        """``prefix`` + a random token + ``suffix``; the token is hidden wherever it appears."""
        return f"{prefix}{self.token(length)}{suffix}"

    def private(self, text: str) -> str:
        """Remember ``text`` (and returns it): it is hidden in the feedback of this run."""
        if len(str(text)) >= 3:
            self._private.add(str(text))
        return text

    def randint(self, low: int, high: int) -> int:
        return self._random.randint(low, high)

    def uniform(self, low: float, high: float) -> float:
        return self._random.uniform(low, high)

    def choice(self, options):
        return self._random.choice(list(options))

    def sample(self, options, k: int) -> list:
        return self._random.sample(list(options), k)

    def shuffled(self, options) -> list:
        items = list(options)
        self._random.shuffle(items)
        return items

    def hide(self, text: str) -> str:
        """``text`` with every private value replaced by ``‹hidden›``."""
        for value in sorted(self._private, key=len, reverse=True):
            text = text.replace(value, HIDDEN)
        return text
