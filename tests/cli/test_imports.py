"""Start-up: `rom analyze --json` imports what it uses and nothing else (issue 14).

Each check runs in a fresh interpreter and reads its sys.modules: a module imported once stays
in sys.modules, so an import put back at the top of a module on the analyze path fails here.
"""

import json
import subprocess
import sys

import numpy as np
import pytest

SLR_CLIP = "samples/slr_avg_male_L_near_60.mp4"

# Modules of 0.1 s and more that measuring a video never uses.
NOT_FOR_ANALYZE = (
    "matplotlib",  # plot.png, and mediapipe's drawing_utils
    "mediapipe.python.solutions.drawing_utils",
    "mediapipe.python.solutions.drawing_styles",
    "mediapipe.tasks.python",  # the tasks API, another way to run the same models
    "jinja2",  # the web app and the batch report
    "flask",
    "sqlalchemy",
    "distributed",  # rom batch
)


def _modules_after(code: str) -> set[str]:
    """sys.modules of a fresh `python -c code` (run from the repository root)."""
    out = subprocess.run([sys.executable, "-c", code + "\nimport json, sys\n"
                          "print('MODULES=' + json.dumps(sorted(sys.modules)))"],
                         capture_output=True, text=True, check=True)
    line = [ln for ln in out.stdout.splitlines() if ln.startswith("MODULES=")][-1]
    return set(json.loads(line.removeprefix("MODULES=")))


def _heavy_ones(modules: set[str], heavy=NOT_FOR_ANALYZE) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


def test_the_command_line_imports_no_engine():
    modules = _modules_after("import rom.cli")
    assert _heavy_ones(modules, NOT_FOR_ANALYZE + ("numpy", "scipy", "mediapipe", "cv2", "av")) == []


@pytest.mark.slow
def test_the_analysis_module_imports_no_plotting_web_hinge_or_whole_scipy_signal():
    modules = _modules_after("import rom.analysis")
    # scipy.stats comes with all of scipy.signal; an SLR needs neither it nor the hinge's analysis
    assert _heavy_ones(modules, NOT_FOR_ANALYZE + ("rom.protocols.hinge.measure", "scipy.stats", "mediapipe")) == []
    # a test's engine is imported when that test is measured (`rom.protocols.get(...).analyze`)
    assert "rom.protocols.slr.measure" not in modules
    slr = _modules_after("from rom import protocols; import rom.analysis; protocols.get('slr').default_config()")
    assert "scipy.signal._signaltools" in slr  # the filters the SLR does use
    assert _heavy_ones(slr, NOT_FOR_ANALYZE + ("rom.protocols.hinge.measure", "scipy.stats")) == []


@pytest.mark.slow
def test_analyze_json_imports_nothing_it_does_not_use():
    modules = _modules_after(
        "import contextlib, io, json\n"
        "from rom.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        f"    rc = main(['analyze', '{SLR_CLIP}', '--json'])\n"
        "assert rc == 0 and json.loads(out.getvalue())['test'] == 'slr', (rc, out.getvalue())\n")
    assert "mediapipe.python.solutions.pose" in modules  # it did run the model
    not_for_slr = NOT_FOR_ANALYZE + ("rom.protocols.hinge.measure", "scipy.stats", "rom.outputs.plot")
    assert _heavy_ones(modules, not_for_slr) == []


@pytest.mark.slow
def test_the_hinge_analysis_imports_no_scipy_stats():
    # its confidences need only the normal CDF (scipy.special.ndtr); scipy.stats cost 0.9-1.2 s of
    # import (parsing its docstrings), a fifth of a 4-second clip's whole `rom analyze`
    modules = _modules_after("from rom import protocols; protocols.get('hinge').default_config()")
    assert "rom.protocols.hinge.measure" in modules
    assert "scipy.stats" not in modules


@pytest.mark.slow
def test_skipped_package_inits_still_run_for_whoever_needs_them():
    # rom skips mediapipe's and scipy.signal's __init__; code that uses them later finds them whole
    modules = _modules_after(
        "from rom.core.partial_import import import_skipping\n"
        "import_skipping('mediapipe.python.solutions.pose', skip={'mediapipe', 'mediapipe.python.solutions'})\n"
        "import rom.core.signal, sys\n"
        "assert 'matplotlib' not in sys.modules and 'scipy.stats' not in sys.modules\n"
        "import mediapipe as mp\n"
        "assert mp.solutions.drawing_utils.draw_landmarks and mp.__version__ and mp.tasks\n"
        "from mediapipe.python.solutions import drawing_styles\n"
        "from scipy import signal\n"
        "assert signal.find_peaks and signal.butter\n")
    assert {"matplotlib", "mediapipe.python.solutions.drawing_styles", "scipy.stats"} <= modules


def test_the_filters_are_scipy_signals_own():
    import scipy.signal

    from rom.core import scipy_filters

    sos = scipy_filters.butter(4, 6.0, btype="low", fs=30.0, output="sos")
    assert np.array_equal(sos, scipy.signal.butter(4, 6.0, btype="low", fs=30.0, output="sos"))
    x = np.sin(np.linspace(0, 9, 200)) + np.random.default_rng(0).normal(0, 0.1, 200)
    assert np.array_equal(scipy_filters.sosfiltfilt(sos, x), scipy.signal.sosfiltfilt(sos, x))
    zi = scipy_filters.sosfilt_zi(sos)
    assert np.array_equal(zi, scipy.signal.sosfilt_zi(sos))
    assert np.array_equal(scipy_filters.sosfilt(sos, x, zi=zi)[0], scipy.signal.sosfilt(sos, x, zi=zi)[0])


def test_the_peak_finder_is_scipys():
    import scipy.signal

    from rom.core import scipy_filters

    rng = np.random.default_rng(1)
    for seed in range(40):
        x = np.cumsum(rng.normal(0, 3, 400)) + 20 * np.sin(np.linspace(0, 6 + seed % 7, 400))
        x[rng.integers(0, 400, 5)] += 30  # spikes, and plateaus from rounding
        x = np.round(x, 0)
        for height, prominence, distance in ((x.mean(), 15.0, 30), (x.min() + 5, 5.0, 1), (x.max() - 10, 1.0, 90)):
            ours = scipy_filters.find_peaks(x, height=height, prominence=prominence, distance=distance)[0]
            theirs = scipy.signal.find_peaks(x, height=height, prominence=prominence, distance=distance)[0]
            assert np.array_equal(ours, theirs)
