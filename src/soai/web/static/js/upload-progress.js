// Uploads with a progress bar: a form with data-upload-progress is sent with XMLHttpRequest so
// that the <progress> inside it shows how much of the file has gone. Without JavaScript the form
// posts normally. The server's answer (a redirect or a page with an error) replaces the page.
(function () {
  "use strict";
  function enhance(form) {
    var bar = form.querySelector("progress");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      if (bar) {
        bar.hidden = false;
        request.upload.addEventListener("progress", function (e) {
          if (e.lengthComputable) { bar.max = e.total; bar.value = e.loaded; }
        });
      }
      request.addEventListener("load", function () {
        if (request.responseURL && request.responseURL !== form.action) {
          window.location.assign(request.responseURL);
        } else {
          document.open(); document.write(request.responseText); document.close();
        }
      });
      request.addEventListener("error", function () { form.submit(); });
      request.send(new FormData(form));
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload-progress]").forEach(enhance);
  });
})();
