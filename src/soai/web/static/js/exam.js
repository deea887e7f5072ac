// Exam page: autosave on every change (the form still works without JavaScript), a countdown of
// the server's clock, and keyboard use. The server decides everything: when time is up, it has
// already submitted the exam and the next save says so.
(function () {
  "use strict";
  function init(root) {
    var form = root.querySelector("[data-answer-form]");
    var status = root.querySelector("[data-save-status]");
    var timer = root.querySelector("[data-timer]");
    var left = parseInt(root.getAttribute("data-seconds-left"), 10);
    var url = root.getAttribute("data-autosave");
    function say(text) { if (status) { status.textContent = text; } }
    function save() {
      var data = new FormData(form);
      data.delete("go");
      fetch(url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (r) { return r.json().then(function (body) { return [r, body]; }); })
        .then(function (pair) {
          var body = pair[1];
          if (body.time_up) { window.location.reload(); return; }
          say(body.saved ? "✓" : (body.error || "!"));
        })
        .catch(function () { say("…"); });
    }
    form.addEventListener("change", save);
    function tick() {
      left -= 1;
      if (timer) {
        var m = Math.max(0, Math.floor(left / 60)), s = Math.max(0, left % 60);
        timer.textContent = m + ":" + (s < 10 ? "0" : "") + s;
      }
      if (left <= 0) { window.location.reload(); return; }
      window.setTimeout(tick, 1000);
    }
    window.setTimeout(tick, 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-exam]").forEach(init);
  });
})();
