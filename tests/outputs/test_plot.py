"""The angle plot (rom.outputs.plot) on hand-built results: the PNG, its size, and what the legend says."""

from __future__ import annotations

import subprocess
import sys

import cv2
import numpy as np
import pytest
from test_overlay import hinge_result, slr_result

from rom.core.results import FrameTable
from rom.outputs import plot
from rom.protocols.hinge.result import HingeEvents, HingeResult


def _legend(fig) -> list[str]:
    return [t.get_text() for t in fig.legends[0].get_texts()]


def _texts(fig) -> list[str]:
    return [t.get_text() for ax in fig.axes for t in ax.texts]


@pytest.mark.slow
def test_slr_png_has_the_expected_size(tmp_path):
    path = tmp_path / "plot.png"
    plot.write_plot(slr_result(), path)
    img = cv2.imread(str(path))
    assert img.shape == (round(plot.SIZE_IN[1] * plot.DPI), round(plot.SIZE_IN[0] * plot.DPI), 3)
    assert [p.name for p in tmp_path.iterdir()] == ["plot.png"]  # no partial file left
    assert img.std() > 10  # not a blank canvas


def test_slr_legend_carries_the_figures():
    fig = plot.make_figure(slr_result())
    legend = _legend(fig)
    assert "SLR angle 61.0 deg (95 % interval 58.0-64.0)" in legend
    assert any(t.startswith("hip flexion (left thigh vs table), max 70.0 deg") for t in legend)
    assert "bend confirmed at 2.00 s" in legend
    assert any(t.startswith("knee-bend threshold (10 deg") for t in legend)
    assert any("knee bends at 61.0 deg" in t for t in _texts(fig))
    assert any("other leg lifting" in t for t in _texts(fig))
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (s)" and ax.get_ylabel() == "angle (deg)"
    assert ax.get_title() == "Straight-leg raise, left leg - clip.mp4"
    # The onset line sits at the onset, the threshold at the knee at rest (0) + 10 degrees.
    xs = [line.get_xdata()[0] for line in ax.lines if len(line.get_xdata()) == 2]
    assert any(np.isclose(x, 50.5 / 30) for x in xs)
    ys = [line.get_ydata()[0] for line in ax.lines if len(line.get_ydata()) == 2]
    assert any(np.isclose(y, 10.0) for y in ys)


@pytest.mark.slow
def test_slr_without_a_bend_marks_the_maximum(tmp_path):
    fig = plot.make_figure(slr_result(flags=(), bent=False))
    assert any(t.startswith("knee never bent: SLR angle = max 70.0 deg") for t in _legend(fig))
    plot.write_plot(slr_result(flags=(), bent=False), tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 10_000


def test_hinge_reps_are_shaded_and_labelled_with_their_flags():
    fig = plot.make_figure(hinge_result())
    texts = _texts(fig)
    assert "rep 1: 80 deg\ngood hinge" in texts
    assert "rep 2: 81 deg\nrounded back" in texts
    legend = _legend(fig)
    assert "hip flexion, max 80.0 deg" in legend
    assert "rounded-back threshold (18 deg)" in legend
    assert len(fig.axes) == 2  # back rounding on its own (right) axis
    assert fig.axes[1].get_ylabel() == "upper-back rounding (deg)"  # the protocol's name for back_rounding
    assert len(fig.axes[0].patches) == 2  # one shaded span per repetition


@pytest.mark.slow
def test_hinge_without_a_back_outline_has_one_axis(tmp_path):
    r = hinge_result()
    cols = {**r.frames.columns, "back_rounding": np.full(len(r.frames), np.nan)}
    bare = HingeResult(video="h.mp4", side="right", reps=r.reps, flags=(), quality=r.quality,
                       frames=FrameTable(cols), events=HingeEvents(reps=r.events.reps))
    fig = plot.make_figure(bare)
    assert len(fig.axes) == 1
    plot.write_plot(bare, tmp_path / "h.png")
    assert cv2.imread(str(tmp_path / "h.png")) is not None


@pytest.mark.slow
def test_import_leaves_matplotlib_global_state_alone():
    # dict.__getitem__: reading rcParams['backend'] or get_backend() would itself import pyplot.
    code = ("import matplotlib, sys; rc = matplotlib.rcParams; before = dict(dict.items(rc)); "
            "import rom.outputs.plot; assert 'matplotlib.pyplot' not in sys.modules; "
            "assert dict(dict.items(rc)) == before")
    subprocess.run([sys.executable, "-c", code], check=True)
