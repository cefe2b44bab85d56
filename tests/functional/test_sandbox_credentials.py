"""With a learner's real-looking ~/.aws and AWS_PROFILE set, does everything after `sandbox.start()` use only fake keys?

The scenario runs once, in a fresh process whose HOME is a temporary folder holding a fake ~/.aws;
each test checks one thing that process saw.
"""

from __future__ import annotations

import hashlib
import re
import sys

import pytest

from tests.functional.pyrun import hermetic_env, run_python_json
from workbook.sandbox.isolation import FAKE_ACCESS_KEY_ID

pytestmark = pytest.mark.sandbox

DEFAULT_KEY = "AKIAFAKEREALDEFAULT1"
PROCESS_KEY = "AKIAFAKEREALPROCESS2"
ENV_KEY = "AKIAFAKEREALENVIRON3"

SCENARIO = """
import json, os
import boto3, botocore.exceptions, botocore.session

boto3.setup_default_session()        # a default session made before start, as a learner's earlier cell would
from workbook import sandbox
from workbook.sandbox import isolation
sb = sandbox.start()

session = boto3.Session()
try:
    boto3.Session(profile_name="learner")
    learner_profile_reachable = True
except botocore.exceptions.ProfileNotFound:
    learner_profile_reachable = False
credentials = session.get_credentials()
print(json.dumps({
    "boto3_key": credentials.access_key,
    "boto3_token": credentials.token,
    "boto3_method": credentials.method,
    "botocore_key": botocore.session.get_session().get_credentials().access_key,
    "default_client_key": boto3.client("s3")._request_signer._credentials.access_key,
    "profile": os.environ.get("AWS_PROFILE"),
    "available_profiles": botocore.session.get_session().available_profiles,
    "learner_profile_reachable": learner_profile_reachable,
    "region": session.region_name,
    "s3_endpoint": boto3.client("s3").meta.endpoint_url,
    "sandbox_endpoint": sb.endpoint_url,
    "sandbox_key": isolation.FAKE_ACCESS_KEY_ID,
    "account": boto3.client("sts").get_caller_identity()["Account"],
}))
"""


def fake_home(home):
    """A ~/.aws with other keys, and a profile whose credential_process leaves a mark and sets a real endpoint."""
    aws = home / ".aws"
    aws.mkdir(parents=True)
    marker = home / "credential-process-ran"
    script = home / "credential_process.py"
    script.write_text(
        f"open({str(marker)!r}, 'w').write('ran')\n"
        "import json\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': {PROCESS_KEY!r}, 'SecretAccessKey': 'process-secret'}}))\n"
    )
    (aws / "credentials").write_text(
        f"[default]\naws_access_key_id = {DEFAULT_KEY}\naws_secret_access_key = default-secret\n"
    )
    (aws / "config").write_text(
        "[default]\nregion = ap-southeast-2\n\n"
        "[profile learner]\nregion = eu-central-1\nendpoint_url = https://real.example.invalid\n"
        f"credential_process = {sys.executable} {script}\n"
    )
    return marker


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    home = tmp_path_factory.mktemp("learner-home")
    marker = fake_home(home)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (home / ".aws").iterdir()}
    env = hermetic_env(
        HOME=str(home),
        AWS_PROFILE="learner",
        AWS_ACCESS_KEY_ID=ENV_KEY,
        AWS_SECRET_ACCESS_KEY="env-secret",
        AWS_SESSION_TOKEN="env-token",
    )
    seen = run_python_json(SCENARIO, env=env)
    seen["credential_process_ran"] = marker.exists()
    seen["aws_files_unchanged"] = digests == {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (home / ".aws").iterdir()
    }
    return seen


def test_boto3_resolves_the_sandbox_keys(scenario):
    """Does boto3 resolve the sandbox's fake access key, from the environment?"""
    assert (scenario["boto3_key"], scenario["boto3_method"]) == (scenario["sandbox_key"], "env")


def test_botocore_resolves_the_sandbox_keys(scenario):
    """Does a bare botocore session resolve the sandbox's fake access key too?"""
    assert scenario["botocore_key"] == scenario["sandbox_key"]


def test_a_default_session_made_before_start_is_not_reused(scenario):
    """Does a client made with boto3's default session after start sign with the fake key, not one cached before?"""
    assert scenario["default_client_key"] == scenario["sandbox_key"]


def test_none_of_the_learners_keys_is_used(scenario):
    """Are the keys from ~/.aws (default and profile) and from the environment all out of reach?"""
    used = {scenario["boto3_key"], scenario["botocore_key"], scenario["default_client_key"]}
    assert used.isdisjoint({DEFAULT_KEY, PROCESS_KEY, ENV_KEY})


def test_the_learners_session_token_is_dropped(scenario):
    """Is a session token left in the environment removed, so it is never sent with the fake key?"""
    assert scenario["boto3_token"] is None


def test_aws_profile_is_unset(scenario):
    """Is AWS_PROFILE unset inside the sandbox?"""
    assert scenario["profile"] is None


def test_the_learners_aws_config_is_hidden(scenario):
    """Are the profiles of ~/.aws out of sight: none listed, and asking for one by name fails?"""
    assert "learner" not in scenario["available_profiles"]
    assert scenario["learner_profile_reachable"] is False


def test_the_profiles_region_and_endpoint_are_ignored(scenario):
    """Do clients use the sandbox's region and endpoint, not those of the learner's profile?"""
    assert scenario["region"] == "us-east-1"
    assert scenario["s3_endpoint"] == scenario["sandbox_endpoint"]


def test_a_credential_process_is_never_run(scenario):
    """Is the credential_process configured in ~/.aws/config never executed?"""
    assert scenario["credential_process_ran"] is False


def test_the_learners_aws_files_are_left_untouched(scenario):
    """Are ~/.aws/config and ~/.aws/credentials byte-for-byte as they were?"""
    assert scenario["aws_files_unchanged"] is True


def test_calls_reach_the_sandbox_account(scenario):
    """Does an STS call answer with the sandbox's account, proving it went to the sandbox?"""
    assert scenario["account"] == "123456789012"


def test_without_the_sandbox_the_learners_profile_would_be_used(tmp_path):
    """Without the sandbox, would botocore run the profile's credential_process and get its key (so the tests above mean something)?"""
    marker = fake_home(tmp_path)
    seen = run_python_json(
        """
        import json, botocore.session
        print(json.dumps(botocore.session.get_session().get_credentials().access_key))
        """,
        env=hermetic_env(HOME=str(tmp_path), AWS_PROFILE="learner"),
    )
    assert (seen, marker.exists()) == (PROCESS_KEY, True)


def test_the_sandbox_key_is_new_in_every_process(scenario):
    """Is the key the sandbox accepts as administrator random per process, never the published constant?"""
    assert re.fullmatch(r"AKIA[A-Z0-9]{16}", scenario["sandbox_key"])
    assert scenario["sandbox_key"] not in (FAKE_ACCESS_KEY_ID, "AKIAWORKBOOKSANDBOX0")
