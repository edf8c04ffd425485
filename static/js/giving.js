/* Rantang Kasih: the giving pages, enhanced. Everything here is optional: without it the
   form still posts (the server takes the amount from the tapped choice or the box, and the
   button says "Give"), the thank-you page has its refresh link and the link to share is
   written out. Loaded from the portal's own origin (the CSP allows no inline script). */
(function () {
  "use strict";

  // 75000 -> "75.000": a dot separates thousands in both languages (core/money.py).
  function formatRupiah(amount) {
    return String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  // What the server would read from the box (core.money.parse_rupiah), or null.
  function parseRupiah(text) {
    var value = text.trim().replace(/^rp\.?\s*/i, "").trim();
    if (!/^(\d{1,3}(\.\d{3})+|\d+)$/.test(value)) return null;
    var amount = parseInt(value.replace(/\./g, ""), 10);
    return amount > 0 ? amount : null;
  }

  function checked(form, name) {
    return form.querySelector("input[name='" + name + "']:checked");
  }

  function setUpGiveForm(form) {
    var button = form.querySelector(".give-submit");
    var box = form.querySelector("input[name='amount']");
    var other = form.querySelector("input[name='preset'][value='other']");
    if (!button || !box) return;

    function chosenAmount() {
      var preset = checked(form, "preset");
      if (preset && preset.value !== "other") {
        var tile = preset.closest("[data-amount]");
        return tile ? parseInt(tile.getAttribute("data-amount"), 10) : null;
      }
      return parseRupiah(box.value);
    }

    function label() {
      var amount = chosenAmount();
      var frequency = checked(form, "frequency");
      if (!amount) {
        button.textContent = button.getAttribute("data-label");
        return;
      }
      var monthly = frequency && frequency.value === "monthly";
      var template = button.getAttribute(monthly ? "data-label-monthly" : "data-label-once");
      button.textContent = template.replace("{amount}", "Rp" + formatRupiah(amount));
    }

    // Monthly gifts are by card: while "Every month" is chosen the card is chosen and the other
    // ways are disabled (their tiles say why); the fold is opened to show the card.
    function monthlyOnlyByCard() {
      var frequency = checked(form, "frequency");
      var monthly = frequency && frequency.value === "monthly";
      var card = form.querySelector("input[name='method'][value='card']");
      if (monthly && card) {
        card.checked = true;
        var fold = form.querySelector("[data-method-more]");
        if (fold) fold.open = true;
      }
      form.querySelectorAll("input[name='method']").forEach(function (input) {
        input.disabled = monthly && input.value !== "card";
      });
    }

    form.addEventListener("change", function (event) {
      var target = event.target;
      if (target.name === "preset") {
        if (target.value === "other") {
          box.focus();
        } else {
          box.value = "";
        }
      } else if (target.name === "frequency") {
        monthlyOnlyByCard();
      } else if (target.name === "method" && target.value !== "card") {
        var once = form.querySelector("input[name='frequency'][value='once']");
        if (once) once.checked = true;
        monthlyOnlyByCard();
      }
      label();
    });
    box.addEventListener("input", function () {
      if (box.value.trim() && other) other.checked = true;
      label();
    });
    // A page restored from the back-forward cache keeps its choices: name them again.
    window.addEventListener("pageshow", function () {
      monthlyOnlyByCard();
      label();
    });
    monthlyOnlyByCard();
    label();
  }

  // The thank-you page while the payment service has not answered: look again every few
  // seconds for a while, and show its answer in place (the region is aria-live).
  function setUpStatusPoll(region) {
    var tries = 0;
    function poll() {
      var current = region.querySelector("[data-poll]");
      if (!current || tries >= 24) return;
      tries += 1;
      fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          return response.ok ? response.text() : null;
        })
        .then(function (html) {
          if (html) {
            var fresh = new DOMParser().parseFromString(html, "text/html");
            var next = fresh.querySelector("[data-status-region]");
            if (next && next.innerHTML !== region.innerHTML) {
              region.innerHTML = next.innerHTML;
            }
          }
          window.setTimeout(poll, 5000);
        })
        .catch(function () {
          window.setTimeout(poll, 5000);
        });
    }
    window.setTimeout(poll, 5000);
  }

  function setUpCopyLink(button) {
    var url = button.getAttribute("data-copy-link");
    if (!navigator.clipboard || !url) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(url).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  }

  document.querySelectorAll("[data-give-form]").forEach(setUpGiveForm);
  document.querySelectorAll("[data-status-region]").forEach(setUpStatusPoll);
  document.querySelectorAll("[data-copy-link]").forEach(setUpCopyLink);
})();
