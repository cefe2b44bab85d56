"""Lab 08's checks against a real sandbox: each one fails (or says not done yet) and passes when it should."""

from __future__ import annotations

import functools
import json
import random
import time
from datetime import UTC, datetime, timedelta

import pytest

from workbook import checks, lambda_runtime
from workbook.deploy import create_execution_role, deploy_function

from .lab_checks import check_step, forget_answers  # noqa: F401 (autouse fixture)

pytestmark = pytest.mark.sandbox

LAB = "08-versions-aliases"
check = functools.partial(check_step, LAB)
NOT_ATTEMPTED, FAILED, PASSED = checks.Status.NOT_ATTEMPTED, checks.Status.FAILED, checks.Status.PASSED

RELEASE_1 = """
import math


def quote_cents(weight_kg, country):
    kilos = max(1, math.ceil(weight_kg))
    if country == "US":
        return 499 + 150 * kilos
    return 1499 + 400 * kilos


def handler(event, context):
    cents = quote_cents(event["weight_kg"], event["country"])
    return {"order_id": event["order_id"], "shipping_cents": cents}
"""

RELEASE_2 = RELEASE_1.replace(
    "    return {", '    if event["coupon"] == "FREESHIP":\n        cents = 0\n    return {'
)
FIXED = RELEASE_2.replace('event["coupon"] == "FREESHIP"', 'event.get("coupon") == "FREESHIP"')
# The same fix written another way: look before you leap.
FIXED_OTHERWISE = RELEASE_2.replace(
    'if event["coupon"] == "FREESHIP":', 'if "FREESHIP" in event.get("coupon", ""):'
)
START = datetime.now(UTC) - timedelta(minutes=5)


@pytest.fixture(autouse=True)
def repeatable_routing():
    """The weighted alias picks the same versions in every run of these tests."""
    lambda_runtime.seed(8)
    yield
    lambda_runtime.seed(None)


def lam_of(sb):
    return sb.client("lambda")


def deploy(sb, source, role="shipping-role", **config) -> None:
    role_arn = create_execution_role(sb.client("iam"), role)
    deploy_function(lam_of(sb), "shipping", {"app.py": source}, role_arn, **config)


def release(sb, source) -> str:
    """Deploy ``source`` to $LATEST and publish it; the new version's number."""
    deploy(sb, source)
    return lam_of(sb).publish_version(FunctionName="shipping")["Version"]


def route(sb, primary: str, weights: dict | None = None) -> None:
    routing = {"AdditionalVersionWeights": weights or {}}
    lam_of(sb).update_alias(
        FunctionName="shipping", Name="live", FunctionVersion=primary, RoutingConfig=routing
    )


def send_orders(sb, count: int, seed: int = 3) -> None:
    """Orders through shipping:live, as the lab's checkout sends them (seven in ten without a coupon)."""
    rng = random.Random(seed)
    for n in range(count):
        order = {
            "order_id": f"O-{n}",
            "weight_kg": round(rng.uniform(0.2, 25), 1),
            "country": rng.choice(["US", "DE"]),
        }
        if rng.random() < 0.3:
            order["coupon"] = rng.choice(["FREESHIP", "SPRING10"])
        lam_of(sb).invoke(FunctionName="shipping", Qualifier="live", Payload=json.dumps(order))


def into_the_next_second() -> None:
    """Wait (under a second) until the clock has passed into the next whole second."""
    second = int(time.time())
    deadline = time.monotonic() + 2
    while int(time.time()) == second and time.monotonic() < deadline:
        time.sleep(0.01)


def live_metric(sb, metric: str, version: str, resource: str = "shipping:live") -> int:
    dimensions = [{"Name": "FunctionName", "Value": "shipping"}, {"Name": "Resource", "Value": resource},
                  {"Name": "ExecutedVersion", "Value": version}]  # fmt: skip
    stats = sb.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Dimensions=dimensions, StartTime=START,
        EndTime=datetime.now(UTC) + timedelta(minutes=1), Period=60, Statistics=["Sum"],
    )  # fmt: skip
    return int(sum(point["Sum"] for point in stats["Datapoints"]))


def canary_metrics(sb) -> dict:
    return {v: {m: live_metric(sb, m, v) for m in ("Invocations", "Errors")} for v in ("1", "2")}


def published_and_live(sb) -> None:
    """Step 1 done: version 1 is release 1 and live points at it."""
    release(sb, RELEASE_1)
    lam_of(sb).create_alias(FunctionName="shipping", Name="live", FunctionVersion="1")


def canary_running(sb, weight: float = 0.1, orders: int = 150) -> None:
    """Step 2 done but for the answer: version 2 is release 2 with ``weight`` of live, orders went through."""
    published_and_live(sb)
    assert release(sb, RELEASE_2) == "2"
    route(sb, "1", {"2": weight})
    send_orders(sb, orders)


def rolled_back(sb) -> None:
    """Steps 1-3 done: the canary of version 2 failed, and live is back on version 1."""
    canary_running(sb)
    route(sb, "1")


def promoted_through_canary(sb, source: str = FIXED) -> str:
    """Steps 1-4 done: the fix went through a canary and live runs it."""
    rolled_back(sb)
    fix = release(sb, source)
    route(sb, "1", {fix: 0.1})
    send_orders(sb, 60, seed=4)
    route(sb, "1", {fix: 0.5})
    send_orders(sb, 60, seed=5)
    route(sb, fix)
    return fix


# every step


def test_every_step_is_not_attempted_before_the_function_exists(sb):
    """Do all four steps say "not done yet" on a fresh sandbox?"""
    report = checks.results(LAB)
    assert [o.status for o in report.outcomes] == [NOT_ATTEMPTED] * 4


def test_the_starter_state_is_not_attempted_for_every_step(sb):
    """With release 1 deployed and nothing published (the lab's setup), is every step still "not done yet"?"""
    deploy(sb, RELEASE_1)
    report = checks.results(LAB)
    assert [o.status for o in report.outcomes] == [NOT_ATTEMPTED] * 4


# publish


def test_publish_passes_when_version_1_is_release_1_and_live_points_at_it(sb):
    """Does version 1 of release 1 with live on it pass?"""
    published_and_live(sb)
    outcome = check("publish")
    assert outcome.status is PASSED, outcome.feedback
    assert "live points at version 1" in outcome.feedback


def test_publish_passes_when_the_function_was_created_with_publish(sb):
    """Is create_function(Publish=True) and an alias made with the function's ARN right too?"""
    config = deploy_function(
        lam_of(sb), "shipping", {"app.py": RELEASE_1},
        create_execution_role(sb.client("iam"), "shipping-role"), Publish=True,
    )  # fmt: skip
    lam_of(sb).create_alias(FunctionName=config["FunctionArn"], Name="live", FunctionVersion="1")
    assert check("publish").status is PASSED


def test_publish_fails_when_live_points_at_latest(sb):
    """Does an alias on $LATEST fail, saying why it is no place for customers?"""
    release(sb, RELEASE_1)
    lam_of(sb).create_alias(FunctionName="shipping", Name="live", FunctionVersion="$LATEST")
    outcome = check("publish")
    assert outcome.status is FAILED
    assert "$LATEST" in outcome.feedback and "every deployment" in outcome.feedback


def test_publish_fails_when_version_1_holds_release_2(sb):
    """Does publishing only after deploying release 2 fail on an order without a coupon, naming the order?"""
    release(sb, RELEASE_2)
    lam_of(sb).create_alias(FunctionName="shipping", Name="live", FunctionVersion="1")
    outcome = check("publish")
    assert outcome.status is FAILED
    assert "not the shop's current code" in outcome.feedback and "no coupon" in outcome.feedback
    assert "KeyError" in outcome.feedback


def test_publish_fails_when_the_alias_has_another_name(sb):
    """Does an alias named prod instead of live fail, naming the alias the shop calls?"""
    release(sb, RELEASE_1)
    lam_of(sb).create_alias(FunctionName="shipping", Name="prod", FunctionVersion="1")
    outcome = check("publish")
    assert outcome.status is FAILED
    assert "prod" in outcome.feedback and "shipping:live" in outcome.feedback


def test_publish_fails_when_the_function_runs_as_another_role(sb):
    """Does shipping running as a role other than shipping-role fail, naming it?"""
    create_execution_role(sb.client("iam"), "shipping-role")
    deploy(sb, RELEASE_1, role="admin-role")
    lam_of(sb).publish_version(FunctionName="shipping")
    lam_of(sb).create_alias(FunctionName="shipping", Name="live", FunctionVersion="1")
    outcome = check("publish")
    assert outcome.status is FAILED and "admin-role" in outcome.feedback


# canary


def test_canary_is_not_attempted_without_version_2(sb):
    """Before release 2 is published, does the canary step say "not done yet"?"""
    published_and_live(sb)
    assert check("canary").status is NOT_ATTEMPTED


def test_canary_passes_with_live_s_numbers_by_version(sb):
    """Do the right weights, the orders and live's numbers by version pass, quoting them?"""
    canary_running(sb)
    answer = canary_metrics(sb)
    outcome = check("canary", answer)
    assert outcome.status is PASSED, outcome.feedback
    assert f"failed {answer['2']['Errors']} times" in outcome.feedback


def test_canary_passes_with_a_dataframe_and_numeric_versions(sb):
    """Is a DataFrame indexed by version (from get_metric_data) right too, and so are int version keys?"""
    import numpy as np
    import pandas as pd

    canary_running(sb)
    answer = canary_metrics(sb)
    as_frame = pd.DataFrame.from_dict(answer, orient="index")
    assert check("canary", as_frame).status is PASSED
    as_ints = {int(v): {m: np.int64(n) for m, n in row.items()} for v, row in answer.items()}
    assert check("canary", as_ints).status is PASSED


def test_canary_still_passes_after_live_has_moved_on(sb):
    """Once version 2 was rolled back, is the answer still judged by CloudWatch as it was when given?"""
    canary_running(sb)
    report = checks.step(LAB, "canary").check(canary_metrics(sb))
    assert report.outcomes[0].status is PASSED
    route(sb, "1")
    send_orders(sb, 40, seed=9)
    assert checks.results(LAB).outcomes[1].status is PASSED


def test_canary_fails_with_half_the_traffic_on_version_2(sb):
    """Does a weight of 0.5 fail, asking for 0.1?"""
    canary_running(sb, weight=0.5, orders=10)
    outcome = check("canary", canary_metrics(sb))
    assert outcome.status is FAILED
    assert "0.5" in outcome.feedback and "0.1" in outcome.feedback


def test_canary_fails_when_everything_went_to_version_2(sb):
    """Does moving live to version 2 at once (no canary) fail?"""
    published_and_live(sb)
    release(sb, RELEASE_2)
    route(sb, "2")
    outcome = check("canary")
    assert outcome.status is FAILED and "FunctionVersion '2'" in outcome.feedback


def test_canary_fails_when_a_wider_canary_is_rolled_back_before_the_check(sb):
    """Does a 50% canary, rolled back before the answer is checked, still fail on CloudWatch's split?"""
    canary_running(sb, weight=0.5, orders=120)
    route(sb, "1")
    outcome = check("canary", canary_metrics(sb))
    assert outcome.status is FAILED
    assert "far more than a 10% canary" in outcome.feedback


def test_canary_fails_with_the_whole_function_s_numbers(sb):
    """Do numbers read with the dimension FunctionName alone (every caller, every version) fail?"""
    canary_running(sb)
    lam_of(sb).invoke(FunctionName="shipping", Qualifier="1", Payload=json.dumps(
        {"order_id": "T-1", "weight_kg": 1, "country": "US"}))  # fmt: skip
    stats = sb.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Invocations",
        Dimensions=[{"Name": "FunctionName", "Value": "shipping"}],
        StartTime=START, EndTime=datetime.now(UTC) + timedelta(minutes=1), Period=60, Statistics=["Sum"],
    )  # fmt: skip
    everything = int(sum(point["Sum"] for point in stats["Datapoints"]))
    answer = canary_metrics(sb)
    answer["1"]["Invocations"] = everything - answer["2"]["Invocations"]
    outcome = check("canary", answer)
    assert outcome.status is FAILED
    assert "ExecutedVersion together" in outcome.feedback and "version 1 Invocations" in outcome.feedback


def test_canary_fails_with_numbers_read_before_the_last_orders(sb):
    """Do numbers read before more orders went through live fail (the check reads when they were passed)?"""
    canary_running(sb)
    stale = canary_metrics(sb)
    send_orders(sb, 30, seed=6)
    into_the_next_second()  # CloudWatch reads time to the second: what it held in that second passes
    outcome = check("canary", stale)
    assert outcome.status is FAILED and "read them after the traffic" in outcome.feedback


def test_canary_fails_with_too_few_orders(sb):
    """Does a canary judged on a dozen orders fail, asking for more?"""
    canary_running(sb, orders=12)
    outcome = check("canary", canary_metrics(sb))
    assert outcome.status is FAILED and "at least 100 orders" in outcome.feedback


def test_canary_fails_with_a_list_instead_of_a_dict(sb):
    """Is an answer of the wrong shape refused with what to pass?"""
    canary_running(sb, orders=0)
    outcome = check("canary", [1, 2])
    assert outcome.status is FAILED and "dict of dicts" in outcome.feedback


# rollback


def test_rollback_is_not_attempted_before_version_2_took_traffic(sb):
    """With version 2 published but no orders through it, does the rollback step say "not done yet"?"""
    canary_running(sb, orders=0)
    assert check("rollback").status is NOT_ATTEMPTED


def test_rollback_passes_when_live_is_back_on_version_1(sb):
    """After the failed canary, does live on version 1 with no weights pass?"""
    rolled_back(sb)
    outcome = check("rollback")
    assert outcome.status is PASSED and "back on version 1" in outcome.feedback


def test_rollback_passes_when_the_alias_was_deleted_and_made_again(sb):
    """Is deleting live and creating it again on version 1 a rollback too (its metrics keep its name)?"""
    canary_running(sb)
    lam_of(sb).delete_alias(FunctionName="shipping", Name="live")
    lam_of(sb).create_alias(FunctionName="shipping", Name="live", FunctionVersion="1")
    assert check("rollback").status is PASSED


def test_rollback_fails_while_the_canary_still_runs(sb):
    """Does a canary left at 10% fail, saying how many times version 2 failed?"""
    canary_running(sb)
    outcome = check("rollback")
    errors = live_metric(sb, "Errors", "2")
    assert outcome.status is FAILED and f"failed {errors} times" in outcome.feedback


def test_rollback_fails_when_update_alias_leaves_out_the_routing(sb):
    """Does update_alias(FunctionVersion='1') that leaves the weights in place fail, asking to clear them?"""
    canary_running(sb)
    lam_of(sb).update_alias(
        FunctionName="shipping", Name="live", FunctionVersion="1"
    )  # the sandbox keeps the weights
    outcome = check("rollback")
    assert outcome.status is FAILED and "clears the split" in outcome.feedback


def test_rollback_fails_when_version_2_was_promoted(sb):
    """Does promoting version 2 despite its errors fail?"""
    canary_running(sb)
    route(sb, "2")
    outcome = check("rollback")
    assert outcome.status is FAILED and "rolls back at the first error" in outcome.feedback


def test_rollback_fails_when_live_goes_back_to_latest(sb):
    """Is pointing live at $LATEST (release 2's code) no rollback?"""
    canary_running(sb)
    route(sb, "$LATEST")
    outcome = check("rollback")
    assert outcome.status is FAILED and "$LATEST" in outcome.feedback


def test_rollback_passes_after_the_fix_was_promoted(sb):
    """Once the fix is live, is the earlier rollback still seen in CloudWatch's numbers by version?"""
    promoted_through_canary(sb)
    outcome = check("rollback")
    assert outcome.status is PASSED and "moved on since" in outcome.feedback


def test_rollback_fails_when_version_2_had_all_the_traffic_before_the_fix(sb):
    """If version 2 served all of live's orders before the fix replaced it, does the rollback step fail?"""
    canary_running(sb, orders=30)
    route(sb, "2")
    send_orders(sb, 100, seed=7)
    fix = release(sb, FIXED)
    route(sb, fix)
    send_orders(sb, 20, seed=8)
    outcome = check("rollback")
    assert outcome.status is FAILED and "more than a 10%" in outcome.feedback


# promote


def test_promote_is_not_attempted_without_a_third_version(sb):
    """After the rollback, with no fix published, does the promote step say "not done yet"?"""
    rolled_back(sb)
    assert check("promote").status is NOT_ATTEMPTED


def test_promote_passes_when_the_fix_went_through_the_canary(sb):
    """Does the fix, released in steps and promoted, pass?"""
    fix = promoted_through_canary(sb)
    outcome = check("promote")
    assert outcome.status is PASSED and f"live runs version {fix}" in outcome.feedback


def test_promote_passes_with_the_fix_written_another_way(sb):
    """Is a fix that checks for the coupon differently right too?"""
    promoted_through_canary(sb, FIXED_OTHERWISE)
    assert check("promote").status is PASSED


def test_promote_fails_when_the_weights_are_not_cleared(sb):
    """Does setting the new FunctionVersion while the old weights stay fail, asking to clear them?"""
    rolled_back(sb)
    fix = release(sb, FIXED)
    route(sb, "1", {fix: 0.5})
    send_orders(sb, 40, seed=4)
    lam_of(sb).update_alias(FunctionName="shipping", Name="live", FunctionVersion=fix)  # keeps {fix: 0.5}
    outcome = check("promote")
    assert outcome.status is FAILED and "AdditionalVersionWeights': {}" in outcome.feedback


def test_promote_fails_when_the_fix_still_fails_without_a_coupon(sb):
    """Is a 'fix' that still reads event['coupon'] refused, on an order without a coupon?"""
    rolled_back(sb)
    not_fixed = release(sb, RELEASE_2.replace("cents = 0", "cents = 0  # tried"))
    route(sb, not_fixed)
    outcome = check("promote")
    assert outcome.status is FAILED
    assert "no coupon" in outcome.feedback and "KeyError" in outcome.feedback


def test_promote_fails_when_the_fix_never_served_live(sb):
    """Does pointing live at the fix with no traffic through it (no canary) fail?"""
    rolled_back(sb)
    fix = release(sb, FIXED)
    route(sb, fix)
    outcome = check("promote")
    assert outcome.status is FAILED and "served no traffic" in outcome.feedback


def test_promote_fails_when_a_failing_canary_rolled_the_fix_back(sb):
    """With live still on version 1 after its canary failed, does the feedback say that the fix failed?"""
    rolled_back(sb)
    broken = release(sb, RELEASE_2.replace("cents = 0", "cents = 1 // 0"))
    route(sb, "1", {broken: 0.5})
    send_orders(sb, 40, seed=4)
    route(sb, "1")
    outcome = check("promote")
    assert (
        outcome.status is FAILED
        and "still on version 1" in outcome.feedback
        and "fix the bug" in outcome.feedback
    )
