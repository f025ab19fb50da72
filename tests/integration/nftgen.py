#!/usr/bin/python3
"""Print the nftables generation id of the current network namespace.

Every committed nftables transaction increments it by exactly one, so
comparing it before and after a command counts that command's commits.
(NFT_MSG_GETGEN over NETLINK_NETFILTER; no nft or scapy needed.)
"""
import socket
import struct

NETLINK_NETFILTER = 12
NFNL_SUBSYS_NFTABLES = 10
NFT_MSG_NEWGEN, NFT_MSG_GETGEN = 15, 16
NFTA_GEN_ID = 1
NLM_F_REQUEST = 1
NLMSG_ERROR = 2


def genid():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0))
    payload = struct.pack("BBH", socket.AF_UNSPEC, 0, 0)          # nfgenmsg
    hdr = struct.pack("=IHHII", 16 + len(payload),
                      (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETGEN,
                      NLM_F_REQUEST, 1, 0)
    s.send(hdr + payload)
    data = s.recv(65536)
    length, mtype, _, _, _ = struct.unpack_from("=IHHII", data)
    if mtype == NLMSG_ERROR:
        err = struct.unpack_from("=i", data, 16)[0]
        raise OSError(-err, "NFT_MSG_GETGEN failed")
    assert mtype == (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_NEWGEN, mtype
    off = 16 + 4
    while off + 4 <= length:
        alen, atype = struct.unpack_from("=HH", data, off)
        if atype & 0x3FFF == NFTA_GEN_ID:
            return struct.unpack_from(">I", data, off + 4)[0]
        off += (alen + 3) & ~3
    raise RuntimeError("no NFTA_GEN_ID in answer")


if __name__ == "__main__":
    print(genid())
