import os
import pathlib
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REALDATA = ROOT.parent / "shared" / "realdata"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # tests/synthetic.py


@pytest.fixture(scope="session")
def samples_dir() -> pathlib.Path:
    return SAMPLES


# A thread that is not a daemon and still runs when the tests end (say a WebSocket connection a
# test left open) would keep the interpreter from exiting, and CI would wait for it until its time
# limit. Such a thread fails the run instead, with its name, and the process exits.
_LEFT_BEHIND: list[str] = []


def pytest_sessionfinish(session, exitstatus):
    _LEFT_BEHIND.extend(t.name for t in threading.enumerate()
                        if t is not threading.main_thread() and not t.daemon and t.is_alive())
    if _LEFT_BEHIND:
        session.exitstatus = 1


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    if _LEFT_BEHIND:
        print(f"\ntests: threads left running after the tests: {', '.join(_LEFT_BEHIND)}", file=sys.stderr)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(1)
