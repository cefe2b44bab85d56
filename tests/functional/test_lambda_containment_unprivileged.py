"""On a learner's laptop the course does not run as root: handlers run as the learner's own user.

These tests start a sandbox in a process that dropped root's privileges first, so they need root
(a machine where the suite already runs unprivileged tests the same things in every other test).
"""

import os
import sys

import pytest

from .pyrun import run_python_json

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc and prctl are Linux's")


def _as_a_learner(code: str) -> dict:
    """Run ``code`` (which prints one JSON document) as an unprivileged user, as a laptop would."""
    from workbook.lambda_runtime import containment

    if os.geteuid() != 0:
        pytest.skip("needs root to become an unprivileged user (this run is unprivileged already)")
    users, why = containment.worker_users()
    if users is None:
        pytest.skip(why)
    learner = users.first + users.count - 1  # a user no worker of this test process gets
    prelude = (
        "from workbook.lambda_runtime import containment\n"
        f"containment.drop_privileges({learner}, {learner}, {users.keep_read_search})\n"
        "containment._prctl(containment.PR_SET_DUMPABLE, 1)  # as a learner's kernel starts\n"
        "import json, os, sys\n"
        "sys.path.insert(0, os.getcwd())\n"
        "from workbook import sandbox\n"
        "from tests.functional.lambda_helpers import create_function, invoke\n"
        "sb = sandbox.start()\n"
        "assert sb._runtime.worker_users is None and os.geteuid() != 0\n"
    )
    return run_python_json(prelude + code)


PEEK = """
import os

def read(pid):
    try:
        with open(f"/proc/{pid}/environ", "rb") as environ:
            return "read" if environ.read() else "empty"
    except PermissionError:
        return "denied"

def handler(event, context):
    return {"kernel": read(os.getppid()), "other": read(event["pid"]), "uid": os.getuid()}
"""


def test_same_user_cannot_read_the_kernels_or_another_functions_environment():
    """Running as the learner's user, does /proc still hide the kernel's and other workers' environments?"""
    result = _as_a_learner(
        f"PEEK = {PEEK!r}\n"
        "create_function(sb, 'other', 'import os\\ndef handler(e, c):\\n    return os.getpid()\\n')\n"
        "create_function(sb, 'peek', PEEK)\n"
        "pid = invoke(sb, 'other')['Payload']\n"
        "print(json.dumps({'peek': invoke(sb, 'peek', {'pid': pid})['Payload'], 'me': os.getuid()}))\n"
        "sb.stop()\n"
    )
    assert result["peek"] == {"kernel": "denied", "other": "denied", "uid": result["me"]}


VICTIM = """
import os

def handler(event, context):
    root = os.environ["LAMBDA_TASK_ROOT"]
    try:
        with open(os.path.join(root, "handler.py"), "a") as source:
            source.write("# changed")
        write = "allowed"
    except PermissionError:
        write = "denied"
    if event.get("tamper"):  # the owner of the files can make them writable again
        os.chmod(root, 0o755)
        os.chmod(os.path.join(root, "handler.py"), 0o644)
        with open(os.path.join(root, "handler.py"), "w") as source:
            source.write("def handler(event, context):\\n    return 'tampered'\\n")
    return {"write": write, "root": root}
"""


def test_code_a_handler_made_writable_again_is_put_back_for_the_next_environment():
    """When a handler owns its code and rewrites it, does the next environment start from the original code,
    and does a function deployed from the same zip keep its own copy?"""
    result = _as_a_learner(
        f"VICTIM = {VICTIM!r}\n"
        "lam = sb.client('lambda')\n"
        "create_function(sb, 'victim', VICTIM)\n"
        "create_function(sb, 'twin', VICTIM)\n"
        "first = invoke(sb, 'victim', {'tamper': True})['Payload']\n"
        "lam.update_function_configuration(FunctionName='victim', Environment={'Variables': {'NEW': '1'}})\n"
        "after = invoke(sb, 'victim')['Payload']\n"
        "twin = invoke(sb, 'twin')['Payload']\n"
        "print(json.dumps({'first': first, 'after': after, 'twin': twin}))\n"
        "sb.stop()\n"
    )
    assert result["first"]["write"] == "denied"
    assert result["after"]["write"] == "denied"  # a new environment: the original code, read-only again
    assert result["twin"]["write"] == "denied" and result["twin"]["root"] != result["first"]["root"]
