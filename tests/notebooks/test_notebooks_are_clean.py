"""Is every committed notebook clean: no outputs, no execution counts, no widget or editor metadata?"""

from __future__ import annotations

import pytest

from workbook.authoring.clean import find_notebooks, unclean_reasons
from workbook.authoring.layout import NOTEBOOK_DIRS, repo_root

ROOT = repo_root()
NOTEBOOKS = find_notebooks([ROOT / d for d in NOTEBOOK_DIRS if (ROOT / d).is_dir()])


def test_the_welcome_notebook_is_among_those_checked():
    """Does the cleanliness check actually see the committed notebooks (so it cannot pass vacuously)?"""
    assert ROOT / "notebooks" / "00-welcome.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[str(p.relative_to(ROOT)) for p in NOTEBOOKS])
def test_notebook_is_committed_clean(notebook):
    """Is this notebook clean, as `make clean` leaves it?"""
    reasons = unclean_reasons(notebook)
    shown = notebook.relative_to(ROOT)
    assert not reasons, (
        f"{shown} is not clean ({'; '.join(reasons)}). "
        f"Fix: `python -m workbook clean {shown}` (or `make clean` for every notebook), then commit."
    )
