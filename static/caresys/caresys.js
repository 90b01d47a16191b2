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
        if (data.value === undefined) return;
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
