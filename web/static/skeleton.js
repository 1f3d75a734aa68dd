// Drawing one frame's result over the camera picture: the skeleton, and arcs with the angles
// at the hip and the knee of the measured side, large enough to read from two metres.

// BlazePose landmark indices (rom/core/landmarks.py NAMES).
const I = {nose: 0, left_shoulder: 11, right_shoulder: 12, left_elbow: 13, right_elbow: 14,
  left_wrist: 15, right_wrist: 16, left_hip: 23, right_hip: 24, left_knee: 25, right_knee: 26,
  left_ankle: 27, right_ankle: 28, left_heel: 29, right_heel: 30, left_foot_index: 31, right_foot_index: 32};
const BONES = [];
for (const s of ['left', 'right']) {
  for (const [a, b] of [['shoulder', 'elbow'], ['elbow', 'wrist'], ['shoulder', 'hip'], ['hip', 'knee'],
    ['knee', 'ankle'], ['ankle', 'heel'], ['heel', 'foot_index'], ['ankle', 'foot_index']]) {
    BONES.push([I[`${s}_${a}`], I[`${s}_${b}`], s]);
  }
}
BONES.push([I.left_shoulder, I.right_shoulder, null], [I.left_hip, I.right_hip, null]);

const MEASURED = '#ffb000';
const OTHER = 'rgba(255,255,255,0.85)';
const MIN_VIS = 0.3;

// hipReference: 'table' (lying: the hip angle against the table line) or 'trunk' (standing).
export function drawSkeleton(canvas, landmarks, size, side, angles, hipReference) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth, h = canvas.clientHeight;
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, h);
  if (!landmarks) return;
  const k = Math.min(w / size[0], h / size[1]);
  const p = (i) => [landmarks[i][0] * k, landmarks[i][1] * k];
  const seen = (i) => landmarks[i][2] >= MIN_VIS;

  g.lineCap = 'round';
  for (const [a, b, s] of BONES) {
    if (!seen(a) || !seen(b)) continue;
    g.strokeStyle = s && s === side ? MEASURED : OTHER;
    g.lineWidth = s && s === side ? 6 : 3;
    g.beginPath(); g.moveTo(...p(a)); g.lineTo(...p(b)); g.stroke();
  }
  g.fillStyle = '#ffffff';
  for (const i of Object.values(I)) {
    if (!seen(i)) continue;
    g.beginPath(); g.arc(...p(i), 4, 0, 2 * Math.PI); g.fill();
  }
  if (!side) return;
  const [hip, knee, ankle, shoulder] = ['hip', 'knee', 'ankle', 'shoulder'].map((n) => p(I[`${side}_${n}`]));
  const dir = (a, b) => Math.atan2(b[1] - a[1], b[0] - a[0]);
  const thigh = dir(hip, knee);
  const hipDeg = angles.hip_flexion_deg;
  if (hipDeg != null) {
    if (hipReference === 'table') {
      // The table line implied by the engine's angle: the thigh turned back down by it.
      const down = [thigh + rad(hipDeg), thigh - rad(hipDeg)].sort((a, b) => Math.sin(b) - Math.sin(a))[0];
      arc(g, hip, down, thigh, hipDeg, 70 * Math.max(k, 0.6));
      dashed(g, hip, down, 110 * Math.max(k, 0.6));
    } else {
      arc(g, hip, dir(knee, hip), dir(hip, shoulder), hipDeg, 60 * Math.max(k, 0.6));
    }
  }
  const kneeDeg = angles.knee_flexion_deg;
  if (kneeDeg != null && Math.abs(kneeDeg) >= 3) arc(g, knee, thigh, dir(knee, ankle), kneeDeg, 45 * Math.max(k, 0.6));
}

function rad(deg) { return (deg * Math.PI) / 180; }

function arc(g, c, from, to, value, r) {
  let d = to - from;
  while (d > Math.PI) d -= 2 * Math.PI;
  while (d < -Math.PI) d += 2 * Math.PI;
  g.strokeStyle = MEASURED;
  g.fillStyle = 'rgba(255,176,0,0.25)';
  g.lineWidth = 3;
  g.beginPath(); g.moveTo(...c); g.arc(c[0], c[1], r, from, from + d, d < 0); g.closePath(); g.fill(); g.stroke();
  const mid = from + d / 2;
  const label = `${Math.round(value)}°`;
  const [x, y] = [c[0] + Math.cos(mid) * (r + 30), c[1] + Math.sin(mid) * (r + 30)];
  g.font = 'bold 30px system-ui, sans-serif';
  g.textAlign = 'center';
  g.textBaseline = 'middle';
  g.lineWidth = 6;
  g.strokeStyle = 'rgba(0,0,0,0.75)';
  g.strokeText(label, x, y);
  g.fillStyle = '#ffffff';
  g.fillText(label, x, y);
}

function dashed(g, c, angle, len) {
  g.strokeStyle = OTHER;
  g.lineWidth = 2;
  g.setLineDash([8, 6]);
  g.beginPath(); g.moveTo(...c); g.lineTo(c[0] + Math.cos(angle) * len, c[1] + Math.sin(angle) * len); g.stroke();
  g.setLineDash([]);
}
