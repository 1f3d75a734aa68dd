// Behaviour shared by every page: forms that ask before they do something destructive.
document.addEventListener('submit', (ev) => {
  const form = ev.target;
  if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) ev.preventDefault();
});
