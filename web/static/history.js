// History page: a test's headline figure per side over time (one point per complete assessment;
// web.services.summaries.side_history), and a test's repetitions over time (summaries.trend).
import {drawChart} from './plot.js';

// Each chart names the script element that holds its data (a test's part of the page,
// web/templates/assessments/protocols/<test>/_history.html).
const dataOf = (canvas, key) => JSON.parse(document.getElementById(canvas.dataset[key]).textContent);

for (const canvas of document.querySelectorAll('canvas[data-sides]')) {
  const data = dataOf(canvas, 'sides');
  // one x axis for both sides: every date, each side null where it has no point
  const all = [...data.points.left.map((p) => ['left', p]), ...data.points.right.map((p) => ['right', p])]
    .sort((a, b) => Date.parse(a[1].at) - Date.parse(b[1].at));
  const x = all.map(([, p]) => Date.parse(p.at));
  const side = (s) => all.map(([t, p]) => (t === s ? p.deg : null));
  const draw = () => drawChart(canvas, {
    x, time: true, yLabel: `${data.label} (degrees)`,
    hlines: data.lines.map((l) => ({y: l.y, label: l.label})),
    series: [
      {label: 'left', values: interpolate(x, side('left')), color: '#1f6feb', points: side('left').map((v) => v != null)},
      {label: 'right', values: interpolate(x, side('right')), color: '#d1242f', points: side('right').map((v) => v != null)},
    ],
  });
  draw();
  window.addEventListener('resize', draw);
}

// A test with repetitions per assessment over time: the highest repetition's figures (the hip
// hinge's hip flexion, trunk inclination and knee flexion; web.services.summaries.trend).
for (const canvas of document.querySelectorAll('canvas[data-trend]')) {
  const data = dataOf(canvas, 'trend');
  const x = data.points.map((p) => Date.parse(p.at));
  const draw = () => drawChart(canvas, {
    x, time: true, yLabel: 'highest of the repetitions (degrees)',
    series: data.series.map((s) => ({label: s.label, values: data.points.map((p) => p[s.key]), points: true})),
  });
  draw();
  window.addEventListener('resize', draw);
  window.addEventListener('beforeprint', draw);
}

// Fill a side's gaps between its own points linearly (so its line runs through the other side's
// dates), but draw dots only at its real points: values at other dates are marked not real.
function interpolate(x, values) {
  const out = values.map((v) => v);
  const known = values.map((v, i) => (v == null ? null : i)).filter((i) => i != null);
  for (let k = 0; k + 1 < known.length; k++) {
    const [i, j] = [known[k], known[k + 1]];
    for (let m = i + 1; m < j; m++) out[m] = values[i] + ((values[j] - values[i]) * (x[m] - x[i])) / (x[j] - x[i]);
  }
  return out;
}
