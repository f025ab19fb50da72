"""What every namespace-based test suite here needs (tests/integration,
tests/daemon): root; the shared lab, tests/labkit.py, importable as
`labkit`; SIGTERM/SIGHUP turned into KeyboardInterrupt so pytest unwinds
and runs every finalizer (namespace removal) before exiting; and, last,
labkit's removal of whatever namespaces and processes are left.
"""
import os
import signal
import sys
from pathlib import Path

sys.dont_write_bytecode = True          # no __pycache__ next to the tests
sys.path.insert(0, str(Path(__file__).resolve().parent / "tests"))

import pytest  # noqa: E402

import labkit  # noqa: E402


def _to_interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def pytest_configure(config):
    if os.geteuid() != 0:
        raise pytest.UsageError("these tests need root (network namespaces)")
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _to_interrupt)


def pytest_sessionfinish(session, exitstatus):
    labkit.cleanup_everything()
