// The settings pages: the searchable pickers (select2, for a teacher) are named by their field's
// label and the teacher chosen; Django's admin leaves them (and the read-only textbox select2
// puts inside) without a name.
const nameSearchablePickers = () => {
  document.querySelectorAll("select.admin-autocomplete").forEach((select) => {
    const picker = select.nextElementSibling?.querySelector(".select2-selection[role=combobox]");
    const chosen = picker?.querySelector(".select2-selection__rendered");
    const label = document.querySelector(`label[for="${select.id}"]`);
    if (!picker || !chosen || !label) return;
    label.id ||= `${select.id}-label`;
    chosen.removeAttribute("role");
    chosen.removeAttribute("aria-readonly");
    picker.setAttribute("aria-labelledby", `${label.id} ${chosen.id}`);
  });
};
// select2 builds its pickers when jQuery is ready, and again for each inline row added.
new MutationObserver(nameSearchablePickers).observe(document.body, { childList: true, subtree: true });
nameSearchablePickers();
