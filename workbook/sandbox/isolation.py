"""Point every AWS client at the sandbox and hide the learner's real AWS configuration."""

from __future__ import annotations

import os
from pathlib import Path

ACCOUNT_ID = "123456789012"
# Shaped like real keys so SDKs accept them; they open nothing anywhere.
FAKE_ACCESS_KEY_ID = "AKIAWORKBOOKSANDBOX0"
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
