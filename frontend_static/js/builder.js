// Questionnaire builder: after an edit the page comes back at the edited item (the address's
// #fragment); move the keyboard focus there too, so someone moving a question up or down by
// keyboard keeps their place. Everything works without this script.
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  var id = decodeURIComponent(window.location.hash.slice(1));
  var target = id ? document.getElementById(id) : null;
  if (target) {
    if (!target.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) {
      target.setAttribute("tabindex", "-1");
    }
    var details = target.closest("details");
    if (details) { details.open = true; }
    target.focus();
  } else if (summary && window.location.search.indexOf("saved=1") === -1) {
    summary.focus();
  }
})();
