// Occurrences of one gap per week, bars before the close in one colour and after it in another,
// with a dashed line at the week the gap was closed. Data comes from json_script on the page.
(function () {
  "use strict";
  var source = document.getElementById("occurrence-data");
  var canvas = document.getElementById("occurrence-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  var words = data.text || {};
  var closedIndex = data.closed_week ? data.labels.indexOf(data.closed_week) : -1;
  var colours = data.labels.map(function (week) {
    return data.closed_week && week > data.closed_week ? "#1f7a4d" : "#b3261e";
  });
  var closeLine = {
    id: "closeLine",
    afterDatasetsDraw: function (chart) {
      if (closedIndex < 0) { return; }
      var x = chart.scales.x.getPixelForValue(closedIndex);
      var area = chart.chartArea;
      var ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = "#1d2433";
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(x, area.top);
      ctx.lineTo(x, area.bottom);
      ctx.stroke();
      ctx.fillStyle = "#1d2433";
      ctx.fillText(words.closed || "closed", x + 4, area.top + 10);
      ctx.restore();
    }
  };
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: [{ label: words.per_week || "Occurrences per week", data: data.counts, backgroundColor: colours }]
    },
    options: {
      animation: false,
      plugins: { legend: { display: false } },
      scales: { x: { ticks: { maxTicksLimit: 12 } }, y: { beginAtZero: true, ticks: { precision: 0 } } }
    },
    plugins: [closeLine]
  });
})();
