/* Reveal buttons of masked contact data: POST with the CSRF token, then show
   the clear value in place. Without JavaScript the form posts normally. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("pii-reveal")) { return; }
    event.preventDefault();
    var token = form.querySelector("input[name=csrf_token]").value;
    fetch(form.action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token, "Accept": "application/json" }
    }).then(function (resp) {
      if (!resp.ok) { throw new Error(resp.status); }
      return resp.json();
    }).then(function (data) {
      var span = form.previousElementSibling;
      if (span && span.classList.contains("pii-value")) {
        span.textContent = data.value;
        span.classList.add("pii-revealed");
      }
      form.parentNode.removeChild(form);
    }).catch(function () {
      form.querySelector("button").disabled = true;
    });
  });
})();
