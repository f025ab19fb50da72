"""Fixtures for the daemon tests (issue 4); the lab is tests/labkit.py's.
Run as root:

    make bridgeguard asan && /usr/bin/python3 -m pytest tests/daemon
"""
import subprocess

import pytest

import dlab
import labkit


# Fixture names are unique to this directory: when pytest runs it with
# tests/integration, one of the two conftests lies outside its rootdir and
# counts as global, so equal names would mix.
@pytest.fixture(scope="session")
def bgd_built():
    """The binaries, rebuilt if a source changed (make is quick if not)."""
    r = subprocess.run(["make", "-s", "-C", str(labkit.REPO), "bridgeguard",
                        "bridgeguard-asan"], capture_output=True, text=True,
                       timeout=600)
    if r.returncode != 0:
        pytest.fail(f"make failed:\n{r.stdout}\n{r.stderr}")


@pytest.fixture
def nslab(bgd_built):
    """A fresh lab: host namespace with br0; alice, bob, eve, uplink."""
    with labkit.Lab() as lab:
        yield lab


@pytest.fixture
def bgd(nslab):
    """Factory: bgd(config_text=None, **kw) starts `bridgeguard run` with
    alice, bob and eve as guests unless told otherwise. Every daemon is
    stopped at the end and must exit cleanly, without sanitizer reports."""
    started = []

    def start(config_text=None, start=True, **kw):
        lab = nslab
        if config_text is None:
            n = lab.nodes
            config_text = labkit.config_yaml([n["alice"], n["bob"], n["eve"]])
        cfg = lab.write_config(text=config_text)
        d = dlab.Daemon(lab, cfg, **kw)
        started.append(d)
        return d.start() if start else d
    try:
        yield start
    finally:
        for d in started:
            rc = d.stop()
            d.check_clean()
            assert rc in (0, None, -9), f"daemon exit {rc}: {d.stderr()}"
