/* Scrolling tables a keyboard can reach.

   A table wider than the screen (a phone's, say) scrolls sideways inside its
   .table-scroll box. A mouse or a finger scrolls it; a keyboard can only if the box
   takes the focus. So while the box overflows it is a named region in the tab order
   (tabindex="0", role="region", named by the heading of its section, or else its
   caption or the page's heading), and the arrow keys scroll it; when it fits, it is a plain box again,
   with no extra tab stop. Checked again when the window changes size and after htmx
   swaps in new content. No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";

  // The heading of the table's section names the region (by reference, so it is the
  // heading as translated); else a short caption; else the page's heading.
  function label(box) {
    var section = box.closest("section");
    var heading = section && section.querySelector("h2, h3, h4");
    if (heading && heading.id) return { labelledby: heading.id };
    var caption = box.querySelector("caption");
    var text = caption ? caption.textContent.trim() : "";
    if (!text || text.length > 80) {
      heading = heading || document.querySelector("main h1");
      text = heading ? heading.textContent.trim() : text;
    }
    return { text: text };
  }

  function update(box) {
    var overflows = box.scrollWidth > box.clientWidth + 1;
    if (overflows && !box.hasAttribute("tabindex")) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      var name = label(box);
      if (name.labelledby) box.setAttribute("aria-labelledby", name.labelledby);
      else box.setAttribute("aria-label", name.text);
      box.dataset.scrollFocus = "1";
    } else if (!overflows && box.dataset.scrollFocus) {
      box.removeAttribute("tabindex");
      box.removeAttribute("role");
      box.removeAttribute("aria-label");
      box.removeAttribute("aria-labelledby");
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
