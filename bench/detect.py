#!/usr/bin/python3
"""Detection latency: send one spoofed frame, wait for its JSON event line.

Run inside the attacking guest's namespace:
  detect.py IFACE SRC_MAC DST_MAC SPOOF_IP DST_IP EVENTS_FILE REPS GAP_S
Prints one latency in seconds per line ("timeout" if no event within 5 s).
Both ends use CLOCK_MONOTONIC of this one process, so no clock skew enters.
"""
import os
import socket
import sys
import time

# The frame builder the daemon tests use.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from rawframes import ipv4, mac, udp  # noqa: E402


def frame(src_mac, dst_mac, src_ip, dst_ip, seq):
    payload = b"bridgeguard-bench-spoof-%d" % seq
    return (mac(dst_mac) + mac(src_mac) + b"\x08\x00" +
            ipv4(src_ip, dst_ip, udp(40000 + seq, 9, payload)))


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
