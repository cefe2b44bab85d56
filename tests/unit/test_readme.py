"""Does the README tell the truth about the course it describes?"""

import json
import re
from pathlib import Path

import pytest

from workbook.authoring.layout import course_path, module_slug
from workbook.quiz.model import load_banks

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
MAP_ROWS = {int(m.group(1)): m.group(0) for m in re.finditer(r"^\| (\d\d) · .*$", README, re.MULTILINE)}


def _estimated_minutes(notebook: Path) -> int:
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    text = "".join("".join(c["source"]) for c in cells[:3] if c["cell_type"] == "markdown")
    return int(re.search(r"\*\*Estimated time:\*\* (\d+) minutes", text).group(1))


@pytest.mark.parametrize("bank", load_banks(), ids=lambda b: b.module)
def test_course_map_gives_each_banks_question_count(bank):
    """Is each module's question count in the course map the number of questions in its bank?"""
    row = MAP_ROWS[int(bank.module[:2])]
    assert f"| {len(bank.questions)} questions |" in row


def test_course_map_total_is_the_sum_of_the_banks():
    """Is the total the README states the real number of questions?"""
    total = sum(len(bank.questions) for bank in load_banks())
    assert f"hold {total} questions" in README


@pytest.mark.parametrize("folder", ["notebooks", "labs"])
def test_course_map_times_match_the_notebooks(folder):
    """Does every lesson and lab in the map show the estimated time its notebook states?"""
    for notebook in sorted((ROOT / folder).glob("[0-9][0-9]-*.ipynb")):
        source = ROOT / course_path("solutions", module_slug(notebook)) if folder == "labs" else notebook
        minutes = _estimated_minutes(source)
        row = MAP_ROWS[int(notebook.name[:2])]
        link = f"{minutes} min](labs/{notebook.name})" if folder == "labs" else f"| {minutes} min |"
        assert link in row, f"{notebook.name}: README course map should say {minutes} min"
