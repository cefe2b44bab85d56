"""One execution environment: a worker process running :mod:`bootstrap`, its temp dir and its log stream.

An environment handles one invocation at a time. It starts (init phase) on its first invoke, or
ahead of time for provisioned concurrency, then serves warm invokes until it is retired or idle
for too long. A timeout, a crash or running out of memory kills the *process* — the next invoke
starts a fresh runtime (globals re-initialised) in the same environment, whose temp dir persists.

What keeps the handler inside its environment (see :mod:`.containment`): the worker's environment
variables travel over the control pipe once it is non-dumpable; when the runtime runs as root each
environment has its own unprivileged user, owner of its temp dir; the memory watchdog counts the
worker's child processes; killing an environment kills every process it started; and every reply
must name the request it answers, or the environment is retired.

Between invokes an environment is **frozen**, as on AWS: once the invoke's answer is read, the worker's
process group (and every descendant the watchdog saw leave it) gets SIGSTOP, and SIGCONT just before the
next invoke (a kill sends SIGKILL first). A background thread started by a handler makes no progress in between.
With ``cpu="proportional"`` (:mod:`.cpu`) the worker also gets CPU time in proportion to MemorySize
while it runs an invoke.
"""

from __future__ import annotations

import dataclasses
import fcntl
import json
import os
import queue
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable

from . import containment, cpu, errors, logs
from .bootstrap import INIT, MARKER_PREFIX, MARKER_SUFFIX, send

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
INIT_TIMEOUT_SECONDS = 10.0  # the init phase limit on AWS
LOG_CAPTURE_LIMIT = 1024 * 1024  # output kept per invoke; the rest is dropped with a note
MEMORY_CHECK_INTERVAL = 0.05
READ_CHUNK = 1 << 16
PIPE_SIZE = 1 << 18  # 256 KB: stays well inside the per-user pipe memory soft limit
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
MAX_HEADER_BYTES = 1 << 20  # a reply's JSON header is a few dozen bytes
MAX_BODY_BYTES = 1 << 30


@dataclasses.dataclass(frozen=True)
class FunctionSpec:
    """Everything an environment needs to know about the function version it runs (a snapshot)."""

    account_id: str
    region: str
    function_name: str
    version: str
    handler: str
    runtime: str
    memory_size: int
    timeout: float
    variables: tuple[tuple[str, str], ...]
    role: str
    code_dir: str
    layer_paths: tuple[str, ...]
    log_group: str
    layer_dirs: tuple[str, ...] = ()  # where each layer was unpacked (layer_paths are inside them)

    @property
    def function_key(self) -> tuple[str, str, str]:
        return (self.account_id, self.region, self.function_name)


@dataclasses.dataclass
class Outcome:
    """What happened during one invocation, as the platform reports it."""

    request_id: str
    version: str
    payload: bytes = b"null"
    error_type: str | None = None  # set when FunctionError is "Unhandled"
    status: str | None = None  # None (success or handler error), "timeout" or "error" in REPORT
    duration_ms: float = 0.0
    init_ms: float | None = None
    max_memory_mb: int = 0
    output: bytes = b""
    log_text: str = ""

    @property
    def function_error(self) -> bool:
        return self.error_type is not None


class _Died(Exception):
    """The worker process ended (or was killed for using too much memory)."""


class _TimedOut(Exception):
    pass


class _ProtocolError(Exception):
    """The worker said something the runtime never says: a malformed frame, a reply out of turn."""


class NoCapacity(Exception):
    """The machine has no room for another worker right now (file descriptors, processes, memory)."""


class _Spawner:
    """Starts every worker from one thread that lives as long as the process.

    A worker asks to be killed when its parent goes (``PR_SET_PDEATHSIG``), and for Linux the parent
    is the *thread* that forked it: started from a web server's request thread, a worker would die
    when that request ends.
    """

    def __init__(self):
        self._requests: queue.SimpleQueue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def popen(self, args: list[str], **kwargs) -> subprocess.Popen:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():  # first use, or after a fork
                self._requests = queue.SimpleQueue()
                self._thread = threading.Thread(target=self._serve, args=(self._requests,),
                                                name="lambda-worker-spawner", daemon=True)
                self._thread.start()
            requests = self._requests
        done = threading.Event()
        result: list = []
        requests.put((args, kwargs, result, done))
        done.wait()
        if isinstance(result[0], BaseException):
            raise result[0]
        return result[0]

    @staticmethod
    def _serve(requests: queue.SimpleQueue) -> None:
        while True:
            args, kwargs, result, done = requests.get()
            try:
                result.append(subprocess.Popen(args, **kwargs))
            except BaseException as exc:  # handed to the thread that asked
                result.append(exc)
            done.set()


_spawner = _Spawner()


class LogCollector:
    """Cuts a worker's stdout+stderr into per-phase segments at the bootstrap's markers.

    There is no reader thread: the invoking thread reads the pipe (:meth:`drain`, never blocking)
    while it waits for the worker's answer, so a warm invoke involves no hand-off between threads.
    Output written while the environment is idle (a background thread) waits in the pipe and is
    logged with the next invoke.
    """

    def __init__(self, fd: int):
        self.fd = fd
        self.eof = False
        os.set_blocking(fd, False)
        try:  # room for a chatty background thread between invokes (Linux; best effort)
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_SIZE)
        except OSError:
            pass
        self._chunk = bytearray(READ_CHUNK)  # reused for every read: no allocation per invoke
        self._view = memoryview(self._chunk)
        self._kept = bytearray()
        self._dropped = 0
        self._pending = b""
        self._segments: dict[str, bytes] = {}

    def drain(self) -> None:
        """Read whatever the pipe holds right now."""
        while not self.eof:
            try:
                size = os.readv(self.fd, [self._chunk])
            except BlockingIOError:
                return
            except OSError:
                size = 0
            if not size:
                self.eof = True
                self._append(self._pending)
                self._pending = b""
                return
            self._feed(self._pending + self._view[:size])

    def _feed(self, data: bytes) -> None:
        while True:
            start = data.find(MARKER_PREFIX)
            if start < 0:
                cut = data.rfind(b"\x00")
                if cut >= 0 and len(data) - cut < 80:  # maybe the beginning of a marker
                    self._append(data[:cut])
                    self._pending = data[cut:]
                else:
                    self._append(data)
                    self._pending = b""
                return
            end = data.find(MARKER_SUFFIX, start + len(MARKER_PREFIX))
            if end < 0:
                if len(data) - start < 120:
                    self._append(data[:start])
                    self._pending = data[start:]
                    return
                self._append(data[: start + 1])
                data = data[start + 1 :]
                continue
            self._append(data[:start])
            token = data[start + len(MARKER_PREFIX) : end].decode(errors="replace")
            self._segments[token] = self._take()
            data = data[end + len(MARKER_SUFFIX) :]

    def _append(self, data: bytes) -> None:
        room = LOG_CAPTURE_LIMIT - len(self._kept)
        if len(data) <= room:
            self._kept += data
        else:
            self._kept += data[: max(room, 0)]
            self._dropped += len(data) - max(room, 0)

    def _take(self) -> bytes:
        data = bytes(self._kept)
        if self._dropped:
            if not data.endswith(b"\n"):
                data += b"\n"
            data += f"[workbook] log truncated: {self._dropped} more bytes were dropped (1 MB kept)\n".encode()
        self._kept, self._dropped = bytearray(), 0
        return data

    def segment(self, token: str, timeout: float) -> bytes:
        """Output of the phase ending with ``token``.

        The bootstrap writes the marker before it answers on the control pipe, so once the answer
        is in, the marker is already in the log pipe; the wait is only a safety net.
        """
        self.drain()
        if token not in self._segments and not self.eof:
            waiter = select.poll()
            waiter.register(self.fd, select.POLLIN | select.POLLHUP | select.POLLERR)
            deadline = time.monotonic() + timeout
            while token not in self._segments and not self.eof:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                waiter.poll(remaining * 1000)
                self.drain()
        if token in self._segments:
            return self._segments.pop(token)
        return self._take()

    def rest(self) -> bytes:
        """Everything not claimed yet (after the process ended)."""
        self.drain()
        self._append(self._pending)
        self._pending = b""
        leftovers = b"".join(self._segments.values())
        self._segments.clear()
        return leftovers + self._take()

    def close(self) -> None:
        try:
            os.close(self.fd)
        except OSError:
            pass


class Environment:
    """A Lambda execution environment for one function version."""

    def __init__(
        self,
        spec: FunctionSpec,
        root: str,
        endpoint_url: str,
        credentials: Callable[[FunctionSpec], dict[str, str]],
        provisioned_for: str | None = None,
        users: containment.WorkerUsers | None = None,
        prepare: Callable[[FunctionSpec], None] | None = None,
    ):
        self.spec = spec
        self.endpoint_url = endpoint_url
        self._credentials = credentials
        self._prepare = prepare  # runs before each worker starts (checks the code is intact)
        self.provisioned_for = provisioned_for
        self.init_type = "provisioned-concurrency" if provisioned_for else "on-demand"
        self.runtime_root = os.path.dirname(root)  # removed by a worker whose parent died (macOS)
        self.tmpdir = tempfile.mkdtemp(prefix="env-", dir=root)
        # Running as root: this environment's own user, who alone may use its temp dir.
        self._users = users
        self.uid = users.allocate() if users is not None else None
        self._keep_read_search = users is not None and users.keep_read_search
        if self.uid is not None:
            os.chown(self.tmpdir, self.uid, self.uid)
        self.log_stream = logs.log_stream_name(spec.version)
        self.cloudwatch = logs.CloudWatchWriter(spec.account_id, spec.region, spec.log_group, self.log_stream)
        self.process: subprocess.Popen | None = None
        self.initialised = False
        self.retired = False
        self.closed = False
        self.last_used = time.monotonic()
        self._pending_init_ms: float | None = None
        self._reader = None
        self._to_worker = self._from_worker = -1
        self._collector: LogCollector | None = None
        self._remembered: dict[int, int] = {}  # descendants seen by the watchdog: {pid: start time}
        self._memory_peak_mb = 0  # over MemorySize: what the watchdog saw before killing
        self._known_peak_mb = 0  # the runtime process' peak RSS as last reported or observed
        self.cpu: str | None = None  # "proportional": CPU in proportion to MemorySize (set by the pool)
        self.frozen: list[int] = []  # what freeze() stopped: process groups (negative) and pids

    # ------------------------------------------------------------------ lifecycle

    @staticmethod
    def _startup_environ() -> dict[str, str]:
        """What the worker's interpreter starts with: nothing secret (``/proc/<pid>/environ`` shows it)."""
        return {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "LC_CTYPE": "C.UTF-8",
            "TZ": ":UTC",
        }

    def _worker_environ(self) -> dict[str, str]:
        """The function's environment, sent over the control pipe once the worker is non-dumpable."""
        spec = self.spec
        variables = self._startup_environ()
        variables.update(dict(spec.variables))
        variables.update(self._credentials(spec))
        variables.update(
            {
                "_HANDLER": spec.handler or "",
                "AWS_REGION": spec.region,
                "AWS_DEFAULT_REGION": spec.region,
                "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime or 'python3.12'}",
                "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_size),
                "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
                "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
                "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
                "AWS_LAMBDA_INITIALIZATION_TYPE": self.init_type,
                "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
                "LAMBDA_TASK_ROOT": spec.code_dir,
                "LAMBDA_RUNTIME_DIR": os.path.dirname(BOOTSTRAP),
                "TMPDIR": self.tmpdir,
                "AWS_ENDPOINT_URL": self.endpoint_url,
                # No shared config or instance metadata: the function sees only the sandbox.
                "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_EC2_METADATA_DISABLED": "true",
                "_WORKBOOK_LAYER_PATHS": os.pathsep.join(spec.layer_paths),
            }
        )
        return variables

    def start(self, request_id: str = "") -> tuple[float, dict | None, bytes]:
        """Run the init phase. Returns ``(init_ms, error_document_or_None, output)``.

        ``request_id`` is the invoke that triggered the init (none for provisioned concurrency):
        a runtime that exits during init is reported with it, as the platform does.
        """
        environ = self._worker_environ()  # may raise (the execution role cannot be assumed)
        if self._prepare is not None:
            self._prepare(self.spec)
        self._collector_rest()  # whatever an earlier runtime process of this environment left
        self._known_peak_mb = 0
        self._remembered.clear()
        started = time.perf_counter()
        self._spawn()
        self.cloudwatch.write([logs.init_start_line(self.spec.runtime, self.spec.region)])
        deadline = time.monotonic() + INIT_TIMEOUT_SECONDS
        try:
            send(self._to_worker, {"environ": environ})  # read first thing, so this never blocks for long
            header, _ = self._reader.message(deadline, self._check_memory)
            if header.get("request_id") != INIT:
                raise _ProtocolError(f"a reply to {_shown(header.get('request_id'))} came for the init phase")
            init_error = header["error"]
            if init_error is not None and not isinstance(init_error.get("errorType"), str):
                raise _ProtocolError("a malformed init error")
            self._known_peak_mb = int(header["max_memory_mb"])
        except (_ProtocolError, AttributeError, KeyError, TypeError, ValueError) as exc:
            self.retired = True
            returncode = self.kill()
            note = _protocol_note(exc, "init reply")
            error = errors.exit_error(request_id, returncode)
            return (time.perf_counter() - started) * 1000, error, self._collector_rest() + note
        except _TimedOut:
            self.kill()
            error = {"errorType": "Runtime.Unknown", "errorMessage": "Init phase timed out"}
            return INIT_TIMEOUT_SECONDS * 1000, error, self._collector_rest()
        except (_Died, OSError):
            returncode = self.kill()
            error = errors.exit_error(request_id, returncode)
            return (time.perf_counter() - started) * 1000, error, self._collector_rest()
        init_ms = (time.perf_counter() - started) * 1000
        output = self._collector.segment(INIT, timeout=2.0)
        if init_error is not None or self._known_peak_mb > self.spec.memory_size:
            returncode = self.kill()
            status = -signal.SIGKILL if returncode == 0 else returncode
            error = init_error or errors.exit_error(request_id, status)
            return init_ms, error, output
        self.initialised = True
        self.cloudwatch.write(logs.split_output(output))
        return init_ms, None, output

    def _spawn(self) -> None:
        """Start the worker process. Raises :class:`NoCapacity` when the machine is out of file
        descriptors or processes, with every pipe closed again."""
        if not containment.room_for_descriptors(8):  # three pipes, and two more while starting
            raise NoCapacity("too many open files")
        fds: list[int] = []
        try:
            for _ in range(3):
                fds += os.pipe()
            to_worker_r, to_worker_w, from_worker_r, from_worker_w, log_r, log_w = fds
            user = "" if self.uid is None else f"{self.uid}:{self.uid}:{int(self._keep_read_search)}"
            self.process = _spawner.popen(
                [
                    sys.executable, "-u", "-I", BOOTSTRAP,
                    str(to_worker_r), str(from_worker_w), str(os.getpid()), self.runtime_root, user,
                ],
                pass_fds=(to_worker_r, from_worker_w),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                cwd=self.spec.code_dir,
                env=self._startup_environ(),
                start_new_session=True,  # its own process group: Ctrl-C in a terminal doesn't reach it
            )
        except OSError as exc:
            for fd in fds:
                os.close(fd)
            if exc.errno in containment.RESOURCE_ERRNOS:
                raise NoCapacity(str(exc)) from None
            raise
        for fd in (to_worker_r, from_worker_w, log_w):
            os.close(fd)
        self._to_worker, self._from_worker = to_worker_w, from_worker_r
        self._collector = LogCollector(log_r)
        self._reader = _FrameReader(from_worker_r, self._collector)

    def prewarm(self) -> bool:
        """Initialise ahead of the first invoke (provisioned concurrency). True when ready."""
        _, error, output = self.start()
        if error is not None:
            self.cloudwatch.write(logs.split_output(output))
            return False
        self.freeze()
        return True

    # ------------------------------------------------------------------ freeze and thaw

    def freeze(self) -> None:
        """Stop every process of the idle environment (SIGSTOP), as AWS freezes it between invokes.

        Its process group (the worker and the children that stayed in it), plus the descendants the
        watchdog saw that are still the same processes (a ``setsid`` daemon leaves the group).
        """
        process = self.process
        if process is None or self.frozen or not containment.LINUX:  # elsewhere a frozen worker whose
            return  # parent died would stay stopped: only Linux kills it with its parent (PR_SET_PDEATHSIG)
        stopped = [-process.pid]
        for pid, started in self._remembered.items():
            if started is not None and containment.start_time(pid) == started:
                stopped.append(pid)
        for target in stopped:
            _signal(target, signal.SIGSTOP)
        self.frozen = stopped

    def thaw(self) -> None:
        """Let the frozen processes run again (SIGCONT): before an invoke, and (after SIGKILL) a kill."""
        stopped, self.frozen = self.frozen, []
        for target in stopped:
            _signal(target, signal.SIGCONT)

    def terminate(self) -> None:
        """Kill the worker from another thread; the invoking thread does the cleanup (:meth:`kill`)."""
        process = self.process
        if process is not None:
            for kill in (os.killpg, os.kill):
                try:
                    kill(process.pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            self.thaw()

    def kill(self) -> int | None:
        """Stop the runtime process (the environment and its temp dir stay). Returns its exit status."""
        if self.frozen:  # killed while stopped, then continued: no line of the handler runs in between
            for target in self.frozen:
                _signal(target, signal.SIGKILL)
        self.thaw()
        process, self.process = self.process, None
        self.initialised = False
        if process is None:
            return None
        returncode = process.poll()
        containment.kill_all(process.pid, self.uid, self._remembered)  # and every process it started
        self._remembered.clear()
        process.wait()
        for fd in (self._to_worker, self._from_worker):
            try:
                os.close(fd)
            except OSError:
                pass
        self._to_worker = self._from_worker = -1
        return returncode if returncode is not None else process.returncode

    def _collector_rest(self) -> bytes:
        collector, self._collector = self._collector, None
        if collector is None:
            return b""
        data = collector.rest()
        collector.close()
        return data

    def close(self) -> None:
        """Kill the process and delete the temp dir: the environment is gone."""
        self.closed = True
        self.kill()
        self._collector_rest()
        containment.remove_tree(self.tmpdir)
        users, self._users = self._users, None
        if users is not None:  # once: the id may be another environment's by a second close()
            users.release(self.uid)

    # ------------------------------------------------------------------ invoke

    def _check_memory(self) -> None:
        """The watchdog (only while waiting for the worker): the worker's resident memory plus its
        descendants' private memory, against MemorySize."""
        if self.process is None:
            return
        pid = self.process.pid
        below = containment.descendants(pid, max_age=MEMORY_CHECK_INTERVAL)
        rss = containment.memory_bytes(pid, below)
        if rss is None:
            return
        for child in below:  # for kill_all (without a user of its own) and freeze()
            if child not in self._remembered:
                self._remembered[child] = containment.start_time(child)
        rss_mb = -(-rss // (1024 * 1024))
        self._known_peak_mb = max(self._known_peak_mb, rss_mb)
        if rss > self.spec.memory_size * 1024 * 1024:
            self._memory_peak_mb = rss_mb
            raise _Died("out of memory")

    def _watch(self, throttle: cpu.Throttle | None) -> Callable[[], float]:
        """What the reader calls while it waits: the memory watchdog, and the CPU throttle if any.
        Returns the seconds until the next call."""
        if throttle is None:
            def watch() -> float:
                self._check_memory()
                return MEMORY_CHECK_INTERVAL
            return watch
        next_memory_check = time.monotonic()

        def watch_and_throttle() -> float:
            nonlocal next_memory_check
            now = time.monotonic()
            if now >= next_memory_check:
                self._check_memory()
                next_memory_check = now + MEMORY_CHECK_INTERVAL
            return min(throttle.tick(), max(next_memory_check - now, 0.001))
        return watch_and_throttle

    @staticmethod
    def _release(throttle: cpu.Throttle | None) -> None:
        if throttle is not None:
            throttle.release()

    def _peak_before_kill(self) -> int:
        """The runtime process' peak RSS in MB (VmHWM), read while it is still alive; else the
        highest value the worker reported or the watchdog saw."""
        peak = self._known_peak_mb
        if self.process is not None:
            try:
                with open(f"/proc/{self.process.pid}/status", "rb") as status:
                    for line in status:
                        if line.startswith(b"VmHWM:"):
                            peak = max(peak, -(-int(line.split()[1]) // 1024))
                            break
            except (OSError, ValueError):
                pass
        return peak

    def invoke(self, request_id: str, payload: bytes, invoked_arn: str, client_context: dict | None) -> Outcome:
        """Run one invocation in this environment (starting the runtime first when needed)."""
        spec = self.spec
        outcome = Outcome(request_id=request_id, version=spec.version)
        self._memory_peak_mb = 0
        if self.process is None:
            init_ms, error, output = self.start(request_id)
            if error is not None:
                outcome.payload = json.dumps(error).encode()
                outcome.error_type, outcome.status = error["errorType"], "error"
                outcome.duration_ms, outcome.output = init_ms, output
                outcome.max_memory_mb = max(self._memory_peak_mb, self._known_peak_mb)
                self._collector_rest()
                return outcome
            self._pending_init_ms = init_ms
        outcome.init_ms, self._pending_init_ms = self._pending_init_ms, None
        self.thaw()

        # The deadline is fixed when the invoke is dispatched; the parent's kill and the handler's
        # get_remaining_time_in_millis() both derive from it.
        started = time.perf_counter()
        deadline = time.monotonic() + spec.timeout
        deadline_ms = time.time() * 1000 + spec.timeout * 1000
        header = {
            "request_id": request_id,
            "deadline_ms": deadline_ms,
            "invoked_arn": invoked_arn,
            "client_context": client_context,
        }
        throttle = cpu.Throttle(self.process.pid, spec.memory_size) if self.cpu == "proportional" else None
        try:
            send(self._to_worker, header, payload)
            result, body = self._reader.message(deadline, self._watch(throttle),
                                                MEMORY_CHECK_INTERVAL if throttle is None else cpu.CHECK_INTERVAL)
            if result.get("request_id") != request_id:
                raise _ProtocolError(f"a reply to {_shown(result.get('request_id'))} came for {request_id!r}")
            duration_ms, max_memory_mb = float(result["duration_ms"]), int(result["max_memory_mb"])
            failed = result["error"]
            owed = throttle.debt() if throttle is not None else 0.0
        except (_ProtocolError, KeyError, TypeError, ValueError) as exc:
            self._release(throttle)
            self.retired = True
            returncode = self.kill()
            outcome = self._exited(outcome, returncode, started)
            outcome.output += _protocol_note(exc, "reply")
            return outcome
        except _TimedOut:
            self._release(throttle)
            outcome.max_memory_mb = self._peak_before_kill()
            self.kill()
            outcome.payload = json.dumps(errors.timeout_error(request_id, spec.timeout)).encode()
            outcome.error_type, outcome.status = "Sandbox.Timedout", "timeout"
            outcome.duration_ms = spec.timeout * 1000
            outcome.output = self._collector_rest()
            return outcome
        except (_Died, OSError) as exc:
            self._release(throttle)
            returncode = self.kill()
            if str(exc) == "out of memory":
                returncode = -signal.SIGKILL
            return self._exited(outcome, returncode, started)

        self._release(throttle)
        if owed > 0:  # the throttle looked too late and the handler ran ahead: it takes what its share allows
            time.sleep(owed)
            duration_ms += owed * 1000
        if self._reader.pending:  # more than one reply: something else wrote to the control pipe
            self.retired = True
        outcome.output = self._collector.segment(request_id, timeout=2.0)
        outcome.duration_ms = duration_ms
        outcome.max_memory_mb = self._known_peak_mb = max_memory_mb
        if outcome.max_memory_mb > spec.memory_size:  # peaked above MemorySize between two checks
            self.kill()
            return self._exited(outcome, -signal.SIGKILL, started, keep_output=True)
        outcome.payload = body
        if failed:
            try:
                outcome.error_type = json.loads(body).get("errorType") or "Unhandled"
            except (ValueError, AttributeError):  # a handler that wrote its own "error" reply
                outcome.error_type = "Unhandled"
        elif len(body) > errors.MAX_RESPONSE_BYTES:
            outcome.payload = json.dumps(errors.response_too_large_error()).encode()
            outcome.error_type = "Function.ResponseSizeTooLarge"
        self.freeze()
        return outcome

    def _exited(self, outcome: Outcome, returncode: int | None, started: float, keep_output: bool = False) -> Outcome:
        error = errors.exit_error(outcome.request_id, returncode)
        outcome.payload = json.dumps(error).encode()
        outcome.error_type, outcome.status = error["errorType"], "error"
        outcome.duration_ms = (time.perf_counter() - started) * 1000
        rest = self._collector_rest()
        outcome.output = outcome.output + rest if keep_output else rest
        # a process that died can't report its peak: at least what it last reported or was seen using
        outcome.max_memory_mb = max(outcome.max_memory_mb, self._memory_peak_mb, self._known_peak_mb)
        return outcome


def _signal(target: int, signum: int) -> None:
    """Send ``signum`` to a process (``target`` > 0) or a process group (``-target``), if still there."""
    try:
        if target < 0:
            os.killpg(-target, signum)
        else:
            os.kill(target, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _protocol_note(exc: Exception, what: str) -> bytes:
    """The log line that says why an environment was retired."""
    reason = exc if isinstance(exc, _ProtocolError) else f"a malformed {what} ({exc!r})"
    return f"[workbook] the runtime broke the protocol ({reason}): this environment was retired\n".encode()


def _shown(request_id) -> str:
    return repr(str(request_id)[:64])


class _FrameReader:
    """Reads :func:`bootstrap.send` messages from the control pipe with a deadline.

    While it waits it also drains the worker's log pipe (so the worker never blocks on a full
    pipe) and calls ``tick`` (the memory watchdog) every :data:`MEMORY_CHECK_INTERVAL` seconds.
    """

    def __init__(self, fd: int, log: LogCollector):
        self._fd = fd
        self._log = log
        self._buffer = bytearray()
        self._chunk = bytearray(READ_CHUNK)  # reused for every read
        self._view = memoryview(self._chunk)
        self._first_tick = MEMORY_CHECK_INTERVAL
        self._poll = select.poll()
        self._poll.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        self._poll.register(log.fd, select.POLLIN | select.POLLHUP | select.POLLERR)

    def _fill(self, size: int, deadline: float, tick: Callable[[], float | None]) -> None:
        next_tick = time.monotonic() + self._first_tick
        while len(self._buffer) < size:
            now = time.monotonic()
            if now >= deadline:
                raise _TimedOut
            if now >= next_tick:  # also when output keeps the poll busy
                interval = tick()
                next_tick = now + (MEMORY_CHECK_INTERVAL if interval is None else interval)
            for fd, _ in self._poll.poll((min(deadline, next_tick) - now) * 1000):
                if fd == self._fd:
                    read = os.readv(fd, [self._chunk])
                    if not read:
                        raise _Died("exited")
                    self._buffer += self._view[:read]
                else:
                    self._log.drain()
                    if self._log.eof:
                        self._poll.unregister(fd)

    def _take(self, size: int, deadline: float, tick: Callable[[], float | None]) -> bytes:
        self._fill(size, deadline, tick)
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    @property
    def pending(self) -> bool:
        """Bytes received beyond the last message (the worker never sends two in a row)."""
        return bool(self._buffer)

    def message(self, deadline: float, tick: Callable[[], float | None],
                first_tick: float = MEMORY_CHECK_INTERVAL) -> tuple[dict, bytes]:
        """The next message: ``(header, body)``. Raises :class:`_ProtocolError` for a malformed one.

        ``tick`` is called ``first_tick`` seconds after the wait begins, then after as many seconds as it
        returns (:data:`MEMORY_CHECK_INTERVAL` when it returns None)."""
        self._first_tick = first_tick
        size = int.from_bytes(self._take(4, deadline, tick), "big")
        if size > MAX_HEADER_BYTES:
            raise _ProtocolError(f"a {size}-byte header")
        try:
            header = json.loads(self._take(size, deadline, tick))
        except ValueError:
            raise _ProtocolError("a header that is not JSON") from None
        if not isinstance(header, dict):
            raise _ProtocolError("a header that is not a JSON object")
        size = int.from_bytes(self._take(4, deadline, tick), "big")
        if size > MAX_BODY_BYTES:
            raise _ProtocolError(f"a {size}-byte body")
        return header, self._take(size, deadline, tick)
