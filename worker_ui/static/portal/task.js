// The task page's chrome (docs/portal.md): countdown of the time limit, the engine's view of the
// task (polled), hidden-page time (Page Visibility API, docs/engine.md#answer-times), and the next task in place
// once the frame reports `gtemu:submitted` (docs/elements.md); each task that loads takes the focus.
(function () {
  'use strict';

  const config = JSON.parse(document.getElementById('task-config').textContent);
  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  const frame = document.getElementById('task-frame');
  const countdown = document.getElementById('countdown');
  const notice = document.getElementById('task-notice');
  const noticeText = document.getElementById('task-notice-text');
  const ENDED = {
    expired: 'Time is up: the time limit of this task passed and it went back to the queue.',
    withdrawn: 'This task was withdrawn (the job stopped or the item was finished).',
    submitted: 'This task was submitted.',
    declined: 'You declined this task.',
    released: 'You released this task.',
  };

  let task = config;
  let deadline = 0; // performance.now() at which the time limit ends
  let hiddenSince = document.visibilityState === 'hidden' ? performance.now() : null;
  let loadingNext = false;

  function post(url, body) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrfToken },
      body: JSON.stringify(body || {}),
    });
  }

  function formatSeconds(seconds) {
    const total = Math.max(0, Math.ceil(seconds));
    const hours = Math.floor(total / 3600);
    const minutes = Math.floor((total % 3600) / 60);
    const rest = String(total % 60).padStart(2, '0');
    return hours ? `${hours}:${String(minutes).padStart(2, '0')}:${rest}` : `${minutes}:${rest}`;
  }

  function showTask(next) {
    task = next;
    deadline = performance.now() + next.remainingSeconds * 1000;
    document.getElementById('task-title').textContent = next.title;
    document.getElementById('task-description').textContent = next.description;
    document.title = `${next.title} · gtemu`;
    document.getElementById('decline-form').action = next.declineUrl;
    document.getElementById('release-form').action = next.releaseUrl;
    document.getElementById('next-form').action = next.nextUrl;
    if (next.state === 'open') {
      notice.hidden = true;
      frame.hidden = false;
      if (frame.getAttribute('src') !== next.frameUrl) frame.src = next.frameUrl;
      focusTask();
    } else {
      showEnded(next.state);
    }
    tick();
  }

  function showEnded(state) {
    task.state = state;
    noticeText.textContent = ENDED[state] || `This task is ${state}.`;
    notice.hidden = false;
    frame.hidden = true;
    countdown.textContent = formatSeconds(0);
  }

  function tick() {
    if (task.state !== 'open') return;
    const left = (deadline - performance.now()) / 1000;
    countdown.textContent = formatSeconds(left);
    countdown.parentElement.classList.toggle('low', left < 60);
    if (left <= 0) refreshStatus();
  }

  async function refreshStatus() {
    if (task.state !== 'open' || loadingNext) return;
    const taskId = task.taskId;
    try {
      const response = await fetch(task.statusUrl, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok || task.taskId !== taskId || loadingNext) return;
      const status = await response.json();
      deadline = performance.now() + status.remainingSeconds * 1000;
      if (status.state !== 'open' && status.state !== 'submitted') showEnded(status.state);
    } catch (error) {
      // The server may be restarting; the next poll tries again.
    }
  }

  async function loadNext() {
    if (loadingNext) return;
    loadingNext = true;
    try {
      const response = await post(task.nextUrl);
      const body = await response.json();
      if (response.ok && body.task) {
        history.replaceState(null, '', body.task.pageUrl);
        showTask(body.task);
      } else {
        window.location.assign(body.jobsUrl || '/jobs');
      }
    } catch (error) {
      window.location.assign('/jobs'); // the job list explains what is left to do
    } finally {
      loadingNext = false;
    }
  }

  window.addEventListener('message', (event) => {
    if (event.source !== frame.contentWindow || !event.data) return;
    if (event.data.type === 'gtemu:submitted') {
      task.state = 'submitted';
      const next = event.data.response && event.data.response.next;
      if (next) {
        history.replaceState(null, '', next.pageUrl);
        showTask(next);
      } else {
        loadNext();
      }
    }
  });

  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') {
      hiddenSince = performance.now();
    } else if (hiddenSince !== null) {
      const seconds = (performance.now() - hiddenSince) / 1000;
      hiddenSince = null;
      if (task.state === 'open') post(task.hiddenUrl, { seconds }).catch(() => {});
      refreshStatus();
    }
  });

  // The task takes the keyboard focus as soon as it is shown (the frame keeps it while its page
  // loads) and again once the page has loaded, so that number keys and Ctrl+Enter work at
  // once, without a first click into the task.
  function focusTask() {
    if (!frame.hidden && task.state === 'open') frame.focus();
  }
  frame.addEventListener('load', focusTask);

  window.gtemuPortal = { refreshStatus, loadNext, get task() { return task; } };
  showTask(config);
  setInterval(tick, 250);
  setInterval(refreshStatus, Math.max(0.2, config.pollSeconds) * 1000);
})();
