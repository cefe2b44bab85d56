"""Lab 08 · a canary release of the shipping function: publish, split live's traffic, roll back, fix, promote.

The contract the lab text gives the learner:

- ``shipping`` (role ``shipping-role``) quotes shipping for an order ``{"order_id", "weight_kg",
  "country"}`` and, from the second release on, an optional ``"coupon"``; it returns ``{"order_id",
  "shipping_cents"}``. Whole kilograms, rounded up (at least 1): 499 + 150 per kg to the ``US``, 1499 + 400
  per kg elsewhere. From release 2 on the coupon ``FREESHIP`` makes shipping free (0). Release 2
  (``SHIPPING_V2_PY``, given) fails for every order without a coupon; the learner's fix (release 3) must not.
- Version 1 is release 1, version 2 is release 2, a later version is the fix; the alias ``live`` is what
  clients call (``shipping:live``).
- ``canary_metrics`` (step 2) is ``{"1": {"Invocations": n, "Errors": e}, "2": {...}}``: live's invocations
  and errors per executed version, read from CloudWatch (dimensions FunctionName, Resource ``shipping:live``
  and ExecutedVersion) over all traffic so far. The check recomputes them as they stood when the answer was
  taken (CloudWatch reads time to the second: anything it held during that second is accepted).

What the checks can and cannot see. A version is immutable, so each version's behaviour is checked by invoking
it directly (``shipping:1``, never through ``live``: the checks add nothing to live's metrics) with orders of
their own. The alias is checked as it is now; a step whose state the lab moves on from (the 10 % canary, the
rollback) is then judged from what CloudWatch recorded by alias and version: version 2 served traffic through
live, failed there, and served no more of live's traffic than a 10 % canary would (a bound of 4.5 standard
deviations). The checks cannot tell a rollback made by the learner's ``canary_release`` from one made by hand.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

from workbook.checks import Failed, Lab, NotAttempted
from workbook.checks.values import as_number, type_name

FUNCTION = "shipping"
ROLE = "shipping-role"
ALIAS = "live"
RESOURCE = f"{FUNCTION}:{ALIAS}"
WEIGHT = 0.1
MIN_ORDERS = 100  # invocations through live before a split says anything
DOMESTIC = "US"
FREE_COUPON = "FREESHIP"
ABROAD = ("CA", "GB", "DE", "FR", "JP", "AU", "BR", "IN", "MX", "NZ")
METRICS = ("Invocations", "Errors")

lab = Lab("08-versions-aliases", "Lab 08 · A canary release that rolls itself back")


# ------------------------------------------------------------------------------------------------ the rules


def quote_cents(weight_kg: float, country: str) -> int:
    """What release 1 charges for shipping ``weight_kg`` to ``country``."""
    kilos = max(1, math.ceil(weight_kg))
    return 499 + 150 * kilos if country == DOMESTIC else 1499 + 400 * kilos


def expected_quote(order: dict, release: int) -> dict:
    """What release ``release`` (1, 2 or the fix, 3) returns for ``order``."""
    cents = quote_cents(order["weight_kg"], order["country"])
    if release >= 2 and order.get("coupon") == FREE_COUPON:
        cents = 0
    return {"order_id": order["order_id"], "shipping_cents": cents}


def orders(fresh, coupons) -> list[dict]:
    """Orders of the check's own, one per entry of ``coupons`` (None: no coupon), home and abroad in turn."""
    made = []
    for n, coupon in enumerate(coupons):
        light = n == 0  # under a kilogram: charged as one
        order = {
            "order_id": fresh.name("CHK-"),
            "weight_kg": round(fresh.uniform(0.1, 0.95) if light else fresh.uniform(1.05, 30.0), 2),
            "country": DOMESTIC if n % 2 == 0 else fresh.choice(ABROAD),
        }
        if coupon is not None:
            order["coupon"] = coupon
        made.append(order)
    return made


def _other_coupon(fresh) -> str:
    return fresh.name("SAVE-").upper()


def _describe(order: dict) -> str:
    coupon = f"coupon {order['coupon']!r}" if "coupon" in order else "no coupon"
    return f"an order of {order['weight_kg']} kg to {order['country']} with {coupon}"


def _expect_release(aws, version: str, release: int, sample: list[dict], what: str) -> None:
    """Version ``version`` answers every order of ``sample`` as release ``release`` does; Failed otherwise."""
    for order in sample:
        result = aws.invoke(f"{FUNCTION}:{version}", order)
        wanted = expected_quote(order, release)
        if result.function_error:
            raise Failed(f"{what}: for {_describe(order)} it failed with {result.error_summary}.")
        if result.payload != wanted:
            raise Failed(f"{what}: for {_describe(order)} it returned {result.payload!r}; expected {wanted}.")


# ------------------------------------------------------------------------------------------------ the alias


def _versions(aws) -> dict[str, dict]:
    """Version -> configuration, for every version of the function ($LATEST included)."""
    lam = aws.client("lambda")
    found, marker = {}, None
    while True:
        page = lam.list_versions_by_function(FunctionName=FUNCTION, **({"Marker": marker} if marker else {}))
        found.update({v["Version"]: v for v in page["Versions"]})
        marker = page.get("NextMarker")
        if not marker:
            return found


def _alias(aws) -> dict | None:
    lam = aws.client("lambda")
    try:
        return lam.get_alias(FunctionName=FUNCTION, Name=ALIAS)
    except lam.exceptions.ResourceNotFoundException:
        return None


def _live_alias(aws) -> dict:
    """The alias live; NotAttempted (naming the aliases there are) when there is none."""
    alias = _alias(aws)
    if alias is not None:
        return alias
    names = [a["Name"] for a in aws.client("lambda").list_aliases(FunctionName=FUNCTION)["Aliases"]]
    if names:
        raise Failed(
            f"{FUNCTION} has the alias(es) {', '.join(names)}, but none named {ALIAS!r}: the shop calls "
            f"{RESOURCE}. Create it: lam.create_alias(FunctionName={FUNCTION!r}, Name={ALIAS!r}, "
            "FunctionVersion='1')."
        )
    raise NotAttempted(f"{FUNCTION} has no alias {ALIAS!r} yet (step 1)")


def _weights(alias: dict) -> dict[str, float]:
    return {
        str(k): float(v)
        for k, v in ((alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items()
    }


def _routes(alias: dict) -> dict[str, float]:
    """Version -> share of the alias's traffic it gets (the primary version gets what the weights leave)."""
    weights = _weights(alias)
    routes = {alias["FunctionVersion"]: 1.0 - sum(weights.values())}
    for version, weight in weights.items():
        routes[version] = routes.get(version, 0.0) + weight
    return {version: share for version, share in routes.items() if share > 0}


def _routing_text(alias: dict) -> str:
    weights = _weights(alias)
    text = f"FunctionVersion {alias['FunctionVersion']!r}"
    return text + (f" with AdditionalVersionWeights {weights}" if weights else " and no additional weights")


# ------------------------------------------------------------------------------------------------ metrics


def _answer_window(aws) -> tuple[datetime, datetime]:
    """The whole seconds around the moment the learner's answer was taken.

    CloudWatch reads time ranges to the second, so what it held at that moment lies between a reading that
    ends at the start of that second and one that ends at its end.
    """
    second = math.floor(aws.answered_at_epoch)
    return datetime.fromtimestamp(second, UTC), datetime.fromtimestamp(second + 1, UTC)


def live_sum(aws, metric: str, version: str, end: datetime | None = None) -> int:
    """The Sum of ``metric`` of ``version`` executed through live, over every data point until ``end``."""
    end = end or datetime.now(UTC) + timedelta(minutes=1)
    dimensions = [
        {"Name": "FunctionName", "Value": FUNCTION},
        {"Name": "Resource", "Value": RESOURCE},
        {"Name": "ExecutedVersion", "Value": str(version)},
    ]
    stats = aws.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric, Dimensions=dimensions, StartTime=end - timedelta(hours=6),
        EndTime=end, Period=60, Statistics=["Sum"],
    )  # fmt: skip
    return int(round(sum(point["Sum"] for point in stats["Datapoints"])))


def canary_bound(total: int, weight: float = WEIGHT) -> float:
    """The most invocations of ``total`` that a version with ``weight`` plausibly gets (4.5 sigma up)."""
    return weight * total + 4.5 * math.sqrt(total * weight * (1 - weight)) + 2


# ------------------------------------------------------------------------------------------------ step 1


@lab.step(
    "publish",
    "Publish version 1 and point the alias live at it",
    hints=[
        "`lam.publish_version(FunctionName='shipping', Description=...)` takes a snapshot of $LATEST and "
        "answers with its number in `['Version']`: keep it in `version_1`.",
        "Then `lam.create_alias(FunctionName='shipping', Name='live', FunctionVersion=version_1)`. Publish "
        "before you deploy anything else: version 1 must be the code the shop runs today, SHIPPING_V1_PY.",
    ],
    solution="""
version_1 = lam.publish_version(FunctionName="shipping", Description="release 1: flat rates")["Version"]
lam.create_alias(FunctionName="shipping", Name="live", FunctionVersion=version_1,
                 Description="what the shop's checkout calls")
""",
)
def publish(aws):
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    if "1" not in _versions(aws):
        raise NotAttempted(
            f"{FUNCTION} has no published version yet: lam.publish_version(FunctionName={FUNCTION!r}) makes "
            "version 1"
        )
    fresh = aws.fresh
    sample = orders(fresh, [None, None, FREE_COUPON, FREE_COUPON, _other_coupon(fresh)])
    _expect_release(
        aws, "1", 1, sample,
        "version 1 is not the shop's current code (SHIPPING_V1_PY, which ignores coupons); publish version "
        "1 before you deploy anything else (sb.reset() and the setup cell start over)",
    )  # fmt: skip
    alias = _live_alias(aws)
    if alias["FunctionVersion"] == "$LATEST" or "$LATEST" in _weights(alias):
        raise Failed(
            f"{ALIAS} points at $LATEST, which changes with every deployment: point it at version 1 "
            f"(lam.update_alias(FunctionName={FUNCTION!r}, Name={ALIAS!r}, FunctionVersion='1'))."
        )
    return f"version 1 is the shop's current code, and {ALIAS} points at version {alias['FunctionVersion']}"


# ------------------------------------------------------------------------------------------------ step 2


def _as_counts(answer) -> dict[str, dict[str, int]]:
    """The learner's ``canary_metrics`` as {version: {metric: count}}; Failed (saying what to pass) if not."""
    if hasattr(answer, "to_dict") and hasattr(answer, "columns"):
        answer = answer.to_dict("index")
    if not isinstance(answer, dict):
        raise Failed(
            f"pass a dict of dicts, {{'1': {{'Invocations': ..., 'Errors': ...}}, '2': {{...}}}}; you "
            f"passed a {type_name(answer)}."
        )
    counts = {}
    for key, numbers in answer.items():
        number = as_number(key)
        version = str(int(number)) if number is not None and number == int(number) else str(key)
        if not isinstance(numbers, dict):
            raise Failed(
                f"canary_metrics[{key!r}] is a {type_name(numbers)}; make it "
                f"{{'Invocations': ..., 'Errors': ...}}."
            )
        row = {}
        for metric in METRICS:
            value = numbers.get(metric, numbers.get(metric.lower()))
            count = as_number(value)
            if count is None or count != int(count) or count < 0:
                raise Failed(
                    f"canary_metrics[{key!r}][{metric!r}] is {value!r}; it must be a whole number (the Sum "
                    "of the metric's data points)."
                )
            row[metric] = int(count)
        counts[version] = row
    return counts


@lab.step(
    "canary",
    "Publish version 2, send 10% of live to it, and read live's metrics by version",
    answers=("canary_metrics",),
    hints=[
        "Deploy SHIPPING_V2_PY with deploy_function, publish it (`version_2`), then "
        "`lam.update_alias(FunctionName='shipping', Name='live', FunctionVersion=version_1, "
        "RoutingConfig={'AdditionalVersionWeights': {version_2: 0.1}})`. Run the traffic cell.",
        "Lambda publishes each alias invocation under three dimensions together: FunctionName 'shipping', "
        "Resource 'shipping:live' and ExecutedVersion ('1' or '2'). Ask get_metric_statistics for exactly "
        "those, Period=60, Statistics=['Sum'], from before the traffic (LAB_START) to a minute from now, "
        "and add up the Sums.",
        "Write `live_metric(metric, version, since)` returning that sum as an int, then `canary_metrics = "
        "{v: {'Invocations': live_metric('Invocations', v, LAB_START), "
        "'Errors': live_metric('Errors', v, LAB_START)} for v in (version_1, version_2)}`.",
    ],
    solution="""
deploy_function(lam, "shipping", {"app.py": SHIPPING_V2_PY}, ROLE_ARN)
version_2 = lam.publish_version(FunctionName="shipping", Description="release 2: FREESHIP coupon")["Version"]
lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=version_1,
                 RoutingConfig={"AdditionalVersionWeights": {version_2: 0.1}})


def live_metric(metric, version, since):
    stats = cloudwatch.get_metric_statistics(
        Namespace="AWS/Lambda", MetricName=metric,
        Dimensions=[{"Name": "FunctionName", "Value": "shipping"},
                    {"Name": "Resource", "Value": "shipping:live"},
                    {"Name": "ExecutedVersion", "Value": version}],
        StartTime=since, EndTime=datetime.now(timezone.utc) + timedelta(minutes=1),
        Period=60, Statistics=["Sum"])
    return int(sum(point["Sum"] for point in stats["Datapoints"]))


canary_traffic = send_orders(200)
canary_metrics = {v: {"Invocations": live_metric("Invocations", v, LAB_START),
                      "Errors": live_metric("Errors", v, LAB_START)} for v in (version_1, version_2)}
""",
)
def canary(aws, canary_metrics=None):
    aws.function(FUNCTION)
    versions = _versions(aws)
    if "2" not in versions:
        raise NotAttempted(
            f"{FUNCTION} has no version 2 yet: deploy SHIPPING_V2_PY, then "
            f"lam.publish_version(FunctionName={FUNCTION!r})"
        )
    fresh = aws.fresh
    _expect_release(
        aws, "2", 2, orders(fresh, [FREE_COUPON, FREE_COUPON, _other_coupon(fresh), _other_coupon(fresh)]),
        "version 2 is not the new release (SHIPPING_V2_PY, with the FREESHIP coupon): deploy it before you "
        "publish",
    )  # fmt: skip
    alias = _live_alias(aws)
    routes = _routes(alias)
    if "2" in routes and (
        alias["FunctionVersion"] != "1" or abs(_weights(alias).get("2", 0) - WEIGHT) > 1e-9
    ):
        raise Failed(
            f"{ALIAS} has {_routing_text(alias)}. A 10% canary keeps version 1 as FunctionVersion and gives "
            f"version 2 a weight of 0.1: RoutingConfig={{'AdditionalVersionWeights': {{'2': 0.1}}}}."
        )
    if canary_metrics is None:
        if "2" in routes:
            raise Failed(
                f"{ALIAS} sends 10% of its traffic to version 2. Now send the orders (send_orders(200)) and "
                "read live's Invocations and Errors per version from CloudWatch into canary_metrics, then "
                "checks.step('08-versions-aliases', 'canary').check(canary_metrics)."
            )
        raise NotAttempted(
            f"send 10% of {ALIAS}'s traffic to version 2, send the orders, then pass canary_metrics to the "
            "check"
        )
    reported = _as_counts(canary_metrics)
    before, after = _answer_window(aws)
    low, high = (
        {
            version: {metric: live_sum(aws, metric, version, end) for metric in METRICS}
            for version in ("1", "2")
        }
        for end in (before, after)
    )
    served, total = high["2"]["Invocations"], high["1"]["Invocations"] + high["2"]["Invocations"]
    if total < MIN_ORDERS:
        raise Failed(
            f"{ALIAS} had served {total} invocations when you answered; send at least {MIN_ORDERS} orders "
            "through it (send_orders(200)), or the split says little."
        )
    if served == 0:
        raise Failed(
            f"CloudWatch shows no invocation of version 2 through {ALIAS} when you answered: give version 2 "
            "its weight, then send the orders through the alias (send_orders does)."
        )
    if served > canary_bound(total):
        raise Failed(
            f"version 2 served {served} of {total} invocations through {ALIAS} ({served / total:.0%}), far "
            "more than a 10% canary would: keep version 1 as FunctionVersion and give version 2 a weight of "
            "0.1."
        )
    wrong = [
        f"version {version} {metric}: you have {reported.get(version, {}).get(metric)}, CloudWatch "
        + (
            f"{high[version][metric]}"
            if least == high[version][metric]
            else f"{least} to {high[version][metric]}"
        )
        for version, row in low.items()
        for metric, least in row.items()
        if not least <= reported.get(version, {}).get(metric, -1) <= high[version][metric]
    ]
    if wrong:
        raise Failed(
            f"your numbers are not live's by version: {'; '.join(wrong)}. Ask for the dimensions "
            f"FunctionName, Resource ({RESOURCE!r}) and ExecutedVersion together, from before the traffic "
            "(LAB_START) to a minute from now, and add up every data point's Sum; read them after the "
            "traffic."
        )
    mine = {version: reported[version] for version in ("1", "2")}
    shown = mine["2"]["Invocations"], mine["1"]["Invocations"] + mine["2"]["Invocations"]
    return (
        f"live sent {shown[0]} of {shown[1]} invocations to version 2; version 2 failed "
        f"{mine['2']['Errors']} times, version 1 {mine['1']['Errors']} times. Your numbers match CloudWatch."
    )


# ------------------------------------------------------------------------------------------------ step 3


@lab.step(
    "rollback",
    "Roll version 2 back automatically when it fails",
    hints=[
        "canary_release(new_version) starts from live's FunctionVersion (the old version). For each weight: "
        "read live_metric('Errors', new_version, LAB_START), update_alias with "
        "RoutingConfig={'AdditionalVersionWeights': {new_version: weight}}, send_orders(orders_per_step), "
        "and read the errors again: the difference is this step's.",
        "At the first error, roll back: update_alias(..., FunctionVersion=old_version, "
        "RoutingConfig={'AdditionalVersionWeights': {}}) and return 'rolled back'. Always pass "
        "RoutingConfig when you move the alias: the empty map is what clears the split.",
        "When every step was clean, promote: FunctionVersion=new_version and empty weights, return "
        "'promoted'. Then run release_2 = canary_release(version_2).",
    ],
    solution="""
def canary_release(new_version, weights=(0.1, 0.5), orders_per_step=200):
    old_version = lam.get_alias(FunctionName="shipping", Name="live")["FunctionVersion"]
    for weight in weights:
        errors_before = live_metric("Errors", new_version, LAB_START)
        lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=old_version,
                         RoutingConfig={"AdditionalVersionWeights": {new_version: weight}})
        send_orders(orders_per_step)
        errors = live_metric("Errors", new_version, LAB_START) - errors_before
        if errors:
            lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=old_version,
                             RoutingConfig={"AdditionalVersionWeights": {}})
            return "rolled back"
    lam.update_alias(FunctionName="shipping", Name="live", FunctionVersion=new_version,
                     RoutingConfig={"AdditionalVersionWeights": {}})
    return "promoted"


release_2 = canary_release(version_2)
""",
)
def rollback(aws):
    aws.function(FUNCTION)
    if "2" not in _versions(aws):
        raise NotAttempted(f"{FUNCTION} has no version 2 yet (step 2)")
    alias = _live_alias(aws)
    served, errors = live_sum(aws, "Invocations", "2"), live_sum(aws, "Errors", "2")
    if served == 0:
        raise NotAttempted(f"version 2 has not served any traffic through {ALIAS} yet (step 2)")
    routes = _routes(alias)
    if alias["FunctionVersion"] == "2":
        raise Failed(
            f"{ALIAS} sends all its traffic to version 2, although version 2 failed {errors} times through "
            f"{ALIAS}: a canary release rolls back at the first error instead of promoting."
        )
    if "2" in routes:
        raise Failed(
            f"{ALIAS} still sends {routes['2']:.0%} of its traffic to version 2, which failed {errors} "
            f"times through it ({_routing_text(alias)}). Roll back: update_alias with FunctionVersion='1' "
            f"and, in the same call, RoutingConfig={{'AdditionalVersionWeights': {{}}}}, which clears the "
            "split."
        )
    if alias["FunctionVersion"] == "$LATEST":
        raise Failed(
            f"{ALIAS} points at $LATEST, which holds whatever was deployed last (here: version 2's code). "
            "Roll back to a published version: FunctionVersion='1'."
        )
    if errors == 0:
        raise Failed(
            f"CloudWatch shows no Errors of version 2 through {ALIAS}, so nothing showed that it had to be "
            "rolled back: let the canary serve enough orders (200 a step) for its failures to show."
        )
    later = {version for version in routes if version != "1"}
    if not later:
        return f"{ALIAS} is back on version 1 after version 2 failed {errors} times in {served} invocations"
    total = sum(live_sum(aws, "Invocations", version) for version in _versions(aws) if version != "$LATEST")
    if served > canary_bound(total):
        raise Failed(
            f"version 2 served {served} of {ALIAS}'s {total} invocations ({served / total:.0%}), more than "
            "a 10% canary would: it must have been given more of the traffic before it was rolled back. A "
            "canary rolls back at the first step with errors."
        )
    return (
        f"version 2 failed {errors} times in {served} invocations through {ALIAS} and no longer gets its "
        f"traffic; {ALIAS} has moved on since ({_routing_text(alias)})"
    )


# ------------------------------------------------------------------------------------------------ step 4


@lab.step(
    "promote",
    "Fix the bug, publish the fix and promote it through the canary",
    hints=[
        "Version 2 fails on `event['coupon']` when an order has no coupon. `event.get('coupon')` is None "
        "then.",
        "Deploy the fixed source, publish it (`version_3`) and run it through the same canary: `release_3 = "
        "canary_release(version_3)`, which should print no errors and return 'promoted'.",
        "After the promotion live has FunctionVersion version_3 and AdditionalVersionWeights {} (no split).",
    ],
    solution="""
SHIPPING_V3_PY = SHIPPING_V2_PY.replace('event["coupon"] == "FREESHIP"', 'event.get("coupon") == "FREESHIP"')
deploy_function(lam, "shipping", {"app.py": SHIPPING_V3_PY}, ROLE_ARN)
version_3 = lam.publish_version(FunctionName="shipping", Description="release 3: the coupon is optional")
version_3 = version_3["Version"]
release_3 = canary_release(version_3)
""",
)
def promote(aws):
    config = aws.function(FUNCTION)
    aws.expect_role(config, ROLE)
    versions = [v for v in _versions(aws) if v.isdigit()]
    fixes = sorted((v for v in versions if int(v) > 2), key=int)
    if not fixes:
        raise NotAttempted(f"{FUNCTION} has no version 3 yet: fix the bug, deploy and publish the fix")
    alias = _live_alias(aws)
    weights, primary = _weights(alias), alias["FunctionVersion"]
    if weights:
        raise Failed(
            f"{ALIAS} still splits its traffic ({_routing_text(alias)}). A promotion points FunctionVersion "
            f"at the new version and clears the split: RoutingConfig={{'AdditionalVersionWeights': {{}}}}."
        )
    if primary == "$LATEST":
        raise Failed(f"{ALIAS} points at $LATEST; promote a published version (the fix's number) instead.")
    if primary == "2":
        raise Failed(f"{ALIAS} points at version 2, the release with the bug; promote the fix.")
    if primary == "1":
        newest = fixes[-1]
        failed = live_sum(aws, "Errors", newest)
        why = (
            f"version {newest} failed {failed} times through {ALIAS}, so the canary rolled it back: fix the "
            "bug"
            if failed
            else f"release version {newest} with canary_release({newest!r})"
        )
        raise Failed(f"{ALIAS} is still on version 1: {why}.")
    fresh = aws.fresh
    sample = orders(fresh, [None, None, FREE_COUPON, FREE_COUPON, _other_coupon(fresh), None])
    _expect_release(
        aws, primary, 3, sample,
        f"version {primary}, which {ALIAS} now runs, is not a fixed release 2 (the FREESHIP coupon, no "
        "failure without a coupon)",
    )  # fmt: skip
    served, failed = live_sum(aws, "Invocations", primary), live_sum(aws, "Errors", primary)
    if served == 0:
        raise Failed(
            f"{ALIAS} points at version {primary}, but it has served no traffic through {ALIAS}: release it "
            f"with canary_release({primary!r}), which sends orders at each step before promoting."
        )
    if failed:
        raise Failed(
            f"version {primary} failed {failed} times through {ALIAS}, yet it was promoted: a canary "
            "release promotes only a version with no errors."
        )
    return (
        f"{ALIAS} runs version {primary}, the fix, after it served {served} invocations through {ALIAS} "
        "without an error"
    )
