"""Every reply names the request it answers; anything else on the control pipe retires the environment."""

import pytest

from .lambda_helpers import create_function, invoke

FORKER = """
import os

def handler(event, context):
    forked = os.fork()  # and the child returns too, without os._exit
    return {"n": event["n"], "child": forked == 0}
"""


def test_a_forked_child_never_answers_an_invoke(sb):
    """When a handler forks without os._exit, does every later invoke still get its own result?"""
    create_function(sb, "forker", FORKER)
    results = [invoke(sb, "forker", {"n": n})["Payload"] for n in range(6)]
    assert results == [{"n": n, "child": False} for n in range(6)]


PIPES = """
import os, subprocess, sys

def alive(fd):
    try:
        os.fstat(fd)
        return True
    except OSError:
        return False

def handler(event, context):
    control = [int(sys.argv[1]), int(sys.argv[2])]  # the bootstrap's arguments: its two control pipes
    read, write = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write, b"1" if any(alive(fd) for fd in control) else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    program = f"import os; print(any(os.path.exists(f'/proc/self/fd/{{fd}}') for fd in {control}))"
    execed = subprocess.run([sys.executable, "-c", program], close_fds=False, capture_output=True, text=True)
    return {"runtime": all(alive(fd) for fd in control), "forked": os.read(read, 1) == b"1",
            "execed": execed.stdout.strip()}
"""


def test_child_processes_do_not_inherit_the_control_pipes(sb):
    """Does neither a forked child nor a program the handler runs (even with close_fds=False) hold them?"""
    create_function(sb, "pipes", PIPES)
    assert invoke(sb, "pipes")["Payload"] == {"runtime": True, "forked": False, "execed": "False"}


FORGER = """
import json, os, struct, sys, time

def handler(event, context):
    if event.get("frame") == "other":  # a well-formed reply to a request that is not this one
        reply = {"request_id": "someone-else", "error": False, "duration_ms": 1, "max_memory_mb": 1}
        header = json.dumps(reply)
        frame = struct.pack("!I", len(header)) + header.encode() + struct.pack("!I", 7) + b'"stolen"'
    elif event.get("frame") == "garbage":
        frame = struct.pack("!I", 5) + b"hello" + struct.pack("!I", 0)
    elif event.get("frame") == "huge":
        frame = struct.pack("!I", 0xFFFFFFF0)
    else:
        return {"pid": os.getpid()}
    os.write(int(sys.argv[2]), frame)
    time.sleep(5)
    return "too late"
"""


@pytest.mark.parametrize("frame", ["other", "garbage", "huge"])
def test_a_reply_out_of_turn_retires_the_environment(sb, frame):
    """Does a reply naming another request, or a malformed frame, fail the invoke with Runtime.ExitError
    and the next invoke start a new environment?"""
    create_function(sb, "forger", FORGER, Timeout=10)
    first_pid = invoke(sb, "forger")["Payload"]["pid"]
    response = invoke(sb, "forger", {"frame": frame}, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert response["FunctionError"] == "Unhandled"
    assert response["Payload"] == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: signal: killed",
    }
    assert "the runtime broke the protocol" in response["Log"]
    after = invoke(sb, "forger", LogType="Tail")
    assert "Init Duration" in after["Log"]
    assert after["Payload"]["pid"] != first_pid
