#!/usr/bin/python3
"""Send raw Ethernet frames out of an interface (run inside a namespace).

usage: sendframes.py IFACE COUNT INTERVAL MAXTIME < frames
  frames: one hex-encoded frame per line on stdin.
  COUNT:  rounds to send (every frame once per round); 0 = until MAXTIME.
  MAXTIME bounds the run in seconds whatever COUNT says.
Prints the number of rounds sent.  No scapy here: it starts in milliseconds.
"""
import socket
import sys
import time


def main():
    iface, count, interval, maxtime = (sys.argv[1], int(sys.argv[2]),
                                       float(sys.argv[3]), float(sys.argv[4]))
    frames = [bytes.fromhex(l.strip()) for l in sys.stdin if l.strip()]
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    deadline = time.monotonic() + maxtime
    rounds = 0
    try:
        while True:
            for f in frames:
                s.send(f)
            rounds += 1
            print(rounds, flush=True)
            if count and rounds >= count:
                break
            if time.monotonic() >= deadline:
                break
            time.sleep(interval)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
