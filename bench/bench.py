#!/usr/bin/python3
"""bridgeguard benchmark driver (called by bench/run.sh, which owns cleanup).

Measures, side by side in one run:
  control plane  loading the whole ruleset for N guests, and adding/removing
                 one guest while N are loaded, per method;
  data plane     TCP throughput (iperf3) and small-packet forwarding rate
                 between two guests across a bridge with N bound guests;
  daemon         control-socket add/remove, RSS, detection latency;
  mirroring      throughput with mirroring on/off.
Sections whose bridgeguard feature is not built yet print "not measured: ...".
Results go to OUT/results.json and OUT/results.tsv; report.py renders them.
"""
import argparse
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402
from nslib import CmdError, Netns, Registry, stop_proc  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

# Methods, in display order.  "cp" = control plane (full load), "inc" = one
# guest added/removed with N loaded, "dp" = data plane.
LABELS = {
    "bridgeguard": "bridgeguard apply",
    "bg-compile": "bridgeguard apply --dry-run (compile only, no kernel)",
    "bg-phase-read": "… of bridgeguard apply: reading the YAML config (its -v report)",
    "bg-phase-compile": "… of bridgeguard apply: compiling the ruleset (its -v report)",
    "bg-phase-commit": "… of bridgeguard apply: the netlink transaction (its -v report)",
    "nft-bg": "nft -f (bridgeguard --dry-run output)",
    "nft-ref": "nft -f (hand-written reference ruleset)",
    "iptables": "iptables-restore, seed-002 physdev rules (nft backend)",
    "iptables-legacy": "iptables-legacy-restore, seed-002 physdev rules",
    "ebtables-proc": "ebtables, one process per rule (libvirt nwfilter way)",
    "ebtables-restore": "ebtables-restore, same rules in one process",
    "bg-daemon": "bridgeguard guest add/del (daemon control socket)",
    "none": "no filtering",
    "hooks": "bridgeguard's hooks with no rules (the floor of any nftables ruleset there)",
    "ebtables": "ebtables per-guest rules in FORWARD",
}


# The data-plane load (iperf3 client and server, the small-packet sender) all
# run on this CPU: on a 2-core VM a same-core pair is both faster and steadier
# than a pair split across cores (the cross-core wake-ups dominate), and every
# cycle a filter spends per packet shows up in the result.  run.sh keeps the
# driver and the control-plane tools on the other CPU.
MEASURE_CPU = str(os.cpu_count() - 1)

# Phases of `bridgeguard -v apply`, from its own report on stderr, e.g.
# "config x.yaml read in 329.1 ms", "ruleset compiled in 18.7 ms, 40000 set
# elements committed in one transaction in 221.9 ms".
BG_PHASES = {
    "bg-phase-read": r"read in ([0-9.]+) ?(us|µs|ms|s)\b",
    "bg-phase-compile": r"compiled in ([0-9.]+) ?(us|µs|ms|s)\b",
    "bg-phase-commit": r"committed[^\n]* in ([0-9.]+) ?(us|µs|ms|s)\b",
}


def parse_duration(rx, text):
    m = re.search(rx, text)
    if not m:
        return None
    return float(m.group(1)) / {"us": 1e6, "µs": 1e6, "ms": 1e3, "s": 1.0}[m.group(2)]


SECTIONS = {"cp": "control_plane", "inc": "incremental", "dp": "data_plane",
            "mirror": "mirroring", "daemon": "daemon", "detect": "detection",
            "hook": "hook_latency"}


class Bench:
    def __init__(self, args):
        self.a = args
        self.reg = Registry(args.prefix, args.state)
        self.results = []
        self.failures = []
        self.notes = []
        self.bg = args.bridgeguard
        self.bg_ok, self.bg_why = self.probe_bridgeguard()
        self.flood = os.path.join(args.state, "udpflood")

    # ------------------------------------------------------------ recording
    def record(self, section, metric, method, n, unit, values, note="", extrapolated=False, status="ok"):
        r = dict(section=section, metric=metric, method=method, n=n, unit=unit,
                 values=values, note=note, extrapolated=extrapolated, status=status)
        if values and status == "ok":
            r.update(median=statistics.median(values), min=min(values), max=max(values))
        self.results.append(r)
        if status == "ok" and values:
            print("  %-14s %-18s N=%-6s median %s  (min %s, max %s, %d run%s)%s" % (
                section + " " + metric, method, n, fmt(r["median"], unit), fmt(r["min"], unit), fmt(r["max"], unit),
                len(values), "" if len(values) == 1 else "s", "  [extrapolated]" if extrapolated else ""),
                flush=True)
        else:
            print("  %-14s %-18s N=%-6s %s: %s" % (section + " " + metric, method, n, status, note), flush=True)
        return r

    def fail(self, section, metric, method, n, err):
        msg = str(err)
        self.failures.append("%s/%s/%s/N=%s: %s" % (section, metric, method, n, msg))
        self.record(section, metric, method, n, "", [], note=msg, status="failed")

    def not_measured(self, section, metric, method, why, n=""):
        self.record(section, metric, method, n, "", [], note=why, status="not measured")

    # ---------------------------------------------------------- bridgeguard
    def probe_bridgeguard(self):
        if not os.access(self.bg, os.X_OK):
            return False, "bridgeguard not built (%s missing; run make)" % self.bg
        try:
            r = subprocess.run([self.bg, "--version"], capture_output=True, timeout=10)
        except OSError as e:
            return False, "bridgeguard --version: %s" % e
        if r.returncode != 0:
            return False, "bridgeguard --version exited %d" % r.returncode
        cfg = self.write("probe.yaml", gen.yaml_config(gen.guests(2)))
        r = subprocess.run([self.bg, "-c", cfg, "apply", "--dry-run"], capture_output=True, timeout=30)
        if r.returncode != 0:
            return False, "bridgeguard apply --dry-run not working yet (exit %d: %s)" % (
                r.returncode, first_line(r.stderr))
        return True, ""

    def bg_version(self):
        if not os.access(self.bg, os.X_OK):
            return "not built"
        r = subprocess.run([self.bg, "--version"], capture_output=True, timeout=10)
        return first_line(r.stdout) or first_line(r.stderr) or "?"

    # -------------------------------------------------------------- files
    def write(self, name, text):
        p = os.path.join(self.a.state, name)
        with open(p, "w") as f:
            f.write(text)
        return p

    def files_for(self, n, extra=0, tag="cp"):
        """Write every method's input for n (+extra real) guests; return paths."""
        gs = gen.guests(n, extra)
        k = "%s%d" % (tag, n)
        f = dict(
            yaml=self.write(k + ".yaml", gen.yaml_config(gs)),
            nftref=self.write(k + ".ref.nft", gen.nft_reference(gs)),
            ipt=self.write(k + ".ipt", gen.iptables_restore(gs)),
            ebt=self.write(k + ".ebt", gen.ebtables_restore(gs)),
        )
        if n <= max(self.a.ebt_proc_max, 0):
            f["ebtsh"] = self.write(k + ".ebt.sh", "".join(
                "ebtables %s\n" % r for g in gs for r in gen.ebtables_rules(g)))
        if self.bg_ok:
            r = subprocess.run([self.bg, "-c", f["yaml"], "apply", "--dry-run"], capture_output=True, timeout=120)
            if r.returncode == 0:
                f["nftbg"] = self.write(k + ".bg.nft", r.stdout.decode())
            else:
                f["nftbg_err"] = "bridgeguard apply --dry-run exited %d: %s" % (r.returncode, first_line(r.stderr))
        return f

    # ====================================================== control plane
    def control_plane(self):
        print("== control plane: load the whole ruleset for N guests (%d runs each)" % self.a.cp_reps, flush=True)
        for n in self.a.cp_n:
            f = self.files_for(n)
            methods = []
            if self.bg_ok:
                methods += [("bridgeguard", [self.bg, "-v", "-c", f["yaml"], "apply"], None),
                            ("bg-compile", [self.bg, "-c", f["yaml"], "apply", "--dry-run"], None)]
                if "nftbg" in f:
                    methods.append(("nft-bg", ["nft", "-f", f["nftbg"]], None))
                else:
                    self.fail("cp", "load", "nft-bg", n, f.get("nftbg_err", "no dry-run output"))
            else:
                for m in ("bridgeguard", "nft-bg"):
                    self.not_measured("cp", "load", m, self.bg_why, n)
            methods += [("nft-ref", ["nft", "-f", f["nftref"]], None),
                        ("iptables", ["iptables-restore"], f["ipt"]),
                        ("iptables-legacy", ["iptables-legacy-restore"], f["ipt"]),
                        ("ebtables-restore", ["ebtables-restore"], f["ebt"])]
            if "ebtsh" in f:
                methods.append(("ebtables-proc", ["sh", "-e", f["ebtsh"]], None))
            nss = {m: Netns(self.reg, "cp%d-%s" % (n, m)) for m, _, _ in methods}
            times = {m: [] for m, _, _ in methods}
            phases = {p: [] for p in BG_PHASES}
            broken = set()
            for rep in range(self.a.cp_reps):
                for m, cmd, stdin in methods:
                    if m in broken:
                        continue
                    ns = nss[m]
                    try:
                        reset(ns, m)
                        if m == "bridgeguard":
                            secs, out = ns.timed(cmd, stdin=stdin, output=True)
                            times[m].append(secs)
                            for p, rx in BG_PHASES.items():
                                v = parse_duration(rx, out)
                                if v is not None:
                                    phases[p].append(v)
                        else:
                            times[m].append(ns.timed(cmd, stdin=stdin))
                        if rep == 0:
                            check_loaded(ns, m, n)
                    except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
                        broken.add(m)
                        self.fail("cp", "load", m, n, e)
            for m, _, _ in methods:
                if m not in broken:
                    self.record("cp", "load", m, n, "s", times[m])
                if m == "bridgeguard" and m not in broken:
                    # Where apply's time goes, as `bridgeguard -v apply` reports it.
                    for p in BG_PHASES:
                        if phases[p] and len(phases[p]) == len(times[m]):
                            self.record("cp", "load", p, n, "s", phases[p])
            for ns in nss.values():
                reset(ns, "all")
                ns.delete()
            if "ebtsh" not in f:
                self.ebtables_extrapolate(n)

    def ebtables_extrapolate(self, n):
        pts = {r["n"]: r["median"] for r in self.results
               if r["section"] == "cp" and r["method"] == "ebtables-proc" and r["status"] == "ok"
               and not r["extrapolated"]}
        if len(pts) < 2:
            self.not_measured("cp", "load", "ebtables-proc",
                              "one process per rule only run for N <= %d" % self.a.ebt_proc_max, n)
            return
        (n1, t1), (n2, t2) = sorted(pts.items())[-2:]
        import math
        b = math.log(t2 / t1) / math.log(n2 / n1)
        est = t2 * (n / n2) ** max(b, 1.0)
        self.record("cp", "load", "ebtables-proc", n, "s", [est], extrapolated=True,
                    note="extrapolated from N=%d and N=%d as t ~ N^%.2f (%d processes)"
                    % (n1, n2, max(b, 1.0), n * gen.EBT_RULES_PER_GUEST))

    # ---------------------------------------------- one guest added/removed
    def incremental(self):
        print("== control plane: add / remove one guest with N loaded (%d runs each)" % self.a.cp_reps, flush=True)
        for n in self.a.cp_n:
            base = self.files_for(n, tag="inc")
            plus = self.files_for(n, extra=1, tag="incplus")
            g = gen.Guest(n)
            ipt_add = self.write("inc%d.ipt.add" % n, gen.iptables_restore_noflush(gen.iptables_rules(g)))
            ipt_del = self.write("inc%d.ipt.del" % n, gen.iptables_restore_noflush(
                [r.replace("-A ", "-D ", 1) for r in gen.iptables_rules(g)]))
            ebt_add = self.write("inc%d.ebt.add" % n, "".join("ebtables %s\n" % r for r in gen.ebtables_rules(g)))
            ebt_del = self.write("inc%d.ebt.del" % n, "".join(
                "ebtables %s\n" % r.replace("-A ", "-D ", 1) for r in gen.ebtables_rules(g)))
            ref_add = self.write("inc%d.ref.add" % n, "".join(
                l + "\n" for l in gen.nft_reference_add(g, n).splitlines() if "element" in l))
            ref_del = self.write("inc%d.ref.del" % n, "".join(
                l + "\n" for l in gen.nft_reference_del(g, n).splitlines() if "element" in l))
            # method: (load cmd, load stdin, add cmd, add stdin, del cmd, del stdin)
            methods = []
            if self.bg_ok:
                methods.append(("bridgeguard", [self.bg, "-c", base["yaml"], "apply"], None,
                                [self.bg, "-c", plus["yaml"], "apply"], None,
                                [self.bg, "-c", base["yaml"], "apply"], None))
            else:
                self.not_measured("inc", "add", "bridgeguard", self.bg_why, n)
            methods += [
                ("nft-ref", ["nft", "-f", base["nftref"]], None,
                 ["nft", "-f", ref_add], None, ["nft", "-f", ref_del], None),
                ("iptables", ["iptables-restore"], base["ipt"],
                 ["iptables-restore", "--noflush"], ipt_add, ["iptables-restore", "--noflush"], ipt_del),
                ("iptables-legacy", ["iptables-legacy-restore"], base["ipt"],
                 ["iptables-legacy-restore", "--noflush"], ipt_add,
                 ["iptables-legacy-restore", "--noflush"], ipt_del),
                ("ebtables-proc", ["ebtables-restore"], base["ebt"],
                 ["sh", "-e", ebt_add], None, ["sh", "-e", ebt_del], None),
            ]
            for m, lc, ls, ac, ast, dc, ds in methods:
                ns = Netns(self.reg, "inc%d-%s" % (n, m))
                adds, dels = [], []
                try:
                    ns.run(lc, stdin=ls, timeout=600)
                    for rep in range(self.a.cp_reps):
                        adds.append(ns.timed(ac, stdin=ast))
                        dels.append(ns.timed(dc, stdin=ds))
                    self.record("inc", "add", m, n, "s", adds)
                    self.record("inc", "del", m, n, "s", dels)
                except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
                    self.fail("inc", "add/del", m, n, e)
                reset(ns, "all")
                ns.delete()

    # ========================================================== data plane
    def make_lab(self, method, n, monitor=False):
        """Bridge br0 in a host namespace, guests a and b (ports g<n>, g<n+1>)."""
        tag = "dp%d-%s" % (n, method)
        lab = dict(method=method, n=n, a=None)
        h = Netns(self.reg, tag + "-h")
        a = Netns(self.reg, tag + "-a")
        b = Netns(self.reg, tag + "-b")
        lab.update(h=h, a=a, b=b, ga=gen.Guest(n), gb=gen.Guest(n + 1), procs=[])
        for ns in (h, a, b):
            ns.sysctl("net.ipv6.conf.all.disable_ipv6", 1)
            ns.sysctl("net.ipv6.conf.default.disable_ipv6", 1)
        # br_netfilter is per namespace: only the iptables labs hand bridged
        # IPv4 to iptables; everyone else must not pay for it.
        nf = 1 if method.startswith("iptables") else 0
        h.sysctl("net.bridge.bridge-nf-call-iptables", nf)
        h.sysctl("net.bridge.bridge-nf-call-ip6tables", 0)
        h.sysctl("net.bridge.bridge-nf-call-arptables", 0)
        h.run(["ip", "link", "add", "br0", "type", "bridge"])
        h.run(["ip", "link", "set", "br0", "up"])
        for g, ns in ((lab["ga"], a), (lab["gb"], b)):
            h.run(["ip", "link", "add", g.port, "type", "veth", "peer", "name", "eth0", "netns", ns.name])
            h.run(["ip", "link", "set", g.port, "master", "br0", "up"])
            ns.run(["ip", "link", "set", "eth0", "address", g.mac])
            ns.run(["ip", "addr", "add", "%s/%d" % (g.ip4, gen.V4_PREFIX), "dev", "eth0"])
            ns.run(["ip", "link", "set", "eth0", "up"])
        if monitor:
            m = Netns(self.reg, tag + "-m")
            h.run(["ip", "link", "add", "gmon", "type", "veth", "peer", "name", "eth0", "netns", m.name])
            h.run(["ip", "link", "set", "gmon", "up"])
            m.run(["ip", "link", "set", "eth0", "up"])
            lab["m"] = m
        return lab

    def load_lab(self, lab):
        m, n, h = lab["method"], lab["n"], lab["h"]
        gs = gen.guests(n, 2)
        if m == "none":
            return
        if m == "bridgeguard":
            cfg = self.write("%s.yaml" % h.short, gen.yaml_config(gs))
            try:
                h.run([self.bg, "-c", cfg, "apply"], timeout=300)
            except CmdError as e:
                # Still measure bridgeguard's ruleset: load its --dry-run
                # output with nft, and report the apply failure as such.
                self.fail("dp", "setup", m, n, e)
                _, out, _ = h.run([self.bg, "-c", cfg, "apply", "--dry-run"], timeout=300)
                h.run(["nft", "flush", "ruleset"])
                h.run(["nft", "-f", self.write("%s.bg.nft" % h.short, out)], timeout=300)
                lab["note"] = "bridgeguard apply failed; its --dry-run ruleset was loaded with nft -f"
        elif m == "nft-ref":
            h.run(["nft", "-f", self.write("%s.nft" % h.short, gen.nft_reference(gs))], timeout=300)
        elif m == "hooks":
            # the two real guests' ports only: N names no existing device
            h.run(["nft", "-f", self.write("%s.hooks.nft" % h.short, gen.nft_hooks_only(gs[-2:]))],
                  timeout=300)
        elif m in ("iptables", "iptables-legacy"):
            cmd = "iptables-restore" if m == "iptables" else "iptables-legacy-restore"
            h.run([cmd], stdin=self.write("%s.ipt" % h.short, gen.iptables_restore(gs)), timeout=300)
        elif m == "ebtables":
            h.run(["ebtables-restore"], stdin=self.write("%s.ebt" % h.short, gen.ebtables_restore(gs)), timeout=600)
        else:
            raise RuntimeError("unknown method " + m)

    def check_lab(self, lab):
        """Legitimate traffic flows; a spoofed source is dropped by filters."""
        a, gb = lab["a"], lab["gb"]
        for _ in range(3):
            if a.run(["ping", "-c", "1", "-W", "1", gb.ip4], check=False)[0] == 0:
                break
        else:
            raise RuntimeError("no connectivity between the two guests (ping %s failed)" % gb.ip4)
        spoof = gen.spoof_ip4()
        a.run(["ip", "addr", "add", "%s/%d" % (spoof, gen.V4_PREFIX), "dev", "eth0"])
        ok = a.run(["ping", "-c", "1", "-W", "1", "-I", spoof, gb.ip4], check=False)[0] == 0
        a.run(["ip", "addr", "del", "%s/%d" % (spoof, gen.V4_PREFIX), "dev", "eth0"])
        a.run(["ip", "neigh", "flush", "all"], check=False)
        lab["b"].run(["ip", "neigh", "flush", "all"], check=False)
        a.run(["ping", "-c", "1", "-W", "1", gb.ip4], check=False)
        expect = lab["method"] in ("none", "hooks")
        if ok != expect:
            msg = ("%s: a spoofed source IP %s" % (lab["method"], "got through" if ok else "was dropped"))
            self.notes.append("WARNING: filter check failed at N=%d: %s" % (lab["n"], msg))
            print("  WARNING:", msg, flush=True)
            return False
        return True

    def start_servers(self, lab):
        b, gb = lab["b"], lab["gb"]
        p = b.popen(["taskset", "-c", MEASURE_CPU, "iperf3", "-s", "-B", gb.ip4],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        lab["procs"].append(p)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            _, out, _ = b.run(["ss", "-ltnH", "sport", "= :5201"], check=False)
            if out.strip():
                return
            time.sleep(0.05)
        raise RuntimeError("iperf3 server did not start in %s" % b.name)

    def tcp(self, lab):
        a, gb, t = lab["a"], lab["gb"], self.a.dp_secs
        _, out, _ = a.run(["taskset", "-c", MEASURE_CPU, "iperf3", "-c", gb.ip4, "-t", str(t), "-J",
                           "--connect-timeout", "3000"], timeout=t + 30)
        return json.loads(out)["end"]["sum_received"]["bits_per_second"] / 1e9

    def pps(self, lab):
        a, b, h, gb, t = lab["a"], lab["b"], lab["h"], lab["gb"], self.a.dp_secs
        sink = b.popen([self.flood, "sink", "9", str(t + 3)], stdout=subprocess.DEVNULL)
        time.sleep(0.1)
        before = h.link_stats(gb.port)[1]
        t0 = time.monotonic()
        a.run(["taskset", "-c", MEASURE_CPU, self.flood, "send", gb.ip4, "9", str(t), "64"], timeout=t + 30)
        el = time.monotonic() - t0
        after = h.link_stats(gb.port)[1]
        stop_proc(sink)
        return (after - before) / el / 1e3

    def data_plane(self):
        methods = ["none", "hooks"] + (["bridgeguard"] if self.bg_ok else []) + \
                  ["nft-ref", "iptables", "iptables-legacy", "ebtables"]
        methods = [m for m in methods if m in self.a.dp_methods]
        if not self.bg_ok:
            self.not_measured("dp", "tcp", "bridgeguard", self.bg_why)
        print("== data plane: %d s runs, %d runs each, methods round-robin" % (self.a.dp_secs, self.a.dp_reps),
              flush=True)
        for n in self.a.dp_n:
            labs = []
            for m in methods:
                try:
                    lab = self.make_lab(m, n)
                    t0 = time.perf_counter()
                    self.load_lab(lab)
                    lab["load_s"] = time.perf_counter() - t0
                    lab["verified"] = self.check_lab(lab)
                    self.start_servers(lab)
                    labs.append(lab)
                except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
                    self.fail("dp", "setup", m, n, e)
            res = {(lab["method"], k): [] for lab in labs for k in ("tcp", "pps")}
            dead = set()
            for rep in range(self.a.dp_reps):
                for kind, fn in (("tcp", self.tcp), ("pps", self.pps)):
                    for lab in labs:
                        if (lab["method"], kind) in dead:
                            continue
                        try:
                            res[(lab["method"], kind)].append(fn(lab))
                        except (CmdError, RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as e:
                            dead.add((lab["method"], kind))
                            self.fail("dp", kind, lab["method"], n, e)
            for lab in labs:
                note = "; ".join(x for x in (lab.get("note", ""), "" if lab["verified"] else
                                             "filter check failed: spoofed source not dropped") if x)
                for kind, unit in (("tcp", "Gbit/s"), ("pps", "kpps")):
                    if (lab["method"], kind) not in dead:
                        self.record("dp", kind, lab["method"], n, unit, res[(lab["method"], kind)], note=note)
            for lab in labs:
                self.destroy_lab(lab)

    def destroy_lab(self, lab):
        for p in lab["procs"]:
            stop_proc(p)
        reset(lab["h"], "all")
        for k in ("a", "b", "m", "h"):
            if lab.get(k):
                lab[k].delete()
        time.sleep(0.2)

    # ============================================================ mirroring
    def mirroring(self):
        print("== mirroring on/off (issue 3)", flush=True)
        if not self.bg_ok:
            self.not_measured("mirror", "tcp", "bridgeguard", self.bg_why)
            return
        ga, gb = gen.Guest(0), gen.Guest(1)
        mir = [dict(name="ids", to="gmon", **{"from": [ga.port, gb.port]}, direction="both")]
        off = self.write("mirror-off.yaml", gen.yaml_config([ga, gb]))
        on = self.write("mirror-on.yaml", gen.yaml_config([ga, gb], mirrors=mir))
        r = subprocess.run([self.bg, "-c", on, "apply", "--dry-run"], capture_output=True, timeout=30)
        if r.returncode != 0:
            self.not_measured("mirror", "tcp", "bridgeguard",
                              "mirrors not supported by this bridgeguard (apply --dry-run of a config with "
                              "`mirrors` exited %d: %s)" % (r.returncode, first_line(r.stderr)))
            return
        lab = None
        try:
            lab = self.make_lab("bridgeguard", 0, monitor=True)
            # Mirrors are compiled only for a monitor port that exists, so
            # ask inside the lab, where it does.
            _, d_on, _ = lab["h"].run([self.bg, "-c", on, "apply", "--dry-run"])
            _, d_off, _ = lab["h"].run([self.bg, "-c", off, "apply", "--dry-run"])
            if d_on == d_off:
                self.not_measured("mirror", "tcp", "bridgeguard",
                                  "mirrors are accepted in the config but not compiled (apply --dry-run in the "
                                  "lab, monitor port present, prints the same ruleset with and without them)")
                return
            lab["h"].run([self.bg, "-c", off, "apply"])
            self.check_lab(lab)
            self.start_servers(lab)
            # "tc": the backend for kernels without the netdev egress hook,
            # which this kernel is told to pretend it lacks.
            res = {"off": [], "on": [], "tc": [], "frac": [], "frac-tc": []}
            for rep in range(self.a.dp_reps):
                for state, cfg in (("off", off), ("on", on), ("tc", on)):
                    env = ["env", "BRIDGEGUARD_FAULT=no-egress"] if state == "tc" else []
                    lab["h"].run(env + [self.bg, "-c", cfg, "apply"])
                    c0 = self.mirror_counters(lab)
                    res[state].append(self.tcp(lab))
                    c1 = self.mirror_counters(lab)
                    if state != "off":
                        crossing = (c1[0] - c0[0]) + (c1[1] - c0[1])
                        res["frac" if state == "on" else "frac-tc"].append(
                            (c1[2] - c0[2]) / crossing if crossing else 0.0)
            self.record("mirror", "tcp", "mirror-off", 0, "Gbit/s", res["off"])
            self.record("mirror", "tcp", "mirror-on", 0, "Gbit/s", res["on"])
            self.record("mirror", "tcp", "mirror-on-tc", 0, "Gbit/s", res["tc"])
            self.record("mirror", "monitor-fraction", "mirror-on", 0, "ratio", res["frac"],
                        note="frames received by the monitor / frames the two guests sent into the bridge")
            self.record("mirror", "monitor-fraction", "mirror-on-tc", 0, "ratio", res["frac-tc"],
                        note="as above, frames leaving ports copied by tc (mirred)")
            lab["h"].run([self.bg, "flush"])
            if max(res["frac"]) == 0:
                raise RuntimeError("mirroring is configured but the monitor port received no frames")
        except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
            self.fail("mirror", "tcp", "bridgeguard", 0, e)
        finally:
            if lab:
                self.destroy_lab(lab)

    def mirror_counters(self, lab):
        h = lab["h"]
        return (h.link_stats(lab["ga"].port)[0], h.link_stats(lab["gb"].port)[0],
                lab["m"].link_stats("eth0")[0])

    # =============================================================== daemon
    def start_daemon(self, ns, cfg, events=None, env=None):
        """Start `bridgeguard run`; return (proc, None) or (None, reason)."""
        log = os.path.join(self.a.state, "%s.daemon.log" % ns.short)
        cmd = [self.bg, "-c", cfg, "run"] + (["--events", events] if events else [])
        with open(log, "wb") as lf:
            p = ns.popen(cmd, stdout=subprocess.DEVNULL, stderr=lf, env=dict(os.environ, **(env or {})))
        probe = gen.Guest(60000)  # in range, above any N used here
        deadline = time.monotonic() + 60    # 10,000 base chains take seconds
        last = ""
        while time.monotonic() < deadline:
            if p.poll() is not None:
                with open(log, "rb") as lf:
                    msg = first_line(lf.read())
                if p.returncode == 2:
                    return None, "daemon not built (`bridgeguard run` exited 2: %s)" % msg
                raise RuntimeError("bridgeguard run exited %d: %s" % (p.returncode, msg))
            rc, _, err = ns.run(self.guest_cmd("add", probe), check=False, timeout=10)
            if rc == 0:
                ns.run(self.guest_cmd("del", probe), timeout=10)
                return p, None
            if rc == 2:
                stop_proc(p)
                return None, "daemon control socket client not built (`bridgeguard guest add` exited 2: %s)" \
                    % first_line(err)
            last = first_line(err)
            time.sleep(0.1)
        stop_proc(p)
        raise RuntimeError("bridgeguard run: control socket not answering after 60 s (%s)" % last)

    def guest_cmd(self, verb, g):
        c = [self.bg, "-v", "guest", verb, "--bridge", "br0", "--port", g.port, "--mac", g.mac]
        if verb == "add":
            c += ["--ipv4", g.ip4, "--ipv6", g.ip6]
        return c

    def daemon(self):
        print("== daemon: guest add/del via control socket, RSS (issue 4)", flush=True)
        if not self.bg_ok:
            for what in ("add", "rss", "latency"):
                self.not_measured("daemon", what, "bg-daemon", self.bg_why)
            return
        for n in self.a.cp_n:
            ns = Netns(self.reg, "daemon%d" % n)
            cfg = self.write("daemon%d.yaml" % n, gen.yaml_config(gen.guests(n)))
            p = None
            try:
                p, why = self.start_daemon(ns, cfg)
                if p is None:
                    self.not_measured("daemon", "add/del/rss", "bg-daemon", why)
                    self.not_measured("inc", "add", "bg-daemon", why)
                    break
                g = gen.Guest(n)
                t = {"add": [], "del": []}
                inside = {"add": [], "del": []}
                for rep in range(self.a.cp_reps):
                    for verb in ("add", "del"):
                        secs, out = ns.timed(self.guest_cmd(verb, g), output=True)
                        t[verb].append(secs)
                        # The daemon says how long its own transaction took
                        # ("... committed in 248 us"), without process start-up.
                        v = parse_duration(r"in ([0-9.]+) ?(us|µs|ms|s)\b", out)
                        if v is not None:
                            inside[verb].append(v)
                for verb in ("add", "del"):
                    self.record("inc", verb, "bg-daemon", n, "s", t[verb])
                    if inside[verb] and len(inside[verb]) == len(t[verb]):
                        self.record("inc", verb, "bg-daemon-inside", n, "s", inside[verb])
                self.record("daemon", "rss", "bg-daemon", n, "MiB", [rss_mib(p.pid)])
            except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
                self.fail("daemon", "add/del/rss", "bg-daemon", n, e)
            finally:
                if p:
                    stop_proc(p)
                reset(ns, "all")
                ns.delete()

    def detection(self):
        print("== detection latency: spoofed frame -> JSON event line (issue 4)", flush=True)
        if not self.bg_ok:
            self.not_measured("detect", "latency", "bg-daemon", self.bg_why)
            return
        n = min(100, max(self.a.cp_n))
        lab, p = None, None
        events = os.path.join(self.a.state, "events.jsonl")
        try:
            lab = self.make_lab("bridgeguard", n)
            cfg = self.write("detect.yaml", gen.yaml_config(gen.guests(n, 2)))
            p, why = self.start_daemon(lab["h"], cfg, events=events)
            if p is None:
                self.not_measured("detect", "latency", "bg-daemon", why)
                return
            lab["procs"].append(p)
            self.check_lab(lab)
            ga, gb = lab["ga"], lab["gb"]
            reps = self.a.cp_reps
            _, out, _ = lab["a"].run(["/usr/bin/python3", os.path.join(HERE, "detect.py"), "eth0", ga.mac, gb.mac,
                                      gen.spoof_ip4(), gb.ip4, events, str(reps), "2"], timeout=reps * 8 + 10)
            lines = out.split()
            vals = [float(x) for x in lines if x != "timeout"]
            if len(vals) != len(lines):
                raise RuntimeError("%d of %d spoofed frames produced no spoof_drop event within 5 s"
                                   % (len(lines) - len(vals), len(lines)))
            self.record("detect", "latency", "bg-daemon", n, "s", vals,
                        note="includes the daemon's aggregation window, if any")
        except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
            self.fail("detect", "latency", "bg-daemon", n, e)
        finally:
            if lab:
                self.destroy_lab(lab)

    def hook_latency(self):
        """On a kernel without netdev hooks on absent devices (6.1, 6.12;
        BRIDGEGUARD_FAULT=no-absent-hooks builds for one on any kernel)
        the daemon hooks a guest port when it sees it appear: the time from
        the port's RTM_NEWLINK to the commit of its ingress chain, as two
        monitors in the namespace see them (`ip monitor link`, `nft
        monitor`). Until then the bridge drops what the port sends, but
        link-local frames can teach it a wrong port: this is that window."""
        print("== port appears -> its ingress chain is hooked (kernels without absent-device hooks)",
              flush=True)
        if not self.bg_ok:
            self.not_measured("hook", "latency", "bg-daemon", self.bg_why)
            return
        reps = self.a.cp_reps
        for n in sorted({min(100, max(self.a.cp_n)), max(self.a.cp_n)}):
            ns = Netns(self.reg, "hook%d" % n)
            p, mons = None, []
            try:
                ns.run(["ip", "link", "add", "br0", "type", "bridge"])
                cfg = self.write("hook%d.yaml" % n, gen.yaml_config(gen.guests(n + reps)))
                p, why = self.start_daemon(ns, cfg, env={"BRIDGEGUARD_FAULT": "no-absent-hooks"})
                if p is None:
                    self.not_measured("hook", "latency", "bg-daemon", why)
                    return
                seen = {}
                mons = [self.monitor(ns, ["ip", "monitor", "link"], seen, "link"),
                        self.monitor(ns, ["nft", "monitor", "chains"], seen, "chain")]
                # nft monitor reads the whole ruleset before it listens:
                # seconds at 10,000 guests
                time.sleep(0.3 + n / 1000)
                vals = []
                for rep in range(reps):
                    g = gen.Guest(n + rep)
                    ns.run(["ip", "link", "add", g.port, "type", "veth", "peer", "name", "p" + g.port])
                    deadline = time.monotonic() + 5
                    while time.monotonic() < deadline and not (("link", g.port) in seen and
                                                               ("chain", "in_" + g.port) in seen):
                        time.sleep(0.005)
                    if ("chain", "in_" + g.port) not in seen or ("link", g.port) not in seen:
                        raise RuntimeError("%s: no ingress chain 5 s after the port appeared" % g.port)
                    vals.append(seen[("chain", "in_" + g.port)] - seen[("link", g.port)])
                self.record("hook", "latency", "bg-daemon", n, "s", vals,
                            note="RTM_NEWLINK seen by `ip monitor` -> chain seen by `nft monitor`")
            except (CmdError, RuntimeError, subprocess.TimeoutExpired) as e:
                self.fail("hook", "latency", "bg-daemon", n, e)
            finally:
                for m in mons:
                    stop_proc(m)
                if p:
                    stop_proc(p)
                reset(ns, "all")
                ns.delete()

    def monitor(self, ns, cmd, seen, kind):
        """Runs cmd in ns; notes in seen[(kind, name)] when a line first names
        a link (`N: name:` or `N: name@peer:`) or a chain (`create chain ... name`)."""
        import threading
        p = ns.popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

        def reader():
            for line in p.stdout:
                t = time.monotonic()
                m = re.match(r"^\d+: ([^:@\s]+)[@:]", line) if kind == "link" else \
                    re.match(r"^(?:add|create) chain \S+ \S+ (\S+)", line)
                if m and (kind, m.group(1)) not in seen:
                    seen[(kind, m.group(1))] = t
        threading.Thread(target=reader, daemon=True).start()
        return p

    # ============================================================== driver
    def meta(self):
        def ver(cmd):
            try:
                r = subprocess.run(cmd, capture_output=True, timeout=10)
                return first_line(r.stdout) or first_line(r.stderr)
            except OSError:
                return "not found"
        cpu = "?"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) // 1024
        def git(*args):                 # a tarball, or no git installed: ""
            try:
                return subprocess.run(["git", "-C", REPO] + list(args),
                                      capture_output=True).stdout.decode().strip()
            except OSError:
                return ""
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
        return dict(
            date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            mode="smoke" if self.a.smoke else "full",
            machine="%s, %d cores, %d MiB RAM" % (cpu, os.cpu_count(), mem),
            kernel="%s %s" % (platform.system(), platform.release()),
            bridgeguard=self.bg_version(),
            git=(commit or "unknown") + (" (dirty)" if dirty else ""),
            nft=ver(["nft", "--version"]), iptables=ver(["iptables", "--version"]),
            iptables_legacy=ver(["iptables-legacy", "--version"]),
            ebtables=ver(["ebtables", "--version"]), iperf3=ver(["iperf3", "--version"]),
            gnuplot=ver(["gnuplot", "--version"]),
            loadavg=open("/proc/loadavg").read().split()[0:3],
            mitigations=mitigations(),
            cp_n=self.a.cp_n, dp_n=self.a.dp_n, cp_reps=self.a.cp_reps, dp_reps=self.a.dp_reps,
            dp_secs=self.a.dp_secs,
            ebt_rules_per_guest=gen.EBT_RULES_PER_GUEST, ipt_rules_per_guest=gen.IPT_RULES_PER_GUEST,
        )

    def save(self, meta, elapsed):
        meta["elapsed_s"] = round(elapsed, 1)
        with open("/proc/loadavg") as f:
            meta["loadavg_end"] = f.read().split()[0:3]
        doc = dict(meta=meta, results=self.results, notes=self.notes, failures=self.failures)
        with open(os.path.join(self.a.out, "results.json"), "w") as f:
            json.dump(doc, f, indent=1)
        cols = ["section", "metric", "method", "n", "unit", "median", "min", "max", "runs",
                "extrapolated", "status", "note", "values"]
        with open(os.path.join(self.a.out, "results.tsv"), "w") as f:
            f.write("\t".join(cols) + "\n")
            for r in self.results:
                row = [r["section"], r["metric"], r["method"], str(r["n"]), r["unit"],
                       g6(r.get("median")), g6(r.get("min")), g6(r.get("max")), str(len(r["values"])),
                       "1" if r["extrapolated"] else "0", r["status"], r["note"].replace("\t", " "),
                       ",".join(g6(v) for v in r["values"])]
                f.write("\t".join(row) + "\n")

    def run(self):
        t0 = time.monotonic()
        meta = self.meta()
        print("bridgeguard benchmark (%s mode): %s; kernel %s; bridgeguard %s"
              % (meta["mode"], meta["machine"], meta["kernel"], meta["bridgeguard"]), flush=True)
        if not self.bg_ok:
            print("  note: %s -- baselines only" % self.bg_why, flush=True)
        subprocess.run(["cc", "-O2", "-o", self.flood, os.path.join(HERE, "udpflood.c")], check=True)
        try:
            for name in self.a.sections:
                try:
                    getattr(self, SECTIONS[name])()
                except (KeyboardInterrupt, SystemExit):
                    raise
                except Exception as e:  # a bug here must not leave namespaces behind
                    import traceback
                    traceback.print_exc()
                    self.fail(name, "section", "-", "", "%s: %s" % (type(e).__name__, e))
                self.save(meta, time.monotonic() - t0)
        finally:
            self.reg.cleanup()
        self.save(meta, time.monotonic() - t0)
        print("== done in %.0f s; %d failure(s)" % (time.monotonic() - t0, len(self.failures)), flush=True)
        for f in self.failures:
            print("  FAILED:", f, flush=True)
        return 1 if self.failures else 0


# ------------------------------------------------------------------ helpers
def reset(ns, method):
    """Empty the namespace's rulesets before a cold load."""
    if method in ("iptables-legacy", "all"):
        _, out, _ = ns.run(["cat", "/proc/net/ip_tables_names"], check=False)
        if "filter" in out:
            ns.run(["iptables-legacy", "-F"])
    if method != "bg-compile":
        ns.run(["nft", "flush", "ruleset"])


def check_loaded(ns, method, n):
    """After the first cold load: something of the right size is in the kernel."""
    if method == "bg-compile":
        return
    if method == "iptables-legacy":
        _, out, _ = ns.run(["iptables-legacy-save"])
    else:
        _, out, _ = ns.run(["nft", "list", "ruleset"], timeout=300)
    if n and not out.strip():
        raise RuntimeError("%s: exit 0 but the ruleset is empty" % method)


def mitigations():
    """CPU mitigations that make every kernel call/return dearer (per-packet cost)."""
    out = []
    for k in ("spectre_v2", "spec_rstack_overflow", "retbleed"):
        try:
            with open("/sys/devices/system/cpu/vulnerabilities/" + k) as f:
                v = f.read().strip()
        except OSError:
            continue
        if v.startswith("Mitigation"):
            out.append("%s: %s" % (k, v.split(";")[0].replace("Mitigation: ", "")))
    return "; ".join(out) or "none reported"


def rss_mib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024.0
    raise RuntimeError("no VmRSS for pid %d" % pid)


def first_line(b):
    if isinstance(b, bytes):
        b = b.decode(errors="replace")
    lines = [l for l in (b or "").strip().splitlines() if l.strip()]
    return lines[0][:300] if lines else ""


def g6(v):
    return "" if v is None else "%.6g" % v


def fmt(v, unit):
    if unit == "s":
        return "%.3f ms" % (v * 1e3) if v < 1 else "%.3f s" % v
    if unit == "ratio":
        return "%.1f%%" % (v * 100)
    return "%.3g %s" % (v, unit)


def intlist(s):
    return [int(x) for x in s.split(",") if x]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--state", required=True, help="scratch directory for generated files")
    ap.add_argument("--out", required=True)
    ap.add_argument("--smoke", action="store_true")
    ap.add_argument("--bridgeguard", default=os.path.join(REPO, "bridgeguard"))
    ap.add_argument("--sections", default="cp,inc,dp,mirror,daemon,detect,hook")
    ap.add_argument("--cp-n", type=intlist)
    ap.add_argument("--dp-n", type=intlist)
    ap.add_argument("--cp-reps", type=int)
    ap.add_argument("--dp-reps", type=int)
    ap.add_argument("--dp-secs", type=float)
    ap.add_argument("--ebt-proc-max", type=int, default=100,
                    help="largest N for which one ebtables process per rule is really run")
    ap.add_argument("--dp-methods", default="none,hooks,bridgeguard,nft-ref,iptables,iptables-legacy,ebtables")
    a = ap.parse_args()
    if not re.match(r"^bgb-[A-Za-z0-9]+-$", a.prefix):
        ap.error("--prefix must look like bgb-<random>-")
    smoke = a.smoke
    a.cp_n = a.cp_n or ([10] if smoke else [10, 100, 1000, 10000])
    a.dp_n = a.dp_n if a.dp_n is not None else ([10] if smoke else [0, 100, 1000, 10000])
    a.cp_reps = a.cp_reps or (1 if smoke else 5)
    a.dp_reps = a.dp_reps or (1 if smoke else 3)
    a.dp_secs = a.dp_secs or (1 if smoke else 3)
    a.sections = a.sections.split(",")
    a.dp_methods = a.dp_methods.split(",")
    os.makedirs(a.out, exist_ok=True)

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    # Installed explicitly: a SIGINT ignored by whoever started us (a
    # background job of a script) must still end the run cleanly.
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    try:
        return Bench(a).run()
    except KeyboardInterrupt:
        sys.stderr.write("bench.py: interrupted; its namespaces and processes are removed\n")
        return 130


if __name__ == "__main__":
    sys.exit(main())
