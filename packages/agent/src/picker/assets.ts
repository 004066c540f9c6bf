// The picker page's script and style sheet, served as files (never inline, so the page's CSP
// can forbid inline code). The script talks to the JSON endpoints beside it: api/dirs,
// api/choose and ../status; once the app answers it sends the browser into the app.

export const PICKER_JS = `'use strict';
(function () {
  var main = document.getElementById('picker');
  var app = main.getAttribute('data-app') || 'The app';
  var crumbs = document.getElementById('crumbs');
  var list = document.getElementById('dirs');
  var hidden = document.getElementById('hidden');
  var use = document.getElementById('use');
  var statusLine = document.getElementById('status');
  var browse = document.getElementById('browse');
  var current = null;
  var failures = 0;

  function say(text, isError) {
    statusLine.textContent = text;
    statusLine.className = isError ? 'error' : '';
  }

  function json(response) {
    return response.json().then(function (body) {
      if (!response.ok) throw new Error(body && body.message ? body.message : 'HTTP ' + response.status);
      return body;
    });
  }

  function link(text, path) {
    var a = document.createElement('a');
    a.href = '#';
    a.textContent = text;
    a.addEventListener('click', function (e) { e.preventDefault(); show(path); });
    return a;
  }

  function render(listing) {
    current = listing.path;
    crumbs.textContent = '';
    crumbs.appendChild(link('(root)', ''));
    var parts = listing.path === '' ? [] : listing.path.split('/');
    parts.forEach(function (part, i) {
      crumbs.appendChild(document.createTextNode(' / '));
      crumbs.appendChild(link(part, parts.slice(0, i + 1).join('/')));
    });
    list.textContent = '';
    if (listing.parent !== null) {
      var up = document.createElement('li');
      up.appendChild(link('..', listing.parent));
      list.appendChild(up);
    }
    listing.entries.forEach(function (entry) {
      var li = document.createElement('li');
      li.appendChild(link(entry.name + '/', entry.path));
      list.appendChild(li);
    });
    if (listing.entries.length === 0) {
      var empty = document.createElement('li');
      empty.className = 'empty';
      empty.textContent = 'No directories here.';
      list.appendChild(empty);
    }
    if (listing.truncated) say('Only the first directories are shown.', false);
    else say('', false);
  }

  function show(path) {
    // No path at first: the agent starts where the app's option points, or at the root.
    var q = 'api/dirs?' + (path === null ? '' : 'path=' + encodeURIComponent(path) + '&') + (hidden.checked ? 'hidden=1' : '');
    fetch(q, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(json)
      .then(render)
      .catch(function (err) { say(err.message, true); });
  }

  function poll() {
    fetch('../status', { credentials: 'same-origin', headers: { Accept: 'application/json' }, cache: 'no-store' })
      .then(json)
      .then(function (s) {
        failures = 0;
        if (s.phase === 'running') { window.location.replace(s.url); return; }
        if (s.phase === 'failed') { say(s.message, true); return; }
        if (s.phase === 'picking') { browse.hidden = false; show(current); return; }
        say(s.message, false);
        setTimeout(poll, 1000);
      })
      .catch(function () {
        // The agent is gone (the app failed and the job ended): the hub's page says why.
        if (++failures >= 3) { window.location.replace(main.baseURI.replace(/_hpchub\\/picker\\/.*$/, '')); return; }
        setTimeout(poll, 1000);
      });
  }

  use.addEventListener('click', function () {
    use.disabled = true;
    fetch('api/choose', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ path: current })
    })
      .then(json)
      .then(function (s) {
        browse.hidden = true;
        say(s.message, false);
        poll();
      })
      .catch(function (err) { use.disabled = false; say(err.message, true); });
  });
  hidden.addEventListener('change', function () { show(current); });

  browse.hidden = true;
  say('Loading…', false);
  poll();
})();
`;

export const PICKER_CSS = `body { font: 15px/1.5 system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; }
.hint { color: #555; }
#crumbs { font-family: ui-monospace, monospace; margin: 1rem 0 0.5rem; word-break: break-all; }
.controls { display: flex; gap: 1rem; align-items: center; justify-content: space-between; margin: 0.5rem 0; }
#dirs { list-style: none; padding: 0; border: 1px solid #ccc; border-radius: 4px; max-height: 60vh; overflow: auto; }
#dirs li { padding: 0.25rem 0.75rem; border-bottom: 1px solid #eee; font-family: ui-monospace, monospace; }
#dirs li.empty { color: #777; font-family: inherit; }
#dirs a { text-decoration: none; color: #0b57d0; }
button { font: inherit; padding: 0.35rem 0.9rem; }
#status.error { color: #b00020; }
`;
