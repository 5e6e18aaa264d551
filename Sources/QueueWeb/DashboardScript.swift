/// The dashboard's script (`GET /app.js`), in three parts: this one (helpers, the API client,
/// counts, workers and the read-only switch), `DashboardScriptJobs` (the job list and the
/// job's detail) and `DashboardScriptLive` (actions, the enqueue form and live updates).
///
/// Invariants the browser test checks: job data reaches the DOM only as text (`text()`,
/// `textContent`, never `innerHTML`); no request asks for more than one page (`PAGE` ≤ 100).
enum DashboardScript {
    static let source = core + DashboardScriptJobs.source + DashboardScriptLive.source

    static let core = #"""
    'use strict';
    const STATES = ['pending', 'processing', 'waiting', 'held', 'failed', 'dead', 'completed'];
    const PAGE = 50;
    const $ = (id) => document.getElementById(id);
    const view = {
      state: 'pending', q: '', cursor: '', back: [], next: null, shown: new Set(),
      selected: null, logNext: 0, readOnly: false, paused: false,
    };

    // An element with attributes and children; strings become text nodes (never markup).
    function el(tag, attrs, ...children) {
      const e = document.createElement(tag);
      for (const [k, v] of Object.entries(attrs || {})) {
        if (v === undefined || v === null || v === false) continue;
        if (k === 'text') e.textContent = String(v);
        else if (k === 'onclick') e.addEventListener('click', v);
        else e.setAttribute(k, v === true ? '' : String(v));
      }
      for (const c of children) {
        if (c === null || c === undefined) continue;
        e.append(typeof c === 'string' ? document.createTextNode(c) : c);
      }
      return e;
    }

    function say(text, isError) {
      const m = $('message');
      m.textContent = text || '';
      m.classList.toggle('error', !!isError);
    }

    // Calls the JSON API; throws an Error carrying the API's own error text.
    async function api(method, path, body) {
      const opts = { method, cache: 'no-store', credentials: 'same-origin', headers: {} };
      if (body !== undefined) {
        opts.headers['Content-Type'] = 'application/json';
        opts.body = JSON.stringify(body);
      }
      const r = await fetch(path, opts);
      let data = null;
      try { data = await r.json(); } catch (_) { data = null; }
      if (!r.ok) {
        const err = new Error((data && typeof data.error === 'string') ? data.error : ('HTTP ' + r.status));
        err.status = r.status;
        throw err;
      }
      return data;
    }

    function jobPath(id, rest) {
      return '/api/jobs/' + encodeURIComponent(id) + (rest || '');
    }

    // Shows or hides the controls that change the queue: none on a read-only server.
    function applyVisibility() {
      document.body.classList.toggle('read-only', view.readOnly);
      for (const e of document.querySelectorAll('.mutation')) e.hidden = view.readOnly;
      $('read-only-badge').hidden = !view.readOnly;
      $('bulk').hidden = view.readOnly || view.state !== 'dead';
      $('pause').hidden = view.readOnly || view.paused;
      $('resume').hidden = view.readOnly || !view.paused;
      $('paused-badge').hidden = !view.paused;
    }

    function buildCounts() {
      const nav = $('counts');
      for (const s of STATES) {
        const b = el('button', { type: 'button', id: 'count-' + s, 'data-testid': 'count-' + s, 'data-state': s,
                                 'aria-pressed': s === view.state ? 'true' : 'false' },
                     el('span', { class: 'n', text: '–' }), el('span', { class: 'name', text: s }));
        b.addEventListener('click', () => showState(s));
        nav.append(b);
      }
    }

    // The status report: counts exactly as the API gives them, paused, workers.
    function renderStatus(s) {
      if (!s || typeof s !== 'object') return;
      view.readOnly = s.read_only === true;
      view.paused = s.paused === true;
      $('spool').textContent = typeof s.spool === 'string' ? s.spool : '';
      for (const st of STATES) {
        const b = $('count-' + st);
        const n = s.counts ? s.counts[st] : undefined;
        b.querySelector('.n').textContent = (n === undefined || n === null) ? '–' : String(n);
        b.setAttribute('aria-pressed', st === view.state ? 'true' : 'false');
      }
      renderWorkers(Array.isArray(s.workers) ? s.workers : []);
      applyVisibility();
    }

    function renderWorkers(workers) {
      const body = $('worker-rows');
      body.replaceChildren();
      $('no-workers').hidden = workers.length > 0;
      for (const w of workers) {
        const running = el('td', { class: 'id' });
        for (const id of (Array.isArray(w.running) ? w.running : [])) {
          running.append(el('button', { type: 'button', class: 'link', 'data-job': id, text: id, onclick: () => selectJob(String(id)) }), ' ');
        }
        const stop = el('td', { class: 'mutation' });
        if (!view.readOnly && w.state === 'alive') {
          stop.append(el('button', { type: 'button', 'data-action': 'stop-worker', text: 'Stop',
                                     onclick: () => act('POST', '/api/workers/' + encodeURIComponent(w.id) + '/stop', undefined, 'stop requested for ' + w.id) }));
        }
        body.append(el('tr', { 'data-worker': w.id },
          el('td', { class: 'id', text: w.id }), el('td', { text: w.state }), el('td', { text: w.slots }),
          running, el('td', { title: w.heartbeat_at, text: shortTime(w.heartbeat_at) }), stop));
      }
    }

    async function loadStatus() {
      renderStatus(await api('GET', '/api/status'));
    }

    """#
}
