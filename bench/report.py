#!/usr/bin/python3
"""Render OUT/results.json as OUT/BENCHMARKS.md and gnuplot inputs for plot.gp.

  report.py OUT_DIR
"""
import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import LABELS  # noqa: E402

CP_ORDER = ["bridgeguard", "bg-phase-read", "bg-phase-compile", "bg-phase-commit", "bg-compile", "nft-bg", "nft-ref", "iptables", "iptables-legacy",
            "ebtables-restore", "ebtables-proc"]
INC_ORDER = ["bg-daemon-inside", "bg-daemon", "bridgeguard", "nft-ref", "iptables", "iptables-legacy", "ebtables-proc"]
INC_LABELS = {
    "bg-daemon-inside": "bridgeguard daemon: its own transaction time (reported by `guest add/del -v`)",
    "bg-daemon": "bridgeguard guest add/del: command round trip (process start, control socket, commit)",
    "bridgeguard": "bridgeguard apply of the changed file",
    "nft-ref": "nft -f: add/delete set elements (reference)",
    "iptables": "iptables-restore --noflush: 3 rules (nft backend)",
    "iptables-legacy": "iptables-legacy-restore --noflush: 3 rules",
    "ebtables-proc": "ebtables, one process per rule (6 processes)",
}
DP_ORDER = ["none", "hooks", "bridgeguard", "nft-ref", "iptables", "iptables-legacy", "ebtables"]
DP_LABELS = {
    "none": "no filtering",
    "hooks": "the same hooks, no rules (floor)",
    "bridgeguard": "bridgeguard",
    "nft-ref": "nft reference ruleset (hand-written)",
    "iptables": "iptables physdev, seed 002 (nft backend)",
    "iptables-legacy": "iptables physdev, seed 002 (legacy)",
    "ebtables": "ebtables per-guest rules in FORWARD",
}
# Fixed colour per method, the same in every panel of the plot.
COLOURS = {
    "bridgeguard": "#d62728", "bg-daemon": "#9467bd", "bg-daemon-inside": "#e377c2", "bg-compile": "#ff9896", "nft-bg": "#ff7f0e",
    "nft-ref": "#8c564b", "iptables": "#1f77b4", "iptables-legacy": "#17becf",
    "ebtables-proc": "#2ca02c", "ebtables-restore": "#98df8a", "ebtables": "#2ca02c", "none": "#000000",
    "hooks": "#7f7f7f",
}
PLOT_LABELS = {
    "bridgeguard": "bridgeguard apply", "bg-compile": "bridgeguard --dry-run", "nft-bg": "nft -f (bg dry-run)",
    "nft-ref": "nft -f (reference)", "iptables": "iptables physdev (nft)", "iptables-legacy": "iptables physdev (legacy)",
    "ebtables-proc": "ebtables, 1 process/rule", "ebtables-restore": "ebtables-restore",
    "bg-daemon": "bridgeguard guest add (CLI)", "bg-daemon-inside": "bridgeguard daemon (inside)", "none": "no filtering", "ebtables": "ebtables FORWARD",
    "hooks": "hooks, no rules",
}


def load(out):
    with open(os.path.join(out, "results.json")) as f:
        return json.load(f)


def pick(res, section, metric, method, n):
    for r in res:
        if (r["section"], r["metric"], r["method"], r["n"]) == (section, metric, method, n):
            return r
    return None


def reason(res, section, method):
    for r in res:
        if r["section"] == section and r["method"] == method and r["status"] != "ok":
            return "%s: %s" % (r["status"], r["note"])
    return None


def ms(v):
    if v is None:
        return "?"
    if v >= 10:
        return "%.0f s" % v
    if v >= 1:
        return "%.2f s" % v
    if v >= 0.01:
        return "%.1f ms" % (v * 1e3)
    return "%.2f ms" % (v * 1e3)


def num(v, unit):
    if unit in ("Gbit/s", "kpps"):
        if v >= 100:
            return "%.0f" % v
        if v >= 10:
            return "%.1f" % v
        return "%.2f" % v if v >= 1 else "%.2g" % v
    if unit == "MiB":
        return "%.1f MiB" % v
    if unit == "ratio":
        return "%.1f%%" % (100 * v)
    return ms(v)


def cell(r, ref=None, kind="time"):
    """median [min–max] and a ratio to the reference cell."""
    if r is None:
        return "—"
    if r["status"] != "ok":
        return "not measured" if r["status"] == "not measured" else "**failed**"
    u = r["unit"]
    if r["extrapolated"]:
        s = "≈%s (extrapolated)" % num(r["median"], u)
    elif len(r["values"]) == 1:
        s = num(r["median"], u)
    else:
        s = "%s [%s–%s]" % (num(r["median"], u), num(r["min"], u), num(r["max"], u))
    if ref is not None and ref.get("status") == "ok" and ref is not r and ref["median"]:
        q = r["median"] / ref["median"]
        s += (" · %.0f%%" % (100 * q)) if kind == "rate" else (" · ×%s" % ratio(q))
        if u == "kpps" and r["median"] > 0:
            # Per-packet time the filter adds on the one CPU doing all the work.
            d = 1e3 / r["median"] - 1e3 / ref["median"]
            s += (" · %+.0f µs/pkt" if abs(d) >= 100 else " · %+.1f µs/pkt") % d
    return s


def ratio(q):
    if q >= 100:
        return "%.0f" % q
    if q >= 10:
        return "%.1f" % q
    return "%.2f" % q if q >= 0.1 else "%.2g" % q


def ns_of(res, section):
    return sorted({r["n"] for r in res if r["section"] == section and isinstance(r["n"], int)})


def table(res, section, metric, order, labels, ref_method, kind):
    ns = ns_of(res, section)
    rows, notes = [], []
    for m in order:
        cells = [pick(res, section, metric, m, n) for n in ns]
        if not any(cells):
            continue
        refs = [pick(res, section, metric, ref_method, n) for n in ns]
        txt = []
        for c, rf in zip(cells, refs):
            t = cell(c, rf, kind)
            if c and c["note"] and not c["extrapolated"]:
                notes.append("%s, N = %s: %s" % (labels.get(m, m), format(c["n"], ","), c["note"]))
                t += " [%d]" % len(notes)
            txt.append(t)
        rows.append("| %s | %s |" % (labels.get(m, m), " | ".join(txt)))
    if not rows:
        return []
    head = "| method | %s |" % " | ".join("N = %s" % format(n, ",") for n in ns)
    sep = "|---|%s|" % "|".join("---" for _ in ns)
    return [head, sep] + rows + ([""] + ["[%d] %s  " % (i + 1, t.replace("|", "/")) for i, t in enumerate(notes)]
                                 if notes else [])


def spread(res, kind):
    """Largest (max - min) / median of the no-filter runs: this machine's noise."""
    sp = [(r["max"] - r["min"]) / r["median"] for r in res
          if (r["section"], r["metric"], r["method"]) == ("dp", kind, "none") and r["status"] == "ok"
          and len(r["values"]) > 1 and r["median"]]
    return max(sp) if sp else None


def noise_note(res, kind):
    sp = spread(res, kind)
    if sp is None:
        return []
    return ["Run-to-run spread of the no-filter baseline in this run: up to %.0f%% of its median "
            "(min to max); differences smaller than that are not resolved here." % (100 * sp), ""]


def targets(res):
    out = ["| target | measured | met? |", "|---|---|---|"]

    def row(what, r, ok, fmt):
        if r is None or r["status"] == "not measured":
            why = r["note"].split(" (")[0] if r else "not in this run"
            out.append("| %s | not measured: %s | — |" % (what, why))
        elif r["status"] != "ok":
            out.append("| %s | failed (see Failures below) | **no** |" % what)
        else:
            out.append("| %s | %s | %s |" % (what, fmt(r), "yes" if ok(r) else "**no**"))
    big = max([n for sec in ("cp", "inc", "daemon") for n in ns_of(res, sec)] or [0])
    r = pick(res, "cp", "load", "bridgeguard", big)
    row("apply of %s guests < 50 ms" % format(big, ","), r, lambda r: r["median"] < 0.05, lambda r: ms(r["median"]))
    for verb in ("add", "del"):
        r = pick(res, "inc", verb, "bg-daemon-inside", big)
        how = " (inside the daemon)"
        if r is None or r["status"] != "ok":
            r, how = pick(res, "inc", verb, "bg-daemon", big), " (command round trip)"
        row("one guest %s via the daemon < 1 ms (N = %s)" % ("added" if verb == "add" else "removed",
                                                            format(big, ",")),
            r, lambda r: r["median"] < 0.001, lambda r, how=how: ms(r["median"]) + how)
    dbig = max([n for n in ns_of(res, "dp")] or [0])
    for kind, what in (("tcp", "TCP throughput"), ("pps", "small-packet rate")):
        r = pick(res, "dp", kind, "bridgeguard", dbig)
        base = pick(res, "dp", kind, "none", dbig)
        if r and base and r["status"] == "ok" and base["status"] == "ok":
            q = r["median"] / base["median"]
            sp = spread(res, kind)
            verdict = "yes" if q >= 0.95 else "**no**"
            if sp and abs(q - 0.95) < sp:
                verdict += " (within run-to-run noise, ±%.0f%%)" % (100 * sp / 2)
            out.append("| %s with %s guests ≥ 95%% of no filtering | %.1f%% | %s |"
                       % (what, format(dbig, ","), 100 * q, verdict))
        else:
            row("%s with %s guests ≥ 95%% of no filtering" % (what, format(dbig, ",")), r or base,
                lambda r: True, lambda r: "")
    off = pick(res, "mirror", "tcp", "mirror-off", 0)
    on = pick(res, "mirror", "tcp", "mirror-on", 0)
    if on and off and on["status"] == "ok" and off["status"] == "ok":
        for meth, how in (("mirror-on", ""), ("mirror-on-tc", ", tc backend")):
            on = pick(res, "mirror", "tcp", meth, 0)
            if not on or on["status"] != "ok":
                continue
            q = on["median"] / off["median"]
            out.append("| mirroring both guests%s: the flow keeps ≥ 70%% of its throughput (issue 3) "
                       "| %.0f%% | %s |" % (how, 100 * q, "yes" if q >= 0.7 else "**no**"))
            fr = pick(res, "mirror", "monitor-fraction", meth, 0)
            if fr and fr["status"] == "ok":
                out.append("| mirroring%s: the monitor receives every frame under full load (issue 3) "
                           "| %.1f%% [%.1f%%–%.1f%%] | %s |"
                           % (how, 100 * fr["median"], 100 * fr["min"], 100 * fr["max"],
                              "yes" if fr["min"] >= 0.999 else "**no**"))
    else:
        row("mirroring: flow keeps ≥ 70% of its throughput (issue 3)",
            pick(res, "mirror", "tcp", "bridgeguard", ""), lambda r: True, lambda r: "")
    r = pick(res, "daemon", "rss", "bg-daemon", big)
    row("daemon RSS with %s guests < 20 MB" % format(big, ","), r, lambda r: r["median"] < 20,
        lambda r: "%.1f MiB" % r["median"])
    return out


def markdown(doc):
    m, res = doc["meta"], doc["results"]
    L = ["<!-- generated by bench/report.py from results.json; do not edit by hand -->",
         "## Benchmarks", "",
         "Measured by `bench/run.sh` (%s mode, %s s) on %s." % (m["mode"], m["elapsed_s"], m["date"]), "",
         "| | |", "|---|---|",
         "| machine | %s |" % m["machine"], "| kernel | %s |" % m["kernel"],
         "| bridgeguard | %s (git %s) |" % (m["bridgeguard"], m["git"]),
         "| tools | %s; %s; %s; %s; %s |" % (m["nft"], m["iptables"], m["iptables_legacy"], m["ebtables"],
                                            m["iperf3"]),
         "| CPU mitigations | %s |" % m.get("mitigations", "?"),
         "| load average at start / end | %s / %s (the run itself adds about 1; more means other work "
         "shared the 2 CPUs) |" % (" ".join(m.get("loadavg", [])), " ".join(m.get("loadavg_end", ["?"]))),
         "| runs | control plane: median of %d; data plane: median of %d runs of %g s; cells show median [min–max] |"
         % (m["cp_reps"], m["dp_reps"], m["dp_secs"]),
         "", "![throughput and apply time vs N](bench.png)", "",
         "### Targets (issue 5)", ""] + targets(res)

    cpref = "bridgeguard" if any(r["method"] == "bridgeguard" and r["status"] == "ok"
                                 for r in res if r["section"] == "cp") else "nft-ref"
    L += ["", "### Control plane: load the whole ruleset for N guests", "",
          "Wall time of the command, process start to exit, into an empty namespace; "
          "×k = time relative to %s." % ("bridgeguard apply" if cpref == "bridgeguard"
                                          else "nft -f of the reference ruleset (bridgeguard not measured)"), ""]
    L += table(res, "cp", "load", CP_ORDER, LABELS, cpref, "time")
    incref = "bridgeguard" if cpref == "bridgeguard" else "nft-ref"
    for verb, title in (("add", "add one guest"), ("del", "remove one guest")):
        L += ["", "### Control plane: %s while N guests are loaded" % title, "",
              "×k = time relative to %s." % INC_LABELS[incref], ""]
        L += table(res, "inc", verb, INC_ORDER, INC_LABELS, incref, "time")
    L += ["", "### Data plane: TCP throughput between two guests, Gbit/s", "",
          "N guests bound before the two real ones; % = share of no filtering at the same N.", ""]
    L += noise_note(res, "tcp")
    L += table(res, "dp", "tcp", DP_ORDER, DP_LABELS, "none", "rate")
    L += ["", "### Data plane: small packets (64-byte UDP payload) forwarded, thousand packets/s", "",
          "Frames leaving the bridge towards the receiving guest (interface counters), sender "
          "`udpflood` (sendmmsg) pinned to one core, which also runs the bridge and the filters; "
          "% = share of no filtering; µs/pkt = time per packet added to the no-filter path "
          "(1/rate − 1/baseline rate).", ""]
    L += noise_note(res, "pps")
    L += table(res, "dp", "pps", DP_ORDER, DP_LABELS, "none", "rate")

    L += ["", "### Mirroring, daemon memory, detection latency", ""]
    extra = []
    for sec, metric, meth, what in (("mirror", "tcp", "mirror-off", "TCP throughput, mirroring off"),
                                    ("mirror", "tcp", "mirror-on", "TCP throughput, mirroring both guests on"),
                                    ("mirror", "monitor-fraction", "mirror-on", "frames reaching the monitor"),
                                    ("mirror", "tcp", "mirror-on-tc",
                                     "TCP throughput, mirroring both guests on, tc backend"),
                                    ("mirror", "monitor-fraction", "mirror-on-tc",
                                     "frames reaching the monitor, tc backend")):
        r = pick(res, sec, metric, meth, 0)
        if r:
            ref = pick(res, "mirror", "tcp", "mirror-off", 0) \
                if meth.startswith("mirror-on") and metric == "tcp" else None
            extra.append("| %s | %s |" % (what, cell(r, ref, "rate")))
    for n in ns_of(res, "daemon"):
        r = pick(res, "daemon", "rss", "bg-daemon", n)
        if r:
            extra.append("| daemon RSS, N = %s | %s |" % (format(n, ","), cell(r)))
    for r in res:
        if r["section"] == "detect" and r["status"] == "ok":
            extra.append("| detection latency (spoofed frame → `spoof_drop` line in the events file, "
                         "including the daemon's aggregation window), N = %s | %s |"
                         % (format(r["n"], ","), cell(r)))
    for r in res:
        if r["section"] == "hook" and r["status"] == "ok":
            extra.append("| port appears → its ingress chain hooked by the daemon (kernels without "
                         "hooks on absent devices: the link-local window), N = %s | %s |"
                         % (format(r["n"], ","), cell(r)))
    if extra:
        L += ["| measurement | result |", "|---|---|"] + extra + [""]
    for sec, meth, what in (("mirror", "bridgeguard", "Mirroring"), ("daemon", "bg-daemon", "Daemon"),
                            ("detect", "bg-daemon", "Detection latency"),
                            ("hook", "bg-daemon", "Port hook latency"),
                            ("inc", "bg-daemon", "Daemon add/remove")):
        why = reason(res, sec, meth)
        if why and not any(r["section"] == sec and r["status"] == "ok" and r["method"] == meth for r in res):
            L.append("- %s: %s" % (what, why))

    L += ["", "### How it was measured", "",
          "- Every guest has one port name `g<i>`, one MAC, one IPv4 (198.18.0.0/15) and one IPv6 "
          "(2001:2::/48) address. Control-plane ports do not exist (rules match names); "
          "the data plane binds N such guests first and the two real guests (veth pairs into their own "
          "namespaces on bridge `br0`) last, so rule lists walked in order pay for every guest.",
          "- iptables: seed 002's three per-port rules (physdev-out ! -d, physdev-out -s, physdev-in ! -s) "
          "in FORWARD, DROP directly instead of its LOG chains; `bridge-nf-call-iptables` is enabled only in "
          "the iptables labs' host namespace (the sysctl is per network namespace; the others run with it "
          "off). Debian's `iptables` is the nft backend; the legacy backend is measured too.",
          "- ebtables: %d rules per guest in FORWARD (MAC, IPv4, ARP MAC, ARP IP, IPv6 source; IPv4 "
          "destination), the clean-traffic idea of libvirt's nwfilter. libvirt runs one ebtables process per "
          "rule (seed 004); that is timed for N ≤ 100 only and **extrapolated** beyond from the N = 10 and "
          "N = 100 medians (t ∝ N^b, b ≥ 1), marked as such. The kernel has no legacy ebtables, so "
          "`ebtables` is ebtables-nft." % m["ebt_rules_per_guest"],
          "- nft reference: a hand-written ruleset with the structure bridgeguard generated before its per-port chains (netdev ingress/"
          "egress chains hooking up to 255 port names each, one jump to chains that look "
          "`ifname . address` up in sets); its add/remove row changes set elements only.",
          "- Data plane: iperf3 client and server, and the small-packet sender, all pinned to one CPU "
          "(the bridge and the filters run in the sender's softirq on that CPU, so each cycle a filter "
          "spends per packet shows); the benchmark driver and control-plane tools run on the other CPU. "
          "Methods run round-robin within each repetition. Before measuring, each lab checks that the guests can ping each other and that a "
          "spoofed source address is dropped (passes with no filtering, and with the hooks alone).",
          "- Hooks, no rules: the base chains bridgeguard's ruleset registers on the path between the two "
          "guests (their ports' netdev ingress, the bridge table's prerouting, forward, input, output), "
          "empty with policy accept: the cost of the kernel calling nftables at all, a floor no ruleset "
          "hooked there can beat.",
          "- Times include process start-up and, for bridgeguard, reading the YAML file. The phases of "
          "`bridgeguard apply` are its own `-v` report; its transaction includes closing the netlink socket, "
          "which waits for the kernel to free what the batch replaced.",
          "- Daemon: `bridgeguard run` in its own namespace with N guests from the config; RSS is VmRSS once "
          "it answers on its control socket; one guest is added and removed with `bridgeguard -v guest add|del` "
          "(round trip of that command, and the daemon's own transaction time where its reply states one).",
          "- Mirroring: one session copying both guests (`direction: both`) to a monitor veth outside the "
          "bridge; TCP runs alternate mirroring off/on (re-applied each time); the monitor's share is its "
          "received frames over the frames both guests sent into the bridge (kernel counters).",
          "- Detection: a spoofed-source IPv4 frame from one guest; time until a `spoof_drop` line appears in "
          "the daemon's `--events` file, both ends timed by one process."]
    for n in doc.get("notes", []):
        L.append("- %s" % n)
    if doc.get("failures"):
        L += ["", "### Failures in this run", ""] + ["- `%s`" % f.replace("`", "'") for f in doc["failures"]]
    return "\n".join(L) + "\n"


# ------------------------------------------------------------------ plot
def series(res, section, metric, order, xmap=lambda n: n):
    """[(method, [(x, med, min, max)], extrapolated_points)]"""
    out = []
    for m in order:
        pts, ext = [], []
        for r in res:
            if (r["section"], r["metric"], r["method"]) == (section, metric, m) and r["status"] == "ok":
                p = (xmap(r["n"]), r["median"], r["min"], r["max"])
                (ext if r["extrapolated"] else pts).append(p)
        if pts or ext:
            out.append((m, sorted(pts), sorted(ext)))
    return out


DP_PLOT_LABELS = dict(PLOT_LABELS, bridgeguard="bridgeguard")


def write_plot_inputs(res, out):
    panels = {
        "apply": series(res, "cp", "load", [m for m in CP_ORDER if not m.startswith("bg-")]),
        "add": series(res, "inc", "add", INC_ORDER),
        "tcp": series(res, "dp", "tcp", DP_ORDER, lambda n: n if n > 0 else 3),
        "pps": series(res, "dp", "pps", DP_ORDER, lambda n: n if n > 0 else 3),
    }
    gp = ["# generated by bench/report.py: the plot commands plot.gp runs"]
    scale = {"apply": 1e3, "add": 1e3, "tcp": 1.0, "pps": 1.0}
    for name, ss in panels.items():
        path = "plot-%s.dat" % name
        labels = DP_PLOT_LABELS if name in ("tcp", "pps") else PLOT_LABELS
        blocks, cmds, idx = [], [], 0
        for m, pts, ext in ss:
            k = scale[name]
            if pts:
                blocks.append("# %s\n" % m + "\n".join("%g %g %g %g" % (x, a * k, b * k, c * k)
                                                        for x, a, b, c in pts))
                style = "yerrorlines" if any(p[2] != p[3] for p in pts) else "linespoints"
                cmds.append("'%s' index %d using 1:2%s with %s lw 2 pt 7 ps 0.8 lc rgb '%s' title '%s'"
                            % (path, idx, ":3:4" if style == "yerrorlines" else "", style,
                               COLOURS.get(m, "#777777"), labels.get(m, m)))
                idx += 1
            if ext:
                joined = (pts[-1:] if pts else []) + ext
                blocks.append("# %s extrapolated\n" % m + "\n".join("%g %g" % (x, a * k) for x, a, _, _ in joined))
                cmds.append("'%s' index %d using 1:2 with linespoints dt 2 lw 2 pt 6 lc rgb '%s' title '%s (extrapolated)'"
                            % (path, idx, COLOURS.get(m, "#777777"), labels.get(m, m)))
                idx += 1
        with open(os.path.join(out, path), "w") as f:
            f.write("\n\n\n".join(blocks) + "\n")
        yr = "[*:*]" if name in ("apply", "add") else "[0:*]"
        if not cmds:
            # Nothing measured: an empty panel, and gnuplot still succeeds.
            cmds = ["1e9 title 'not measured in this run'"]
            yr = "[1:10]"
        gp.append("PLOT_%s = \"%s\"" % (name.upper(), ", ".join(cmds).replace('"', '\\"')))
        gp.append("YR_%s = \"%s\"" % (name.upper(), yr))
    with open(os.path.join(out, "plot-series.gp"), "w") as f:
        f.write("\n".join(gp) + "\n")


def main():
    out = sys.argv[1]
    doc = load(out)
    md = markdown(doc)
    with open(os.path.join(out, "BENCHMARKS.md"), "w") as f:
        f.write(md)
    write_plot_inputs(doc["results"], out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
