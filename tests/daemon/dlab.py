"""Namespace lab and daemon harness for bridgeguard's daemon tests.

Every namespace is named bgd-<random>-<role> and registered before it
exists, so a finalizer, an atexit hook or a signal can always remove it;
every process started is killed the same way. Nothing here touches the
root namespace's interfaces or rulesets.
"""
import atexit
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
BIN = REPO / "bridgeguard"
ASAN_BIN = REPO / "bridgeguard-asan"
PY = "/usr/bin/python3"              # Debian's python; never pyenv's
RAWSEND = HERE / "rawsend.py"
CMD_TIMEOUT = 30
# Small quarantine: RSS then reflects the daemon, not ASan's free list.
ASAN_OPTIONS = "quarantine_size_mb=4:malloc_context_size=8:detect_leaks=1"
# libfyaml 0.7.12 leaks its diagnostics on a failed parse (a broken reload).
LSAN_OPTIONS = f"suppressions={REPO}/tests/unit/lsan.supp:print_suppressions=0"

_LIVE = set()
_PROCS = []
_LOCK = threading.Lock()


def daemon_bin():
    """The binary the daemon tests run: ASan's unless told otherwise."""
    want = os.environ.get("BG_DAEMON_BIN")
    if want:
        return Path(want)
    return ASAN_BIN if ASAN_BIN.exists() else BIN


def run(cmd, check=True, timeout=CMD_TIMEOUT, input=None, env=None):
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, input=input, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"command failed ({r.returncode}): "
                             f"{shlex.join(map(str, cmd))}\n"
                             f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def kill_proc(p, sig=signal.SIGKILL, timeout=5):
    if p.poll() is None:
        try:
            p.send_signal(sig)
            p.wait(timeout)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            p.kill()
            p.wait(timeout)
    with _LOCK:
        if p in _PROCS:
            _PROCS.remove(p)


def delete_ns(ns):
    """Kill what runs in ns (we started all of it), then delete ns."""
    try:
        pids = run(["ip", "netns", "pids", ns], check=False).stdout.split()
    except Exception:
        pids = []
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    for _ in range(40):
        r = run(["ip", "netns", "del", ns], check=False)
        if r.returncode == 0 or not Path("/run/netns", ns).exists():
            break
        time.sleep(0.05)
    with _LOCK:
        _LIVE.discard(ns)


def cleanup_everything():
    with _LOCK:
        procs, spaces = list(_PROCS), list(_LIVE)
    for p in procs:
        try:
            kill_proc(p)
        except Exception:
            pass
    for ns in spaces:
        try:
            delete_ns(ns)
        except Exception:
            pass


atexit.register(cleanup_everything)


def wait_until(fn, timeout, interval=0.05):
    """Poll fn() until truthy or timeout (bounded); its last value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


@dataclass
class Node:
    name: str
    port: str
    mac: str
    ip4: str
    ip6: str


NODES = {
    "alice": Node("alice", "vnic-alice", "52:54:00:00:00:11",
                  "192.168.122.11", "fd00:122::11"),
    "bob": Node("bob", "vnic-bob", "52:54:00:00:00:22",
                "192.168.122.22", "fd00:122::22"),
    "eve": Node("eve", "vnic-eve", "52:54:00:00:00:33",
                "192.168.122.33", "fd00:122::33"),
    "uplink": Node("uplink", "uplink0", "52:54:00:00:00:fe",
                   "192.168.122.1", "fd00:122::1"),
}


def config_yaml(guests, trusted=("uplink0",), unknown="drop", extra=""):
    out = [extra, "bridges:", "  - name: br0",
           f"    trusted-ports: [{', '.join(trusted)}]",
           f"    unknown-ports: {unknown}", "    guests:"]
    for g in guests:
        out.append(f"      - port: {g.port}")
        out.append(f"        mac: {g.mac}")
        if g.ip4:
            out.append(f"        ipv4: [{g.ip4}]")
        if g.ip6:
            out.append(f'        ipv6: ["{g.ip6}"]')
    if not guests:
        out[-1] = "    guests: []"
    return "\n".join(out) + "\n"


class Lab:
    """Host namespace with br0; alice, bob, eve and uplink namespaces whose
    eth0 is the peer of a port of br0 (vnic-<name>, uplink0)."""

    def __init__(self):
        self.id = secrets.token_hex(3)
        self.prefix = f"bgd-{self.id}-"
        self.dir = Path(tempfile.mkdtemp(prefix=self.prefix, dir="/tmp"))
        self.dir.chmod(0o755)
        self.namespaces = []
        self.procs = []
        self.nodes = dict(NODES)

    def ns(self, who):
        return self.prefix + who

    @property
    def host(self):
        return self.ns("host")

    def mkns(self, who):
        ns = self.ns(who)
        with _LOCK:
            _LIVE.add(ns)
        self.namespaces.append(ns)
        run(["ip", "netns", "add", ns])
        return ns

    def build(self, nodes=("alice", "bob", "eve", "uplink")):
        h = self.mkns("host")
        self.sh("host", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                "net.ipv6.conf.default.disable_ipv6=1; ip link set lo up; "
                "ip link add br0 type bridge stp_state 0 forward_delay 0 "
                "mcast_snooping 0; ip link set br0 up")
        for n in nodes:
            self.add_node(self.nodes[n])
        return h

    def add_node(self, node, attach=True):
        self.nodes[node.name] = node
        n = self.ns(node.name) if self.ns(node.name) in self.namespaces \
            else self.mkns(node.name)
        self.run(node.name, ["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0",
                             "net.ipv6.conf.default.accept_dad=0",
                             "net.ipv6.conf.default.router_solicitations=0"])
        self.run("host", f"ip link add {node.port} type veth peer name eth0 "
                         f"address {node.mac} netns {n}")
        if attach:
            self.run("host", f"ip link set {node.port} master br0 up")
        else:
            self.run("host", f"ip link set {node.port} up")
        self.run(node.name, ["ip", "-batch", "-"], input="\n".join([
            "link set lo up", f"addr add {node.ip4}/24 dev eth0",
            f"addr add {node.ip6}/64 dev eth0 nodad",
            "link set eth0 up"]) + "\n")
        return node

    def teardown(self):
        for p in list(self.procs):
            try:
                kill_proc(p)
            except Exception:
                pass
        for ns in reversed(self.namespaces):
            try:
                delete_ns(ns)
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)

    # commands -----------------------------------------------------------
    def run(self, who, cmd, **kw):
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        return run(["ip", "netns", "exec", self.ns(who)] + list(cmd), **kw)

    def sh(self, who, script, **kw):
        return self.run(who, ["sh", "-c", script], **kw)

    def ping(self, who, dst, count=1, wait=2):
        """Does who reach dst? Its neighbour cache is flushed first: an
        entry left INCOMPLETE by an earlier (dropped) try would delay the
        next ARP probe by up to a second."""
        self.run(who, "ip neigh flush dev eth0", check=False)
        return self.run(who, ["ping", "-n", "-q", "-c", str(count), "-i", "0.2",
                              "-W", str(wait), dst],
                        check=False).returncode == 0

    def send(self, who, kind, count=1, gap=0, **fields):
        args = [f"{k}={v}" for k, v in fields.items()]
        self.run(who, [PY, RAWSEND, "eth0", str(count), str(gap), kind] + args)

    def nft(self, *args, check=True):
        return self.run("host", ["nft"] + list(args), check=check).stdout

    def ruleset(self):
        return self.nft("list", "ruleset")

    def bg(self, *args, check=None, binary=None, env=None):
        e = dict(os.environ)
        e.update(env or {})
        r = self.run("host", [str(binary or BIN)] + [str(a) for a in args],
                     check=False, env=e)
        if check is not None:
            assert r.returncode == check, (
                f"bridgeguard {shlex.join(map(str, args))}: exit "
                f"{r.returncode}, expected {check}\n{r.stdout}\n{r.stderr}")
        return r

    def popen(self, who, cmd, **kw):
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(who)] +
                             [str(c) for c in cmd], **kw)
        self.procs.append(p)
        with _LOCK:
            _PROCS.append(p)
        return p

    def write(self, name, text):
        p = self.dir / name
        p.write_text(text)
        return p


class Daemon:
    """`bridgeguard run` in the lab's host namespace, with its events file,
    its own control socket and its stderr kept for sanitizer checks."""

    def __init__(self, lab, config, binary=None, args=(), env=None,
                 stdout=subprocess.DEVNULL):
        self.lab = lab
        self.config = config
        self.binary = Path(binary or daemon_bin())
        self.events_path = lab.dir / "events.jsonl"
        self.socket = f"@{lab.prefix}ctl"
        self.args = list(args)
        self.env = env or {}
        self.stdout = stdout
        self.p = None
        self.runs = 0

    def start(self, wait=True):
        self.runs += 1
        self.log = self.lab.dir / f"daemon{self.runs}.log"
        env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS,
                   LSAN_OPTIONS=LSAN_OPTIONS)
        env.update(self.env)
        with open(self.log, "wb") as lf:
            self.p = self.lab.popen("host", [
                self.binary, "-c", self.config, "run", "--events",
                self.events_path, "--socket", self.socket, "--no-syslog"]
                + self.args, stdout=self.stdout, stderr=lf, env=env)
        if wait:
            ok = wait_until(lambda: self.p.poll() is not None or
                            b"protecting" in self.log.read_bytes(), 15)
            assert ok and self.p.poll() is None, \
                f"daemon did not start: {self.stderr()}"
        return self

    def stderr(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def ctl(self, *args, check=None):
        return self.lab.bg("--socket", self.socket, *args, check=check)

    def pid(self):
        return self.p.pid

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def sensor_pids(self):
        try:
            kids = Path(f"/proc/{self.p.pid}/task/{self.p.pid}/children")
            return [int(x) for x in kids.read_text().split()]
        except OSError:
            return []

    def kill9(self):
        kill_proc(self.p, signal.SIGKILL)

    def stop(self):
        """SIGTERM; the exit must be clean: status 0, no sanitizer report."""
        if self.p is None or self.p.poll() is not None:
            return self.p.returncode if self.p else 0
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            kill_proc(self.p)
            raise AssertionError("daemon did not exit on SIGTERM")
        kill_proc(self.p)
        return rc

    def check_clean(self):
        err = self.stderr()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                    "UndefinedBehaviorSanitizer"):
            assert bad not in err, f"sanitizer report:\n{err}"

    # events -------------------------------------------------------------
    def events(self):
        try:
            text = self.events_path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line]

    def mark(self):
        return len(self.events())

    def since(self, mark, type=None):
        return [e for e in self.events()[mark:] if type is None or
                e["type"] == type]

    def wait_event(self, mark, type, timeout=1.0, **match):
        """The events of type (matching fields) after mark, waiting until
        one arrives or timeout."""
        def found():
            return [e for e in self.since(mark, type)
                    if all(e.get(k) == v for k, v in match.items())]
        return wait_until(found, timeout, 0.02) or []


CTLRAW = HERE / "ctlraw.py"


def ctl_raw(lab, sockname, data, close=False):
    """One raw request from inside the lab's host namespace (an abstract
    socket is only reachable from its network namespace): the reply as a
    dict {magic, type, text}, or {closed: True}."""
    r = lab.run("host", [PY, CTLRAW, sockname, "send", data.hex()] +
                (["close"] if close else []))
    return json.loads(r.stdout)
