"""The sensor's confinement, as the kernel reports it for the running
process (issue 11 item 7): a fresh exec under its own name, seccomp in
filter mode, its own unprivileged user, no capabilities, no new
privileges, an empty root, and no descriptor of the daemon's; the same
after a crash, when the daemon (which has threads by then) starts a new
one. That the filter is locked and the seccomp filter refuses sends on
the packet socket is tests/unit/sensor/test_sandbox.c's, on the same code.
"""
import os
import pwd
import signal

import labkit


def status(pid):
    with open(f"/proc/{pid}/status") as f:
        return dict(line.rstrip("\n").split(":\t", 1) for line in f
                    if ":\t" in line)


def sensor_uid():
    for name in ("_bridgeguard", "nobody"):
        try:
            return pwd.getpwnam(name).pw_uid
        except KeyError:
            pass
    raise AssertionError("no sensor user on this system")


def check_confined(d, pid):
    st = status(pid)
    assert st["Name"] == "bg-sensor"
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        assert f.read().split(b"\0")[0] == b"bridgeguard-sensor"
    assert st["Seccomp"] == "2", st["Seccomp"]          # filter mode
    assert st["NoNewPrivs"] == "1"
    uid = str(sensor_uid())
    assert st["Uid"].split() == [uid] * 4, st["Uid"]
    assert st["Gid"].split()[0] != "0" and st["Groups"].strip() == ""
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        if cap != "CapBnd":
            assert int(st[cap], 16) == 0, (cap, st[cap])
    assert os.readlink(f"/proc/{pid}/root") != "/"       # chroot'ed
    fds = {int(n): os.readlink(f"/proc/{pid}/fd/{n}")
           for n in os.listdir(f"/proc/{pid}/fd")}
    daemon = {os.readlink(f"/proc/{d.pid()}/fd/{n}")
              for n in os.listdir(f"/proc/{d.pid()}/fd")}
    # stdio is /dev/null (the device: under a chroot the link reads
    # differently), not the daemon's log or pipes
    null = os.stat("/dev/null").st_rdev
    assert [os.stat(f"/proc/{pid}/fd/{n}").st_rdev for n in (0, 1, 2)] == [null] * 3, fds
    for n in (0, 1, 2):
        fds.pop(n)
    # then its pipe to the daemon, the NFLOG and the packet socket; none
    # of the daemon's other sockets
    assert sorted(fds) == [3, 4, 5], fds
    assert all(t.startswith("socket:") for t in fds.values()), fds
    shared = set(fds.values()) & daemon
    assert len(shared) == 0, f"descriptors shared with the daemon: {shared}"


def test_sensor_confined_and_after_restart(nslab, bgd):
    d = bgd()
    assert int(status(d.pid())["Threads"]) > 1, "the daemon has no thread"
    old = d.sensor_pids()
    assert len(old) == 1
    check_confined(d, old[0])
    os.kill(old[0], signal.SIGKILL)
    assert labkit.wait_until(lambda: d.sensor_pids() and
                             d.sensor_pids() != old, 3)
    new = d.sensor_pids()
    labkit.wait_until(lambda: status(new[0])["Seccomp"] == "2", 2)
    check_confined(d, new[0])


def test_sensor_killed_by_seccomp_is_reported(nslab, bgd):
    """A sensor that dies of SIGSYS (what its seccomp filter does to a
    forbidden call; sent here by hand) is reported as such, and restarted."""
    d = bgd()
    old = d.sensor_pids()
    os.kill(old[0], signal.SIGSYS)
    assert labkit.wait_until(lambda: d.sensor_pids() and
                             d.sensor_pids() != old, 3)
    assert "for a system call it may not make (seccomp)" in d.stderr()
