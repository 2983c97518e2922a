// The gap form, as one types the expectation and delivery: the closest existing gaps (so the
// CX team records an occurrence instead of a second gap) and themes suggested by the nearest
// neighbours; the insight form: the suggested themes. Reads GET /api/v1/gaps/similar/ and /api/v1/themes/suggestions/ (session auth).
// Without JavaScript the form works as before.
(function () {
  "use strict";
  var box = document.getElementById("similar-gaps");
  var themesBox = document.getElementById("theme-suggestions");
  if (!box && !themesBox) { return; }
  var form = (box || themesBox).closest("form");
  // A gap's title, expectation and delivery; an insight's title, finding and evidence.
  var fields = ["title", "expectation", "delivery", "finding", "evidence"].map(function (name) {
    return form.querySelector("[name=" + name + "]");
  }).filter(Boolean);
  var list = box && box.querySelector("ul");
  var timer = null;
  var asked = "";

  function text() {
    return fields.map(function (field) { return field.value.trim(); }).join(" ").trim();
  }

  function showGaps(body) {
    list.textContent = "";
    (body.results || []).forEach(function (gap) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = gap.url;
      link.textContent = "#" + gap.id + " " + gap.title;
      item.appendChild(link);
      var score = document.createElement("span");
      score.className = "muted";
      score.textContent = " · " + Math.round(gap.score * 100) + " % match · " + gap.status;
      item.appendChild(score);
      list.appendChild(item);
    });
    box.hidden = !list.children.length;
    box.dataset.method = body.method || "";
  }

  function showThemes(themes) {
    if (!themesBox) { return; }
    var holder = themesBox.querySelector("span");
    holder.textContent = "";
    themes.forEach(function (theme) {
      var select = form.querySelector("select[name=themes]");
      var option = select && select.querySelector("option[value='" + theme.id + "']");
      var button = document.createElement("button");
      button.type = "button";
      button.textContent = theme.name;
      button.addEventListener("click", function () {
        // The searchable picker shows the choice; without it the native select keeps it.
        if (select && select.tomselect) {
          select.tomselect.addItem(String(theme.id));
        } else if (option) {
          option.selected = true;
        }
        button.disabled = true;
      });
      holder.appendChild(button);
    });
    themesBox.hidden = !themes.length;
  }

  function ask() {
    var query = text();
    if (query.length < 12 || query === asked) { return; }
    asked = query;
    var params = "?text=" + encodeURIComponent(query);
    if (box) {
      fetch(box.dataset.url + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : { results: [] }; })
        .then(showGaps)
        .catch(function () { box.hidden = true; });
    }
    if (themesBox) {
      fetch(themesBox.dataset.url + params, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (answer) { return answer.ok ? answer.json() : []; })
        .then(showThemes)
        .catch(function () { themesBox.hidden = true; });
    }
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(ask, 400);
    });
  });
})();
