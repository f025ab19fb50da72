"""`bridgeguard audit`: each check is triggered by building its unsafe
state in a namespace lab, asserted in the JSON, then the state is fixed and
the finding must be gone.  A clean, protected lab has no finding at all.
The audit runs inside the lab's host namespace: it sees only that one."""
import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from scapy.all import ARP, Ether

import labkit
from labkit import BCAST, bg, nsrun

NODE_XML = Path(__file__).resolve().parent.parent / "libvirt" / "node.xml"
TEST_URI = f"test://{NODE_XML}"


def audit(lab, *args, config=None):
    """Runs the audit in the lab's host namespace: (exit status, findings).
    config=False: with no -c (the default config, which must not exist)."""
    cfg = [] if config is False else ["-c", config or lab.config]
    r = bg(lab, *cfg, "audit", "--json", *args)
    assert r.returncode in (0, 1), f"audit failed: {r.stderr}"
    findings = json.loads(r.stdout)
    for f in findings:
        assert {"check", "severity", "bridge", "port", "message", "fix"} <= f.keys()
        assert f["severity"] in ("low", "medium", "high")
    high = any(f["severity"] == "high" for f in findings)
    assert r.returncode == (1 if high else 0), (r.returncode, findings)
    return r.returncode, findings


def of(findings, check, port=None, bridge=None):
    return [f for f in findings if f["check"] == check
            and (port is None or f["port"] == port)
            and (bridge is None or f["bridge"] == bridge)]


def host(lab, cmd, **kw):
    return nsrun(lab.host, cmd, **kw)


@pytest.fixture
def plab(lab):
    """The lab, protected by its config (every guest bound, uplink0
    trusted); br_netfilter, if loaded, does not look at bridged frames."""
    host(lab, "sysctl -qw net.bridge.bridge-nf-call-iptables=0 "
              "net.bridge.bridge-nf-call-ip6tables=0", check=False)
    lab.protect()
    # what linklocal_learn asks of the admin on a bridge with unknown-ports: drop
    host(lab, "ip link set br0 type bridge no_linklocal_learn 1")
    return lab


def test_clean_lab_has_no_finding(plab):
    rc, f = audit(plab)
    assert (rc, f) == (0, [])
    r = bg(plab, "-c", plab.config, "audit")
    assert r.returncode == 0 and "no findings" in r.stdout


def test_hub_mode(plab):
    host(plab, "ip link set br0 type bridge ageing_time 0")
    rc, f = audit(plab)
    assert rc == 1
    hub = of(f, "hub_mode")
    assert len(hub) == 1 and hub[0]["bridge"] == "br0" and hub[0]["severity"] == "high"
    assert hub[0]["port"] is None
    host(plab, "ip link set br0 type bridge ageing_time 30000")
    assert of(audit(plab)[1], "hub_mode") == []


def test_linklocal_learn(plab):
    """A guarded bridge (unknown-ports: drop) that learns from STP/LLDP
    frames, which it does outside netfilter: medium, with the fix."""
    host(plab, "ip link set br0 type bridge no_linklocal_learn 0")
    rc, f = audit(plab)
    ll = of(f, "linklocal_learn")
    assert rc == 0 and len(ll) == 1, f
    assert ll[0]["bridge"] == "br0" and ll[0]["severity"] == "medium"
    assert "no_linklocal_learn 1" in ll[0]["fix"]
    host(plab, "ip link set br0 type bridge no_linklocal_learn 1")
    assert of(audit(plab)[1], "linklocal_learn") == []
    # unknown-ports: allow: the bridge's unknown ports are forwarded anyway
    host(plab, "ip link set br0 type bridge no_linklocal_learn 0")
    cfg = plab.write_config(unknown="allow")
    assert of(audit(plab, config=str(cfg))[1], "linklocal_learn") == []


def test_promisc_flag_and_capture(plab):
    host(plab, "ip link set vnic-alice promisc on")
    f = audit(plab)[1]
    assert [x["port"] for x in of(f, "promisc")] == ["vnic-alice"]
    host(plab, "ip link set vnic-alice promisc off")
    assert of(audit(plab)[1], "promisc") == []

    # a capture holds the port promiscuous without the flag
    p = subprocess.Popen(["ip", "netns", "exec", plab.host, "tcpdump", "-i",
                          "vnic-bob", "-w", "/dev/null"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    plab.procs.append(p)
    try:
        assert labkit.wait_until(lambda: of(audit(plab)[1], "promisc", "vnic-bob"), 10)
    finally:
        plab.stop(p, signal.SIGTERM)
    assert labkit.wait_until(lambda: not of(audit(plab)[1], "promisc"), 10)

    # a host NIC that is no port, and the bridge itself
    host(plab, "ip link add bgtnic0 type veth peer name bgtnic0p")
    host(plab, "ip link set bgtnic0 promisc on")
    host(plab, "ip link set br0 promisc on")
    f = audit(plab)[1]
    assert {(x["bridge"], x["port"]) for x in of(f, "promisc")} == \
        {(None, "bgtnic0"), ("br0", None)}
    host(plab, "ip link set br0 promisc off")
    host(plab, "ip link del bgtnic0")
    assert of(audit(plab)[1], "promisc") == []


def test_unguarded_port(plab):
    alice, bob = plab.alice, plab.bob
    uplink = plab.uplink.port
    allow = plab.write_config(guests=[alice, bob], trusted=[uplink], unknown="allow")
    f = audit(plab, config=allow)[1]
    u = of(f, "unguarded_port")
    assert [(x["port"], x["severity"]) for x in u] == [("vnic-eve", "high")]
    drop = plab.write_config(guests=[alice, bob], trusted=[uplink], unknown="drop")
    u = of(audit(plab, config=drop)[1], "unguarded_port")
    assert [(x["port"], x["severity"]) for x in u] == [("vnic-eve", "low")]
    assert of(audit(plab)[1], "unguarded_port") == []        # eve bound

    # a bridge bridgeguard does not guard, with a guest's veth on it
    host(plab, "ip link add br9 type bridge")
    host(plab, "ip link add vm-x type veth peer name vm-x-peer")
    host(plab, "ip link set vm-x master br9")
    u = of(audit(plab)[1], "unguarded_port", bridge="br9")
    assert [(x["port"], x["severity"]) for x in u] == [("vm-x", "high")]
    host(plab, "ip link set vm-x nomaster")
    assert of(audit(plab)[1], "unguarded_port") == []


def test_bridge_address(plab):
    host(plab, "ip addr add 192.168.122.254/24 dev br0")
    b = of(audit(plab)[1], "bridge_address")
    assert len(b) == 1 and b[0]["bridge"] == "br0" and "192.168.122.254/24" in b[0]["message"]
    host(plab, "ip addr del 192.168.122.254/24 dev br0")
    assert of(audit(plab)[1], "bridge_address") == []


def need_br_netfilter(lab):
    """br_netfilter is a module on distribution kernels: loading it would
    change bridged traffic on the whole host, so it is never loaded here."""
    r = host(lab, "test -e /proc/sys/net/bridge/bridge-nf-call-iptables", check=False)
    if r.returncode != 0:
        pytest.skip("br_netfilter is not loaded on this kernel")


def test_br_netfilter_order(plab):
    need_br_netfilter(plab)
    host(plab, "sysctl -qw net.bridge.bridge-nf-call-iptables=1")
    host(plab, "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT")
    host(plab, "iptables -A FORWARD -m physdev --physdev-in vnic-eve -j DROP")
    rc, f = audit(plab)
    o = of(f, "br_netfilter_order")
    assert rc == 1 and [x["severity"] for x in o] == ["high"]
    assert "rule 1" in o[0]["message"] and "rule 2" in o[0]["message"]
    # the per-port deny first: no trap
    host(plab, "iptables -F FORWARD")
    host(plab, "iptables -A FORWARD -m physdev --physdev-in vnic-eve -j DROP")
    host(plab, "iptables -A FORWARD -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT")
    assert of(audit(plab)[1], "br_netfilter_order") == []
    # a DROP policy kills bridged traffic
    host(plab, "iptables -P FORWARD DROP")
    o = of(audit(plab)[1], "br_netfilter_order")
    assert [x["severity"] for x in o] == ["medium"] and "DROP" in o[0]["message"]
    # br_netfilter off: iptables never sees bridged frames
    host(plab, "sysctl -qw net.bridge.bridge-nf-call-iptables=0")
    assert of(audit(plab)[1], "br_netfilter_order") == []


def test_br_netfilter_order_legacy(plab):
    """The same trap in iptables' legacy backend (x_tables), read through
    libiptc."""
    need_br_netfilter(plab)
    host(plab, "sysctl -qw net.bridge.bridge-nf-call-iptables=1")
    host(plab, "iptables-legacy -A FORWARD -m state --state ESTABLISHED -j ACCEPT")
    host(plab, "iptables-legacy -A FORWARD -i br0 -m physdev --physdev-in vnic-eve -j REJECT")
    o = of(audit(plab)[1], "br_netfilter_order")
    assert [x["severity"] for x in o] == ["high"] and "iptables-legacy" in o[0]["message"]
    host(plab, "iptables-legacy -D FORWARD 1")
    assert of(audit(plab)[1], "br_netfilter_order") == []
    host(plab, "ip6tables-legacy -P FORWARD DROP")
    host(plab, "sysctl -qw net.bridge.bridge-nf-call-ip6tables=1")
    o = of(audit(plab)[1], "br_netfilter_order")
    assert [x["severity"] for x in o] == ["medium"] and "ip6tables-legacy" in o[0]["message"]
    host(plab, "ip6tables-legacy -P FORWARD ACCEPT")
    assert of(audit(plab)[1], "br_netfilter_order") == []


def spoof_alice(lab):
    """eve sends a frame with alice's MAC as its source."""
    a = lab.alice
    lab.send("eve", Ether(src=a.mac, dst=BCAST) /
             ARP(op=1, hwsrc=a.mac, psrc=a.ip4, pdst=lab.bob.ip4))


def test_fdb_duplicate(lab):
    """Without protection the bridge learns alice's MAC on eve's port."""
    cfg = lab.write_config()
    lab.config = cfg
    spoof_alice(lab)
    assert lab.fdb_ports(lab.alice.mac) == ["vnic-eve"]
    d = of(audit(lab)[1], "fdb_duplicate")
    assert [(x["port"], x["severity"]) for x in d] == [("vnic-eve", "high")]
    assert lab.alice.mac in d[0]["message"]
    # protected, the spoofed frame is dropped before the bridge learns it
    lab.protect()
    lab.reset_l2()
    spoof_alice(lab)
    assert lab.fdb_ports(lab.alice.mac) == []
    assert of(audit(lab)[1], "fdb_duplicate") == []

    # one MAC on ports of two bridges
    host(lab, "ip link add br9 type bridge")
    host(lab, "ip link add p9 type veth peer name p9-peer")
    host(lab, "ip link set p9 master br9")
    host(lab, "bridge fdb add 52:54:00:00:99:99 dev p9 master static")
    host(lab, "bridge fdb add 52:54:00:00:99:99 dev vnic-bob master static")
    # one finding per MAC, though 6.1 adds an entry for VLAN 0 and one for
    # the port's PVID (make check-kernels runs this there)
    d = of(audit(lab)[1], "fdb_duplicate")
    assert len(d) == 1 and "52:54:00:00:99:99" in d[0]["message"]
    host(lab, "bridge fdb del 52:54:00:00:99:99 dev p9 master")
    assert of(audit(lab)[1], "fdb_duplicate") == []


def test_flooding(plab):
    host(plab, "ip link set br0 type bridge ageing_time 500")
    f = of(audit(plab)[1], "flooding")
    # the guests' ports, not the trusted uplink
    assert sorted(x["port"] for x in f) == ["vnic-alice", "vnic-bob", "vnic-eve"]
    assert all(x["severity"] == "medium" for x in f)
    host(plab, "bridge link set dev vnic-alice flood off")
    assert sorted(x["port"] for x in of(audit(plab)[1], "flooding")) == ["vnic-bob", "vnic-eve"]
    host(plab, "ip link set br0 type bridge ageing_time 30000")
    assert of(audit(plab)[1], "flooding") == []


def vnet_lab_config(lab, port):
    """alice bound by the tap name `port` (renaming her port to it; before
    6.2 a link is renamed only while down)."""
    host(lab, f"ip link set {lab.alice.port} down")
    host(lab, f"ip link set {lab.alice.port} name {port}")
    host(lab, f"ip link set {port} up")
    lab.alice.port = port
    return lab.protect()


def test_unstable_tap_name(plab):
    vnet_lab_config(plab, "vnet3")
    u = of(audit(plab)[1], "unstable_tap_name")
    assert [(x["port"], x["severity"]) for x in u] == [("vnet3", "medium")]
    vnet_lab_config(plab, "vm-alice")
    assert of(audit(plab)[1], "unstable_tap_name") == []


def test_unstable_tap_name_from_libvirt(plab):
    """The test driver's "cache" domain has no <target dev>: its tap
    (testnet0 there, vnetN with QEMU) is named at start."""
    vnet_lab_config(plab, "testnet0")
    u = of(audit(plab, "--uri", TEST_URI)[1], "unstable_tap_name")
    assert [x["port"] for x in u] == ["testnet0"] and "cache" in u[0]["message"]
    # the db domain names its tap in its definition
    vnet_lab_config(plab, "vm-db")
    assert of(audit(plab, "--uri", TEST_URI)[1], "unstable_tap_name") == []


def test_nwfilter(plab):
    # libvirt's domain db filters vm-db with clean-traffic
    n = of(audit(plab, "--uri", TEST_URI)[1], "nwfilter")
    assert [(x["port"], x["bridge"]) for x in n] == [("vm-db", "br0")]
    assert "clean-traffic" in n[0]["message"] and "db" in n[0]["message"]
    assert of(audit(plab)[1], "nwfilter") == []
    # nwfilter's own ebtables chain for a port, as libvirt makes it
    host(plab, "ebtables-nft -t filter -N libvirt-I-vnic-bob")
    n = of(audit(plab)[1], "nwfilter")
    assert [(x["port"], x["bridge"]) for x in n] == [("vnic-bob", "br0")]
    host(plab, "ebtables-nft -t filter -X libvirt-I-vnic-bob")
    assert of(audit(plab)[1], "nwfilter") == []


def spoofed_mac_passes(lab, who, fake):
    """Does a frame from who with a source MAC not its own (an ARP request
    that is otherwise who's) reach the bridge, which then learns the MAC on
    who's port?"""
    n = lab.nodes[who]
    lab.send(who, Ether(src=fake, dst=BCAST) /
             ARP(op=1, hwsrc=n.mac, psrc=n.ip4, pdst=lab.nodes["uplink"].ip4))
    return lab.fdb_ports(fake) == [n.port]


def rule_handle(lab, chain, text):
    """The handle of the rule of netdev bridgeguard's chain containing text."""
    out = lab.nft("-a", "list", "chain", "netdev", "bridgeguard", chain)
    for line in out.splitlines():
        if text in line and "# handle " in line:
            return line.rsplit("# handle ", 1)[1].strip()
    raise AssertionError(f"no rule with {text!r} in {chain}:\n{out}")


def test_no_protection(lab):
    lab.config = lab.write_config()
    bob = lab.nodes["bob"]
    rc, f = audit(lab)
    n = of(f, "no_protection")
    assert rc == 1 and len(n) == 1 and "absent" in n[0]["message"]
    assert spoofed_mac_passes(lab, "bob", "52:54:00:de:ad:01")
    bg(lab, "-c", lab.config, "apply", check=0)
    assert of(audit(lab)[1], "no_protection") == []
    assert not spoofed_mac_passes(lab, "bob", "52:54:00:de:ad:02")
    assert lab.ping("bob", lab.nodes["uplink"].ip4, flush=True) == 1
    # bob's MAC check removed behind bridgeguard's back: the spoof passes
    # again, and the audit says which chain is not the policy's
    lab.nft("delete", "rule", "netdev", "bridgeguard", f"in_{bob.port}",
            "handle", rule_handle(lab, f"in_{bob.port}", bob.mac))
    assert spoofed_mac_passes(lab, "bob", "52:54:00:de:ad:03")
    n = of(audit(lab)[1], "no_protection")
    assert len(n) == 1 and f"in_{bob.port}" in n[0]["message"], n
    bg(lab, "-c", lab.config, "apply", check=0)
    assert of(audit(lab)[1], "no_protection") == []
    assert not spoofed_mac_passes(lab, "bob", "52:54:00:de:ad:04")
    # a chain of its own added to bridgeguard's table is not the policy's
    lab.nft("add", "chain", "bridge", "bridgeguard", "extra")
    n = of(audit(lab)[1], "no_protection")
    assert len(n) == 1 and "extra" in n[0]["message"], n
    bg(lab, "-c", lab.config, "apply", check=0)
    # without a config: bridges with guests' ports and no tables
    bg(lab, "flush", check=0)
    if Path("/etc/bridgeguard/bridgeguard.yaml").exists():
        pytest.skip("this host has a default config")
    n = of(audit(lab, config=False)[1], "no_protection")
    assert len(n) == 1 and "no guest" in n[0]["message"]
    # -c names a file that must exist
    r = bg(lab, "-c", lab.dir / "missing.yaml", "audit")
    assert r.returncode == 2 and "missing.yaml" in r.stderr


FALLBACK = {"BRIDGEGUARD_FAULT": "no-absent-hooks"}


def test_waiting_guest_is_no_mismatch(plab):
    """A guest whose port is gone, on a kernel that cannot hook absent
    devices (as bridgeguard is told to believe here, on any kernel): the
    ingress chain it had is deleted (6.1) or kept hooking nothing (6.12),
    a new apply gives it none; the audit says it waits and finds no
    mismatch either way."""
    eve = plab.nodes["eve"]

    def check():
        r = bg(plab, "-c", plab.config, "audit", "--json", env=FALLBACK)
        f = json.loads(r.stdout)
        assert r.returncode == 0 and of(f, "no_protection") == [], f
        w = of(f, "waiting")
        assert [(x["port"], x["bridge"], x["severity"]) for x in w] == \
            [(eve.port, "br0", "low")], f

    bg(plab, "-c", plab.config, "apply", env=FALLBACK, check=0)
    r = bg(plab, "-c", plab.config, "audit", "--json", env=FALLBACK)
    assert (r.returncode, json.loads(r.stdout)) == (0, [])
    host(plab, f"ip link del {eve.port}")
    check()
    r = bg(plab, "-c", plab.config, "apply", env=FALLBACK, check=0)
    assert eve.port in r.stdout and "waiting" in r.stdout
    check()
    # the others are still guarded, and what they may send flows
    assert not spoofed_mac_passes(plab, "bob", "52:54:00:de:ad:05")
    assert plab.ping("bob", plab.nodes["uplink"].ip4, flush=True) == 1
