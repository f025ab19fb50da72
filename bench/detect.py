#!/usr/bin/python3
"""Detection latency: send one spoofed frame, wait for its JSON event line.

Run inside the attacking guest's namespace:
  detect.py IFACE SRC_MAC DST_MAC SPOOF_IP DST_IP EVENTS_FILE REPS GAP_S
Prints one latency in seconds per line ("timeout" if no event within 5 s).
Both ends use CLOCK_MONOTONIC of this one process, so no clock skew enters.
"""
import os
import socket
import struct
import sys
import time


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frame(src_mac, dst_mac, src_ip, dst_ip, seq):
    payload = b"bridgeguard-bench-spoof-%d" % seq
    udp = struct.pack("!HHHH", 40000 + seq, 9, 8 + len(payload), 0) + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), seq & 0xffff, 0, 64, 17, 0,
                     socket.inet_aton(src_ip), socket.inet_aton(dst_ip))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    mac = lambda m: bytes(int(x, 16) for x in m.split(":"))
    return mac(dst_mac) + mac(src_mac) + b"\x08\x00" + ip + udp


def main():
    iface, smac, dmac, sip, dip, events, reps, gap = sys.argv[1:9]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    for k in range(int(reps)):
        size = os.path.getsize(events) if os.path.exists(events) else 0
        f = frame(smac, dmac, sip, dip, k)
        t0 = time.monotonic()
        s.send(f)
        lat = None
        while time.monotonic() - t0 < 5.0:
            if os.path.exists(events) and os.path.getsize(events) > size:
                with open(events, "rb") as ev:
                    ev.seek(size)
                    new = ev.read()
                if b"spoof_drop" in new and new.endswith(b"\n"):
                    lat = time.monotonic() - t0
                    break
            time.sleep(0.0002)
        print("timeout" if lat is None else "%.6f" % lat, flush=True)
        time.sleep(float(gap))
    return 0


if __name__ == "__main__":
    sys.exit(main())
