"""Which labs have checks: every module in ``workbook/checks/labs/`` that defines ``lab = Lab(...)``.

Adding a lab is adding a file there (``m02_handlers.py`` with ``lab = Lab("02-handlers", ...)``).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.util
import pkgutil

from . import labs as _labs_package
from .model import Lab


class UnknownLab(LookupError):
    """No lab has checks under that name."""


_found: dict[str, Lab] = {}  # module slug → Lab, for the lab modules imported so far
_all_found = False


def all_labs() -> dict[str, Lab]:
    """Module slug → Lab, for every lab module in workbook/checks/labs/."""
    global _all_found
    if not _all_found:
        for info in pkgutil.iter_modules(_labs_package.__path__):
            _import(info.name)
        ordered = sorted(_found.items())  # a lab checked before the others were imported came first
        _found.clear()
        _found.update(ordered)
        _all_found = True
    return _found


def get_lab(module: str) -> Lab:
    """The lab for ``module`` (e.g. ``"01-serverless-concepts"``); UnknownLab with suggestions otherwise.

    Only that lab's checks are imported when its file follows the naming rule (``m01_serverless_concepts``),
    which keeps a learner's first check cell quick; the other labs are imported to make suggestions.
    """
    if module not in _found and not _all_found:
        name = "m" + str(module).replace("-", "_")
        if name.isidentifier() and importlib.util.find_spec(f"{_labs_package.__name__}.{name}") is not None:
            _import(name)
    if module in _found:
        return _found[module]
    labs = all_labs()
    if module in labs:
        return labs[module]
    close = _same_number(str(module), labs) or difflib.get_close_matches(str(module), labs, n=1)
    suggestion = f" Did you mean {close[0]!r}?" if close else ""
    available = ", ".join(labs) or "none"
    raise UnknownLab(f"there are no checks for {module!r}.{suggestion} Labs with checks: {available}")


def _import(name: str) -> None:
    module = importlib.import_module(f"{_labs_package.__name__}.{name}")
    lab = getattr(module, "lab", None)
    if isinstance(lab, Lab):
        _found[lab.module] = lab


def lab_for_file(stem: str) -> Lab | None:
    """The lab of a notebook file: ``02-handlers`` or ``02-handlers-alice`` → the 02-handlers lab."""
    labs = all_labs()
    matches = [slug for slug in labs if stem == slug or stem.startswith((slug + "-", slug + "_", slug + "."))]
    if matches:
        return labs[max(matches, key=len)]
    by_number = _same_number(stem, labs)
    return labs[by_number[0]] if len(by_number) == 1 else None


def _same_number(name: str, slugs) -> list[str]:
    """The slugs that start with the same ``NN-`` as ``name`` (none when ``name`` has no number)."""
    return [slug for slug in slugs if name[:3] == slug[:3] and name[:2].isdigit()]
