// The main menu's groups: one open at a time; Escape or a click elsewhere closes it.
document.addEventListener("DOMContentLoaded", () => {
  const groups = [...document.querySelectorAll(".nav details")];
  const closeAll = (except) => groups.forEach((group) => { if (group !== except) group.open = false; });
  groups.forEach((group) => group.addEventListener("toggle", () => { if (group.open) closeAll(group); }));
  document.addEventListener("click", (event) => { if (!event.target.closest(".nav details")) closeAll(null); });
  document.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    const open = groups.find((group) => group.open);
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
});
