/* Rantang Kasih: the inspection form's score, repeated as checklist boxes are ticked. The
   server wrote the rule, the score of the boxes ticked when the page was made, and, on the
   form, the score of each count of items met (data-scores) and each result's lowest score
   (data-min-<result>); this only picks from those. Without this script the text shows the
   score as of the last submission, and the server refuses a result the score does not allow. */
(function () {
  "use strict";
  var form = document.getElementById("inspection-form");
  if (!form) { return; }
  var score = document.getElementById("inspection-score");
  var allowed = document.getElementById("inspection-allowed");
  if (!score || !allowed) { return; }
  var scores = (form.getAttribute("data-scores") || "").split(",").map(Number);
  var boxes = form.querySelectorAll("input[type=checkbox][name=items_met]");
  var results = form.querySelectorAll("input[type=radio][name=result]");

  function labelOf(input) {
    var label = form.querySelector("label[for='" + input.id + "']");
    return label ? label.textContent.trim() : input.value;
  }

  function update() {
    var ticked = 0;
    Array.prototype.forEach.call(boxes, function (box) { if (box.checked) { ticked += 1; } });
    var now = scores[ticked];
    if (now === undefined || isNaN(now)) { return; }
    score.textContent = String(now);
    var names = [];
    Array.prototype.forEach.call(results, function (radio) {
      var min = Number(form.getAttribute("data-min-" + radio.value));
      if (!isNaN(min) && now >= min) { names.push(labelOf(radio)); }
    });
    allowed.textContent = names.join(", ");
  }

  Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", update); });
  update();
}());
