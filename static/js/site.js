/* Progressive enhancement shared by every public page. The pages work without it. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Filters: submit the form when a checkbox or select changes (the button stays for keyboard users).
  document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.matches("input[type=checkbox], select")) {
        form.requestSubmit ? form.requestSubmit() : form.submit();
      }
    });
  });
})();
