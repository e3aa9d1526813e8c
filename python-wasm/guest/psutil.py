"""Host processes for scripts running inside the ward sandbox, in the shape of psutil.

A script runs in CPython for WASI, which has no processes, so this module asks the ward host over
the channel (`ward_channel`); the host checks each request against the policy and records it in
the audit log before it acts. It offers the part of psutil that scripts use most: `Process`,
`process_iter`, `pids`, `pid_exists`, the status constants and psutil's exceptions.

Where it differs from psutil, on purpose:

- `Process()` without a pid, and `Process(os.getpid())`, raise `AccessDenied`: a script has no
  process of its own on the host, only the sandbox it runs in, and the pid `os.getpid()` gives
  there is a fixed stand-in that would name an unrelated host process.
- `name()`, `exe()`, `cmdline()`, `username()` and `create_time()` come from the last answer the
  host gave about the process (when the object was made, listed or last asked); `ppid()`,
  `status()`, `memory_info()`, `cpu_percent()`, `is_running()` ask the host each time, or once per
  `oneshot()` block.
- `exe()` gives "" and `cmdline()` gives [] when the host cannot tell, instead of raising
  `AccessDenied`; `ppid()` gives 0 for a process without a parent; `create_time()` is in whole
  seconds.
- `as_dict()` and `process_iter(attrs)` fill only the attributes listed in `ATTRS`; any other
  psutil attribute name gets `ad_value`.
- `cpu_percent(interval)` with an interval of up to 10 seconds is measured by the host; a longer
  one by two looks around `time.sleep`. Without an interval it compares with the previous call on
  the same object, 0.0 the first time, as psutil does.
- `wait()` polls the host and counts a zombie as ended; it always returns None.
- `send_signal()` accepts only SIGTERM (15) and SIGKILL (9).
- `ZombieProcess` exists so that `except` clauses written for psutil work, but is never raised.
"""

import collections
import contextlib
import os
import time

import ward_channel

STATUS_RUNNING = "running"
STATUS_SLEEPING = "sleeping"
STATUS_DISK_SLEEP = "disk-sleep"
STATUS_STOPPED = "stopped"
STATUS_TRACING_STOP = "tracing-stop"
STATUS_ZOMBIE = "zombie"
STATUS_DEAD = "dead"
STATUS_WAKE_KILL = "wake-kill"
STATUS_WAKING = "waking"
STATUS_IDLE = "idle"
STATUS_LOCKED = "locked"
STATUS_WAITING = "waiting"
STATUS_SUSPENDED = "suspended"
STATUS_PARKED = "parked"

SIGTERM = 15
SIGKILL = 9

# The attributes `as_dict()` fills; the host's longest CPU interval, in seconds.
ATTRS = frozenset(
    ["cmdline", "cpu_percent", "create_time", "exe", "memory_info", "name", "pid", "ppid",
     "status", "username"]
)
_HOST_MAX_INTERVAL = 10.0

# psutil attribute names this module does not serve: `as_dict()` gives `ad_value` for them
# rather than refusing a script written for psutil.
_UNSERVED_ATTRS = frozenset(
    ["connections", "cpu_affinity", "cpu_num", "cpu_times", "cwd", "environ", "gids",
     "io_counters", "ionice", "memory_full_info", "memory_maps", "memory_percent",
     "net_connections", "nice", "num_ctx_switches", "num_fds", "num_handles", "num_threads",
     "open_files", "terminal", "threads", "uids"]
)

_MAX_PID = 0xFFFFFFFF
_WAIT_FIRST_DELAY = 0.01
_WAIT_MAX_DELAY = 0.5

pmem = collections.namedtuple("pmem", ["rss", "vms"])


class Error(Exception):
    """Base class of this module's exceptions."""

    def __init__(self, msg=""):
        Exception.__init__(self, msg)
        self.msg = msg

    def __str__(self):
        shown = []
        for field in ("pid", "ppid", "name"):
            value = getattr(self, field, None)
            if value or (field == "pid" and value == 0):
                shown.append("%s=%r" % (field, value))
        if not shown:
            return self.msg
        return "%s (%s)" % (self.msg, ", ".join(shown))


class NoSuchProcess(Error):
    """The process does not exist, or no longer does."""

    def __init__(self, pid, name=None, msg=None):
        Error.__init__(self, msg or "process no longer exists")
        self.pid = pid
        self.name = name


class ZombieProcess(NoSuchProcess):
    """psutil raises this for a zombie; here it is never raised (see the module's notes)."""

    def __init__(self, pid, name=None, ppid=None, msg=None):
        NoSuchProcess.__init__(self, pid, name, msg or "process still exists but it's a zombie")
        self.ppid = ppid


class AccessDenied(Error):
    """The policy or the host system refused the operation."""

    def __init__(self, pid=None, name=None, msg=None):
        Error.__init__(self, msg or "access denied")
        self.pid = pid
        self.name = name


class TimeoutExpired(Error):
    """`Process.wait()` ran out of time."""

    def __init__(self, seconds, pid=None, name=None):
        Error.__init__(self, "timeout after %s seconds" % (seconds,))
        self.seconds = seconds
        self.pid = pid
        self.name = name


def _call(op, args, pid=None, name=None):
    """Asks the host, turning its refusals into the exceptions psutil raises about the process
    `pid` named `name`."""
    try:
        return ward_channel.call(op, **args)
    except ward_channel.HostError as error:
        message = str(error) or None
        if error.kind == "NoSuchProcess":
            raise NoSuchProcess(pid, name, message) from None
        if error.kind == "AccessDenied":
            raise AccessDenied(pid, name, message) from None
        raise OSError(str(error)) from None


def _check_pid(pid):
    if isinstance(pid, bool) or not isinstance(pid, int):
        raise TypeError("pid must be an integer (got %r)" % (pid,))
    if pid < 0:
        raise ValueError("pid must be a positive integer (got %d)" % pid)


def _is_own_pid(pid):
    """True for the pid `os.getpid()` gives inside the sandbox, a fixed stand-in that would
    otherwise name an unrelated host process."""
    getpid = getattr(os, "getpid", None)
    if getpid is None or isinstance(pid, bool):
        return False
    try:
        return pid == getpid()
    except OSError:
        return False


def _check_attrs(attrs):
    if not isinstance(attrs, (list, tuple, set, frozenset)):
        raise TypeError("invalid attrs type %s" % type(attrs))
    invalid = set(attrs) - ATTRS - _UNSERVED_ATTRS
    if invalid:
        raise ValueError(
            "invalid attr name%s %s"
            % ("s" if len(invalid) > 1 else "", ", ".join(map(repr, sorted(invalid))))
        )


def _fetch(pid, name=None, interval=None):
    """The host's description of one process, as a dict (the `process.get` reply)."""
    if pid > _MAX_PID:
        raise NoSuchProcess(pid, name)
    return _call("process.get", {"pid": pid, "cpu_interval": interval}, pid, name)


def _list():
    """Every process the host reports, by increasing pid, and when the answer came."""
    return _call("process.list", {"cpu_interval": None}), time.monotonic()


def _percent(cpu_before, at_before, cpu_after, at_after):
    wall = at_after - at_before
    if wall <= 0:
        return 0.0
    return round(max(0.0, cpu_after - cpu_before) / wall * 100.0, 1)


class Process:
    """A host process, identified by its pid and its start time."""

    def __init__(self, pid=None):
        if pid is None or _is_own_pid(pid):
            raise AccessDenied(
                pid,
                msg="a script inside the ward sandbox has no host process of its own; "
                "give the pid of the process to examine",
            )
        _check_pid(pid)
        self._adopt(_fetch(pid))

    @classmethod
    def _from_info(cls, info):
        process = cls.__new__(cls)
        process._adopt(info)
        return process

    def _adopt(self, info):
        self._pid = info["pid"]
        self._info = info
        self._cpu_sample = None
        self._cached = None
        self._oneshot_depth = 0

    @property
    def pid(self):
        return self._pid

    def __repr__(self):
        return "psutil.Process(pid=%d, name=%r)" % (self._pid, self._info["name"])

    def __eq__(self, other):
        if not isinstance(other, Process):
            return NotImplemented
        return (self._pid, self.create_time()) == (other._pid, other.create_time())

    def __hash__(self):
        return hash((self._pid, self.create_time()))

    # Reading the host.

    def _refetch(self, interval=None):
        """A fresh description; `NoSuchProcess` when the pid now names another process."""
        info = _fetch(self._pid, self._info["name"], interval)
        if info["create_time"] != self._info["create_time"]:
            raise NoSuchProcess(
                self._pid, self._info["name"], "process no longer exists; its pid was reused"
            )
        self._info = info
        return info

    def _live(self):
        """The current description and when it was read: inside `oneshot()`, read once."""
        if self._cached is not None:
            return self._cached
        info = self._refetch()
        read = (info, time.monotonic())
        if self._oneshot_depth:
            self._cached = read
        return read

    def oneshot(self):
        """Within the block, ask the host at most once for this process."""
        return self._held(None)

    @contextlib.contextmanager
    def _held(self, read):
        """Keeps one description for the length of the block: `read` (info and when it was
        read) when given, else the first one `_live()` fetches."""
        self._oneshot_depth += 1
        if read is not None:
            self._cached = read
        try:
            yield
        finally:
            self._oneshot_depth -= 1
            if not self._oneshot_depth:
                self._cached = None

    # psutil's accessors.

    def name(self):
        return self._info["name"]

    def exe(self):
        return self._info["exe"] or ""

    def cmdline(self):
        return list(self._info["cmdline"])

    def username(self):
        if self._info["username"] is None:
            raise AccessDenied(self._pid, self._info["name"], "the host cannot tell the user")
        return self._info["username"]

    def create_time(self):
        return self._info["create_time"]

    def ppid(self):
        return self._live()[0]["ppid"] or 0

    def status(self):
        return self._live()[0]["status"]

    def memory_info(self):
        info = self._live()[0]
        return pmem(info["memory_rss"], info["memory_vms"])

    def cpu_percent(self, interval=None):
        """Percent of one CPU core used: over `interval` seconds when given (blocking), else
        since the previous call on this object (0.0 the first time)."""
        if interval is not None and interval < 0:
            raise ValueError("interval is not positive (got %r)" % (interval,))
        if interval:
            return self._cpu_percent_over(interval)
        info, at = self._live()
        return self._cpu_since_last(info, at)

    def _cpu_percent_over(self, interval):
        if interval <= _HOST_MAX_INTERVAL:
            info = self._refetch(interval)
            self._cpu_sample = (info["cpu_time"], time.monotonic())
            return float(info["cpu_percent"])
        before = self._refetch()
        at_before = time.monotonic()
        time.sleep(interval)
        after = self._refetch()
        at_after = time.monotonic()
        self._cpu_sample = (after["cpu_time"], at_after)
        return _percent(before["cpu_time"], at_before, after["cpu_time"], at_after)

    def _cpu_since_last(self, info, at):
        previous = self._cpu_sample
        self._cpu_sample = (info["cpu_time"], at)
        if previous is None:
            return 0.0
        return _percent(previous[0], previous[1], info["cpu_time"], at)

    def as_dict(self, attrs=None, ad_value=None):
        """The attributes named in `attrs` (all of `ATTRS` when None or empty), read in one
        go; `ad_value` for those the host will not give."""
        if attrs is not None:
            _check_attrs(attrs)
        result = {}
        with self.oneshot():
            for name in sorted(set(attrs or ATTRS)):
                if name in _UNSERVED_ATTRS:
                    result[name] = ad_value
                    continue
                try:
                    value = getattr(self, name)
                    result[name] = value() if callable(value) else value
                except (AccessDenied, ZombieProcess):
                    result[name] = ad_value
        return result

    # Relations.

    def parent(self):
        """The parent process, or None when there is none or it has ended."""
        ppid = self.ppid()
        if not ppid:
            return None
        try:
            parent = Process(ppid)
        except NoSuchProcess:
            return None
        if parent.create_time() <= self.create_time():
            return parent
        return None

    def children(self, recursive=False):
        """The processes this one started (and theirs, when `recursive`), as a list."""
        infos, _ = _list()
        by_parent = collections.defaultdict(list)
        for info in infos:
            by_parent[info["ppid"]].append(info)
        found = []
        parents = [self]
        while parents:
            parent = parents.pop()
            for info in by_parent.get(parent.pid, []):
                if info["create_time"] >= parent.create_time():
                    child = Process._from_info(info)
                    found.append(child)
                    if recursive:
                        parents.append(child)
        return found

    # Lifetime.

    def is_running(self):
        """True while the process exists and its pid has not been reused; a zombie counts."""
        try:
            self._refetch()
        except NoSuchProcess:
            return False
        return True

    def _ended(self):
        """True once the process has ended, a zombie included."""
        try:
            return self._refetch()["status"] == STATUS_ZOMBIE
        except NoSuchProcess:
            return True

    def send_signal(self, sig):
        if sig == SIGTERM:
            self.terminate()
        elif sig == SIGKILL:
            self.kill()
        else:
            raise ValueError(
                "only SIGTERM (15) and SIGKILL (9) can be sent from the ward sandbox (got %r)"
                % (sig,)
            )

    def terminate(self):
        """Asks the process to end (SIGTERM on Unix)."""
        self._send("terminate")

    def kill(self):
        """Ends the process at once (SIGKILL on Unix)."""
        self._send("kill")

    def _send(self, signal):
        self._refetch()
        _call("process.kill", {"pid": self._pid, "signal": signal}, self._pid, self._info["name"])

    def wait(self, timeout=None):
        """Waits for the process to end, polling the host; `TimeoutExpired` after `timeout`
        seconds."""
        if timeout is not None and timeout < 0:
            raise ValueError("timeout must be a positive number (got %r)" % (timeout,))
        deadline = None if timeout is None else time.monotonic() + timeout
        delay = _WAIT_FIRST_DELAY
        while not self._ended():
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutExpired(timeout, self._pid, self._info["name"])
            time.sleep(delay if deadline is None else min(delay, deadline - now))
            delay = min(delay * 2, _WAIT_MAX_DELAY)
        return None


# Process objects handed out by `process_iter`, kept so that `cpu_percent` compares with the
# previous iteration, as psutil does.
_known = {}


def process_iter(attrs=None, ad_value=None):
    """Yields a `Process` for every host process, by increasing pid, from one request to the
    host. With `attrs` (a list of `ATTRS` names, empty for all), each has `.info`, the dict
    `as_dict(attrs, ad_value)` would give when the list was taken."""
    if attrs is not None:
        _check_attrs(attrs)
    infos, at = _list()
    current = {}
    for info in infos:
        process = _known.get(info["pid"])
        if process is None or process.create_time() != info["create_time"]:
            process = Process._from_info(info)
        else:
            process._info = info
        current[info["pid"]] = (process, info)
    _known.clear()
    _known.update((pid, pair[0]) for pid, pair in current.items())

    for pid in sorted(current):
        process, info = current[pid]
        if attrs is not None:
            with process._held((info, at)):
                process.info = process.as_dict(attrs, ad_value)
        yield process


process_iter.cache_clear = _known.clear


def pids():
    """The pids of every host process, sorted."""
    infos, _ = _list()
    return sorted(info["pid"] for info in infos)


def pid_exists(pid):
    """True when a process has this pid, including one the policy will not let the script
    examine."""
    if isinstance(pid, int) and not isinstance(pid, bool) and pid < 0:
        return False
    _check_pid(pid)
    try:
        _fetch(pid)
    except NoSuchProcess:
        return False
    except AccessDenied:
        return True
    return True
