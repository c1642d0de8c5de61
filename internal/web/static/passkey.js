// firstkey passkeys: runs the WebAuthn ceremonies for the sign-in pages and My
// Security Info. Plain JavaScript, no framework; loaded from this origin only
// (the Content-Security-Policy allows no inline scripts).
(function () {
  'use strict';

  // --- base64url, for browsers without the JSON helpers of WebAuthn level 3 ---
  function toBuffer(s) {
    s = s.replace(/-/g, '+').replace(/_/g, '/');
    while (s.length % 4) s += '=';
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toBase64url(buf) {
    var bytes = new Uint8Array(buf), bin = '';
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }
  function withIds(list) {
    return (list || []).map(function (c) { return Object.assign({}, c, { id: toBuffer(c.id) }); });
  }

  function creationOptions(json) {
    if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
    var o = Object.assign({}, json);
    o.challenge = toBuffer(json.challenge);
    o.user = Object.assign({}, json.user, { id: toBuffer(json.user.id) });
    if (json.excludeCredentials) o.excludeCredentials = withIds(json.excludeCredentials);
    return o;
  }
  function requestOptions(json) {
    if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
    var o = Object.assign({}, json);
    o.challenge = toBuffer(json.challenge);
    if (json.allowCredentials) o.allowCredentials = withIds(json.allowCredentials);
    return o;
  }
  function credentialJSON(cred) {
    if (typeof cred.toJSON === 'function') {
      try { return cred.toJSON(); } catch (e) { /* fall back below */ }
    }
    var r = cred.response;
    var out = {
      id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(r.clientDataJSON) }
    };
    if (cred.authenticatorAttachment) out.authenticatorAttachment = cred.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) out.response.userHandle = toBase64url(r.userHandle);
    }
    return out;
  }

  // --- talking to firstkey ---
  function ServerError(message, code) { this.message = message; this.code = code; }
  function post(url, body, csrf) {
    var headers = { 'Content-Type': 'application/json', 'Accept': 'application/json' };
    if (csrf) headers['X-CSRF-Token'] = csrf;
    return fetch(url, { method: 'POST', headers: headers, body: JSON.stringify(body), credentials: 'same-origin' })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (data) {
          if (!res.ok) {
            var e = data.error || {};
            throw new ServerError(e.message || 'Something went wrong on our side. Please try again in a moment.', e.code);
          }
          return data;
        });
      }, function () {
        throw new ServerError('We could not reach firstkey. Check your connection and try again.');
      });
  }

  // What a person is told when the browser or authenticator says no.
  function message(err) {
    if (err instanceof ServerError) return err.message;
    switch (err && err.name) {
      case 'NotAllowedError':
        return 'The passkey request was cancelled or timed out. Try again when you are ready.';
      case 'InvalidStateError':
        return 'This authenticator already holds a passkey for your account. Use another one, or sign in with the one you have.';
      case 'SecurityError':
        var usual = document.body.getAttribute('data-issuer');
        return 'Your browser refused passkeys for this address. Open firstkey at its usual address' +
          (usual ? ', ' + usual + ',' : '') + ' and try again.';
      case 'NotSupportedError':
        return 'This browser or device cannot create or use this kind of passkey.';
      case 'AbortError':
        return 'The passkey request was cancelled.';
    }
    return 'Something went wrong with your passkey. Please try again.';
  }

  // --- the page ---
  var errorBox = document.getElementById('passkey-error');
  var statusBox = document.getElementById('passkey-status');

  function say(box, text, link) {
    if (!box) return;
    box.textContent = text;
    if (link) {
      box.appendChild(document.createTextNode(' '));
      var a = document.createElement('a');
      a.href = link.href;
      a.textContent = link.text;
      box.appendChild(a);
    }
  }
  function clear() { say(errorBox, ''); say(statusBox, ''); }
  function fail(err, text) {
    say(statusBox, '');
    var link = err && err.code === 'sessionEnded' ? { href: '/login', text: 'Sign in again' } : null;
    say(errorBox, text || message(err), link);
    if (errorBox) errorBox.focus();
  }
  function busy(button, on, text) {
    button.disabled = on;
    button.setAttribute('aria-busy', on ? 'true' : 'false');
    if (on) say(statusBox, text);
  }

  function signIn(button) {
    var username = button.getAttribute('data-username') || '';
    var next = button.getAttribute('data-next') || '';
    clear();
    busy(button, true, 'Follow the instructions from your browser to use your passkey…');
    post('/webauthn/login/begin', { username: username })
      .then(function (begin) {
        return navigator.credentials.get({ publicKey: requestOptions(begin.options.publicKey) })
          .then(function (cred) {
            return post('/webauthn/login/finish', { ceremonyId: begin.ceremonyId, username: username, credential: credentialJSON(cred), next: next });
          });
      })
      .then(function (done) {
        say(statusBox, next ? 'Signed in. Continuing…' : 'Signed in. Opening My Security Info…');
        window.location.assign(done.redirect);
      })
      .catch(function (err) { busy(button, false); fail(err); });
  }

  function register(form) {
    var input = form.querySelector('input[name=name]');
    var button = form.querySelector('button[type=submit]');
    var csrf = form.getAttribute('data-csrf');
    var next = form.getAttribute('data-next') || '';
    var name = input.value.trim();
    clear();
    if (!name) {
      input.setAttribute('aria-invalid', 'true');
      say(errorBox, 'Give the passkey a name, such as "Work laptop" or "Blue security key".');
      input.focus();
      return;
    }
    input.removeAttribute('aria-invalid');
    busy(button, true, 'Follow the instructions from your browser to create your passkey…');
    post('/webauthn/register/begin', {}, csrf)
      .then(function (begin) {
        return navigator.credentials.create({ publicKey: creationOptions(begin.options.publicKey) })
          .then(function (cred) {
            return post('/webauthn/register/finish', { ceremonyId: begin.ceremonyId, name: name, credential: credentialJSON(cred), next: next }, csrf);
          });
      })
      .then(function (done) {
        say(statusBox, 'Passkey added.');
        window.location.assign(done.redirect);
      })
      .catch(function (err) {
        busy(button, false);
        // A one-time pass session ends ten minutes after sign-in; say so plainly.
        if (err.code === 'sessionEnded' && form.hasAttribute('data-registration-only')) {
          fail(err, 'More than ten minutes have passed since you signed in with your one-time pass, so you can no longer add a passkey with it. Ask your administrator for a new pass.');
          return;
        }
        fail(err);
      });
  }

  // Show times in the reader's own time zone, named; the server renders UTC.
  var fmt = window.Intl && Intl.DateTimeFormat ? new Intl.DateTimeFormat(undefined,
    { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit', timeZoneName: 'short' }) : null;
  document.querySelectorAll('time[datetime]').forEach(function (t) {
    var d = new Date(t.getAttribute('datetime'));
    if (fmt && !isNaN(d)) { t.title = t.textContent; t.textContent = fmt.format(d); }
  });

  // A name for a new passkey from the browser and the system it runs on, which
  // the person may change: "Chrome on Windows", "Safari on iPhone".
  function suggestedName() {
    var ua = navigator.userAgent || '';
    var browser = /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox' : /OPR\//.test(ua) ? 'Opera' :
      /Chrome\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
    var system = /iPhone/.test(ua) ? 'iPhone' : /iPad/.test(ua) ? 'iPad' : /Android/.test(ua) ? 'Android' :
      /Mac OS X|Macintosh/.test(ua) ? 'Mac' : /Windows/.test(ua) ? 'Windows' : /CrOS/.test(ua) ? 'ChromeOS' :
      /Linux/.test(ua) ? 'Linux' : '';
    if (browser && system) return browser + ' on ' + system;
    return browser || system || '';
  }

  var supported = !!(window.PublicKeyCredential && navigator.credentials && window.fetch);
  var signInButtons = document.querySelectorAll('[data-passkey-signin]');
  var form = document.getElementById('add-passkey');
  if (!supported) {
    signInButtons.forEach(function (b) { b.disabled = true; });
    if (form) form.querySelector('button[type=submit]').disabled = true;
    if (signInButtons.length || form) say(statusBox, 'This browser cannot use passkeys. Use a Temporary Access Pass, or another browser.');
    return;
  }
  signInButtons.forEach(function (b) {
    b.addEventListener('click', function () { signIn(b); });
  });
  if (form) {
    var nameInput = form.querySelector('input[name=name]');
    if (nameInput && !nameInput.value) nameInput.value = suggestedName();
    form.addEventListener('submit', function (ev) { ev.preventDefault(); register(form); });
  }
})();
