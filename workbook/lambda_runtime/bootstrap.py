"""The Lambda runtime that runs *inside* an execution environment (one worker process).

This file plays the part of AWS's Python runtime interface client (``awslambdaric``):

1. **Init phase** — put the function code and its layers on ``sys.path``, import the handler module
   (the code outside your handler runs now, once), and tell the parent how it went.
2. **Invoke phase** — a loop: wait for the next event, call ``handler(event, context)``, send back
   the JSON result or an error document, repeat. Module globals and ``/tmp`` (here: ``$TMPDIR``)
   survive between invokes, which is why a warm invoke is fast.

It talks to the parent over two pipes with length-prefixed frames (see :func:`send` / :func:`receive`);
``print`` output and ``logging`` records go to stdout, which the parent reads and turns into the
function's log. Every reply names the request it answers. Only the standard library is imported
here, so a cold start stays cheap.

Before any user code runs, the worker contains itself (see :mod:`containment`): it becomes
non-dumpable, drops to its own unprivileged user when started as root, dies with its parent, adopts
its orphans, and keeps the control pipes away from any process the handler starts. Only then does
it receive the function's environment (credentials, variables), so no other process can read them.
"""

import functools
import json
import logging
import os
import resource
import struct
import sys
import threading
import time
import traceback

_FRAME_HEADER = struct.Struct("!I")
# Written to stdout after each phase so the parent can tell which output belongs to which invoke.
MARKER_PREFIX = b"\x00WB:"
MARKER_SUFFIX = b"\x00\n"

ERROR_LINE_SEPARATOR = "\r"  # how the Python runtime joins the lines of one multi-line log record
LOG_FORMAT = "[%(levelname)s]\t%(asctime)s.%(msecs)03dZ\t%(aws_request_id)s\t%(message)s"
LOG_DATE_FORMAT = "%Y-%m-%dT%H:%M:%S"
INIT_WARNING = (
    "LAMBDA_WARNING: Unhandled exception. The most likely cause is an issue in the function code. However, "
    "in rare cases, a Lambda runtime update can cause unexpected function behavior. For functions using "
    "managed runtimes, runtime updates can be triggered by a function change, or can be applied automatically. "
    "To determine if the runtime has been updated, check the runtime version in the INIT_START log entry. If "
    "this error correlates with a change in the runtime version, you may be able to mitigate this error by "
    "temporarily rolling back to the previous runtime version. For more information, see "
    "https://docs.aws.amazon.com/lambda/latest/dg/runtimes-update.html"
)

_request_id = ""  # the invoke being handled; read by the logging filter
_runtime_pid = None  # this runtime's process; any other process running this code was forked by a handler
INIT = "init"  # what the init phase's reply and log marker are named


# --------------------------------------------------------------------------- framing


def send(fd, header, body=b""):
    """Write one message: a JSON header frame followed by a raw body frame."""
    head = json.dumps(header).encode()
    data = _FRAME_HEADER.pack(len(head)) + head + _FRAME_HEADER.pack(len(body)) + body
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Receiver:
    """Reads messages written by :func:`send` from a pipe, usually in a single read each."""

    def __init__(self, fd):
        self._fd = fd
        self._buffer = b""

    def _take(self, size):
        while len(self._buffer) < size:
            chunk = os.read(self._fd, max(size - len(self._buffer), 1 << 16))
            if not chunk:
                raise EOFError
            self._buffer += chunk
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def receive(self):
        """The next message: ``(header, body)``."""
        (size,) = _FRAME_HEADER.unpack(self._take(4))
        header = json.loads(self._take(size))
        (size,) = _FRAME_HEADER.unpack(self._take(4))
        return header, self._take(size)


def mark(token):
    """Tell the parent that all output of this phase has been written."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.write(1, MARKER_PREFIX + token.encode() + MARKER_SUFFIX)


# --------------------------------------------------------------------------- errors


class FaultError(Exception):
    """A runtime fault (bad handler name, import failure, …), reported with a ``Runtime.*`` type."""

    def __init__(self, error_type, message, stack_trace=None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


def make_error(message, error_type, stack_trace, request_id):
    """The error document the Python runtime returns as the payload of a failed invoke."""
    return {
        "errorMessage": message or "",
        "errorType": error_type or "",
        "requestId": request_id or "",
        "stackTrace": stack_trace or [],
    }


def error_from_exception(exc, request_id):
    """Turn an exception raised by user code into an error document, runtime frames removed."""
    if isinstance(exc, FaultError):
        return make_error(exc.message, exc.error_type, exc.stack_trace, request_id)
    frames = traceback.extract_tb(exc.__traceback__)
    for index, frame in enumerate(frames):
        if frame.filename != __file__:
            frames = frames[index:]
            break
    else:
        frames = []
    return make_error(str(exc), type(exc).__name__, traceback.format_list(frames), request_id)


def error_log_record(error):
    """The ``[ERROR] Type: message`` record the runtime logs for an unhandled error (one record)."""
    description = "[ERROR]"
    if error.get("errorType"):
        description += " " + error["errorType"]
    if error.get("errorMessage"):
        if error.get("errorType"):
            description += ":"
        description += " " + error["errorMessage"]
    lines = [description]
    if error.get("stackTrace") is not None:
        lines.append("Traceback (most recent call last):")
        for element in error["stackTrace"]:
            for line in element.splitlines() or [""]:
                stripped = line.lstrip(" ")
                lines.append("\u00a0" * (len(line) - len(stripped)) + stripped)
    return ERROR_LINE_SEPARATOR.join(lines)


# --------------------------------------------------------------------------- handler loading


def load_handler(handler):
    """Import the handler module and return the handler function, or raise :class:`FaultError`."""
    import importlib

    try:
        module_name, function_name = handler.rsplit(".", 1)
    except ValueError as exc:
        raise FaultError("Runtime.MalformedHandlerName", f"Bad handler '{handler}': {exc}") from None
    if module_name.split(".")[0] in sys.builtin_module_names:
        raise FaultError(
            "Runtime.BuiltInModuleConflict", f"Cannot use built-in module {module_name} as a handler module"
        )
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as exc:
        raise FaultError("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}") from None
    except SyntaxError as exc:
        trace = [f'  File "{exc.filename}" Line {exc.lineno}\n    {exc.text}']
        raise FaultError(
            "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}", trace
        ) from None
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise FaultError(
            "Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'"
        ) from None


# --------------------------------------------------------------------------- context


class CognitoIdentity:
    __slots__ = ["cognito_identity_id", "cognito_identity_pool_id"]

    def __init__(self, identity_id=None, pool_id=None):
        self.cognito_identity_id = identity_id
        self.cognito_identity_pool_id = pool_id

    def __repr__(self):
        return (
            f"CognitoIdentity([cognito_identity_id={self.cognito_identity_id},"
            f"cognito_identity_pool_id={self.cognito_identity_pool_id}])"
        )


class Client:
    __slots__ = ["installation_id", "app_title", "app_version_name", "app_version_code", "app_package_name"]

    def __init__(self, data):
        for name in self.__slots__:
            setattr(self, name, data.get(name))


class ClientContext:
    __slots__ = ["custom", "env", "client"]

    def __init__(self, data):
        self.custom = data.get("custom")
        self.env = data.get("env")
        self.client = Client(data["client"]) if data.get("client") else None


class LambdaContext:
    """The ``context`` argument of your handler: who is running, and how much time is left."""

    def __init__(self, request_id, deadline_ms, invoked_function_arn, client_context=None):
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.identity = CognitoIdentity()
        self.client_context = ClientContext(client_context) if client_context is not None else None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        """Milliseconds left before the function times out: the deadline fixed when the invoke was
        dispatched, minus now, rounded down (so already below the timeout when the handler starts)."""
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def log(self, message):
        sys.stdout.write(str(message))

    def __repr__(self):
        return (
            f"LambdaContext([aws_request_id={self.aws_request_id},log_group_name={self.log_group_name},"
            f"log_stream_name={self.log_stream_name},function_name={self.function_name},"
            f"memory_limit_in_mb={self.memory_limit_in_mb},function_version={self.function_version},"
            f"invoked_function_arn={self.invoked_function_arn},client_context={self.client_context},"
            f"identity={self.identity},tenant_id={self.tenant_id}])"
        )


# --------------------------------------------------------------------------- logging


class _RequestIdFilter(logging.Filter):
    def filter(self, record):
        record.aws_request_id = _request_id
        return True


class _LambdaLogHandler(logging.StreamHandler):
    """One log record = one line of output (multi-line messages are joined with ``\\r``)."""

    def emit(self, record):
        try:
            message = self.format(record).replace("\n", ERROR_LINE_SEPARATOR)
            self.stream.write(message + "\n")
        except Exception:  # pragma: no cover - logging must never break the handler
            self.handleError(record)


def setup_logging():
    formatter = logging.Formatter(LOG_FORMAT, LOG_DATE_FORMAT)
    formatter.converter = time.gmtime
    handler = _LambdaLogHandler(sys.stdout)
    handler.setFormatter(formatter)
    handler.addFilter(_RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    level = os.environ.get("AWS_LAMBDA_LOG_LEVEL")
    if level:
        root.setLevel(level.upper())


# --------------------------------------------------------------------------- marshalling


def _json_default(value):
    import decimal

    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


@functools.cache
def _runtime_version():
    runtime = os.environ.get("AWS_EXECUTION_ENV", "").rpartition("python")[2]
    try:
        return tuple(int(part) for part in runtime.split("."))
    except ValueError:
        return (0,)


def to_json(result):
    """Serialise a handler's return value the way the Python runtime interface client does.

    Returned ``bytes`` are the payload, unchanged. Anything else is encoded as the runtime's simplejson
    encoder does it: ``bytes`` inside are decoded as UTF-8, an object with ``_asdict()`` (a named tuple)
    becomes a JSON object, a tuple an array, a ``Decimal`` its own digits; NaN and the infinities are
    allowed; python3.12+ runtimes keep non-ASCII characters as they are. What it cannot encode is a
    ``Runtime.MarshalError`` with the encoder's message.
    """
    if isinstance(result, bytes):
        return result
    ensure_ascii = _runtime_version() < (3, 12)  # python3.12+ runtimes keep non-ASCII characters as-is
    quote = json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring
    in_progress = set()  # ids of the containers being encoded: a circular reference is an error

    def number(value):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(float(value))

    def key(value):
        if isinstance(value, str):
            return value
        if isinstance(value, bytes):
            return str(value, "utf-8")
        if isinstance(value, float):
            return number(value)
        if value is None or isinstance(value, bool):
            return {None: "null", True: "true", False: "false"}[value]
        if isinstance(value, int):
            return int.__repr__(int(value))
        raise TypeError(f"keys must be str, int, float, bool or None, not {type(value).__name__}")

    def as_dict(value):
        method = getattr(value, "_asdict", None)
        if callable(method):
            try:
                mapping = method()
            except TypeError:
                return None
            if not isinstance(mapping, dict):
                raise TypeError(f"_asdict() must return a dict, not {type(mapping).__name__}")
            return mapping
        return None

    def encode(value):
        if isinstance(value, str):
            return quote(value)
        if isinstance(value, bytes):
            return quote(str(value, "utf-8"))
        if value is None or value is True or value is False:
            return {None: "null", True: "true", False: "false"}[value]
        if isinstance(value, int):
            return int.__repr__(int(value))
        if isinstance(value, float):
            return number(value)
        if id(value) in in_progress:
            raise ValueError("Circular reference detected")
        in_progress.add(id(value))
        mapping = as_dict(value)
        if mapping is None and isinstance(value, dict):
            mapping = value
        if mapping is not None:
            text = "{" + ", ".join(f"{quote(key(k))}: {encode(v)}" for k, v in mapping.items()) + "}"
        elif isinstance(value, (list, tuple)):
            text = "[" + ", ".join(encode(item) for item in value) + "]"
        else:
            import decimal

            if not isinstance(value, decimal.Decimal):
                raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
            text = "NaN" if value.is_nan() else str(value)
        in_progress.discard(id(value))
        return text

    try:
        return encode(result).encode()
    except Exception as exc:  # what the runtime catches, too
        raise FaultError("Runtime.MarshalError", f"Unable to marshal response: {exc}") from None


# --------------------------------------------------------------------------- process plumbing


_status_fd = None  # /proc/self/status, opened once and re-read with pread on every invoke


def _memory_peak_mb():
    """Peak resident memory of this process (VmHWM), in MB rounded up.

    Not ``ru_maxrss``: after fork+exec it still holds the parent's (the notebook kernel's) peak.
    """
    global _status_fd
    for _ in range(2):
        try:
            if _status_fd is None:
                _status_fd = os.open("/proc/self/status", os.O_RDONLY)
            status = os.pread(_status_fd, 8192, 0)
            start = status.index(b"VmHWM:") + 6
            return -(-int(status[start : status.index(b"k", start)]) // 1024)
        except (OSError, ValueError):  # the handler closed our descriptor: open it again
            _status_fd = None
    return 0


def _limit_memory(memory_mb):
    """A hard ceiling well above MemorySize, so a runaway allocation fails fast instead of
    exhausting the machine. The parent enforces MemorySize itself by watching the process."""
    try:
        with open("/proc/self/status", "rb") as status:
            data_kb = next(int(line.split()[1]) for line in status if line.startswith(b"VmData:"))
        ceiling = data_kb * 1024 + (memory_mb + 256) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_DATA, (ceiling, ceiling))
    except Exception:
        pass


def _orphaned(parent_pid, runtime_root):
    """The parent is gone: remove the runtime's temp dirs (nobody else will) and exit."""
    import shutil

    shutil.rmtree(runtime_root, ignore_errors=True)
    os._exit(0)


def _die_with_parent(parent_pid, runtime_root):
    """Exit when the process that started us is gone (never outlive the notebook kernel). Where
    Linux's parent-death signal is not available: it cannot help a worker stuck in a C call."""

    def watch():
        while True:
            time.sleep(0.5)
            if os.getppid() != parent_pid:
                _orphaned(parent_pid, runtime_root)

    threading.Thread(target=watch, name="lambda-runtime-watchdog", daemon=True).start()


def _load_containment():
    """:mod:`containment`, which sits next to this file (``-I`` keeps its folder off ``sys.path``)."""
    folder = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, folder)
    try:
        import containment
    finally:
        sys.path.remove(folder)
        sys.modules.pop("containment", None)  # a handler module may have the same name
    return containment


def _contain(in_fd, out_fd, parent_pid, runtime_root, user):
    """Everything that must hold before the first line of user code (see the module docstring)."""
    global _runtime_pid
    containment = _load_containment()
    containment.make_non_dumpable()  # execve made us dumpable again
    if user:
        uid, gid, keep_read_search = (int(part) for part in user.split(":"))
        containment.drop_privileges(uid, gid, bool(keep_read_search))
    if not containment.die_with_parent(parent_pid):  # after dropping privileges, which clears it
        _die_with_parent(parent_pid, runtime_root)
    containment.adopt_orphans()
    for fd in (in_fd, out_fd):
        os.set_inheritable(fd, False)  # a program the handler runs does not get them
    _runtime_pid = os.getpid()
    os.register_at_fork(after_in_child=functools.partial(_forget_control_pipes, in_fd, out_fd))


def _forget_control_pipes(*fds):
    """In a process the handler forked: only the runtime may talk to the parent."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _leave_forked_child():
    """A process the handler forked returned from the handler: end it instead of answering."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(0)


def _out_of_memory():
    """Behave like the kernel's OOM killer: the runtime dies with SIGKILL."""
    import signal

    os.kill(os.getpid(), signal.SIGKILL)


# --------------------------------------------------------------------------- main loop


def invoke(handler, header, body, out_fd):
    global _request_id
    request_id = _request_id = header["request_id"]
    started = time.perf_counter()
    try:
        try:
            event = json.loads(body) if body else {}
        except ValueError as exc:
            raise FaultError("Runtime.UnmarshalError", f"Unable to unmarshal input: {exc}") from None
        context = LambdaContext(request_id, header["deadline_ms"], header["invoked_arn"], header.get("client_context"))
        payload, error = to_json(handler(event, context)), None
    except MemoryError:
        _out_of_memory()
    except Exception as exc:  # SystemExit and KeyboardInterrupt end the runtime, as on AWS
        error = error_from_exception(exc, request_id)
        payload = json.dumps(error).encode()
        sys.stdout.write(error_log_record(error) + "\n")
    if os.getpid() != _runtime_pid:
        _leave_forked_child()
    duration_ms = (time.perf_counter() - started) * 1000
    mark(request_id)
    reply = {"request_id": request_id, "error": error is not None, "duration_ms": duration_ms,
             "max_memory_mb": _memory_peak_mb()}
    send(out_fd, reply, payload)


def main():
    in_fd, out_fd, parent_pid, runtime_root = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    _contain(in_fd, out_fd, parent_pid, runtime_root, sys.argv[5] if len(sys.argv) > 5 else "")
    receiver = Receiver(in_fd)
    try:
        setup, _ = receiver.receive()
    except EOFError:
        return
    os.environ.update(setup["environ"])
    layer_paths = os.environ.pop("_WORKBOOK_LAYER_PATHS", "")
    task_root = os.environ["LAMBDA_TASK_ROOT"]
    runtime_dir = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [task_root] + [path for path in layer_paths.split(os.pathsep) if path] + [
        path for path in sys.path if path and os.path.abspath(path) != runtime_dir
    ]
    os.chdir(task_root)
    _limit_memory(int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]))
    setup_logging()

    try:
        handler, error = load_handler(os.environ["_HANDLER"]), None
    except MemoryError:
        _out_of_memory()
    except Exception as exc:  # anything raised while importing the module is an init error
        error = error_from_exception(exc, "")
        sys.stdout.write(INIT_WARNING + "\n" + error_log_record(error) + "\n")
    if os.getpid() != _runtime_pid:  # module code forked and the child got here
        _leave_forked_child()
    mark(INIT)
    send(out_fd, {"request_id": INIT, "error": error, "max_memory_mb": _memory_peak_mb()})
    if error is not None:
        return

    while True:
        try:
            header, body = receiver.receive()
        except EOFError:  # the parent closed the pipe: it is exiting or gone
            for _ in range(20):
                if os.getppid() != parent_pid:
                    _orphaned(parent_pid, runtime_root)
                time.sleep(0.05)
            return
        invoke(handler, header, body, out_fd)


if __name__ == "__main__":
    main()
