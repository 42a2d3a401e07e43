// Triage pages: tag colours (CSP forbids style attributes, not CSSOM) and select-all boxes.
(function () {
  function paint(root) {
    root.querySelectorAll(".tag[data-colour]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.colour;
    });
  }
  document.addEventListener("DOMContentLoaded", function () { paint(document); });
  document.addEventListener("htmx:afterSwap", function (event) { paint(event.target); });
  // Filters change the address (hx-push-url): forms acting on "the filtered set" send the current one.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.elt.id === "bulk-tag") { event.detail.parameters.query = location.search.slice(1); }
  });
  document.addEventListener("submit", function (event) {
    var query = event.target.querySelector("input[data-current-query]");
    if (query) { query.value = location.search.slice(1); }
    // The row boxes belong to the tag form; a second form acting on "checked rows" copies them
    // (under the name its data-copy-selection gives, "pk" when it gives none).
    if (event.target.matches("[data-copy-selection]")) {
      var name = event.target.dataset.copySelection || "pk";
      event.target.querySelectorAll("input[data-copied]").forEach(function (el) { el.remove(); });
      document.querySelectorAll('input[name="pk"][form="bulk-tag"]:checked').forEach(function (box) {
        var copy = document.createElement("input");
        copy.type = "hidden"; copy.name = name; copy.value = box.value; copy.dataset.copied = "";
        event.target.appendChild(copy);
      });
    }
  });
  // A refused bulk action answers 400 with the reason: show it (htmx leaves 4xx answers unswapped).
  // So does an item page's clean-up form (400 bad input, 409 a case already open), in its live parts.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    // (A list's filters that are not valid answer 400 with the results area naming them.)
    var refused = status === 400 && (event.detail.target.id === "bulk-result" || event.detail.target.id === "results");
    var fromItemPage = (status === 400 || status === 409) && event.detail.requestConfig.elt.closest("[data-swap-errors]");
    if (refused || fromItemPage) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  // The selection bar: how many rows are checked; shift-click (or shift-space) checks or unchecks a range.
  var ROW_BOX = 'input[name="pk"][form="bulk-tag"]';
  var lastBox = null;
  function rowBoxes() { return Array.prototype.slice.call(document.querySelectorAll(ROW_BOX)); }
  function showCount() {
    var out = document.querySelector("[data-selected-count]");
    if (!out) { return; }
    var checked = rowBoxes().filter(function (box) { return box.checked; }).length;
    out.textContent = checked ? checked + (checked === 1 ? " row" : " rows") + " checked"
                              : "No row checked (shift-click checks a range)";
  }
  document.addEventListener("click", function (event) {
    var box = event.target;
    if (!box.matches || !box.matches(ROW_BOX)) { return; }
    if (event.shiftKey && lastBox && lastBox !== box && document.contains(lastBox)) {
      var boxes = rowBoxes(), from = boxes.indexOf(lastBox), to = boxes.indexOf(box);
      boxes.slice(Math.min(from, to), Math.max(from, to) + 1).forEach(function (other) { other.checked = box.checked; });
    }
    lastBox = box;
    showCount();
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) { return; }
    rowBoxes().forEach(function (box) { box.checked = event.target.checked; });
    showCount();
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target.id === "results") { lastBox = null; showCount(); }
  });
  // A connector suggestion picked: its id goes into the filter box, the list closes.
  document.addEventListener("click", function (event) {
    var pick = event.target.closest && event.target.closest("[data-pick]");
    if (!pick) { return; }
    var box = pick.closest("[data-suggestions-for]");
    var input = document.getElementById(box.dataset.suggestionsFor);
    input.value = pick.dataset.pick;
    box.innerHTML = "";
    input.focus();
  });
})();
