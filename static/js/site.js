/* Progressive enhancement shared by every public page. The pages work without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // On small screens the filters come before the results: fold the groups nobody has ticked yet.
  if (window.matchMedia("(max-width: 59.99rem)").matches) {
    document.querySelectorAll(".filters details[open]").forEach(function (group) {
      if (!group.querySelector("input:checked")) { group.open = false; }
    });
  }

  // Filters: submit the form when a checkbox or select changes (the button stays for keyboard users).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=checkbox], select")) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });
})();
