// Review page keys: A/R/X choose the decision and move to the reason, N opens the next item, Q the queue.
// Keys are ignored while typing in a field, and with Ctrl/Alt/Meta held.
(function () {
  "use strict";
  var choices = { a: "approve", r: "return", x: "reject" };
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey) return;
    var target = event.target;
    var tag = target && target.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && target.type !== "radio")) return;
    var key = (event.key || "").toLowerCase();
    if (choices[key]) {
      var radio = document.querySelector('input[name="decision"][value="' + choices[key] + '"]');
      if (!radio) return;
      event.preventDefault();
      radio.checked = true;
      var next = choices[key] === "approve" ? document.getElementById("save-decision") : document.getElementById("reason_code");
      if (next) next.focus();
    } else if (key === "n") {
      var link = document.getElementById("next-item");
      if (link) { event.preventDefault(); window.location.href = link.href; }
    } else if (key === "q") {
      var back = document.getElementById("back-to-queue");
      if (back) { event.preventDefault(); window.location.href = back.href; }
    }
  });
})();
