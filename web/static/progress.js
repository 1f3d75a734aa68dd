// Upload progress: poll the assessment's status until the analysis ends, then open the result.
const box = document.getElementById('progress');
const bar = document.getElementById('bar');
const text = document.getElementById('progress-text');

async function poll() {
  try {
    const a = await (await fetch(box.dataset.src)).json();
    if (a.status !== 'analysing') { window.location = a.url; return; }
    bar.value = a.progress || 0;
    text.textContent = `${Math.round(100 * (a.progress || 0))}% · the pose model runs over every frame; this page moves on by itself.`;
  } catch (e) {
    text.textContent = 'Waiting for the server…';
  }
  setTimeout(poll, 500);
}
poll();
