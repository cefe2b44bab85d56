"""Function code and layers, unpacked once per code SHA-256 and shared by every environment."""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import sys
import tempfile
import threading
import zipfile


class CodeCache:
    """``<root>/code/<sha>`` holds a function's code, ``<root>/layers/<sha>`` a layer's content."""

    def __init__(self, root: str):
        self.root = root
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._unpacked: dict[tuple[str, str], str] = {}  # every invoke asks: answer without a stat

    def unpack(self, kind: str, sha: str, zip_bytes: bytes) -> str:
        known = self._unpacked.get((kind, sha))
        if known is not None:
            return known
        # CodeSha256 is base64 (may contain "/"): name the folder by a hex digest of it instead.
        target = os.path.join(self.root, kind, hashlib.sha256((sha or "").encode()).hexdigest()[:32])
        if os.path.isdir(target):
            self._unpacked[(kind, sha)] = target
            return target
        with self._lock:
            lock = self._locks.setdefault(target, threading.Lock())
        with lock:
            if not os.path.isdir(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                staging = tempfile.mkdtemp(dir=os.path.dirname(target), prefix=".unpacking-")
                try:
                    if zip_bytes:
                        with zipfile.ZipFile(io.BytesIO(zip_bytes)) as archive:
                            archive.extractall(staging)
                    os.rename(staging, target)
                except BaseException:
                    shutil.rmtree(staging, ignore_errors=True)
                    raise
        self._unpacked[(kind, sha)] = target
        return target

    def layer_paths(self, layer_dir: str) -> list[str]:
        """Where a Python layer's modules live: ``python/`` and ``python/lib/pythonX.Y/site-packages``."""
        version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        return [
            os.path.join(layer_dir, "python"),
            os.path.join(layer_dir, "python", "lib", version, "site-packages"),
        ]
