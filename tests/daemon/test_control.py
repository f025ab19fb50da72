"""The control socket under bad input, the metrics endpoint, status and
the events printer."""
import os
import subprocess
import struct
import time

import dlab
import labkit
from rawframes import frame

MAGIC = 0x62674331
GUEST_LEN = 16 + 16 + 6 + 1 + 1 + 4 + 4 + 64 * 4 + 64 * 16


def exchange(d, data, close_early=False):
    """Send raw bytes; the daemon's reply (type, text), or None if it
    just hung up."""
    r = dlab.ctl_raw(d.lab, d.socket, data, close=close_early)
    if r.get("closed"):
        return None
    assert r["magic"] == MAGIC
    return r["type"], r["text"]


def guest(port=b"vnic-x", bridge=b"br0", mac=b"\x52\x54\0\0\x01\x01",
          flags=2, n4=0, n6=0):
    """A struct ctl_guest; port None: 16 bytes with no NUL."""
    return bridge.ljust(16, b"\0")[:16] + \
        (port.ljust(16, b"\0")[:16] if port is not None else b"a" * 16) + \
        mac + bytes([flags, 0]) + struct.pack("=II", n4, n6) + \
        bytes(64 * 4 + 64 * 16)


def guest_addrs(ip4=(), ip6=()):
    """A guest request with these addresses (raw bytes) in its arrays."""
    g = bytearray(guest(n4=len(ip4), n6=len(ip6)))
    off = 16 + 16 + 6 + 2 + 8
    for i, a in enumerate(ip4):
        g[off + 4 * i:off + 4 * i + 4] = a
    off += 64 * 4
    for i, a in enumerate(ip6):
        g[off + 16 * i:off + 16 * i + 16] = a
    return bytes(g)


def test_bad_messages_rejected(nslab, bgd):
    d = bgd()
    hdr = lambda t, n, magic=MAGIC: struct.pack("=III", magic, t, n)
    ERROR = 0x101
    cases = [
        hdr(1, GUEST_LEN, magic=0xdeadbeef) + bytes(GUEST_LEN),   # magic
        hdr(77, 0),                                  # unknown type
        hdr(1, 5) + b"12345",                        # wrong length
        hdr(1, 0xffffffff),                          # absurd length
        hdr(0x100, 0),                               # a reply type
        hdr(3, 4) + b"abcd",                         # reload with payload
        hdr(1, GUEST_LEN) + (guest(port=None)),      # no NUL
        hdr(1, GUEST_LEN) + (guest(port=b"a/b")),    # bad name
        hdr(1, GUEST_LEN) + (guest(n4=1000)),        # count
        hdr(1, GUEST_LEN) + (guest(flags=0xff)),     # flags
        hdr(1, GUEST_LEN) + (guest(mac=b"\x01" * 6)),  # multicast
        hdr(1, GUEST_LEN) + (guest(mac=bytes(6))),    # 00:00:00:00:00:00
        hdr(1, GUEST_LEN) + guest_addrs(ip4=[bytes(4)]),            # 0.0.0.0
        hdr(1, GUEST_LEN) + guest_addrs(ip4=[bytes([224, 0, 0, 1])]),
        hdr(1, GUEST_LEN) + guest_addrs(ip6=[bytes(16)]),           # ::
        hdr(1, GUEST_LEN) + guest_addrs(ip6=[b"\xff\x02" + bytes(13) + b"\x01"]),
        hdr(1, GUEST_LEN) + (guest(port=b"a\0b")),   # a NUL inside
        hdr(1, GUEST_LEN) + (guest(port=b"lo")),      # loopback
        hdr(1, GUEST_LEN) + (guest(port=b"br0")),     # the bridge itself
        os.urandom(300),
    ]
    for c in cases:
        r = exchange(d, c)
        assert r is not None and r[0] == ERROR and r[1], (c[:16], r)
    # truncated and silent clients are dropped, not waited for
    assert exchange(d, hdr(1, GUEST_LEN) + b"xx", close_early=True) is None
    hold = d.lab.popen("host", [labkit.PY, dlab.CTLRAW, d.socket, "hold",
                                "16", "3"], stdout=subprocess.PIPE, text=True)
    assert hold.stdout.readline().strip() == "ready"
    r = exchange(d, hdr(3, 0))
    assert r is not None and "busy" in r[1], r   # refused, not queued
    nslab.stop(hold)
    # a well-formed request made by hand works
    r = exchange(d, hdr(1, GUEST_LEN) + (guest()))
    assert r[0] == 0x100, r
    assert "vnic-x" in nslab.nft("list", "set", "bridge", "bridgeguard",
                               "guest_ports")
    assert d.p.poll() is None
    d.ctl("status", check=0)


def test_root_only(nslab, bgd):
    d = bgd()
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    req = struct.pack("=III", MAGIC, 3, 0).hex()
    r = nslab.run("host", nobody + [labkit.PY, labkit.for_nobody(dlab.CTLRAW),
                                  d.socket, "send", req])
    assert "permission denied" in r.stdout, r.stdout
    r = nslab.run("host", nobody + [str(labkit.for_nobody(labkit.BIN)),
                                  "--socket", d.socket, "reload"], check=False)
    assert r.returncode == 1 and "permission denied" in r.stderr, r.stderr
    assert d.p.poll() is None


def test_no_daemon(nslab):
    r = labkit.bg(nslab, "--socket", f"@{nslab.prefix}none", "reload",
                  check=1)
    assert "is `bridgeguard run` running?" in r.stderr
    labkit.bg(nslab, "--socket", f"@{nslab.prefix}none", "guest", "add",
              "--port", "x", check=2)


def scrape(nslab, port):
    code = (f"import urllib.request;print(urllib.request.urlopen("
            f"'http://127.0.0.1:{port}/metrics', timeout=5).read().decode())")
    return nslab.run("host", [labkit.PY, "-c", code]).stdout


def test_metrics(nslab, bgd):
    port = 9477
    d = bgd(args=["--metrics", f"127.0.0.1:{port}"])
    eve, alice = nslab.nodes["eve"], nslab.nodes["alice"]
    m = d.mark()
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac,
                            sip="192.168.122.99", dip=alice.ip4), count=7)
    nslab.send("eve", frame("frag6", src=eve.mac, dst=alice.mac,
                            sip=eve.ip6, dip=alice.ip6), count=2)
    assert d.wait_event(m, "spoof_drop", timeout=labkit.scaled(1.5), reason="fragment")
    text = scrape(nslab, port)
    assert 'bridgeguard_drops_total{bridge="br0",port="vnic-eve",' \
           'reason="ipv4"} 7' in text, text
    assert 'bridgeguard_drops_total{bridge="br0",port="vnic-eve",' \
           'reason="fragment"} 2' in text, text
    assert 'bridgeguard_events_total{type="spoof_drop"} 2' in text
    assert 'bridgeguard_guests{bridge="br0"} 3' in text
    assert 'bridgeguard_ports{bridge="br0",role="trusted"} 1' in text
    assert "bridgeguard_up 1" in text
    for line in text.splitlines():
        assert not line or line.startswith("#") or len(line.split()) == 2, line
    code = (f"import socket;s=socket.create_connection(('127.0.0.1',{port}));"
            "s.sendall(b'GET /nope HTTP/1.0\\r\\n\\r\\n');print(s.recv(99))")
    assert "404" in nslab.run("host", [labkit.PY, "-c", code]).stdout


def test_metrics_mirror_counters(nslab, bgd):
    """Mirror copies are exposed per mirror, Ethernet headers included."""
    port = 9479
    nslab.run("host", "ip link add vnic-ids type veth peer name idsp")
    nslab.run("host", "ip link set vnic-ids up")
    nslab.run("host", "ip link set idsp up")
    n = nslab.nodes
    extra_mirror = ("    mirrors:\n      - name: ids\n        to: vnic-ids\n"
                    "        from: [vnic-alice]\n        direction: in\n")
    cfg = labkit.config_yaml([n["alice"], n["bob"], n["eve"]]) + extra_mirror
    d = bgd(cfg, args=["--metrics", f"127.0.0.1:{port}"])
    alice, bob = n["alice"], n["bob"]
    before = scrape(nslab, port)
    assert 'bridgeguard_mirror_frames_total{mirror="ids"}' in before, before
    got0 = int(before.split('bridgeguard_mirror_frames_total{mirror="ids"} ')[1]
               .split()[0])
    nslab.send("alice", frame("udp4", src=alice.mac, dst=bob.mac,
                              sip=alice.ip4, dip=bob.ip4), count=5)
    text = scrape(nslab, port)
    frames = int(text.split('bridgeguard_mirror_frames_total{mirror="ids"} ')[1]
                 .split()[0])
    nbytes = int(text.split('bridgeguard_mirror_bytes_total{mirror="ids"} ')[1]
                 .split()[0])
    assert frames - got0 >= 5, text
    assert nbytes >= 42 * frames, text
    assert d.p.poll() is None


def test_events_printer(nslab, bgd):
    d = bgd()
    nslab.run("host", "ip link set vnic-bob promisc on")
    assert d.wait_event(0, "promisc", timeout=labkit.scaled(1))
    r = labkit.bg(nslab, "events", d.events_path, check=0)
    assert "promisc" in r.stdout and "vnic-bob" in r.stdout
    assert "promiscuous mode on" in r.stdout
    # --follow sees what comes later, as tail -F does
    p = nslab.popen("host", [labkit.BIN, "events", "--follow", d.events_path],
                  stdout=open(nslab.dir / "follow.out", "w"))
    time.sleep(0.4)
    nslab.run("host", "ip link set vnic-bob promisc off")
    assert labkit.wait_until(lambda: "promiscuous mode off" in
                             (nslab.dir / "follow.out").read_text(), 2)
    nslab.stop(p)
    labkit.bg(nslab, "events", nslab.dir / "missing.jsonl", check=1)


SQUATTER = r"""
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\0" + sys.argv[1].lstrip("@"))
s.listen(8)
print("ready", flush=True)
s.settimeout(15)
got = 0
try:
    while True:
        c, _ = s.accept()
        c.settimeout(1)
        try:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                got += len(b)
        except OSError:
            pass
        c.close()
        print("got", got, flush=True)
except OSError:
    pass
"""


def test_squatted_socket(nslab):
    """A user takes the control socket's name while no daemon runs: root's
    CLI sends it nothing and says why; a daemon refuses to start and says
    who holds the name."""
    name = f"@{nslab.prefix}sq"
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    sq = nslab.popen("host", nobody + [labkit.PY, "-c", SQUATTER, name],
                     stdout=subprocess.PIPE, text=True)
    assert sq.stdout.readline().strip() == "ready"
    r = labkit.bg(nslab, "--socket", name, "reload", check=1)
    assert "uid 65534" in r.stderr and "not by root's daemon" in r.stderr, \
        r.stderr
    assert sq.stdout.readline().split() == ["got", "0"]   # nothing was sent
    r = labkit.bg(nslab, "--socket", name, "status", check=1)
    assert "not by root's daemon" in r.stderr, r.stderr
    d = dlab.Daemon(nslab, nslab.write_config())
    d.socket = name
    d.start(wait=False)
    assert d.p.wait(15) != 0, "the daemon started on a squatted name"
    assert "is taken by pid" in d.stderr(), d.stderr()
    assert "uid 65534" in d.stderr(), d.stderr()
    assert nslab.ruleset() == "", "the daemon touched the kernel"
    nslab.stop(sq)
