"""Learner mistakes get a sentence, not a traceback: in a Jupyter cell (IPython), and from the
`python -m workbook` commands beyond whoami/progress/report/gradebook (see test_progress_cli.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "quizzes"
CHECK_THE_PATH = "check the path and try again"


def run_cells(*cells: str, cwd: Path) -> list[str]:
    """What an IPython shell prints for each cell (a fresh interpreter, as a new kernel would be)."""
    script = textwrap.dedent(
        """
        import sys
        from IPython.core.interactiveshell import InteractiveShell

        shell = InteractiveShell.instance(colors="NoColor")
        for cell in sys.argv[1:]:
            shell.run_cell(cell)
            print("=== end of cell", flush=True)
        """
    )
    command = [sys.executable, "-c", script, *cells]
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [output.strip() for output in result.stdout.split("=== end of cell")[:-1]]


def test_quiz_show_of_an_unknown_module_is_one_sentence_in_jupyter(tmp_path):
    """Does `quiz.show("nope")` in a notebook cell show one line listing the valid modules, no traceback?"""
    _, shown = run_cells("from workbook import quiz", 'quiz.show("nope")', cwd=tmp_path)
    assert shown.splitlines() == [
        "UnknownBank: there is no question bank 'nope'; the modules with one are: 01-serverless-concepts, "
        "02-handlers, 03-context, 04-logging-monitoring, 05-execution-environment, 06-permissions, "
        "07-packaging-configuration, 08-versions-aliases, 09-error-handling, 10-capstone-web-api"
    ]


def test_a_bank_that_is_not_utf8_is_one_sentence_in_jupyter(tmp_path):
    """Does showing a bank saved in another encoding name the file, the question and the fix, no traceback?"""
    text = (FIXTURES / "91-tiny.yaml").read_text(encoding="utf-8")
    (tmp_path / "91-tiny.yaml").write_bytes(text.replace("1000 ms make", "1000 ms – make").encode("cp1252"))
    _, shown = run_cells("from workbook import quiz", 'quiz.show("91-tiny", bank_dir=".")', cwd=tmp_path)
    assert "Traceback" not in shown and len(shown.splitlines()) == 1, shown
    assert shown.startswith("BankError: 91-tiny.yaml: question 'half-second': line ")
    assert shown.endswith("not UTF-8 text: byte 0x96; save the file with the UTF-8 encoding")


def test_a_number_too_large_to_grade_is_one_sentence_in_jupyter(tmp_path):
    """Does grading 10**400 in a cell show the InvalidResponse sentence only, never an OverflowError?"""
    _, shown = run_cells(
        f"from workbook import quiz; bank = quiz.load_bank('90-sample', {str(FIXTURES)!r})",
        "quiz.grade(bank.question('max-timeout'), 10**400)",
        cwd=tmp_path,
    )
    assert shown == "InvalidResponse: That number is too large to be an answer. Type a number in s, e.g. 128."


# --- other commands: a path that cannot be used is one line and exit status 2 ---------------------------


def workbook(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "workbook", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=120)


def last_line_error(result: subprocess.CompletedProcess, expected: str) -> None:
    """Exit status 2, no traceback, and ``expected`` as the last line on stderr."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1] == expected


@pytest.fixture
def a_file(tmp_path) -> Path:
    file = tmp_path / "notes.txt"
    file.write_text("not a folder\n", encoding="utf-8")
    return file


def test_labs_into_a_folder_under_a_file_is_one_line(a_file):
    """Does `labs --labs notes.txt/labs` say notes.txt is a file, in one line, with exit status 2?"""
    solutions = a_file.parent / "solutions"
    solutions.mkdir()
    result = workbook("labs", "--solutions", str(solutions), "--labs", str(a_file / "labs"), cwd=ROOT)
    assert result.stderr.strip().count("\n") == 0
    last_line_error(
        result,
        f"labs: cannot use {a_file / 'labs'}: {a_file} is a file, not a folder; {CHECK_THE_PATH}",
    )


def test_grade_csv_under_a_file_is_one_line(a_file):
    """Does `grade … --csv notes.txt/out.csv` end with one line naming the file in the way, exit status 2?"""
    result = workbook(
        "grade", str(a_file.parent / "gone.lab.ipynb"), "--csv", str(a_file / "out.csv"), cwd=ROOT
    )
    last_line_error(
        result,
        f"grade: cannot use {a_file / 'out.csv'}: {a_file} is a file, not a folder; {CHECK_THE_PATH}",
    )


@pytest.mark.skipif(not Path("/proc/self/mem").exists(), reason="needs Linux's /proc/self/mem (unreadable)")
def test_clean_of_an_unreadable_file_is_one_line(tmp_path):
    """Does `clean` of a file that cannot be read give one line and exit status 2?"""
    result = workbook("clean", "/proc/self/mem", cwd=tmp_path)
    reason = "the system could not read or write it (input/output error)"
    last_line_error(result, f"clean: {reason}; check the paths you gave and try again")
