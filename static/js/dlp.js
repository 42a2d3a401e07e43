// DLP impact drill-down: "select all" ticks every item checkbox on the page.
document.addEventListener("change", function (event) {
  var box = event.target;
  if (!box.matches("th input[type=checkbox]")) return;
  document.querySelectorAll("td input[type=checkbox][name=pk]").forEach(function (item) {
    item.checked = box.checked;
  });
});
