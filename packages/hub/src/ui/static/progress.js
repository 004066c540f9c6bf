// The progress page (web/spawn-pending/): follows the start through the hub's server-sent event
// stream (JupyterHub's format: progress, message, ready, failed, url), fills the progress bar and
// the event log, and goes to the server as soon as it is ready, or shows why it failed.
(() => {
  const root = document.getElementById('progress');
  if (!root || root.dataset.done || !window.EventSource) return;
  // With this script running, the page need not reload itself.
  const bar = document.getElementById('progress-bar');
  const status = document.getElementById('progress-status');
  const log = document.getElementById('event-log');
  const title = document.getElementById('pending-title');

  // Times in messages (estimated start) in the reader's own time zone.
  const isoTime = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g;
  const localTime = (iso) =>
    new Date(iso).toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });

  function describe(event) {
    const queue = event.queue || {};
    const message = String(event.message || '');
    const extra =
      event.queue && !(queue.reason && message.includes(queue.reason))
        ? [
            queue.reason ? `queue reason: ${queue.reason}` : '',
            queue.estimated_start ? `estimated start: ${queue.estimated_start}` : '',
          ]
            .filter(Boolean)
            .join(', ')
        : '';
    return (extra ? `${message} (${extra})` : message).replace(isoTime, localTime);
  }

  // Every (re)connection replays the start's events from its beginning.
  let replaying = false;
  const source = new EventSource(root.dataset.progressUrl);
  source.addEventListener('open', () => {
    replaying = true;
  });
  source.addEventListener('message', (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    if (replaying) {
      log.replaceChildren();
      replaying = false;
    }
    const text = describe(event);
    const item = document.createElement('li');
    item.textContent = text;
    // A new place in the line for a start slot replaces the previous one: the log says where the
    // start stands, not every step it moved up.
    const inLine = event.line && event.line.position > 0;
    const previous = log.lastElementChild;
    if (inLine) item.dataset.line = '1';
    if (inLine && previous?.dataset.line) previous.replaceWith(item);
    else log.append(item);
    if (typeof event.progress === 'number') {
      bar.value = event.progress;
      bar.textContent = `${event.progress}%`;
    }
    status.textContent = text;
    if (event.ready) {
      source.close();
      root.dataset.done = 'ready';
      status.textContent = 'Your server is ready. Taking you there…';
      document.getElementById('progress-ready').hidden = false;
      document.getElementById('cancel-form').hidden = true;
      const target = root.dataset.target || event.url;
      if (target) window.location.replace(target);
    } else if (event.failed) {
      source.close();
      root.dataset.done = 'failed';
      bar.value = 100;
      status.textContent = 'The start did not succeed.';
      title.textContent = title.textContent.replace(/is starting$/, 'did not start');
      document.getElementById('failure-message').textContent = String(event.message || '');
      document.getElementById('progress-failed').hidden = false;
      document.getElementById('cancel-form').hidden = true;
      document.getElementById('try-again').focus();
    }
  });
  source.addEventListener('error', () => {
    if (source.readyState === EventSource.CLOSED && !root.dataset.done) {
      status.textContent = 'Lost the connection to the hub. Reload the page to follow the start again.';
    }
  });
})();
