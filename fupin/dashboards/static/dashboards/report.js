/* Report progress: poll the report's JSON every second, move the bar, and show the
   download link when the file is ready. Plain JavaScript, no framework. */
(function () {
  "use strict";
  var box = document.getElementById("report-progress");
  if (!box || !window.fetch || box.getAttribute("data-done") === "1") { return; }
  var bar = box.querySelector("progress");
  var label = box.querySelector(".phase");
  var link = box.querySelector(".download");
  var url = box.getAttribute("data-url");

  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      })
      .then(function (data) {
        bar.value = data.fraction;
        bar.textContent = Math.round(data.fraction * 100) + "%";
        label.textContent = data.label;
        if (data.url) { link.href = data.url; link.classList.remove("hidden"); return; }
        if (data.failed) { label.classList.add("bad"); return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
}());
