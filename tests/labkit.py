"""Network-namespace lab and helpers for bridgeguard's namespace-based
test suites (tests/integration, tests/daemon); the root conftest.py puts
this directory on sys.path, so both import it as ``labkit``.

Everything runs inside uniquely named namespaces (``bgt-<random>-<role>``);
nothing here ever touches the root namespace's interfaces or nftables.
Every namespace created is registered in ``_LIVE`` so that a finalizer, an
atexit hook or a signal handler can always remove it.
"""
import atexit
import contextlib
import ipaddress
import json
import os
import secrets
import select
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = REPO / "bridgeguard"
PY = "/usr/bin/python3"          # Debian's python with scapy; never pyenv's
SENDFRAMES = HERE / "sendframes.py"
SETPRIV = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
           "--inh-caps=-all", "--bounding-set=-all"]
_NOBODY_DIR = []                 # for_nobody()'s copies, removed at exit

BCAST = "ff:ff:ff:ff:ff:ff"
CMD_TIMEOUT = 30


def eui64_ll(mac):
    b = bytearray(int(x, 16) for x in mac.split(":"))
    b[0] ^= 0x02
    iid = bytes(b[:3]) + b"\xff\xfe" + bytes(b[3:])
    return str(ipaddress.IPv6Address(b"\xfe\x80" + b"\x00" * 6 + iid))


@dataclass
class Node:
    name: str
    port: str
    mac: str
    ip4: str
    ip6: str
    trusted: bool = False

    @property
    def ll6(self):
        return eui64_ll(self.mac)


def default_nodes():
    return {
        "alice": Node("alice", "vnic-alice", "52:54:00:00:00:11",
                      "192.168.122.11", "fd00:122::11"),
        "bob": Node("bob", "vnic-bob", "52:54:00:00:00:22",
                    "192.168.122.22", "fd00:122::22"),
        "eve": Node("eve", "vnic-eve", "52:54:00:00:00:33",
                    "192.168.122.33", "fd00:122::33"),
        "uplink": Node("uplink", "uplink0", "52:54:00:00:00:fe",
                       "192.168.122.1", "fd00:122::1", trusted=True),
    }


# --------------------------------------------------------------------------
# process / namespace registry (cleanup even on Ctrl-C, SIGTERM, crashes)

_LIVE = set()          # namespace names created by this process
_PROCS = []            # background Popen objects started by this process
_LOCK = threading.Lock()


def _kill_ns_pids(ns):
    try:
        out = subprocess.run(["ip", "netns", "pids", ns], capture_output=True,
                             text=True, timeout=10).stdout
    except Exception:
        return
    for pid in out.split():
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError, PermissionError):
            pass


def delete_ns(ns):
    """Kill whatever runs in namespace ns (we started it), then delete ns."""
    _kill_ns_pids(ns)
    for _ in range(20):
        r = subprocess.run(["ip", "netns", "del", ns], capture_output=True,
                           text=True, timeout=10)
        if r.returncode == 0 or not Path("/run/netns", ns).exists():
            break
        time.sleep(0.05)
    with _LOCK:
        _LIVE.discard(ns)


def stop_proc(p, sig=signal.SIGKILL, timeout=3):
    if p.poll() is None:
        try:
            p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout)
    with _LOCK:
        if p in _PROCS:
            _PROCS.remove(p)


def for_nobody(path):
    """A copy of `path` that uid 65534 can read and run, whatever the
    checkout's location and umask (a clone under /root or a home is 0700):
    in a world-readable directory of this run, removed at exit."""
    path = Path(path)
    with _LOCK:
        if not _NOBODY_DIR:
            _NOBODY_DIR.append(world_readable_tmpdir("bgt-nobody-"))
        st = path.stat()
        dst = _NOBODY_DIR[0] / f"{st.st_mtime_ns}-{st.st_size}" / path.name
        if not dst.exists():
            dst.parent.mkdir(mode=0o755)
            dst.parent.chmod(0o755)             # mkdir's mode obeys the umask
            shutil.copyfile(path, dst)
            dst.chmod(0o755)
    return dst


def cleanup_everything():
    with _LOCK:
        procs = list(_PROCS)
        spaces = list(_LIVE)
        for d in _NOBODY_DIR:
            shutil.rmtree(d, ignore_errors=True)
        _NOBODY_DIR.clear()
    for p in procs:
        try:
            stop_proc(p)
        except Exception:
            pass
    for ns in spaces:
        try:
            delete_ns(ns)
        except Exception:
            pass


atexit.register(cleanup_everything)


def new_ns(role):
    """Create a fresh, uniquely named namespace and register it."""
    ns = f"bgt-{secrets.token_hex(3)}-{role}"
    with _LOCK:
        _LIVE.add(ns)
    run(["ip", "netns", "add", ns])
    return ns


# --------------------------------------------------------------------------
# command helpers

def run(cmd, check=True, timeout=CMD_TIMEOUT, input=None, env=None):
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True,
                       timeout=timeout, input=input, env=env)
    if check and r.returncode != 0:
        raise AssertionError(f"command failed ({r.returncode}): {shlex.join(map(str, cmd))}\n"
                             f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return r


def nsrun(ns, cmd, **kw):
    """Run cmd (list or string) inside namespace ns."""
    if isinstance(cmd, str):
        cmd = shlex.split(cmd)
    return run(["ip", "netns", "exec", ns] + list(cmd), **kw)


def nft(ns, *args, check=True, input=None):
    return nsrun(ns, ["nft"] + list(args), check=check, input=input).stdout


def ruleset(ns):
    return nft(ns, "list", "ruleset")


def nft_tables(ns):
    return [l.strip() for l in nft(ns, "list", "tables").splitlines() if l.strip()]


# Environment every bg() call gets (a fixture may set BRIDGEGUARD_FAULT).
ENV = {}


class Result(NamedTuple):
    """What bg() returns: rc, out, err = bg(...), or r.returncode etc."""
    returncode: int
    stdout: str
    stderr: str


def bg(target, *args, env=None, unprivileged=False, timeout=120, check=None):
    """Run bridgeguard in the lab's host namespace (or in namespace `target`
    if it is a string), with ENV and then env.  Returns a Result
    (returncode, stdout, stderr)."""
    ns = target if isinstance(target, str) else target.host
    if not BIN.exists():
        raise AssertionError(f"{BIN} is not built (run `make -C {REPO}`)")
    e = dict(os.environ)
    e.pop("BRIDGEGUARD_FAULT", None)
    e.update(ENV)
    if env:
        e.update(env)
    binary = for_nobody(BIN) if unprivileged else BIN
    cmd = ["ip", "netns", "exec", ns] + (SETPRIV if unprivileged else []) + \
          [str(binary)] + [str(a) for a in args]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=e)
    if check is not None:
        assert r.returncode == check, (
            f"bridgeguard {shlex.join(map(str, args))}: exit {r.returncode}, expected {check}\n"
            f"stdout: {r.stdout}\nstderr: {r.stderr}")
    return Result(r.returncode, r.stdout, r.stderr)


# Time bounds of tests scale by this: tests/kernels/guest.sh sets it for
# kernels booted under emulation (several times slower than natively).
TIME_SCALE = float(os.environ.get("BG_TIME_SCALE", "1"))


def scaled(seconds):
    """A time bound for this machine: seconds natively, more under QEMU."""
    return seconds * TIME_SCALE


def kernel_has(target, config, feature, env=None):
    """Does the kernel offer feature ("hooks on absent devices", "meta
    ibrname", ...), as bridgeguard probes it (BRIDGEGUARD_FAULT in env
    included)? `status --json` says."""
    rc, out, err = bg(target, "-c", config, "status", "--json", env=env)
    assert rc == 0, err
    lines = json.loads(out)["kernel"]
    return any(l.startswith(f"{feature}: yes") for l in lines)


def hooks_absent_devices(target, config, env=None):
    """Does the kernel hook ports that do not exist yet?"""
    return kernel_has(target, config, "hooks on absent devices", env)


def wait_until(fn, timeout, interval=0.05):
    """Poll fn() until truthy or timeout; return its last value (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(interval)


def config_yaml(guests, trusted=("uplink0",), unknown="drop", bridge="br0"):
    """Render the issue-2 config shape.  guests: iterable of Node-like objects
    (port, mac, ip4 str or list, ip6 str or list)."""
    out = ["bridges:", f"  - name: {bridge}",
           f"    trusted-ports: [{', '.join(trusted)}]",
           f"    unknown-ports: {unknown}", "    guests:"]
    for g in guests:
        ip4 = [g.ip4] if isinstance(g.ip4, str) else list(g.ip4 or [])
        ip6 = [g.ip6] if isinstance(g.ip6, str) else list(g.ip6 or [])
        out.append(f"      - port: {g.port}")
        out.append(f"        mac: {g.mac}")
        if ip4:
            out.append(f"        ipv4: [{', '.join(ip4)}]")
        if ip6:
            out.append("        ipv6: [" + ", ".join(f'"{a}"' for a in ip6) + "]")
    if out[-1] == "    guests:":
        out[-1] = "    guests: []"
    return "\n".join(out) + "\n"


def world_readable_tmpdir(prefix):
    d = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    d.chmod(0o755)                      # setpriv'd (uid 65534) runs read configs
    return d


# --------------------------------------------------------------------------
# packet capture

class Capture:
    def __init__(self):
        self.packets = []

    def with_marker(self, marker):
        return [p for p in self.packets if marker in bytes(p)]

    def count(self, pred):
        return sum(1 for p in self.packets if pred(p))


@contextlib.contextmanager
def capture(ns, iface="eth0", bpf="", direction=None, linger=0.25, workdir="/tmp"):
    """tcpdump inside ns while the with-body runs; cap.packets (scapy) after.

    direction: None (both), "in" or "out" (tcpdump -Q)."""
    from scapy.all import rdpcap  # noqa: imported lazily (slow)
    fd, pcap = tempfile.mkstemp(prefix="bgt-cap-", suffix=".pcap", dir=workdir)
    os.close(fd)
    cmd = ["ip", "netns", "exec", ns, "tcpdump", "-i", iface, "-n", "-U",
           "--immediate-mode", "-Z", "root", "-w", pcap]
    if direction:
        cmd += ["-Q", direction]
    cmd += shlex.split(bpf)
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with _LOCK:
        _PROCS.append(p)
    cap = Capture()
    try:
        buf = b""
        deadline = time.monotonic() + 5
        while b"listening on" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or p.poll() is not None:
                raise AssertionError(f"tcpdump in {ns} did not start: {buf!r}")
            r, _, _ = select.select([p.stderr], [], [], left)
            if r:
                chunk = os.read(p.stderr.fileno(), 4096)
                if not chunk and p.poll() is not None:
                    continue
                buf += chunk
        yield cap
        time.sleep(linger)
    finally:
        stop_proc(p, signal.SIGINT)
        try:
            cap.packets = list(rdpcap(pcap)) if os.path.getsize(pcap) else []
        except Exception:
            cap.packets = []
        os.unlink(pcap)


# --------------------------------------------------------------------------
# the lab

class Lab:
    """A host namespace with bridge br0, and one namespace per node whose
    eth0 is the peer of a veth port of br0.

    ``with Lab() as lab:`` builds it and always tears it down."""

    def __init__(self, nodes=None):
        self.id = secrets.token_hex(3)
        self.prefix = f"bgt-{self.id}-"
        self.dir = world_readable_tmpdir(self.prefix)
        self.nodes = nodes if nodes is not None else default_nodes()
        self.procs = []
        self.namespaces = []
        self._ncfg = 0

    # names --------------------------------------------------------------
    def ns(self, who):
        return self.prefix + who

    @property
    def host(self):
        return self.ns("host")

    def __getattr__(self, name):            # lab.alice, lab.bob, ...
        nodes = self.__dict__.get("nodes") or {}
        if name in nodes:
            return nodes[name]
        raise AttributeError(name)

    # build / teardown ---------------------------------------------------
    def __enter__(self):
        try:
            return self.build()
        except BaseException:
            self.teardown()
            raise

    def __exit__(self, *exc):
        self.teardown()

    def mkns(self, who):
        """Create (and register) namespace `who` of this lab."""
        ns = self.ns(who)
        with _LOCK:
            _LIVE.add(ns)
        self.namespaces.append(ns)
        run(["ip", "netns", "add", ns])
        return ns

    def build(self):
        h = self.mkns("host")
        # the host side is a pure switch: no IPv6 chatter from br0/ports
        nsrun(h, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                 "net.ipv6.conf.default.disable_ipv6=1")
        nsrun(h, "ip link set lo up")          # 127.0.0.1: the daemon's metrics
        nsrun(h, "ip link add br0 type bridge stp_state 0 forward_delay 0 "
                 "mcast_snooping 0")
        nsrun(h, "ip link set br0 up")
        for node in list(self.nodes.values()):
            self.add_node(node)
        return self

    def add_node(self, node, attach=True):
        """Plug node in: its namespace (created unless it exists already,
        e.g. after its port was deleted) and port node.port, enslaved to
        br0 unless attach=False."""
        self.nodes[node.name] = node
        n = self.ns(node.name)
        if n not in self.namespaces:
            self.mkns(node.name)
        s = ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
             "net.ipv6.conf.default.router_solicitations=0",
             "net.ipv6.conf.default.router_solicitation_delay=0",
             # get the unsolicited MLD reports sent on link-up over with at once,
             # so that no guest speaks spontaneously during a test
             "net.ipv6.conf.default.mldv1_unsolicited_report_interval=1",
             "net.ipv6.conf.default.mldv2_unsolicited_report_interval=1"]
        if node.name == "eve":
            # eve's own IP stack is recognisable at the victim by its TTL
            s += ["net.ipv4.ip_default_ttl=33", "net.ipv6.conf.default.hop_limit=33"]
        nsrun(n, ["sysctl", "-qw"] + s)
        nsrun(self.host, f"ip link add {node.port} type veth peer name eth0 "
                         f"address {node.mac} netns {n}")
        nsrun(self.host, f"ip link set {node.port} " +
              ("master br0 up" if attach else "up"))
        nsrun(n, ["ip", "-batch", "-"], input="\n".join([
            "link set lo up",
            f"addr add {node.ip4}/24 dev eth0",
            f"addr add {node.ip6}/64 dev eth0 nodad",
            "link set eth0 up"]) + "\n")
        return node

    def teardown(self):
        for p in list(self.procs):
            try:
                stop_proc(p)
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
        return nsrun(self.ns(who), cmd, **kw)

    def sh(self, who, script, **kw):
        return nsrun(self.ns(who), ["sh", "-c", script], **kw)

    def popen(self, who, cmd, collect=False, **kw):
        """Start cmd in the background inside `who`; killed at teardown.
        collect=True: p.lines gets stdout+stderr lines as they arrive.
        Other keywords (stdout=, stderr=, env=, text=...) go to Popen;
        stdin, stdout and stderr are /dev/null unless given."""
        if isinstance(cmd, str):
            cmd = shlex.split(cmd)
        if collect:
            kw.update(stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for stream in ("stdin", "stdout", "stderr"):
            kw.setdefault(stream, subprocess.DEVNULL)
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(who)] + [str(c) for c in cmd],
                             **kw)
        self.procs.append(p)
        with _LOCK:
            _PROCS.append(p)
        if collect:
            p.lines = []

            def reader():
                for line in p.stdout:
                    p.lines.append(line.rstrip("\n"))
            threading.Thread(target=reader, daemon=True).start()
        return p

    def stop(self, p, sig=signal.SIGKILL):
        stop_proc(p, sig)
        if p in self.procs:
            self.procs.remove(p)

    def scapy(self, who, code, timeout=20):
        """Run a scapy snippet inside `who` (slow: scapy import ~0.7 s)."""
        prelude = "from scapy.all import *\nconf.verb = 0\n"
        return self.run(who, [PY, "-c", prelude + code], timeout=timeout).stdout

    # raw frames -----------------------------------------------------------
    def send(self, who, frames, count=1, interval=0.0, iface="eth0"):
        """Send scapy packets (or bytes) as raw frames from `who`'s iface."""
        if not isinstance(frames, (list, tuple)):
            frames = [frames]
        data = "\n".join(bytes(f).hex() for f in frames) + "\n"
        r = self.run(who, [PY, SENDFRAMES, iface, count, interval, 30], input=data)
        return int(r.stdout.split()[-1])

    @contextlib.contextmanager
    def sender(self, who, frames, interval=0.05, iface="eth0", maxtime=30):
        """Keep sending frames from `who` every `interval` s during the body."""
        if not isinstance(frames, (list, tuple)):
            frames = [frames]
        p = subprocess.Popen(["ip", "netns", "exec", self.ns(who), PY, str(SENDFRAMES),
                              iface, "0", str(interval), str(maxtime)],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.procs.append(p)
        with _LOCK:
            _PROCS.append(p)
        p.stdin.write("\n".join(bytes(f).hex() for f in frames) + "\n")
        p.stdin.close()
        first = p.stdout.readline()          # first round sent
        if not first:
            raise AssertionError(f"frame sender in {who} failed to start")
        try:
            yield p
        finally:
            self.stop(p)

    def capture(self, who, **kw):
        """Capture on `who`'s eth0 (or iface=..., e.g. who="host",
        iface="vnic-eve") while the with-body runs."""
        return capture(self.ns(who), workdir=self.dir, **kw)

    def capture_for(self, who, seconds, action=None, **kw):
        """Capture for `seconds` (after running action(), if given) and
        return the parsed packets."""
        with self.capture(who, linger=0, **kw) as cap:
            if action:
                action()
            time.sleep(seconds)
        return cap.packets

    # observations ---------------------------------------------------------
    def ping(self, who, dst, count=1, interval=0.2, wait=1.0, flush=False):
        """Return the number of echo replies `who` got from dst.
        flush=True: forget `who`'s neighbours on eth0 first (an entry left
        INCOMPLETE by an earlier, dropped try would delay the next ARP
        probe by up to a second)."""
        if flush:
            self.run(who, "ip neigh flush dev eth0", check=False)
        fam = "-6" if ":" in dst else "-4"
        deadline = int(count * interval + wait + 1)
        r = self.run(who, ["ping", fam, "-n", "-q", "-c", count, "-i", interval,
                           "-W", wait, "-w", deadline, dst], check=False,
                     timeout=deadline + 10)
        for line in r.stdout.splitlines():
            if "received" in line:
                # With -w, ping sends until `count` replies come; requests
                # queued behind a slow ARP resolution are answered at once
                # (Debian 13's iputils counts them all): more is as good.
                return min(int(line.split(",")[1].split()[0]), count)
        return 0

    def fdb(self):
        out = nsrun(self.host, "bridge -j fdb show br br0").stdout
        return json.loads(out or "[]")

    def fdb_ports(self, mac):
        """Ports on which br0 has a learned (non-permanent) entry for mac."""
        mac = mac.lower()
        return sorted({e.get("ifname") for e in self.fdb()
                       if e.get("mac", "").lower() == mac
                       and e.get("state") != "permanent"
                       and "self" not in e.get("flags", [])})

    def neigh(self, who, ip, dev="eth0"):
        """Neighbour entry dict of `who` for ip ({} if none)."""
        out = self.run(who, ["ip", "-j", "neigh", "show", "to", ip, "dev", dev]).stdout
        ents = json.loads(out or "[]")
        return ents[0] if ents else {}

    def lladdr(self, who, ip):
        return (self.neigh(who, ip).get("lladdr") or "").lower()

    def addr_flags(self, who, ip, dev="eth0"):
        out = self.run(who, ["ip", "-j", "addr", "show", "dev", dev]).stdout
        for link in json.loads(out or "[]"):
            for a in link.get("addr_info", []):
                if a.get("local") == ip:
                    return {k for k, v in a.items() if v is True}
        return None

    def reset_l2(self):
        """Forget learned state between the unprotected and protected halves:
        neighbour caches of all nodes and the bridge's dynamic FDB, then let
        every node speak once so the bridge learns the truth again."""
        for n in self.nodes:
            self.run(n, "ip neigh flush all", check=False)
        nsrun(self.host, "bridge fdb flush dev br0 dynamic", check=False)

    # bridgeguard ------------------------------------------------------------
    def write_config(self, guests=None, trusted=None, unknown="drop", text=None):
        if text is None:
            if guests is None:
                guests = [n for n in self.nodes.values() if not n.trusted]
            if trusted is None:
                trusted = [n.port for n in self.nodes.values() if n.trusted]
            text = config_yaml(guests, trusted=trusted, unknown=unknown)
        self._ncfg += 1
        path = self.dir / f"bridgeguard-{self._ncfg}.yaml"
        path.write_text(text)
        path.chmod(0o644)
        return path

    def protect(self, **cfg):
        path = self.write_config(**cfg)
        bg(self, "-c", path, "apply", check=0)
        self.config = path
        return path

    def nft(self, *args, check=True, input=None):
        """nft in the host namespace; its stdout."""
        return nft(self.host, *args, check=check, input=input)

    def ruleset(self):
        return ruleset(self.host)

    def drops(self, reason, port):
        """Packets counted for port in bridgeguard's drop_<reason> set."""
        return drop_count(self.host, reason, port)


def hooked(ns, port):
    """Does bridgeguard's ingress base chain of port, in_<port>, hook it?"""
    r = nft(ns, "list", "chain", "netdev", "bridgeguard", f"in_{port}", check=False)
    return f'device "{port}"' in r or f'devices = {{ "{port}" }}' in r


def bound(ns, port, mac):
    """Is port hooked by its chain, which checks frames' source MAC is mac?"""
    r = nft(ns, "list", "chain", "netdev", "bridgeguard", f"in_{port}", check=False)
    return hooked(ns, port) and f"ether saddr != {mac.lower()} " in r


def drop_count(ns, reason, port):
    """Frames to a guest are dropped in the bridge table, the rest of the
    port-security drops in the netdev table."""
    family = "bridge" if reason in ("egress", "unknown-port", "unhooked") else "netdev"
    for name in (f"drop_{reason}", f"drop_{reason.replace('-', '_')}"):
        r = nsrun(ns, ["nft", "-j", "list", "set", family, "bridgeguard", name],
                  check=False)
        if r.returncode != 0:
            continue
        for obj in json.loads(r.stdout)["nftables"]:
            s = obj.get("set")
            if not s:
                continue
            for e in s.get("elem", []):
                if isinstance(e, dict) and "elem" in e:
                    e = e["elem"]
                    if e.get("val") == port:
                        return (e.get("counter") or {}).get("packets", 0)
        return 0
    raise AssertionError(f"no set drop_{reason} in table {family} bridgeguard")
