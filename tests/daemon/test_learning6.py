"""IPv6 address learning (issue 12). A guest with `ipv6: slaac` may send,
until it has claimed an address, from its link-local address of its MAC
and from :: (DAD, MLD) only; the address it claims by DAD, uncontested for
the probe's period, is then bound like a static one. One with `ipv6:
dhcpv6` has the addresses of its server's Replies bound. Real dnsmasq on
the uplink (router advertisements, DHCPv6), the guest kernel's own SLAAC
(EUI-64 and stable-privacy) and ISC dhclient; the attacks are first shown
to work without bridgeguard."""
import ipaddress
import json
import time

import dlab
import labkit
import test_learning as learning
from labkit import wait_until
from scapy.all import (DHCP6_Release, DHCP6_Reply, DHCP6OptClientId,
                       DHCP6OptIA_NA, DHCP6OptIAAddress, DHCP6OptServerId,
                       DUID_LL, UDP, Ether, ICMPv6ND_NS, IPv6)

PREFIX = "fd00:122::"
CAROL = labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                    "192.168.122.44", "fd00:122::44")
# carol's SLAAC address of her MAC (EUI-64), in the uplink's prefix
CAROL_SLAAC = "fd00:122::5054:ff:fe00:44"
SPOOF6 = "fd00:122::99"
SECRET = "2001:db8:1:2:3:4:5:6"     # stable_secret: stable-privacy ids


def config(lab, learn="slaac"):
    """alice, bob, eve static; carol learns her IPv6 addresses."""
    n = lab.nodes
    text = labkit.config_yaml([n["alice"], n["bob"], n["eve"], CAROL])
    return text.replace(f'ipv6: ["{CAROL.ip6}"]', f"ipv6: {learn}")


def add_carol(lab, stable_privacy=False):
    """carol's port; her kernel does DAD and SLAAC from the RAs, with
    interface ids of her MAC or (stable_privacy) RFC 7217's."""
    lab.add_node(CAROL)
    lab.run("carol", f"ip -6 addr del {CAROL.ip6}/64 dev eth0")
    lab.run("carol", "ip link set eth0 down")
    s = ["net.ipv6.conf.eth0.accept_dad=1", "net.ipv6.conf.eth0.accept_ra=1",
         "net.ipv6.conf.eth0.autoconf=1",
         "net.ipv6.conf.eth0.router_solicitations=3"]
    if stable_privacy:
        s += [f"net.ipv6.conf.eth0.stable_secret={SECRET}",
              "net.ipv6.conf.eth0.addr_gen_mode=2"]
    lab.run("carol", ["sysctl", "-qw"] + s)
    lab.run("carol", "ip link set eth0 up")


def radvd(lab):
    """dnsmasq on the uplink: RAs for the lab's prefix, SLAAC only, every
    few seconds (a guest's lost RS is answered soon)."""
    d = lab.popen("uplink", [
        "dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null",
        "--port=0", "--interface=eth0", "--bind-interfaces",
        "--user=root", "--group=root", "--enable-ra",
        f"--dhcp-range={PREFIX},ra-only,64,1h", "--ra-param=eth0,3",
        f"--pid-file={lab.dir}/dnsmasq-ra.pid"])
    time.sleep(labkit.scaled(0.3))
    assert d.poll() is None, "dnsmasq died"
    return d


def carol_addrs(lab, scope="global"):
    """carol's IPv6 addresses of that scope that passed DAD."""
    out = lab.run("carol", "ip -6 -j addr show dev eth0").stdout
    return [a["local"] for link in json.loads(out or "[]")
            for a in link.get("addr_info", [])
            if a.get("scope") == scope and not a.get("tentative")]


def learned(d, port="vnic-carol", source="dad"):
    r = d.ctl("-c", d.config, "status", "--json", check=0)
    for b in json.loads(r.stdout)["bridges"]:
        for g in b["guests"]:
            if g["port"] == port:
                return g.get(source, [])
    return []


def udp6_from(lab, src, to="uplink", count=3):
    """UDP from carol's MAC with this source address to node `to`."""
    n = lab.nodes[to]
    lab.send("carol", Ether(src=CAROL.mac, dst=n.mac) /
             IPv6(src=src, dst=n.ip6) / UDP(sport=4000, dport=9) / b"x",
             count=count)


def dad_probe(lab, target):
    """carol's DAD probe for target: an NS from :: to its solicited-node
    group."""
    b = ipaddress.IPv6Address(target).packed
    group = "ff02::1:ff%02x:%02x%02x" % (b[13], b[14], b[15])
    mac = "33:33:ff:%02x:%02x:%02x" % (b[13], b[14], b[15])
    lab.send("carol", Ether(src=CAROL.mac, dst=mac) /
             IPv6(src="::", dst=group, hlim=255) / ICMPv6ND_NS(tgt=target))


def test_slaac_address_bound_after_dad(nslab, bgd):
    """Before her DAD, carol's SLAAC address is dropped like any spoofed
    one; after it, the address is bound (event, status) and her traffic
    from it flows, while another address is still dropped; a restart
    keeps the binding without a new DAD."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    dlab.watch(nslab, "uplink", CAROL_SLAAC, SPOOF6)
    m = d.mark()
    add_carol(nslab)
    # before any RA and DAD: the address carol will take is not hers yet
    udp6_from(nslab, CAROL_SLAAC)
    assert dlab.count_at(nslab, "uplink", CAROL_SLAAC) == 0
    radvd(nslab)
    ev = d.wait_event(m, "binding_add", timeout=labkit.scaled(15),
                      port="vnic-carol", ip=CAROL_SLAAC)
    assert ev and ev[0]["source"] == "dad" and ev[0]["mac"] == CAROL.mac
    assert wait_until(lambda: CAROL_SLAAC in carol_addrs(nslab),
                      labkit.scaled(5))
    assert nslab.ping("carol", up.ip6, count=2) == 2
    assert learned(d) == [CAROL_SLAAC]
    text = d.ctl("-c", d.config, "status", check=0).stdout
    assert f"dad:{CAROL_SLAAC}" in text
    # audit compares the kernel with the policy, learned addresses included
    found = json.loads(d.ctl("-c", d.config, "audit", "--json").stdout)
    assert "no_protection" not in [f["check"] for f in found], found
    udp6_from(nslab, SPOOF6)
    assert dlab.count_at(nslab, "uplink", SPOOF6) == 0
    # a restart restores it with the ruleset: no new DAD is needed
    d.kill9()
    assert CAROL_SLAAC in (nslab.dir / (d.config.name + ".bindings")) \
        .read_text()
    m = d.mark()
    d.start()
    assert nslab.ping("carol", up.ip6, count=2) == 2
    assert not d.since(m, "binding_add")


def test_stable_privacy_link_local_and_global(nslab, bgd):
    """A guest with RFC 7217 interface ids: neither its link-local address
    nor its SLAAC one is of its MAC; both are bound after their DAD, and
    ping over each works."""
    up = nslab.nodes["uplink"]
    d = bgd(config(nslab))
    m = d.mark()
    add_carol(nslab, stable_privacy=True)
    radvd(nslab)
    assert wait_until(lambda: carol_addrs(nslab) and
                      carol_addrs(nslab, "link"), labkit.scaled(15))
    ll, glob = carol_addrs(nslab, "link")[0], carol_addrs(nslab)[0]
    assert ll != CAROL.ll6 and glob != CAROL_SLAAC
    for a in (ll, glob):
        assert d.wait_event(m, "binding_add", timeout=labkit.scaled(5),
                            port="vnic-carol", ip=a), a
    assert nslab.ping("carol", up.ip6, count=2) == 2
    assert nslab.ping("carol", f"{up.ll6}%eth0", count=2) == 2


def test_dad_cannot_claim_anothers_address(nslab, bgd):
    """Without bridgeguard carol can send from the uplink's address (the
    router's: her traffic reaches alice as the router's). Protected, her
    DAD probe for it is contested by the uplink's defence, and one for
    alice's configured address is refused: neither is bound, and traffic
    from them stays dropped. An address nobody has is still bound."""
    up, alice = nslab.nodes["uplink"], nslab.nodes["alice"]
    add_carol(nslab)
    # (the uplink's own ND reaches alice too: only UDP is counted)
    dlab.watch(nslab, "alice", up.ip6, match="udp dport 9")
    udp6_from(nslab, up.ip6, "alice")
    assert dlab.count_at(nslab, "alice", up.ip6) == 3     # the attack works
    d = bgd(config(nslab))
    before = dlab.count_at(nslab, "alice", up.ip6)
    m = d.mark()
    dad_probe(nslab, up.ip6)
    ev = d.wait_event(m, "binding_refused", timeout=labkit.scaled(3),
                      port="vnic-carol", ip=up.ip6)
    assert ev and ev[0]["reason"] == "contested"
    dad_probe(nslab, alice.ip6)
    ev = d.wait_event(m, "binding_refused", timeout=labkit.scaled(3),
                      port="vnic-carol", ip=alice.ip6)
    assert ev and ev[0]["reason"] in ("contested", "conflict")
    time.sleep(labkit.scaled(1.5))          # past any DAD period
    assert not d.since(m, "binding_add")
    assert learned(d) == []
    udp6_from(nslab, up.ip6, "alice")
    assert dlab.count_at(nslab, "alice", up.ip6) == before
    # an address nobody defends: bound after the period
    dad_probe(nslab, SPOOF6)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(3),
                        port="vnic-carol", ip=SPOOF6)


def test_cap_per_guest(nslab, bgd):
    """One guest cannot fill the tables: with max-learned-ipv6: 1, its
    second claim is refused (cap) and traffic from it stays dropped."""
    other = "fd00:122::98"
    d = bgd(config(nslab).replace("    unknown-ports:",
                                  "    max-learned-ipv6: 1\n    unknown-ports:"))
    add_carol(nslab)
    dlab.watch(nslab, "uplink", other, match="udp dport 9")
    m = d.mark()
    dad_probe(nslab, SPOOF6)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(3),
                        port="vnic-carol", ip=SPOOF6)
    dad_probe(nslab, other)
    ev = d.wait_event(m, "binding_refused", timeout=labkit.scaled(3),
                      port="vnic-carol", ip=other)
    assert ev and ev[0]["reason"] == "cap"
    assert learned(d) == [SPOOF6]
    udp6_from(nslab, other)
    assert dlab.count_at(nslab, "uplink", other) == 0


def test_silent_binding_expires(nslab, bgd):
    """A learned address nobody has seen in use for its lifetime goes: a
    binding whose time ends (read from the file at start, installed with
    the ruleset) is removed, and traffic from it is dropped again."""
    up = nslab.nodes["uplink"]
    cfg = config(nslab)
    d = bgd(cfg, start=False)
    end = int(time.time() + labkit.scaled(4))
    (nslab.dir / (d.config.name + ".bindings")).write_text(
        f"br0 vnic-carol {CAROL.mac} {SPOOF6} {end} dad\n")
    add_carol(nslab)
    dlab.watch(nslab, "uplink", SPOOF6)
    m = d.mark()
    d.start()
    assert learned(d) == [SPOOF6]
    udp6_from(nslab, SPOOF6)
    assert dlab.count_at(nslab, "uplink", SPOOF6) == 3
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(8),
                      port="vnic-carol", ip=SPOOF6)
    assert ev and ev[0]["reason"] == "expire"
    udp6_from(nslab, SPOOF6)
    assert dlab.count_at(nslab, "uplink", SPOOF6) == 3


POOL6 = ("fd00:122::100", "fd00:122::1ff")


def dhcp6_server(lab):
    """dnsmasq on the uplink: RAs saying "managed", and DHCPv6 leases."""
    return learning.start_dnsmasq(
        lab, "uplink", "eth0", 547, "--enable-ra", "--ra-param=eth0,3",
        f"--dhcp-range={POOL6[0]},{POOL6[1]},64,1h")


def in_pool(a):
    lo, hi = (ipaddress.IPv6Address(x) for x in POOL6)
    return lo <= ipaddress.IPv6Address(a) <= hi


def dhclient6(lab):
    """dhclient -6 in carol, in the foreground (killed at teardown), once
    her link-local address has passed DAD; her leased address."""
    assert wait_until(lambda: carol_addrs(lab, "link"), labkit.scaled(5))
    lab.popen("carol", learning.dhclient_args(lab, "-d", family=6))
    assert wait_until(lambda: [a for a in carol_addrs(lab) if in_pool(a)],
                      labkit.scaled(20)), "carol got no DHCPv6 lease"
    return [a for a in carol_addrs(lab) if in_pool(a)][0]


def reply(lab, addr, client_mac):
    """A DHCPv6 Reply from the uplink (a trusted port) to carol, giving
    addr to the client whose DUID-LL is client_mac."""
    up = lab.nodes["uplink"]
    lab.send("uplink", Ether(src=up.mac, dst=CAROL.mac) /
             IPv6(src=up.ll6, dst=CAROL.ll6) / UDP(sport=547, dport=546) /
             DHCP6_Reply(trid=0x1234) /
             DHCP6OptClientId(duid=DUID_LL(lladdr=client_mac)) /
             DHCP6OptServerId(duid=DUID_LL(lladdr=up.mac)) /
             DHCP6OptIA_NA(iaid=1, T1=0, T2=0, ianaopts=[
                 DHCP6OptIAAddress(addr=addr, preflft=3600, validlft=3600)]))


def test_dhcpv6_lease_bound_and_released(nslab, bgd):
    """dhclient's DHCPv6 lease is bound: carol's traffic from it flows,
    another address is dropped. A Release forged from eve's port changes
    nothing; carol's own removes the binding and her traffic stops."""
    up, eve = nslab.nodes["uplink"], nslab.nodes["eve"]
    d = bgd(config(nslab, "dhcpv6"))
    add_carol(nslab)
    dhcp6_server(nslab)
    m = d.mark()
    ip = dhclient6(nslab)
    ev = d.wait_event(m, "binding_add", timeout=labkit.scaled(5),
                      port="vnic-carol", ip=ip)
    assert ev and ev[0]["source"] == "dhcpv6"
    assert nslab.ping("carol", up.ip6, count=2) == 2
    assert learned(d, source="dhcpv6") == [ip]
    dlab.watch(nslab, "uplink", SPOOF6, ip, match="udp dport 9")
    udp6_from(nslab, SPOOF6)
    udp6_from(nslab, ip)
    assert dlab.count_at(nslab, "uplink", SPOOF6) == 0
    assert dlab.count_at(nslab, "uplink", ip) == 3
    # eve forges carol's Release, from eve's port
    nslab.send("eve", Ether(src=eve.mac, dst=up.mac) /
               IPv6(src=eve.ll6, dst=up.ll6) / UDP(sport=546, dport=547) /
               DHCP6_Release(trid=7) /
               DHCP6OptClientId(duid=DUID_LL(lladdr=CAROL.mac)) /
               DHCP6OptIA_NA(iaid=1, ianaopts=[DHCP6OptIAAddress(addr=ip)]))
    time.sleep(labkit.scaled(0.5))
    assert not d.since(m, "binding_remove")
    # carol's own release
    nslab.run("carol", learning.dhclient_args(nslab, "-r", family=6),
              timeout=30)
    ev = d.wait_event(m, "binding_remove", timeout=labkit.scaled(5),
                      port="vnic-carol", ip=ip)
    assert ev and ev[0]["reason"] == "release"
    udp6_from(nslab, ip)
    assert dlab.count_at(nslab, "uplink", ip) == 3


def test_dhcpv6_reply_for_another_client_binds_nothing(nslab, bgd):
    """A Reply for a DUID made of another MAC is what a guest posing as
    other clients gets: nothing is bound and dhcp_client_spoof says so;
    the same Reply for carol's own DUID binds. Without bridgeguard the
    address it gives is simply usable by carol."""
    add_carol(nslab)
    dlab.watch(nslab, "uplink", POOL6[0], match="udp dport 9")
    udp6_from(nslab, POOL6[0])
    assert dlab.count_at(nslab, "uplink", POOL6[0]) == 3  # unprotected
    d = bgd(config(nslab, "dhcpv6"))
    m = d.mark()
    reply(nslab, POOL6[0], "52:54:00:00:00:99")
    ev = d.wait_event(m, "dhcp_client_spoof", timeout=labkit.scaled(3),
                      port="vnic-carol")
    assert ev and ev[0]["client_mac"] == "52:54:00:00:00:99"
    assert learned(d, source="dhcpv6") == []
    udp6_from(nslab, POOL6[0])
    assert dlab.count_at(nslab, "uplink", POOL6[0]) == 3
    reply(nslab, POOL6[0], CAROL.mac)
    assert d.wait_event(m, "binding_add", timeout=labkit.scaled(3),
                        port="vnic-carol", ip=POOL6[0])
    udp6_from(nslab, POOL6[0])
    assert dlab.count_at(nslab, "uplink", POOL6[0]) == 6
