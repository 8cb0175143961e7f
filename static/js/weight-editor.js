// Weight editor: as judgments change, ask the API for the weights and CR of the matrix on screen
// and show them at once (nothing is saved until "Save judgments").
(function () {
  "use strict";

  function parse(value) {
    var parts = value.split("/");
    return parts.length === 2 ? Number(parts[0]) / Number(parts[1]) : Number(value);
  }

  function label(value) {
    if (value >= 1) { return String(Math.round(value * 100) / 100); }
    return "1/" + Math.round(1 / value);
  }

  function matrixOf(form) {
    var size = Number(form.dataset.size);
    var matrix = [];
    for (var i = 0; i < size; i++) {
      matrix.push([]);
      for (var j = 0; j < size; j++) { matrix[i].push(1); }
    }
    form.querySelectorAll("select[data-row]").forEach(function (select) {
      var i = Number(select.dataset.row), j = Number(select.dataset.column);
      var value = parse(select.value);
      matrix[i][j] = value;
      matrix[j][i] = 1 / value;
    });
    return matrix;
  }

  function show(form, result) {
    result.weights.forEach(function (weight, index) {
      var cell = form.querySelector('[data-weight="' + index + '"]');
      if (cell) { cell.textContent = (weight * 100).toFixed(1) + "%"; }
    });
    form.querySelector("[data-cr]").textContent = result.cr.toFixed(3);
    var badge = form.querySelector("[data-consistency]");
    badge.className = result.consistent ? "ok" : "error";
    badge.textContent = result.consistent ? badge.dataset.ok : badge.dataset.bad;
    var revise = form.querySelector("[data-revise]");
    if (result.consistent || !result.revise) {
      revise.hidden = true;
      return;
    }
    var items = form.dataset.items.split("|");
    revise.textContent = form.dataset.warning
      .replace("{cr}", result.cr.toFixed(3))
      .replace("{row}", items[result.revise.row - 1])
      .replace("{column}", items[result.revise.column - 1])
      .replace("{value}", label(result.revise.value))
      .replace("{suggested}", label(result.revise.suggested));
    revise.hidden = false;
  }

  function evaluate(form) {
    var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
    // Answers can arrive out of order: only the one for the latest change is shown.
    var request = (form.latestRequest = (form.latestRequest || 0) + 1);
    fetch(form.dataset.evaluateUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ matrix: matrixOf(form) })
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (result) {
        if (result && request === form.latestRequest) { show(form, result); }
      });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.judgments").forEach(function (form) {
      if (Number(form.dataset.size) < 2) { return; }
      form.addEventListener("change", function () { evaluate(form); });
    });
  });
})();
