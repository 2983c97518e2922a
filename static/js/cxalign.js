// Behaviour that templates ask for with data attributes, so that no page needs an inline
// script or an on*= handler (the Content-Security-Policy allows scripts from files only).
//   <form data-confirm="Really?">        asks before submitting
//   <button data-confirm="Really?">      asks before submitting with this button
//   <button data-print>                  prints the page
//   <select multiple> / [data-searchable] becomes a searchable picker (Tom Select)
//   <select data-narrowed-by="team">     shows only the options whose data-team is chosen in
//                                        the form's select named "team"
//   [data-autosubmit] on a form          submits (through htmx when hx-get is set) on change
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });

  function narrowing(select, picker) {
    var form = select.form;
    var other = form && form.querySelector("select[name='" + select.dataset.narrowedBy + "']");
    if (!other) { return; }
    var all = Object.keys(picker.options).map(function (key) { return picker.options[key]; });
    function apply() {
      var chosen = Array.prototype.filter.call(other.options, function (option) {
        return option.selected && option.value;
      }).map(function (option) { return option.value; });
      picker.clearOptions();
      picker.addOptions(all.filter(function (option) {
        return !chosen.length || chosen.indexOf(String(option.team)) !== -1;
      }));
      picker.refreshOptions(false);
    }
    other.addEventListener("change", apply);
    apply();
  }

  function enhance(root) {
    if (typeof window.TomSelect !== "function") { return; }
    root.querySelectorAll("select[multiple], select[data-searchable]").forEach(function (select) {
      if (select.tomselect) { return; }
      var picker = new window.TomSelect(select, {
        plugins: select.multiple ? ["remove_button"] : [],
        maxOptions: null,
        hidePlaceholder: true,
        placeholder: select.dataset.placeholder || (select.multiple ? "Any" : ""),
      });
      // Tom Select's own input takes the label (it moves the label's "for" to it); the
      // original select, still read by assistive technology, keeps the same name.
      var label = select.id && document.querySelector("label[for='" + select.id + "-ts-control']");
      if (label) {
        var name = label.textContent.trim();
        select.setAttribute("aria-label", name);
        if (picker.control_input) { picker.control_input.setAttribute("aria-label", name); }
      }
      if (select.dataset.narrowedBy) { narrowing(select, picker); }
    });
  }

  function start() {
    if (window.htmx) {
      window.htmx.onLoad(enhance);
    } else {
      enhance(document);
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest && event.target.closest("form[data-autosubmit]");
    if (form && window.htmx && form.hasAttribute("hx-get")) {
      window.htmx.trigger(form, "submit");
    }
  });
})();
