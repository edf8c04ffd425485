/* Rantang Kasih: the "Copy link" button of the share links. Without this script the link
   field still works: the address can be selected and copied by hand. Same origin only
   (the CSP allows no other script). */
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-copy-target]");
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { button.textContent = button.getAttribute("data-copied"); };
      field.focus();
      field.select();
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (document.execCommand("copy")) { done(); }
        });
      } else if (document.execCommand("copy")) {
        done();
      }
    });
  });
}());
