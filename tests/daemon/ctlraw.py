#!/usr/bin/python3
"""Raw control-socket client, run inside the daemon's namespace (abstract
sockets belong to a network namespace).

  ctlraw.py NAME send HEX [close]   one request; prints the reply as JSON
  ctlraw.py NAME hold N SECONDS     keeps N silent connections open
"""
import json
import socket
import struct
import sys
import time


def connect(name):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect("\0" + name.lstrip("@"))
    return s


def recv_exact(s, n):
    b = b""
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def send(name, data, close):
    s = connect(name)
    try:
        try:
            s.sendall(data)
        except (ConnectionResetError, BrokenPipeError):
            pass            # refused already: the reply may be there
        if close:
            return {"closed": True}
        hdr = recv_exact(s, 12)
        if hdr is None:
            return {"closed": True}
        magic, rtype, n = struct.unpack("=III", hdr)
        body = recv_exact(s, n) or b""
        return {"magic": magic, "type": rtype,
                "text": body.decode(errors="replace")}
    except (ConnectionResetError, BrokenPipeError):
        return {"closed": True}
    finally:
        s.close()


def main():
    name, cmd = sys.argv[1], sys.argv[2]
    if cmd == "send":
        close = len(sys.argv) > 4 and sys.argv[4] == "close"
        print(json.dumps(send(name, bytes.fromhex(sys.argv[3]), close)))
    elif cmd == "hold":
        conns = [connect(name) for _ in range(int(sys.argv[3]))]
        print("ready", flush=True)
        time.sleep(float(sys.argv[4]))
        for c in conns:
            c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
