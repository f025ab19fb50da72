"""Every detection event type, triggered for real in the nslab: exactly one
event (or one aggregate), with the right fields, within one second."""
import math
import signal
import time

import pytest

import labkit
from rawframes import frame, mac

SPOOF_IP = "192.168.122.99"


def one_event(d, mark, type, t0, settle=0.7, **match):
    """Exactly one event of type matching fields, the first within 1 s of
    t0 (natively; labkit.scaled() stretches it under emulation); then
    nothing more of it for `settle` seconds."""
    bound = labkit.scaled(1.0)
    left = max(0.05, t0 + bound - time.monotonic())
    got = d.wait_event(mark, type, timeout=left, **match)
    assert got, f"no {type} {match} within {bound:g} s; events: {d.since(mark)}"
    time.sleep(settle)
    got = [e for e in d.since(mark, type)
           if all(e.get(k) == v for k, v in match.items())]
    assert len(got) == 1, f"expected one {type}, got {got}"
    e = got[0]
    for k in ("time", "seq", "severity", "message"):
        assert k in e, e
    assert e["time"].endswith("Z") and len(e["time"]) == 27, e["time"]
    return e


def test_spoof_drop_ipv4_aggregated(nslab, bgd):
    d = bgd()
    eve, alice = nslab.nodes["eve"], nslab.nodes["alice"]
    m, t0 = d.mark(), time.monotonic()
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac, sip=SPOOF_IP,
                            dip=alice.ip4), count=25)
    e = one_event(d, m, "spoof_drop", t0)
    assert e["bridge"] == "br0" and e["port"] == "vnic-eve"
    assert e["reason"] == "ipv4" and e["direction"] == "in"
    assert e["count"] == 25, e
    assert e["src_ip"] == SPOOF_IP and e["dst_ip"] == alice.ip4
    assert e["src_mac"] == eve.mac and e["severity"] == "warning"
    assert d.since(m, "spoof_drop") == [e]


@pytest.mark.parametrize("reason", ["mac", "ipv6", "arp", "ethertype",
                                    "egress", "dhcp-server", "nd",
                                    "fragment", "dhcp-client"])
def test_spoof_drop_reasons(nslab, bgd, reason):
    d = bgd()
    n = nslab.nodes
    eve, alice, bob = n["eve"], n["alice"], n["bob"]
    who, port, kind, f = {
        "mac": ("eve", "vnic-eve", "udp4", dict(
            src="52:54:00:00:00:99", dst=alice.mac, sip=eve.ip4,
            dip=alice.ip4)),
        "ipv6": ("eve", "vnic-eve", "udp6", dict(
            src=eve.mac, dst=alice.mac, sip="fd00:122::99", dip=alice.ip6)),
        "arp": ("eve", "vnic-eve", "arp", dict(
            src=eve.mac, op=2, sip=bob.ip4, dip=alice.ip4, dst=alice.mac,
            tha=alice.mac)),
        "ethertype": ("eve", "vnic-eve", "vlan4", dict(
            src=eve.mac, dst=alice.mac, sip=eve.ip4, dip=alice.ip4, vlan=7)),
        "egress": ("alice", "vnic-eve", "udp4", dict(
            src=alice.mac, dst=eve.mac, sip=alice.ip4, dip=bob.ip4)),
        "dhcp-server": ("eve", "vnic-eve", "udp4", dict(
            src=eve.mac, dst=alice.mac, sip=eve.ip4, dip=alice.ip4)),
        "nd": ("eve", "vnic-eve", "na6", dict(
            src=eve.mac, dst="33:33:00:00:00:01",
            sip="fe80::5054:ff:fe00:33", dip="ff02::1", target=bob.ip6)),
        "fragment": ("eve", "vnic-eve", "frag6", dict(
            src=eve.mac, dst=alice.mac, sip=eve.ip6, dip=alice.ip6)),
        "dhcp-client": ("eve", "vnic-eve", "dhcp", dict(
            src=eve.mac, chaddr=bob.mac)),
    }[reason]
    m, t0 = d.mark(), time.monotonic()
    if reason == "dhcp-server":
        # a DHCP reply from a guest: source port 67
        nslab.run("eve", ["/usr/bin/python3", "-c",
                        "import socket; s=socket.socket(2,2); "
                        "s.setsockopt(1,2,1); s.bind(('" + eve.ip4 + "',67));"
                        "[s.sendto(b'x',('" + alice.ip4 + "',68)) "
                        "for _ in range(3)]"])
        nslab.run("eve", ["ip", "neigh", "replace", alice.ip4, "lladdr",
                        alice.mac, "dev", "eth0"])
    else:
        nslab.send(who, frame(kind, **f), count=3)
    e = one_event(d, m, "spoof_drop", t0, port=port, reason=reason)
    assert e["count"] >= 1 and e["bridge"] == "br0"
    if reason != "dhcp-server":
        assert e["count"] == 3, e
    if reason == "egress":
        assert e["direction"] == "out" and e["dst_ip"] == bob.ip4
    if reason == "arp":
        assert e["arp_spa"] == bob.ip4 and e["arp_sha"] == eve.mac
    if reason == "ethertype":
        assert e.get("tagged") is True
    if reason == "mac":
        assert e["src_mac"] == "52:54:00:00:00:99"
    if reason == "nd":
        assert e["src_ip"] == "fe80::5054:ff:fe00:33" and e["protocol"] == 58
    assert e["not_logged"] == 0, e          # 3 frames: all logged


def test_spoof_flood_counts_exact(nslab, bgd):
    """A flood: few events (at most two a second), and their counts add up
    to the kernel's."""
    d = bgd()
    eve, alice = nslab.nodes["eve"], nslab.nodes["alice"]
    m, t0 = d.mark(), time.monotonic()
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac, sip=SPOOF_IP,
                            dip=alice.ip4), count=6000)
    time.sleep(1.3)
    # the last window's event comes when it closes (later on a busy host)
    labkit.wait_until(lambda: sum(e["count"] for e in d.since(m, "spoof_drop")) >= 6000,
                      labkit.scaled(3))
    seconds = math.ceil(time.monotonic() - t0)     # slower under emulation
    ev = d.since(m, "spoof_drop")
    assert ev and len(ev) <= max(6, 2 * seconds), ev
    assert sum(e["count"] for e in ev) == 6000, ev
    assert all(e["reason"] == "ipv4" and e["port"] == "vnic-eve" for e in ev)
    # NFLOG is limited to 10 frames a second per port and reason after a
    # burst of 20 (src/ruleset/drop.h): the events say the rest went
    # unlogged, and the sensor did not see them.
    logged = sum(e["count"] - e["not_logged"] for e in ev)
    assert 20 <= logged <= 20 + 10 * seconds, (seconds, ev)


def test_fdb_move(nslab, bgd):
    d = bgd()
    alice, up = nslab.nodes["alice"], nslab.nodes["uplink"]
    assert nslab.ping("alice", up.ip4, flush=True) == 1  # alice's MAC learnt
    time.sleep(0.3)
    m, t0 = d.mark(), time.monotonic()
    # the uplink is trusted (not filtered): it can claim alice's MAC
    nslab.send("uplink", frame("udp4", src=alice.mac, dst=up.mac, sip=up.ip4,
                               dip="192.168.122.200"))
    # (alice's own traffic, MLD for one, may move it back afterwards)
    e = one_event(d, m, "fdb_move", t0, settle=0.5, port="uplink0")
    assert e["mac"] == alice.mac and e["bridge"] == "br0"
    assert e["old_port"] == "vnic-alice" and e["port"] == "uplink0"


def test_arp_change_new_station_flip_flop(nslab, bgd):
    d = bgd()
    n = nslab.nodes
    bob, up, alice = n["bob"], n["uplink"], n["alice"]
    m, t0 = d.mark(), time.monotonic()
    nslab.send("uplink", frame("arp", src=up.mac, op=1, sip=up.ip4,
                               dip=alice.ip4))
    e = one_event(d, m, "new_station", t0, settle=0.3)
    assert e["ip"] == up.ip4 and e["mac"] == up.mac and e["port"] == "uplink0"
    assert e["severity"] == "info"
    # the uplink answers for bob's address: arpwatch's "changed ethernet"
    m, t0 = d.mark(), time.monotonic()
    nslab.send("uplink", frame("arp", src=up.mac, op=2, sip=bob.ip4,
                               dip=alice.ip4))
    e = one_event(d, m, "arp_change", t0, settle=0.3)
    assert e["ip"] == bob.ip4 and e["mac"] == up.mac
    assert e["old_mac"] == bob.mac and e["flip_flop"] is False
    # and back to bob's MAC: a flip-flop
    m, t0 = d.mark(), time.monotonic()
    nslab.send("uplink", frame("arp", src=up.mac, op=2, sip=bob.ip4,
                               dip=alice.ip4, sha=bob.mac))
    e = one_event(d, m, "arp_change", t0, settle=0.3)
    assert e["flip_flop"] is True and e["mac"] == bob.mac
    assert not d.since(m, "new_station")


def test_spoofed_arp_teaches_nothing(nslab, bgd):
    """ARP bridgeguard drops is a spoof_drop, not a station change."""
    d = bgd()
    eve, bob, alice = nslab.nodes["eve"], nslab.nodes["bob"], nslab.nodes["alice"]
    m, t0 = d.mark(), time.monotonic()
    nslab.send("eve", frame("arp", src=eve.mac, op=2, sip=bob.ip4,
                            dip=alice.ip4), count=2)
    one_event(d, m, "spoof_drop", t0, reason="arp")
    assert not d.since(m, "arp_change") and not d.since(m, "new_station")


def test_host_neigh_change(nslab, bgd):
    d = bgd()
    bob, up = nslab.nodes["bob"], nslab.nodes["uplink"]
    nslab.run("host", "ip addr add 192.168.122.254/24 dev br0")
    assert nslab.ping("host", bob.ip4, flush=True) == 1
    time.sleep(1.1)                       # past the ARP lock time
    m, t0 = d.mark(), time.monotonic()
    # "who has .254? tell .22 (at the uplink's MAC)": poisons the host
    nslab.send("uplink", frame("arp", src=up.mac, op=1, sip=bob.ip4,
                               dip="192.168.122.254"))
    e = one_event(d, m, "host_neigh_change", t0, settle=0.5)
    assert e["interface"] == "br0" and e["ip"] == bob.ip4
    assert e["mac"] == up.mac and e["old_mac"] == bob.mac


def test_promisc(nslab, bgd):
    d = bgd()
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set vnic-alice promisc on")
    e = one_event(d, m, "promisc", t0, settle=0.3)
    assert e["interface"] == "vnic-alice" and e["promisc"] is True
    assert e["role"] == "port" and e["bridge"] == "br0"
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set vnic-alice promisc off")
    e = one_event(d, m, "promisc", t0, settle=0.3)
    assert e["promisc"] is False
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set br0 promisc on")
    e = one_event(d, m, "promisc", t0, settle=0.3)
    assert e["role"] == "bridge" and e["interface"] == "br0"


def test_promiscuity_without_the_flag(nslab, bgd):
    """A capture, or a second bridge, raises a device's promiscuity count
    (IFLA_PROMISCUITY) and not its IFF_PROMISC flag: reported all the same,
    with who raised it."""
    d = bgd()
    m, t0 = d.mark(), time.monotonic()
    cap = nslab.popen("host", ["tcpdump", "-n", "-i", "vnic-alice", "-w",
                               "/dev/null"])
    e = one_event(d, m, "promisc", t0, settle=0.3)
    assert e["interface"] == "vnic-alice" and e["role"] == "port"
    assert e["promisc"] is False                 # the flag says nothing
    assert e["promiscuity"] == e["old_promiscuity"] + 1, e
    assert "tcpdump" in e["raised_by"] and f"pid {cap.pid}" in e["raised_by"], e
    assert e["severity"] == "warning"
    m, t0 = d.mark(), time.monotonic()
    nslab.stop(cap, signal.SIGTERM)
    e = one_event(d, m, "promisc", t0, settle=0.3)
    assert e["promiscuity"] == e["old_promiscuity"] - 1, e
    assert e["severity"] == "notice"
    # a second bridge enslaving a port
    nslab.sh("host", "ip link add brx type bridge && "
                     "ip link add vnic-z type veth peer name vnic-zp")
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set vnic-z master brx")
    e = one_event(d, m, "promisc", t0, settle=0.3, interface="vnic-z")
    assert e["promisc"] is False and e["promiscuity"] == 1, e
    assert "bridge brx" in e["raised_by"], e


def test_hub_mode(nslab, bgd):
    d = bgd()
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set br0 type bridge ageing_time 0")
    e = one_event(d, m, "hub_mode", t0, settle=0.3)
    assert e["setting"] == "ageing_time" and e["value"] == 0
    assert e["weakened"] is True and e["bridge"] == "br0"
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "bridge link set dev uplink0 learning off")
    e = one_event(d, m, "hub_mode", t0, settle=0.3)
    assert e["setting"] == "learning" and e["port"] == "uplink0"
    assert e["weakened"] is True


def test_port_join_unknown_leave(nslab, bgd):
    d = bgd()
    alice = nslab.nodes["alice"]
    stray = nslab.add_node(type(alice)("stray", "vnic-stray", "52:54:00:00:00:77",
                                     "192.168.122.77", "fd00:122::77"),
                         attach=False)
    # quiet: no MLD of its own to be dropped and reported
    nslab.run("stray", "sysctl -qw net.ipv6.conf.all.disable_ipv6=1")
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link set vnic-stray master br0")
    j = one_event(d, m, "port_join", t0, settle=0.0)
    u = one_event(d, m, "unknown_port", t0, settle=0.3)
    assert j["port"] == "vnic-stray" and j["role"] == "unknown"
    assert u["port"] == "vnic-stray" and u["policy"] == "drop"
    assert '"vnic-stray"' in nslab.nft("list", "set", "bridge", "bridgeguard",
                                     "unknown_ports")
    # its frames are dropped, and reported
    m, t0 = d.mark(), time.monotonic()
    nslab.send("stray", frame("udp4", src=stray.mac, dst=alice.mac,
                              sip=stray.ip4, dip=alice.ip4), count=2)
    e = one_event(d, m, "spoof_drop", t0, reason="unknown-port")
    assert e["port"] == "vnic-stray" and e["count"] == 2
    # and its link-local frames, at its own ingress (unk_<port>): LLDP,
    # which the bridge learns from before any bridge hook, cannot move
    # alice's MAC to it
    unk = nslab.nft("list", "chain", "netdev", "bridgeguard", "unk_vnic-stray")
    assert 'device "vnic-stray"' in unk or 'devices = { "vnic-stray" }' in unk, unk
    nslab.ping("alice", nslab.nodes["bob"].ip4)
    assert nslab.fdb_ports(alice.mac) == [alice.port]
    lldp = mac("01:80:c2:00:00:0e") + mac(alice.mac) + b"\x88\xcc"
    nslab.send("stray", lldp + bytes(46), count=2)
    assert nslab.fdb_ports(alice.mac) == [alice.port], "LLDP from an unknown port moved alice's MAC"
    m, t0 = d.mark(), time.monotonic()
    nslab.run("host", "ip link del vnic-stray")
    e = one_event(d, m, "port_leave", t0, settle=0.3)
    assert e["port"] == "vnic-stray" and e["bridge"] == "br0"
    assert "vnic-stray" not in nslab.nft("list", "set", "bridge",
                                       "bridgeguard", "unknown_ports")
    # its chain goes with it (6.1 deletes it with the device, 6.12 would
    # keep it hooking nothing): none is left
    assert "unk_vnic-stray" not in nslab.nft("list", "table", "netdev", "bridgeguard")
