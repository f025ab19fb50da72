"""What every namespace-based test suite here needs (tests/integration,
tests/daemon): root, and SIGTERM/SIGHUP turned into KeyboardInterrupt so
pytest unwinds and runs every finalizer (namespace removal) before exiting.
"""
import os
import signal

import pytest


def _to_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("these tests need root (network namespaces)")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _to_interrupt)
