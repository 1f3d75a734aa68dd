// Live page: webcam -> WebSocket -> skeleton, angles and cues drawn over the picture.
//
// At most one frame is in flight: a frame is sent only once the reply to the previous one has
// arrived, and only if the camera has a new picture; pictures taken meanwhile are dropped, so
// a slow machine shows fewer frames per second instead of falling behind. Protocol: web/live.py.
import {drawSkeleton} from './skeleton.js';

const root = document.getElementById('live');
const video = document.getElementById('camera');
const overlay = document.getElementById('overlay');
const $ = (id) => document.getElementById(id);
const MAX_SIDE = 640;  // frames are sent at most 640 px wide: the pose model works on 256 px

const state = {
  ws: null, ready: false, inFlight: false, recording: false, stopping: false, done: false,
  frameId: 0, sentId: -1, captureT: 0, sentAt: 0, rtts: [], replies: [], spoken: new Map(), checkOk: null,
};
const capture = document.createElement('canvas');
const capCtx = capture.getContext('2d');

function phase(text, kind = '') {
  $('phase').textContent = text;
  $('phase').className = `phase ${kind}`;
}

async function openCamera() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    phase('This browser cannot use a camera here (use http://localhost or https).', 'error');
    return false;
  }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({
      audio: false, video: {width: {ideal: 640}, height: {ideal: 480}, frameRate: {ideal: 30}},
    });
  } catch (e) {
    phase(`The camera could not be opened: ${e.message}. Allow the camera for this page and reload.`, 'error');
    return false;
  }
  await video.play();
  const scale = Math.min(1, MAX_SIDE / Math.max(video.videoWidth, video.videoHeight));
  capture.width = Math.round(video.videoWidth * scale);
  capture.height = Math.round(video.videoHeight * scale);
  root.style.setProperty('--aspect', `${video.videoWidth} / ${video.videoHeight}`);
  return true;
}

function onVideoFrame(now, meta) {
  state.frameId = meta.presentedFrames;
  state.captureT = (meta.captureTime ?? meta.expectedDisplayTime ?? now) / 1000;
  trySend();
  video.requestVideoFrameCallback(onVideoFrame);
}

function pollFrames() {  // browsers without requestVideoFrameCallback
  state.frameId += 1;
  state.captureT = performance.now() / 1000;
  trySend();
  requestAnimationFrame(pollFrames);
}

async function trySend() {
  const ws = state.ws;
  if (!state.ready || state.inFlight || state.stopping || state.frameId === state.sentId ||
      !ws || ws.readyState !== WebSocket.OPEN) return;
  state.inFlight = true;
  state.sentId = state.frameId;
  const t = state.captureT;
  capCtx.drawImage(video, 0, 0, capture.width, capture.height);
  const jpeg = await new Promise((resolve) => capture.toBlob(resolve, 'image/jpeg', 0.8));
  const head = new ArrayBuffer(8);
  new DataView(head).setFloat64(0, t, true);
  state.sentAt = performance.now();
  ws.send(new Blob([head, jpeg]));
}

function connect() {
  const path = new URL(root.dataset.ws, location.href).pathname;  // same host and port as the page
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${path}`;
  const ws = new WebSocket(url);
  state.ws = ws;
  ws.onmessage = (ev) => handle(JSON.parse(ev.data));
  ws.onclose = () => {
    if (state.done) return;
    state.ready = false;
    phase('The connection to the server was lost. What was recorded so far is stored: ', 'error');
    const a = document.createElement('a');
    a.href = root.dataset.result;
    a.textContent = 'open the assessment';
    $('phase').append(a);
    ['start', 'stop', 'pain'].forEach((id) => $(id) && ($(id).disabled = true));
  };
}

function handle(msg) {
  switch (msg.type) {
    case 'ready':
      state.ready = true;
      phase('Camera set-up: check the advice on the picture, then start recording.');
      trySend();
      break;
    case 'frame':
      state.inFlight = false;
      stats(performance.now() - state.sentAt);
      show(msg);
      if (msg.storage) storage(msg.storage);
      trySend();
      break;
    case 'storage':
      storage(msg);
      break;
    case 'started':
      state.recording = true;
      phase('Recording', 'recording');
      $('start').hidden = true;
      $('stop').hidden = false;
      if ($('pain')) $('pain').hidden = false;
      $('anyway-choice').hidden = true;
      $('check').hidden = state.checkOk !== false;
      break;
    case 'pain':
      phase(`Recording · pain marked at ${msg.pain_s.toFixed(1)} s`, 'recording');
      showPainMarks(msg.marks);
      break;
    case 'pain_undone':
      phase(`Recording · pain mark at ${msg.removed_s.toFixed(1)} s removed`, 'recording');
      showPainMarks(msg.marks);
      break;
    case 'done':
      state.done = true;
      window.location = msg.url;
      break;
    case 'error':
      state.inFlight = false;
      phase(msg.message, 'error');
      break;
  }
}

// The database is locked or unreachable: the server keeps the frames and retries; say so
// until it answers again.
function storage(status) {
  if (!status.ok) phase(status.message, 'warning');
  else if (state.recording && !state.stopping) phase('Recording', 'recording');
}

function show(msg) {
  const size = msg.size;
  drawSkeleton(overlay, msg.landmarks, size, msg.side, msg.angles || {}, root.dataset.hipReference);
  if (msg.check) {
    state.checkOk = msg.check.ok;
    if (!state.recording && !state.stopping) $('start').disabled = !(msg.check.ok || $('anyway').checked);
    showCheck(msg.check);
  }
  if (msg.angles) {
    setValue('hip', msg.angles.hip_flexion_deg);
    setValue('knee', msg.angles.knee_flexion_deg);
    if ($('trunk')) setValue('trunk', msg.angles.trunk_inclination_deg);
    // a test's own readouts (its _live.html): each names the angle it shows
    for (const el of root.querySelectorAll('[data-angle]')) setValue(el.id, msg.angles[el.dataset.angle]);
  }
  if (msg.cues) showCues(msg.cues);
  if ((msg.events || []).includes('knee_bend')) flash($('knee'));
  if (msg.reps && $('reps')) showReps(msg.reps);
}

// Hinge: the count and a card per finished repetition (the last few), which stay on screen.
const REP_CARDS = 4;
function showReps(reps) {
  if ($('reps').textContent === String(reps.length)) return;
  $('reps').textContent = reps.length;
  flash($('reps'));
  const cards = reps.slice(-REP_CARDS).map((rep) => {
    const li = document.createElement('li');
    li.value = rep.n;
    const head = document.createElement('strong');
    head.textContent = `Rep ${rep.n}: hip ${Math.round(rep.max_hip_flexion_deg)}°`;
    const detail = document.createElement('span');
    detail.textContent = ` · trunk ${Math.round(rep.max_trunk_inclination_deg)}°` +
      (rep.cues.length ? ` · ${rep.cues.join('; ')}` : ' · good form');
    li.append(head, detail);
    return li;
  });
  $('rep-cards').replaceChildren(...cards);
}

// SLR: every pain mark with the hip flexion there, each with its own undo.
function showPainMarks(marks) {
  const list = $('pain-marks');
  list.hidden = marks.length === 0;
  list.replaceChildren(...marks.map((m) => {
    const li = document.createElement('li');
    li.textContent = `${$('pain').dataset.word || 'Pain'} at ${m.t_s.toFixed(1)} s` + (m.angle_deg == null ? '' : `, ${Math.round(m.angle_deg)}° `);
    const undo = Object.assign(document.createElement('button'), {type: 'button', textContent: 'Undo'});
    undo.className = 'small';
    undo.title = 'Remove this pain mark';
    undo.addEventListener('click', () => {
      if (state.recording && !state.stopping) send({type: 'pain_undo', t: m.t_s});
    });
    li.append(undo);
    return li;
  }));
}

// Before recording: ready, or what to change (Start waits for it unless 'record anyway' is
// ticked). While recording the check goes on and only speaks up when something is wrong.
function showCheck(check) {
  const box = $('check');
  box.hidden = state.recording && check.ok;
  box.replaceChildren();
  box.className = `check ${check.ok ? 'ok' : 'advice'}`;
  const lines = check.ok ? ['Ready: the whole body is in view, from the side.'] : check.advice;
  for (const line of lines) {
    const p = document.createElement('p');
    p.textContent = line;
    box.append(p);
  }
}

function setValue(id, v) {
  $(id).textContent = v == null ? '–' : `${Math.round(v)}°`;
}

function showCues(cues) {
  const list = $('cues');
  const now = performance.now();
  if (list.dataset.text !== cues.join('|')) {
    list.dataset.text = cues.join('|');
    list.replaceChildren(...cues.map((c) => Object.assign(document.createElement('li'), {textContent: c})));
  }
  if (!$('speak').checked || !window.speechSynthesis) return;
  for (const cue of cues) {  // speak a cue when it is new, at most every 6 s
    if (now - (state.spoken.get(cue) ?? -1e9) > 6000 && !speechSynthesis.speaking) {
      state.spoken.set(cue, now);
      speechSynthesis.speak(new SpeechSynthesisUtterance(cue));
      break;
    }
  }
}

function flash(el) {
  el.classList.add('flash-event');
  setTimeout(() => el.classList.remove('flash-event'), 1500);
}

function stats(rtt) {
  const now = performance.now();
  state.rtts = [...state.rtts.slice(-29), rtt];
  state.replies = [...state.replies.filter((t) => now - t < 2000), now];
  $('rtt').textContent = Math.round(state.rtts.reduce((a, b) => a + b, 0) / state.rtts.length);
  $('fps').textContent = (state.replies.length / 2).toFixed(0);
}

function send(obj) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(obj));
}

function markPain() {
  if (state.recording && !state.stopping) send({type: 'pain', t: performance.now() / 1000});
}

$('start').addEventListener('click', () => { $('start').disabled = true; send({type: 'start'}); });
$('anyway').addEventListener('change', () => {
  if (!state.recording) $('start').disabled = !(state.checkOk || $('anyway').checked);
});
$('stop').addEventListener('click', () => {
  state.stopping = true;
  $('stop').disabled = true;
  if ($('pain')) $('pain').disabled = true;
  phase('Analysing the recording…');
  send({type: 'stop'});
});
// Where typing a P means the letter P; anywhere else (a ticked checkbox, a button) it marks pain.
const TEXT_INPUTS = new Set(['text', 'search', 'email', 'number', 'password', 'tel', 'url']);
function typingIn(el) {
  if (!(el instanceof Element)) return false;
  if (el.isContentEditable || el.closest('textarea, [contenteditable]:not([contenteditable="false"])')) return true;
  return el.tagName === 'INPUT' && TEXT_INPUTS.has(el.type);
}

if ($('pain')) {  // only on tests that have a pain mark (the SLR): no key handler on the others
  $('pain').addEventListener('click', markPain);
  document.addEventListener('keydown', (ev) => {
    if ((ev.key === 'p' || ev.key === 'P') && !ev.repeat && !ev.ctrlKey && !ev.metaKey && !ev.altKey &&
        !typingIn(ev.target)) {
      ev.preventDefault();
      markPain();
    }
  });
}

window.addEventListener('beforeunload', (ev) => {
  if (state.recording && !state.done) ev.preventDefault();  // ask before leaving a recording
});

(async () => {
  if (!(await openCamera())) return;
  connect();
  if ('requestVideoFrameCallback' in HTMLVideoElement.prototype) video.requestVideoFrameCallback(onVideoFrame);
  else requestAnimationFrame(pollFrames);
})();
