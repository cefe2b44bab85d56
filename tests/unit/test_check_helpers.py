"""The helpers fair checks are built from: least privilege, log levels, percentiles, numbers, answers, attempts."""

from __future__ import annotations

import json
import statistics

import numpy as np
import pandas as pd
import pytest

from workbook import checks, progress
from workbook.checks import Lab, answers, iam_policies, registry
from workbook.checks.fresh import HIDDEN, Fresh
from workbook.checks.iam_policies import Grant
from workbook.checks.log_levels import is_error, level_of
from workbook.checks.stats import quantile, quantile_range
from workbook.checks.values import as_messages, as_number

TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/upload-catalog"
LOGS = iam_policies.log_writing("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/upload-indexer")
NEEDS = [*LOGS, Grant(("dynamodb:PutItem",), TABLE)]


def policy(*statements) -> list[dict]:
    return [{"Version": "2012-10-17", "Statement": list(statements)}]


def allow(action, resource="*") -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


WRITE_LOGS = allow(["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"])


# least privilege


def test_exactly_the_needed_grants_are_neither_missing_nor_excess():
    """Does a policy with logs and PutItem on the table pass both ways?"""
    documents = policy(WRITE_LOGS, allow("dynamodb:PutItem", TABLE))
    assert iam_policies.missing(documents, NEEDS) == []
    assert iam_policies.excess(documents, NEEDS) == []


@pytest.mark.parametrize(
    "statement, named",
    [
        (allow("dynamodb:*", TABLE), "dynamodb:*"),
        (allow(["dynamodb:PutItem", "dynamodb:GetItem"], TABLE), "dynamodb:GetItem"),
        (allow("dynamodb:Put*", TABLE), "dynamodb:Put*"),
        (allow("dynamodb:PutItem", "*"), "dynamodb:PutItem on '*'"),
        (allow("dynamodb:PutItem", TABLE.replace("upload-catalog", "upload-*")), "upload-*"),
        (allow("*"), "*"),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}, "NotAction"),
    ],
)
def test_every_grant_beyond_the_needs_is_named(statement, named):
    """Is each action or resource beyond what the role needs named in what excess() returns?"""
    documents = policy(WRITE_LOGS, allow("dynamodb:PutItem", TABLE), statement)
    assert any(named in found for found in iam_policies.excess(documents, NEEDS))


def test_a_wildcard_that_covers_only_needed_actions_is_not_excess():
    """Is logs:PutLogEv* (which covers nothing but PutLogEvents) accepted?"""
    documents = policy(allow(["logs:CreateLogStream", "logs:PutLogEv*"]), allow("dynamodb:PutItem", TABLE))
    assert iam_policies.excess(documents, NEEDS) == []


def test_a_grant_on_another_resource_is_missing_the_needed_one():
    """Does PutItem on another table leave the table's grant missing?"""
    documents = policy(WRITE_LOGS, allow("dynamodb:PutItem", TABLE.replace("upload-catalog", "uploads")))
    assert [g.actions for g in iam_policies.missing(documents, NEEDS)] == [("dynamodb:PutItem",)]


def test_a_trust_policy_must_admit_lambda_and_nobody_else():
    """Are other services, accounts and '*' named as trust problems, and Lambda alone accepted?"""
    def trust(principal):
        return {"Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}]}

    assert iam_policies.trust_problems(trust({"Service": "lambda.amazonaws.com"})) == []
    assert "ec2.amazonaws.com" in iam_policies.trust_problems(trust({"Service": ["lambda.amazonaws.com",
                                                                                 "ec2.amazonaws.com"]}))[0]
    assert "anyone" in iam_policies.trust_problems(trust("*"))[0]
    assert "arn:aws:iam::111122223333:root" in iam_policies.trust_problems(trust({"AWS": "arn:aws:iam::111122223333:root"}))[0]


# log levels


@pytest.mark.parametrize(
    "line, level",
    [
        ("[ERROR]\t2025-01-01T00:00:00.000Z\tabc\tnot indexed", "ERROR"),
        ("[WARNING]\t2025-01-01T00:00:00.000Z\tabc\tslow", "WARNING"),
        ('{"level": "error", "message": "declined"}', "ERROR"),
        ('{"levelname": "INFO", "message": "charged"}', "INFO"),
        ("ERROR: not indexed", "ERROR"),
        ("WARN something", "WARNING"),
        ("charged order 7", None),
        ("Errors are fine", None),
    ],
)
def test_the_level_of_a_line_in_each_format(line, level):
    """Is the level read from the runtime's format, JSON lines and a leading level word, and None otherwise?"""
    assert level_of(line) == level


def test_critical_counts_as_error():
    """Is a CRITICAL line at ERROR or above?"""
    assert is_error("[CRITICAL]\tx\ty\tdisk full") and not is_error('{"level": "INFO"}')


# percentiles and numbers


def test_every_common_percentile_definition_is_within_the_range():
    """Do pandas', numpy's and both statistics methods' p95 fall within quantile_range, and the max not?"""
    values = [12.5, 3.25, 40.0, 7.75, 7.75, 100.5, 1.0, 5.0, 6.5, 9.25, 11.0]
    low, high = quantile_range(values, 0.95)
    for answer in (pd.Series(values).quantile(0.95), np.percentile(values, 95),
                   statistics.quantiles(values, n=20)[-1], statistics.quantiles(values, n=20, method="inclusive")[-1]):
        assert low - 1e-9 <= answer <= high + 1e-9
    assert quantile(values, 0.5) == pytest.approx(pd.Series(values).median())
    assert not low <= sum(values) / len(values) <= high


def test_numpy_and_pandas_scalars_are_numbers_and_text_is_not():
    """Are numpy/pandas scalars numbers, and booleans, text and None not?"""
    assert as_number(np.float64(1.5)) == 1.5 and as_number(np.int64(3)) == 3
    assert as_number(pd.Series([2.5]).quantile(0.5)) == 2.5
    assert [as_number(v) for v in (True, "1.5", None, np.bool_(True))] == [None] * 4


def test_messages_come_from_lists_series_and_frames():
    """Are a list, a Series and a DataFrame with a message column all lists of messages?"""
    assert as_messages(["a\n", "b"]) == ["a", "b"]
    assert as_messages(pd.Series(["a", "b"])) == ["a", "b"]
    assert as_messages(pd.DataFrame({"message": ["a"], "timestamp": [1]})) == ["a"]
    assert as_messages([1, 2]) is None


# private inputs


def test_fresh_values_differ_each_time_and_are_hidden():
    """Are fresh names new every run, and replaced by ‹hidden› in feedback?"""
    first, second = Fresh(), Fresh()
    name = first.name("Checker-")
    assert name != second.name("Checker-")
    assert first.hide(f"you greeted {name}") == f"you greeted Checker-{HIDDEN}"


# answers carried from the kernel


CATALOG = """
class NotAFile(ValueError):
    pass


def catalog_entry(bucket, key, size):
    if key.endswith("/"):
        raise NotAFile(f"{key} is a folder")
    return {"object_key": key, "bucket": bucket, "size_bytes": size}
"""


def test_answers_travel_as_data_with_their_types():
    """Do numpy scalars, Series, frames, tuples and bytes come back as values a check can test?"""
    namespace = {
        "answer": {"count": np.int64(3), "p50": np.float64(1.5)},
        "lines": pd.Series(["START", "END"]),
        "frame": pd.DataFrame({"message": ["x"]}),
        "pair": ("id", b"\x00raw"),
    }
    exported = answers.export(namespace, ["answer", "lines", "frame", "pair", "missing"], "99-none")
    decoded = answers.decode(exported)["named"]
    assert decoded["answer"] == {"count": 3, "p50": 1.5} and type(decoded["answer"]["count"]) is int
    assert decoded["lines"].tolist() == ["START", "END"]
    assert decoded["frame"]["message"].tolist() == ["x"]
    assert decoded["pair"] == ("id", b"\x00raw")
    assert "missing" not in decoded


def test_a_function_answer_runs_in_its_own_process(tmp_path, monkeypatch):
    """Does a function travel as its module's source and run elsewhere, raising the nearest built-in error?"""
    (tmp_path / "catalog.py").write_text(CATALOG)
    monkeypatch.syspath_prepend(str(tmp_path))
    import catalog

    exported = answers.export({"catalog": catalog}, ["catalog.catalog_entry"], "99-none")
    remote = answers.decode(exported)["named"]["catalog.catalog_entry"]
    try:
        assert isinstance(remote, answers.RemoteFunction)
        assert remote("b", "cat.png", 3) == {"object_key": "cat.png", "bucket": "b", "size_bytes": 3}
        with pytest.raises(ValueError, match="is a folder") as raised:
            remote("b", "photos/", 0)
        assert raised.value.learner_type == "NotAFile"
    finally:
        remote.close()


def test_a_function_answer_can_import_its_neighbours(tmp_path, monkeypatch):
    """Does a catalog.py that imports a module of its own folder still run in the separate process?"""
    (tmp_path / "kinds.py").write_text("IMAGES = {'png'}\n")
    (tmp_path / "shelf.py").write_text("from kinds import IMAGES\n\ndef kind(name):\n    return name in IMAGES\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    import shelf

    remote = answers.decode(answers.export({"shelf": shelf}, ["shelf.kind"], "99-none"))["named"]["shelf.kind"]
    try:
        assert remote("png") is True and remote("txt") is False
    finally:
        remote.close()


def test_an_object_that_cannot_travel_keeps_its_type_name():
    """Does an answer of an unknown type arrive as an Opaque with its type name, for the feedback?"""
    decoded = answers.decode(answers.export({"x": object()}, ["x"], "99-none"))["named"]["x"]
    assert isinstance(decoded, answers.Opaque) and decoded.type_name == "object"
    assert json.loads(answers.export({}, [], "99-none")) == {"named": {}, "passed": {}}


# one check run is one attempt


@pytest.fixture
def one_step_lab(monkeypatch, tmp_path):
    lab = Lab("98-attempts", "Attempts")

    @lab.step("only", "The only step")
    def only(aws, answer=None):
        if answer != 42:
            raise checks.Failed(f"{answer} is not it")
        return "right"

    monkeypatch.setitem(registry.all_labs(), lab.module, lab)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("WORKBOOK_HOME", str(tmp_path))
    monkeypatch.setattr("workbook.sandbox.current", lambda: None)
    for memory in (checks._remembered, checks._answered_at, checks._last_recorded):
        memory.clear()
    yield lab
    for memory in (checks._remembered, checks._answered_at, checks._last_recorded):
        memory.clear()


def test_passing_a_step_then_running_the_table_is_one_attempt(one_step_lab):
    """Does a step's check cell followed by the all-steps table record the pass once?"""
    checks.step("98-attempts", "only").check(42)
    checks.run("98-attempts")
    assert [(a["item_id"], a["correct"]) for a in progress.attempts()] == [("only", True)]


def test_a_changed_result_is_a_new_attempt(one_step_lab):
    """Do a wrong answer, the same wrong answer again, and then a right one make two attempts?"""
    checks.step("98-attempts", "only").check(41)
    checks.step("98-attempts", "only").check(41)
    checks.step("98-attempts", "only").check(42)
    assert [a["correct"] for a in progress.attempts()] == [False, True]
