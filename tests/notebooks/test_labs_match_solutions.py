"""Do the committed labs equal what their solutions generate today?"""

from __future__ import annotations

from workbook.authoring.labs import lab_drift
from workbook.authoring.layout import repo_root

ROOT = repo_root()


def test_labs_are_regenerated_from_the_current_solutions():
    """Does regenerating every lab from solutions/ into a temporary folder give exactly labs/?"""
    drift = lab_drift(ROOT / "solutions", ROOT / "labs")
    assert not drift, (
        "labs/ is out of date with solutions/:\n  "
        + "\n  ".join(drift)
        + "\nFix: run `make labs` (python -m workbook labs) and commit labs/. Never edit a lab by hand."
    )
