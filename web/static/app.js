// Behaviour shared by every page: forms that ask before they do something destructive, and
// 'go back' links (scripts run only from files: the pages' Content-Security-Policy).
document.addEventListener('submit', (ev) => {
  const form = ev.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
});

document.querySelectorAll('a[data-back]').forEach((a) => a.addEventListener('click', (ev) => {
  if (window.history.length > 1) {
    ev.preventDefault();
    window.history.back();
  }
}));
