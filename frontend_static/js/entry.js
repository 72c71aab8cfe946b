// Typing paper forms: each box checks what is typed against what the form allows, and a
// one-digit answer moves on to the next box, so a stack is typed with the keyboard alone.
(function () {
  "use strict";
  var form = document.getElementById("entry");
  if (!form) return;
  var fields = Array.prototype.slice.call(form.querySelectorAll("input[data-allowed], textarea, input[name=form]"));
  function check(input) {
    var allowed = input.getAttribute("data-allowed");
    if (!allowed) return true;
    var ok = input.value === "" || new RegExp("^(?:" + allowed + ")$").test(input.value.trim());
    if (ok) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
    return ok;
  }
  form.addEventListener("input", function (event) {
    var input = event.target;
    if (!input.hasAttribute("data-allowed")) return;
    if (check(input) && input.value.length === 1 && input.getAttribute("data-advance")) {
      var next = fields[fields.indexOf(input) + 1];
      if (next) next.focus();
    }
  });
  form.addEventListener("submit", function (event) {
    var bad = fields.filter(function (input) { return !check(input); });
    if (bad.length) { event.preventDefault(); bad[0].focus(); }
  });
})();
