// Dashboards: draw the page's Plotly figures (JSON in #dashboard-figures, one per
// [data-figure] container), open the drill-down behind a clicked heatmap cell, and submit the
// period / team pickers as soon as they change, and size the tiers' bars.
(function () {
  "use strict";

  var CONFIG = { responsive: true, displayModeBar: false, displaylogo: false };

  function cellUrl(template, meta, point) {
    // A heatmap point's index is [row, column]; meta holds the ids of the rows and columns.
    var index = point.pointIndex || point.pointNumber;
    var row = meta.rows[index[0]], column = meta.columns[index[1]];
    if (row === undefined || column === undefined) { return null; }
    return template
      .replace("{row}", encodeURIComponent(row))
      .replace("{column}", encodeURIComponent(column));
  }

  function draw(container, figure) {
    Plotly.newPlot(container, figure.data, figure.layout, CONFIG).then(function () {
      container.dataset.drawn = "true";
    });
    var template = container.dataset.clickUrl;
    if (!template) { return; }
    container.on("plotly_click", function (event) {
      var url = event.points.length ? cellUrl(template, figure.layout.meta, event.points[0]) : null;
      if (url) { window.location.assign(url); }
    });
  }

  function drawAll() {
    var source = document.getElementById("dashboard-figures");
    if (!source || typeof Plotly === "undefined") { return; }
    var figures = JSON.parse(source.textContent);
    document.querySelectorAll("[data-figure]").forEach(function (container) {
      var figure = figures[container.dataset.figure];
      if (figure) { draw(container, figure); }
    });
  }

  function placeBars() {
    // Bars carry their lengths as data attributes (percent): the CSP allows no style attribute,
    // but a script may set element.style.
    document.querySelectorAll(".bar [data-width]").forEach(function (bar) {
      bar.style.width = bar.dataset.width + "%";
    });
    document.querySelectorAll(".bar [data-left]").forEach(function (mark) {
      mark.style.left = mark.dataset.left + "%";
    });
  }

  function autosubmit() {
    document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    placeBars();
    autosubmit();
    drawAll();
  });
})();
