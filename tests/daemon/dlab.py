"""The daemon harness for bridgeguard's daemon tests: `bridgeguard run` in
a lab's host namespace (the lab is tests/labkit.py's, shared with
tests/integration), and raw control-socket requests.
"""
import json
import os
import re
import signal
import subprocess
from pathlib import Path

import labkit

HERE = Path(__file__).resolve().parent
ASAN_BIN = labkit.REPO / "bridgeguard-asan"
CTLRAW = HERE / "ctlraw.py"
# Small quarantine: RSS then reflects the daemon, not ASan's free list.
ASAN_OPTIONS = "quarantine_size_mb=4:malloc_context_size=8:detect_leaks=1"
# Suppressions (none now: see the file) for LeakSanitizer at the daemon's exit.
LSAN_OPTIONS = (f"suppressions={labkit.REPO}/tests/unit/lsan.supp:"
                "print_suppressions=0")


def daemon_bin():
    """The binary the daemon tests run: ASan's unless told otherwise."""
    want = os.environ.get("BG_DAEMON_BIN")
    if want:
        return Path(want)
    return ASAN_BIN if ASAN_BIN.exists() else labkit.BIN


class Daemon:
    """`bridgeguard run` in the lab's host namespace, with its events file,
    its own control socket and its stderr kept for sanitizer checks."""

    def __init__(self, lab, config, binary=None, args=(), env=None,
                 stdout=subprocess.DEVNULL):
        self.lab = lab
        self.config = config
        self.binary = Path(binary or daemon_bin())
        self.events_path = lab.dir / "events.jsonl"
        self.socket = f"@{lab.prefix}ctl"
        self.args = list(args)
        self.env = env or {}
        self.stdout = stdout
        self.p = None
        self.runs = 0

    def start(self, wait=True):
        self.runs += 1
        self.log = self.lab.dir / f"daemon{self.runs}.log"
        env = dict(os.environ, ASAN_OPTIONS=ASAN_OPTIONS,
                   LSAN_OPTIONS=LSAN_OPTIONS)
        env.update(self.env)
        with open(self.log, "wb") as lf:
            self.p = self.lab.popen("host", [
                self.binary, "-c", self.config, "run", "--events",
                self.events_path, "--socket", self.socket, "--no-syslog"]
                + self.args, stdout=self.stdout, stderr=lf, env=env)
        if wait:
            ok = labkit.wait_until(lambda: self.p.poll() is not None or
                                   b"protecting" in self.log.read_bytes(), 15)
            assert ok and self.p.poll() is None, \
                f"daemon did not start: {self.stderr()}"
        return self

    def stderr(self):
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    def ctl(self, *args, check=None):
        return labkit.bg(self.lab, "--socket", self.socket, *args, check=check)

    def pid(self):
        return self.p.pid

    def rss_kib(self):
        with open(f"/proc/{self.p.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def sensor_pids(self):
        try:
            kids = Path(f"/proc/{self.p.pid}/task/{self.p.pid}/children")
            return [int(x) for x in kids.read_text().split()]
        except OSError:
            return []

    def kill9(self):
        self.lab.stop(self.p, signal.SIGKILL)

    def stop(self):
        """SIGTERM; the exit must be clean: status 0, no sanitizer report."""
        if self.p is None or self.p.poll() is not None:
            return self.p.returncode if self.p else 0
        self.p.send_signal(signal.SIGTERM)
        try:
            rc = self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.lab.stop(self.p)
            raise AssertionError("daemon did not exit on SIGTERM")
        self.lab.stop(self.p)
        return rc

    def check_clean(self):
        err = self.stderr()
        for bad in ("AddressSanitizer", "LeakSanitizer", "runtime error:",
                    "UndefinedBehaviorSanitizer"):
            assert bad not in err, f"sanitizer report:\n{err}"

    # events -------------------------------------------------------------
    def events(self):
        try:
            text = self.events_path.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line]

    def mark(self):
        return len(self.events())

    def since(self, mark, type=None):
        return [e for e in self.events()[mark:] if type is None or
                e["type"] == type]

    def wait_event(self, mark, type, timeout=1.0, **match):
        """The events of type (matching fields) after mark, waiting until
        one arrives or timeout."""
        def found():
            return [e for e in self.since(mark, type)
                    if all(e.get(k) == v for k, v in match.items())]
        return labkit.wait_until(found, timeout, 0.02) or []


def watch(lab, who, *saddrs, match=""):
    """Count, in who's namespace, packets arriving from each of saddrs
    (IPv4 or IPv6), of those that match (an nft expression) if given."""
    rules = "".join(f"add rule inet bgdtest in {'ip6' if ':' in a else 'ip'} "
                    f"saddr {a} {match} counter\n" for a in saddrs)
    lab.run(who, ["nft", "-f", "-"], input="add table inet bgdtest\n"
            "add chain inet bgdtest in { type filter hook prerouting "
            "priority -400; }\n" + rules)


def counts_at(lab, who):
    """Packets counted per source address in who's namespace (watch)."""
    out = lab.run(who, ["nft", "list", "chain", "inet", "bgdtest", "in"]).stdout
    return {a: int(c) for a, c in
            re.findall(r"ip6? saddr (\S+) .*?counter packets (\d+)", out)}


def count_at(lab, who, saddr):
    """Packets from saddr that reached `who` (watch)."""
    return counts_at(lab, who).get(saddr, 0)


def ctl_raw(lab, sockname, data, close=False):
    """One raw request from inside the lab's host namespace (an abstract
    socket is only reachable from its network namespace): the reply as a
    dict {magic, type, text}, or {closed: True}."""
    r = lab.run("host", [labkit.PY, CTLRAW, sockname, "send", data.hex()] +
                (["close"] if close else []))
    return json.loads(r.stdout)
