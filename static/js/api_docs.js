/* The API documentation page (templates/drf_spectacular/swagger_ui.html): what Swagger UI draws
   without the markup assistive technologies need, repaired by attributes only (Swagger UI keeps its
   elements; React leaves attributes it does not manage alone). Swagger UI redraws as operations
   open and close: each repair runs again on what appears.

   - a form field without a label gets the name Swagger UI shows beside it (RGAA 11.1);
   - the button closing the authorisations dialog gets a name, its buttons keep their visible label
     as their name, and each token field is named by its label and its scheme (RGAA 11.2, WCAG 2.5.3);
   - the header cells of the responses tables, drawn as <td>, are declared column headers (RGAA 5.6);
   - the tables laying out a schema's properties (name, type) are declared layout tables (RGAA 5.3);
   - the introduction and the server choice, outside Swagger UI's <main>, are named regions (RGAA 12.6);
   - the skip link gives the focus to the documentation (RGAA 12.7). */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  if (!root || typeof MutationObserver === "undefined") { return; }
  var FIELDS = "input:not([type=hidden]), select, textarea";

  function labelled(field) {
    // A <label> wrapping the field names it only with text of its own (the field's options aside).
    return Array.prototype.some.call(field.labels || [], function (label) {
      return label.textContent.replace(field.textContent, "").trim() !== "";
    });
  }

  function hasName(field) {
    return labelled(field) || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby") ||
      field.getAttribute("title");
  }

  function nameOf(field) {
    var row = field.closest("tr[data-param-name]");
    if (row) {
      var fields = row.querySelectorAll(FIELDS);
      var name = row.dataset.paramName;
      if (fields.length > 1) {
        name += " (" + (Array.prototype.indexOf.call(fields, field) + 1) + ")";
      }
      return name;
    }
    if (field.closest(".servers")) { return "Serveur de l'API"; }
    if (field.closest(".body-param")) { return "Corps de la requête (JSON)"; }
    if (field.closest(".body-param-content-type")) { return "Type de contenu du corps de la requête"; }
    return "";
  }

  function repair() {
    root.querySelectorAll(FIELDS).forEach(function (field) {
      var scheme = field.closest(".auth-container");
      if (scheme && labelled(field) && !field.dataset.named) {
        // Swagger UI names the token field by its id, hiding its label « Value: »: the label, then
        // the authentication scheme it belongs to.
        var heading = scheme.querySelector("h4");
        var label = field.labels[0].textContent.trim();
        field.setAttribute("aria-label", label + " " + (heading ? heading.textContent.replace(/\s+/g, " ").trim() : ""));
        field.dataset.named = "1";
      }
      if (!hasName(field)) {
        var name = nameOf(field);
        if (name) { field.setAttribute("aria-label", name); }
      }
    });
    root.querySelectorAll(".close-modal:not([aria-label])").forEach(function (button) {
      button.setAttribute("aria-label", "Fermer");
    });
    root.querySelectorAll(".auth-btn-wrapper button[aria-label]").forEach(function (button) {
      button.removeAttribute("aria-label");
    });
    root.querySelectorAll("table thead td.col_header:not([role])").forEach(function (cell) {
      cell.setAttribute("role", "columnheader");
    });
    root.querySelectorAll("table.model:not([role])").forEach(function (table) {
      table.setAttribute("role", "presentation");
    });
    // Swagger UI's <main> holds the operations only: the introduction and the server choice above it
    // become named regions, so that no content lies outside a landmark.
    [[".information-container", "Présentation de l'API"], [".schemes-server-container", "Serveur et authentification"]]
      .forEach(function (pair) {
        root.querySelectorAll(pair[0] + ":not([role])").forEach(function (block) {
          block.setAttribute("role", "region");
          block.setAttribute("aria-label", pair[1]);
        });
      });
  }

  new MutationObserver(repair).observe(root, { childList: true, subtree: true });

  // The skip link: Chromium leaves the focus on the link when the documentation is redrawn under it.
  var skip = document.querySelector(".docs-skip-link");
  if (skip) {
    skip.addEventListener("click", function () { root.focus(); });
  }
})();
