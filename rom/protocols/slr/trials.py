"""An SLR recording with several raises: each raise measured by the SLR engine on its own window.

The recording is first measured whole (`rom.protocols.slr.measure.analyze_slr`); its hip-flexion trace is split
into raises (`rom.protocols.slr.raises.split_raises`). One raise: the whole result is the trial, unchanged.
Several: each raise's window of the landmark series is measured again by the same engine, with
its own rest, table line and knee baseline, and a raise the engine refuses keeps its reason.

The headline (`slr_angle_deg` and the fields beside it) is the first measured trial, not the
mean: those fields describe one raise (its knee-bend time, interval, key frame, pelvis and flags)
and a mean has none of them; the mean and spread are in `trials_summary`, and `headline` says
which it is. The per-frame table stays the whole recording's, so charts show every trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np

from rom.core.errors import NotMeasurable
from rom.core.landmarks import LandmarkSeries
from rom.protocols.slr import raises as tr
from rom.protocols.slr.measure import SLRConfig, analyze_slr
from rom.protocols.slr.result import SLRResult

HEADLINE = "first_trial"  # what slr_angle_deg is when there are several trials (see the docstring)


@dataclass(frozen=True)
class SLRTrialsResult(SLRResult):
    """An SLR result with its trials; to_dict() adds `trials`, `trials_summary` and `headline`."""

    trials: tuple[tr.Trial, ...] = ()
    headline_trial: int = 1  # the trial number the headline fields describe

    def summary(self, excluded: Sequence[int] = ()) -> tr.TrialsSummary:
        return tr.summarize([t.slr_angle_deg for t in self.trials], excluded)

    def to_dict(self) -> dict:
        return {**super().to_dict(), "trials": [t.to_dict() for t in self.trials],
                "trials_summary": self.summary().to_dict(),
                "headline": {"slr_angle_deg": HEADLINE, "trial": self.headline_trial}}


def analyze_slr_trials(series: LandmarkSeries, video: str = "", side: str | None = None,
                       config: SLRConfig = SLRConfig(), pain_s: float | None = None,
                       pain_marks: Sequence[float] = ()) -> SLRTrialsResult:
    """Measure every raise of an SLR recording. Arguments as `rom.protocols.slr.measure.analyze_slr`.

    Raises NotMeasurable as the engine does for the whole recording, or when no raise can be
    measured (with each raise's reason)."""
    whole = analyze_slr(series, video, side=side, config=config, pain_s=pain_s, pain_marks=pain_marks)
    fps = series.fps
    windows = tr.split_raises(whole.frames.columns["hip_flexion_deg"], fps, config.min_raise_deg)
    t = series.t_s
    if len(windows) <= 1:
        w = windows[0] if windows else None
        one = _trial(1, whole, w, t, 0, fps, whole.pain_s, whole.pain_angle_deg)
        return _with_trials(whole, (one,), 1)

    marks = sorted(float(m) for m in pain_marks) or ([] if pain_s is None else [float(pain_s)])
    spans = [(float(t[w.start]), float(t[w.stop - 1])) for w in windows]
    trial_pain = tr.pain_per_trial(marks, spans)
    out: list[tr.Trial] = []
    measured: dict[int, SLRResult] = {}
    for number, (w, pain) in enumerate(zip(windows, trial_pain), 1):
        try:
            r = analyze_slr(_window(series, w.start, w.stop), video, side=side, config=config,
                            pain_marks=() if pain is None else (pain,))
            if r.side != whole.side:
                raise NotMeasurable(f"this raise is of the {r.side} leg, the recording's of the {whole.side}")
        except NotMeasurable as e:
            out.append(_trial(number, None, w, t, w.start, fps, pain, _angle_at(whole, pain), refused=str(e)))
            continue
        measured[number] = r
        out.append(_trial(number, r, w, t, w.start, fps, r.pain_s, r.pain_angle_deg))
    if not measured:
        reasons = "; ".join(f"raise {x.number}: {x.refused}" for x in out)
        raise NotMeasurable(f"none of the {len(out)} raises could be measured ({reasons})")
    first = min(measured)
    head = _shifted(measured[first], windows[first - 1].start, fps)
    head = replace(head, frames=whole.frames, quality=whole.quality, pain_s=whole.pain_s,
                   pain_angle_deg=whole.pain_angle_deg, pain_marks=whole.pain_marks)
    return _with_trials(head, tuple(out), first)


def _with_trials(result: SLRResult, trials: tuple[tr.Trial, ...], headline_trial: int) -> SLRTrialsResult:
    base = {f.name: getattr(result, f.name) for f in fields(SLRResult)}
    return SLRTrialsResult(**base, trials=trials, headline_trial=headline_trial)


def _window(series: LandmarkSeries, start: int, stop: int) -> LandmarkSeries:
    """The frames [start, stop) of a series; times stay the recording's."""
    s = slice(start, stop)
    return replace(series, t_s=series.t_s[s], xy_px=series.xy_px[s], z=series.z[s],
                   visibility=series.visibility[s], world_m=series.world_m[s],
                   back=None if series.back is None else series.back[s],
                   relocks=tuple(i - start for i in series.relocks if start <= i < stop))


def _shifted(r: SLRResult, start: int, fps: float) -> SLRResult:
    """A window's result with its frame indices and frame-counted times in the recording's frames
    (the engine counts knee-bend times as frame / fps from the first frame it was given)."""
    if start == 0:
        return r
    dt = start / fps
    return replace(r, events=r.events.shifted(start),
                   knee_bend_onset_s=None if r.knee_bend_onset_s is None else r.knee_bend_onset_s + dt,
                   knee_bend_confirmed_s=None if r.knee_bend_confirmed_s is None else r.knee_bend_confirmed_s + dt)


def _trial(number: int, r: SLRResult | None, w: tr.RaiseWindow | None, t: np.ndarray, start: int, fps: float,
           pain_s: float | None, pain_angle_deg: float | None, refused: str | None = None) -> tr.Trial:
    rise, peak, back = (w.rise, w.peak, w.back) if w is not None else (0, len(t) - 1, len(t) - 1)
    times = dict(number=number, start_s=float(t[rise]), peak_s=float(t[peak]), end_s=float(t[back]),
                 pain_s=pain_s, pain_angle_deg=pain_angle_deg)
    if r is None:
        return tr.Trial(**times, refused=refused)
    onset = None if r.knee_bend_onset_s is None else r.knee_bend_onset_s + start / fps
    return tr.Trial(**times, slr_angle_deg=r.slr_angle_deg, slr_angle_ci95_deg=r.slr_angle_ci95_deg,
                    max_hip_flexion_deg=r.max_hip_flexion_deg, knee_bend_onset_s=onset, flags=r.flags)


def _angle_at(whole: SLRResult, t_s: float | None) -> float | None:
    """The whole recording's hip flexion at a pain mark (for a refused trial's mark)."""
    if t_s is None:
        return None
    return next((deg for t, deg in whole.pain_marks if t == t_s), None)
