// Draws each figures chart from the table beside it, so the chart can never show a number
// the table does not (suppressed cells are gaps) and the page works without JavaScript.
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  // GOV.UK Design System colours, each at least 3:1 against white (WCAG 2.2, 1.4.11);
  // series differ by point shape and dash too, so colour is never the only difference.
  var COLOURS = ["#1d70b8", "#00703c", "#4c2c92", "#d4351c", "#003078", "#505a5f", "#d53880"];
  var POINTS = ["circle", "rect", "triangle", "rectRot", "star", "crossRot", "rectRounded"];
  var DASHES = [[], [6, 3], [2, 2], [8, 3, 2, 3], [1, 4], [10, 5], [4, 4]];

  function text(element) {
    return element ? element.textContent.replace(/\s+/g, " ").trim() : "";
  }

  document.querySelectorAll("figure[data-chart-table]").forEach(function (figure) {
    var table = document.getElementById(figure.getAttribute("data-chart-table"));
    if (!table) {
      return;
    }
    var kind = table.getAttribute("data-chart") === "line" ? "line" : "bar";
    var series = (table.getAttribute("data-series") || "").split(",").filter(Boolean);
    var headers = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var keys = headers.map(function (th) {
      return th.getAttribute("data-key");
    });
    var rows = Array.prototype.slice
      .call(table.querySelectorAll("tbody tr"))
      .filter(function (tr) {
        return !tr.hasAttribute("data-total");
      });
    var labels = rows.map(function (tr) {
      return text(tr.querySelector("th"));
    });
    var datasets = series
      .map(function (key, i) {
        var index = keys.indexOf(key);
        if (index < 0) {
          return null;
        }
        var colour = COLOURS[i % COLOURS.length];
        return {
          label: text(headers[index]),
          data: rows.map(function (tr) {
            var value = tr.children[index] && tr.children[index].getAttribute("data-value");
            return value === null || value === undefined ? null : Number(value);
          }),
          backgroundColor: colour,
          borderColor: colour,
          pointStyle: POINTS[i % POINTS.length],
          pointRadius: 4,
          borderDash: kind === "line" ? DASHES[i % DASHES.length] : [],
          spanGaps: false,
        };
      })
      .filter(Boolean);
    var box = document.createElement("div");
    box.className = "svp-chart__canvas";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    canvas.setAttribute(
      "aria-label",
      figure.getAttribute("data-chart-description").replace(/[.\s]*$/, "") +
        ". The table that follows gives the figures."
    );
    box.appendChild(canvas);
    figure.insertBefore(box, figure.firstChild);
    new window.Chart(canvas, {
      type: kind,
      data: { labels: labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { labels: { usePointStyle: true, color: "#0b0c0c" } } },
        scales: {
          x: { ticks: { color: "#0b0c0c" } },
          y: { beginAtZero: true, ticks: { color: "#0b0c0c" } },
        },
      },
    });
  });
})();
