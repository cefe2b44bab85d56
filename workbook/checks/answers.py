"""A learner's answers, carried from a notebook kernel to the grader as data.

Some steps ask for a value (``checks.step(lab, "report").check(report)``). When a notebook is graded, its
checks run in the grader's process, not in the kernel, so the grader asks the kernel after each cell for
the values the lab's steps name (``log``, ``report``, ``catalog.catalog_entry``) and for the values last
passed to ``.check(...)``. :func:`export` runs in the kernel and turns them into JSON; :func:`decode` runs in
the grader and turns the JSON back into values a check can test. Nothing is unpickled or evaluated: an
answer is data, which the check holds against the sandbox like any other answer.

A function (``catalog.catalog_entry``) travels as the source of its module (and the folder it is in, for
its own imports); in the grader it becomes a :class:`RemoteFunction`, which runs that source in a separate
Python process, so the check's own inputs never reach the kernel.
"""

from __future__ import annotations

import ast
import base64
import inspect
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
from pathlib import Path

MAX_TEXT = 1_000_000  # characters of one exported value, past which it is cut
MAX_ITEMS = 20_000  # elements of one list, dict or Series


# ------------------------------------------------------------------------------------------ in the kernel


def export(namespace: dict, names: list[str], module: str) -> str:
    """JSON of ``{"named": {name: value}, "passed": {step: [values, named]}}`` for the lab ``module``.

    ``names`` are variable names of ``namespace`` (the notebook's globals), dotted for attributes
    (``"catalog.catalog_entry"``); a missing name is left out. ``passed`` holds the values last passed to
    ``checks.step(module, step).check(...)`` in this kernel.
    """
    named = {}
    for name in names:
        found, value = _lookup(namespace, name)
        if found:
            named[name] = _plain(value)
    passed = {}
    try:
        from workbook import checks

        for (lab, step), (values, keywords) in list(checks._remembered.items()):
            if lab == module:
                passed[step] = [[_plain(v) for v in values], {k: _plain(v) for k, v in keywords.items()}]
    except Exception:  # the kernel's checks module may be broken or replaced: the named values still count
        pass
    return json.dumps({"named": named, "passed": passed}, ensure_ascii=True, default=repr)


def _lookup(namespace: dict, dotted: str) -> tuple[bool, object]:
    head, *rest = dotted.split(".")
    if head not in namespace:
        return False, None
    value = namespace[head]
    for attribute in rest:
        try:
            value = inspect.getattr_static(value, attribute)
        except AttributeError:
            return False, None
    return True, value


def _plain(value, depth: int = 0):
    """``value`` as JSON-friendly data, tagged where JSON has no such type."""
    if depth > 20:
        return {"__opaque__": type(value).__name__, "repr": "(nested too deeply)"}
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT]
    if isinstance(value, (bytes, bytearray)):
        return {"__bytes__": base64.b64encode(bytes(value[:MAX_TEXT])).decode()}
    kind = type(value)
    if kind.__module__.startswith("numpy") and hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return _plain(value.item(), depth + 1)
    if kind.__name__ == "Series" and kind.__module__.startswith("pandas"):
        values = [_plain(v, depth + 1) for v in value.tolist()[:MAX_ITEMS]]
        return {"__series__": values, "name": str(value.name)}
    if kind.__name__ == "DataFrame" and kind.__module__.startswith("pandas"):
        columns = {str(c): [_plain(v, depth + 1) for v in value[c].tolist()[:MAX_ITEMS]] for c in value}
        return {"__frame__": columns}
    if kind.__name__ == "ndarray" and kind.__module__.startswith("numpy"):
        return [_plain(v, depth + 1) for v in value.tolist()[:MAX_ITEMS]]
    if isinstance(value, dict):
        items = list(value.items())[:MAX_ITEMS]
        if all(isinstance(k, str) for k, _ in items):
            return {"__dict__": {k: _plain(v, depth + 1) for k, v in items}}
        return {"__pairs__": [[_plain(k, depth + 1), _plain(v, depth + 1)] for k, v in items]}
    if isinstance(value, (list, tuple)):
        tag = "__tuple__" if isinstance(value, tuple) else "__list__"
        return {tag: [_plain(v, depth + 1) for v in list(value)[:MAX_ITEMS]]}
    if inspect.isfunction(value):
        return _function(value)
    return {"__opaque__": kind.__name__, "repr": repr(value)[:2000]}


def _function(function) -> dict:
    """A function as the source of the module it was written in.

    A function written in a notebook cell travels as its own source, preceded by what it uses from the
    notebook: the modules it names, constants written as literals, and other functions of the notebook.
    """
    source, filename = "", ""
    module = inspect.getmodule(function)
    try:
        filename = inspect.getsourcefile(function) or ""
        if module is not None and getattr(module, "__file__", None) and module.__name__ != "__main__":
            source = Path(module.__file__).read_text(encoding="utf-8")
        else:
            source = _with_its_globals(function, set())
    except (OSError, TypeError):
        pass
    name, file, folder = function.__name__, os.path.basename(filename), os.path.dirname(filename)
    if not os.path.isfile(filename):
        file, folder = "", ""  # a notebook cell's pseudo file name
    return {"__function__": name, "source": source[:MAX_TEXT], "file": file, "folder": folder}


def _with_its_globals(function, done: set) -> str:
    """The source of a notebook function, after the definitions of the notebook globals it uses."""
    done.add(function.__name__)
    lines = []
    for name in sorted(_names_used(function.__code__)):
        if name in done or name not in function.__globals__:
            continue
        value = function.__globals__[name]
        if inspect.ismodule(value):
            lines.append(f"import {value.__name__} as {name}")
        elif inspect.isfunction(value) and value.__module__ == function.__module__:
            lines.append(_with_its_globals(value, done))
        elif _is_literal(value):
            lines.append(f"{name} = {value!r}")
        done.add(name)
    return "\n".join([*lines, textwrap.dedent(inspect.getsource(function))])


def _names_used(code) -> set[str]:
    names = set(code.co_names)
    for constant in code.co_consts:
        if inspect.iscode(constant):
            names |= _names_used(constant)
    return names


def _is_literal(value) -> bool:
    try:
        return ast.literal_eval(repr(value)) == value
    except (ValueError, SyntaxError, TypeError, RecursionError):
        return False


# ------------------------------------------------------------------------------------------ in the grader


class Opaque:
    """An answer of a type that cannot travel as data: checks see its type name and its repr."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return self.text


def decode(document: str) -> dict:
    """The answers :func:`export` wrote: ``{"named": {...}, "passed": {step: (values, named)}}``."""
    raw = json.loads(document)
    named = {name: value(data) for name, data in dict(raw.get("named") or {}).items()}
    passed = {}
    for step, pair in dict(raw.get("passed") or {}).items():
        values, keywords = pair
        passed[step] = (tuple(value(v) for v in values), {k: value(v) for k, v in dict(keywords).items()})
    return {"named": named, "passed": passed}


def value(data):
    """One exported value as a check sees it (pandas objects, bytes, RemoteFunction, Opaque)."""
    if not isinstance(data, (dict, list)):
        return data
    if isinstance(data, list):
        return [value(v) for v in data]
    if "__dict__" in data:
        return {k: value(v) for k, v in data["__dict__"].items()}
    if "__list__" in data:
        return [value(v) for v in data["__list__"]]
    if "__tuple__" in data:
        return tuple(value(v) for v in data["__tuple__"])
    if "__pairs__" in data:
        return {_hashable(value(k)): value(v) for k, v in data["__pairs__"]}
    if "__bytes__" in data:
        return base64.b64decode(data["__bytes__"])
    if "__series__" in data:
        import pandas as pd

        return pd.Series([value(v) for v in data["__series__"]], name=data.get("name"))
    if "__frame__" in data:
        import pandas as pd

        return pd.DataFrame({k: [value(v) for v in column] for k, column in data["__frame__"].items()})
    if "__function__" in data:
        source, file, folder = (str(data.get(key, "")) for key in ("source", "file", "folder"))
        return RemoteFunction(str(data["__function__"]), source, file, folder)
    if "__opaque__" in data:
        return Opaque(str(data["__opaque__"]), str(data.get("repr", "")))
    return {k: value(v) for k, v in data.items()}


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


# The process a RemoteFunction runs in: one JSON request per line in, one JSON answer per line out.
_HOST = r"""
import builtins, json, sys, types
source, filename, name, folder = json.loads(sys.stdin.readline())
if folder:
    sys.path.insert(0, folder)  # the module's neighbours (its own imports), as in the kernel
module = types.ModuleType(filename.removesuffix(".py") or "answer")
module.__file__ = filename
sys.modules[module.__name__] = module
try:
    exec(compile(source, filename or "<answer>", "exec"), module.__dict__)
    function = module.__dict__[name]
    print(json.dumps({"ready": True}), flush=True)
except BaseException as exc:
    print(json.dumps({"ready": False, "error": f"{type(exc).__name__}: {exc}"}), flush=True)
    sys.exit(0)
for line in sys.stdin:
    args = json.loads(line)
    try:
        result = function(*args)
        print(json.dumps({"result": result}, default=repr), flush=True)
    except BaseException as exc:
        bases = [k.__name__ for k in type(exc).__mro__ if getattr(builtins, k.__name__, None) is k]
        print(json.dumps({"raised": type(exc).__name__, "bases": bases, "message": str(exc)}), flush=True)
"""


class RemoteFunction:
    """A learner's function, run in its own Python process when called (so a check's inputs stay private).

    Calling it returns what the function returns (as JSON data) or raises an exception of the nearest
    built-in type (a ``class FolderMarker(ValueError)`` raises ValueError) with the same message.
    Example::

        entry = RemoteFunction("catalog_entry", CATALOG_PY, "catalog.py")
        entry("b", "cat.JPG", 1)["kind"]     # 'image'
        entry.close()
    """

    CALL_TIMEOUT = 10.0

    def __init__(self, name: str, source: str, filename: str = "", folder: str = ""):
        self.__name__ = name
        self.source, self.filename, self.folder = source, filename, folder
        self._process: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def __call__(self, *args):
        with self._lock:
            answer = self._request(list(args))
        if "result" in answer:
            return answer["result"]
        raise _exception(answer)

    def _request(self, message) -> dict:
        if self._process is None:
            self._start()
        try:
            self._process.stdin.write(json.dumps(message) + "\n")
            self._process.stdin.flush()
            return self._read()
        except (OSError, ValueError) as exc:
            self.close()
            message = f"the function's process ended ({exc})"
            return {"raised": "RuntimeError", "bases": ["RuntimeError"], "message": message}

    def _start(self) -> None:
        self._folder = tempfile.TemporaryDirectory(prefix="workbook-answer-")
        self._process = subprocess.Popen(
            [sys.executable, "-I", "-c", _HOST],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=self._folder.name,
        )
        self._process.stdin.write(json.dumps([self.source, self.filename, self.__name__, self.folder]) + "\n")
        self._process.stdin.flush()
        ready = self._read()
        if not ready.get("ready"):
            self.close()
            raise RuntimeError(ready.get("error") or "the function could not be loaded")

    def _read(self) -> dict:
        result: list[str] = []
        reader = threading.Thread(target=lambda: result.append(self._process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.CALL_TIMEOUT)
        if reader.is_alive() or not result or not result[0]:
            self.close()
            return {"raised": "TimeoutError", "bases": ["TimeoutError"], "message": "the call did not return"}
        return json.loads(result[0])

    def close(self) -> None:
        """End the function's process."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                stream.close()
            self._process = None
            self._folder.cleanup()

    def __repr__(self) -> str:
        return f"<function {self.__name__}>"


def _exception(answer: dict) -> BaseException:
    import builtins

    for name in answer.get("bases", []):
        kind = getattr(builtins, name, None)
        if isinstance(kind, type) and issubclass(kind, Exception) and kind is not Exception:
            exc = kind(answer.get("message", ""))
            break
    else:
        exc = Exception(answer.get("message", ""))
    if answer.get("raised") and answer["raised"] != type(exc).__name__:
        exc.learner_type = answer["raised"]  # the learner's own class name, for feedback
    return exc
