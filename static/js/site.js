/* Progressive enhancement shared by every public page. The pages work without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Wide screens show what details.fold-narrow folds on phones (the menu, the filter panels); CSS does
  // it where ::details-content can be styled, this where it cannot.
  if (!(window.CSS && CSS.supports && CSS.supports("selector(::details-content)"))) {
    var wide = window.matchMedia("(min-width: 60rem)");
    var unfold = function () {
      if (!wide.matches) { return; }
      document.querySelectorAll("details.fold-narrow").forEach(function (details) { details.open = true; });
    };
    unfold();
    if (wide.addEventListener) { wide.addEventListener("change", unfold); }
  }

  // On small screens, inside the folded filter panel, fold the groups nobody has ticked yet.
  if (window.matchMedia("(max-width: 59.99rem)").matches) {
    document.querySelectorAll(".filters__panel details[open]").forEach(function (group) {
      if (!group.querySelector("input:checked")) { group.open = false; }
    });
  }
})();
