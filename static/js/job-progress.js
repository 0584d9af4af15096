// Job page: poll the job's progress endpoint every 2 s, move the bar, and reload the page once the job
// has finished (the server renders the result). Polling stops when the job is done or the page is left.
(function () {
  "use strict";
  var box = document.getElementById("job-progress");
  if (!box || !window.fetch) return;
  var bar = box.querySelector("[data-job-bar]");
  var message = box.querySelector("[data-job-message]");
  var count = box.querySelector("[data-job-count]");
  var note = box.querySelector("[data-job-note]");
  var failures = 0;

  function show(job) {
    bar.style.width = job.percent + "%";
    bar.textContent = job.percent + "%";
    bar.parentNode.setAttribute("aria-valuenow", job.percent);
    message.textContent = job.message || job.status_label;
    count.textContent = job.total ? job.done + " / " + job.total : "";
  }

  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      })
      .then(function (job) {
        failures = 0;
        show(job);
        if (job.finished) {
          note.textContent = "已" + job.status_label + "，正在显示结果…";
          window.location.replace(job.url);
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () {
        failures += 1;
        note.textContent = "暂时无法获取进度，稍后重试…";
        if (failures < 30) window.setTimeout(poll, 2000);
      });
  }

  window.setTimeout(poll, 2000);
})();
