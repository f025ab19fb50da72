"""libvirt as the source of bindings, through the real library and its
test driver (tests/libvirt/node.xml, no libvirtd): `libvirt-import`, and
`source: libvirt` applied to a namespace lab whose taps are named as the
domain XML says."""
import json
from pathlib import Path

import pytest
from scapy.all import ARP, Ether

import labkit
from labkit import BCAST, Node, bg

NODE_XML = Path(__file__).resolve().parent.parent / "libvirt" / "node.xml"
TEST_URI = f"test://{NODE_XML}"

# The domains of node.xml on br0, as guests of a lab.
DB = Node("db", "vm-db", "52:54:00:aa:00:01", "192.168.122.31", "fd00:122::31")
CACHE = Node("cache", "testnet0", "52:54:00:aa:00:03", "192.168.122.41",
             "fd00:122::41")
STATIC = Node("eve", "vnic-eve", "52:54:00:00:00:33", "192.168.122.33",
              "fd00:122::33")
UPLINK = Node("uplink", "uplink0", "52:54:00:00:00:fe", "192.168.122.1",
              "fd00:122::1", trusted=True)


def test_import_prints_the_domains(netns, workdir):
    ns = netns("lv")
    r = bg(ns, "libvirt-import", "--uri", TEST_URI, check=0)
    out = r.stdout
    # where each binding comes from, as comments
    assert "# vm-db           domain db (11111111-2222-3333-4444-000000000001), has an nwfilter" in out
    assert "# testnet0        domain cache (11111111-2222-3333-4444-000000000003), " \
           "tap name not persistent" in out
    # the network's bridge and DHCP hosts; the nwfilter parameters
    bridges = {b.split()[0]: b for b in out.split("  - name: ")[1:]}
    web = bridges["lvbr1"]
    assert "port: vm-web" in web and "mac: 52:54:00:aa:00:02" in web
    assert "ipv4: [192.168.150.12]" in web and '"fd00:150::12"' in web
    br0 = bridges["br0"]
    assert "ipv4: [192.168.122.31, 192.168.122.32]" in br0
    assert '"fd00:122::31"' in br0 and "port: testnet0" in br0
    # an interface libvirt gives no address learns them
    cache = br0.split("port: testnet0")[1].split("- port:")[0]
    assert "ipv4: [dhcp]" in cache and "ipv6: [slaac]" in cache
    # it is a config bridgeguard reads
    p = workdir / "imported.yaml"
    p.write_text(out)
    p.chmod(0o644)
    chk = bg(ns, "-c", p, "check", check=0)
    assert "vm-web" in chk.stdout and "testnet0" in chk.stdout


def test_import_unreachable_libvirt(netns):
    r = bg(netns("lv"), "libvirt-import", "--uri", "test:///nonexistent/node.xml")
    assert r.returncode == 1
    assert "libvirt: connecting to test:///nonexistent/node.xml" in r.stderr


def libvirt_config(lab):
    return lab.write_config(text=f"""\
bridges:
  - name: br0
    trusted-ports: [uplink0]
    unknown-ports: drop
    source: libvirt
    libvirt-uri: "{TEST_URI}"
    guests:
      - port: vnic-eve
        mac: {STATIC.mac}
        ipv4: [{STATIC.ip4}]
""")


@pytest.fixture
def vlab():
    nodes = {n.name: Node(**n.__dict__) for n in (DB, CACHE, STATIC, UPLINK)}
    with labkit.Lab(nodes=nodes) as lab:
        yield lab


def ping_from(lab, who, src):
    r = lab.run(who, ["ping", "-c", "1", "-W", "1", "-I", src, UPLINK.ip4],
                check=False)
    return r.returncode == 0


def test_source_libvirt_binds_the_domains(vlab):
    lab = vlab
    # unprotected: db may use an address libvirt never gave it, and a MAC
    lab.run("db", "ip addr add 192.168.122.77/24 dev eth0")
    assert ping_from(lab, "db", "192.168.122.77")
    fake = "52:54:00:de:ad:01"
    lab.send("db", Ether(src=fake, dst=BCAST) /
             ARP(op=1, hwsrc=fake, psrc=DB.ip4, pdst=UPLINK.ip4))
    assert lab.fdb_ports(fake) == ["vm-db"]

    cfg = libvirt_config(lab)
    bg(lab, "-c", cfg, "apply", check=0)
    lab.reset_l2()
    for n in (DB, CACHE, STATIC):
        # each port hooked by its own chain, bound to the domain's MAC: a
        # frame from another MAC, otherwise the guest's, is dropped
        assert labkit.bound(lab.host, n.port, n.mac), lab.ruleset()
        other = "52:54:00:de:ad:" + n.mac[-2:]
        lab.send(n.name, Ether(src=other, dst=BCAST) /
                 ARP(op=1, hwsrc=n.mac, psrc=n.ip4, pdst=UPLINK.ip4))
        assert lab.fdb_ports(other) == [], n.port
    # the filterref's addresses pass, others do not
    assert ping_from(lab, "db", DB.ip4)
    assert not ping_from(lab, "db", "192.168.122.77")
    lab.run("db", f"ip addr add 192.168.122.32/24 dev eth0")
    assert ping_from(lab, "db", "192.168.122.32")
    lab.send("db", Ether(src=fake, dst=BCAST) /
             ARP(op=1, hwsrc=fake, psrc=DB.ip4, pdst=UPLINK.ip4))
    assert lab.fdb_ports(fake) == []
    # the static guest beside them
    assert ping_from(lab, "eve", STATIC.ip4)

    st = json.loads(bg(lab, "-c", cfg, "status", "--json", check=0).stdout)
    guests = {g["port"]: g for b in st["bridges"] for g in b["guests"]}
    assert {"vm-db", "testnet0", "vnic-eve"} <= guests.keys()
    # where each binding comes from, and libvirt's own filter beside it
    assert guests["vm-db"]["libvirt-uuid"] == "11111111-2222-3333-4444-000000000001"
    assert guests["vm-db"]["nwfilter"] == "clean-traffic"
    assert "nwfilter" not in guests["testnet0"]
    assert "libvirt-uuid" not in guests["vnic-eve"]
    text = bg(lab, "-c", cfg, "status", check=0).stdout
    assert "nwfilter:clean-traffic" in text

    # the audit compares the kernel with the config and libvirt's guests,
    # and asks the config's libvirt about nwfilter
    r = bg(lab, "-c", cfg, "audit", "--json")
    found = json.loads(r.stdout)
    assert not [f for f in found if f["check"] == "no_protection"], found
    assert [(f["port"], f["check"]) for f in found if f["check"] == "nwfilter"] \
        == [("vm-db", "nwfilter")]
    assert r.returncode == 0, found


def test_source_libvirt_unreachable_changes_nothing(vlab):
    lab = vlab
    cfg = lab.write_config(text="""\
bridges:
  - name: br0
    source: libvirt
    libvirt-uri: test:///nonexistent/node.xml
""")
    r = bg(lab, "-c", cfg, "apply")
    assert r.returncode == 1 and "libvirt: connecting to" in r.stderr
    assert "bridgeguard" not in lab.nft("list", "tables")
