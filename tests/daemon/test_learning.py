"""DHCP snooping (issue 12): a guest with `ipv4: dhcp` may do DHCP only
until a DHCPACK from a trusted port binds its lease; the lease is then a
binding like a static address, until the guest releases it, the server
NAKs or the lease ends, and it survives a daemon restart. Real dnsmasq on
the uplink, real dhclient in the guest; attacks are first shown to work
without bridgeguard."""
import json
import secrets
import time

import dlab
import labkit
from labkit import wait_until
from scapy.all import BOOTP, DHCP, IP, UDP, Ether

BCAST = "ff:ff:ff:ff:ff:ff"
POOL = ("192.168.122.100", "192.168.122.149")
SPOOF_IP = "192.168.122.99"
CAROL = labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                    "192.168.122.44", "fd00:122::44")

# What dhclient -4 and -6 run: addresses on eth0 only (the real
# dhclient-script would rewrite the host's /etc/resolv.conf, shared by
# every namespace).
DHCLIENT_SCRIPT = """#!/bin/sh
case "$reason" in
BOUND|RENEW|REBIND|REBOOT)
    ip -4 addr flush dev "$interface"
    ip addr add "$new_ip_address/24" dev "$interface" ;;
EXPIRE|FAIL|RELEASE|STOP)
    ip -4 addr flush dev "$interface" ;;
esac
exit 0
"""
DHCLIENT6_SCRIPT = """#!/bin/sh
case "$reason" in
BOUND6|RENEW6|REBIND6|REBOOT6)
    ip -6 addr replace "$new_ip6_address/$new_ip6_prefixlen" dev "$interface" ;;
EXPIRE6|RELEASE6|STOP6)
    ip -6 addr del "$old_ip6_address/$old_ip6_prefixlen" dev "$interface" ;;
esac
exit 0
"""


def config(lab, servers=None):
    """alice and bob static, carol learning; uplink0 trusted."""
    n = lab.nodes
    text = labkit.config_yaml([n["alice"], n["bob"], n["eve"], CAROL])
    text = text.replace(f"ipv4: [{CAROL.ip4}]", "ipv4: dhcp")
    if servers:
        text = text.replace("    unknown-ports:",
                            f"    dhcp-servers: [{', '.join(servers)}]\n"
                            "    unknown-ports:", 1)
    return text


def add_carol(lab):
    """carol's port, with no IPv4 address of her own."""
    lab.add_node(CAROL)
    lab.run("carol", "ip -4 addr flush dev eth0")


def start_dnsmasq(lab, who, iface, port, *args):
    """dnsmasq in `who`, serving on iface, once it listens on UDP port."""
    d = lab.popen(who, [
        "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
        "--port=0", f"--interface={iface}", "--bind-interfaces",
        "--user=root", "--group=root",
        f"--dhcp-leasefile={lab.dir}/dnsmasq-{who}{port}.leases",
        f"--pid-file={lab.dir}/dnsmasq-{who}{port}.pid", *args])
    assert wait_until(lambda: f":{port} " in lab.run(who, "ss -Hulpn").stdout
                      or d.poll() is not None, labkit.scaled(5))
    assert d.poll() is None, "dnsmasq died"
    return d


def dnsmasq(lab, lease="1h", who="uplink", iface="eth0"):
    return start_dnsmasq(lab, who, iface, 67, "--no-ping",
                         "--dhcp-authoritative",
                         f"--dhcp-range={POOL[0]},{POOL[1]},{lease}")


def dhclient_args(lab, *extra, family=4):
    """dhclient -4 (or -6) in carol, with its script (addresses on eth0
    only) and its files in the lab's directory."""
    script = lab.dir / f"dhclient{family}-script"
    if not script.exists():
        script.write_text(DHCLIENT_SCRIPT if family == 4 else DHCLIENT6_SCRIPT)
        script.chmod(0o755)
    return ["dhclient", f"-{family}", "-sf", script,
            "-lf", lab.dir / f"carol{family}.leases",
            "-pf", lab.dir / f"carol{family}.pid", *extra, "eth0"]


def dhclient(lab):
    """dhclient in carol, in the foreground (killed at teardown); her
    address once bound."""
    p = lab.popen("carol", dhclient_args(lab, "-d"))
    assert wait_until(lambda: carol_ip(lab), labkit.scaled(15)), \
        "carol got no lease"
    return p, carol_ip(lab)


def carol_ip(lab):
    out = lab.run("carol", "ip -4 -j addr show dev eth0").stdout
    for link in json.loads(out or "[]"):
        for a in link.get("addr_info", []):
            return a["local"]
    return None


def status(d):
    r = d.ctl("-c", d.config, "status", "--json", check=0)
    return json.loads(r.stdout)


def dhcp_of(d, port="vnic-carol"):
    for b in status(d)["bridges"]:
        for g in b["guests"]:
            if g["port"] == port:
                return g.get("dhcp", [])
    return []


def udp_from(lab, src_ip, count=3):
    """Frames from carol's MAC with this source address to the uplink."""
    up = lab.nodes["uplink"]
    lab.send("carol", Ether(src=CAROL.mac, dst=up.mac) /
             IP(src=src_ip, dst=up.ip4) / UDP(sport=4000, dport=9) / b"x",
             count=count)


def release_from(lab, who, mac, ciaddr, server):
    """A DHCPRELEASE of ciaddr, from `who` with its own MAC as chaddr (the
    kernel drops one naming another)."""
    lab.send(who, Ether(src=mac, dst=lab.nodes["uplink"].mac) /
             IP(src=ciaddr, dst=server) / UDP(sport=68, dport=67) /
             BOOTP(op=1, ciaddr=ciaddr, xid=secrets.randbelow(2**31),
                   chaddr=bytes.fromhex(mac.replace(":", ""))) /
             DHCP(options=[("message-type", "release"),
                           ("server_id", server), "end"]))


def test_lease_binds_and_release_removes(nslab, bgd):
    """dhclient's lease is bound: carol's traffic from it flows, spoofing
    another address is still dropped and status shows dhcp:ADDR. A
    RELEASE forged from eve's port changes nothing; carol's own removes
    the binding and her traffic stops."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    add_carol(nslab)
    dnsmasq(nslab)
    m = d.mark()
    _, ip = dhclient(nslab)
    ev = d.wait_event(m, "binding_add", timeout=labkit.scaled(3),
                      port="vnic-carol", ip=ip)
    assert ev and ev[0]["mac"] == CAROL.mac
    assert nslab.ping("carol", up.ip4, flush=True) == 1
    assert dhcp_of(d) == [ip]
    text = d.ctl("-c", d.config, "status", check=0).stdout
    assert f"dhcp:{ip}" in text
    assert [b["ip"] for b in status(d)["bindings"]] == [ip]
    # audit compares the kernel with the policy, leases included
    found = json.loads(d.ctl("-c", d.config, "audit", "--json").stdout)
    assert "no_protection" not in [f["check"] for f in found], found
    # carol spoofing another address: dropped, as for a static guest
    dlab.watch(nslab, "uplink", SPOOF_IP, ip)
    udp_from(nslab, SPOOF_IP)
    udp_from(nslab, ip)
    assert dlab.count_at(nslab, "uplink", SPOOF_IP) == 0
    assert dlab.count_at(nslab, "uplink", ip) == 3
    # eve forges carol's RELEASE (from eve's port): nothing changes
    m = d.mark()
    release_from(nslab, "eve", nslab.nodes["eve"].mac, ip, up.ip4)
    time.sleep(labkit.scaled(0.5))
    assert not d.since(m, "binding_remove")
    assert nslab.ping("carol", up.ip4, flush=True) == 1
    # carol's own release
    nslab.run("carol", dhclient_args(nslab, "-r"), timeout=30)
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(3),
                      port="vnic-carol", ip=ip)
    assert ev and ev[0]["reason"] == "release"
    assert dhcp_of(d) == []
    nslab.run("carol", f"ip addr add {ip}/24 dev eth0")
    before = dlab.count_at(nslab, "uplink", ip)
    assert nslab.ping("carol", up.ip4, flush=True) == 0
    udp_from(nslab, ip)
    assert dlab.count_at(nslab, "uplink", ip) == before


def test_server_on_the_host(nslab, bgd):
    """libvirt's way: dnsmasq on the bridge itself. Its answers leave the
    host through the bridge's output hook (no input port): they bind."""
    d = bgd(config(nslab))
    add_carol(nslab)
    nslab.run("host", "ip addr add 192.168.122.254/24 dev br0")
    dnsmasq(nslab, who="host", iface="br0")
    m = d.mark()
    _, ip = dhclient(nslab)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(3),
                        port="vnic-carol", ip=ip)
    assert nslab.ping("carol", "192.168.122.254", flush=True) == 1


def ack(lab, ip, lease, server=None, mac=CAROL.mac, who="uplink",
        chaddr=None, kind="ack"):
    """A DHCPACK (or NAK) of ip to mac from `who` (the uplink: a trusted
    port), for chaddr (mac unless given)."""
    server = server or lab.nodes["uplink"].ip4
    src = lab.nodes[who]
    chaddr = chaddr or (mac if mac != BCAST else CAROL.mac)
    lab.send(who, Ether(src=src.mac, dst=mac) /
             IP(src=src.ip4, dst=ip) / UDP(sport=67, dport=68) /
             BOOTP(op=2, yiaddr=ip if kind == "ack" else "0.0.0.0",
                   xid=secrets.randbelow(2**31),
                   chaddr=bytes.fromhex(chaddr.replace(":", ""))) /
             DHCP(options=[("message-type", kind), ("server_id", server),
                           ("lease_time", lease),
                           ("subnet_mask", "255.255.255.0"), "end"]))


def test_nak_cap_and_other_chaddr(nslab, bgd):
    """At most 4 leases bound per guest (the fifth refused: cap); an ACK
    for another MAC binds nothing on carol's port; a NAK unbinds all of
    carol's."""
    d = bgd(config(nslab))
    add_carol(nslab)
    m = d.mark()
    ack(nslab, "192.168.122.140", 600, mac=BCAST,
        chaddr=nslab.nodes["alice"].mac)
    for i in range(5):
        ack(nslab, f"192.168.122.{141 + i}", 600)
    assert d.wait_event(m, "binding_refused", timeout=labkit.scaled(2),
                        ip="192.168.122.145", reason="cap")
    assert sorted(dhcp_of(d)) == [f"192.168.122.{141 + i}" for i in range(4)]
    assert len(d.since(m, "binding_add")) == 4
    m = d.mark()
    ack(nslab, "255.255.255.255", 0, mac=BCAST, kind="nak")
    assert labkit.wait_until(lambda: len(d.since(m, "binding_remove")) == 4,
                             labkit.scaled(2))
    assert {e["reason"] for e in d.since(m, "binding_remove")} == {"nak"}
    assert dhcp_of(d) == []


def test_short_lease_expires(nslab, bgd):
    """A lease of a few seconds binds, then ends: the 1 s timer removes
    the binding (reason expire) and carol's traffic from it stops."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    add_carol(nslab)
    ip = "192.168.122.120"
    lease = int(labkit.scaled(3))
    m = d.mark()
    ack(nslab, ip, lease)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2), ip=ip)
    nslab.run("carol", f"ip addr add {ip}/24 dev eth0")
    assert nslab.ping("carol", up.ip4, flush=True) == 1
    ack(nslab, ip, lease)               # a renewal restarts the lease
    assert d.wait_event(m, "binding_renew", timeout=labkit.scaled(2), ip=ip)
    ev = d.wait_event(m, "binding_remove", timeout=lease + labkit.scaled(3),
                      ip=ip)
    assert ev and ev[0]["reason"] == "expire"
    assert nslab.ping("carol", up.ip4, flush=True) == 0


def test_reload_keeps_then_drops_binding(nslab, bgd):
    """A reload keeps a learned binding in the guest's chains (the diff
    touches nothing of carol); one that makes carol static removes it
    (reason config) in the reload's transaction."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    add_carol(nslab)
    ip = "192.168.122.124"
    m = d.mark()
    ack(nslab, ip, 600)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2), ip=ip)
    nslab.run("carol", f"ip addr add {ip}/24 dev eth0")
    before = nslab.nft("list", "chain", "netdev", "bridgeguard",
                       "v4_vnic-carol")
    assert ip in before
    d.ctl("reload", check=0)
    assert nslab.nft("list", "chain", "netdev", "bridgeguard",
                     "v4_vnic-carol") == before
    assert nslab.ping("carol", up.ip4, flush=True) == 1
    assert dhcp_of(d) == [ip]
    # carol becomes a static guest with another address
    d.config.write_text(config(nslab).replace("ipv4: dhcp",
                                              f"ipv4: [{CAROL.ip4}]"))
    m = d.mark()
    d.ctl("reload", check=0)
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(2), ip=ip)
    assert ev and ev[0]["reason"] == "config"
    assert ip not in nslab.nft("list", "chain", "netdev", "bridgeguard",
                               "v4_vnic-carol")
    assert nslab.ping("carol", up.ip4, flush=True) == 0


def test_pinned_server_and_untrusted_ack(nslab, bgd):
    """With dhcp-servers pinned, an ACK naming another server id binds
    nothing; an ACK sent from a guest port never reaches carol."""
    d = bgd(config(nslab, servers=["192.168.122.1"]))
    add_carol(nslab)
    m = d.mark()
    ack(nslab, "192.168.122.121", 600, server="192.168.122.2")
    ack(nslab, "192.168.122.122", 600, who="eve")
    time.sleep(labkit.scaled(0.5))
    assert not d.since(m, "binding_add")
    ack(nslab, "192.168.122.123", 600)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2),
                        ip="192.168.122.123")


def test_restart_keeps_binding(nslab, bgd):
    """kill -9 of the daemon, and of dhclient (no release, no new DHCP):
    the restarted daemon restores the binding with the ruleset, and
    carol's traffic flows without any DHCP exchange."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    add_carol(nslab)
    dnsmasq(nslab)
    m = d.mark()
    client, ip = dhclient(nslab)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(3), ip=ip)
    nslab.stop(client)                  # SIGKILL: no RELEASE
    d.kill9()
    assert f"{ip}" in (nslab.dir / (d.config.name + ".bindings")).read_text()
    d.start()
    m = d.mark()
    with nslab.capture("uplink", direction="in", bpf="udp port 67") as cap:
        assert nslab.ping("carol", up.ip4, flush=True) == 1
    assert not cap.packets, "carol did DHCP again"
    assert dhcp_of(d) == [ip]
    assert not d.since(m, "binding_remove")


def discovers(lab, n):
    """n DISCOVERs from carol's port, each for an invented client."""
    return [Ether(src=CAROL.mac, dst=BCAST) /
            IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) /
            BOOTP(op=1, xid=secrets.randbelow(2**31),
                  chaddr=bytes.fromhex("02" + secrets.token_hex(5))) /
            DHCP(options=[("message-type", "discover"), "end"])
            for _ in range(n)]


def test_chaddr_spoofing_gets_no_lease(nslab, bgd):
    """Pool exhaustion with invented clients: without bridgeguard dnsmasq
    offers each one an address; with it the DISCOVERs are dropped at
    carol's port (dhcp-client) and no offer comes."""
    add_carol(nslab)
    dnsmasq(nslab)
    with nslab.capture("uplink", direction="out", bpf="udp src port 67") \
            as cap:
        nslab.send("carol", discovers(nslab, 5), interval=0.05)
        time.sleep(labkit.scaled(0.5))
    assert len([p for p in cap.packets if BOOTP in p]) >= 5, \
        "unprotected: dnsmasq made no offers"
    d = bgd(config(nslab))
    m = d.mark()
    with nslab.capture("uplink", direction="out", bpf="udp src port 67") \
            as cap:
        nslab.send("carol", discovers(nslab, 5), interval=0.05)
        time.sleep(labkit.scaled(0.5))
    assert not [p for p in cap.packets if BOOTP in p]
    assert d.wait_event(m, "spoof_drop", timeout=labkit.scaled(2),
                        port="vnic-carol", reason="dhcp-client")
    assert not d.since(m, "binding_add")


def test_rogue_server_on_guest_port(nslab, bgd):
    """eve answers as a DHCP server: without bridgeguard carol gets her
    ACK; with it the ACK is dropped at eve's port and binds nothing."""
    add_carol(nslab)
    eve = nslab.nodes["eve"]

    def rogue():
        ack(nslab, "192.168.122.130", 600, who="eve", mac=BCAST)
    with nslab.capture("carol", direction="in", bpf="udp port 68") as cap:
        rogue()
    assert [p for p in cap.packets if BOOTP in p], \
        "unprotected: eve's offer did not reach carol"
    d = bgd(config(nslab))
    m = d.mark()
    with nslab.capture("carol", direction="in", bpf="udp port 68") as cap:
        rogue()
    assert not [p for p in cap.packets if BOOTP in p]
    assert d.wait_event(m, "spoof_drop", timeout=labkit.scaled(2),
                        port=eve.port, reason="dhcp-server")
    assert not d.since(m, "binding_add")


def test_dhcp_flood_is_limited_and_said(nslab, bgd):
    """A guest flooding DHCP (with its own chaddr, which the kernel lets
    through to the servers) costs the daemon at most the per-port limit:
    the rest is counted in the kernel and a learn_limited event says how
    many went unseen; a lease still binds afterwards."""
    d = bgd(config(nslab))
    add_carol(nslab)
    flood = [Ether(src=CAROL.mac, dst=BCAST) /
             IP(src="0.0.0.0", dst="255.255.255.255") /
             UDP(sport=68, dport=67) /
             BOOTP(op=1, xid=i, chaddr=bytes.fromhex(
                 CAROL.mac.replace(":", ""))) /
             DHCP(options=[("message-type", "discover"), "end"])
             for i in range(100)]
    m = d.mark()
    nslab.send("carol", flood)
    ev = d.wait_event(m, "learn_limited", timeout=labkit.scaled(3),
                      port="vnic-carol", direction="in")
    assert ev and ev[0]["count"] >= 50, ev
    time.sleep(labkit.scaled(2.5))      # the burst refills
    ack(nslab, "192.168.122.125", 600)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2),
                        ip="192.168.122.125")


def test_address_reassigned_to_another_guest(nslab, bgd):
    """The server gives carol's address to dave (carol's lease ended
    early, as far as it knows): the binding moves; carol's traffic from
    it stops, dave's flows."""
    dave = labkit.Node("dave", "vnic-dave", "52:54:00:00:00:55",
                       "192.168.122.55", "fd00:122::55")
    up = nslab.nodes["uplink"]
    text = config(nslab).replace(
        "    guests:\n", f"    guests:\n      - port: {dave.port}\n"
        f"        mac: {dave.mac}\n        ipv4: dhcp\n", 1)
    d = bgd(text)
    add_carol(nslab)
    nslab.add_node(dave)
    nslab.run("dave", "ip -4 addr flush dev eth0")
    ip = "192.168.122.126"
    m = d.mark()
    ack(nslab, ip, 600)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2),
                        port="vnic-carol", ip=ip)
    ack(nslab, ip, 600, mac=dave.mac)
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(2),
                      port="vnic-carol", ip=ip)
    assert ev and ev[0]["reason"] == "reassigned"
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2),
                        port="vnic-dave", ip=ip)
    nslab.run("carol", f"ip addr add {ip}/24 dev eth0")
    assert nslab.ping("carol", up.ip4, flush=True) == 0
    nslab.run("carol", "ip -4 addr flush dev eth0")
    nslab.run("dave", f"ip addr add {ip}/24 dev eth0")
    assert nslab.ping("dave", up.ip4, flush=True) == 1


def test_guest_add_replacing_a_learner_drops_its_leases(nslab, bgd):
    """guest add rebinds carol statically: her learned lease goes with
    the next tick (reason config), from the table and the kernel."""
    d = bgd(config(nslab))
    add_carol(nslab)
    ip = "192.168.122.127"
    m = d.mark()
    ack(nslab, ip, 600)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(2), ip=ip)
    d.ctl("guest", "add", "--bridge", "br0", "--port", CAROL.port,
          "--mac", CAROL.mac, "--ipv4", CAROL.ip4, check=0)
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(2.5),
                      ip=ip)
    assert ev and ev[0]["reason"] == "config"
    assert dhcp_of(d) == []
    assert ip not in nslab.nft("list", "chain", "netdev", "bridgeguard",
                               "v4_vnic-carol")
