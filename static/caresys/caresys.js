// Bootstrap's script (the menu on a phone, dropdowns, closing a message) is fetched once the page
// has shown: on a slow line (400 kbps) it would share the bandwidth with the styles and hold the
// first paint back by half a second. A click on one of its buttons before it arrives is replayed.
(() => {
  const source = document.currentScript?.dataset.bootstrap;
  if (!source) return;
  let early = null;
  const remember = (event) => {
    early = event.target.closest("[data-bs-toggle], [data-bs-dismiss]") || early;
  };
  document.addEventListener("click", remember);
  window.addEventListener("load", () => {
    const script = document.createElement("script");
    script.src = source;
    script.onload = () => {
      document.removeEventListener("click", remember);
      early?.click();
    };
    document.body.append(script);
  });
})();

/* Reveal a masked ID number or phone: the server returns the full value and logs the reveal. */
(function () {
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest(".js-reveal");
    if (!button) return;
    var body = new URLSearchParams({ field: button.dataset.field });
    fetch(button.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin",
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (data.value === undefined) {
          if (data.error) {
            button.textContent = data.error;
            button.disabled = true;
          }
          return;
        }
        var span = button.previousElementSibling;
        if (span) span.textContent = data.value;
        button.remove();
      });
  });
})();

// The pair form shows only the partner the chosen kind needs (all three without JavaScript).
document.querySelectorAll("form[data-pair-form]").forEach((form) => {
  const kind = form.querySelector("select[name=kind]");
  const show = () => {
    form.querySelectorAll("[data-partner]").forEach((part) => {
      part.hidden = part.dataset.partner !== kind.value;
    });
  };
  kind.addEventListener("change", show);
  show();
});

// Drafts belong to the person who typed them: the key names them, a page signed in as someone
// else removes every draft that is not theirs, and signing out removes all (a school computer
// is shared). Counselling is never kept in the browser.
const DRAFT_PREFIX = "caresys-draft:";
const draftKeys = () => Object.keys(localStorage).filter((key) => key.startsWith(DRAFT_PREFIX));
const owner = document.body.dataset.user;
if (owner) {
  draftKeys()
    .filter((key) => !key.startsWith(`${DRAFT_PREFIX}${owner}:`))
    .forEach((key) => localStorage.removeItem(key));
}
document.querySelectorAll("form[data-sign-out]").forEach((form) => {
  form.addEventListener("submit", () => draftKeys().forEach((key) => localStorage.removeItem(key)));
});

const sentDraft = sessionStorage.getItem("caresys-sent-draft");
if (sentDraft && !document.querySelector("form[data-draft]")) {
  localStorage.removeItem(sentDraft);
  sessionStorage.removeItem("caresys-sent-draft");
}

// A care record is written on a phone: what is typed is kept in the browser until it is sent,
// so a reload or a dropped connection loses nothing. Fields only one kind needs show for it.
document.querySelectorAll("form[data-draft]").forEach((form) => {
  if (!owner) return;
  const key = `${DRAFT_PREFIX}${owner}:${form.dataset.draft}:${location.pathname}`;
  const confidential = () => form.querySelector("select[name=kind]")?.value === "counselling";
  // A chosen file cannot be kept in the browser's storage (nor put back into a file input).
  const fields = () => Array.from(form.elements).filter(
    (el) => el.name && el.name !== "csrfmiddlewaretoken" && el.type !== "file"
  );
  const save = () => {
    if (confidential()) {
      localStorage.removeItem(key);
      return;
    }
    const values = {};
    fields().forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) (values[el.name] = values[el.name] || []).push(el.value);
      } else {
        values[el.name] = el.value;
      }
    });
    localStorage.setItem(key, JSON.stringify(values));
  };
  const saved = localStorage.getItem(key);
  const hasErrors = form.querySelector(".is-invalid, .alert-danger");
  if (saved && !hasErrors && !confidential()) {
    const values = JSON.parse(saved);
    fields().forEach((el) => {
      if (!(el.name in values)) {
        if (el.type === "checkbox" || el.type === "radio") el.checked = false;
        return;
      }
      if (el.type === "checkbox" || el.type === "radio") el.checked = values[el.name].includes(el.value);
      else el.value = values[el.name];
    });
    document.querySelector("[data-draft-restored]")?.classList.remove("d-none");
  }
  form.addEventListener("input", save);
  form.addEventListener("change", save);
  // The draft is dropped only once the record is saved (the next page is not this form).
  form.addEventListener("submit", () => sessionStorage.setItem("caresys-sent-draft", key));

  const kind = form.querySelector("select[name=kind]");
  if (kind) {
    // A part for other kinds is hidden, and its fields are not sent (a value typed before the
    // kind was changed would be refused, beside a field nobody sees).
    const show = () => form.querySelectorAll("[data-kind-only], [data-kind-not]").forEach((part) => {
      part.hidden = "kindOnly" in part.dataset
        ? part.dataset.kindOnly !== kind.value
        : part.dataset.kindNot === kind.value;
      part.querySelectorAll("input, select, textarea").forEach((field) => {
        field.disabled = part.hidden;
      });
    });
    kind.addEventListener("change", show);
    show();
  }
});

// A long list of children to tick: typing part of a name hides the others (ticked ones stay).
document.querySelectorAll("[data-choice-filter]").forEach((input) => {
  const box = document.getElementById(input.dataset.choiceFilter);
  if (!box) return;
  input.addEventListener("input", () => {
    const text = input.value.trim();
    box.querySelectorAll(".form-check").forEach((choice) => {
      const ticked = choice.querySelector("input")?.checked;
      choice.hidden = Boolean(text) && !ticked && !choice.textContent.includes(text);
    });
  });
});

// A print button (the Content-Security-Policy allows no onclick= attributes).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});

// A table or chart wider than the phone scrolls sideways: it takes keyboard focus, so it can be
// scrolled without a mouse (and is named by its caption or heading for a screen reader).
document.querySelectorAll(".table-responsive, .overflow-auto").forEach((box) => {
  if (box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight) return;
  box.tabIndex = 0;
  if (!box.hasAttribute("aria-label")) {
    const title = box.querySelector("caption") || box.closest("section, .card")?.querySelector("h2, h3");
    if (title) {
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", title.textContent.trim());
    }
  }
});

// A form sent back with errors: the summary above it is announced and takes the focus (its
// links lead to each field to correct, as GOV.UK's error summary does); a form without one
// sends the focus to its first field in error (its message is read with it).
(() => {
  const invalid = document.querySelector("main .is-invalid, main [aria-invalid=true]");
  const summary = document.querySelector("main [data-error-summary]")
    || document.querySelector(invalid ? "main .alert-danger:not(.alert-dismissible)" : "main form .alert-danger");
  if (summary) {
    summary.setAttribute("role", "alert");
    summary.tabIndex = -1;
    summary.focus();
  } else if (invalid) {
    invalid.focus();
  }
})();
