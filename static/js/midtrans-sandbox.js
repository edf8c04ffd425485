/* Rantang Kasih: the Midtrans sandbox's page, enhanced. Optional: without it the page shows
   the time left when it was opened and the numbers to copy by hand. The server decides
   expiry: at zero the page is opened again, and the server says whether it expired.
   Loaded from the portal's own origin (the CSP allows no inline script). */
(function () {
  "use strict";

  function two(value) {
    return (value < 10 ? "0" : "") + value;
  }

  function clock(seconds) {
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var rest = seconds % 60;
    return (hours ? hours + ":" + two(minutes) : String(minutes)) + ":" + two(rest);
  }

  function setUpCountdown(element) {
    var shown = element.querySelector("[data-countdown-clock]");
    var end = Date.now() + parseInt(element.getAttribute("data-countdown"), 10) * 1000;
    if (!shown || isNaN(end)) return;
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      shown.textContent = clock(left);
      if (left === 0) {
        window.location.reload();
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function setUpCopy(button) {
    var text = button.getAttribute("data-copy-text");
    if (!navigator.clipboard || !text) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(text).then(function () {
        button.textContent = button.getAttribute("data-copied");
      });
    });
  }

  document.querySelectorAll("[data-countdown]").forEach(setUpCountdown);
  document.querySelectorAll("[data-copy-text]").forEach(setUpCopy);
})();
