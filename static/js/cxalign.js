// Behaviour that templates ask for with data attributes, so that no page needs an inline
// script or an on*= handler (the Content-Security-Policy allows scripts from files only).
//   <form data-confirm="Really?">   asks before submitting
//   <button data-print>             prints the page
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
