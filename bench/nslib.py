"""Network-namespace plumbing for the benchmarks.

Every kernel object the benchmark creates lives in a namespace whose name
starts with the run's unique prefix (bgb-<random>-).  Commands are run in a
namespace by a child that calls setns(2) before exec, so this process itself
never leaves the root namespace and a failure can never point a command at
the root namespace's interfaces or rulesets.
"""
import ctypes
import json
import os
import signal
import subprocess
import time

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


class CmdError(Exception):
    def __init__(self, ns, cmd, rc, err):
        self.ns, self.cmd, self.rc, self.err = ns, cmd, rc, err
        first = (err or "").strip().splitlines()
        super().__init__("[%s] %s: exit %s%s" % (ns.short if ns else "-", " ".join(cmd), rc,
                                                 (": " + first[0][:300]) if first else ""))


class Registry:
    """Everything this run created, so that cleanup can undo it."""

    def __init__(self, prefix, statedir):
        self.prefix = prefix
        self.statedir = statedir
        self.namespaces = []
        self.procs = []

    def note_pid(self, pid):
        # run.sh's trap kills these too if we die before our own cleanup.
        with open(os.path.join(self.statedir, "pids"), "a") as f:
            f.write("%d\n" % pid)

    def cleanup(self):
        for p in self.procs:
            stop_proc(p)
        self.procs = []
        for ns in reversed(self.namespaces):
            ns.delete()
        self.namespaces = []


def stop_proc(p, grace=3.0):
    if p.poll() is not None:
        return p.returncode
    try:
        p.send_signal(signal.SIGTERM)
        return p.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait(timeout=grace)
    except ProcessLookupError:
        return None


class Netns:
    def __init__(self, reg, short):
        self.reg = reg
        self.short = short
        self.name = reg.prefix + short
        assert self.name.startswith("bgb-")
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        reg.namespaces.append(self)
        self.fd = os.open("/run/netns/" + self.name, os.O_RDONLY | os.O_CLOEXEC)
        self.run(["ip", "link", "set", "lo", "up"])

    def delete(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
            subprocess.run(["ip", "netns", "del", self.name], stderr=subprocess.DEVNULL)

    def _check(self):
        if self.fd is None:
            raise RuntimeError("namespace %s was already deleted" % self.name)

    def _enter(self):
        # Runs in the child between fork and exec.
        if _libc.setns(self.fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")

    def popen(self, cmd, **kw):
        self._check()
        kw.setdefault("pass_fds", (self.fd,))
        p = subprocess.Popen(cmd, preexec_fn=self._enter, **kw)
        self.reg.procs.append(p)
        self.reg.note_pid(p.pid)
        return p

    def run(self, cmd, stdin=None, check=True, timeout=120, capture=True):
        """Run cmd in this namespace; stdin is a path or None."""
        self._check()
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            r = subprocess.run(cmd, stdin=fin, preexec_fn=self._enter, pass_fds=(self.fd,),
                               stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout)
        finally:
            if stdin:
                fin.close()
        out = r.stdout.decode(errors="replace") if capture else ""
        err = r.stderr.decode(errors="replace")
        if check and r.returncode != 0:
            raise CmdError(self, cmd, r.returncode, err)
        return r.returncode, out, err

    def timed(self, cmd, stdin=None, timeout=600, output=False):
        """Wall time in seconds of one command (process start to exit);
        with output=True, (seconds, stdout + stderr)."""
        self._check()
        fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
        try:
            t0 = time.perf_counter()
            r = subprocess.run(cmd, stdin=fin, preexec_fn=self._enter, pass_fds=(self.fd,),
                               stdout=subprocess.PIPE if output else subprocess.DEVNULL,
                               stderr=subprocess.PIPE, timeout=timeout)
            t1 = time.perf_counter()
        finally:
            if stdin:
                fin.close()
        if r.returncode != 0:
            raise CmdError(self, cmd, r.returncode, r.stderr.decode(errors="replace"))
        if output:
            return t1 - t0, r.stdout.decode(errors="replace") + r.stderr.decode(errors="replace")
        return t1 - t0

    def sysctl(self, key, value):
        self.run(["sysctl", "-q", "-w", "%s=%s" % (key, value)])
        _, out, _ = self.run(["sysctl", "-n", key])
        if out.strip() != str(value):
            raise RuntimeError("%s: %s did not stick (reads %r)" % (self.name, key, out.strip()))

    def link_stats(self, dev):
        _, out, _ = self.run(["ip", "-s", "-j", "link", "show", "dev", dev])
        s = json.loads(out)[0]["stats64"]
        return s["rx"]["packets"], s["tx"]["packets"]

    def flush_all(self):
        """Empty every ruleset of this (benchmark) namespace."""
        self.run(["nft", "flush", "ruleset"])
        self.run(["iptables-legacy", "-F"], check=False)
