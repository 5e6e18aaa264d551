/// The dashboard script's actions (per job, bulk, pause), the enqueue form, and live updates:
/// `EventSource('/api/events')` (README, "Web API"), falling back to polling `/api/status`
/// and the current page every 2 s while the stream is down.
enum DashboardScriptLive {
    static let source = #"""
    // Runs one change, then shows what the API said and refreshes the view.
    async function act(method, path, body, done) {
      try {
        const r = await api(method, path, body);
        say(typeof done === 'function' ? done(r) : done, false);
      } catch (e) {
        say(e.message, true);
      }
      refreshAll();
    }

    function jobAction(a, id) {
      if (a === 'delete') {
        if (!window.confirm('Delete job ' + id + ' and its log?')) return;
        act('DELETE', jobPath(id), undefined, 'deleted ' + id);
      } else {
        act('POST', jobPath(id, '/' + a), undefined, (j) => a + ': ' + id + ' is now ' + (j && j.state));
      }
    }

    function bulk(kind) {
      const what = kind === 'retry' ? 'Retry' : 'Delete';
      if (!window.confirm(what + ' all dead jobs (up to 1,000 per click)?')) return;
      act('POST', '/api/dlq/' + kind, { all: true }, (r) =>
        what + ': ' + r.done.length + ' done, ' + r.failed.length + ' failed' + (r.more ? '; more dead jobs remain' : ''));
    }

    // A number typed in the form, or the text as typed so the API explains what is wrong.
    function numberField(id) {
      const t = $(id).value.trim();
      if (t === '') return undefined;
      return /^-?[0-9]+(\.[0-9]+)?$/.test(t) ? Number(t) : t;
    }

    async function enqueue(ev) {
      ev.preventDefault();
      $('f-error').textContent = ''; $('f-result').textContent = '';
      const job = { command: $('f-command').value };
      const id = $('f-id').value.trim();
      if (id) job.id = id;
      for (const [field, key] of [['f-priority', 'priority'], ['f-max-retries', 'max_retries'], ['f-timeout', 'timeout']]) {
        const v = numberField(field);
        if (v !== undefined) job[key] = v;
      }
      const delay = $('f-delay').value.trim(), runAt = $('f-run-at').value.trim();
      if (delay && runAt) { $('f-error').textContent = 'give a delay or a run time, not both'; return; }
      if (runAt) job.run_at = runAt;
      if (delay) {
        const d = Number(delay);
        if (!Number.isFinite(d)) { $('f-error').textContent = 'delay must be a number of time units'; return; }
        job.delay = d;
      }
      const after = $('f-after').value.split(',').map((s) => s.trim()).filter((s) => s);
      if (after.length) job.after = after;
      $('f-submit').disabled = true;
      try {
        const created = await api('POST', '/api/jobs', job);
        $('f-result').textContent = 'enqueued ' + created.id + ' (' + created.state + ')';
        $('enqueue-form').reset();
        view.selected = String(created.id);
        loadDetail(false).catch(() => {});
        refreshAll();
      } catch (e) {
        $('f-error').textContent = e.message;
      } finally {
        $('f-submit').disabled = false;
      }
    }

    // --- live updates ---
    let pollTimer = null, reopenTimer = null, source = null, pending = null, busy = false, again = false;

    function setLive(mode, text) {
      const l = $('live');
      l.dataset.mode = mode;
      l.textContent = text;
    }

    // Status, the current page and the selected job: the whole view, one request each.
    // While one runs, a further call is remembered and run once after it.
    async function refreshAll() {
      if (busy) { again = true; return; }
      busy = true;
      try {
        await Promise.all([loadStatus(), loadList(), view.selected ? loadDetail(true) : null]);
      } catch (e) {
        say('cannot reach the server: ' + e.message, true);
      } finally {
        busy = false;
        if (again) { again = false; refreshAll(); }
      }
    }

    // Coalesces what the stream asks for into at most one refresh per 250 ms.
    function schedule(list, detail) {
      pending = pending || { list: false, detail: false };
      pending.list = pending.list || list;
      pending.detail = pending.detail || detail;
      if (pending.timer) return;
      pending.timer = setTimeout(() => {
        const p = pending; pending = null;
        if (p.list) refreshList();
        if (p.detail && view.selected) loadDetail(true).catch(() => {});
      }, 250);
    }

    function onJobs(data) {
      if (!data || data.more === true || !Array.isArray(data.changed)) { schedule(true, true); return; }
      let list = false, detail = false;
      for (const c of data.changed) {
        if (!c) continue;
        if (c.state === view.state || view.shown.has(c.id)) list = true;
        if (c.id === view.selected) detail = true;
      }
      if (list || detail) schedule(list, detail);
    }

    function startPolling() {
      if (pollTimer) return;
      setLive('polling', 'polling every 2 s');
      pollTimer = setInterval(refreshAll, 2000);
    }

    function stopPolling() {
      if (pollTimer) { clearInterval(pollTimer); pollTimer = null; }
    }

    function openStream() {
      reopenTimer = null;
      if (typeof EventSource !== 'function') { startPolling(); return; }
      source = new EventSource('/api/events');
      source.addEventListener('open', () => {
        stopPolling();
        setLive('live', 'live');
        refreshAll();
      });
      source.addEventListener('status', (e) => {
        try { renderStatus(JSON.parse(e.data)); } catch (_) { /* a bad frame: the next one fixes it */ }
      });
      source.addEventListener('jobs', (e) => {
        let d = null;
        try { d = JSON.parse(e.data); } catch (_) { d = null; }
        onJobs(d);
      });
      source.addEventListener('error', () => {
        startPolling();
        // The browser retries by itself unless the stream was refused; then try again later.
        if (source && source.readyState === EventSource.CLOSED && !reopenTimer) {
          source = null;
          reopenTimer = setTimeout(openStream, 10000);
        }
      });
    }

    function start() {
      buildCounts();
      $('search-form').addEventListener('submit', (ev) => {
        ev.preventDefault();
        view.q = $('q').value.trim(); view.cursor = ''; view.back = [];
        refreshList();
      });
      $('next').addEventListener('click', nextPage);
      $('prev').addEventListener('click', prevPage);
      $('first').addEventListener('click', firstPage);
      $('log-more').addEventListener('click', () => { if (view.selected) loadLog(view.selected).catch((e) => say(e.message, true)); });
      $('enqueue-form').addEventListener('submit', enqueue);
      $('pause').addEventListener('click', () => act('POST', '/api/pause', undefined, 'paused: workers claim nothing new'));
      $('resume').addEventListener('click', () => act('POST', '/api/resume', undefined, 'resumed'));
      $('dlq-retry').addEventListener('click', () => bulk('retry'));
      $('dlq-delete').addEventListener('click', () => bulk('delete'));
      applyVisibility();
      refreshAll();
      openStream();
    }

    document.addEventListener('DOMContentLoaded', start);
    """#
}
