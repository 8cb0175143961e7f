// Sync run page: while the run is queued or running, ask its status endpoint every 2 s, show the
// counts as they grow and reload once it has finished (the reloaded page lists rejected rows).
(function () {
  "use strict";

  var FINISHED = ["succeeded", "failed"];
  var card = document.querySelector("[data-sync-status-url]");
  if (!card) { return; }

  function show(run) {
    card.querySelectorAll("[data-field]").forEach(function (cell) {
      var name = cell.dataset.field;
      if (name === "status") {
        cell.textContent = run.status_label;
        cell.className = "status status-" + run.status;
      } else if (name === "record_type") {
        cell.textContent = run.record_type_label || "—";
      } else if (run[name] !== undefined) {
        cell.textContent = run[name];
      }
    });
  }

  function poll() {
    fetch(card.dataset.syncStatusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (run) {
        if (!run) { return; }
        if (FINISHED.indexOf(run.status) >= 0) {
          window.clearInterval(timer);
          window.location.reload();
        } else {
          show(run);
        }
      })
      .catch(function () {});  // a missed poll is retried by the next tick
  }

  var timer = window.setInterval(poll, 2000);
})();
