"""`apply` / `flush` against the kernel: idempotence, ownership, atomicity,
error handling, text/netlink agreement and scale.  Each test uses fresh,
empty namespaces (port names need not exist)."""
import json
import re
import time
from pathlib import Path

import pytest

import labkit
from labkit import bg, config_yaml, default_nodes, nft, nft_tables, ruleset

HERE = Path(__file__).resolve().parent

OTHER_TABLES = """
table inet other {
    chain input {
        type filter hook input priority 0; policy accept;
        tcp dport 22 counter accept
    }
}
table ip bridgeguard {
    chain c {
        ip saddr 10.0.0.1 counter drop
    }
}
"""

GOOD = """\
bridges:
  - name: br0
    trusted-ports: [uplink0]
    unknown-ports: drop
    guests:
      - port: vnic-alice
        mac: 52:54:00:00:00:11
        ipv4: [192.168.122.11]
        ipv6: ["fd00:122::11"]
      - port: vnic-bob
        mac: 52:54:00:00:00:22
        ipv4: [192.168.122.22, 192.168.122.23]
"""


def lab_config():
    guests = [n for n in default_nodes().values() if not n.trusted]
    return config_yaml(guests, trusted=["uplink0"])


def write(workdir, name, text):
    p = workdir / name
    p.write_text(text)
    p.chmod(0o644)
    return p


def bridgeguard_tables(ns):
    return [t for t in nft_tables(ns) if t.split()[-1] == "bridgeguard"
            and t.split()[1] in ("netdev", "bridge")]


def genid(ns):
    """nftables generation id of ns: +1 per committed transaction."""
    return int(labkit.nsrun(ns, [labkit.PY, HERE / "nftgen.py"]).stdout)


# ---------------------------------------------------------------------------

def test_apply_is_idempotent(built, netns, workdir):
    ns = netns("idem")
    cfg = write(workdir, "lab.yaml", lab_config())
    g = genid(ns)
    bg(ns, "-c", cfg, "apply", check=0)
    assert genid(ns) == g + 1, "apply did not commit exactly one transaction"
    first = ruleset(ns)
    assert sorted(bridgeguard_tables(ns)) == ["table bridge bridgeguard",
                                              "table netdev bridgeguard"]
    bg(ns, "-c", cfg, "apply", check=0)
    assert ruleset(ns) == first
    bg(ns, "apply", "-c", cfg, check=0)          # -c after the subcommand too
    assert ruleset(ns) == first


def test_reapply_replaces_ruleset(built, netns, workdir):
    """Re-applying a changed config replaces bridgeguard's ruleset in one
    transaction: nothing of the old bindings survives."""
    ns = netns("reapply")
    bg(ns, "-c", write(workdir, "a.yaml", GOOD), "apply", check=0)
    changed = GOOD.replace("52:54:00:00:00:22", "52:54:00:00:00:99")
    bg(ns, "-c", write(workdir, "b.yaml", changed), "apply", check=0)
    macs = nft(ns, "list", "chain", "netdev", "bridgeguard", "in_vnic-bob")
    assert "52:54:00:00:00:99" in macs and "52:54:00:00:00:22" not in macs


def test_flush_removes_exactly_bridgeguard_tables(built, netns, workdir):
    ns = netns("flush")
    nft(ns, "-f", "-", input=OTHER_TABLES)
    before = ruleset(ns)
    tables_before = nft_tables(ns)
    bg(ns, "-c", write(workdir, "lab.yaml", lab_config()), "apply", check=0)
    assert len(nft_tables(ns)) == len(tables_before) + 2
    assert "tcp dport 22 counter" in ruleset(ns)
    bg(ns, "flush", check=0)
    assert nft_tables(ns) == tables_before
    assert ruleset(ns) == before, "flush changed tables it does not own"
    rc, out, err = bg(ns, "flush")
    assert rc == 0, f"flush with nothing installed: exit {rc}: {err}"
    assert ruleset(ns) == before


# ---------------------------------------------------------------------------
# bad configuration: exit 2, file:line and field, kernel untouched

def _edit(lineno, new):
    lines = GOOD.splitlines()
    lines[lineno - 1] = new
    return "\n".join(lines) + "\n"


# (id, config text, acceptable lines, field named in the message or None)
BAD = [
    ("yaml-syntax", _edit(7, "        mac: 52:54:00:00:00:11: x"), {7}, None),
    ("yaml-tab", _edit(8, "\tipv4: [192.168.122.11]"), {8}, None),
    ("unknown-key", _edit(9, '        ipv7: ["fd00:122::11"]'), {9}, "ipv7"),
    ("unknown-top-key", GOOD + "colour: blue\n", {13}, "colour"),
    ("bad-mac", _edit(11, "        mac: 52:54:00:00:00:2g"), {11}, "mac"),
    ("short-mac", _edit(11, "        mac: 52:54:00:00:22"), {11}, "mac"),
    ("bad-ipv4", _edit(12, "        ipv4: [192.168.122.22, 192.168.122.300]"), {12}, "ipv4"),
    ("bad-ipv6", _edit(9, '        ipv6: ["fd00:122:::11"]'), {9}, "ipv6"),
    ("dup-mac", _edit(11, "        mac: 52:54:00:00:00:11"), {11, 7}, "mac"),
    ("dup-ipv4", _edit(12, "        ipv4: [192.168.122.11]"), {12, 8}, "ipv4"),
    ("dup-port", _edit(10, "      - port: vnic-alice"), {10, 6}, "port"),
    ("trusted-and-guest", _edit(3, "    trusted-ports: [uplink0, vnic-bob]"), {3, 10}, None),
    ("bad-unknown-ports", _edit(4, "    unknown-ports: maybe"), {4}, "unknown-ports"),
    # what no guest may be bound to, and what no port may be
    ("zero-mac", _edit(11, "        mac: 00:00:00:00:00:00"), {11}, "mac"),
    ("zero-ipv4", _edit(12, "        ipv4: [0.0.0.0]"), {12}, "ipv4"),
    ("unspecified-ipv6", _edit(9, '        ipv6: ["::"]'), {9}, "ipv6"),
    ("multicast-ipv4", _edit(12, "        ipv4: [224.0.0.5]"), {12}, "ipv4"),
    ("multicast-ipv6", _edit(9, '        ipv6: ["ff02::1"]'), {9}, "ipv6"),
    ("nul-in-port", _edit(10, '      - port: "vnic\\x00bob"'), {10}, "port"),
    ("other-guests-link-local", _edit(9, '        ipv6: ["fe80::5054:ff:fe00:22"]'),
     {9, 11}, "ipv6"),
    ("bridge-as-trusted", _edit(3, "    trusted-ports: [uplink0, br0]"), {2, 3},
     "trusted-ports"),
    ("alias-without-anchor", _edit(10, "      - port: *bob"), {10}, None),
    ("mirror-to-lo", GOOD + "    mirrors:\n      - { name: m, to: lo, from: all }\n",
     {14}, "to"),
    ("mirror-name-on-two-bridges", GOOD + "    mirrors:\n"
     "      - { name: m, to: mon0, from: all }\n  - name: br1\n    mirrors:\n"
     "      - { name: m, to: mon1, from: all }\n", {14, 17}, "name"),
    ("monitor-on-two-bridges", GOOD + "    mirrors:\n"
     "      - { name: m, to: mon0, from: all }\n  - name: br1\n    mirrors:\n"
     "      - { name: n, to: mon0, from: all }\n", {14, 17}, "to"),
]


@pytest.mark.parametrize("text,lines,field", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_config_exit_2_and_kernel_untouched(built, netns, workdir, text, lines, field):
    ns = netns("badcfg")
    nft(ns, "-f", "-", input=OTHER_TABLES)
    bg(ns, "-c", write(workdir, "good.yaml", lab_config()), "apply", check=0)
    before = ruleset(ns)
    bad = write(workdir, "bad.yaml", text)
    rc, out, err = bg(ns, "-c", bad, "apply")
    assert rc == 2, f"exit {rc}, expected 2; stderr: {err!r}"
    where = {int(m) for m in re.findall(re.escape(str(bad)) + r":(\d+)", err)}
    assert where & lines, f"message should name {bad}:{sorted(lines)}; got {err!r}"
    if field:
        assert field in err, f"message should name the field {field!r}: {err!r}"
    assert len([l for l in err.splitlines() if l.strip()]) <= 2, f"not one clear message: {err!r}"
    assert ruleset(ns) == before, "a rejected config changed the kernel"
    rc, out, err2 = bg(ns, "-c", bad, "apply", "--dry-run")
    assert rc == 2


def test_usage_errors_exit_2(built, netns):
    ns = netns("usage")
    for args in (["frobnicate"], ["apply", "--bogus"], ["-c"], []):
        rc, out, err = bg(ns, *args)
        assert rc == 2, f"bridgeguard {' '.join(args)}: exit {rc}, expected 2 ({err!r})"
    assert ruleset(ns) == ""


# ---------------------------------------------------------------------------
# privileges

def test_without_cap_net_admin(built, netns, workdir):
    ns = netns("nopriv")
    nft(ns, "-f", "-", input=OTHER_TABLES)
    cfg = write(workdir, "lab.yaml", lab_config())
    bg(ns, "-c", cfg, "apply", check=0)
    before = ruleset(ns)
    changed = write(workdir, "changed.yaml", GOOD)
    for args in (["-c", changed, "apply"], ["flush"]):
        rc, out, err = bg(ns, *args, unprivileged=True)
        msg = [l for l in err.splitlines() if l.strip()]
        assert rc == 1, f"unprivileged {args}: exit {rc}, expected 1 ({err!r})"
        assert len(msg) == 1, f"unprivileged {args}: expected one message, got {err!r}"
        assert re.search(r"permi|CAP_NET_ADMIN|root", msg[0], re.I), msg[0]
        assert ruleset(ns) == before, f"unprivileged {args} changed the kernel"
    # a dry run needs no privilege
    rc, out, err = bg(ns, "-c", cfg, "apply", "--dry-run", unprivileged=True)
    assert rc == 0 and "table netdev bridgeguard" in out, err


# ---------------------------------------------------------------------------
# text form (dry run) == netlink form (apply)

def many_guests(n, start=0):
    """n synthetic guests with unique port names, MACs and addresses."""
    out = []
    for i in range(start, start + n):
        out.append(labkit.Node(
            f"g{i}", f"vg{i:05d}",
            f"02:00:00:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}",
            f"10.{i // 62500 + 1}.{(i // 250) % 250 + 1}.{i % 250 + 1}",
            f"fd00:10::{i + 1:x}"))
    return out


def _bridge_with_ports(ns):
    """br0 with the lab's ports plus vnic-mallory (neither guest nor trusted)."""
    labkit.nsrun(ns, "ip link add br0 type bridge")
    for i, p in enumerate(("vnic-alice", "vnic-bob", "vnic-eve", "uplink0", "vnic-mallory")):
        labkit.nsrun(ns, f"ip link add {p} type veth peer name peer{i}")
        labkit.nsrun(ns, f"ip link set {p} master br0")


def _dry_run_config(size):
    if size == "learning":
        return (labkit.REPO / "tests/golden/learning.yaml").read_text()
    if size == "300-guests":
        return config_yaml([n for n in default_nodes().values() if not n.trusted]
                           + many_guests(300), trusted=["uplink0"])
    return lab_config()


@pytest.mark.parametrize("size", ["lab", "300-guests", "lab-with-ports",
                                  "learning"])
def test_dry_run_equals_netlink_apply(built, netns, workdir, size):
    """`apply --dry-run` loaded with `nft -f` in one fresh namespace lists the
    same ruleset as a real `apply` in another.  (lab-with-ports: both
    namespaces hold br0 with the lab's ports and an unknown port;
    learning: guests with ipv4: dhcp, the golden config.)"""
    text = _dry_run_config(size)
    cfg = write(workdir, "cfg.yaml", text)
    a, b = netns("dryrun"), netns("netlink")
    if size == "lab-with-ports":
        _bridge_with_ports(a)
        _bridge_with_ports(b)
    rc, out, err = bg(a, "-c", cfg, "apply", "--dry-run")
    assert rc == 0, err
    assert ruleset(a) == "", "--dry-run touched the kernel"
    nftfile = write(workdir, "dry.nft", out)
    r = labkit.nsrun(a, ["nft", "-f", nftfile], check=False)
    assert r.returncode == 0, f"nft -f rejected the dry-run output: {r.stderr}"
    bg(b, "-c", cfg, "apply", check=0)
    text_form, netlink_form = ruleset(a), ruleset(b)
    if text_form != netlink_form:
        import difflib
        diff = "\n".join(difflib.unified_diff(text_form.splitlines(), netlink_form.splitlines(),
                                              "nft -f <dry-run>", "apply", lineterm="", n=1))
        pytest.fail(f"dry-run text and netlink apply differ:\n{diff[:4000]}")
    if size == "300-guests":
        # 303 guests: an ingress base chain each, hooking only its port
        # (none of them exists here: only where absent devices are hooked)
        chains = re.findall(r"chain in_(\S+) \{\n\s*type filter hook ingress "
                            r"device \"?([^\s\";]+)", netlink_form)
        want = 303 if labkit.hooks_absent_devices(b, cfg) else 0
        assert len(chains) == want and all(a == b for a, b in chains), chains[:3]


def _rule_exprs(text, header):
    """The expressions of each rule in nft's netlink debug format: a list of
    (chain, [expression lines]) in order; header matches a rule's first line."""
    rules, cur = [], None
    for line in text.splitlines():
        m = re.match(header, line)
        if m:
            cur = (m.group(1), [])
            rules.append(cur)
        elif cur is not None and line.startswith("  ["):
            cur[1].append(line.strip())
        elif not line.startswith("  "):
            cur = None
    return [(chain, _one_range(exprs)) for chain, exprs in rules]


def _one_range(exprs):
    """nft before 1.1 sends `cmp gte` and `cmp lte` for a value in a range,
    later ones (and apply) one `range eq`: the same match, written as the
    latter."""
    out, i = [], 0
    while i < len(exprs):
        lo = re.match(r"\[ cmp gte reg (\d+) (\S+) \]$", exprs[i])
        hi = i + 1 < len(exprs) and re.match(r"\[ cmp lte reg (\d+) (\S+) \]$", exprs[i + 1])
        if lo and hi and lo.group(1) == hi.group(1):
            out.append(f"[ range eq reg {lo.group(1)} {lo.group(2)} {hi.group(2)} ]")
            i += 2
        else:
            out.append(exprs[i])
            i += 1
    return out


@pytest.mark.parametrize("golden", ["example", "example-waiting", "example-debian",
                                    "mirrors", "mirrors-tc"])
def test_nft_compiles_the_text_to_what_apply_sends(netns, golden):
    """One description per rule: nft, given a golden config's ruleset text
    (tests/golden/NAME.nft, what --dry-run prints), generates for every rule
    exactly the expressions that the batch apply sends carries
    (tests/golden/NAME.nl, checked against the code by test_netlink)."""
    ns = netns("nftcheck")
    # The devices the mirrors copy to, with the ifindex the unit test gives.
    labkit.nsrun(ns, "ip link add vnic-ids index 5 type veth peer name p5 index 15")
    labkit.nsrun(ns, "ip link add bgvx4242 index 7 type veth peer name p7 index 17")
    golden_dir = HERE.parent / "golden"
    text = (golden_dir / f"{golden}.nft").read_text()
    # Every device a chain hooks, so that kernels that hook only existing
    # devices (before 6.16) accept the text too.
    hooked = {d for group in re.findall(r"devices = \{ ([^}]*) \}", text)
              for d in re.findall(r'"([^"]+)"', group)} - {"vnic-ids", "bgvx4242"}
    for i, dev in enumerate(sorted(hooked)):
        labkit.nsrun(ns, f"ip link add {dev} type veth peer name q{i}")
    if golden == "example-debian" and not labkit.kernel_has(
            ns, golden_dir / "example.yaml", "meta ibrname"):
        pytest.skip("this kernel has no meta ibrname (nft_meta_bridge): nft cannot check it")
    r = labkit.nsrun(ns, ["nft", "--debug=netlink", "--check", "-f",
                          golden_dir / f"{golden}.nft"], check=False)
    assert r.returncode == 0, r.stderr
    assert ruleset(ns) == "", "--check committed something"
    by_nft = _rule_exprs(r.stdout, r"^(?:netdev|bridge) bridgeguard (\S+)$")
    ours = _rule_exprs((golden_dir / f"{golden}.nl").read_text(),
                       r"^  (?:netdev|bridge) bridgeguard (\S+)$")
    assert len(ours) > 20 and len(by_nft) == len(ours)
    for i, (a, b) in enumerate(zip(by_nft, ours)):
        assert a == b, f"rule {i + 1} (chain {b[0]}): nft generates\n" + \
            "\n".join(a[1]) + "\nbut apply sends\n" + "\n".join(b[1])


# ---------------------------------------------------------------------------
# atomicity of a failed apply

def test_failed_apply_leaves_previous_ruleset(built, netns, workdir):
    ns = netns("fault")
    nft(ns, "-f", "-", input=OTHER_TABLES)
    bg(ns, "-c", write(workdir, "a.yaml", lab_config()), "apply", check=0)
    before = ruleset(ns)
    changed = write(workdir, "b.yaml", GOOD)
    g = genid(ns)
    rc, out, err = bg(ns, "-c", changed, "apply", env={"BRIDGEGUARD_FAULT": "reject"})
    assert rc == 1, f"faulty apply: exit {rc}, expected 1 ({err!r})"
    assert err.strip(), "faulty apply gave no message"
    assert genid(ns) == g, "the rejected batch committed something"
    assert ruleset(ns) == before, "a rejected apply changed the ruleset"
    # the same apply without the fault goes through (so the fault was the cause)
    bg(ns, "-c", changed, "apply", check=0)
    assert ruleset(ns) != before


def test_failed_first_apply_installs_nothing(built, netns, workdir):
    ns = netns("fault0")
    rc, out, err = bg(ns, "-c", write(workdir, "a.yaml", lab_config()), "apply",
                      env={"BRIDGEGUARD_FAULT": "reject"})
    assert rc == 1, err
    assert ruleset(ns) == ""


# ---------------------------------------------------------------------------
# scale

def _rule_counts(ns, port):
    """Rules a frame from or to guest port may meet: its own chains and the
    shared ones."""
    counts = {}
    for family, chain in (("netdev", f"in_{port}"), ("netdev", f"v4_{port}"),
                          ("netdev", "guard_ip4"), ("bridge", "prerouting"),
                          ("bridge", "forward"), ("bridge", f"out_{port}")):
        out = nft(ns, "list", "chain", family, "bridgeguard", chain)
        body = [l for l in out.splitlines()[2:]
                if l.strip() not in ("", "}") and not l.strip().startswith("type ")]
        counts[chain.replace(port, "P")] = len(body)
    return counts


def test_10000_guests(built, netns, workdir):
    N = 10_000
    guests = many_guests(N)
    cfg = write(workdir, "10k.yaml", config_yaml(guests, trusted=["uplink0"]))
    ns = netns("10k")
    g = genid(ns)
    t0 = time.monotonic()
    rc, out, err = bg(ns, "-c", cfg, "apply")
    elapsed = time.monotonic() - t0
    assert rc == 0, err
    assert genid(ns) == g + 1, "10,000 guests not applied in exactly one transaction"
    print(f"10,000-guest apply: {elapsed * 1000:.0f} ms wall (process incl. YAML parse)")
    doc = json.loads(nft(ns, "-j", "list", "map", "bridge", "bridgeguard", "guest_out"))
    m = [o["map"] for o in doc["nftables"] if "map" in o][0]
    assert len(m.get("elem", [])) == N
    chains = nft(ns, "list", "chains", "netdev")
    n_in = len(re.findall(r"chain in_vg\d+ ", chains))
    assert n_in == N, f"{n_in} ingress base chains for {N} guests"
    # per-packet cost does not grow with the number of guests
    big = _rule_counts(ns, guests[0].port)
    small_ns = netns("small")
    bg(small_ns, "-c", write(workdir, "small.yaml",
                             config_yaml(guests[:1], trusted=["uplink0"])), "apply", check=0)
    assert _rule_counts(small_ns, guests[0].port) == big
