/* Rantang Kasih: the "Print" button of a printable page. Without this script the button stays
   hidden and the browser's own Print does the same. Same origin only (the CSP allows no other
   script). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-print]");
  Array.prototype.forEach.call(buttons, function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
}());
