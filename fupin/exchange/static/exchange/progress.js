/* Import progress: poll the JSON of the import every second, move the bar, and open the
   run's page when it is finished. Plain JavaScript, no framework. */
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || !window.fetch) { return; }
  var bar = box.querySelector("progress");
  var label = box.querySelector(".phase");
  var url = box.getAttribute("data-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (data) {
        bar.value = data.fraction;
        bar.textContent = Math.round(data.fraction * 100) + "%";
        label.textContent = data.label;
        if (data.url) { window.location.assign(data.url); return; }
        if (data.failed) { label.classList.add("bad"); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
