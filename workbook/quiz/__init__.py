"""Knowledge checks: question banks in `quizzes/`, graded in the kernel, shown as widgets.

Example::

    from workbook import quiz
    quiz.show("02-handlers")               # the module's questions as cards

    bank = quiz.load_bank("02-handlers")   # no widgets needed to grade
    quiz.grade(bank.questions[0], 1)
"""

from __future__ import annotations

from .grading import InvalidResponse, Result, grade, normalise_text
from .model import Bank, BankError, Question, UnknownBank, UnknownQuestion, load_bank, load_banks


def show(module: str, ids: list[str] | None = None, *, bank_dir=None, record: bool = True):
    """Show a question bank as cards you can answer; each Submit is graded and saved to your progress.

    ``ids`` shows only those questions, in that order; ``record=False`` saves nothing;
    ``bank_dir`` reads the bank from another folder than the course's ``quizzes/``. A module without a
    bank raises :class:`UnknownBank` listing the modules that have one; a bank with a mistake raises
    :class:`BankError` naming the file, the question and what is wrong (both without a traceback).

    Example::

        from workbook import quiz
        quiz.show("02-handlers")
        quiz.show("02-handlers", ids=["handler-string"])
    """
    from .widget import show as _show  # ipywidgets only when a quiz is shown

    return _show(module, ids, bank_dir=bank_dir, record=record)


__all__ = [
    "Bank", "BankError", "InvalidResponse", "Question", "Result", "UnknownBank", "UnknownQuestion",
    "grade", "load_bank", "load_banks", "normalise_text", "show",
]  # fmt: skip
