"""`python -m workbook whoami | progress | report | gradebook`, run as a learner and an instructor would.

A path that cannot be used gives one line on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

from workbook import progress
from workbook.__main__ import main as workbook_main

ROOT = Path(__file__).parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "quizzes"


def run(
    home: Path, *args: str, learner: str | None = "ada", cwd: Path | None = None
) -> subprocess.CompletedProcess:
    """`python -m workbook ARGS` with WORKBOOK_HOME=home, in ``cwd`` (default: home).

    In this process (``workbook.__main__.main``, as `python -m workbook` calls it), with the environment, the
    working folder and the standard streams of a fresh command: a child Python per call cost more than the
    commands themselves.
    """
    env = dict(os.environ, WORKBOOK_HOME=str(home))
    env.pop("WORKBOOK_LEARNER", None)
    if learner is not None:
        env["WORKBOOK_LEARNER"] = learner
    out, err = io.StringIO(), io.StringIO()
    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    try:
        os.environ.clear()
        os.environ.update(env)
        os.chdir(cwd or home)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = workbook_main(list(args))
            except SystemExit as stop:  # argparse's usage errors
                code = stop.code if isinstance(stop.code, int) else 2
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
    command = ["python", "-m", "workbook", *args]
    return subprocess.CompletedProcess(command, code or 0, out.getvalue(), err.getvalue())


def write_log(home: Path, learner: str, answers: list[tuple[str, object, bool]]) -> Path:
    """A real attempt log, written by workbook.progress.record as a notebook kernel writes it."""
    saved = dict(os.environ)
    try:
        os.environ.update(WORKBOOK_HOME=str(home), WORKBOOK_LEARNER=learner)
        for item, response, correct in answers:
            progress.record("90-sample", item, response, correct, 1.0 if correct else 0.0, bank_version=3)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return home / "attempts.jsonl"


@pytest.fixture
def ada_home(tmp_path):
    home = tmp_path / "ada"
    answers = [("handler-string", 1, False), ("handler-string", 0, True), ("max-timeout", "900", True)]
    write_log(home, "ada", answers)
    return home


def test_whoami_set_then_show(tmp_path):
    """Does `whoami --set "Ada"` save the name that `whoami` then shows?"""
    saved = run(tmp_path, "whoami", "--set", "Ada Lovelace", learner=None)
    assert saved.returncode == 0, saved.stderr
    shown = run(tmp_path, "whoami", learner=None)
    assert shown.stdout.startswith("Ada Lovelace")


def test_whoami_says_the_environment_wins(tmp_path):
    """Does `whoami` say where the name comes from when WORKBOOK_LEARNER is set?"""
    assert "WORKBOOK_LEARNER" in run(tmp_path, "whoami", learner="ci").stdout


def test_progress_prints_a_table_per_module(ada_home):
    """Does `progress` show the module with items, attempts and first-try accuracy?"""
    result = run(ada_home, "progress")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.strip().splitlines()[-2:]
    assert "first_try_accuracy" in header and "attempts" in header
    assert row.split()[:4] == ["90-sample", "2", "3", "1"]
    assert "50%" in row


def test_progress_of_one_module_lists_its_questions(ada_home):
    """Does `progress --module 90-sample` list each question tried?"""
    result = run(ada_home, "progress", "--module", "90-sample")
    assert "handler-string" in result.stdout and "max-timeout" in result.stdout


def test_progress_with_no_log_says_so(tmp_path):
    """With no attempts yet, does `progress` say so and succeed?"""
    result = run(tmp_path, "progress")
    assert result.returncode == 0 and "No attempts recorded yet" in result.stdout


def test_report_writes_one_csv_row_per_attempt(ada_home, tmp_path):
    """Does `report --csv out.csv` write every attempt, with the response as JSON?"""
    out = tmp_path / "out.csv"
    result = run(ada_home, "report", "--csv", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["item_id"], r["attempt"], r["correct"]) for r in rows] == [
        ("handler-string", "1", "False"), ("handler-string", "2", "True"), ("max-timeout", "1", "True")
    ]  # fmt: skip
    assert json.loads(rows[2]["response"]) == "900"


def test_report_survives_a_damaged_line(ada_home, tmp_path):
    """Does a damaged line give a warning on stderr, not a failure?"""
    with (ada_home / "attempts.jsonl").open("a", encoding="utf-8") as log:
        log.write("garbage\n")
    result = run(ada_home, "report", "--csv", str(tmp_path / "out.csv"))
    assert result.returncode == 0 and "damaged line" in result.stderr


def test_gradebook_merges_learners_into_tables_and_a_plot(tmp_path, ada_home):
    """Does `gradebook LOG... --out DIR` write per-learner, per-question and per-concept CSVs and a PNG?"""
    bob = write_log(tmp_path / "bob", "bob", [("handler-string", 2, False), ("max-timeout", "15", False)])
    out = tmp_path / "book"
    result = run(tmp_path, "gradebook", str(ada_home / "attempts.jsonl"), str(bob), "--out", str(out),
                 "--banks", str(FIXTURES))  # fmt: skip
    assert result.returncode == 0, result.stderr
    learners = {r["learner"]: r for r in csv.DictReader((out / "learners.csv").open())}
    assert set(learners) == {"ada", "bob"} and learners["bob"]["first_try_correct"] == "0"
    questions = list(csv.DictReader((out / "questions.csv").open()))
    assert questions[0]["item_id"] == "handler-string" and float(questions[0]["first_try_accuracy"]) == 0.0
    assert "handler" in questions[0]["tags"]
    concepts = {r["tag"] for r in csv.DictReader((out / "concepts.csv").open())}
    assert {"handler", "limits"} <= concepts
    assert (out / "first_try_accuracy.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(list(csv.DictReader((out / "attempts.csv").open()))) == 5


def test_gradebook_reads_a_folder_and_drops_duplicate_logs(tmp_path, ada_home):
    """Given a folder with the same log twice, is each attempt counted once?"""
    logs = tmp_path / "logs"
    logs.mkdir()
    for name in ("ada.jsonl", "ada-copy.jsonl"):
        (logs / name).write_bytes((ada_home / "attempts.jsonl").read_bytes())
    out = tmp_path / "book"
    assert run(tmp_path, "gradebook", str(logs), "--out", str(out), "--banks", str(FIXTURES)).returncode == 0
    assert len(list(csv.DictReader((out / "attempts.csv").open()))) == 3


def test_gradebook_regrade_against_a_changed_bank(tmp_path, ada_home):
    """With --regrade BANKDIR, is every quiz attempt graded again and the changes listed?"""
    changed = tmp_path / "my-banks"
    changed.mkdir()
    text = (FIXTURES / "90-sample.yaml").read_text(encoding="utf-8")
    (changed / "90-sample.yaml").write_text(text.replace("answer: 900\n", "answer: 901\n"), encoding="utf-8")
    out = tmp_path / "book"
    log = str(ada_home / "attempts.jsonl")
    result = run(tmp_path, "gradebook", log, "--regrade", str(changed), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = {(r["item_id"], r["attempt"]): r for r in csv.DictReader((out / "regraded.csv").open())}
    assert rows[("max-timeout", "1")]["regrade"] == "changed"
    assert rows[("max-timeout", "1")]["correct"] == "False"
    assert rows[("handler-string", "2")]["regrade"] == "same"


def test_gradebook_without_attempts_fails_clearly(tmp_path):
    """Does gradebook on an empty folder exit non-zero with a message?"""
    (tmp_path / "empty").mkdir()
    result = run(tmp_path, "gradebook", str(tmp_path / "empty"), "--out", str(tmp_path / "book"))
    assert result.returncode == 1 and "no attempts" in result.stderr


# --- paths that cannot be used: one line on stderr, exit status 2 ------------------------------------------


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    """Exit status 2 and a single stderr line holding every fragment, no traceback."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


def _can_create_files_in(folder: Path) -> bool:
    probe = folder / f".workbook-probe-{os.getpid()}"
    try:
        os.close(os.open(probe, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except OSError:
        return False
    probe.unlink()
    return True


@pytest.fixture
def read_only_folder(tmp_path):
    """An existing folder in which this user cannot create files.

    As a normal user, a folder without write permission. Root ignores permission bits, so as root it is
    Linux's /sys, which refuses new files even to root; where there is none, the test is skipped.
    """
    if os.name != "nt" and os.geteuid() != 0:
        folder = tmp_path / "read-only"
        folder.mkdir()
        folder.chmod(0o555)
        yield folder
        folder.chmod(0o755)
        return
    system = Path("/sys")
    if not system.is_dir() or _can_create_files_in(system):
        pytest.skip("running as root, and no folder here refuses root's writes (Linux's /sys does)")
    yield system


@pytest.fixture
def a_file(tmp_path) -> Path:
    file = tmp_path / "notes.txt"
    file.write_text("not a folder\n", encoding="utf-8")
    return file


def test_report_csv_under_a_file_is_one_line(ada_home, a_file):
    """Does `report --csv notes.txt/out.csv` say that notes.txt is a file, in one line, with exit status 2?"""
    result = run(ada_home, "report", "--csv", str(a_file / "out.csv"))
    assert_one_line_error(
        result, f"report: cannot write {a_file / 'out.csv'}: {a_file} is a file, not a folder; choose another"
    )


def test_report_csv_into_a_read_only_folder_is_one_line(ada_home, read_only_folder):
    """Does `report --csv` into a folder that refuses writes say "permission denied", in one line?"""
    out = read_only_folder / "out.csv"
    result = run(ada_home, "report", "--csv", str(out))
    assert_one_line_error(
        result, f"report: cannot write {out}: permission denied; choose another file for --csv"
    )
    assert not out.exists()


def test_report_csv_to_a_folder_is_one_line(ada_home, tmp_path):
    """Does `report --csv` given a folder say it is a folder, not a file?"""
    result = run(ada_home, "report", "--csv", str(tmp_path))
    assert_one_line_error(result, f"{tmp_path} is a folder, not a file")


def test_whoami_set_on_a_read_only_home_is_one_line(read_only_folder):
    """Does `whoami --set` with WORKBOOK_HOME on a folder that refuses writes say so and how to fix it?"""
    result = run(read_only_folder, "whoami", "--set", "Ada", learner=None)
    assert_one_line_error(
        result,
        f"whoami: cannot save your name in {read_only_folder} (WORKBOOK_HOME): permission denied; "
        "point WORKBOOK_HOME at a folder you can write to",
    )


def test_whoami_set_on_a_home_under_a_file_is_one_line(a_file):
    """Does `whoami --set` with WORKBOOK_HOME under a regular file name that file?"""
    result = run(a_file / "home", "whoami", "--set", "Ada", learner=None, cwd=a_file.parent)
    assert_one_line_error(
        result, f"cannot save your name in {a_file / 'home'} (WORKBOOK_HOME): {a_file} is a file"
    )


@pytest.mark.parametrize(
    "args",
    [["whoami"], ["whoami", "--set", "Ada"], ["progress"], ["report"], ["report", "--csv", "out.csv"]],
    ids=" ".join,
)
def test_workbook_home_pointing_at_a_file_is_one_line(a_file, args):
    """With WORKBOOK_HOME pointing at a file, does every command that uses it say so in one line, exit 2?"""
    result = run(a_file, *args, cwd=a_file.parent)
    assert_one_line_error(
        result, f"{args[0]}: cannot ", f"{a_file} (WORKBOOK_HOME): {a_file} is a file, not a"
    )


@pytest.mark.parametrize("command", ["progress", "report"])
def test_log_that_is_missing_or_a_folder_is_one_line(tmp_path, command):
    """Does `--log` naming a missing file or a folder give one line, not "No attempts" or a traceback?"""
    assert_one_line_error(run(tmp_path, command, "--log", "gone.jsonl"), "gone.jsonl: there is no such file")
    assert_one_line_error(
        run(tmp_path, command, "--log", str(tmp_path)), f"{tmp_path} is a folder, not a file"
    )


def test_gradebook_out_under_a_file_is_one_line(ada_home, a_file):
    """Does `gradebook --out notes.txt/book` say that notes.txt is a file, in one line, with exit status 2?"""
    result = run(ada_home, "gradebook", str(ada_home / "attempts.jsonl"), "--out", str(a_file / "book"))
    assert_one_line_error(
        result, f"gradebook: cannot write {a_file / 'book'}: {a_file} is a file, not a folder"
    )


def test_gradebook_warns_about_an_unreadable_log_and_reads_the_others(tmp_path, ada_home):
    """In a folder of logs, does one that cannot be read give a warning while the others are counted?"""
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "ada.jsonl").write_bytes((ada_home / "attempts.jsonl").read_bytes())
    (logs / "broken.jsonl").mkdir()  # found by the folder search, but not a file
    result = run(tmp_path, "gradebook", str(logs), "--out", str(tmp_path / "book"), "--banks", str(FIXTURES))
    assert result.returncode == 0, result.stderr
    assert "warning: cannot read the attempt log" in result.stderr and "broken.jsonl" in result.stderr
    assert len(list(csv.DictReader((tmp_path / "book" / "attempts.csv").open()))) == 3


def test_damaged_lines_are_one_warning_naming_them(ada_home, tmp_path):
    """Do several damaged lines give one warning with the file and their line numbers, and exit 0?"""
    with (ada_home / "attempts.jsonl").open("ab") as log:
        log.write(b'{"correct": "no"}\n' + b"[" * 100_000 + b"\n")
    result = run(ada_home, "report", "--csv", str(tmp_path / "out.csv"))
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines() == [
        f"warning: {ada_home / 'attempts.jsonl'}: skipped 2 damaged lines (4, 5): line 4: missing "
        "'time', 'learner', 'module', 'item_id', 'attempt', 'score'; "
        "line 5: nested too deeply to be an attempt record"
    ]
