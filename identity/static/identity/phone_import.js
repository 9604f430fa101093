/* The phone import's job page (admin): polls the job's status URL every
   second, moves the progress bar, and reloads the page once the job has
   finished so that the server renders the report. No inline script. */
(function () {
  "use strict";
  var box = document.getElementById("phone-import");
  if (!box || box.dataset.state === "done" || box.dataset.state === "failed") {
    return;
  }
  var bar = document.getElementById("phone-import-progress");
  var done = document.getElementById("phone-import-done");
  var total = document.getElementById("phone-import-total");
  var state = document.getElementById("phone-import-state");

  function show(status) {
    bar.max = Math.max(status.total_lines, 1);
    bar.value = status.total_lines ? status.done_lines : 0;
    done.textContent = String(status.done_lines);
    total.textContent = String(status.total_lines);
    state.textContent = status.state_display;
  }

  function poll() {
    fetch(box.dataset.statusUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (answer) {
        if (!answer.ok) {
          throw new Error("status " + answer.status);
        }
        return answer.json();
      })
      .then(function (status) {
        show(status);
        if (status.finished) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () {
        window.setTimeout(poll, 5000);
      });
  }

  window.setTimeout(poll, 1000);
})();
