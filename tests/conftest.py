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
def moto_env(monkeypatch):
    """A plain moto test's environment (fake keys, us-east-1), for `mock_aws()` + `activate()`."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)  # set by a sandbox an earlier test left running
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def sb(session_sandbox, monkeypatch):
    """A running sandbox with no AWS resources and no execution environments.

    Within one test, ``sb.client(service)`` hands out one client per service and account, as a program
    keeps its clients: creating a boto3 client costs more CPU than most calls made with it.
    """
    session_sandbox.reset()
    clients = {}
    make_client = session_sandbox.client

    def client(service, account=None, **kwargs):
        if kwargs:
            return make_client(service, account, **kwargs)
        if (service, account) not in clients:
            clients[service, account] = make_client(service, account)
        return clients[service, account]

    monkeypatch.setattr(session_sandbox, "client", client)
    yield session_sandbox
    session_sandbox.settle(timeout=30)


# Tests that grade a whole notebook share no fixture with their neighbours and run for seconds each: under
# `--dist loadscope` each is a scope of its own, so that a module of them does not keep one worker busy alone.
_ONE_SCOPE_EACH = ("tests/functional/test_grade_cli.py::", "tests/functional/grading/")


# Scopes that run for many seconds are handed out first (`--no-loadscope-reorder` keeps this order), so that
# at the end the workers share out short tests instead of one worker finishing a long notebook alone.
# Lab 05 is graded on durations, so its graded runs wait until the burst of kernels starting at once is over.
_LONG_FIRST = (*_ONE_SCOPE_EACH, "notebooks/", "tests/functional/test_checks_m")
_TIMED = (
    "tests/functional/grading/test_grading_lab05.py",
    "tests/functional/test_grade_cli.py::test_every_solution_grades_full_marks[05",
)


def pytest_collection_modifyitems(items):
    def rank(item) -> int:
        if item.nodeid.startswith(_TIMED):
            return 1
        if item.nodeid.startswith(_LONG_FIRST):
            return 0
        return 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)  # stable: each module keeps its own order


@pytest.hookimpl(optionalhook=True)  # known to xdist's controller, not to its workers
def pytest_xdist_make_scope(nodeid: str) -> str | None:
    if nodeid.startswith(_ONE_SCOPE_EACH):
        return nodeid
    return None
