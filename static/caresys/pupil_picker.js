/* The record form's children: typing a name, its pinyin or its initials narrows the list (the
   teacher's own left-behind and paired children stay first); chosen children show as chips
   that remove them. Those who write for the whole school get matches from the server (at most
   20), added as checkboxes. Without this script the list and its 查找 button still work. */
document.querySelectorAll("[data-pupil-picker]").forEach((picker) => {
  const query = picker.querySelector("[data-picker-query]");
  const options = picker.querySelector("[data-picker-options]");
  const chips = picker.querySelector("[data-picker-chips]");
  const none = picker.querySelector("[data-picker-none]");
  const url = picker.dataset.searchUrl;
  const normal = (text) => text.replace(/\s+/g, "").toLowerCase();
  const boxes = () => Array.from(options.querySelectorAll("input[type=checkbox]"));
  const nameOf = (box) => box.closest("[data-picker-option]").dataset.search.split(" ")[0];

  picker.classList.add("picker-ready");
  picker.querySelector("[data-picker-find]").hidden = true;
  picker.querySelector("[data-picker-hint]")?.remove();

  const showChips = () => {
    chips.replaceChildren(...boxes().filter((box) => box.checked).map((box) => {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "btn btn-sm btn-primary py-0";
      chip.textContent = `${nameOf(box)} ×`;
      chip.setAttribute("aria-label", `${picker.dataset.removeLabel} ${nameOf(box)}`);
      chip.addEventListener("click", () => {
        box.checked = false;
        box.dispatchEvent(new Event("change", { bubbles: true }));
        query.focus();
      });
      return chip;
    }));
  };

  const filter = () => {
    const text = normal(query.value);
    let shown = 0;
    options.querySelectorAll("[data-picker-option]").forEach((option) => {
      const found = !text || normal(option.dataset.search).includes(text);
      option.hidden = !found;
      if (found) shown += 1;
    });
    options.querySelectorAll("[data-picker-group]").forEach((group) => { group.hidden = Boolean(text); });
    options.hidden = shown === 0;
    none.hidden = !text || shown > 0;
  };

  const add = (pupil) => {
    if (boxes().some((box) => box.value === String(pupil.id))) return;
    const option = document.createElement("div");
    option.className = "form-check mb-0";
    option.dataset.pickerOption = "";
    option.dataset.search = pupil.search;
    const box = document.createElement("input");
    Object.assign(box, { type: "checkbox", name: "pupils", value: pupil.id, id: `id_pupils_found_${pupil.id}` });
    box.className = "form-check-input";
    const label = document.createElement("label");
    label.className = "form-check-label";
    label.htmlFor = box.id;
    label.textContent = `${pupil.label} `;
    const small = document.createElement("small");
    small.className = "text-body-secondary";
    small.textContent = pupil.class;
    label.append(small);
    option.append(box, label);
    options.append(option);
  };

  let asked = 0;
  const ask = () => {
    const text = query.value.trim();
    if (!url || !text) return;
    const mine = ++asked;
    fetch(`${url}?${new URLSearchParams({ q: text })}`, { credentials: "same-origin" })
      .then((response) => response.json())
      .then((data) => {
        if (mine !== asked) return;  // a later search was typed meanwhile
        data.pupils.forEach(add);
        filter();
      });
  };

  let timer;
  query.addEventListener("input", () => {
    filter();
    clearTimeout(timer);
    timer = setTimeout(ask, 200);
  });
  // Enter picks the only child found instead of sending the form.
  query.addEventListener("keydown", (event) => {
    if (event.key !== "Enter") return;
    event.preventDefault();
    const found = boxes().filter((box) => !box.closest("[data-picker-option]").hidden);
    if (found.length === 1 && !found[0].checked) {
      found[0].checked = true;
      found[0].dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  picker.addEventListener("change", (event) => {
    if (event.target.name === "pupils") showChips();
  });
  showChips();
  filter();
});
