"""Does the test suite really refuse to talk to anything but this machine?"""

import socket

import pytest

from tests.conftest import NonLoopbackConnection


def test_connecting_to_a_public_address_fails_the_test():
    """Is a connection to a non-loopback address stopped before any packet leaves?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(NonLoopbackConnection):
            s.connect(("203.0.113.7", 443))


def test_connecting_by_host_name_fails_the_test():
    """Are host names other than localhost refused too (they could resolve anywhere)?"""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        with pytest.raises(NonLoopbackConnection):
            s.connect_ex(("lambda.us-east-1.amazonaws.com", 443))


def test_loopback_connections_are_allowed():
    """Can tests still reach a server on 127.0.0.1?"""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
