"""Port mirroring (issue 3): SPAN sessions to a monitor port and remote
(VXLAN) sessions to a collector, in the namespace lab.

The lab is labkit's (br0 with vnic-alice, vnic-bob, vnic-eve guests and the
trusted uplink0) plus:

- a monitor namespace `ids` whose veth port `vnic-ids` is on br0 (neither a
  guest nor trusted: the monitor port of the mirror under test);
- for remote sessions, a collector namespace `coll` reached from the host
  namespace over a veth: `eth1` 10.1.0.1/24 (host) -- `eth0` 10.1.0.2/24.

Every assertion is on what was really captured (tcpdump -Q in on the monitor,
collector and victims; frames matched by a unique payload) or on kernel
counters (`status --json` frames, `ip -s link` rx of the monitor) where an
exact count matters.  Test frames are chosen so that nobody answers them
(ICMP echo *replies*, UDP broadcast), so the monitor gets nothing but what
the test sent.

Intended behaviour documented here (README "Mirrors"): mirror chains run at
priority -600, before port security (-500), so a monitor also receives the
frames port security then drops (an IDS wants to see the attacks); those
frames still never reach their victims.
"""
import json
import re
import secrets
import threading
import time

import pytest
from scapy.all import (ARP, ICMP, IP, TCP, UDP, VXLAN, Dot1Q, Ether,
                       ICMPv6EchoReply, IPv6, Raw)

import labkit
from labkit import BCAST, Node, bg, nft, nsrun, ruleset

MON = "vnic-ids"
LLDP_MAC = "01:80:c2:00:00:0e"
COLL_PORT = 4800                 # not VXLAN's default: shows `port:` is used


def mark():
    return b"BGM-" + secrets.token_hex(8).encode()


# ---------------------------------------------------------------------------
# lab: labkit's lab + the monitor namespace (+ the collector)

@pytest.fixture(params=["nftables", "tc"])
def backend(request):
    """Each mirror test runs with both backends of copies at egress: this
    kernel has the netdev egress hook, BRIDGEGUARD_FAULT=no-egress makes
    bridgeguard believe it has not (and use tc)."""
    if request.param == "tc":
        labkit.ENV["BRIDGEGUARD_FAULT"] = "no-egress"
    yield request.param
    labkit.ENV.pop("BRIDGEGUARD_FAULT", None)


@pytest.fixture
def mlab(lab, backend):
    """labkit's lab plus `ids` (port vnic-ids on br0, not guest/trusted),
    with the bridge's FDB taught every guest's and the uplink's MAC."""
    lab.backend = backend
    lab.add_node(Node("ids", MON, "52:54:00:00:00:99", "192.168.122.99",
                      "fd00:122::99"))
    # teach br0 where everyone is (a gratuitous ARP nobody answers), so
    # that unicast is forwarded, not flooded
    for who in ("alice", "bob", "eve", "uplink"):
        n = lab.nodes[who]
        lab.send(who, Ether(src=n.mac, dst=BCAST) /
                 ARP(op=1, hwsrc=n.mac, psrc=n.ip4, hwdst="00:00:00:00:00:00",
                     pdst=n.ip4))
    return lab


@pytest.fixture
def collector(mlab):
    """Namespace `coll` (10.1.0.2) behind eth1 (10.1.0.1) of the host ns."""
    ns = mlab.mkns("coll")          # registered: removed with the lab
    nsrun(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
              "net.ipv6.conf.default.disable_ipv6=1")
    nsrun(mlab.host, f"ip link add eth1 type veth peer name eth0 netns {ns}")
    nsrun(mlab.host, ["ip", "-batch", "-"], input="addr add 10.1.0.1/24 dev eth1\n"
                                                  "link set eth1 up\n")
    nsrun(ns, ["ip", "-batch", "-"], input="link set lo up\n"
                                         "addr add 10.1.0.2/24 dev eth0\n"
                                         "link set eth0 up\n")
    # resolve the collector's MAC now: no copy waits in an ARP queue
    assert labkit.wait_until(lambda: mlab.ping("host", "10.1.0.2") == 1, 5), \
        "host namespace cannot reach the collector"
    return "coll"


def lab_guests(lab):
    return [lab.nodes[n] for n in ("alice", "bob", "eve")]


def mirror_yaml(name, to=None, frm=("vnic-alice", "vnic-bob"), direction="both",
                exclude=(), remote=None):
    out = [f"      - name: {name}"]
    if to:
        out.append(f"        to: {to}")
    out.append("        from: " + (frm if isinstance(frm, str) else f"[{', '.join(frm)}]"))
    out.append(f"        direction: {direction}")
    if exclude:
        out.append("        exclude:")
        out += [f"          - {e}" for e in exclude]
    if remote:
        out.append("        remote: { " + ", ".join(f"{k}: {v}" for k, v in remote.items())
                   + " }")
    return "\n".join(out) + "\n"


def remote_of(vni, port=COLL_PORT):
    return {"vxlan-id": vni, "remote-ip": "10.1.0.2", "local-ip": "10.1.0.1",
            "dev": "eth1", "port": port}


def apply_mirrors(lab, *mirrors):
    """Write the lab's config (guests alice, bob, eve; trusted uplink0) with
    these mirrors and apply it; returns the config path."""
    text = labkit.config_yaml(lab_guests(lab), trusted=["uplink0"])
    if mirrors:
        text += "    mirrors:\n" + "".join(mirrors)
    path = lab.write_config(text=text)
    bg(lab, "-c", path, "apply", check=0)
    return path


def mirror_status(lab, cfg):
    rc, out, err = bg(lab, "-c", cfg, "status", "--json")
    assert rc == 0, err
    doc = json.loads(out)
    return {m["name"]: m for b in doc["bridges"] for m in b.get("mirrors", [])}


def rx_packets(ns, dev="eth0"):
    out = nsrun(ns, ["ip", "-j", "-s", "link", "show", "dev", dev]).stdout
    return json.loads(out)[0]["stats64"]["rx"]["packets"]


def with_marker(pkts, m, src=None):
    return [p for p in pkts if m in bytes(p)
            and (src is None or (Ether in p and p[Ether].src == src))]


def copy_problems(cap, frames, marks):
    """What is wrong with the copies in capture cap of frames ({kind:
    frame}, each carrying marks[kind]): each must arrive once, byte for byte."""
    problems = []
    for k, f in frames.items():
        got = with_marker(cap.packets, marks[k])
        if len(got) != 1:
            problems.append(f"{k}: {len(got)} copies at the monitor, expected 1")
        elif bytes(got[0]) != bytes(f):
            problems.append(f"{k}: copy differs from the frame sent:\n"
                            f"  sent {bytes(f).hex()}\n  copy {bytes(got[0]).hex()}")
    return problems


def netdev_chains(ns):
    """Names of the chains of table netdev bridgeguard ([] if none)."""
    r = nsrun(ns, ["nft", "-j", "list", "chains", "netdev"], check=False)
    if r.returncode != 0 or not r.stdout.strip():
        return []
    return sorted(o["chain"]["name"] for o in json.loads(r.stdout)["nftables"]
                  if "chain" in o and o["chain"]["table"] == "bridgeguard")


def links(ns):
    return {l["ifname"]: l for l in
            json.loads(nsrun(ns, ["ip", "-d", "-j", "link", "show"]).stdout)}


def bgvx_links(ns):
    return sorted(n for n in links(ns) if n.startswith("bgvx"))


# frames: echo replies and UDP broadcasts, which nobody answers ----------------

def uni(src, dst, m, ip6=False):
    """A unicast frame src -> dst (Nodes) carrying marker m."""
    if ip6:
        return (Ether(src=src.mac, dst=dst.mac) / IPv6(src=src.ip6, dst=dst.ip6) /
                ICMPv6EchoReply(id=0x4d, seq=1) / Raw(m))
    return (Ether(src=src.mac, dst=dst.mac) / IP(src=src.ip4, dst=dst.ip4) /
            ICMP(type=0, id=0x4d, seq=1) / Raw(m))


def bcast(src, m, mac=None, ip4=None):
    return (Ether(src=mac or src.mac, dst=BCAST) /
            IP(src=ip4 or src.ip4, dst="255.255.255.255") /
            UDP(sport=4000, dport=9) / Raw(m))


def lldp(src, m):
    """A well-formed LLDPDU (chassis id = MAC, port id = m, TTL 120, end)."""
    def tlv(t, v):
        return bytes([(t << 1) | (len(v) >> 8), len(v) & 0xff]) + v
    mac = bytes(int(x, 16) for x in src.mac.split(":"))
    body = tlv(1, b"\x04" + mac) + tlv(2, b"\x07" + m) + tlv(3, b"\x00\x78") + tlv(0, b"")
    return Ether(src=src.mac, dst=LLDP_MAC, type=0x88cc) / Raw(body)


# ---------------------------------------------------------------------------
# 1. every protocol

def test_every_protocol_reaches_monitor(mlab):
    """IPv4, IPv6, ARP, 802.1Q-tagged, LLDP and an arbitrary ethertype sent
    by a monitored guest each reach the monitor once, byte for byte (the VLAN
    tag stays on the copy).  The last three are dropped by port security
    (reason `ethertype`): by design the monitor still sees them (mirror
    chains run before port security), while the victim never does."""
    A, B = mlab.alice, mlab.bob
    apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"], direction="in"))
    m = {k: mark() for k in ("ipv4", "ipv6", "arp", "vlan", "lldp", "ethertype")}
    frames = {
        "ipv4": uni(A, B, m["ipv4"]),
        "ipv6": uni(A, B, m["ipv6"], ip6=True),
        "arp": (Ether(src=A.mac, dst=BCAST) /
                ARP(op=1, hwsrc=A.mac, psrc=A.ip4, hwdst="00:00:00:00:00:00",
                    pdst="192.168.122.77") / Raw(m["arp"])),
        "vlan": (Ether(src=A.mac, dst=B.mac) / Dot1Q(vlan=42, prio=5) /
                 IP(src=A.ip4, dst=B.ip4) / ICMP(type=0) / Raw(m["vlan"])),
        "lldp": lldp(A, m["lldp"]),
        "ethertype": Ether(src=A.mac, dst=B.mac, type=0x88b5) / Raw(m["ethertype"]),
    }
    before = mlab.drops("ethertype", "vnic-alice")
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("bob", direction="in") as bob:
        mlab.send("alice", list(frames.values()))
    dropped = mlab.drops("ethertype", "vnic-alice") - before

    problems = copy_problems(ids, frames, m)
    assert not problems, "\n".join(problems)
    vlan_copy = with_marker(ids.packets, m["vlan"])[0]
    assert Dot1Q in vlan_copy and vlan_copy[Dot1Q].vlan == 42 and vlan_copy[Dot1Q].prio == 5
    copy_arp = with_marker(ids.packets, m["arp"])[0]
    assert ARP in copy_arp and copy_arp[ARP].pdst == "192.168.122.77"
    # the original path: IP/ARP delivered, the rest dropped by port security
    for k in ("ipv4", "ipv6", "arp"):
        assert len(with_marker(bob.packets, m[k])) == 1, f"bob did not receive the {k} frame"
    for k in ("vlan", "lldp", "ethertype"):
        assert not with_marker(bob.packets, m[k]), f"port security let the {k} frame reach bob"
    assert dropped == 3, f"port security counted {dropped} ethertype drops on vnic-alice, expected 3"


def test_every_protocol_sent_to_monitored_port(mlab):
    """direction out: IPv4, IPv6, ARP, 802.1Q-tagged and an arbitrary
    ethertype unicast from the trusted uplink to alice are delivered to her
    and each reach the monitor once, byte for byte, tag included."""
    A, U = mlab.alice, mlab.uplink
    apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"], direction="out"))
    m = {k: mark() for k in ("ipv4", "ipv6", "arp", "vlan", "ethertype")}
    frames = {
        "ipv4": uni(U, A, m["ipv4"]),
        "ipv6": uni(U, A, m["ipv6"], ip6=True),
        "arp": (Ether(src=U.mac, dst=A.mac) /
                ARP(op=2, hwsrc=U.mac, psrc=U.ip4, hwdst=A.mac, pdst=A.ip4) / Raw(m["arp"])),
        "vlan": (Ether(src=U.mac, dst=A.mac) / Dot1Q(vlan=43, prio=6) /
                 IP(src=U.ip4, dst=A.ip4) / ICMP(type=0) / Raw(m["vlan"])),
        "ethertype": Ether(src=U.mac, dst=A.mac, type=0x88b5) / Raw(m["ethertype"]),
    }
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("alice", direction="in") as cap_a:
        mlab.send("uplink", list(frames.values()))
    problems = [f"{k}: not delivered to alice" for k in frames
                if len(with_marker(cap_a.packets, m[k])) != 1]
    problems += copy_problems(ids, frames, m)
    assert not problems, "\n".join(problems)


def test_backend_detected_and_shown(mlab):
    """The backend is detected, not configured, and `status` shows it. With
    tc, the ruleset hooks no netdev egress at all (it would load on a kernel
    without the hook) and tc filters copy what leaves the monitored ports;
    with nftables there is no tc filter of ours."""
    cfg = apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"]))
    rc, out, err = bg(mlab, "-c", cfg, "status", "--json")
    assert rc == 0, err
    doc = json.loads(out)
    assert doc["mirror-backend"] == mlab.backend, doc
    assert mirror_status(mlab, cfg)["ids"]["backend"] == mlab.backend
    rc, text, err = bg(mlab, "-c", cfg, "status")
    assert f"active, {mlab.backend})" in text, text
    hooks_egress = "hook egress" in ruleset(mlab.host)
    filters = tc_filters(mlab.host)
    if mlab.backend == "tc":
        assert not hooks_egress, ruleset(mlab.host)
        assert [(d, t) for d, _, t in filters] == [("br0", MON), ("vnic-alice", MON)], filters
    else:
        assert hooks_egress and filters == [], filters


# ---------------------------------------------------------------------------
# 2. exactly once

def test_exactly_once(mlab):
    """alice and bob both monitored (direction both): unicast between them,
    broadcast from the trusted uplink and from the host flooded to both, and
    a broadcast from alice each reach the monitor exactly once (tcpdump by
    payload, and the mirror's kernel counter and the monitor's rx counter
    grow by exactly the number of frames sent)."""
    A, B, U = mlab.alice, mlab.bob, mlab.uplink
    cfg = apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice", "vnic-bob"]))
    N = 20
    a2b = [mark() for _ in range(N)]
    b2a = [mark() for _ in range(N)]
    m_up, m_host, m_alice, m_mc = mark(), mark(), mark(), mark()
    up_bcast = bcast(U, m_up)
    host_bcast = bcast(None, m_host, mac="02:00:00:00:00:01", ip4="192.168.122.254")
    alice_bcast = bcast(A, m_alice)
    up_mcast = (Ether(src=U.mac, dst="01:00:5e:01:02:03") /
                IP(src=U.ip4, dst="239.1.2.3", ttl=1) / UDP(dport=9) / Raw(m_mc))

    frames0 = mirror_status(mlab, cfg)["ids"]["frames"]
    rx0 = rx_packets(mlab.ns("ids"))
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("alice", direction="in") as cap_a, \
            mlab.capture("bob", direction="in") as cap_b:
        mlab.send("alice", [uni(A, B, x) for x in a2b[:N // 2]] +
                  [uni(A, B, x, ip6=True) for x in a2b[N // 2:]])
        mlab.send("bob", [uni(B, A, x) for x in b2a])
        mlab.send("uplink", [up_bcast, up_mcast])
        mlab.send("host", host_bcast, iface="br0")
        mlab.send("alice", alice_bcast)
    total = 2 * N + 4
    frames = mirror_status(mlab, cfg)["ids"]["frames"] - frames0
    rx = rx_packets(mlab.ns("ids")) - rx0

    bad = {}
    for name, marks in (("alice->bob", a2b), ("bob->alice", b2a)):
        counts = [len(with_marker(ids.packets, x)) for x in marks]
        if counts != [1] * N:
            bad[name] = counts
    for name, x in (("uplink broadcast", m_up), ("uplink multicast", m_mc),
                    ("host broadcast", m_host), ("alice broadcast", m_alice)):
        n = len(with_marker(ids.packets, x))
        if n != 1:
            bad[name] = n
    assert not bad, f"copies at the monitor not exactly once: {bad}"
    # the originals really crossed both monitored ports
    assert all(len(with_marker(cap_b.packets, x)) == 1 for x in a2b)
    assert all(len(with_marker(cap_a.packets, x)) == 1 for x in b2a)
    for x in (m_up, m_mc, m_host):
        assert len(with_marker(cap_a.packets, x)) == 1 and \
            len(with_marker(cap_b.packets, x)) == 1, "flood did not reach alice and bob"
    assert len(with_marker(cap_b.packets, m_alice)) == 1
    assert len(ids.packets) == total, \
        f"monitor captured {len(ids.packets)} frames, expected only the {total} copies"
    assert frames == total, f"status: mirror ids copied {frames} frames, expected {total}"
    assert rx == total, f"monitor eth0 rx grew by {rx}, expected {total}"


def test_status_counts_copied_frames_and_bytes(mlab):
    """`status --json` lists each mirror, active or not (its monitor port is
    absent), and frames/bytes of a mirror are what it copied: they
    grow exactly as the monitor's rx packets/bytes do, whether the copy was
    made at a port's ingress (in), egress (out) or where a broadcast entered
    the bridge."""
    A, B, U = mlab.alice, mlab.bob, mlab.uplink
    cfg = apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"]),
                        mirror_yaml("gone", to="vnic-gone", frm=["vnic-eve"]))
    sts = mirror_status(mlab, cfg)
    st = sts["ids"]
    assert (st["active"], st["kind"], st["to"]) == (True, "port", MON), st
    assert sts["gone"]["active"] is False, f"a mirror whose monitor port is absent: {sts['gone']}"
    ids_ns = mlab.ns("ids")

    def rx():
        s = json.loads(nsrun(ids_ns, ["ip", "-j", "-s", "link", "show", "dev", "eth0"])
                       .stdout)[0]["stats64"]["rx"]
        return s["packets"], s["bytes"]

    res = {}
    for name, who, f in (("in (alice -> bob)", "alice", uni(A, B, mark() * 3)),
                         ("out (uplink -> alice)", "uplink", uni(U, A, mark() * 4)),
                         ("broadcast (uplink)", "uplink", bcast(U, mark() * 5))):
        s0, r0 = mirror_status(mlab, cfg)["ids"], rx()
        mlab.send(who, [f] * 3)
        labkit.wait_until(lambda: rx()[0] >= r0[0] + 3, 2)
        s1, r1 = mirror_status(mlab, cfg)["ids"], rx()
        res[name] = {"sent": (3, 3 * len(bytes(f))),
                     "monitor rx": (r1[0] - r0[0], r1[1] - r0[1]),
                     "status": (s1["frames"] - s0["frames"], s1["bytes"] - s0["bytes"])}
    bad = {k: v for k, v in res.items() if not v["sent"] == v["monitor rx"] == v["status"]}
    assert not bad, f"(frames, bytes) sent / received by the monitor / in status: {bad}"


# ---------------------------------------------------------------------------
# 3. direction

@pytest.mark.parametrize("direction", ["in", "out", "both"])
def test_direction(mlab, direction):
    """A mirror of alice alone: `in` copies what alice sends (unicast and
    broadcast), `out` what is sent to her (unicast, and broadcast flooded to
    her from another port or from the host), `both` the two; traffic that
    does not involve alice is never copied.  Each copy exactly once."""
    A, B, E, U = mlab.alice, mlab.bob, mlab.eve, mlab.uplink
    apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"], direction=direction))
    m = {k: mark() for k in ("in-unicast", "in-broadcast", "out-unicast",
                             "out-uplink-broadcast", "out-host-broadcast",
                             "other-unicast", "other-dropped-broadcast")}
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("alice", direction="in") as cap_a:
        mlab.send("alice", [uni(A, B, m["in-unicast"]), bcast(A, m["in-broadcast"])])
        mlab.send("bob", [uni(B, A, m["out-unicast"]), uni(B, E, m["other-unicast"])])
        mlab.send("uplink", bcast(U, m["out-uplink-broadcast"]))
        mlab.send("host", bcast(None, m["out-host-broadcast"], mac="02:00:00:00:00:01",
                                ip4="192.168.122.254"), iface="br0")
        # a broadcast port security drops at eve's port: never sent to alice
        mlab.send("eve", bcast(E, m["other-dropped-broadcast"], ip4="192.168.122.201"))
    want = {k: int(k.startswith(direction) or (direction == "both" and
                                               not k.startswith("other")))
            for k in m}
    got = {k: len(with_marker(ids.packets, x)) for k, x in m.items()}
    # what alice was really sent (her own frames are not sent back to her)
    sent_to_alice = {k: len(with_marker(cap_a.packets, x)) for k, x in m.items()}
    assert sent_to_alice == {k: int(k.startswith("out")) for k in m}, sent_to_alice
    assert got == want, f"direction {direction}: copies per frame {got}, expected {want}"


# ---------------------------------------------------------------------------
# 4. exclude

def test_exclude(mlab):
    """exclude {proto: tcp, port: 7788} (either port, either direction, IPv4
    and IPv6) and {net: 10.10.0.0/16} (source or destination) are not copied;
    everything else is, and excluded frames are still delivered."""
    A, B, U = mlab.alice, mlab.bob, mlab.uplink
    apply_mirrors(mlab, mirror_yaml(
        "ids", to=MON, frm=["vnic-alice", "vnic-bob"],
        exclude=["{ proto: tcp, port: 7788 }", "{ net: 10.10.0.0/16 }"]))

    def tcp(src, dst, sport, dport, m, ip6=False):
        l3 = IPv6(src=src.ip6, dst=dst.ip6) if ip6 else IP(src=src.ip4, dst=dst.ip4)
        return Ether(src=src.mac, dst=dst.mac) / l3 / TCP(sport=sport, dport=dport,
                                                          flags="A") / Raw(m)

    def to_net(src, dst_mac, dst_ip, m):
        return (Ether(src=src.mac, dst=dst_mac) / IP(src=src.ip4, dst=dst_ip) /
                ICMP(type=0) / Raw(m))

    excluded = {
        "tcp dport 7788": ("alice", lambda x: tcp(A, B, 40000, 7788, x)),
        "tcp sport 7788": ("alice", lambda x: tcp(A, B, 7788, 40000, x)),
        "tcp 7788 bob->alice": ("bob", lambda x: tcp(B, A, 7788, 40001, x)),
        "tcp6 dport 7788": ("alice", lambda x: tcp(A, B, 40002, 7788, x, ip6=True)),
        "ip daddr 10.10.3.4": ("alice", lambda x: to_net(A, U.mac, "10.10.3.4", x)),
        "ip saddr 10.10.9.9 (to alice)": ("uplink", lambda x: (
            Ether(src=U.mac, dst=A.mac) / IP(src="10.10.9.9", dst=A.ip4) /
            ICMP(type=0) / Raw(x))),
    }
    copied = {
        "tcp dport 7789": ("alice", lambda x: tcp(A, B, 40000, 7789, x)),
        "udp dport 7788": ("alice", lambda x: (
            Ether(src=A.mac, dst=B.mac) / IP(src=A.ip4, dst=B.ip4) /
            UDP(sport=40000, dport=7788) / Raw(x))),
        "tcp6 dport 7789": ("alice", lambda x: tcp(A, B, 40002, 7789, x, ip6=True)),
        "ip daddr 10.11.0.1": ("alice", lambda x: to_net(A, U.mac, "10.11.0.1", x)),
        "ip saddr 10.9.255.1 (to alice)": ("uplink", lambda x: (
            Ether(src=U.mac, dst=A.mac) / IP(src="10.9.255.1", dst=A.ip4) /
            ICMP(type=0) / Raw(x))),
    }
    marks = {k: mark() for k in list(excluded) + list(copied)}
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("alice", direction="in") as cap_a, \
            mlab.capture("bob", direction="in") as cap_b, \
            mlab.capture("uplink", direction="in") as cap_u:
        for k, (who, make) in list(excluded.items()) + list(copied.items()):
            mlab.send(who, make(marks[k]))
    # (by source MAC too: bob's ICMP errors quote the frames they answer)
    src = {k: mlab.nodes[who].mac for k, (who, _) in list(excluded.items()) + list(copied.items())}
    got = {k: len(with_marker(ids.packets, marks[k], src[k])) for k in marks}
    want = {**{k: 0 for k in excluded}, **{k: 1 for k in copied}}
    assert got == want, f"copies per frame {got}, expected {want}"
    delivered = {k: len(with_marker(cap_a.packets + cap_b.packets + cap_u.packets, marks[k],
                                    src[k]))
                 for k in marks}
    assert delivered == {k: 1 for k in marks}, f"originals delivered: {delivered}"


# ---------------------------------------------------------------------------
# 5. the monitor port is receive-only

def test_monitor_is_receive_only(mlab):
    """Nothing ids sends enters the bridge (alice, bob, eve, the uplink see
    none of it, br0 learns nothing from it, it is not mirrored back), and
    ids receives no normal flooded or forwarded traffic: only copies."""
    A, B, I, U = mlab.alice, mlab.bob, mlab.ids, mlab.uplink
    apply_mirrors(mlab, mirror_yaml("ids", to=MON, frm=["vnic-alice"], direction="in"))
    nsrun(mlab.host, "bridge fdb flush dev br0 dynamic")
    m_u, m_b, m_mc, m_spoof = mark(), mark(), mark(), mark()
    from_ids = [
        Ether(src=I.mac, dst=A.mac) / IP(src=I.ip4, dst=A.ip4) / ICMP() / Raw(m_u),
        bcast(I, m_b),
        Ether(src=I.mac, dst="33:33:00:00:00:01") / IPv6(src=I.ll6, dst="ff02::1") /
        ICMPv6EchoReply() / Raw(m_mc),
        # even spoofing a monitored guest gets nowhere (and is not mirrored)
        Ether(src=A.mac, dst=B.mac) / IP(src=A.ip4, dst=B.ip4) / ICMP(type=0) / Raw(m_spoof),
    ]
    marks = (m_u, m_b, m_mc, m_spoof)
    caps = {}
    with mlab.capture("alice", direction="in") as caps["alice"], \
            mlab.capture("bob", direction="in") as caps["bob"], \
            mlab.capture("eve", direction="in") as caps["eve"], \
            mlab.capture("uplink", direction="in") as caps["uplink"], \
            mlab.capture("ids", direction="in") as caps["ids"]:
        mlab.send("ids", from_ids)
        pings = mlab.ping("ids", A.ip4, count=2, interval=0.2, wait=0.5)
    assert pings == 0, "ids reached alice"
    leaked = {who: [p.summary() for p in c.packets
                    if (Ether in p and p[Ether].src == I.mac)
                    or any(x in bytes(p) for x in marks)]
              for who, c in caps.items()}
    assert not any(leaked.values()), f"frames sent by the monitor were seen: {leaked}"
    assert mlab.fdb_ports(I.mac) == [], "br0 learned the monitor's MAC"

    # no normal traffic reaches ids: broadcast and multicast from unmonitored
    # ports, unicast to ids's MAC, unknown unicast flooded, host broadcast
    m = [mark() for _ in range(6)]
    normal = [("bob", bcast(B, m[0])),
              ("uplink", Ether(src=U.mac, dst="01:00:5e:01:02:03") /
               IP(src=U.ip4, dst="239.1.2.3", ttl=1) / UDP(dport=9) / Raw(m[1])),
              ("uplink", Ether(src=U.mac, dst=I.mac) / IP(src=U.ip4, dst=I.ip4) /
               ICMP(type=0) / Raw(m[2])),
              ("bob", Ether(src=B.mac, dst="52:54:00:aa:bb:cc") /
               IP(src=B.ip4, dst="192.168.122.200") / ICMP(type=0) / Raw(m[3])),
              ("bob", uni(B, mlab.eve, m[4]))]
    rx0 = rx_packets(mlab.ns("ids"))
    with mlab.capture("ids", direction="in") as ids, \
            mlab.capture("uplink", direction="in") as upl:
        for who, f in normal:
            mlab.send(who, f)
        mlab.send("host", bcast(None, m[5], mac="02:00:00:00:00:01",
                                ip4="192.168.122.254"), iface="br0")
    rx = rx_packets(mlab.ns("ids")) - rx0
    assert with_marker(upl.packets, m[0]) and with_marker(upl.packets, m[3]), \
        "the flood did not happen (test frames not sent?)"
    assert not ids.packets, f"monitor received normal traffic: {[p.summary() for p in ids.packets]}"
    assert rx == 0, f"monitor eth0 rx grew by {rx}"


# ---------------------------------------------------------------------------
# 6. remote (VXLAN)

def decap(pkts, port):
    """(outer, VXLAN) pairs of the UDP/port datagrams in pkts."""
    out = []
    for p in pkts:
        if IP in p and UDP in p and p[UDP].dport == port:
            out.append((p, VXLAN(bytes(p[UDP].payload))))
    return out


def test_remote_vxlan(mlab, collector):
    """A remote mirror of every port (from: all) next to a local one: the
    collector receives each copied frame once, VXLAN-encapsulated (outer
    10.1.0.1 -> 10.1.0.2, UDP dport as configured, VNI 4242), and the inner
    frame is byte for byte the frame sent; the local monitor independently
    gets its copy once; the monitor's own frames are not mirrored."""
    A, B, U, I = mlab.alice, mlab.bob, mlab.uplink, mlab.ids
    vni = 4242
    cfg = apply_mirrors(mlab,
                        mirror_yaml("ids", to=MON, frm=["vnic-alice"], direction="in"),
                        mirror_yaml("coll", frm="all", remote=remote_of(vni)))
    dev = links(mlab.host).get(f"bgvx{vni}")
    assert dev, f"no bgvx{vni} device: {sorted(links(mlab.host))}"
    info = dev["linkinfo"]["info_data"]
    assert (dev["linkinfo"]["info_kind"], info["id"], info["remote"], info["port"]) == \
        ("vxlan", vni, "10.1.0.2", COLL_PORT), f"bgvx{vni}: {info}"

    N = 10
    a2b = [mark() for _ in range(N)]
    sent = {x: uni(A, B, x) for x in a2b}
    m_vlan, m_up, m_ids = mark(), mark(), mark()
    sent[m_vlan] = (Ether(src=A.mac, dst=B.mac) / Dot1Q(vlan=7) / IP(src=A.ip4, dst=B.ip4) /
                    ICMP(type=0) / Raw(m_vlan))
    sent[m_up] = bcast(U, m_up)
    with mlab.capture("coll", direction="in", bpf=f"udp dst port {COLL_PORT}") as coll, \
            mlab.capture("ids", direction="in") as ids:
        mlab.send("alice", [sent[x] for x in a2b + [m_vlan]])
        mlab.send("uplink", sent[m_up])
        mlab.send("ids", bcast(I, m_ids))
    enc = decap(coll.packets, COLL_PORT)
    assert enc, f"collector got no VXLAN datagrams ({len(coll.packets)} packets)"
    bad = []
    for x, f in sent.items():
        got = [(o, v) for o, v in enc if x in bytes(v)]
        if len(got) != 1:
            bad.append(f"{x!r}: {len(got)} encapsulated copies")
            continue
        o, v = got[0]
        if (o[IP].src, o[IP].dst, o[UDP].dport) != ("10.1.0.1", "10.1.0.2", COLL_PORT):
            bad.append(f"outer header {o[IP].src}->{o[IP].dst}:{o[UDP].dport}")
        if v.vni != vni or not v.flags & 0x08:
            bad.append(f"VXLAN header vni={v.vni} flags={v.flags}")
        if bytes(v.payload) != bytes(f):
            bad.append(f"inner frame differs:\n  sent  {bytes(f).hex()}\n"
                       f"  inner {bytes(v.payload).hex()}")
    assert not bad, "\n".join(bad)
    inner_vlan = [v for _, v in enc if m_vlan in bytes(v)][0]
    assert Dot1Q in inner_vlan.payload and inner_vlan.payload[Dot1Q].vlan == 7
    assert not [v for _, v in enc if m_ids in bytes(v)], "the monitor's own frame was mirrored"
    assert not with_marker(ids.packets, m_ids), "the monitor's own frame came back to it"
    assert [len(with_marker(ids.packets, x)) for x in a2b + [m_vlan]] == [1] * (N + 1), \
        "the local mirror's copies are not exactly once next to a remote one"
    st = mirror_status(mlab, cfg)
    assert st["coll"]["active"] and st["coll"]["kind"] == "vxlan" and \
        st["coll"]["to"] == f"bgvx{vni}", st["coll"]
    assert st["coll"]["frames"] >= len(sent) and st["coll"]["bytes"] > 0, st["coll"]


# ---------------------------------------------------------------------------
# 7. removing / adding mirrors

TC_PRIO = range(0xb600, 0xb600 + 8)     # bridgeguard's tc filter priorities


def tc_filters(ns):
    """bridgeguard's tc egress filters in ns: sorted (device, prio, target)."""
    out = []
    for dev in links(ns):
        r = nsrun(ns, ["tc", "filter", "show", "dev", dev, "egress"], check=False)
        prio = None
        for line in r.stdout.splitlines():
            m = re.match(r"filter protocol \S+ pref (\d+) bpf .*handle", line)
            if m:
                prio = int(m.group(1))
            m = re.search(r"mirred \(Egress Mirror to device (\S+)\)", line)
            if m and prio in TC_PRIO:
                out.append((dev, prio, m.group(1)))
    return sorted(out)


def mirror_state(ns, name, vni=None):
    """Everything of mirror `name` in the kernel: its chains, rules naming
    its device, its VXLAN device, tc filters copying to its device."""
    chains = [c for c in netdev_chains(ns) if re.search(rf"(^|_){re.escape(name)}(_|$)", c)]
    rs = ruleset(ns)
    dev = f"bgvx{vni}" if vni else None
    rules = [re.sub(r" counter packets \d+ bytes \d+", " counter", l.strip())
             for l in rs.splitlines() if dev and f'"{dev}"' in l]
    return {"chains": chains, "rules": rules,
            "device": [d for d in bgvx_links(ns) if d == dev],
            "tc": [f for f in tc_filters(ns) if f[2] == (dev or MON)]}


def steady_traffic(lab, who, frame, n, interval):
    """Send frame n times from `who` in a thread; .result = rounds sent."""
    t = threading.Thread(target=lambda: setattr(t, "result", lab.send(who, frame, count=n,
                                                                       interval=interval)),
                         daemon=True)
    t.result = None
    t.start()
    return t


VNI7 = 4243
N7, INTERVAL7 = 120, 0.01       # steady traffic: 1.2 s, spanning two re-applies


def two_mirrors():
    """ids (local) and coll (remote), both of alice and bob."""
    return (mirror_yaml("ids", to=MON, frm=["vnic-alice", "vnic-bob"]),
            mirror_yaml("coll", frm=["vnic-alice", "vnic-bob"], remote=remote_of(VNI7)))


def test_remove_mirror_removes_its_state_others_unaffected(mlab, collector):
    """Re-applying without the remote mirror removes all its chains, its
    rules and its bgvx device; re-adding it restores exactly the same state;
    meanwhile the local mirror copies every frame of steady alice -> bob
    traffic exactly once and the traffic itself is undisturbed."""
    A, B, h = mlab.alice, mlab.bob, mlab.host
    ids, coll = two_mirrors()
    apply_mirrors(mlab, ids, coll)
    full_ids, full_coll = mirror_state(h, "ids"), mirror_state(h, "coll", VNI7)
    assert "mirror_ids_rx" in full_ids["chains"] and "monitor_ids_in" in full_ids["chains"], \
        full_ids
    assert "mirror_coll_rx" in full_coll["chains"] and full_coll["device"] == [f"bgvx{VNI7}"] \
        and full_coll["rules"], full_coll
    # tc copies frames leaving alice, bob and (broadcasts the host sends) br0
    want_tc = {"vnic-alice", "vnic-bob", "br0"} if mlab.backend == "tc" else set()
    assert {f[0] for f in full_ids["tc"]} == want_tc, full_ids
    assert {f[0] for f in full_coll["tc"]} == want_tc, full_coll

    x = mark()
    with mlab.capture("ids", direction="in") as cap_ids, \
            mlab.capture("bob", direction="in") as cap_b:
        t = steady_traffic(mlab, "alice", uni(A, B, x), N7, INTERVAL7)
        time.sleep(0.2)
        apply_mirrors(mlab, ids)
        gone = mirror_state(h, "coll", VNI7)
        kept = mirror_state(h, "ids")
        time.sleep(0.2)
        apply_mirrors(mlab, ids, coll)
        back = mirror_state(h, "coll", VNI7)
        t.join(30)
    assert t.result == N7, f"sender sent {t.result} frames"
    assert gone == {"chains": [], "rules": [], "device": [], "tc": []}, \
        f"re-applied without coll, its state remains: {gone}"
    assert kept == full_ids, f"ids changed when coll was removed: {kept} vs {full_ids}"
    assert back == full_coll, f"coll not restored: {back} vs {full_coll}"
    assert len(with_marker(cap_b.packets, x)) == N7, "alice -> bob traffic disturbed"
    got = len(with_marker(cap_ids.packets, x))
    assert got == N7, f"ids got {got} copies of {N7} frames while coll was removed and re-added"


def test_remote_mirror_undisturbed_when_another_changes(mlab, collector):
    """Removing and re-adding the local mirror does not disturb the remote
    one: the collector gets every frame of steady alice -> bob traffic
    exactly once throughout; the removed mirror's chains are gone meanwhile."""
    A, B, h = mlab.alice, mlab.bob, mlab.host
    ids, coll = two_mirrors()
    apply_mirrors(mlab, ids, coll)
    full_ids = mirror_state(h, "ids")
    y = mark()
    with mlab.capture("coll", direction="in", bpf=f"udp dst port {COLL_PORT}") as cap_c, \
            mlab.capture("bob", direction="in") as cap_b:
        ifindex = [links(h)[f"bgvx{VNI7}"]["ifindex"]]
        t = steady_traffic(mlab, "alice", uni(A, B, y), N7, INTERVAL7)
        time.sleep(0.2)
        apply_mirrors(mlab, coll)
        gone = mirror_state(h, "ids")
        ifindex.append(links(h)[f"bgvx{VNI7}"]["ifindex"])
        time.sleep(0.2)
        apply_mirrors(mlab, ids, coll)
        back = mirror_state(h, "ids")
        ifindex.append(links(h)[f"bgvx{VNI7}"]["ifindex"])
        t.join(30)
    assert t.result == N7, f"sender sent {t.result} frames"
    assert gone["chains"] == [] and gone["tc"] == [], \
        f"re-applied without ids, its chains remain: {gone}"
    assert back == full_ids, f"ids not restored: {back} vs {full_ids}"
    assert len(with_marker(cap_b.packets, y)) == N7, "alice -> bob traffic disturbed"
    got = len([1 for _, v in decap(cap_c.packets, COLL_PORT) if y in bytes(v)])
    assert got == N7, (f"collector got {got} copies of {N7} frames while ids was removed "
                       f"and re-added (ifindex of bgvx{VNI7} over the two re-applies: "
                       f"{ifindex})")


def test_flush_removes_all_mirror_state(mlab, collector):
    """flush removes every mirror's chains (with bridgeguard's tables) and
    every bgvx device; nothing is copied any more and the guests still talk."""
    A, B, h = mlab.alice, mlab.bob, mlab.host
    cfg = apply_mirrors(mlab, *two_mirrors(),
                        mirror_yaml("coll2", frm=["vnic-eve"], remote=remote_of(VNI7 + 1)))
    assert bgvx_links(h) == [f"bgvx{VNI7}", f"bgvx{VNI7 + 1}"]
    bg(mlab, "flush", check=0)
    assert netdev_chains(h) == [] and "bridgeguard" not in nft(h, "list", "tables"), ruleset(h)
    assert bgvx_links(h) == [], f"flush left VXLAN devices: {bgvx_links(h)}"
    assert tc_filters(h) == [], f"flush left tc filters: {tc_filters(h)}"
    st = mirror_status(mlab, cfg)
    assert not any(m["active"] for m in st.values()), f"status after flush: {st}"
    z = mark()
    # the collector sees only VXLAN copies: its underlay's own ARP is no copy
    with mlab.capture("ids", direction="in") as cap_ids, \
            mlab.capture("coll", direction="in", bpf=f"udp dst port {COLL_PORT}") as cap_c, \
            mlab.capture("bob", direction="in") as cap_b:
        mlab.send("alice", uni(A, B, z))
    assert with_marker(cap_b.packets, z), "alice -> bob broken after flush"
    assert not with_marker(cap_ids.packets, z) and not cap_c.packets, "still mirrored after flush"


def test_failed_apply_keeps_remote_mirror(mlab, collector):
    """A rejected apply (exit 1, "the previous ruleset stays in force") leaves
    the previous mirrors working: the remote session still delivers copies."""
    A, B, h = mlab.alice, mlab.bob, mlab.host
    cfg = apply_mirrors(mlab, mirror_yaml("coll", frm=["vnic-alice"], remote=remote_of(VNI7)))
    before_rs, before_dev = ruleset(h), links(h)[f"bgvx{VNI7}"]["ifindex"]
    rc, out, err = bg(mlab, "-c", cfg, "apply", env={"BRIDGEGUARD_FAULT": "reject"})
    assert rc == 1, f"faulty apply: exit {rc} ({err!r})"
    after = links(h).get(f"bgvx{VNI7}", {}).get("ifindex")
    dups = [l.strip() for l in ruleset(h).splitlines() if "dup to" in l]
    assert ruleset(h) == before_rs and after == before_dev, (
        f"a rejected apply changed the kernel: bgvx{VNI7} ifindex {before_dev} -> {after}, "
        f"installed rule now {dups}")
    x = mark()
    with mlab.capture("coll", direction="in", bpf=f"udp dst port {COLL_PORT}") as cap_c:
        mlab.send("alice", uni(A, B, x))
    got = len([1 for _, v in decap(cap_c.packets, COLL_PORT) if x in bytes(v)])
    assert got == 1, (f"after a rejected apply the remote mirror delivered {got} copies "
                      f"(bgvx{VNI7} ifindex {before_dev} -> "
                      f"{links(h).get(f'bgvx{VNI7}', {}).get('ifindex')})")


# ---------------------------------------------------------------------------
# 8. --dry-run == apply

def _mirror_lab_devices(ns, vxlan=None):
    nsrun(ns, "sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
              "net.ipv6.conf.default.disable_ipv6=1")
    cmds = ["link add br0 type bridge"]
    for i, p in enumerate(("vnic-alice", "vnic-bob", "vnic-eve", "uplink0",
                           "vnic-ids", "vnic-ids2")):
        cmds += [f"link add {p} type veth peer name peer{i}", f"link set {p} master br0"]
    cmds += ["link add eth1 type veth peer name eth1p", "addr add 10.1.0.1/24 dev eth1",
             "link set eth1p up", "link set eth1 up"]
    if vxlan:
        cmds.append(f"link add bgvx{vxlan} type vxlan id {vxlan} remote 10.1.0.2 "
                    f"local 10.1.0.1 dev eth1 dstport {COLL_PORT} nolearning")
    nsrun(ns, ["ip", "-batch", "-"], input="\n".join(cmds) + "\n")


DRY_MIRRORS = (
    mirror_yaml("ids", to="vnic-ids", frm=["vnic-alice", "vnic-bob"],
                exclude=["{ proto: tcp, port: 7788 }", "{ proto: udp }",
                         "{ net: 10.10.0.0/16 }", "{ net: 10.20.30.0/23 }",
                         '{ net: "fd00:99::/36" }']) +
    mirror_yaml("out2", to="vnic-ids2", frm=["vnic-eve"], direction="out") +
    mirror_yaml("coll", frm="all", direction="in", remote=remote_of(4244)) +
    mirror_yaml("absent", to="vnic-gone", frm=["vnic-alice"]))


def test_dry_run_equals_apply(built, netns, workdir, backend):
    """`apply --dry-run` of a config with local, remote, excluding, out-only
    and inactive mirrors, loaded with `nft -f` in a namespace holding the
    same devices (incl. bgvx4244), lists the same ruleset as a real apply in
    another namespace (with tc, the dry run lists the tc filters as
    comments)."""
    text = labkit.config_yaml([n for n in labkit.default_nodes().values() if not n.trusted],
                              trusted=["uplink0"]) + "    mirrors:\n" + DRY_MIRRORS
    cfg = workdir / "mirrors.yaml"
    cfg.write_text(text)
    cfg.chmod(0o644)
    a, b = netns("mdry"), netns("mapply")
    _mirror_lab_devices(a, vxlan=4244)
    _mirror_lab_devices(b)
    links_a = sorted(links(a))
    rc, out, err = bg(a, "-c", cfg, "apply", "--dry-run")
    assert rc == 0, err
    assert ruleset(a) == "" and sorted(links(a)) == links_a, "--dry-run touched the kernel"
    assert 'dup to "bgvx4244"' in out and 'dup to "vnic-ids2"' in out, out
    assert "absent" not in out, "an inactive mirror (no monitor port) is in the ruleset"
    nftfile = workdir / "dry.nft"
    nftfile.write_text(out)
    r = nsrun(a, ["nft", "-f", nftfile], check=False)
    assert r.returncode == 0, f"nft -f rejected the dry-run output: {r.stderr}"
    bg(b, "-c", cfg, "apply", check=0)
    assert bgvx_links(b) == ["bgvx4244"]
    text_form, netlink_form = ruleset(a), ruleset(b)
    if text_form != netlink_form:
        import difflib
        diff = "\n".join(difflib.unified_diff(text_form.splitlines(), netlink_form.splitlines(),
                                              "nft -f <dry-run>", "apply", lineterm="", n=1))
        pytest.fail(f"dry-run text and netlink apply differ:\n{diff[:4000]}")
    want = ["mirror_ids_rx", "mirror_group_out2_0", "mirror_in_coll_0", "monitor_ids_in",
            "monitor_out2_in"]
    if backend == "nftables":
        want += ["mirror_ids", "mirror_out_out2_0", "mirror_host_out2_0"]
    else:
        assert "# tc filter dev vnic-alice egress" in out, out
    for c in want:
        assert f"chain {c} " in netlink_form, f"chain {c} missing"


# ---------------------------------------------------------------------------
# 9. bad mirror configs

GOOD_M = """\
bridges:
  - name: br0
    trusted-ports: [uplink0]
    guests:
      - port: vnic-alice
        mac: 52:54:00:00:00:11
        ipv4: [192.168.122.11]
      - port: vnic-bob
        mac: 52:54:00:00:00:22
        ipv4: [192.168.122.22]
    mirrors:
      - name: ids
        to: vnic-ids
        from: [vnic-alice, vnic-bob]
        direction: both
      - name: collector
        from: all
        remote:
          vxlan-id: 4242
          remote-ip: 10.1.0.2
          local-ip: 10.1.0.1
          dev: eth1
          port: 4789
"""


def _edit_m(edits):
    lines = GOOD_M.splitlines()
    for lineno, new in sorted(edits.items(), reverse=True):
        lines[lineno - 1:lineno] = new.split("\n") if new is not None else []
    return "\n".join(lines) + "\n"


# (id, edits {line: new text}, acceptable lines in the message)
BAD_M = [
    ("to-in-from", {14: "        from: [vnic-alice, vnic-ids]"}, {12, 13, 14}),
    ("mirror-to-itself", {13: "        to: vnic-alice", 14: "        from: [vnic-alice]"},
     {12, 13, 14}),
    ("two-mirrors-same-port", {16: "      - name: ids2\n        to: vnic-ids\n"
                                   "        from: [uplink0]",
                               17: None, 18: None, 19: None, 20: None, 21: None, 22: None,
                               23: None}, {16, 17}),
    ("to-is-trusted", {13: "        to: uplink0"}, {12, 13}),
    ("vni-zero", {19: "          vxlan-id: 0"}, {19}),
    ("vni-too-big", {19: "          vxlan-id: 16777216"}, {19}),
    ("vni-not-a-number", {19: "          vxlan-id: 42x"}, {19}),
    ("bad-remote-ip", {20: "          remote-ip: 10.1.0.300"}, {20}),
]


@pytest.mark.parametrize("edits,lines", [b[1:] for b in BAD_M], ids=[b[0] for b in BAD_M])
def test_bad_mirror_config(built, netns, workdir, edits, lines):
    """Exit 2 with file:line, for apply, --dry-run and check; the kernel
    (ruleset, interfaces, the existing bgvx device) is unchanged."""
    ns = netns("mbad")
    _mirror_lab_devices(ns)
    good = workdir / "good.yaml"
    good.write_text(GOOD_M)
    good.chmod(0o644)
    bg(ns, "-c", good, "apply", check=0)
    before_rs, before_links = ruleset(ns), links(ns)
    assert "bgvx4242" in before_links and 'dup to "vnic-ids"' in before_rs
    bad = workdir / "bad.yaml"
    bad.write_text(_edit_m(edits))
    bad.chmod(0o644)
    for args in (["apply"], ["apply", "--dry-run"], ["check"]):
        rc, out, err = bg(ns, "-c", bad, *args)
        assert rc == 2, f"{' '.join(args)}: exit {rc}, expected 2; stderr: {err!r}"
        where = {int(m) for m in re.findall(re.escape(str(bad)) + r":(\d+)", err)}
        assert where & lines, f"{' '.join(args)}: message should name {bad}:{sorted(lines)}; " \
                              f"got {err!r}"
        assert len([l for l in err.splitlines() if l.strip()]) <= 2, f"not one message: {err!r}"
    assert ruleset(ns) == before_rs, "a rejected config changed the ruleset"
    after_links = links(ns)
    assert sorted(after_links) == sorted(before_links), "a rejected config changed interfaces"
    assert after_links["bgvx4242"]["ifindex"] == before_links["bgvx4242"]["ifindex"], \
        "a rejected config re-created the VXLAN device"
