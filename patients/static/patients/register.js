/* Real-name registration: shows the photo just taken, and stops a second
   submission while the (slow) check runs. Served from the hub itself
   (Content-Security-Policy: script-src 'self'; the preview is a data: URL,
   which img-src allows). The page works without it. */
(function () {
  "use strict";
  var form = document.getElementById("realname-form");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var preview = document.getElementById("selfie-preview");
  if (input && preview && window.FileReader) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file || !/^image\//.test(file.type)) { preview.hidden = true; return; }
      var reader = new FileReader();
      reader.onload = function () { preview.src = reader.result; preview.hidden = false; };
      reader.readAsDataURL(file);
    });
  }
  form.addEventListener("submit", function () {
    var button = form.querySelector("button[type=submit]");
    if (!button) { return; }
    window.setTimeout(function () {
      button.disabled = true;
      var text = button.getAttribute("data-busy-text");
      if (text) { button.textContent = text; }
    }, 0);
  });
})();
