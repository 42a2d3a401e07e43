// Migration pages: "select all" boxes tick the boxes of their form (CSP: no inline scripts).
(function () {
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    var form = all.dataset.selectAll === "1" ? "bulk-decide" : all.dataset.selectAll;
    document.querySelectorAll('input[type="checkbox"][form="' + form + '"], #' + form + ' input[type="checkbox"]:not([data-select-all]):not(:disabled)')
      .forEach(function (box) { box.checked = all.checked; });
  });
})();
