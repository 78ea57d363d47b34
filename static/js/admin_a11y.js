// Names what Django's admin widgets draw without a name (RGAA 11.1, WCAG 4.1.2), on every admin page.
//
// - the autocomplete boxes (Select2): the combobox and its search field take the name of the <select>
//   they stand for (its <label>, or the aria-label of a tabular inline cell), and the « clear » cross
//   leaves the list of chosen values, which may only hold list items;
// - the magnifier icons of the two-list selector (filter_horizontal) get the image role their
//   aria-label needs.
// Select2 redraws its boxes as values are picked and inline rows are added: a MutationObserver
// applies the names again.
(function () {
  "use strict";

  function nameOf(select) {
    const label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
    const text = label ? label.textContent.replace(/\s+/g, " ").replace(/\s*:\s*$/, "").trim() : "";
    return text || select.getAttribute("aria-label") || "";
  }

  function nameAutocomplete(select) {
    const container = select.nextElementSibling;
    if (!container || !container.classList.contains("select2")) return;
    const name = nameOf(select);
    if (!name) return;
    container.querySelectorAll(".select2-selection, .select2-search__field, .select2-selection__rendered[role=textbox]").forEach(function (element) {
      if (element.getAttribute("aria-label") !== name) element.setAttribute("aria-label", name);
    });
    container.querySelectorAll(".select2-selection").forEach(function (selection) {
      // Select2 redraws the cross inside the list on each change, and none once nothing is chosen: the
      // cross moved earlier gives way to the new one, or goes with the last value.
      const fresh = selection.querySelector(".select2-selection__rendered > .select2-selection__clear");
      const moved = selection.querySelectorAll(":scope > .select2-selection__clear");
      if (fresh || !select.selectedOptions.length || !select.value) {
        moved.forEach(function (cross) { cross.remove(); });
      }
      if (fresh) selection.appendChild(fresh);
    });
  }

  function nameAll() {
    document.querySelectorAll("select.admin-autocomplete").forEach(nameAutocomplete);
    document.querySelectorAll(".search-label-icon[aria-label]:not([role])").forEach(function (icon) {
      icon.setAttribute("role", "img");
    });
  }

  let scheduled = false;
  function schedule() {
    if (scheduled) return;
    scheduled = true;
    window.requestAnimationFrame(function () {
      scheduled = false;
      nameAll();
    });
  }

  window.addEventListener("load", function () {
    nameAll();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  });
})();
