"""Function code and layers, unpacked read-only, one copy per function.

``LAMBDA_TASK_ROOT`` is read-only, as ``/var/task`` is on AWS: folders are ``0555`` and files ``0444``
(``0555`` when the zip marks them executable). When the runtime runs as root, workers run as other
users and cannot change that. Otherwise a worker owns its code and *could* make it writable again, so
each function has its own copy (a function can only damage its own code), and :meth:`CodeCache.verify`
puts a copy that changed back from the zip before a new worker starts from it.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import sys
import tempfile
import threading
import zipfile

from .containment import remove_tree

Owner = tuple[str, str, str]  # (account_id, region, function_name)


class CodeCache:
    """``<root>/code/<key>`` holds a function's code and ``<root>/layers/<key>`` a layer's, per function."""

    def __init__(self, root: str, workers_own_files: bool = True):
        self.root = root
        self.workers_own_files = workers_own_files  # False: workers run as other users (root runtime)
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._unpacked: dict[tuple, str] = {}  # every invoke asks: answer without a stat
        # folder -> (its zip, or its layers' zips in order; what it looked like)
        self._sources: dict[str, tuple[bytes | list[bytes], list]] = {}

    def unpack(self, kind: str, owner: Owner, sha: str, zip_bytes: bytes | list[bytes]) -> str:
        """The folder holding ``zip_bytes`` for ``owner`` (unpacked on first use). A list of zips is
        unpacked into one folder in order, a later zip's file replacing an earlier one's: how Lambda
        extracts a function's layers into ``/opt``."""
        key = (kind, owner, sha)
        known = self._unpacked.get(key)
        if known is not None:
            return known
        # CodeSha256 is base64 (may contain "/"): name the folder by a hex digest instead.
        name = hashlib.sha256("\0".join((*owner, sha or "")).encode()).hexdigest()[:32]
        target = os.path.join(self.root, kind, name)
        with self._lock:
            lock = self._locks.setdefault(target, threading.Lock())
        with lock:
            if target not in self._sources:
                self._extract(target, zip_bytes)
        self._unpacked[key] = target
        return target

    def verify(self, folders: tuple[str, ...] | list[str]) -> None:
        """Put back, from the zip, any of ``folders`` a worker changed (needed only when workers own
        their files). Called before a worker starts, never on a warm invoke."""
        if not self.workers_own_files:
            return
        for folder in folders:
            with self._lock:
                lock = self._locks.get(folder)
            source = self._sources.get(folder)
            if lock is None or source is None:
                continue
            with lock:
                zip_bytes, snapshot = self._sources[folder]
                if _snapshot(folder) != snapshot:
                    self._extract(folder, zip_bytes)

    def clear(self) -> None:
        """Delete every unpacked folder and forget them (``sb.reset()``)."""
        with self._lock:
            self._unpacked.clear()
            self._sources.clear()
            self._locks.clear()
        for kind in ("code", "layers"):
            remove_tree(os.path.join(self.root, kind))

    def _extract(self, target: str, zip_bytes: bytes | list[bytes]) -> None:
        parent = os.path.dirname(target)
        if not os.path.isdir(parent):
            os.makedirs(parent, exist_ok=True)
            os.chmod(parent, 0o711)  # workers find their own folder but cannot list the others
        staging = tempfile.mkdtemp(dir=parent, prefix=".unpacking-")
        try:
            executable: set[str] = set()
            for data in zip_bytes if isinstance(zip_bytes, list) else [zip_bytes]:
                if not data:
                    continue
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    archive.extractall(staging)
                    for info in archive.infolist():
                        name = os.path.normpath(info.filename)
                        if (info.external_attr >> 16) & 0o111:
                            executable.add(name)
                        else:
                            executable.discard(name)
            _make_read_only(staging, executable)
            if os.path.lexists(target):  # a copy that changed: out of the way first
                remove_tree(target)
            os.rename(staging, target)
        except BaseException:
            remove_tree(staging)
            raise
        self._sources[target] = (zip_bytes, _snapshot(target))

    def layer_paths(self, layer_dir: str, runtime: str | None = None) -> list[str]:
        """Where a Python layer's modules live, in the order Lambda's Python runtime puts them on
        ``sys.path`` (after the function's code): ``python/lib/pythonX.Y/site-packages``, where X.Y is the
        function's runtime (``python3.12``), then ``python/``."""
        if runtime and re.fullmatch(r"python3\.\d+", runtime):
            version = runtime
        else:
            version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return [
            os.path.join(layer_dir, "python", "lib", version, "site-packages"),
            os.path.join(layer_dir, "python"),
        ]


def _make_read_only(top: str, executable: set[str]) -> None:
    for folder, _, files in os.walk(top, topdown=False):
        for name in files:
            path = os.path.join(folder, name)
            os.chmod(path, 0o555 if os.path.relpath(path, top) in executable else 0o444)
        os.chmod(folder, 0o555)


def _snapshot(top: str) -> list:
    """Everything about a folder a change would touch (a write, chmod, rename or new file changes a
    ctime, which no one can set back)."""
    entries = []
    try:
        for folder, folders, files in os.walk(top):
            folders.sort()
            for name in [folder, *(os.path.join(folder, file) for file in sorted(files))]:
                status = os.lstat(name)
                entries.append((name, status.st_ino, status.st_mode, status.st_size, status.st_mtime_ns,
                                status.st_ctime_ns))
    except OSError:
        return [None]
    return entries or [None]
