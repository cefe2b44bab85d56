"""Memory buys CPU: the share a memory size gets and the pause that keeps a worker to it."""

import pytest

from workbook.lambda_runtime import cpu


def test_one_vcpu_at_1769_mb():
    """Does 1,769 MB buy one vCPU, and 128 MB 1/13.8 of one?"""
    assert cpu.share(1769) == 1.0
    assert cpu.share(1769) / cpu.share(128) == pytest.approx(13.82, abs=0.01)


def test_no_pause_within_the_share():
    """Is a worker that used no more than its share of the elapsed time left running?"""
    assert cpu.pause(0.2, 0.2, 1.0) == 0.0
    assert cpu.pause(0.01, 0.2, 0.0723) == 0.0


def test_pause_lets_the_share_catch_up():
    """Does a worker over its share stay stopped until CPU time / wall time equals the share?"""
    used, elapsed, share = 0.05, 0.1, cpu.share(128)
    wait = cpu.pause(used, elapsed, share)
    assert used / (elapsed + wait) == pytest.approx(share)


def test_unknown_mode_is_one_sentence():
    """Is a misspelt mode refused with a sentence naming the valid ones?"""
    with pytest.raises(ValueError, match='None or "proportional"'):
        cpu.check_mode("fast")
