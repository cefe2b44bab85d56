"""Layers: a layer's python/ folder is importable from the handler."""

import io
import zipfile

from .lambda_helpers import create_function, invoke


def test_layer_python_folder_is_on_sys_path(sb):
    """Can a handler import a module shipped in a layer's python/ folder?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/greetings.py", "def greet(name):\n    return f'hello {name}'\n")
    layer = sb.client("lambda").publish_layer_version(
        LayerName="greetings", Content={"ZipFile": buffer.getvalue()}, CompatibleRuntimes=["python3.12"]
    )
    create_function(
        sb,
        "layered",
        "from greetings import greet\ndef handler(event, context):\n    return greet('layer')\n",
        Layers=[layer["LayerVersionArn"]],
    )
    assert invoke(sb, "layered")["Payload"] == "hello layer"
