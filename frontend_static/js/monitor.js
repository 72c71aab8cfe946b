/* Lắng nghe: the monitoring page refreshes its counts while a campaign is open, without a full
   reload. Without JavaScript the page simply shows the counts of when it was loaded. */
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !box.dataset.refresh || !window.fetch) return;
  var lang = document.documentElement.lang || "vi";
  var numbers = new Intl.NumberFormat(lang === "en" ? "en" : "vi-VN");
  var shares = new Intl.NumberFormat(lang === "en" ? "en" : "vi-VN", {
    style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1
  });
  function set(code, field, text) {
    var cells = box.querySelectorAll('[data-code="' + code + '"][data-field="' + field + '"]');
    for (var i = 0; i < cells.length; i++) cells[i].textContent = text;
  }
  function under(k) { return (lang === "en" ? "under " : "dưới ") + numbers.format(k); }
  function show(unit) {
    // published counts are sums of whole releases; unpublished responses come as a band of k
    set(unit.code, "responses", numbers.format(unit.responses));
    set(unit.code, "rate", unit.rate === null ? "—" : shares.format(unit.rate / 100));
    var band = unit.unpublished;
    set(unit.code, "unpublished", band.at_least === 0 ? under(band.below)
      : numbers.format(band.at_least) + "–" + numbers.format(band.below - 1));
  }
  function refresh() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        show(data.unit);
        data.children.forEach(function (child) { show(child); });
        var stamp = document.getElementById("updated");
        if (stamp) stamp.dataset.at = new Date().toISOString();
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  setInterval(refresh, 1000 * Number(box.dataset.refresh));
})();
