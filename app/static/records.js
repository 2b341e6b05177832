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

/* Dependent pickers on the record forms: once the customer is chosen, the contact, equipment and
   service-request selects offer only that customer's (the rest would save a record against the
   wrong customer). The lists come from CustomerView.related; select2 is told of the change. */
(function () {
  "use strict";
  var marker = document.getElementById("record-related");
  var customer = document.querySelector("form select#customer");
  if (!marker || !customer || !window.jQuery) { return; }
  var $ = window.jQuery;
  var base = marker.getAttribute("data-url").replace(/0$/, "");

  function refill(select, items) {
    var keep = select.value;
    var blank = select.querySelector('option[value="__None"]');
    select.innerHTML = "";
    if (blank) { select.appendChild(blank); }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = String(item[0]);
      option.textContent = item[1];
      select.appendChild(option);
    });
    var found = items.some(function (item) { return String(item[0]) === keep; });
    select.value = found ? keep : (blank ? "__None" : "");
    $(select).trigger("change.select2");
  }

  function follow() {
    var id = customer.value;
    if (!id || id === "__None") { return; }
    fetch(base + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { if (!resp.ok) { throw new Error(resp.status); } return resp.json(); })
      .then(function (data) {
        ["contact", "equipment", "service_request"].forEach(function (name) {
          var select = document.querySelector("form select#" + name);
          if (select && data[name]) { refill(select, data[name]); }
        });
      })
      .catch(function () { /* the server still checks what is saved */ });
  }

  $(customer).on("change", follow);
  follow();
})();
