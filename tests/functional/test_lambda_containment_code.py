"""LAMBDA_TASK_ROOT and layers are read-only, each function has its own copy, and reset deletes them."""

import io
import os
import zipfile

import pytest

from .lambda_helpers import create_function, invoke

WRITER = """
import os

def attempt(action):
    try:
        action()
        return "allowed"
    except OSError as exc:  # PermissionError, or EROFS on a read-only file system
        return type(exc).__name__

def handler(event, context):
    root = os.environ["LAMBDA_TASK_ROOT"]
    if event.get("module"):  # the folder a module was imported from (a layer's)
        root = os.path.dirname(__import__(event["module"]).__file__)
    target = os.path.join(root, event.get("file", "handler.py"))
    return {
        "create": attempt(lambda: open(os.path.join(root, "new.txt"), "w").close()),
        "overwrite": attempt(lambda: open(target, "a").close()),
        "delete": attempt(lambda: os.remove(target)),
        "mkdir": attempt(lambda: os.mkdir(os.path.join(root, "sub"))),
        "cwd": os.getcwd() == os.environ["LAMBDA_TASK_ROOT"],
    }
"""

DENIED = {"create": "PermissionError", "overwrite": "PermissionError", "delete": "PermissionError",
          "mkdir": "PermissionError", "cwd": True}


WHERE = "import os\ndef handler(event, context):\n    return os.environ['LAMBDA_TASK_ROOT']\n"


@pytest.fixture(autouse=True)
def _not_as_root(sb):
    if sb._runtime.worker_users is None and os.geteuid() == 0:
        pytest.skip(sb._runtime.isolation)  # root ignores file modes


def test_task_root_is_read_only(sb):
    """Does writing, overwriting or deleting in LAMBDA_TASK_ROOT fail in the handler, as on /var/task?"""
    create_function(sb, "writer", WRITER)
    assert invoke(sb, "writer")["Payload"] == DENIED
    assert invoke(sb, "writer")["Payload"] == DENIED  # nothing changed: the handler is still there


def test_layer_folders_are_read_only(sb):
    """Is a layer's folder as read-only as the function's code?"""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("python/shared.py", "VALUE = 1\n")
    lam = sb.client("lambda")
    layer = lam.publish_layer_version(LayerName="shared", Content={"ZipFile": buffer.getvalue()})
    create_function(sb, "layered", WRITER, Layers=[layer["LayerVersionArn"]])
    assert invoke(sb, "layered", {"module": "shared", "file": "shared.py"})["Payload"] == DENIED


def test_functions_with_the_same_code_get_their_own_copies(sb):
    """Do two functions deployed from the same zip run from different folders?"""
    create_function(sb, "one", WHERE)
    create_function(sb, "two", WHERE)
    assert invoke(sb, "one")["Payload"] != invoke(sb, "two")["Payload"]


def test_reset_deletes_the_unpacked_code(sb):
    """Does sb.reset() leave no unpacked code behind?"""
    create_function(sb, "where", WHERE)
    task_root = invoke(sb, "where")["Payload"]
    assert os.path.isdir(task_root)
    sb.reset()
    assert not os.path.exists(task_root)
    assert not os.path.exists(os.path.dirname(task_root))
