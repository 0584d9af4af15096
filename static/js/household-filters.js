// Household list filters: choosing a township or village reloads the list so that the
// next select offers only the areas inside it (the server builds those options).
// Empty fields are left out of the address so that copied links stay short.
(function () {
  "use strict";
  var form = document.getElementById("household-filters");
  if (!form) {
    return;
  }

  function dropEmptyFields() {
    Array.prototype.forEach.call(form.elements, function (element) {
      if (element.name && element.value === "") {
        element.disabled = true;
      }
    });
  }

  function submit() {
    dropEmptyFields();
    form.submit();
  }

  form.addEventListener("submit", dropEmptyFields);
  // Coming back through the browser history restores the page with those fields still disabled.
  window.addEventListener("pageshow", function () {
    Array.prototype.forEach.call(form.elements, function (element) {
      element.disabled = false;
    });
  });

  var children = { township: ["village", "group"], village: ["group"] };
  Object.keys(children).forEach(function (name) {
    var select = form.elements[name];
    if (!select) {
      return;
    }
    select.addEventListener("change", function () {
      children[name].forEach(function (child) {
        if (form.elements[child]) {
          form.elements[child].value = "";
        }
      });
      submit();
    });
  });
})();
