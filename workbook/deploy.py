"""Build Lambda deployment packages (zip files) in memory, straight from notebook strings.

Example::

    from workbook.deploy import zip_code

    HANDLER = '''
    def handler(event, context):
        return {"hello": event.get("name", "world")}
    '''
    lam.create_function(
        FunctionName="hello",
        Runtime="python3.12",
        Role=role_arn,
        Handler="app.handler",                     # file app.py, function handler
        Code={"ZipFile": zip_code({"app.py": HANDLER})},
    )
"""

from __future__ import annotations

import io
import textwrap
import zipfile
from collections.abc import Mapping
from pathlib import PurePosixPath

# A fixed timestamp makes the same sources give the same bytes (and the same CodeSha256).
_EPOCH = (1980, 1, 1, 0, 0, 0)
_FILE_MODE = 0o100644 << 16  # a regular file, rw-r--r--: readable by the runtime, as on AWS


def zip_code(source_by_filename: Mapping[str, str | bytes]) -> bytes:
    """Return the bytes of a zip holding each file at the path given by its key.

    Keys are paths inside the package (``"app.py"``, ``"orders/logic.py"``); values are the file
    contents, text or bytes. Text is dedented, so a handler written as an indented triple-quoted
    string works as it reads. Pass the result as ``Code={"ZipFile": ...}`` to ``create_function`` or
    as ``ZipFile=...`` to ``update_function_code``.

    Example::

        >>> data = zip_code({"app.py": "def handler(event, context):\\n    return event\\n"})
        >>> zipfile.ZipFile(io.BytesIO(data)).namelist()
        ['app.py']
    """
    if not source_by_filename:
        raise ValueError("zip_code needs at least one file, e.g. zip_code({'app.py': SOURCE})")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(source_by_filename):
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or not path.parts or "\\" in name:
                raise ValueError(f"{name!r} is not a relative path inside the package, like 'app.py' or 'pkg/mod.py'")
            content = source_by_filename[name]
            if isinstance(content, str):
                content = textwrap.dedent(content).encode("utf-8")
            info = zipfile.ZipInfo(str(path), date_time=_EPOCH)
            info.external_attr = _FILE_MODE
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content)
    return buffer.getvalue()
