"""What every poller shares: its thread, how it stops, and how it invokes the function.

A poller runs in a daemon thread (it never keeps the kernel alive). ``stop()`` asks it to finish: a
disabled or deleted mapping completes the batch in flight first; a reset or a closing runtime
abandons it (its environments are being killed anyway). Invokes go through ``Runtime.execute``,
so they run, log and count like any other synchronous invoke.
"""

from __future__ import annotations

import logging
import threading
import time

from workbook.lambda_runtime.iam import RoleCannotBeAssumed
from workbook.lambda_runtime.pool import Throttled

from . import moto_hooks

log = logging.getLogger(__name__)

IDLE_RECHECK_SECONDS = 1.0  # how often an idle poller looks again without being woken
MAX_THROTTLE_BACKOFF = 1.0


class Poller:
    def __init__(self, manager, config):
        self.manager = manager
        self.runtime = manager.runtime
        self.config = config
        self.stopping = threading.Event()
        self.abandoned = False
        self._thread: threading.Thread | None = None
        self._count_lock = threading.Lock()
        self._in_flight = 0  # batches being collected or run

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"esm-{self.config.uuid[:8]}", daemon=True)
        self._thread.start()

    def stop(self, abandon: bool = False) -> None:
        self.abandoned = self.abandoned or abandon
        self.stopping.set()
        moto_hooks.notify_change()  # wake it if it is waiting for records

    def reconfigure(self, config) -> None:
        self.config = config
        moto_hooks.notify_change()

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def join(self, timeout: float) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    def _run(self) -> None:
        self.manager.poller_running(self)
        try:
            self.loop()
        except Exception:  # pragma: no cover - a poller must not die silently
            log.exception("event source mapping %s stopped", self.config.uuid)
        finally:
            self.manager.poller_stopped(self)

    def loop(self) -> None:
        raise NotImplementedError

    def busy(self) -> bool:
        """Whether ``settle()`` should wait for this poller (a batch in flight, or work it will pick up)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ helpers for subclasses

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def begin_batch(self) -> None:
        with self._count_lock:
            self._in_flight += 1

    def end_batch(self) -> None:
        with self._count_lock:
            self._in_flight -= 1
        self.manager.changed()

    def orphaned(self) -> bool:
        """Whether moto no longer has this mapping (its state was reset behind the runtime's back)."""
        config = self.config
        return moto_hooks.mapping(config.account_id, config.region, config.uuid) is None

    def stop_if_orphaned(self) -> bool:
        if self.orphaned():
            self.manager.deleted(self.config.uuid)
            return True
        return False

    def function(self):
        """The function version to invoke now (alias routing applied), or None when it no longer exists."""
        config = self.config
        return moto_hooks.function(config.account_id, config.region, config.function_name, config.qualifier)

    def wait(self, seen_generation: int, timeout: float) -> None:
        """Sleep until some source changes, the poller is stopped, or ``timeout`` seconds pass."""
        if not self.stopping.is_set():
            moto_hooks.wait_for_change(seen_generation, min(timeout, IDLE_RECHECK_SECONDS))

    def invoke(self, fn, payload: bytes, give_up_at: float):
        """``(outcome, None)``, or ``(None, reason)`` when the function could not run.

        A throttled invoke (reserved concurrency reached) is tried again, backing off, until
        ``give_up_at`` (``time.monotonic()``); reasons: ``"throttled"``, ``"role"``, ``"error"``.
        """
        config = self.config
        delay = 0.05
        while True:
            try:
                return self.runtime.execute(fn, payload, config.function_arn, config.qualifier), None
            except Throttled:
                if self.stopping.is_set() or time.monotonic() + delay > give_up_at:
                    return None, "throttled"
                self.stopping.wait(delay)
                delay = min(delay * 2, MAX_THROTTLE_BACKOFF)
            except RoleCannotBeAssumed:
                return None, "role"
            except Exception:
                log.exception(
                    "event source mapping %s could not invoke %s", config.uuid, config.function_name
                )
                return None, "error"

    def concurrency_allowed(self, fn) -> int:
        """Batches this mapping may run at once: ScalingConfig.MaximumConcurrency (default 5),
        never more than the function's reserved concurrency."""
        limit = self.config.max_concurrency or self.manager.default_concurrency
        reserved = getattr(fn, "reserved_concurrency", None)
        if fn is not None and getattr(fn, "version", "$LATEST") != "$LATEST":
            latest = moto_hooks.function(
                self.config.account_id, self.config.region, self.config.function_name, None
            )
            reserved = getattr(latest, "reserved_concurrency", reserved)
        if reserved not in (None, ""):
            limit = min(limit, int(reserved))
        return limit
