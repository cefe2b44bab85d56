"""The building blocks of containment: process trees, users for workers, folders that resist deletion."""

import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

from workbook.lambda_runtime import containment


def test_remove_tree_deletes_read_only_and_unreadable_folders(tmp_path):
    """Does remove_tree delete a folder whose parts are read-only (code) or unreadable (chmod 000)?"""
    top = tmp_path / "top"
    (top / "code" / "pkg").mkdir(parents=True)
    (top / "code" / "pkg" / "module.py").write_text("x = 1\n")
    (top / "secret").mkdir()
    (top / "secret" / "file").write_text("s")
    for path in (top / "code" / "pkg" / "module.py", top / "code" / "pkg", top / "code"):
        path.chmod(0o444 if path.is_file() else 0o555)
    (top / "secret").chmod(0)
    containment.remove_tree(str(top))
    assert not top.exists()


def test_worker_users_are_distinct_until_released():
    """Does each environment get a user no live environment of this process has, until one is released?"""
    users = containment.WorkerUsers(100_000, 1 << 20, keep_read_search=False)
    first = [users.allocate() for _ in range(users.size)]
    assert len(set(first)) == users.size
    assert all(users.start <= uid < users.start + users.size for uid in first)
    users.release(first[3])
    assert users.allocate() == first[3]


def test_worker_users_of_two_processes_do_not_overlap():
    """Do two processes (two kernels, two test workers) take their ids from different slices?"""
    script = "from workbook.lambda_runtime import containment as c\nprint(c.WorkerUsers(1, 1 << 30, 0).start)"
    starts = {int(subprocess.run([sys.executable, "-c", script], capture_output=True, check=True).stdout)
              for _ in "ab"}
    assert len(starts) == 2


def test_reachable_by_others_needs_every_folder_on_the_way():
    """Is a file other users could read still unreachable behind a folder only its owner may enter?"""
    top = tempfile.mkdtemp()  # in the system's temp folder, which everyone may enter
    try:
        os.chmod(top, 0o755)
        target = os.path.join(top, "module.py")
        with open(target, "w"):
            pass
        os.chmod(target, 0o644)
        if not containment._reachable_by_others(top):
            pytest.skip("the temp folder itself is private here")
        assert containment._reachable_by_others(target)
        os.chmod(top, 0o700)
        assert not containment._reachable_by_others(target)
    finally:
        shutil.rmtree(top)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_kill_all_kills_a_tree_including_a_new_session():
    """Does kill_all (no user of its own) kill a process, its child and a grandchild in its own session?"""
    program = (
        "import subprocess, sys, time\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'], start_new_session=True)\n"
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", program], start_new_session=True)
    try:
        deadline = time.monotonic() + 20
        while len(containment.descendants(parent.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        below = containment.descendants(parent.pid)
        assert len(below) == 2
        assert containment.memory_bytes(parent.pid, below) > 0
        containment.kill_all(parent.pid)
        parent.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(_running(pid) for pid in below) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(_running(pid) for pid in below)
    finally:
        parent.kill()
        parent.wait()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
