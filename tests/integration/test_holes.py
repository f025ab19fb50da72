"""Issue 11's ruleset holes, as an attacker on a guest port finds them:
rogue DHCP servers recognised by what they send rather than the port they
claim (item 1), IPv6 neighbour spoofing (2), fragments that hide a header
from the checks (3), and link-local addresses that are not EUI-64 (12).

Each attack is first shown to work against the unprotected bridge, then
shown to fail under `bridgeguard apply`; legitimate traffic of the same
kinds (DHCP discover and solicit, DAD, MLD, fragmented UDP and echo, a
stable-privacy link-local address) is shown to keep flowing.
"""
import secrets
import socket
import time

import pytest
from scapy.all import (BOOTP, DHCP, DHCP6_Advertise, DHCP6_Reply,
                       DHCP6_Solicit, DHCP6OptClientId, DHCP6OptServerId,
                       DUID_LL, ICMPv6EchoRequest, ICMPv6MLReport2,
                       ICMPv6ND_NA, ICMPv6ND_NS, ICMPv6ND_RA, ICMPv6ND_RS,
                       ICMPv6NDOptDstLLAddr, ICMPv6NDOptPrefixInfo,
                       ICMPv6NDOptSrcLLAddr, IP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop, PadN, Raw,
                       RouterAlert, UDP,
                       Ether, in6_getnsma, in6_getnsmac, inet_pton)

from labkit import BCAST, PY, wait_until

ALL_NODES = ("ff02::1", "33:33:00:00:00:01")
DHCP6_SERVERS = ("ff02::1:2", "33:33:00:01:00:02")


def mark():
    return b"BGH-" + secrets.token_hex(6).encode()


def arrived(lab, who, frames, sender="eve"):
    """Send frames from `sender`; the markers (each frame's last Raw) that
    `who` received."""
    marks = [bytes(f[Raw].load) for f in frames]
    with lab.capture(who, direction="in") as cap:
        lab.send(sender, frames)
    return [m for m in marks if cap.with_marker(m)]


def solicited_node(ip6):
    """The solicited-node group of ip6 and its MAC."""
    g = in6_getnsma(inet_pton(socket.AF_INET6, ip6))
    return socket.inet_ntop(socket.AF_INET6, g), in6_getnsmac(g)


# ---------------------------------------------------------------------------
# item 1: DHCP servers recognised by what they send

def _offer(E, dst_mac, dst_ip, sport, m):
    return (Ether(src=E.mac, dst=dst_mac) / IP(src=E.ip4, dst=dst_ip) /
            UDP(sport=sport, dport=68) /
            BOOTP(op=2, yiaddr="192.168.122.99", siaddr=E.ip4, xid=0x4242,
                  chaddr=bytes.fromhex("525400000011")) /
            DHCP(options=[("message-type", "offer"), ("server_id", E.ip4),
                          ("router", E.ip4), "end"]) / Raw(m))


def _dhcp6(E, dst, msg, sport, dport, m):
    ip, mac = dst
    return (Ether(src=E.mac, dst=mac) / IPv6(src=E.ll6, dst=ip) /
            UDP(sport=sport, dport=dport) /
            msg(trid=0x4242) / DHCP6OptServerId(duid=DUID_LL(lladdr=E.mac)) /
            Raw(m))


def test_rogue_dhcp_server_from_other_ports(lab):
    """Offers from UDP 1067 to 68, a BOOTP reply to 67, a DHCPv6 advertise
    from 1547 to 546 and a DHCPv6 reply to 547: clients filter on the
    destination port only, so the old `sport 67/547` guard let them all
    through. They are what a server sends, whatever port they claim."""
    A, E = lab.alice, lab.eve

    def to_alice():
        return [
            _offer(E, BCAST, "255.255.255.255", 1067, mark()),
            _offer(E, A.mac, A.ip4, 1067, mark()),
            _offer(E, A.mac, A.ip4, 67, mark()),
            _dhcp6(E, (A.ll6, A.mac), DHCP6_Advertise, 1547, 546, mark()),
            _dhcp6(E, (A.ll6, A.mac), DHCP6_Reply, 547, 546, mark()),
        ]

    def to_servers():
        # a relay or server listens on 67 / 547: replies sent there
        return [
            (Ether(src=E.mac, dst=BCAST) / IP(src=E.ip4, dst="255.255.255.255") /
             UDP(sport=1067, dport=67) / BOOTP(op=2, xid=0x4343) /
             DHCP(options=[("message-type", "ack"), "end"]) / Raw(mark())),
            _dhcp6(E, DHCP6_SERVERS, DHCP6_Reply, 1547, 547, mark()),
            _dhcp6(E, DHCP6_SERVERS, DHCP6_Advertise, 1547, 547, mark()),
        ]

    assert len(arrived(lab, "alice", to_alice())) == 5, \
        "unprotected: rogue DHCP messages did not reach alice"
    assert len(arrived(lab, "uplink", to_servers())) == 3, \
        "unprotected: rogue DHCP replies did not reach the uplink"
    lab.protect()
    got = arrived(lab, "alice", to_alice())
    assert not got, f"protected: {len(got)} rogue DHCP messages reached alice"
    got = arrived(lab, "uplink", to_servers())
    assert not got, f"protected: {len(got)} rogue DHCP replies reached the uplink"
    assert lab.drops("dhcp-server", "vnic-eve") >= 8


def _discover(mac, chaddr, m):
    return (Ether(src=mac, dst=BCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) /
            BOOTP(op=1, xid=secrets.randbelow(2**31),
                  chaddr=bytes.fromhex(chaddr.replace(":", ""))) /
            DHCP(options=[("message-type", "discover"), "end"]) / Raw(m))


def test_dhcp_client_hardware_address_is_its_own(lab):
    """A discover whose chaddr is another guest's MAC (lease hijack, or a
    starvation run with random ones) is dropped; the guest's own is not."""
    A, B, E = lab.alice, lab.bob, lab.eve

    def forged():
        return [_discover(E.mac, B.mac, mark()),
                _discover(E.mac, "02:00:00:00:00:01", mark())]

    assert len(arrived(lab, "uplink", forged())) == 2, \
        "unprotected: forged discovers did not reach the uplink"
    lab.protect()
    got = arrived(lab, "uplink", forged())
    assert not got, f"protected: {len(got)} discovers with a foreign chaddr arrived"
    assert lab.drops("dhcp-client", "vnic-eve") == 2
    got = arrived(lab, "uplink", [_discover(A.mac, A.mac, mark())], sender="alice")
    assert len(got) == 1, "protected: alice's own discover did not reach the uplink"


def test_legit_dhcpv6_solicit(lab):
    """A DHCPv6 solicit from alice's link-local address to ff02::1:2 still
    reaches the uplink."""
    A = lab.alice
    lab.protect()
    m = mark()
    sol = (Ether(src=A.mac, dst=DHCP6_SERVERS[1]) /
           IPv6(src=A.ll6, dst=DHCP6_SERVERS[0]) / UDP(sport=546, dport=547) /
           DHCP6_Solicit(trid=0x77) / DHCP6OptClientId(duid=DUID_LL(lladdr=A.mac)) /
           Raw(m))
    assert arrived(lab, "uplink", [sol], sender="alice") == [m]


# ---------------------------------------------------------------------------
# item 2: IPv6 neighbour inspection

def _na(E, target, lla, dst=ALL_NODES, src=None, hbh=False, m=None):
    ip, mac = dst
    ip6 = IPv6(src=src or E.ll6, dst=ip, hlim=255)
    na = ICMPv6ND_NA(tgt=target, R=0, S=0, O=1) / ICMPv6NDOptDstLLAddr(lladdr=lla)
    if hbh:
        ip6 = ip6 / IPv6ExtHdrHopByHop()
    f = Ether(src=E.mac, dst=mac) / ip6 / na
    return f / Raw(m) if m else f


def _ns(E, target, lla, src):
    g, gmac = solicited_node(target)
    return (Ether(src=E.mac, dst=gmac) / IPv6(src=src, dst=g, hlim=255) /
            ICMPv6ND_NS(tgt=target) / ICMPv6NDOptSrcLLAddr(lladdr=lla))


def _poison(lab, victim_ip, frames, learn_from):
    """alice resolves victim_ip, then eve sends frames (a few times):
    the MAC alice's neighbour entry for victim_ip ends with."""
    lab.run("alice", "ip neigh flush dev eth0", check=False)
    assert lab.ping("alice", victim_ip) == 1
    assert lab.lladdr("alice", victim_ip) == learn_from.mac
    lab.send("eve", frames, count=3, interval=0.05)
    time.sleep(0.2)
    return lab.lladdr("alice", victim_ip)


@pytest.mark.parametrize("kind", ["multicast", "unicast", "hop-by-hop"])
def test_na_for_another_guests_address(lab, kind):
    """eve, from her own link-local address, advertises bob's address with
    her MAC (override): alice's neighbour entry for bob moves to eve."""
    A, B, E = lab.alice, lab.bob, lab.eve
    dst = (A.ll6, A.mac) if kind == "unicast" else ALL_NODES
    f = _na(E, B.ip6, E.mac, dst=dst, hbh=kind == "hop-by-hop")
    assert _poison(lab, B.ip6, f, B) == E.mac, \
        "unprotected: eve's NA did not redirect alice's traffic for bob"
    lab.protect()
    assert _poison(lab, B.ip6, f, B) == B.mac, \
        "protected: eve's NA for bob's address changed alice's entry"
    assert lab.drops("nd", "vnic-eve") >= 3


def test_na_with_another_guests_mac(lab):
    """An NA for eve's own address carrying bob's MAC as target link-layer
    address: alice would send eve's traffic to bob (or anyone's MAC)."""
    B, E = lab.bob, lab.eve
    f = _na(E, E.ip6, B.mac, src=E.ip6)
    assert _poison(lab, E.ip6, f, E) == B.mac, "unprotected: NA did not take"
    lab.protect()
    assert _poison(lab, E.ip6, f, E) == E.mac, \
        "protected: eve's NA with bob's MAC changed alice's entry"


def test_ns_with_another_guests_mac(lab):
    """An NS from eve's own address whose source link-layer option is bob's
    MAC makes alice bind eve's address to bob's MAC."""
    A, B, E = lab.alice, lab.bob, lab.eve
    f = _ns(E, A.ip6, B.mac, E.ip6)
    assert _poison(lab, E.ip6, f, E) == B.mac, "unprotected: NS did not take"
    lab.protect()
    assert _poison(lab, E.ip6, f, E) == E.mac, \
        "protected: eve's NS with bob's MAC changed alice's entry"


def test_lla_option_behind_another_option(lab):
    """The link-layer address need not be the first option for a receiver:
    an NA for eve's own address with a nonce option first and bob's MAC
    second poisons alice just as well. Only one option is allowed."""
    B, E = lab.bob, lab.eve
    nonce = Raw(bytes([14, 1]) + bytes(6))
    f = (Ether(src=E.mac, dst=ALL_NODES[1]) / IPv6(src=E.ip6, dst=ALL_NODES[0], hlim=255) /
         ICMPv6ND_NA(tgt=E.ip6, R=0, S=0, O=1) / nonce /
         ICMPv6NDOptDstLLAddr(lladdr=B.mac))
    assert _poison(lab, E.ip6, f, E) == B.mac, "unprotected: NA did not take"
    lab.protect()
    assert _poison(lab, E.ip6, f, E) == E.mac, \
        "protected: an NA with bob's MAC in its second option changed alice's entry"


def test_rs_with_another_guests_mac(lab):
    """A router (the uplink, forwarding) learns a host's MAC from the source
    link-layer option of its router solicitation: eve's RS with bob's MAC
    makes the router send eve's traffic to bob."""
    B, E = lab.bob, lab.eve
    lab.run("uplink", "sysctl -qw net.ipv6.conf.all.forwarding=1")
    rs = (Ether(src=E.mac, dst="33:33:00:00:00:02") /
          IPv6(src=E.ll6, dst="ff02::2", hlim=255) / ICMPv6ND_RS() /
          ICMPv6NDOptSrcLLAddr(lladdr=B.mac))

    def attack():
        lab.run("uplink", "ip neigh flush dev eth0", check=False)
        assert lab.ping("uplink", E.ll6 + "%eth0") == 1
        lab.send("eve", rs, count=3, interval=0.05)
        time.sleep(0.2)
        return lab.lladdr("uplink", E.ll6)

    assert attack() == B.mac, "unprotected: the router did not take eve's RS"
    lab.protect()
    assert attack() == E.mac, "protected: eve's RS with bob's MAC reached the router"


def test_nd_with_extension_headers(lab):
    """NS, NA and RS never need extension headers; from a guest they are
    dropped even when everything in them is the guest's own."""
    A, E = lab.alice, lab.eve

    def frames():
        g, gmac = solicited_node(A.ip6)
        return [
            _na(E, E.ip6, E.mac, src=E.ip6, hbh=True, m=mark()),
            (Ether(src=E.mac, dst=gmac) / IPv6(src=E.ip6, dst=g, hlim=255) /
             IPv6ExtHdrDestOpt() / ICMPv6ND_NS(tgt=A.ip6) /
             ICMPv6NDOptSrcLLAddr(lladdr=E.mac) / Raw(mark())),
        ]

    assert len(arrived(lab, "alice", frames())) == 2
    lab.protect()
    assert not arrived(lab, "alice", frames())
    # the same NA without the header (and without the marker: nothing may
    # follow its one option) passes
    with lab.capture("alice", direction="in", bpf="icmp6") as cap:
        lab.send("eve", _na(E, E.ip6, E.mac, src=E.ip6))
    assert [p for p in cap.packets if ICMPv6ND_NA in p and p[IPv6].src == E.ip6], \
        "protected: eve's plain NA for her own address did not reach alice"


DAD_SYSCTL = ("sysctl -qw net.ipv6.conf.eth0.accept_dad=1 "
              "net.ipv6.conf.eth0.dad_transmits=3 "
              "net.ipv6.neigh.eth0.retrans_time_ms=400")


def _bob_dad_under_fire(lab):
    """bob re-adds his address with DAD while eve sends DAD probes (NS from
    ::) for it: bob's address flags when DAD is over."""
    B, E = lab.bob, lab.eve
    g, gmac = solicited_node(B.ip6)
    probe = (Ether(src=E.mac, dst=gmac) / IPv6(src="::", dst=g, hlim=255) /
             ICMPv6ND_NS(tgt=B.ip6))
    lab.sh("bob", f"{DAD_SYSCTL} && ip addr del {B.ip6}/64 dev eth0")
    with lab.sender("eve", probe, interval=0.1, maxtime=5):
        lab.run("bob", f"ip addr add {B.ip6}/64 dev eth0")

        def done():
            f = lab.addr_flags("bob", B.ip6)
            return f is not None and ("tentative" not in f or "dadfailed" in f)
        wait_until(done, 4)
    return lab.addr_flags("bob", B.ip6)


def test_dad_probe_for_another_guests_address(lab):
    """DAD denial of service: eve answers every DAD of bob with a probe of
    her own for the same address, so bob's address fails DAD. An NS from
    :: is only a guest's DAD for an address it may claim."""
    flags = _bob_dad_under_fire(lab)
    assert flags and "dadfailed" in flags, f"unprotected: bob's DAD passed: {flags}"
    lab.protect()
    flags = _bob_dad_under_fire(lab)
    assert flags is not None and "dadfailed" not in flags and \
        "tentative" not in flags, f"protected: bob's DAD: {flags}"
    assert lab.drops("nd", "vnic-eve") >= 1


def test_icmpv6_from_unspecified(lab):
    """From ::, only DAD probes and MLD reports: an echo request from ::
    (or an NA) is dropped; eve's MLDv2 report and her own DAD pass."""
    A, E = lab.alice, lab.eve

    def bad():
        return [
            Ether(src=E.mac, dst=A.mac) / IPv6(src="::", dst=A.ip6) /
            ICMPv6EchoRequest() / Raw(mark()),
            _na(E, E.ip6, E.mac, src="::", m=mark()),
        ]

    assert len(arrived(lab, "alice", bad())) == 2
    lab.protect()
    assert not arrived(lab, "alice", bad())
    g, gmac = solicited_node(E.ip6)
    m = mark()
    mld = (Ether(src=E.mac, dst="33:33:00:00:00:16") /
           IPv6(src="::", dst="ff02::16", hlim=1) /
           IPv6ExtHdrHopByHop(options=[RouterAlert()]) / ICMPv6MLReport2() / Raw(m))
    dad = (Ether(src=E.mac, dst=gmac) / IPv6(src="::", dst=g, hlim=255) /
           ICMPv6ND_NS(tgt=E.ip6))
    with lab.capture("alice", direction="in", bpf="ip6") as cap:
        lab.send("eve", [mld, dad])
    assert cap.with_marker(m), "protected: eve's MLD report from :: lost"
    assert [p for p in cap.packets if ICMPv6ND_NS in p and p[IPv6].src == "::"
            and p[ICMPv6ND_NS].tgt == E.ip6], "protected: eve's own DAD lost"


# ---------------------------------------------------------------------------
# item 3: fragments

def _frag_pair(l2, ip6, payload, nh, split, ident):
    """payload (the fragmentable part: headers after the fragment header)
    in two fragments, the first holding `split` bytes (a multiple of 8)."""
    f1 = (l2 / IPv6(src=ip6.src, dst=ip6.dst, hlim=ip6.hlim) /
          IPv6ExtHdrFragment(nh=nh, offset=0, m=1, id=ident) / Raw(payload[:split]))
    f2 = (l2 / IPv6(src=ip6.src, dst=ip6.dst, hlim=ip6.hlim) /
          IPv6ExtHdrFragment(nh=nh, offset=split // 8, m=0, id=ident) /
          Raw(payload[split:]))
    return [f1, f2]


def _split_ra(E, prefix, ident):
    """RFC 7113's attack: a destination-options header long enough that the
    first fragment ends before the RA's ICMPv6 header."""
    dopt = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 100)])
    ra = (ICMPv6ND_RA(routerlifetime=1800) / ICMPv6NDOptSrcLLAddr(lladdr=E.mac) /
          ICMPv6NDOptPrefixInfo(prefix=prefix, prefixlen=64, L=1, A=1,
                                validlifetime=3600, preferredlifetime=1800))
    ip6 = IPv6(src=E.ll6, dst="ff02::1", hlim=255)
    whole = ip6 / dopt / ra
    body = bytes(whole)[40:]                 # checksums computed over the whole
    return _frag_pair(Ether(src=E.mac, dst=ALL_NODES[1]), ip6, body, 60,
                      len(bytes(dopt)), ident)


def test_fragmented_ra_evades_ra_guard(lab):
    """The RA's ICMPv6 header in the second fragment: the RA guard cannot
    read its type, and both fragments reach alice. (Linux itself drops such
    a first fragment since 5.x, RFC 8200; hosts that do not take the route.)
    Protected, the first fragment is dropped at eve's port."""
    E = lab.eve

    def firsts(prefix):
        with lab.capture("alice", direction="in", bpf="ip6") as cap:
            lab.send("eve", _split_ra(E, prefix, secrets.randbelow(2**31)),
                     count=2, interval=0.05)
        return [p for p in cap.packets if IPv6ExtHdrFragment in p
                and p[IPv6ExtHdrFragment].offset == 0 and p[IPv6].src == E.ll6]

    assert len(firsts("2001:db8:bad::")) == 2, \
        "unprotected: the fragmented RA did not reach alice"
    lab.protect()
    assert not firsts("2001:db8:bad2::"), "protected: the RA's first fragment reached alice"
    assert lab.drops("fragment", "vnic-eve") == 2


def test_fragmented_nd_and_dhcpv6(lab):
    """RFC 6980: ND messages and DHCPv6 server messages are never
    fragmented. Here each is complete and the guest's own (an NS from eve's
    address with her MAC, a DHCPv6 message to 547 from her) but sent in two
    fragments: the first fragment, which carries the header, is dropped."""
    A, E = lab.alice, lab.eve

    def frames():
        g, gmac = solicited_node(A.ip6)
        ns_ip6 = IPv6(src=E.ip6, dst=g, hlim=255)
        ns = ns_ip6 / ICMPv6ND_NS(tgt=A.ip6) / ICMPv6NDOptSrcLLAddr(lladdr=E.mac) / \
            Raw(mark() + b"." * 20)
        d_ip6 = IPv6(src=E.ll6, dst=A.ll6)
        d = d_ip6 / UDP(sport=547, dport=546) / DHCP6_Reply(trid=1) / Raw(mark() + b"." * 20)
        out = []
        for l2, ip6, pkt, nh in ((Ether(src=E.mac, dst=gmac), ns_ip6, ns, 58),
                                 (Ether(src=E.mac, dst=A.mac), d_ip6, d, 17)):
            out += _frag_pair(l2, ip6, bytes(pkt)[40:], nh, 16,
                              secrets.randbelow(2**31))
        return out

    def firsts():
        with lab.capture("alice", direction="in", bpf="ip6") as cap:
            lab.send("eve", frames())
        return [p for p in cap.packets if IPv6ExtHdrFragment in p and
                p[IPv6ExtHdrFragment].offset == 0 and p[IPv6].src in (E.ip6, E.ll6)]

    assert len(firsts()) == 2, "unprotected: fragments did not reach alice"
    lab.protect()
    got = firsts()
    assert not got, f"protected: {len(got)} first fragments of ND/DHCPv6 reached alice"


def test_first_fragment_without_the_header_chain(lab):
    """RFC 7112: a first fragment that ends inside the header chain (here:
    inside a destination-options header, before UDP) is dropped."""
    A, E = lab.alice, lab.eve

    def frames():
        ip6 = IPv6(src=E.ip6, dst=A.ip6)
        dopt = IPv6ExtHdrDestOpt(options=[PadN(optdata=b"\x00" * 60)])
        body = bytes(ip6 / dopt / UDP(sport=4000, dport=9) / Raw(mark()))[40:]
        return _frag_pair(Ether(src=E.mac, dst=A.mac), ip6, body, 60, 32,
                          secrets.randbelow(2**31))

    def firsts():
        with lab.capture("alice", direction="in", bpf="ip6") as cap:
            lab.send("eve", frames())
        return [p for p in cap.packets if IPv6ExtHdrFragment in p and
                p[IPv6ExtHdrFragment].offset == 0 and p[IPv6].src == E.ip6]

    assert firsts(), "unprotected: the fragment did not reach alice"
    lab.protect()
    assert not firsts(), "protected: a first fragment without its UDP header arrived"


def _udp_received(lab, who, dst, size, family):
    """A datagram of `size` bytes (fragmented on the way) from alice to
    `who` at dst: the size `who` received, 0 if none."""
    rx = lab.popen(who, [PY, "-c",
                         "import socket,sys\n"
                         f"s=socket.socket({family},socket.SOCK_DGRAM)\n"
                         f"s.bind(('{dst}',9999)); s.settimeout(3)\n"
                         "print('up',flush=True)\n"
                         "try:\n print(len(s.recv(65535)),flush=True)\n"
                         "except Exception: print(0,flush=True)\n"], collect=True)
    wait_until(lambda: rx.lines, 5)
    lab.run("alice", [PY, "-c",
                      "import socket\n"
                      f"s=socket.socket({family},socket.SOCK_DGRAM)\n"
                      f"s.sendto(b'x'*{size},('{dst}',9999))\n"])
    wait_until(lambda: len(rx.lines) >= 2, 5)
    lab.stop(rx)
    return int(rx.lines[1]) if len(rx.lines) >= 2 else 0


def test_legit_fragments(lab):
    """Ordinary fragmented traffic passes: UDP v4/v6 and echo v4/v6 of
    4000 bytes between guests."""
    B = lab.bob
    lab.protect()
    assert _udp_received(lab, "bob", B.ip4, 4000, 2) == 4000
    assert _udp_received(lab, "bob", B.ip6, 4000, 10) == 4000
    for dst in (B.ip4, B.ip6):
        r = lab.run("alice", ["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1",
                              "-s", "4000", dst], check=False)
        assert " 2 received" in r.stdout, f"protected: fragmented ping to {dst}: {r.stdout}"
    assert lab.drops("fragment", "vnic-alice") == 0


# ---------------------------------------------------------------------------
# item 12: link-local addresses that are not EUI-64

STABLE_LL = "fe80::3c1d:8a52:79e4:b01f"


def test_stable_privacy_link_local(lab):
    """NetworkManager and Windows use stable-privacy link-local addresses,
    not EUI-64 ones: bound in the config, they work (ping, and ND with the
    guest's MAC); not bound, they are dropped like any other address."""
    from labkit import config_yaml
    A, B = lab.alice, lab.bob
    # alice has only the stable-privacy link-local address, as with NM
    lab.sh("alice", f"ip addr add {STABLE_LL}/64 dev eth0 nodad && "
                    f"ip addr del {A.ll6}/64 dev eth0")

    def ping():
        lab.run("alice", "ip neigh flush dev eth0", check=False)
        r = lab.run("alice", ["ping", "-6", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1",
                              B.ll6 + "%eth0"], check=False)
        return " 2 received" in r.stdout

    assert ping(), "lab: ping from the stable-privacy address failed unprotected"
    lab.protect()
    assert not ping(), "an address not bound in the config got through"
    guests = [lab.alice, lab.bob, lab.eve]
    text = config_yaml(guests, trusted=["uplink0"]).replace(
        f'"{A.ip6}"', f'"{A.ip6}", "{STABLE_LL}"')
    assert STABLE_LL in text
    lab.protect(text=text)
    assert ping(), "protected: alice's bound stable-privacy address is dropped"
