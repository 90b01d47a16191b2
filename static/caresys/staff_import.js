// The confirmed staff import answers with a PDF download and the page stays: say what happened.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.staff-confirm");
  if (!form) return;
  form.addEventListener("submit", () => {
    const button = form.querySelector("input[name=confirm]");
    if (button) setTimeout(() => { button.disabled = true; }, 0);
    const note = form.querySelector(".staff-downloaded");
    if (note) note.hidden = false;
  });
});
