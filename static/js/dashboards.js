// Dashboards: draw the page's Plotly figures (JSON in #dashboard-figures, one per
// [data-figure] container), open the drill-down behind a clicked heatmap cell, and submit the
// period / team pickers as soon as they change, size the tiers' bars, and keep a heatmap's
// names in view while it scrolls sideways.
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

  var SVG = "http://www.w3.org/2000/svg";

  function stickyNames(container) {
    // A heatmap wider than its box (a phone) scrolls sideways in it; its first column, the
    // names (the y axis's labels), stays in view: a copy of them on a white band that follows
    // the scroll, made again after each redraw. Clicks go through to the cells.
    var box = container.closest(".scroll");
    if (!box) { return; }
    function place() {
      var band = container.querySelector(".sticky-names");
      if (band) { band.setAttribute("transform", "translate(" + box.scrollLeft + ",0)"); }
    }
    function copy() {
      var svg = container.querySelector("svg.main-svg");
      var labels = svg && svg.querySelector(".yaxislayer-above");
      var size = container._fullLayout && container._fullLayout._size;
      if (!labels || !size) { return; }
      var old = svg.querySelector(".sticky-names");
      if (old) { old.remove(); }
      var band = document.createElementNS(SVG, "g");
      band.setAttribute("class", "sticky-names");
      band.setAttribute("pointer-events", "none");
      var background = document.createElementNS(SVG, "rect");
      background.setAttribute("x", "0");
      background.setAttribute("y", String(size.t));
      background.setAttribute("width", String(size.l));
      background.setAttribute("height", String(size.h));
      background.setAttribute("fill", "#fff");
      band.appendChild(background);
      var names = labels.cloneNode(true);
      // The copy is no axis of Plotly's: its names are counted once, as the axis's.
      names.setAttribute("class", "sticky-labels");
      names.querySelectorAll(".ytick").forEach(function (tick) { tick.setAttribute("class", "sticky-tick"); });
      band.appendChild(names);
      svg.appendChild(band);
      place();
    }
    container.on("plotly_afterplot", copy);
    box.addEventListener("scroll", place, { passive: true });
    copy();
  }

  function draw(container, figure) {
    Plotly.newPlot(container, figure.data, figure.layout, CONFIG).then(function () {
      if (container.dataset.figure === "heatmap") { stickyNames(container); }
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
