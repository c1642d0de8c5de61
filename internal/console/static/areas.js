// firstkey admin console: the bulk run's progress bar. The page works without
// this script (it offers a refresh link); with it, the bar follows the job
// through the same-origin status endpoint and the page reloads when it ends.
(function () {
  'use strict';
  var panel = document.querySelector('[data-bulk-status]');
  if (!panel) { return; }
  var url = panel.getAttribute('data-bulk-status');
  var bar = document.getElementById('progress');
  var text = document.getElementById('progress-text');
  var percent = document.getElementById('progress-percent');
  function poll() {
    fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (resp) { return resp.ok ? resp.json() : Promise.reject(resp.status); })
      .then(function (st) {
        if (st.state !== 'running') { window.location.reload(); return; }
        bar.max = st.total;
        bar.value = st.done;
        var pct = st.total ? Math.floor(100 * st.done / st.total) : 0;
        bar.textContent = pct + '%';
        text.textContent = st.done + ' of ' + st.total + ' rows done';
        percent.textContent = pct + '%';
        setTimeout(poll, 700);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
