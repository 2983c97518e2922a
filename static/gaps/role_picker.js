// Team → role attribution: show only the chosen team's roles. Without JavaScript the role
// select keeps every role, grouped by team, and the server checks that team and role agree.
(function () {
  "use strict";
  function narrow(teamSelect, roleSelect) {
    var team = teamSelect.value ? teamSelect.options[teamSelect.selectedIndex].text : "";
    Array.prototype.forEach.call(roleSelect.querySelectorAll("optgroup"), function (group) {
      var visible = !team || group.label === team;
      group.hidden = !visible;
      group.disabled = !visible;
    });
    var chosen = roleSelect.options[roleSelect.selectedIndex];
    if (chosen && chosen.parentNode.disabled) { roleSelect.value = ""; }
  }
  document.querySelectorAll("select[name=causing_team]").forEach(function (teamSelect) {
    var roleSelect = teamSelect.form && teamSelect.form.querySelector("select[name=causing_role]");
    if (!roleSelect) { return; }
    teamSelect.addEventListener("change", function () { narrow(teamSelect, roleSelect); });
    roleSelect.addEventListener("change", function () {
      // Choosing a role first sets its team, so the two pickers always agree.
      var chosen = roleSelect.options[roleSelect.selectedIndex];
      if (!chosen || !chosen.parentNode.label || teamSelect.value) { return; }
      Array.prototype.forEach.call(teamSelect.options, function (option) {
        if (option.text === chosen.parentNode.label) { teamSelect.value = option.value; }
      });
    });
    narrow(teamSelect, roleSelect);
  });
})();
