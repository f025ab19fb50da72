"""Hand-built frames, without scapy (its import alone takes most of a
second), for the daemon tests and bench/detect.py; lab.send() sends them:

  nslab.send("eve", frame("udp4", src=..., dst=..., sip=..., dip=...), count=3)

KIND: udp4 | udp6 | arp | vlan4 | dhcp (a DHCP discover) | na6 (an
unsolicited NA) | frag6 (a first fragment ending before its UDP header).
Keys: src, dst (MACs), sip, dip, op (ARP), sha, tha, vlan, chaddr (DHCP),
target, lla (NA), tag (bytes added to the payload, so captures can find
the frame).
"""
import socket
import struct


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(sip, dip, payload, proto=17):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0, 64,
                    proto, 0, socket.inet_aton(sip), socket.inet_aton(dip))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def udp(sport, dport, data):
    return struct.pack("!HHHH", sport, dport, 8 + len(data), 0) + data


def ipv6(sip, dip, payload, nh=17):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nh, 64,
                       socket.inet_pton(socket.AF_INET6, sip),
                       socket.inet_pton(socket.AF_INET6, dip)) + payload


def frame(kind, **a):
    """One Ethernet frame (bytes) of KIND, see above."""
    tag = a.get("tag", "bgd").encode()
    eth = mac(a.get("dst", "ff:ff:ff:ff:ff:ff")) + mac(a["src"])
    if kind == "udp4":
        return eth + b"\x08\x00" + ipv4(a["sip"], a["dip"], udp(40000, 9, tag))
    if kind == "vlan4":
        return eth + b"\x81\x00" + struct.pack("!H", int(a.get("vlan", 5))) + \
            b"\x08\x00" + ipv4(a["sip"], a["dip"], udp(40000, 9, tag))
    if kind == "udp6":
        return eth + b"\x86\xdd" + ipv6(a["sip"], a["dip"], udp(40000, 9, tag))
    if kind == "dhcp":
        body = bytes([1, 1, 6, 0]) + b"\x12\x34\x56\x78" + bytes(20) + \
            mac(a.get("chaddr", a["src"])) + bytes(10 + 192) + b"\x63\x82\x53\x63" + \
            bytes([53, 1, 1, 255])
        return eth + b"\x08\x00" + ipv4("0.0.0.0", "255.255.255.255",
                                          udp(68, 67, body))
    if kind == "arp":
        sha = mac(a.get("sha", a["src"]))
        tha = mac(a.get("tha", "00:00:00:00:00:00"))
        body = struct.pack("!HHBBH", 1, 0x0800, 6, 4, int(a.get("op", 1))) + \
            sha + socket.inet_aton(a["sip"]) + tha + socket.inet_aton(a["dip"])
        return eth + b"\x08\x06" + body + bytes(18)
    if kind == "na6":
        body = struct.pack("!BBHI", 136, 0, 0, 0x20000000) + \
            socket.inet_pton(socket.AF_INET6, a["target"]) + \
            bytes([2, 1]) + mac(a.get("lla", a["src"]))
        ip6 = ipv6(a["sip"], a["dip"], body, nh=58)
        ip6 = ip6[:7] + b"\xff" + ip6[8:]                 # hop limit 255
        pseudo = ip6[8:40] + struct.pack("!IxxxB", len(body), 58)
        c = csum(pseudo + body)
        return eth + b"\x86\xdd" + ip6[:42] + struct.pack("!H", c) + ip6[44:]
    if kind == "frag6":
        # fragment header (next: destination options, offset 0, M), then a
        # destination-options header whose next header, UDP, is not there
        body = struct.pack("!BBHI", 60, 0, 1, 0x4242) + \
            bytes([17, 0, 1, 4, 0, 0, 0, 0])
        return eth + b"\x86\xdd" + ipv6(a["sip"], a["dip"], body, nh=44)
    raise ValueError("unknown kind " + kind)
