/// The dashboard script's job list (one page of one state, search, pages) and job detail
/// (every JSON field, the history if the job has one, its log read on by offset).
enum DashboardScriptJobs {
    static let source = #"""
    // The actions valid for a job in `state` (the server decides anyway).
    function actionsFor(state) {
      const a = [];
      if (state === 'dead' || state === 'failed') a.push('retry');
      if (state === 'pending' || state === 'failed') a.push('hold');
      if (state === 'held') a.push('release');
      if (state !== 'processing') a.push('delete');
      return a;
    }

    function actionButtons(job) {
      const box = document.createDocumentFragment();
      if (view.readOnly) return box;
      for (const a of actionsFor(job.state)) {
        box.append(el('button', { type: 'button', 'data-action': a, 'data-testid': a + '-' + job.id,
                                  class: a === 'delete' ? 'danger' : null, text: a,
                                  onclick: (ev) => { ev.stopPropagation(); jobAction(a, job.id); } }));
      }
      return box;
    }

    function showState(s) {
      view.state = s; view.cursor = ''; view.back = [];
      $('list-title').textContent = s;
      for (const st of STATES) $('count-' + st).setAttribute('aria-pressed', st === s ? 'true' : 'false');
      applyVisibility();
      refreshList();
    }

    let listSeq = 0;
    // Loads the current page (at most PAGE jobs) of the current state; a newer call wins.
    async function loadList() {
      const seq = ++listSeq;
      const p = new URLSearchParams({ state: view.state, limit: String(PAGE) });
      if (view.cursor) p.set('cursor', view.cursor);
      if (view.q) p.set('q', view.q);
      const page = await api('GET', '/api/jobs?' + p.toString());
      if (seq !== listSeq) return;
      view.next = typeof page.next === 'string' ? page.next : null;
      renderJobs(Array.isArray(page.jobs) ? page.jobs : []);
    }

    function refreshList() {
      loadList().catch((e) => say('cannot list jobs: ' + e.message, true));
    }

    function renderJobs(jobs) {
      const body = $('job-rows');
      body.replaceChildren();
      view.shown = new Set();
      for (const j of jobs) {
        const id = String(j.id);
        view.shown.add(id);
        const tr = el('tr', { 'data-id': id, 'data-state': j.state, 'data-testid': 'job-row', class: id === view.selected ? 'selected' : null },
          el('td', { class: 'id', text: id }),
          el('td', { class: 'cmd', 'data-testid': 'job-command', title: j.command, text: j.command }),
          el('td', { text: j.attempts }), el('td', { text: j.priority }), el('td', { title: j.updated_at, text: shortTime(j.updated_at) }),
          el('td', { class: 'actions mutation' }, actionButtons(j)));
        tr.addEventListener('click', () => selectJob(id));
        body.append(tr);
      }
      const empty = $('empty');
      empty.hidden = jobs.length > 0;
      empty.textContent = view.next ? 'No match among the jobs read for this page; Next reads on.'
                                    : (view.q ? 'No job matches.' : 'No jobs in ' + view.state + '.');
      $('next').disabled = !view.next;
      $('prev').disabled = view.back.length === 0;
      $('first').disabled = !view.cursor;
      $('page-no').textContent = 'page ' + (view.back.length + 1);
      applyVisibility();
    }

    function nextPage() {
      if (!view.next) return;
      view.back.push(view.cursor); view.cursor = view.next; refreshList();
    }
    function prevPage() {
      if (view.back.length === 0) return;
      view.cursor = view.back.pop(); refreshList();
    }
    function firstPage() { view.cursor = ''; view.back = []; refreshList(); }

    function selectJob(id) {
      view.selected = id;
      for (const tr of $('job-rows').children) tr.classList.toggle('selected', tr.dataset.id === id);
      loadDetail(false).catch((e) => say('cannot load job ' + id + ': ' + e.message, true));
    }

    // 2026-11-24T07:15:00.123Z as 2026-11-24 07:15:00 (UTC, as the API gives it).
    function shortTime(t) {
      const m = typeof t === 'string' ? /^([0-9-]+)T([0-9:]+)/.exec(t) : null;
      return m ? m[1] + ' ' + m[2] : t;
    }

    function fieldValue(v) {
      if (v === null || v === undefined) return '—';
      if (typeof v === 'object') return JSON.stringify(v, null, 2);
      return String(v);
    }

    let detailSeq = 0;
    // Shows the selected job's fields; with `keepLog` the log is read on from where it stopped.
    async function loadDetail(keepLog) {
      const id = view.selected;
      if (!id) return;
      const seq = ++detailSeq;
      let job;
      try {
        job = await api('GET', jobPath(id));
      } catch (e) {
        if (seq !== detailSeq) return;
        if (e.status === 404) {
          $('detail-fields').replaceChildren(el('dt', { text: 'state' }), el('dd', { 'data-field': 'state', text: 'gone (deleted)' }));
          $('detail-actions').replaceChildren();
          return;
        }
        throw e;
      }
      if (seq !== detailSeq || id !== view.selected) return;
      $('detail-empty').hidden = true;
      $('detail-id').textContent = id;
      const dl = $('detail-fields');
      dl.replaceChildren();
      for (const k of Object.keys(job).sort()) {
        if (k === 'history') continue;  // shown as the attempts table below
        dl.append(el('dt', { text: k }), el('dd', { 'data-field': k, text: fieldValue(job[k]) }));
      }
      showAttempts(Array.isArray(job.history) ? job.history : []);
      $('detail-actions').replaceChildren(actionButtons(job));
      if (!keepLog) { view.logNext = 0; $('log').textContent = ''; }
      await loadLog(id);
    }

    // The job's attempt history (the API's `history`, oldest first), one row per attempt.
    function showAttempts(history) {
      $('attempts').hidden = $('attempts-title').hidden = history.length === 0;
      // One row of facts per attempt, and below it (when there is any) its output's last lines.
      $('attempt-rows').replaceChildren(...history.flatMap((a) => {
        const result = a.exit_code !== undefined && a.exit_code !== null ? 'exit ' + a.exit_code
          : (a.signal !== undefined && a.signal !== null ? 'signal ' + a.signal : '—');
        const seconds = typeof a.duration === 'number' ? a.duration.toFixed(3) + ' s' : '—';
        const facts = el('tr', { 'data-attempt': a.attempt },
          el('td', { text: a.attempt }), el('td', { title: a.started_at || '', text: (shortTime(a.started_at) || '—').split(' ').pop() }), el('td', { text: seconds }),
          el('td', { 'data-outcome': '', text: a.outcome }), el('td', { text: result + (a.timed_out ? ', timed out' : '') }),
          el('td', { text: a.host || '—' }));
        if (!a.output) return [facts];
        return [facts, el('tr', { 'data-output-of': a.attempt, class: 'attempt-output' },
          el('td', { colspan: 6 }, el('pre', { text: a.output })))];
      }));
    }

    // Appends the next chunk of the log (the API returns at most 64 KiB from an offset).
    async function loadLog(id) {
      const r = await api('GET', jobPath(id, '/log?offset=' + view.logNext));
      if (id !== view.selected) return;
      if (typeof r.text === 'string' && r.text.length > 0) $('log').append(document.createTextNode(r.text));
      const next = typeof r.next === 'number' ? r.next : view.logNext;
      $('log-more').hidden = next === view.logNext;
      view.logNext = next;
    }

    """#
}
