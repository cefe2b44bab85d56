"""Shared fixtures and the network guard for every test."""

from __future__ import annotations

import atexit
import functools
import ipaddress
import os
import shutil
import socket
import tempfile

import pytest

# Progress written by tests (and by notebook kernels nbval starts, which inherit this
# environment) goes to a throwaway folder, never to the learner's ~/.workbook.
os.environ["WORKBOOK_HOME"] = tempfile.mkdtemp(prefix="workbook-test-home-")
atexit.register(functools.partial(shutil.rmtree, os.environ["WORKBOOK_HOME"], ignore_errors=True))
os.environ.setdefault("WORKBOOK_LEARNER", "test-learner")


class NonLoopbackConnection(AssertionError):
    """A test tried to reach a machine other than this one."""


def _is_loopback(address) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like
        return True
    host = address[0]
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost


def _guarded(method):
    def connect(self, address, *args, **kwargs):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise NonLoopbackConnection(f"test opened a socket to {address!r}; only 127.0.0.1/::1 are allowed")
        return method(self, address, *args, **kwargs)

    return connect


socket.socket.connect = _guarded(socket.socket.connect)
socket.socket.connect_ex = _guarded(socket.socket.connect_ex)


@pytest.fixture(scope="session")
def session_sandbox():
    """One sandbox per test process; tests that use `sb` get it reset."""
    from workbook import sandbox

    sb = sandbox.start()
    yield sb
    sb.stop()


@pytest.fixture
def sb(session_sandbox):
    """A running sandbox with no AWS resources and no execution environments."""
    session_sandbox.reset()
    yield session_sandbox
    session_sandbox.settle(timeout=30)


# Tests that grade a whole notebook share no fixture with their neighbours and run for seconds each: under
# `--dist loadscope` each is a scope of its own, so that a module of them does not keep one worker busy alone.
_ONE_SCOPE_EACH = ("tests/functional/test_grade_cli.py::", "tests/functional/grading/")


@pytest.hookimpl(optionalhook=True)  # known to xdist's controller, not to its workers
def pytest_xdist_make_scope(nodeid: str) -> str | None:
    if nodeid.startswith(_ONE_SCOPE_EACH):
        return nodeid
    return None
