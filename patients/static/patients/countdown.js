/* Counts down the validity of an authorization code shown on the page.
   Served from the hub itself (Content-Security-Policy: script-src 'self');
   the page states the expiry time in text too, so it works without script. */
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function start(node) {
    var seconds = parseInt(node.getAttribute("data-countdown"), 10);
    if (isNaN(seconds)) { return; }
    var end = Date.now() + seconds * 1000;
    var label = node.querySelector(".remaining");
    function tick() {
      var left = Math.max(0, Math.round((end - Date.now()) / 1000));
      if (label) { label.textContent = Math.floor(left / 60) + ":" + pad(left % 60); }
      if (left <= 0) {
        node.textContent = node.getAttribute("data-expired-text") || "";
        node.classList.add("expired");
        var code = document.getElementById("auth-code");
        if (code) { code.classList.add("expired"); code.setAttribute("aria-disabled", "true"); }
        return;
      }
      window.setTimeout(tick, 1000);
    }
    tick();
  }
  var nodes = document.querySelectorAll("[data-countdown]");
  for (var i = 0; i < nodes.length; i++) { start(nodes[i]); }
})();
