"""Execution environments per function version: reuse, scale-out, reserved concurrency, idle shutdown.

* An invoke takes an **idle** environment of the same function version when there is one (a warm
  start), otherwise a **new** one (a cold start). So N concurrent invokes run in N environments.
* **Reserved concurrency** caps how many environments of a function may be busy at once (all
  versions together); one more invoke is throttled. Reserved concurrency 0 throttles everything.
* **Provisioned** environments are started ahead of time for one alias or version and are
  preferred by invokes of that qualifier; they never idle out.
* An environment idle for longer than ``idle_timeout`` seconds shuts down.
* With ``cpu = "proportional"`` every invoke gets CPU in proportion to MemorySize (:mod:`.cpu`).
* Idle environments are frozen (:meth:`.Environment.freeze`); the reaper and ``clear`` kill them as they stand.
* ``retire`` marks environments of a version as outdated (code or configuration changed):
  idle ones close now, busy ones when their invoke finishes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from .environment import Environment, FunctionSpec

FunctionKey = tuple[str, str, str]  # (account_id, region, function_name)


RESERVED_REACHED = "ReservedFunctionConcurrentInvocationLimitExceeded"


class Throttled(Exception):
    """No environment may be used right now: reserved concurrency reached, or (``reserved`` None)
    the machine has no room for another worker. ``reason`` is the 429's ``Reason``."""

    def __init__(self, reserved: int | None, reason: str = RESERVED_REACHED):
        super().__init__(f"reserved concurrency {reserved} reached" if reserved is not None else "no room")
        self.reserved = reserved
        self.reason = reason


class Pool:
    def __init__(self, make_environment: Callable[[FunctionSpec, str | None], Environment], idle_timeout: float):
        self._make = make_environment
        self.idle_timeout = idle_timeout
        self.cpu: str | None = None  # "proportional": memory buys CPU (from the next invoke on)
        self._lock = threading.Condition(threading.Lock())  # notified when an environment stops being busy
        self._idle: dict[FunctionKey, list[Environment]] = {}
        self._busy: dict[FunctionKey, set[Environment]] = {}
        self._closing = threading.Event()
        self._reaper = threading.Thread(target=self._reap_forever, name="lambda-idle-reaper", daemon=True)
        self._reaper.start()

    # ------------------------------------------------------------------ invoke side

    def acquire(self, spec: FunctionSpec, reserved: int | None, qualifier: str | None) -> Environment:
        """An environment for ``spec``, marked busy. Raises :class:`Throttled`."""
        key = spec.function_key
        stale: list[Environment] = []
        with self._lock:
            busy = self._busy.setdefault(key, set())
            if reserved is not None and len(busy) >= reserved:
                raise Throttled(reserved)
            idle = self._idle.setdefault(key, [])
            chosen = None
            for env in reversed(idle):  # most recently used first
                if env.retired or (env.spec.version == spec.version and env.spec != spec):
                    stale.append(env)
                elif env.spec == spec and env.provisioned_for in (None, qualifier):
                    if chosen is None or (env.provisioned_for and not chosen.provisioned_for):
                        chosen = env
            for env in stale:
                idle.remove(env)
            if chosen is not None:
                idle.remove(chosen)
            else:
                chosen = self._make(spec, None)
            chosen.cpu = self.cpu
            busy.add(chosen)
        for env in stale:
            env.close()
        return chosen

    def release(self, env: Environment) -> None:
        key = env.spec.function_key
        with self._lock:
            self._busy.get(key, set()).discard(env)
            keep = not (env.retired or env.closed)
            if keep:
                env.last_used = time.monotonic()
                self._idle.setdefault(key, []).append(env)
            self._lock.notify_all()
        if not keep:
            env.close()

    def settle(self, timeout: float) -> bool:
        """Wait until no environment is busy; False if some still are after ``timeout`` seconds.

        An invoke goes on after its caller stopped waiting (a client's read timeout), as on AWS.
        """
        deadline = time.monotonic() + timeout
        with self._lock:
            while any(self._busy.values()):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def busy_count(self, key: FunctionKey) -> int:
        with self._lock:
            return len(self._busy.get(key, ()))

    def environment_count(self, key: FunctionKey) -> int:
        """Environments of a function, idle or busy (the benchmark checks it saw no cold start)."""
        with self._lock:
            return len(self._all_locked(key))

    # ------------------------------------------------------------------ provisioned concurrency

    def add_provisioned(self, spec: FunctionSpec, qualifier: str, count: int) -> None:
        """Start ``count`` environments for ``qualifier`` now (in the background), replacing earlier ones."""
        self.remove_provisioned(spec.function_key, qualifier)
        if count <= 0:
            return
        for _ in range(count):
            env = self._make(spec, qualifier)
            threading.Thread(target=self._prewarm, args=(env,), name="lambda-provision", daemon=True).start()

    def _prewarm(self, env: Environment) -> None:
        try:
            env.prewarm()
        except Exception:  # its code was deleted by a reset meanwhile, no room for a worker, …
            env.retired = True
        key = env.spec.function_key
        with self._lock:
            if not env.retired:
                self._idle.setdefault(key, []).append(env)
                return
        env.close()

    def remove_provisioned(self, key: FunctionKey, qualifier: str) -> None:
        self._retire_where(key, lambda env: env.provisioned_for == qualifier)

    def provisioned_ready(self, key: FunctionKey, qualifier: str) -> int:
        with self._lock:
            return sum(
                1 for env in self._all_locked(key) if env.provisioned_for == qualifier and not env.retired and env.initialised
            )

    # ------------------------------------------------------------------ retiring and reaping

    def _all_locked(self, key: FunctionKey) -> list[Environment]:
        return list(self._idle.get(key, [])) + list(self._busy.get(key, ()))

    def retire(self, key: FunctionKey, version: str | None = None) -> None:
        """Outdate the environments of ``version`` (every version when None)."""
        self._retire_where(key, lambda env: version is None or env.spec.version == version)

    def _retire_where(self, key: FunctionKey, outdated: Callable[[Environment], bool]) -> None:
        """Retire the matching environments: idle ones close now, busy ones when their invoke returns."""
        with self._lock:
            for env in self._all_locked(key):
                if outdated(env):
                    env.retired = True
            idle = self._idle.get(key, [])
            closing = [env for env in idle if env.retired]
            idle[:] = [env for env in idle if not env.retired]
        for env in closing:
            env.close()

    def reap_idle(self) -> None:
        now = time.monotonic()
        closing = []
        with self._lock:
            for idle in self._idle.values():
                expired = [
                    env for env in idle if env.provisioned_for is None and now - env.last_used > self.idle_timeout
                ]
                for env in expired:
                    idle.remove(env)
                closing.extend(expired)
        for env in closing:
            env.close()

    def _reap_forever(self) -> None:
        while not self._closing.wait(min(1.0, max(self.idle_timeout / 4, 0.1))):
            self.reap_idle()

    def clear(self) -> None:
        """Close every environment (busy ones are retired and close when their invoke returns)."""
        with self._lock:
            everything = [env for idle in self._idle.values() for env in idle]
            busy = [env for envs in self._busy.values() for env in envs]
            self._idle.clear()
            for env in busy:
                env.retired = True
        for env in busy:
            env.terminate()  # the invoke waiting on it sees the process die, returns and closes it
        for env in everything:
            env.close()

    def close(self) -> None:
        self._closing.set()
        self.clear()
        with self._lock:
            busy = [env for envs in self._busy.values() for env in envs]
            self._busy.clear()
            self._lock.notify_all()
        for env in busy:
            env.terminate()
