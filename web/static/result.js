// Result and report pages: the chart of the angles over time, with the knee-bend onset, the
// pain mark and the repetitions (several SLR trials: one mark each, their mean and spread). The data come from /api/assessments/<id>/frames.
import {drawChart} from './plot.js';

const canvas = document.getElementById('angles-chart');

async function show() {
  const data = await (await fetch(canvas.dataset.src)).json();
  const draw = () => drawChart(canvas, {
    x: data.t_s, series: data.series,
    marks: data.marks.map((m) => ({x: m.t_s, label: m.label, kind: m.kind})),
    hlines: data.hlines || [],  // several trials: their mean and mean +/- SD
    xLabel: 'time (s)',
    yLabel: data.source === 'live' ? 'degrees, as shown live' : 'degrees',
  });
  draw();
  window.addEventListener('resize', draw);
  window.addEventListener('beforeprint', draw);
  canvas.dataset.ready = '1';
}

if (canvas) show();

const print = document.getElementById('print');
if (print) print.addEventListener('click', () => window.print());
