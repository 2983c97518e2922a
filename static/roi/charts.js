/* Draw the ROI charts from the JSON the page embeds (Chart.js, served from static/vendor). */
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  Chart.defaults.animation = false;
  Chart.defaults.maintainAspectRatio = false;
  var GOOD = "#1f7a4d", WARN = "#d08a1e", BAD = "#b3261e", BRAND = "#2456a6";

  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function draw(id, config, links) {
    var canvas = document.getElementById(id);
    if (!canvas) { return; }
    if (links) {
      // Drill-down: a bar opens the gap list (or the gap) behind it. ``links`` holds one
      // address per bar, or per bar a list of one address per dataset.
      config.options = config.options || {};
      config.options.onClick = function (event, elements) {
        if (!elements.length) { return; }
        var link = links[elements[0].index];
        if (Array.isArray(link)) { link = link[elements[0].datasetIndex]; }
        if (link) { window.location.assign(link); }
      };
      config.options.onHover = function (event, elements) {
        event.native.target.style.cursor = elements.length ? "pointer" : "default";
      };
    }
    new Chart(canvas, config);
  }
  // Whole amounts in the interface language: "EUR 1,235" in English, "1.235 €" in German.
  function money(currency, locale) {
    var english = !locale || locale.indexOf("en") === 0;
    var format;
    try {
      format = new Intl.NumberFormat(locale || "en", {
        style: "currency", currency: currency, currencyDisplay: english ? "code" : "symbol",
        maximumFractionDigits: 0, minimumFractionDigits: 0
      });
    } catch (error) {
      format = null;
    }
    return function (value) {
      return format ? format.format(value) : currency + " " + Number(value).toLocaleString(locale, {maximumFractionDigits: 0});
    };
  }
  function text(data, key, fallback) {
    return data.text && data.text[key] ? data.text[key] : fallback;
  }

  var board = read("roi-dashboard-data");
  if (board) {
    var ticks = {callback: money(board.currency, board.locale)};
    draw("chart-monthly", {
      type: "bar",
      data: {
        labels: board.months,
        datasets: [
          {label: text(board, "measured", "Measured savings"), data: board.measured, backgroundColor: GOOD, stack: "savings"},
          {label: text(board, "estimated", "Estimated savings"), data: board.estimated, backgroundColor: WARN, stack: "savings"},
          {label: text(board, "cost", "Cost incurred"), data: board.cost, type: "line", borderColor: BAD, backgroundColor: BAD}
        ]
      },
      options: {scales: {y: {ticks: ticks}}}
    }, board.month_links);
    draw("chart-settled", {
      type: "bar",
      data: {
        labels: board.months,
        datasets: [
          {label: text(board, "gaps_closed", "Gaps closed"), data: board.closed, backgroundColor: GOOD},
          {label: text(board, "gaps_prevented", "Gaps prevented"), data: board.prevented, backgroundColor: BRAND}
        ]
      },
      options: {scales: {y: {ticks: {precision: 0}}}}
    }, board.settled_links);
    draw("chart-teams", {
      type: "bar",
      data: {
        labels: board.teams,
        datasets: [
          {label: text(board, "team_savings", "Savings (measured + estimated)"), data: board.team_savings, backgroundColor: GOOD},
          {label: text(board, "cost", "Cost incurred"), data: board.team_cost, backgroundColor: BAD}
        ]
      },
      options: {indexAxis: "y", scales: {x: {ticks: ticks}}}
    }, board.team_links);
    // Long gap titles are shortened on the axis; the tooltip shows the whole title.
    var shortTitle = {
      callback: function (value) {
        var title = this.getLabelForValue(value);
        return title.length > 34 ? title.slice(0, 33) + "…" : title;
      }
    };
    draw("chart-open", {
      type: "bar",
      data: {labels: board.open_gaps, datasets: [{label: text(board, "open_cost", "Cost per month"), data: board.open_cost, backgroundColor: BAD}]},
      options: {indexAxis: "y", scales: {x: {ticks: ticks}, y: {ticks: shortTitle}}}
    }, board.open_links);
  }

  var gap = read("roi-gap-data");
  if (gap) {
    draw("chart-gap", {
      type: "bar",
      data: {
        labels: gap.labels,
        datasets: [{
          label: text(gap, "occurrences", "Occurrences per 30 days"),
          data: gap.counts,
          backgroundColor: gap.labels.map(function (label) { return label.indexOf("+") >= 0 ? GOOD : BRAND; })
        }]
      },
      options: {plugins: {subtitle: {display: true, text: text(gap, "subtitle", "Months before (−) and after (+) the gap was " + gap.anchor)}}}
    });
  }
})();
