// firstkey admin console: small progressive enhancements. Every page works
// without this script; it only saves clicks.
(function () {
  'use strict';

  // Search as you type: a GET search form with data-live-search="#region" runs
  // itself shortly after each keystroke and swaps in the region of the result
  // page, the same page the form would open without script.
  document.querySelectorAll('form[data-live-search]').forEach(function (form) {
    var region = document.querySelector(form.getAttribute('data-live-search'));
    var input = form.querySelector('input[type=search]');
    if (!region || !input) { return; }
    var timer = null;
    var seq = 0;
    function run() {
      var params = new URLSearchParams(new FormData(form));
      var url = form.getAttribute('action') + '?' + params.toString();
      var mine = ++seq;
      region.setAttribute('aria-busy', 'true');
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'text/html' } })
        .then(function (resp) { return resp.ok ? resp.text() : Promise.reject(resp.status); })
        .then(function (html) {
          if (mine !== seq) { return; }
          var doc = new DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.querySelector('#' + region.id);
          if (fresh) {
            region.replaceChildren.apply(region, Array.prototype.slice.call(fresh.childNodes).map(function (n) { return document.importNode(n, true); }));
          }
          history.replaceState(null, '', url);
        })
        .catch(function () { /* the form still works: Enter submits it */ })
        .finally(function () { if (mine === seq) { region.removeAttribute('aria-busy'); } });
    }
    input.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(run, 180);
    });
  });

  // The pass form: choosing a start date and time also chooses "At a date and time".
  var later = document.querySelector('#start-later');
  var startAt = document.querySelector('#startAt');
  if (later && startAt) {
    startAt.addEventListener('input', function () { if (startAt.value) { later.checked = true; } });
  }

  // Copy buttons: data-copy="#element" copies that element's data-value (or text).
  document.querySelectorAll('[data-copy]').forEach(function (button) {
    button.hidden = false;
    button.addEventListener('click', function () {
      var el = document.querySelector(button.getAttribute('data-copy'));
      var status = document.querySelector(button.getAttribute('data-copy-status'));
      if (!el) { return; }
      var value = el.getAttribute('data-value') || el.textContent.trim();
      var say = function (msg) { if (status) { status.textContent = msg; } };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(value).then(function () { say('Copied.'); }, function () { say('Copy did not work: select the text and copy it.'); });
      } else {
        say('Copy did not work: select the text and copy it.');
      }
    });
  });
})();
