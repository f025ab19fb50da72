"""Fixtures for bridgeguard's namespace-based integration tests (the lab
itself is tests/labkit.py, shared with tests/daemon).

Run as root:  /usr/bin/python3 -m pytest tests/integration
"""
import subprocess

import pytest

import labkit


@pytest.fixture
def lab():
    """Fresh lab per test: host ns with br0 + ports vnic-alice, vnic-bob,
    vnic-eve, uplink0; namespaces alice, bob, eve, uplink with eth0."""
    with labkit.Lab() as lab:
        yield lab


@pytest.fixture
def netns():
    """Factory of fresh, empty namespaces: netns("a") -> name."""
    made = []

    def make(role="ns"):
        ns = labkit.new_ns(role)
        made.append(ns)
        return ns
    try:
        yield make
    finally:
        for ns in made:
            labkit.delete_ns(ns)


@pytest.fixture
def workdir():
    d = labkit.world_readable_tmpdir("bgt-work-")
    try:
        yield d
    finally:
        subprocess.run(["rm", "-rf", str(d)], timeout=30)


@pytest.fixture(scope="session")
def built():
    """The bridgeguard binary; fails clearly if it is not built."""
    if not labkit.BIN.exists():
        pytest.fail(f"{labkit.BIN} not built: run `make -C {labkit.REPO}`")
    return labkit.BIN
