"""`bridgeguard run` following libvirt (source: libvirt): a real libvirtd,
unprivileged, in session mode with every file under the lab's directory,
serving libvirt's test driver (test:///default, whose state lives as long
as one connection to it does). Domains are defined, started and destroyed
with virsh; the daemon must bind and unbind their taps, one event each, and
survive libvirtd going away and coming back."""
import os
import shutil
import subprocess
import time

import pytest

import dlab
import labkit
import test_learning as learning

UUID = "5a5a5a5a-0000-4000-8000-00000000a11c"
# Bounded waits for an event (they end when it comes): generous, since
# make check-kernels runs this under emulation.
EVENT_WAIT = 20


def domain_xml(node, mac=None, ip=True):
    """node's domain; its address as an nwfilter parameter unless ip is
    False (libvirt then gives it none)."""
    filterref = f"""
      <filterref filter='clean-traffic'>
        <parameter name='IP' value='{node.ip4}'/>
      </filterref>""" if ip else ""
    return f"""<domain type='test'>
  <name>alpha</name>
  <uuid>{UUID}</uuid>
  <memory>65536</memory>
  <os><type>hvm</type></os>
  <devices>
    <interface type='bridge'>
      <source bridge='br0'/>
      <target dev='{node.port}'/>
      <mac address='{mac or node.mac}'/>{filterref}
    </interface>
  </devices>
</domain>
"""


class Libvirtd:
    """libvirtd as nobody, in session mode, inside the lab's host
    namespace; its socket, state and logs under one directory."""

    def __init__(self, lab):
        self.lab = lab
        self.dir = lab.dir / "libvirtd"
        self.dir.mkdir(exist_ok=True)
        shutil.chown(self.dir, "nobody", "nogroup")
        self.sock = self.dir / "run" / "libvirt" / "libvirt-sock"
        self.uri = f"test+unix:///default?socket={self.sock}"
        self.p = None

    def start(self):
        if self.sock.exists():
            self.sock.unlink()
        env = {"HOME": str(self.dir), "XDG_RUNTIME_DIR": str(self.dir / "run"),
               "XDG_CONFIG_HOME": str(self.dir / "cfg"),
               "XDG_CACHE_HOME": str(self.dir / "cache"),
               "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}
        log = open(self.dir / "log", "ab")
        self.p = self.lab.popen("host", labkit.SETPRIV + ["/usr/sbin/libvirtd"],
                                env=env, stdout=log, stderr=log)
        assert labkit.wait_until(lambda: self.sock.exists(), 15), \
            (self.dir / "log").read_text(errors="replace")
        return self

    def stop(self):
        if self.p:
            self.lab.stop(self.p)
            self.p = None

    def virsh(self, *args, input=None):
        return labkit.run(["virsh", "-q", "-c", self.uri] + list(args),
                          input=input)

    def define(self, xml):
        path = self.lab.dir / "alpha.xml"
        path.write_text(xml)
        self.virsh("define", path)


@pytest.fixture
def libvirtd(nslab):
    if not shutil.which("libvirtd") and not os.path.exists("/usr/sbin/libvirtd"):
        pytest.fail("libvirtd is not installed (scripts/deps.sh)")
    d = Libvirtd(nslab).start()
    try:
        yield d
    finally:
        d.stop()


def config(lab, uri):
    n = lab.nodes
    return f"""\
bridges:
  - name: br0
    trusted-ports: [uplink0]
    unknown-ports: drop
    source: libvirt
    libvirt-uri: "{uri}"
    guests:
      - port: {n['bob'].port}
        mac: {n['bob'].mac}
        ipv4: [{n['bob'].ip4}]
"""


def bound(lab, port, mac=None):
    """Does bridgeguard bind port (to mac): its own chain in_<port> hooks it
    (on every kernel: the port exists whenever these tests ask)?"""
    return labkit.bound(lab.host, port, mac) if mac else \
        labkit.hooked(lab.host, port)


def test_daemon_follows_domains(bgd, nslab, libvirtd):
    lab = nslab
    alice, up = lab.nodes["alice"], lab.nodes["uplink"]
    d = bgd(config(lab, libvirtd.uri))
    assert labkit.wait_until(lambda: "following the domains" in d.stderr(), 5)
    # alice's port is no domain's yet: an unknown port, dropped
    assert not bound(lab, alice.port)
    assert lab.ping("alice", up.ip4, flush=True) == 0
    assert lab.ping("bob", up.ip4, flush=True) == 1

    # start: bound, one event naming the domain
    m = d.mark()
    libvirtd.define(domain_xml(alice))
    libvirtd.virsh("start", "alpha")
    ev = d.wait_event(m, "guest_add", timeout=EVENT_WAIT, port=alice.port)
    assert ev and ev[0]["domain"] == "alpha" and ev[0]["uuid"] == UUID, d.stderr()
    assert ev[0]["bridge"] == "br0" and ev[0]["mac"] == alice.mac
    assert bound(lab, alice.port, alice.mac)
    assert lab.ping("alice", up.ip4, flush=True) == 1

    # stop: unbound
    m = d.mark()
    libvirtd.virsh("destroy", "alpha")
    ev = d.wait_event(m, "guest_remove", timeout=EVENT_WAIT, port=alice.port)
    assert ev and ev[0]["domain"] == "alpha" and ev[0]["uuid"] == UUID, d.stderr()
    assert not bound(lab, alice.port)
    assert lab.ping("alice", up.ip4, flush=True) == 0

    # a new MAC in the definition: the binding follows it
    new_mac = "52:54:00:00:a1:1c"
    libvirtd.define(domain_xml(alice, mac=new_mac))
    lab.run("alice", f"ip link set eth0 address {new_mac}")
    m = d.mark()
    libvirtd.virsh("start", "alpha")
    ev = d.wait_event(m, "guest_add", timeout=EVENT_WAIT, port=alice.port)
    assert ev and ev[0]["mac"] == new_mac, d.stderr()
    assert bound(lab, alice.port, new_mac)
    assert lab.ping("alice", up.ip4, flush=True) == 1
    assert lab.ping("bob", up.ip4, flush=True) == 1     # static, untouched
    assert len(d.since(m, "guest_add")) == 1


def test_daemon_survives_libvirtd_restart(bgd, nslab, libvirtd):
    lab = nslab
    alice, up = lab.nodes["alice"], lab.nodes["uplink"]
    d = bgd(config(lab, libvirtd.uri))
    assert labkit.wait_until(lambda: "following the domains" in d.stderr(), 5)
    m = d.mark()
    libvirtd.define(domain_xml(alice))
    libvirtd.virsh("start", "alpha")
    assert d.wait_event(m, "guest_add", timeout=EVENT_WAIT, port=alice.port), d.stderr()

    # libvirtd goes away: the bindings stay in force
    libvirtd.stop()
    assert labkit.wait_until(lambda: "lost the connection" in d.stderr(), 10), d.stderr()
    time.sleep(1.5)                     # a retry or two, failing
    assert bound(lab, alice.port)
    assert lab.ping("alice", up.ip4, flush=True) == 1
    assert d.p.poll() is None

    # back, with a fresh test:///default (no alpha): the resync unbinds it
    m = d.mark()
    libvirtd.start()
    ev = d.wait_event(m, "guest_remove", timeout=40, port=alice.port)
    assert ev and ev[0]["uuid"] == UUID and ev[0]["domain"] == "alpha", d.stderr()
    assert not bound(lab, alice.port)
    assert d.stderr().count("following the domains") == 2


def test_daemon_binds_taps_libvirt_names(bgd, nslab, libvirtd):
    """No <target dev>: libvirt names the tap at start (testnetN here,
    vnetN with QEMU); the binding follows the domain, whatever the name."""
    lab = nslab
    # The tap exists when libvirt says the domain started (QEMU's does):
    # ports for the names the test driver may give, on the bridge.
    for k in range(4):
        labkit.nsrun(lab.host, f"ip link add testnet{k} type veth peer name tn{k}p")
        labkit.nsrun(lab.host, f"ip link set testnet{k} master br0 up")
    d = bgd(config(lab, libvirtd.uri))
    assert labkit.wait_until(lambda: "following the domains" in d.stderr(), 5)
    xml = f"""<domain type='test'><name>beta</name>
  <uuid>5a5a5a5a-0000-4000-8000-0000000000be</uuid>
  <memory>65536</memory><os><type>hvm</type></os><devices>
  <interface type='bridge'><source bridge='br0'/>
  <mac address='52:54:00:00:00:be'/></interface></devices></domain>"""
    m = d.mark()
    libvirtd.define(xml)
    libvirtd.virsh("start", "beta")
    ev = d.wait_event(m, "guest_add", timeout=EVENT_WAIT, domain="beta")
    assert ev, d.stderr()
    assert ev[0]["port"].startswith("testnet")
    tap = ev[0]["port"]
    assert tap != "" and bound(lab, tap, "52:54:00:00:00:be")
    m = d.mark()
    libvirtd.virsh("destroy", "beta")
    assert d.wait_event(m, "guest_remove", timeout=EVENT_WAIT, port=tap, domain="beta"), d.stderr()
    assert not bound(lab, tap)


def test_domain_without_address_learns_by_dhcp(bgd, nslab, libvirtd):
    """A domain whose interface libvirt gives no address learns them, as
    `ipv4: dhcp` and `ipv6: slaac`: until dnsmasq's lease it may do DHCP
    only; then its lease is bound, its traffic flows and spoofing another
    address is still dropped. An IPv6 address it claims by DAD is bound
    too."""
    lab, carol = nslab, learning.CAROL
    up = lab.nodes["uplink"]
    d = bgd(config(lab, libvirtd.uri))
    assert labkit.wait_until(lambda: "following the domains" in d.stderr(), 5)
    learning.add_carol(lab)
    learning.dnsmasq(lab)
    m = d.mark()
    libvirtd.define(domain_xml(carol, ip=False))
    libvirtd.virsh("start", "alpha")
    assert d.wait_event(m, "guest_add", timeout=EVENT_WAIT, port=carol.port), d.stderr()
    dlab.watch(lab, "uplink", learning.SPOOF_IP)
    learning.udp_from(lab, learning.SPOOF_IP)        # no lease yet: dropped
    _, ip = learning.dhclient(lab)
    ev = d.wait_event(m, "binding_add", timeout=labkit.scaled(3), port=carol.port, ip=ip)
    assert ev and ev[0]["mac"] == carol.mac, d.stderr()
    assert lab.ping("carol", up.ip4, flush=True) == 1
    learning.udp_from(lab, learning.SPOOF_IP)
    assert dlab.count_at(lab, "uplink", learning.SPOOF_IP) == 0
    # IPv6: the address libvirt did not give is dropped until claimed
    lab.run("carol", f"ip -6 addr del {carol.ip6}/64 dev eth0")
    lab.run("carol", "sysctl -qw net.ipv6.conf.eth0.accept_dad=1")
    lab.run("carol", f"ip -6 addr add {carol.ip6}/64 dev eth0")
    ev = d.wait_event(m, "binding_add", timeout=labkit.scaled(5), port=carol.port,
                      ip=carol.ip6)
    assert ev and ev[0]["source"] == "dad", d.stderr()
    assert lab.ping("carol", up.ip6) == 1
