/* Scrolling tables a keyboard can reach.

   A table wider than the screen (a phone's, say) scrolls sideways inside its
   .table-scroll box. A mouse or a finger scrolls it; a keyboard can only if the box
   takes the focus. So while the box overflows it is a named region in the tab order
   (tabindex="0", role="region", named after the table's caption or the heading of
   its section), and the arrow keys scroll it; when it fits, it is a plain box again,
   with no extra tab stop. Checked again when the window changes size and after htmx
   swaps in new content. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";

  function name(box) {
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption && caption.textContent.trim()) return caption.textContent.trim();
    if (table && table.getAttribute("aria-label")) return table.getAttribute("aria-label");
    var section = box.closest("section, [role=region]");
    var heading = section && section.querySelector("h1, h2, h3, h4");
    if (!heading) heading = document.querySelector("main h1");
    return heading ? heading.textContent.trim() : "";
  }

  function update(box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", name(box));
      box.dataset.scrollFocus = "1";
    } else if (!overflows && box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      delete box.dataset.scrollFocus;
    }
  }

  function updateAll() {
    document.querySelectorAll(".table-scroll").forEach(update);
  }

  document.addEventListener("DOMContentLoaded", updateAll);
  document.addEventListener("htmx:afterSettle", updateAll);
  var pending = null;
  window.addEventListener("resize", function () {
    cancelAnimationFrame(pending);
    pending = requestAnimationFrame(updateAll);
  });
})();
