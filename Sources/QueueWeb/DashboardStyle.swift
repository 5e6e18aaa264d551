/// The dashboard's stylesheet (`GET /app.css`): system fonts, light and dark colours from
/// `prefers-color-scheme`, nothing loaded from elsewhere.
enum DashboardStyle {
    static let css = #"""
    :root {
      color-scheme: light dark;
      --bg: #f7f7f8; --panel: #ffffff; --fg: #1d1f23; --muted: #5f6670; --line: #d9dce1;
      --accent: #1f5fbf; --accent-fg: #ffffff; --warn: #8a5a00; --warn-bg: #fff1d6;
      --danger: #b3261e; --ok: #1e7a3c; --row-hover: #eef3fb; --selected: #dbe7fb;
    }
    @media (prefers-color-scheme: dark) {
      :root {
        --bg: #16181c; --panel: #1f2228; --fg: #e6e8eb; --muted: #a0a7b1; --line: #343841;
        --accent: #7fb0ff; --accent-fg: #0d1420; --warn: #ffd48a; --warn-bg: #3d2f12;
        --danger: #ff8a80; --ok: #7ddc9a; --row-hover: #262b33; --selected: #243550;
      }
    }
    * { box-sizing: border-box; }
    body { margin: 0; padding: 0 1rem 1rem; background: var(--bg); color: var(--fg);
      font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
    header { display: flex; align-items: center; gap: .75rem; padding: .6rem 0; flex-wrap: wrap; }
    header h1 { font-size: 1.25rem; margin: 0; }
    h2 { font-size: 1.05rem; margin: 0 0 .5rem; }
    h3 { font-size: .95rem; margin: .75rem 0 .25rem; }
    .spacer { flex: 1; }
    .muted, #spool { color: var(--muted); }
    .badge { border: 1px solid var(--line); border-radius: 999px; padding: .05rem .6rem; font-size: .85rem; }
    .badge.warn, #live[data-mode="polling"] { background: var(--warn-bg); color: var(--warn); }
    #live[data-mode="live"] { color: var(--ok); }
    button { font: inherit; color: var(--fg); background: var(--panel); border: 1px solid var(--line);
      border-radius: 6px; padding: .25rem .7rem; cursor: pointer; }
    button:hover { border-color: var(--accent); }
    button:disabled { opacity: .5; cursor: default; }
    button.primary, #f-submit { background: var(--accent); color: var(--accent-fg); border-color: var(--accent); }
    button.danger { color: var(--danger); }
    input { font: inherit; color: var(--fg); background: var(--bg); border: 1px solid var(--line);
      border-radius: 6px; padding: .3rem .5rem; width: 100%; }
    #message { min-height: 1.4em; margin: 0 0 .4rem; }
    #message.error, .error { color: var(--danger); }
    #counts { display: flex; gap: .5rem; flex-wrap: wrap; margin-bottom: .75rem; }
    #counts button { display: flex; flex-direction: column; align-items: flex-start; min-width: 7.5rem; padding: .4rem .8rem; }
    #counts button .n { font-size: 1.35rem; font-variant-numeric: tabular-nums; }
    #counts button .name { color: var(--muted); font-size: .8rem; text-transform: uppercase; letter-spacing: .04em; }
    #counts button[aria-pressed="true"] { border-color: var(--accent); box-shadow: inset 0 -3px 0 var(--accent); }
    main { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1rem; align-items: start; }
    footer { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 1rem; margin-top: 1rem; align-items: start; }
    #workers td { overflow-wrap: anywhere; }
    #workers td button { white-space: nowrap; }
    @media (max-width: 900px) { main, footer { grid-template-columns: 1fr; } }
    section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: .75rem; }
    .toolbar { display: flex; gap: .75rem; align-items: center; flex-wrap: wrap; margin-bottom: .5rem; }
    .toolbar h2 { margin: 0; }
    #search-form { display: flex; gap: .4rem; flex: 1; min-width: 14rem; }
    table { width: 100%; border-collapse: collapse; }
    th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { color: var(--muted); font-weight: 600; font-size: .8rem; }
    td.cmd, td.id, #detail-fields dd, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: .85rem; }
    #jobs { table-layout: fixed; }
    #jobs th:nth-child(1) { width: 20%; }
    #jobs th:nth-child(3), #jobs th:nth-child(4) { width: 4.6rem; }
    #jobs th:nth-child(5) { width: 9.6rem; }
    #jobs th:nth-child(6) { width: 10.5rem; }
    #jobs td:nth-child(5) { white-space: nowrap; font-size: .8rem; font-variant-numeric: tabular-nums; }
    td.id { overflow-wrap: anywhere; }
    td.cmd { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    #job-rows tr { cursor: pointer; }
    #job-rows tr:hover { background: var(--row-hover); }
    #job-rows tr.selected { background: var(--selected); }
    td.actions button, .actions button { padding: .1rem .5rem; margin-right: .25rem; font-size: .8rem; }
    .pager { display: flex; gap: .5rem; align-items: center; margin-top: .5rem; }
    #detail-fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .15rem .75rem; margin: .5rem 0; }
    #detail-fields dt { color: var(--muted); }
    #detail-fields dd { margin: 0; overflow-wrap: anywhere; white-space: pre-wrap; }
    pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: .5rem;
      max-height: 18rem; overflow: auto; white-space: pre-wrap; overflow-wrap: anywhere; margin: 0 0 .4rem; }
    #enqueue-form { display: grid; grid-template-columns: repeat(3, minmax(0, 1fr)); gap: .5rem .75rem; }
    #enqueue-form label { display: flex; flex-direction: column; gap: .15rem; color: var(--muted); font-size: .85rem; }
    #enqueue-form .wide { grid-column: 1 / -1; }
    #enqueue-form div.wide { display: flex; gap: .75rem; align-items: center; }
    .state { font-size: .8rem; padding: 0 .4rem; border-radius: 4px; border: 1px solid var(--line); }
    [hidden] { display: none !important; }
    #attempts { display: block; overflow-x: auto; }
    #attempts td { white-space: nowrap; }
    #attempts tr.attempt-output td { white-space: normal; padding-top: 0; }
    #attempts pre { white-space: pre-wrap; margin: 0; max-height: 10em; overflow: auto; }
    """#
}
