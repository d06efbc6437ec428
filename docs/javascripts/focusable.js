// Tables that scroll sideways (wide notebook outputs) must be reachable by keyboard
// (axe: scrollable-region-focusable). Material wraps every table in .md-typeset__scrollwrap
// when a page loads; give each wrapper a tab stop and a name.
document$.subscribe(function () {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (el) {
    if (!el.hasAttribute("tabindex")) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "region");
      el.setAttribute("aria-label", "Table, scrolls sideways");
    }
  });
});
