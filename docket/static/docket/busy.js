/* Long work a form starts: say so while the page waits.

   A form marked data-busy (the estimates page, whose latent-class sampler takes some
   seconds a stratum) shows its hidden [data-busy-status] element, with an
   indeterminate progress bar, once it is sent; its submit buttons are disabled and it
   is marked aria-busy, so a second click does not start the same work again. Coming
   back to the page through the browser's history puts the form as it was. No inline
   script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";

  function setBusy(form, busy) {
    form.setAttribute("aria-busy", busy ? "true" : "false");
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.disabled = busy;
    });
    var status = form.querySelector("[data-busy-status]");
    if (status) status.hidden = !busy;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-busy")) return;
    if (event.defaultPrevented) return; // another script kept it from being sent
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault(); // already sent: the page is on its way
      return;
    }
    setBusy(form, true);
  });

  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      setBusy(form, false);
    });
  });
})();
