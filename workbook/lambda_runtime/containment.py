"""What keeps a handler inside its function: process flags, an unprivileged user, the process tree.

Two sides use this module, so it imports only the standard library:

* the **worker** (:mod:`.bootstrap`, before any user code): :func:`make_non_dumpable` (no other process of
  the same user can read its ``/proc/<pid>/environ`` or memory), :func:`drop_privileges` (when the course
  runs as root, the handler runs as an unprivileged user, as AWS runs handlers as ``sbx_user1051``),
  :func:`die_with_parent` and :func:`adopt_orphans`;
* the **runtime** (in the notebook's kernel): :func:`make_non_dumpable` for the kernel itself (its
  environment may hold your real AWS keys), :func:`raise_open_file_limit`, :func:`worker_users` (which
  user workers run as), :func:`memory_bytes` and :func:`kill_all` (a handler's child processes count
  against MemorySize and die with the environment), and :func:`remove_tree`.

Everything is Linux-only where Linux is needed, and does nothing elsewhere.

Example::

    from workbook.lambda_runtime import containment
    containment.make_non_dumpable()      # True on Linux: /proc/<pid>/environ is now private
"""

from __future__ import annotations

import errno
import os
import signal
import sys
import threading
import time

LINUX = sys.platform.startswith("linux")

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_KEEPCAPS = 8
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT = 47
PR_CAP_AMBIENT_RAISE = 2
CAP_DAC_READ_SEARCH = 2
CAP_SETGID = 6
CAP_SETUID = 7
_CAPABILITY_VERSION_3 = 0x20080522

# Errors that mean "the machine has no room for another process right now", not a bug.
RESOURCE_ERRNOS = frozenset({errno.EMFILE, errno.ENFILE, errno.EAGAIN, errno.ENOMEM})

_libc = None


def _libc_functions():
    global _libc
    if _libc is None:
        import ctypes

        _libc = ctypes.CDLL(None, use_errno=True)
    return _libc


def _prctl(option: int, arg2: int = 0, arg3: int = 0) -> bool:
    """Linux prctl(2). False where there is no prctl (macOS) or the kernel refused."""
    if not LINUX:
        return False
    from ctypes import c_ulong

    return _libc_functions().prctl(option, c_ulong(arg2), c_ulong(arg3), c_ulong(0), c_ulong(0)) == 0


def _errno() -> int:
    import ctypes

    return ctypes.get_errno() or errno.EPERM


# --------------------------------------------------------------------------- worker side


def make_non_dumpable() -> bool:
    """Make this process non-dumpable: processes of the same user can no longer read its
    ``/proc/<pid>/environ``, memory or open files. Reset by execve, so every process sets it itself.

    Example::

        make_non_dumpable()   # -> True on Linux, False elsewhere
    """
    return _prctl(PR_SET_DUMPABLE, 0)


def drop_privileges(uid: int, gid: int, keep_read_search: bool = False) -> None:
    """Become ``uid``/``gid`` with no supplementary groups, for good (needs root).

    ``keep_read_search`` keeps one capability, reading any file (``CAP_DAC_READ_SEARCH``), for this
    process and the programs it starts: for when the course's Python lives in a folder only root may
    read. Writing, signalling or inspecting other users' processes stays forbidden either way, and
    set-user-ID programs can no longer raise privileges (``no_new_privs``).
    """
    if keep_read_search and not _prctl(PR_SET_KEEPCAPS, 1):
        raise OSError(_errno(), "cannot keep the capability to read files")
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if keep_read_search:
        _set_capabilities(1 << CAP_DAC_READ_SEARCH)
        if not _prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_DAC_READ_SEARCH):
            raise OSError(_errno(), "cannot pass the capability to read files on to child processes")
        _prctl(PR_SET_KEEPCAPS, 0)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    make_non_dumpable()  # changing credentials resets it to fs.suid_dumpable


def _set_capabilities(mask: int) -> None:
    """capset(2): ``mask`` becomes the effective, permitted and inheritable set of this thread."""
    import ctypes

    class Header(ctypes.Structure):
        _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]

    class Data(ctypes.Structure):
        _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]

    data = (Data * 2)()
    data[0].effective = data[0].permitted = data[0].inheritable = mask & 0xFFFFFFFF
    data[1].effective = data[1].permitted = data[1].inheritable = mask >> 32
    if _libc_functions().capset(ctypes.byref(Header(_CAPABILITY_VERSION_3, 0)), data) != 0:
        raise OSError(_errno(), "capset failed")


def die_with_parent(parent_pid: int) -> bool:
    """Be killed (SIGKILL) the moment the process that started us ends, even inside a C call.

    Returns False where Linux's parent-death signal is unavailable (the caller then polls). The signal
    follows the parent *thread*: the runtime starts every worker from one thread that never ends.
    """
    if not _prctl(PR_SET_PDEATHSIG, signal.SIGKILL):
        return False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(0)
    return True


def adopt_orphans() -> bool:
    """Become the parent of every orphaned descendant (a double fork, a ``setsid`` daemon), so that
    they stay in this process' tree: counted against MemorySize and killed with the environment."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


# --------------------------------------------------------------------------- runtime side


def raise_open_file_limit(target: int = 65536) -> tuple[int, int]:
    """Raise this process' soft limit on open files toward its hard limit (macOS starts at 256).

    Returns the ``(soft, hard)`` limits in force afterwards.
    """
    try:
        import resource
    except ImportError:  # Windows
        return (0, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = target if hard == resource.RLIM_INFINITY else min(hard, target)
    for value in (wanted, 10240):  # macOS refuses more than kern.maxfilesperproc
        if soft != resource.RLIM_INFINITY and soft < value:
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (value, hard))
                break
            except (ValueError, OSError):
                continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def room_for_descriptors(needed: int) -> bool:
    """Whether ``needed`` more open files leave a reserve below the soft limit: the reserve is for the
    server's own sockets and files, so a full machine turns away new workers (a 429), not requests."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            return True
        in_use = len(os.listdir("/proc/self/fd" if LINUX else "/dev/fd"))
    except (ImportError, OSError):
        return True
    return in_use + needed + max(64, soft // 8) <= soft


class WorkerUsers:
    """Unprivileged users for workers when the runtime runs as root: one per execution environment,
    numeric ids without a passwd entry, so no two environments share a user (or its processes,
    signals and temp files) and no real account is ever used.

    Each process takes ids from its own slice of the block (by its pid), so two notebook kernels, or two
    test processes, never hand out the same user.
    """

    SLICE = 256

    def __init__(self, first: int, count: int, keep_read_search: bool):
        self.first = first
        self.count = count
        self.keep_read_search = keep_read_search
        slices = count // self.SLICE
        self.start = first + (os.getpid() % slices) * self.SLICE if slices else first
        self.size = self.SLICE if slices else count
        self._next = 0
        self._in_use: set[int] = set()
        self._lock = threading.Lock()

    def allocate(self) -> int:
        """A user id (also used as the group id) no live environment of this process has."""
        with self._lock:
            for _ in range(self.size):
                uid = self.start + self._next % self.size
                self._next += 1
                if uid not in self._in_use:
                    break
            self._in_use.add(uid)
        return uid

    def release(self, uid: int) -> None:
        """The environment that had ``uid`` is closed and every process of it killed."""
        with self._lock:
            self._in_use.discard(uid)


# Id blocks tried in order: one far above real accounts, big enough for a slice per possible pid
# (2**22 on Linux), then one inside the 16-bit range that user namespaces of rootless containers map
# (systemd leaves 60578-61183 unused).
_ID_BLOCKS = ((1_592_590_336, WorkerUsers.SLICE << 22), (60600, 500))
_worker_users: dict[int, tuple[WorkerUsers | None, str]] = {}  # by pid: a forked process gets its own slice


def worker_users() -> tuple[WorkerUsers | None, str]:
    """``(users, why)``: who workers run as. ``users`` is None when they run as the runtime's own user
    (not root, not Linux, or root without a usable unprivileged user); ``why`` says which."""
    pid = os.getpid()
    if pid not in _worker_users:
        _worker_users.clear()
        _worker_users[pid] = _choose_worker_users()
    return _worker_users[pid]


def _choose_worker_users() -> tuple[WorkerUsers | None, str]:
    if not LINUX:
        return None, "workers run as your own user (dropping privileges needs Linux)"
    if os.geteuid() != 0:
        return None, "workers run as your own user (the course does not run as root)"
    capabilities = _capabilities()
    if not capabilities["CapEff"] & (1 << CAP_SETUID) or not capabilities["CapEff"] & (1 << CAP_SETGID):
        return None, "workers run as root: this root may not change users (no CAP_SETUID/CAP_SETGID)"
    block = next((b for b in _ID_BLOCKS if _mapped(b, "uid_map") and _mapped(b, "gid_map")), None)
    if block is None:
        return None, "workers run as root: the user namespace maps no free block of user ids"
    hidden = [path for path in _python_paths() if not _reachable_by_others(path)]
    keep = False
    if hidden:
        wanted = 1 << CAP_DAC_READ_SEARCH
        if not (capabilities["CapEff"] & wanted and capabilities["CapBnd"] & wanted):
            return None, (f"workers run as root: other users cannot read the course's Python ({hidden[0]}); "
                          "install Python in a world-readable folder")
        keep = True
    users = WorkerUsers(block[0], block[1], keep)
    why = f"workers run as unprivileged users {users.start}-{users.start + users.size - 1}"
    if keep:
        why += f", allowed to read any file (other users cannot read the course's Python in {hidden[0]})"
    return users, why


def _capabilities() -> dict[str, int]:
    found = {"CapEff": 0, "CapBnd": 0}
    try:
        with open("/proc/self/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in found:
                    found[name] = int(value.strip(), 16)
    except (OSError, ValueError):
        pass
    return found


def _mapped(block: tuple[int, int], which: str) -> bool:
    """Whether every id of ``block`` exists in this user namespace (``/proc/self/uid_map``)."""
    first, count = block
    try:
        with open(f"/proc/self/{which}") as mapping:
            for line in mapping:
                inside, _, length = (int(field) for field in line.split())
                if inside <= first and first + count <= inside + length:
                    return True
    except (OSError, ValueError):
        pass
    return False


def _python_paths() -> list[str]:
    """What a worker reads after it dropped privileges: the interpreter, the standard library, the
    virtualenv's packages and the runtime's own folder."""
    import sysconfig

    paths = {os.path.realpath(sys.executable), os.path.dirname(os.path.abspath(__file__))}
    for name in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(name)
        if path and os.path.isdir(path):
            paths.add(os.path.realpath(path))
            dynload = os.path.join(path, "lib-dynload")
            if os.path.isdir(dynload):
                paths.add(os.path.realpath(dynload))
    return sorted(paths)


def _reachable_by_others(path: str) -> bool:
    """Whether a user that owns nothing and belongs to no group can reach and read ``path``."""
    parts = path.split(os.sep)
    for index in range(1, len(parts)):
        folder = os.sep.join(parts[:index]) or os.sep
        try:
            if not os.stat(folder).st_mode & 0o001:
                return False
        except OSError:
            return False
    try:
        return bool(os.stat(path).st_mode & 0o004)
    except OSError:
        return False


# --------------------------------------------------------------------------- process trees


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except OSError:
        return None


_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_children_files: bool | None = None  # /proc/<pid>/task/<tid>/children exists (CONFIG_PROC_CHILDREN)
_table_lock = threading.Lock()
_table: tuple[float, dict[int, list[int]]] = (0.0, {})


def _has_children_files() -> bool:
    global _children_files
    if _children_files is None:
        _children_files = os.path.exists(f"/proc/self/task/{threading.get_native_id()}/children")
    return _children_files


def _children_table(max_age: float) -> dict[int, list[int]]:
    """``{ppid: [pid, …]}`` for every process, read from /proc at most once per ``max_age`` seconds
    (shared by every environment that is waiting for its worker)."""
    global _table
    with _table_lock:
        taken, table = _table
        if time.monotonic() - taken <= max_age:
            return table
        table = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                stat = _read(f"/proc/{entry.name}/stat")
                if stat:
                    try:
                        ppid = int(stat[stat.rindex(b")") + 2 :].split(None, 2)[1])
                    except (ValueError, IndexError):
                        continue
                    table.setdefault(ppid, []).append(int(entry.name))
        _table = (time.monotonic(), table)
        return table


def children(pid: int, max_age: float = 0.0) -> list[int]:
    """Direct children of ``pid`` (Linux /proc; psutil elsewhere)."""
    if not LINUX:
        try:
            import psutil

            return [child.pid for child in psutil.Process(pid).children()]
        except Exception:
            return []
    if _has_children_files():
        found: list[int] = []
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            return found
        for tid in threads:
            data = _read(f"/proc/{pid}/task/{tid}/children")
            if data:
                found += [int(child) for child in data.split()]
        return found
    return list(_children_table(max_age).get(pid, ()))


def descendants(pid: int, max_age: float = 0.0) -> list[int]:
    """Every process below ``pid``: its children, their children, …

    Example::

        descendants(os.getpid())   # -> [] for a process that started nothing
    """
    found: list[int] = []
    frontier = [pid]
    while frontier:
        below = [child for parent in frontier for child in children(parent, max_age)]
        below = [child for child in below if child not in found and child != pid]
        found += below
        frontier = below
    return found


def memory_bytes(pid: int, below: list[int]) -> int | None:
    """Resident memory of ``pid`` plus the private memory of its descendants ``below`` (a forked child
    shares the interpreter's file-backed pages with its parent: those count once). None when gone."""
    statm = _read(f"/proc/{pid}/statm") if LINUX else None
    if statm is None:
        if LINUX:
            return None
        try:
            import psutil

            process = psutil.Process(pid)
            return process.memory_info().rss + sum(
                child.memory_info().rss for child in process.children(recursive=True)
            )
        except Exception:
            return None
    total = int(statm.split()[1]) * _PAGE
    for child in below:
        fields = (_read(f"/proc/{child}/statm") or b"0 0 0").split()
        total += max(int(fields[1]) - int(fields[2]), 0) * _PAGE  # resident minus file-backed/shared
    return total


def start_time(pid: int) -> int | None:
    """When ``pid`` started, in clock ticks since boot (tells a process from a later one with its pid)."""
    stat = _read(f"/proc/{pid}/stat")
    try:
        return int(stat[stat.rindex(b")") + 2 :].split()[19]) if stat else None
    except (ValueError, IndexError):
        return None


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def processes_of_user(uid: int) -> list[int]:
    """Every process running as ``uid`` (the owner of ``/proc/<pid>``), zombies included."""
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def kill_all(pid: int, uid: int | None = None, remembered: dict[int, int] | None = None) -> None:
    """Kill a worker and everything it started, wherever those processes went.

    With its own ``uid`` (the runtime runs as root), that is every process of that user: a process
    cannot leave its user. Otherwise the tree below ``pid`` is frozen (SIGSTOP, so nothing forks
    while it is walked), then killed, with its process group and the ``remembered`` descendants
    (``{pid: start_time}``) that are still the same processes.
    """
    if uid is not None and LINUX:
        killed: set[int] = set()
        for _ in range(100):
            found = [process for process in processes_of_user(uid) if process not in killed]
            if not found:
                break
            for process in found:
                _signal(process, signal.SIGKILL)
            killed.update(found)
    else:
        stopped = [pid]
        _signal(pid, signal.SIGSTOP)
        while True:
            new = [process for process in descendants(pid) if process not in stopped]
            if not new:
                break
            for process in new:
                _signal(process, signal.SIGSTOP)
            stopped += new
        for process, started in (remembered or {}).items():
            if process not in stopped and started is not None and start_time(process) == started:
                stopped.append(process)
        for process in stopped:
            _signal(process, signal.SIGKILL)
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


# --------------------------------------------------------------------------- folders


def remove_tree(path: str) -> None:
    """Delete a folder even when parts of it are read-only (code) or unreadable (a handler's chmod)."""
    import shutil

    attempted: set[str] = set()

    def unlock(_function, failed, _exc_info):
        if failed in attempted:
            return
        attempted.add(failed)
        for target in (os.path.dirname(failed), failed):
            try:
                if os.path.isdir(target) and not os.path.islink(target):
                    os.chmod(target, 0o700)
            except OSError:
                pass
        try:
            if os.path.isdir(failed) and not os.path.islink(failed):
                shutil.rmtree(failed, onerror=unlock)
            elif os.path.lexists(failed):
                os.unlink(failed)
        except OSError:
            pass

    if os.path.lexists(path):
        shutil.rmtree(path, onerror=unlock)
