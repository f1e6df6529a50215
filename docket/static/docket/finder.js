/* Docket's person finder: progressive enhancement of a plain text input.

   An input with data-person-finder="/people/find/" takes a person's number or a name
   without JavaScript (the server resolves a name only one person bears). With it,
   the persons found as one types (any spelling, either script) are listed below the
   input; choosing one puts their number in. "New person" opens the short form of
   data-person-new in a dialog, and the person saved there is chosen.

   A fieldset with data-lookalike="/people/find/" (the new person form) says, as a
   name is typed, which recorded persons it looks like.

   Every text shown comes from the page (data-*-label attributes), already translated.
   No inline script: the Content-Security-Policy forbids it. */
(function () {
  "use strict";

  var counter = 0;

  function debounce(fn, wait) {
    var timer = null;
    return function () {
      var args = arguments;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(null, args); }, wait);
    };
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    });
  }

  function finder(input) {
    if (input.dataset.finderReady) { return; }
    input.dataset.finderReady = "1";
    counter += 1;
    var listId = (input.id || "finder-" + counter) + "_found";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "finder-results";
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("aria-live", "polite");
    var chosen = input.parentNode.querySelector(".finder-chosen");
    if (!chosen) {
      chosen = document.createElement("span");
      chosen.className = "finder-chosen";
      chosen.setAttribute("dir", "auto");
      input.insertAdjacentElement("afterend", chosen);
    }
    chosen.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);
    input.setAttribute("aria-controls", listId);
    input.setAttribute("aria-autocomplete", "list");

    function close() { list.hidden = true; list.textContent = ""; }

    function choose(person) {
      input.value = String(person.id);
      chosen.textContent = person.label;
      close();
      status.textContent = person.label;
      input.dispatchEvent(new Event("change", { bubbles: true }));
      input.focus();
    }

    function option(text, onChoose) {
      var item = document.createElement("li");
      var button = document.createElement("button");
      button.type = "button";
      button.className = "finder-option";
      button.setAttribute("dir", "auto");
      button.textContent = text;
      button.addEventListener("click", onChoose);
      button.addEventListener("keydown", function (event) {
        var sibling = null;
        if (event.key === "ArrowDown") { sibling = item.nextElementSibling; }
        if (event.key === "ArrowUp") { sibling = item.previousElementSibling; }
        if (event.key === "Escape") { close(); input.focus(); event.preventDefault(); return; }
        if (sibling) { sibling.querySelector("button").focus(); event.preventDefault(); }
        else if (event.key === "ArrowUp") { input.focus(); event.preventDefault(); }
      });
      item.appendChild(button);
      list.appendChild(item);
    }

    function show(results, typed) {
      list.textContent = "";
      results.forEach(function (person) {
        option(person.label, function () { choose(person); });
      });
      if (!results.length) {
        var none = document.createElement("li");
        none.className = "help";
        none.textContent = input.dataset.noneLabel || "";
        list.appendChild(none);
      }
      if (input.dataset.personNew) {
        option(input.dataset.newLabel || "+", function () { createPerson(typed); });
      }
      list.hidden = false;
      status.textContent = (input.dataset.foundLabel || "") + " " + results.length;
    }

    var lookup = debounce(function () {
      var typed = input.value.trim();
      if (typed.length < 2 || /^#?\d+$/.test(typed)) { close(); return; }
      getJSON(input.dataset.personFinder + "?q=" + encodeURIComponent(typed))
        .then(function (data) { if (input.value.trim() === typed) { show(data.results, typed); } })
        .catch(close);
    }, 250);

    input.addEventListener("input", function () { chosen.textContent = ""; lookup(); });
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("button");
        if (first) { first.focus(); event.preventDefault(); }
      } else if (event.key === "Escape") { close(); }
    });

    function createPerson(typed) {
      var dialog = document.createElement("dialog");
      dialog.className = "finder-dialog panel";
      document.body.appendChild(dialog);
      dialog.addEventListener("close", function () { dialog.remove(); input.focus(); });

      function load(html) {
        dialog.innerHTML = html;
        var form = dialog.querySelector("form");
        if (!form) { return; }
        var cancel = document.createElement("button");
        cancel.type = "button";
        cancel.className = "secondary";
        cancel.textContent = input.dataset.cancelLabel || "×";
        cancel.addEventListener("click", function () { dialog.close(); });
        var actions = form.querySelector(".actions") || form;
        actions.appendChild(cancel);
        form.addEventListener("submit", function (event) {
          event.preventDefault();
          fetch(form.action, {
            method: "POST",
            body: new FormData(form),
            credentials: "same-origin",
            headers: { "Accept": "application/json" }
          }).then(function (response) {
            if (response.status === 201) {
              return response.json().then(function (data) {
                dialog.close();
                choose(data.person);
              });
            }
            return response.text().then(load);
          });
        });
        var first = form.querySelector("input:not([type=hidden]), select");
        if (first) { first.focus(); }
      }

      fetch(input.dataset.personNew + "?partial=1&name=" + encodeURIComponent(typed || ""), {
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) { return response.text(); }).then(function (html) {
        load(html);
        dialog.showModal();
      });
    }
  }

  function lookalike(fieldset) {
    if (fieldset.dataset.finderReady) { return; }
    fieldset.dataset.finderReady = "1";
    var live = fieldset.querySelector(".lookalike-live");
    if (!live) { return; }
    var check = debounce(function (input) {
      var typed = input.value.trim();
      if (typed.length < 3) { return; }
      getJSON(fieldset.dataset.lookalike + "?lookalike=1&q=" + encodeURIComponent(typed))
        .then(function (data) {
          live.textContent = "";
          if (!data.results.length) { return; }
          var lead = document.createElement("p");
          lead.textContent = fieldset.dataset.lookalikeLabel || "";
          live.appendChild(lead);
          var list = document.createElement("ul");
          data.results.forEach(function (person) {
            var item = document.createElement("li");
            item.setAttribute("dir", "auto");
            item.textContent = person.label;
            list.appendChild(item);
          });
          live.appendChild(list);
        })
        .catch(function () { live.textContent = ""; });
    }, 400);
    fieldset.addEventListener("input", function (event) {
      var target = event.target;
      if (target instanceof HTMLInputElement && /-name$/.test(target.name)) { check(target); }
    });
  }

  function start(root) {
    root.querySelectorAll("input[data-person-finder]").forEach(finder);
    root.querySelectorAll("fieldset[data-lookalike]").forEach(lookalike);
  }

  document.addEventListener("DOMContentLoaded", function () { start(document); });
  // Forms htmx swaps in (the type-dependent event fields) get their finders too.
  document.addEventListener("htmx:load", function (event) { start(event.target); });
}());
