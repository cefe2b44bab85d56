"""Execution environments: warm reuse, scale-out, idle shutdown, code updates and versions."""

import threading

from workbook import lambda_runtime

from .lambda_helpers import create_function, invoke, make_zip

STATEFUL = """
import os, uuid
ENVIRONMENT = uuid.uuid4().hex
COUNT = 0
def handler(event, context):
    global COUNT
    COUNT += 1
    path = os.path.join(os.environ["TMPDIR"], "visits")
    with open(path, "a") as f:
        f.write("x")
    with open(path) as f:
        visits = len(f.read())
    if event.get("sleep"):
        import time
        time.sleep(event["sleep"])
    return {"environment": ENVIRONMENT, "count": COUNT, "visits": visits, "tag": "v1"}
"""


def test_warm_invoke_keeps_globals_and_tmp(sb):
    """Does a warm invoke reuse the environment: same module globals, same temp dir files?"""
    create_function(sb, "state", STATEFUL)
    first = invoke(sb, "state")["Payload"]
    second = invoke(sb, "state")["Payload"]
    assert second["environment"] == first["environment"]
    assert (first["count"], second["count"]) == (1, 2)
    assert (first["visits"], second["visits"]) == (1, 2)


def test_concurrent_invokes_start_more_environments(sb):
    """Do overlapping invokes run in separate environments (each with its own init)?"""
    create_function(sb, "state", STATEFUL)
    results = []

    def call():
        results.append(invoke(sb, "state", {"sleep": 0.5})["Payload"])

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({result["environment"] for result in results}) == 3
    assert all(result["count"] == 1 for result in results)


def test_idle_environment_shuts_down(sb):
    """Does an environment idle for longer than the idle timeout shut down (next invoke is cold)?"""
    create_function(sb, "state", STATEFUL)
    previous = lambda_runtime.configure(idle_timeout=0.3)
    try:
        first = invoke(sb, "state")["Payload"]
        import time

        time.sleep(1.5)
        response = invoke(sb, "state", LogType="Tail")
    finally:
        lambda_runtime.configure(**previous)
    assert response["Payload"]["environment"] != first["environment"]
    assert response["Payload"]["visits"] == 1  # a new environment has a new temp dir
    assert "Init Duration" in response["Log"]


def test_update_function_code_retires_latest_environments(sb):
    """After update_function_code, does the next invoke run the new code in a new environment?"""
    create_function(sb, "state", STATEFUL)
    first = invoke(sb, "state")["Payload"]
    sb.client("lambda").update_function_code(FunctionName="state", ZipFile=make_zip(STATEFUL.replace("v1", "v2")))
    second = invoke(sb, "state")["Payload"]
    assert second["tag"] == "v2"
    assert second["environment"] != first["environment"]


def test_update_configuration_retires_latest_environments(sb):
    """After update_function_configuration, does the next invoke see the new settings in a new environment?"""
    create_function(sb, "state", STATEFUL)
    first = invoke(sb, "state")["Payload"]
    sb.client("lambda").update_function_configuration(FunctionName="state", MemorySize=256)
    response = invoke(sb, "state", LogType="Tail")
    assert response["Payload"]["environment"] != first["environment"]
    assert "Memory Size: 256 MB" in response["Log"]


def test_published_version_keeps_its_snapshot(sb):
    """Does a published version keep running its own code after $LATEST changes?"""
    create_function(sb, "state", STATEFUL)
    lam = sb.client("lambda")
    lam.publish_version(FunctionName="state")
    lam.update_function_code(FunctionName="state", ZipFile=make_zip(STATEFUL.replace("v1", "v2")))
    assert invoke(sb, "state", Qualifier="1")["Payload"]["tag"] == "v1"
    assert invoke(sb, "state")["Payload"]["tag"] == "v2"
    assert invoke(sb, "state", Qualifier="1", LogType="Tail")["Log"].startswith("START RequestId: ")


def test_versions_run_in_separate_environments(sb):
    """Do $LATEST and a published version get environments of their own?"""
    create_function(sb, "state", STATEFUL)
    sb.client("lambda").publish_version(FunctionName="state")
    latest = invoke(sb, "state")["Payload"]
    version = invoke(sb, "state", Qualifier="1")["Payload"]
    assert latest["environment"] != version["environment"]
