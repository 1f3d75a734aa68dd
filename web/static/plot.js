// A small line chart on a <canvas>, drawn without libraries (the app works offline).
//
// drawChart(canvas, {x, series: [{label, values, color}], marks: [{x, label, kind}],
//                    hlines: [{y, label}], xLabel, yLabel, time: false})
// x: numbers (seconds) or, with time: true, milliseconds since the epoch (ISO dates on the axis).
// Missing values (null) break the line. points: true, or one boolean per value, draws dots. The canvas keeps its CSS size and is drawn at the
// screen's pixel density so that it stays sharp, on screen and in print.

export const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700', '#8250df', '#57606a'];
const MARK_COLORS = {onset: '#d1242f', pain: '#bf3989', rep: '#57606a'};

export function drawChart(canvas, spec) {
  const dpr = window.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 600, cssH = canvas.clientHeight || 260;
  canvas.width = Math.round(cssW * dpr);
  canvas.height = Math.round(cssH * dpr);
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, cssW, cssH);
  g.font = '13px system-ui, sans-serif';

  // The legend and the y label share the top line; when they would overlap, the y label goes
  // on a line of its own.
  const legendW = spec.series.reduce((n, s) => n + 30 + g.measureText(s.label).width, 0);
  const yLabelW = spec.yLabel ? g.measureText(spec.yLabel).width : 0;
  const twoLines = spec.yLabel && 48 + legendW + 8 > cssW - 12 - yLabelW;
  const pad = {l: 48, r: 12, t: twoLines ? 44 : 28, b: 34};
  const w = cssW - pad.l - pad.r, h = cssH - pad.t - pad.b;
  const xs = spec.x.filter((v) => v != null);
  const ys = spec.series.flatMap((s) => s.values).filter((v) => v != null && isFinite(v));
  if (!xs.length || !ys.length) {
    g.fillStyle = '#57606a';
    g.fillText('No angles to show.', pad.l, pad.t + 20);
    return;
  }
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const minSpan = spec.time ? 2 * 86400000 : 1;  // dates: at least two days, centred on the data
  if (x1 - x0 < minSpan) { const mid = (x0 + x1) / 2; [x0, x1] = [mid - minSpan / 2, mid + minSpan / 2]; }
  const hlines = spec.hlines || [];
  const yt = niceTicks(Math.min(0, ...ys), Math.max(...ys, ...hlines.map((l) => l.y)), 6);
  const [y0, y1] = [yt[0], yt[yt.length - 1]];
  const px = (v) => pad.l + ((v - x0) / (x1 - x0)) * w;
  const py = (v) => pad.t + h - ((v - y0) / (y1 - y0)) * h;

  // grid and axes
  g.strokeStyle = '#d0d7de';
  g.fillStyle = '#57606a';
  g.lineWidth = 1;
  g.textAlign = 'right';
  g.textBaseline = 'middle';
  for (const t of yt) {
    g.beginPath(); g.moveTo(pad.l, py(t)); g.lineTo(pad.l + w, py(t)); g.stroke();
    g.fillText(`${t}°`, pad.l - 6, py(t));
  }
  g.textAlign = 'center';
  g.textBaseline = 'top';
  const xt = spec.time ? timeTicks(x0, x1) : niceTicks(x0, x1, 8).filter((t) => t >= x0 && t <= x1);
  let tickEnd = -Infinity;
  for (const t of xt) {
    const label = spec.time ? isoDay(t) : `${t}`;
    const half = g.measureText(label).width / 2;  // keep the label inside the canvas
    const at = Math.min(Math.max(px(t), half), cssW - half);
    if (at - half < tickEnd + 6) continue;  // no label over the previous one
    g.fillText(label, at, pad.t + h + 6);
    tickEnd = at + half;
  }
  if (spec.xLabel) { g.textAlign = 'right'; g.fillText(spec.xLabel, pad.l + w, pad.t + h + 20); }

  // reference lines (e.g. the tight-hamstring threshold)
  for (const l of hlines) {
    g.strokeStyle = '#9a6700';
    g.setLineDash([2, 4]);
    g.beginPath(); g.moveTo(pad.l, py(l.y)); g.lineTo(pad.l + w, py(l.y)); g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#9a6700';
    g.textAlign = 'right';
    g.textBaseline = 'top';
    g.fillText(l.label, pad.l + w - 4, py(l.y) + 3);
  }

  // marks (knee-bend onset, pain, repetitions); a label that would cover another one goes a
  // row lower
  const rowEnds = [];
  for (const m of spec.marks || []) {
    if (m.x < x0 || m.x > x1) continue;
    g.strokeStyle = MARK_COLORS[m.kind] || '#57606a';
    g.setLineDash([5, 4]);
    g.beginPath(); g.moveTo(px(m.x), pad.t); g.lineTo(px(m.x), pad.t + h); g.stroke();
    g.setLineDash([]);
    g.fillStyle = g.strokeStyle;
    g.textAlign = 'left';
    g.textBaseline = 'top';
    const x = px(m.x) + 4, width = g.measureText(m.label).width;
    let row = rowEnds.findIndex((end) => x > end + 4);
    if (row < 0) { row = rowEnds.length; rowEnds.push(0); }
    rowEnds[row] = x + width;
    g.fillText(m.label, x, pad.t + 2 + row * 16);
  }

  // series
  spec.series.forEach((s, i) => {
    const color = s.color || COLORS[i % COLORS.length];
    g.strokeStyle = color;
    g.fillStyle = color;
    g.lineWidth = i === 0 ? 2.5 : 1.5;
    g.beginPath();
    let pen = false;
    s.values.forEach((v, k) => {
      if (v == null || spec.x[k] == null) { pen = false; return; }
      if (pen) g.lineTo(px(spec.x[k]), py(v)); else g.moveTo(px(spec.x[k]), py(v));
      pen = true;
    });
    g.stroke();
    if (s.points) {
      s.values.forEach((v, k) => {
        if (v == null || (Array.isArray(s.points) && !s.points[k])) return;
        g.beginPath(); g.arc(px(spec.x[k]), py(v), 4, 0, 2 * Math.PI); g.fill();
      });
    }
  });

  // legend
  let lx = pad.l;
  g.textAlign = 'left';
  g.textBaseline = 'middle';
  spec.series.forEach((s, i) => {
    g.fillStyle = s.color || COLORS[i % COLORS.length];
    g.fillRect(lx, 8, 14, 4);
    g.fillStyle = '#24292f';
    g.fillText(s.label, lx + 18, 10);
    lx += 30 + g.measureText(s.label).width;
  });
  if (spec.yLabel) {
    g.textAlign = 'right'; g.fillStyle = '#57606a'; g.fillText(spec.yLabel, pad.l + w, twoLines ? 28 : 10);
  }
}

// A date as in the tables: 2026-12-01 (the browser's local day).
export function isoDay(t) {
  const d = new Date(t);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function niceTicks(lo, hi, n) {
  if (hi <= lo) hi = lo + 1;
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw);
  const out = [];
  for (let t = Math.floor(lo / step) * step; t <= hi + step * 0.999; t += step) out.push(+t.toFixed(6));
  if (out[out.length - 1] < hi) out.push(out[out.length - 1] + step);
  return out;
}

function timeTicks(t0, t1) {
  const day = 86400000;
  const span = Math.max(1, Math.round((t1 - t0) / day));
  const step = Math.max(1, Math.ceil(span / 6)) * day;
  const out = [];
  for (let t = Math.ceil(t0 / day) * day; t <= t1; t += step) out.push(t);
  return out.length ? out : [t0];
}
