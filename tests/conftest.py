import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REALDATA = ROOT.parent / "shared" / "realdata"
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))  # tests/synthetic.py


@pytest.fixture(scope="session")
def samples_dir() -> pathlib.Path:
    return SAMPLES
