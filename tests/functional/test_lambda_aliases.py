"""Weighted aliases: each invoke picks a version by weight; the version that ran is reported."""

from workbook import lambda_runtime

from .lambda_helpers import create_function, invoke, make_zip

VERSIONED = "def handler(event, context):\n    return context.function_version\n"


def _two_versions(sb):
    create_function(sb, "canary", VERSIONED)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="canary")
    lam.update_function_code(FunctionName="canary", ZipFile=make_zip(VERSIONED + "# v2\n"))
    lam.publish_version(FunctionName="canary")
    return lam


def test_weighted_alias_splits_traffic(sb):
    """Does an alias with AdditionalVersionWeights {2: 0.5} send invokes to both versions, reported everywhere?"""
    lam = _two_versions(sb)
    lam.create_alias(
        FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}
    )
    lambda_runtime.seed(7)
    seen = set()
    for _ in range(20):
        response = invoke(sb, "canary", Qualifier="live", LogType="Tail")
        assert response["Payload"] == response["ExecutedVersion"]
        assert f"Version: {response['ExecutedVersion']}" in response["Log"].splitlines()[0]
        seen.add(response["ExecutedVersion"])
    assert seen == {"1", "2"}


def test_seed_makes_routing_repeatable(sb):
    """Does lambda_runtime.seed(n) make the sequence of chosen versions repeatable?"""
    lam = _two_versions(sb)
    lam.create_alias(
        FunctionName="canary", Name="live", FunctionVersion="1", RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}}
    )

    def run():
        lambda_runtime.seed(123)
        return [invoke(sb, "canary", Qualifier="live")["ExecutedVersion"] for _ in range(10)]

    assert run() == run()


def test_alias_without_weights_runs_its_version(sb):
    """Does a plain alias always run the version it points to?"""
    lam = _two_versions(sb)
    lam.create_alias(FunctionName="canary", Name="stable", FunctionVersion="1")
    assert {invoke(sb, "canary:stable")["ExecutedVersion"] for _ in range(5)} == {"1"}
