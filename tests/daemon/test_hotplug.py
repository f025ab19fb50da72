"""Ports that are absent, appear late, are re-created or come many at once,
on kernels that cannot hook absent devices (Debian's 6.1 and 6.12, where
bridgeguard hooks each port as the daemon sees it appear) and on those that
can (6.16+). Each test runs twice: as the kernel is, and with
BRIDGEGUARD_FAULT=no-absent-hooks, which makes bridgeguard build for a
kernel without those hooks on any kernel.

Whatever the kernel, a guest port that is not hooked yet gets nothing
forwarded: the bridge drops its frames by name (reason `unhooked`)."""
import re
import time

import pytest

import dlab
import labkit
from rawframes import frame

SPOOF_IP = "192.168.122.99"
CAROL = labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                    "192.168.122.44", "fd00:122::44")


# Sends each "device hexframe" line of stdin as a raw frame on that device.
SEND_ALL = """
import socket, sys
socks = {}
for line in sys.stdin:
    dev, frame = line.split()
    if dev not in socks:
        socks[dev] = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        socks[dev].bind((dev, 0))
    socks[dev].send(bytes.fromhex(frame))
"""


@pytest.fixture(params=["kernel", "fallback"])
def mode(request):
    """The environment bridgeguard runs with in this variant."""
    return {} if request.param == "kernel" else \
        {"BRIDGEGUARD_FAULT": "no-absent-hooks"}


def spoof(nslab, src, dst_node):
    """A UDP frame from src's MAC claiming SPOOF_IP, to dst_node."""
    return frame("udp4", src=src.mac, dst=dst_node.mac, sip=SPOOF_IP,
                 dip=dst_node.ip4)


def legit(src, dst_node):
    return frame("udp4", src=src.mac, dst=dst_node.mac, sip=src.ip4,
                 dip=dst_node.ip4)


def hooked(nslab, port):
    return labkit.hooked(nslab.host, port)


def hooked_ports(nslab):
    """The ports bridgeguard's ingress base chains in_<port> hook."""
    out = labkit.nft(nslab.host, "list", "table", "netdev", "bridgeguard")
    return {p for c, p in re.findall(
        r"chain in_(\S+) \{\n\s*type filter hook ingress devices? =? ?\{? ?\"([^\"]+)\"",
        out) if c == p}


def unhooked_chains(nslab):
    """bridgeguard's netdev base chains that hook no device."""
    out = labkit.nft(nslab.host, "list", "table", "netdev", "bridgeguard")
    bad, chain = [], None
    for line in out.splitlines():
        m = re.match(r"\s*chain (\S+) \{", line)
        if m:
            chain = m.group(1)
        elif "type filter hook" in line and "device" not in line:
            bad.append(chain)
    return bad


def test_port_absent_at_start_hooked_when_it_appears(nslab, bgd, mode):
    """carol's port does not exist when the daemon starts: on a kernel
    without hooks on absent devices she is waiting (status), and the daemon
    hooks her port as it appears; her spoofed frames never reach alice,
    her legitimate ones do."""
    n = nslab.nodes
    d = bgd(labkit.config_yaml([n["alice"], n["bob"], n["eve"], CAROL]),
            env=mode)
    absent_ok = labkit.hooks_absent_devices(nslab, d.config, env=mode)
    if mode:
        assert not absent_ok, "BRIDGEGUARD_FAULT=no-absent-hooks ignored"
    rc, out, err = labkit.bg(nslab, "-c", d.config, "status", env=mode)
    carol_line = [l for l in out.splitlines() if "vnic-carol" in l]
    assert carol_line and ("waiting" in carol_line[0]) == (not absent_ok), out
    dlab.watch(nslab, "alice", SPOOF_IP, CAROL.ip4)
    m = d.mark()
    nslab.add_node(CAROL)
    assert d.wait_event(m, "port_join", timeout=labkit.scaled(1),
                        port="vnic-carol", role="guest")
    assert labkit.wait_until(lambda: hooked(nslab, "vnic-carol"), labkit.scaled(1))
    nslab.send("carol", spoof(nslab, CAROL, n["alice"]), count=3)
    nslab.send("carol", legit(CAROL, n["alice"]), count=3)
    assert nslab.ping("carol", n["alice"].ip4, flush=True) == 1
    assert dlab.count_at(nslab, "alice", SPOOF_IP) == 0
    assert dlab.count_at(nslab, "alice", CAROL.ip4) >= 3
    rc, out, err = labkit.bg(nslab, "-c", d.config, "status", env=mode)
    assert "waiting" not in [l for l in out.splitlines() if "vnic-carol" in l][0]


def test_apply_without_daemon_is_fail_secure(nslab, mode):
    """`apply` with carol's port absent succeeds and, on a kernel that
    cannot hook it, lists her as waiting. With no daemon to hook her port
    when it appears, nothing she sends is forwarded (counted as
    `unhooked`); `bridgeguard run` then hooks it."""
    n = nslab.nodes
    cfg = nslab.write_config(guests=[n["alice"], n["bob"], n["eve"], CAROL])
    rc, out, err = labkit.bg(nslab, "-c", cfg, "apply", env=mode)
    assert rc == 0, err
    absent_ok = labkit.hooks_absent_devices(nslab, cfg, env=mode)
    assert ("waiting for 1 guest port" in out and "vnic-carol" in out) == \
        (not absent_ok), out
    dlab.watch(nslab, "alice", SPOOF_IP, CAROL.ip4)
    nslab.add_node(CAROL)
    nslab.send("carol", spoof(nslab, CAROL, n["alice"]), count=3)
    nslab.send("carol", legit(CAROL, n["alice"]), count=3)
    assert dlab.count_at(nslab, "alice", SPOOF_IP) == 0
    if absent_ok:
        assert dlab.count_at(nslab, "alice", CAROL.ip4) >= 3
        return
    assert dlab.count_at(nslab, "alice", CAROL.ip4) == 0, "unhooked port forwarded"
    assert nslab.drops("unhooked", "vnic-carol") >= 6
    d = dlab.Daemon(nslab, cfg, env=mode).start()
    try:
        assert labkit.wait_until(lambda: hooked(nslab, "vnic-carol"),
                                 labkit.scaled(1))
        assert nslab.ping("carol", n["alice"].ip4, flush=True) == 1
        nslab.send("carol", spoof(nslab, CAROL, n["alice"]), count=3)
        assert dlab.count_at(nslab, "alice", SPOOF_IP) == 0
    finally:
        assert d.stop() == 0, d.stderr()
        d.check_clean()


def test_recreated_port_blocked_from_first_frame(nslab, bgd, mode):
    """carol's spoofing works on an unprotected bridge. Protected, her port
    is deleted and re-created (a VM restart) while she floods spoofed
    frames from the moment the new port joins the bridge: not one reaches
    alice, and once re-hooked her legitimate traffic flows."""
    n = nslab.nodes
    nslab.add_node(CAROL)
    dlab.watch(nslab, "alice", SPOOF_IP, CAROL.ip4)
    nslab.send("carol", spoof(nslab, CAROL, n["alice"]), count=3)
    assert dlab.count_at(nslab, "alice", SPOOF_IP) == 3, "the attack fails unprotected"
    d = bgd(labkit.config_yaml([n["alice"], n["bob"], n["eve"], CAROL]),
            env=mode)
    base = dlab.count_at(nslab, "alice", SPOOF_IP)
    for attempt in range(2):
        m = d.mark()
        nslab.run("host", "ip link del vnic-carol")
        assert d.wait_event(m, "port_leave", timeout=labkit.scaled(1),
                            port="vnic-carol")
        nslab.add_node(CAROL, attach=False)
        with nslab.sender("carol", spoof(nslab, CAROL, n["alice"]),
                          interval=0.002):
            nslab.run("host", "ip link set vnic-carol master br0")
            time.sleep(labkit.scaled(0.5))
        assert dlab.count_at(nslab, "alice", SPOOF_IP) == base, \
            f"re-created port (try {attempt + 1}): spoofed frames reached alice"
        assert labkit.wait_until(lambda: hooked(nslab, "vnic-carol"),
                                 labkit.scaled(1))
        assert nslab.ping("carol", n["alice"].ip4, flush=True) == 1
    assert not unhooked_chains(nslab)


def test_last_port_of_a_chain_removed(nslab, bgd, mode):
    """When a guest's port goes, no base chain is left hooking no device
    (6.12 keeps one: the daemon deletes it), and the guest is hooked again
    when its port comes back."""
    n = nslab.nodes
    nslab.add_node(CAROL)
    d = bgd(labkit.config_yaml([n["alice"], n["bob"], n["eve"], CAROL]),
            env=mode)
    assert hooked(nslab, "vnic-carol")
    m = d.mark()
    nslab.run("host", "ip link del vnic-carol")
    assert d.wait_event(m, "port_leave", timeout=labkit.scaled(1),
                        port="vnic-carol")
    assert labkit.wait_until(lambda: not unhooked_chains(nslab),
                             labkit.scaled(1)), unhooked_chains(nslab)
    # the other guests keep their chains and protection
    assert hooked(nslab, "vnic-alice") and hooked(nslab, "vnic-eve")
    assert nslab.ping("alice", n["bob"].ip4, flush=True) == 1
    nslab.add_node(CAROL)
    assert labkit.wait_until(lambda: hooked(nslab, "vnic-carol"), labkit.scaled(1))
    assert nslab.ping("carol", n["alice"].ip4, flush=True) == 1
    assert d.p.poll() is None


def test_many_ports_at_once(nslab, bgd, mode):
    """40 configured guest ports created and enslaved in one go: each is
    hooked, its legitimate frame reaches alice, its spoofed one does not."""
    n = nslab.nodes
    many = [labkit.Node(f"m{i}", f"vnic-m{i}", f"52:54:00:00:01:{i:02x}",
                        f"192.168.122.{150 + i}", f"fd00:122::1:{i:x}")
            for i in range(40)]
    d = bgd(labkit.config_yaml([n["alice"], n["bob"], n["eve"]] + many),
            env=mode)
    dlab.watch(nslab, "alice", SPOOF_IP, *[g.ip4 for g in many])
    batch = []
    for i, g in enumerate(many):
        batch += [f"link add {g.port} type veth peer name bgm{i} address {g.mac}",
                  f"link set {g.port} master br0 up", f"link set bgm{i} up"]
    m = d.mark()
    nslab.run("host", ["ip", "-batch", "-"], input="\n".join(batch) + "\n")
    want = {g.port for g in many}
    assert labkit.wait_until(lambda: want <= hooked_ports(nslab),
                             labkit.scaled(3)), want - hooked_ports(nslab)
    # one process sends them all: a process start costs ~0.5 s under QEMU
    frames = [(f"bgm{i}", bytes(f).hex()) for i, g in enumerate(many)
              for f in (legit(g, n["alice"]), spoof(nslab, g, n["alice"]))]
    nslab.run("host", [labkit.PY, "-c", SEND_ALL], input="\n".join(
        f"{dev} {hexa}" for dev, hexa in frames) + "\n")
    got = dlab.counts_at(nslab, "alice")
    assert got.get(SPOOF_IP, 0) == 0
    missing = [g.port for g in many if got.get(g.ip4, 0) < 1]
    assert not missing, f"legitimate frames of hooked ports lost: {missing}"
    assert len(d.since(m, "port_join")) >= 40
    assert not unhooked_chains(nslab)
