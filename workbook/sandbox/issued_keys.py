"""Which access keys this sandbox handed out, looked up in moto's IAM and STS backends.

The loopback server accepts only the sandbox's own fake key and keys the sandbox issued: access keys of
IAM users created in it, role sessions (the execution-role credentials of functions, ``sts:AssumeRole``
results) and the key moto's ``GetSessionToken``/``GetFederationToken`` return once one was asked for.

Example::

    keys = IssuedKeys()
    keys.lookup("AKIAWORKBOOKSANDBOX0")   # -> Issued(session_token=None)
    keys.lookup("AKIAINVENTEDKEY00000")   # -> None
"""

from __future__ import annotations

import functools
import threading
from typing import NamedTuple

from .isolation import FAKE_ACCESS_KEY_ID

# What moto's STS answers to GetSessionToken and GetFederationToken, whoever asks.
SESSION_TOKEN_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
_ASKED_FOR_SESSION_TOKEN = "_workbook_issued_session_token_key"  # set on an STS backend; a reset clears it

_patch_lock = threading.Lock()
_patched = False


class Issued(NamedTuple):
    """A key the sandbox issued; ``session_token`` is what must come with it (role sessions only)."""

    session_token: str | None


_SANDBOX_KEY = Issued(None)


class IssuedKeys:
    """Looks keys up in moto's backends (all accounts), remembering where each one was found.

    A remembered key is checked again on every use with one dictionary lookup, so a deleted or
    deactivated key, or every key after a reset, stops working at once.
    """

    def __init__(self):
        install_session_token_tracking()
        # key id -> (moto IAM backend, its AccessKey, Issued)
        self._found: dict[str, tuple[object, object, Issued]] = {}

    def lookup(self, key_id: str) -> Issued | None:
        """The issued key ``key_id``, or None when the sandbox never issued it (or it was revoked)."""
        if key_id == FAKE_ACCESS_KEY_ID:
            return _SANDBOX_KEY
        found = self._found.get(key_id)
        if found is not None:
            backend, access_key, issued = found
            if backend.access_keys.get(key_id) is access_key and _usable(backend, access_key):
                return issued
            self._found.pop(key_id, None)
        if key_id == SESSION_TOKEN_KEY_ID:
            return _SANDBOX_KEY if _session_token_key_issued() else None
        return self._search(key_id)

    def _search(self, key_id: str) -> Issued | None:
        from moto.iam.models import iam_backends

        for account_backends in list(iam_backends.values()):
            for backend in list(account_backends.values()):
                access_key = backend.access_keys.get(key_id)
                if access_key is None or not _usable(backend, access_key):
                    continue
                if access_key.user_name is None:  # a temporary key: only good with its session token
                    token = _session_token_of(access_key)
                    if token is None:
                        return None
                    issued = Issued(token)
                else:
                    issued = _SANDBOX_KEY
                self._found[key_id] = (backend, access_key, issued)
                return issued
        return None


def _usable(backend, access_key) -> bool:
    if access_key.status != "Active":
        return False
    return access_key.user_name is None or access_key.user_name in backend.users


def _session_token_of(access_key) -> str | None:
    from moto.sts.models import sts_backends

    for account_backends in list(sts_backends.values()):
        for backend in list(account_backends.values()):
            for assumed in list(backend.assumed_roles):
                if assumed.access_key is access_key:
                    return assumed.session_token
    return None


def _session_token_key_issued() -> bool:
    from moto.sts.models import sts_backends

    return any(
        getattr(backend, _ASKED_FOR_SESSION_TOKEN, False)
        for account_backends in list(sts_backends.values())
        for backend in list(account_backends.values())
    )


def install_session_token_tracking() -> None:
    """Make moto's STS remember that it handed out its session-token key (idempotent)."""
    global _patched
    with _patch_lock:
        if _patched:
            return
        from moto.sts.models import STSBackend

        for name in ("get_session_token", "get_federation_token"):
            setattr(STSBackend, name, _remembering(getattr(STSBackend, name)))
        _patched = True


def _remembering(method):
    @functools.wraps(method)
    def issue(self, *args, **kwargs):
        token = method(self, *args, **kwargs)
        setattr(self, _ASKED_FOR_SESSION_TOKEN, True)
        return token

    return issue
