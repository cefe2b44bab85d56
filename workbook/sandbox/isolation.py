"""Point every AWS client at the sandbox and hide the learner's real AWS configuration."""

from __future__ import annotations

import os
import re
import secrets
import string
from pathlib import Path

ACCOUNT_ID = "123456789012"
# A kernel that a grader attaches to its sandbox is given the grader's key in this variable.
ACCESS_KEY_VARIABLE = "WORKBOOK_SANDBOX_ACCESS_KEY_ID"
_KEY_SHAPE = re.compile(r"AKIA[A-Z0-9]{16}")


def _sandbox_access_key_id() -> str:
    """The key this process's sandbox accepts as the account's administrator.

    Random for every process, so nobody can sign with it who could not already read this process's
    memory: not a web page, not another user, not a handler (the kernel is not dumpable). It opens
    nothing outside the sandbox.
    """
    inherited = os.environ.get(ACCESS_KEY_VARIABLE, "")
    if _KEY_SHAPE.fullmatch(inherited):
        return inherited
    alphabet = string.ascii_uppercase + string.digits
    return "AKIA" + "".join(secrets.choice(alphabet) for _ in range(16))


FAKE_ACCESS_KEY_ID = _sandbox_access_key_id()
# Signatures made with the administrator's key are not verified: only its key id must match.
FAKE_SECRET_ACCESS_KEY = "workbook-sandbox-fake-secret-key-0000000"

# Two empty files shipped with the package: what AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE point at.
_EMPTY_CONFIG = Path(__file__).with_name("empty_aws_config")
_LOOPBACK_HOSTS = "127.0.0.1,localhost,::1"

# Variables that could route a client elsewhere or hand it real credentials.
_REMOVED = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
)


class IsolatedEnvironment:
    """Rewrites ``os.environ`` for the sandbox and can put it back exactly as it was."""

    def __init__(self, endpoint_url: str, region: str):
        self._saved = dict(os.environ)
        config_file = str(_EMPTY_CONFIG / "config")
        credentials_file = str(_EMPTY_CONFIG / "credentials")

        for name in list(os.environ):
            if name in _REMOVED or name.startswith("AWS_ENDPOINT_URL_"):
                del os.environ[name]
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": endpoint_url,
                "AWS_ACCESS_KEY_ID": FAKE_ACCESS_KEY_ID,
                "AWS_SECRET_ACCESS_KEY": FAKE_SECRET_ACCESS_KEY,
                "AWS_REGION": region,
                "AWS_DEFAULT_REGION": region,
                "AWS_CONFIG_FILE": config_file,
                "AWS_SHARED_CREDENTIALS_FILE": credentials_file,
                "AWS_EC2_METADATA_DISABLED": "true",
            }
        )
        # A corporate HTTP(S)_PROXY must never see sandbox calls (they would fail, or leave the machine).
        for name in ("NO_PROXY", "no_proxy"):
            os.environ[name] = ",".join(filter(None, [os.environ.get(name), _LOOPBACK_HOSTS]))
        _forget_default_boto3_session()

    def restore(self) -> None:
        os.environ.clear()
        os.environ.update(self._saved)
        _forget_default_boto3_session()


def _forget_default_boto3_session() -> None:
    """boto3 caches a default session; one made before the switch would keep the old credentials."""
    import boto3

    boto3.DEFAULT_SESSION = None
