// Reveal buttons: POST to the reveal URL (logged on the server) and show the value.
(function () {
  "use strict";
  function csrfToken() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (input) return input.value;
    var m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return m ? decodeURIComponent(m[1]) : "";
  }
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.reveal");
    if (!button) return;
    event.preventDefault();
    button.disabled = true;
    fetch(button.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.text();
    }).then(function (html) {
      var masked = button.previousElementSibling;
      var holder = document.createElement("span");
      holder.innerHTML = html;
      if (masked && masked.classList.contains("masked")) masked.replaceWith(holder);
      button.remove();
    }).catch(function () {
      button.disabled = false;
    });
  });
  // No inline handlers (the Content-Security-Policy forbids them): a button marked
  // data-print prints the page, a select marked data-autosubmit submits its form.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
})();
