"""Small third-party libraries the course ships, for lessons about packaging dependencies.

Each folder here is the source of one pure-Python distribution (``pyproject.toml`` + ``src/<name>/``).
None of them is installed in the course's environment, so neither the notebook kernel nor a handler can
import one unless a deployment package or a layer carries it. :func:`wheel` builds a distribution into
a wheel (a zip with its metadata, no build tools needed), which ``pip install --no-index`` installs
offline. Learners call :func:`workbook.deploy.sample_dependency`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
_EPOCH = (1980, 1, 1, 0, 0, 0)  # fixed timestamps: the same sources always give the same wheel


def names() -> list[str]:
    """The distributions shipped here."""
    return sorted(path.parent.name for path in HERE.glob("*/pyproject.toml"))


def wheel(name: str, folder: Path) -> Path:
    """Build the distribution ``name`` into ``folder`` as a wheel and return its path."""
    source = HERE / name
    if not (source / "pyproject.toml").is_file():
        raise ValueError(f"there is no sample package {name!r}; choose one of {names()}")
    project = tomllib.loads((source / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dist, version = project["name"].replace("-", "_"), project["version"]
    info = f"{dist}-{version}.dist-info"
    files = {
        path.relative_to(source / "src").as_posix(): path.read_bytes()
        for path in sorted((source / "src").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }
    files[f"{info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {project['name']}\nVersion: {version}\nSummary: {project.get('description', '')}\n"
        f"Requires-Python: {project.get('requires-python', '>=3')}\n"
    ).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: workbook\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, date_time=_EPOCH)
            entry.external_attr = 0o100644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{dist}-{version}-py3-none-any.whl"
    staging = target.with_suffix(".partial")
    staging.write_bytes(buffer.getvalue())
    staging.replace(target)
    return target


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
