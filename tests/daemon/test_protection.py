"""Protection kept by the daemon: start and restart without a gap or a
duplicate, hotplug, reload as a diff (and a broken reload changes
nothing), guests added and removed at runtime."""
import json
import os
import re
import signal
import time

import dlab
import labkit
from rawframes import frame

SPOOF_IP = "192.168.122.99"


def shape(ruleset):
    """A ruleset without its drop counters (a restart starts them at 0)."""
    return re.sub(r"\s*elements = \{[^}]*counter packets[^}]*\}", "", ruleset)


def handles(nslab):
    """Rule handles of alice's and the shared chains: a full apply renews
    them (the table is replaced), a diff of other guests leaves them be."""
    return [re.findall(r"# handle (\d+)", nslab.nft("-a", "list", "chain",
                                                   f, "bridgeguard", c))
            for f, c in (("netdev", "v4_vnic-alice"), ("netdev", "guard_ip4"),
                         ("bridge", "out_vnic-alice"), ("bridge", "prerouting"))]


def test_start_is_apply_and_restart_adopts(nslab, bgd):
    d = bgd()
    r1 = nslab.ruleset()
    assert "table netdev bridgeguard" in r1
    labkit.bg(nslab, "-c", d.config, "apply", check=0)
    assert nslab.ruleset() == r1               # the daemon installs what apply does
    assert d.stop() == 0
    assert nslab.ruleset() == r1               # exit leaves protection in force
    d.start()
    assert nslab.ruleset() == r1               # restart: replaced, not duplicated


def test_kill9_restart_no_gap(nslab, bgd):
    """Spoofed traffic throughout a kill -9 and a restart: none gets through,
    legitimate traffic does."""
    d = bgd()
    eve, alice = nslab.nodes["eve"], nslab.nodes["alice"]
    dlab.watch(nslab, "alice", SPOOF_IP, eve.ip4)
    sensor = d.sensor_pids()
    assert sensor, "no sensor process"
    spoof = frame("udp4", src=eve.mac, dst=alice.mac, sip=SPOOF_IP,
                  dip=alice.ip4)
    # a frame a millisecond for 3.3 s, from before the kill to after the restart
    with nslab.sender("eve", spoof, interval=0.001, maxtime=3.3) as flood:
        time.sleep(0.5)
        d.kill9()
        # the sensor goes with its parent (PR_SET_PDEATHSIG)
        assert labkit.wait_until(lambda: not any(
            os.path.exists(f"/proc/{p}") for p in sensor), 2)
        time.sleep(0.3)
        r1 = shape(nslab.ruleset())
        d.start()
        m = d.mark()
        time.sleep(0.3)
        assert flood.wait(30) == 0
    # under emulation the restart can outlast the flood: keep the attack going
    nslab.send("eve", spoof, count=5)
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac, sip=eve.ip4,
                            dip=alice.ip4), count=5)
    assert dlab.count_at(nslab, "alice", SPOOF_IP) == 0
    assert dlab.count_at(nslab, "alice", eve.ip4) == 5
    assert shape(nslab.ruleset()) == r1
    # the new daemon reports the attack still going on
    assert d.wait_event(m, "spoof_drop", timeout=labkit.scaled(1.5),
                        port="vnic-eve", reason="ipv4")


def test_hotplug_guest_port(nslab, bgd):
    n = nslab.nodes
    carol = labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                        "192.168.122.44", "fd00:122::44")
    d = bgd(labkit.config_yaml([n["alice"], n["bob"], n["eve"], carol]))
    assert "vnic-carol" in nslab.nft("list", "set", "bridge", "bridgeguard",
                                   "guest_ports")
    m = d.mark()
    nslab.add_node(carol)                       # appears after the start
    assert d.wait_event(m, "port_join", timeout=labkit.scaled(1), port="vnic-carol",
                        role="guest")
    assert not d.since(m, "unknown_port")
    dlab.watch(nslab, "alice", SPOOF_IP, carol.ip4)
    for attempt in range(2):
        nslab.send("carol", frame("udp4", src=carol.mac, dst=n["alice"].mac,
                                  sip=SPOOF_IP, dip=n["alice"].ip4), count=3)
        assert nslab.ping("carol", n["alice"].ip4, flush=True) == 1
        assert dlab.count_at(nslab, "alice", SPOOF_IP) == 0
        if attempt == 0:
            # deleted and re-created under the same name: still protected
            m = d.mark()
            nslab.run("host", "ip link del vnic-carol")
            assert d.wait_event(m, "port_leave", timeout=labkit.scaled(1), port="vnic-carol")
            nslab.add_node(carol)
    assert dlab.count_at(nslab, "alice", carol.ip4) > 0


def test_reload_applies_a_diff(nslab, bgd):
    n = nslab.nodes
    d = bgd()
    before = handles(nslab)
    bob = labkit.Node("bob", "vnic-bob", n["bob"].mac, "192.168.122.24",
                      n["bob"].ip6)
    d.config.write_text(labkit.config_yaml([n["alice"], bob]))
    d.p.send_signal(signal.SIGHUP)

    def applied():
        s = nslab.ruleset()
        return "192.168.122.24" in s and "v4_vnic-eve" not in s
    assert labkit.wait_until(applied, 2), nslab.ruleset()
    assert "192.168.122.22" not in nslab.nft("list", "chain", "netdev",
                                           "bridgeguard", "v4_vnic-bob")
    # eve is no guest any more: her port is an unknown port of br0
    assert '"vnic-eve"' in nslab.nft("list", "set", "bridge", "bridgeguard",
                                   "unknown_ports")
    assert "in_vnic-eve" not in nslab.ruleset()
    assert nslab.ping("eve", n["alice"].ip4, wait=1, flush=True) == 0
    # no other guest's rule was recreated: bob's and eve's chains only
    assert handles(nslab) == before
    # and back, through the control socket
    d.config.write_text(labkit.config_yaml([n["alice"], n["bob"], n["eve"]]))
    d.ctl("reload", check=0)
    assert nslab.ping("eve", n["alice"].ip4, flush=True) == 1
    assert "vnic-eve" not in nslab.nft("list", "set", "bridge", "bridgeguard",
                                     "unknown_ports")
    assert d.p.poll() is None


def test_reload_broken_config_keeps_rules(nslab, bgd):
    d = bgd()
    r1 = nslab.ruleset()
    good = d.config.read_text()
    d.config.write_text(good.replace("mac: 52:54:00:00:00:22",
                                     "mac: 52:54:00:00:00:2"))
    r = d.ctl("reload")
    assert r.returncode == 1
    assert re.search(re.escape(d.config.name) + r":\d+: .*mac", r.stderr), \
        r.stderr
    assert "stays in force" in r.stderr
    d.config.write_text("bridges: [ {name: br0, guests: [ {port: x} ] }\n")
    d.p.send_signal(signal.SIGHUP)
    assert labkit.wait_until(lambda: d.stderr().count("stays in force") >= 2, 2)
    assert nslab.ruleset() == r1
    assert d.p.poll() is None
    eve, alice = nslab.nodes["eve"], nslab.nodes["alice"]
    m = d.mark()
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac, sip=SPOOF_IP,
                            dip=alice.ip4), count=2)
    assert d.wait_event(m, "spoof_drop", timeout=labkit.scaled(1), reason="ipv4")


def test_guest_add_del_at_runtime(nslab, bgd):
    n = nslab.nodes
    eve, alice = n["eve"], n["alice"]
    d = bgd(labkit.config_yaml([n["alice"], n["bob"]]))
    # unknown port: dropped
    assert nslab.ping("eve", alice.ip4, wait=1, flush=True) == 0
    r = d.ctl("-v", "guest", "add", "--bridge", "br0", "--port", "vnic-eve",
              "--mac", eve.mac, "--ipv4", eve.ip4, "--ipv6", eve.ip6, check=0)
    assert "bound" in r.stdout
    assert nslab.ping("eve", alice.ip4, flush=True) == 1
    m, t0 = d.mark(), time.monotonic()
    nslab.send("eve", frame("udp4", src=eve.mac, dst=alice.mac, sip=SPOOF_IP,
                            dip=alice.ip4), count=4)
    e = d.wait_event(m, "spoof_drop", timeout=labkit.scaled(1), reason="ipv4")
    assert e and e[0]["count"] == 4 and time.monotonic() - t0 < labkit.scaled(1.5)
    # status shows the daemon's policy, runtime guests included
    assert re.search(r"guest\s+vnic-eve", d.ctl("status", check=0).stdout)
    # conflicts are refused with a reason, and change nothing
    r1 = nslab.ruleset()
    r = d.ctl("guest", "add", "--bridge", "br0", "--port", "vnic-x",
              "--mac", alice.mac, check=1)
    assert "already bound to port vnic-alice" in r.stderr
    d.ctl("guest", "add", "--bridge", "br9", "--port", "vnic-x", "--mac",
          "52:54:00:00:00:99", check=1)
    d.ctl("guest", "del", "--port", "vnic-eve", "--mac", "52:54:00:00:00:99",
          check=1)
    d.ctl("guest", "add", "--port", "vnic-x", check=2)     # usage
    # what no guest may be bound to: the CLI says so (exit 2), the daemon
    # is not asked (its own check of raw requests: test_control.py)
    for bad, why in ((["--mac", "00:00:00:00:00:00"], "mac"),
                     (["--mac", "52:54:00:00:00:99", "--ipv4", "0.0.0.0"], "ipv4"),
                     (["--mac", "52:54:00:00:00:99", "--ipv6", "::"], "ipv6"),
                     (["--mac", "52:54:00:00:00:99", "--ipv4", "239.1.1.1"], "ipv4"),
                     (["--mac", "52:54:00:00:00:99", "--ipv6", "ff02::1"], "ipv6"),
                     (["--port", "lo", "--mac", "52:54:00:00:00:99"], "lo")):
        port = [] if "--port" in bad else ["--port", "vnic-x"]
        r = d.ctl("guest", "add", "--bridge", "br0", *port, *bad, check=2)
        assert why in r.stderr, r.stderr
    # a guest bound to alice's derived link-local address, or named as a bridge
    r = d.ctl("guest", "add", "--bridge", "br0", "--port", "vnic-x", "--mac",
              "52:54:00:00:00:99", "--ipv6", labkit.eui64_ll(alice.mac), check=1)
    assert "already bound to port vnic-alice" in r.stderr, r.stderr
    r = d.ctl("guest", "add", "--bridge", "br0", "--port", "br0", "--mac",
              "52:54:00:00:00:99", check=1)
    assert "is a bridge" in r.stderr, r.stderr
    assert nslab.ruleset() == r1
    d.ctl("guest", "del", "--port", "vnic-eve", "--bridge", "br0", "--mac",
          eve.mac, check=0)
    assert nslab.ping("eve", alice.ip4, wait=1, flush=True) == 0
    assert "in_vnic-eve" not in nslab.ruleset()


def test_guest_save_survives_restart(nslab, bgd):
    n = nslab.nodes
    eve, alice = n["eve"], n["alice"]
    d = bgd(labkit.config_yaml([n["alice"], n["bob"]]))
    d.ctl("guest", "add", "--bridge", "br0", "--port", "vnic-eve", "--mac",
          eve.mac, "--ipv4", eve.ip4, "--save", check=0)
    assert "vnic-eve" in d.config.read_text()
    assert d.stop() == 0
    d.start()
    assert nslab.ping("eve", alice.ip4, flush=True) == 1
    # without --save, a runtime guest is gone after a restart
    d.ctl("guest", "del", "--port", "vnic-eve", check=0)
    assert "vnic-eve" in d.config.read_text()
    d.stop()
    d.start()
    assert nslab.ping("eve", alice.ip4, flush=True) == 1


def test_second_daemon_refused(nslab, bgd):
    """One daemon per namespace: a second one stops before touching the
    kernel, whatever its config says."""
    n = nslab.nodes
    d = bgd()
    r1 = nslab.ruleset()
    other = nslab.write_config(text=labkit.config_yaml([n["alice"]]))
    r = nslab.run("host", [d.binary, "-c", other, "run", "--socket", d.socket,
                         "--no-syslog"], check=False,
                env=dict(os.environ, ASAN_OPTIONS=dlab.ASAN_OPTIONS))
    assert r.returncode == 1 and "another bridgeguard daemon" in r.stderr
    assert nslab.ruleset() == r1
    assert d.p.poll() is None


def test_mirror_follows_hotplug(nslab, bgd):
    """A mirror's rules name interfaces (its monitor, `from: all`'s ports):
    the daemon recompiles them as interfaces come and go."""
    n = nslab.nodes
    d = bgd(labkit.config_yaml([n["alice"], n["bob"]]) +
            "    mirrors:\n      - name: ids\n        to: vnic-ids\n"
            "        from: all\n")
    assert "mirror_ids" not in nslab.ruleset()        # no monitor yet
    nslab.add_node(labkit.Node("ids", "vnic-ids", "52:54:00:00:00:99",
                               "192.168.122.99", "fd00:122::99"))
    assert labkit.wait_until(lambda: 'dup to "vnic-ids"' in nslab.ruleset(), 2)
    nslab.add_node(labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                               "192.168.122.44", "fd00:122::44"))

    def mirrored():
        chain = nslab.nft("list", "chain", "netdev", "bridgeguard",
                        "mirror_in_ids_0", check=False)
        return "vnic-carol" in chain
    assert labkit.wait_until(mirrored, 2), nslab.ruleset()
    # the monitor port cannot become a guest
    r = d.ctl("guest", "add", "--bridge", "br0", "--port", "vnic-ids",
              "--mac", "52:54:00:00:00:98", check=1)
    assert "monitor port" in r.stderr
    # carol is unknown (dropped) and still reported as such
    assert d.wait_event(0, "unknown_port", timeout=labkit.scaled(1), port="vnic-carol")
    assert '"vnic-carol"' in nslab.nft("list", "set", "bridge", "bridgeguard",
                                     "unknown_ports")


def test_tc_mirror_follows_hotplug(nslab, bgd):
    """Without the netdev egress hook (simulated), tc filters copy what
    leaves the monitored ports: the daemon gives a port that joins the
    bridge its filter, and status reports the tc backend."""
    n = nslab.nodes
    d = bgd(labkit.config_yaml([n["alice"], n["bob"]]) +
            "    mirrors:\n      - name: ids\n        to: vnic-ids\n"
            "        from: all\n        direction: out\n",
            env={"BRIDGEGUARD_FAULT": "no-egress"})
    nslab.add_node(labkit.Node("ids", "vnic-ids", "52:54:00:00:00:99",
                               "192.168.122.99", "fd00:122::99"))

    def tc_filter(dev):
        r = nslab.run("host", ["tc", "filter", "show", "dev", dev, "egress"],
                      check=False)
        return "pref 46592 bpf" in r.stdout and "device vnic-ids" in r.stdout
    assert labkit.wait_until(lambda: tc_filter("vnic-alice"), 2), \
        nslab.ruleset()
    assert "hook egress" not in nslab.ruleset()
    nslab.add_node(labkit.Node("carol", "vnic-carol", "52:54:00:00:00:44",
                               "192.168.122.44", "fd00:122::44"))
    assert labkit.wait_until(lambda: tc_filter("vnic-carol"), 2), \
        "vnic-carol joined br0 but got no tc filter"
    # status, a process of its own, finds the backend out as the daemon did
    st = json.loads(labkit.bg(nslab, "--socket", d.socket, "status", "--json",
                              env={"BRIDGEGUARD_FAULT": "no-egress"},
                              check=0).stdout)
    assert st["mirror-backend"] == "tc", st
