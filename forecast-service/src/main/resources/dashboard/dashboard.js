// The analyst dashboard: price candles with the forecast median and 10/90% quantiles of one horizon, live updates
// over server-sent events, the latest forecast, forecast error and calibration, and backtest equity curves.
// The view (symbol, horizon, window, model version, end of the window) is kept in the address, so a link opens it.
// Plain browser JavaScript on the service's JSON API; the chart library is lightweight-charts (global LightweightCharts).
(function () {
  'use strict';
  const LC = window.LightweightCharts;
  const $ = (id) => document.getElementById(id);

  // What the page shows, also read by the browser test.
  const state = window.dashboard = {
    symbol: null, horizon: null, windowSec: 3600, bucketSec: 60,
    // version: the model version picked (null: the symbol's newest); shownVersion: the one the chart shows.
    // end: end of the window, epoch ms, exclusive (null: follow the newest data and its live updates).
    version: null, shownVersion: null, end: null, versions: [],
    candles: 0, forecastPoints: 0, liveUpdates: 0, lastPrice: null, lastLiveTs: null,
    loads: 0, reconnects: 0, resumes: 0, errors: [], backtestRun: null, equityCurves: 0
  };
  let lastCandle = null;
  let lastForecastTime = 0;
  let events = null;
  let loadSeq = 0;
  let versionsAt = 0;

  // ---- charts ----
  const priceChart = LC.createChart($('price-chart'), {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1d2330' },
    grid: { vertLines: { color: '#f0f2f5' }, horzLines: { color: '#f0f2f5' } },
    timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 6 },
    localization: { priceFormatter: (p) => p.toFixed(2) }
  });
  const candleSeries = priceChart.addSeries(LC.CandlestickSeries, {
    upColor: '#26a69a', downColor: '#ef5350', borderVisible: false, wickUpColor: '#26a69a', wickDownColor: '#ef5350'
  });
  const bandStyle = { color: '#7e57c2', lineWidth: 1, lineStyle: LC.LineStyle.Dashed, priceLineVisible: false, lastValueVisible: false };
  const q10Series = priceChart.addSeries(LC.LineSeries, bandStyle);
  const q90Series = priceChart.addSeries(LC.LineSeries, bandStyle);
  const p50Series = priceChart.addSeries(LC.LineSeries, { color: '#2962ff', lineWidth: 2, priceLineVisible: false });

  const equityChart = LC.createChart($('equity-chart'), {
    autoSize: true,
    layout: { background: { color: '#ffffff' }, textColor: '#1d2330' },
    timeScale: { timeVisible: true }
  });
  let equitySeries = [];
  const palette = ['#2962ff', '#ef6c00', '#2e7d32', '#6a1b9a', '#c62828', '#00838f', '#5d4037'];

  // ---- helpers ----
  async function getJson(url) {
    const r = await fetch(url, { headers: { Accept: 'application/json' } });
    const body = await r.json();
    if (!r.ok) { throw new Error(body.message || ('HTTP ' + r.status)); }
    return body;
  }
  function report(err) {
    state.errors.push(String(err && err.message || err));
    $('status').textContent = 'error: ' + (err && err.message || err);
  }
  const sec = (ms) => Math.floor(ms / 1000);
  /** Milliseconds of a time horizon ('10s', '5m', '250ms'), or null for tick horizons. */
  function horizonMs(h) {
    const m = /^(\d+)(ms|s|m|h)$/.exec(h || '');
    if (!m) { return null; }
    return Number(m[1]) * { ms: 1, s: 1000, m: 60000, h: 3600000 }[m[2]];
  }
  /**
   * Forecasts are drawn at the time they forecast: made at ts, for ts + horizon (tick horizons: at ts), on the candle
   * grid (the chart spaces points by index, so off-grid points would squeeze the candles apart). The last forecast
   * of each bucket wins.
   */
  function targetSec(f) {
    const t = sec(f.ts + (horizonMs(f.horizon) || 0));
    return t - (t % state.bucketSec);
  }
  function bucketFor(windowSec) {
    return windowSec <= 900 ? ['10s', 10] : windowSec <= 3600 ? ['1m', 60] : windowSec <= 21600 ? ['5m', 300] : ['15m', 900];
  }
  const bp = (x) => (x * 1e4).toFixed(2);
  const pct = (x) => (100 * x).toFixed(0) + '%';
  const signedPct = (x) => (x >= 0 ? '+' : '') + (100 * x).toFixed(1) + '%';
  const fmtTime = (ms) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

  // ---- the view in the address ----
  function readAddress() {
    const q = new URLSearchParams(location.search);
    const end = q.get('end') ? Date.parse(q.get('end')) : NaN;
    return { symbol: q.get('symbol'), horizon: q.get('horizon'), windowSec: Number(q.get('window')) || null,
      version: q.get('version') || null, end: Number.isFinite(end) ? end : null };
  }
  function writeAddress() {
    const q = new URLSearchParams();
    if (state.symbol) { q.set('symbol', state.symbol); }
    if (state.horizon) { q.set('horizon', state.horizon); }
    if (state.windowSec !== 3600) { q.set('window', String(state.windowSec)); }
    if (state.version) { q.set('version', state.version); }
    if (state.end != null) { q.set('end', new Date(state.end).toISOString()); }
    const text = q.toString();
    history.replaceState(null, '', text ? '?' + text : location.pathname);
  }
  const wanted = readAddress();
  if (wanted.windowSec && Array.from($('window').options).some((o) => Number(o.value) === wanted.windowSec)) {
    state.windowSec = wanted.windowSec;
    $('window').value = String(wanted.windowSec);
  }
  state.horizon = wanted.horizon;
  state.version = wanted.version;
  setEnd(wanted.end);

  /** Pins the window's end (epoch ms) or, with null, follows the newest data. */
  function setEnd(ms) {
    state.end = ms;
    $('end').value = ms == null ? '' : new Date(ms).toISOString().slice(0, 19);
    $('follow').className = ms == null ? 'on' : '';
  }
  /** The end of the window: the pinned one, or just after the symbol's newest data. */
  function windowEnd(summary) {
    return state.end != null ? state.end : Math.max(summary.last_tick || 0, summary.last_forecast || 0) + 1;
  }
  const versionParam = () => (state.version ? '&model_version=' + encodeURIComponent(state.version) : '');

  // ---- symbols and horizons ----
  async function loadSymbols() {
    const symbols = await getJson('/api/symbols');
    const sel = $('symbol');
    const have = Array.from(sel.options).map((o) => o.value).join(',');
    const names = symbols.map((s) => s.symbol);
    if (have !== names.join(',')) {
      const keep = state.symbol;
      sel.innerHTML = '';
      names.forEach((n) => sel.add(new Option(n, n)));
      if (keep && names.includes(keep)) { sel.value = keep; }
    }
    if (!names.length) {
      $('status').textContent = 'waiting for data: no forecasts stored yet';
      return false;
    }
    if (!state.symbol) { await selectSymbol(wanted.symbol && names.includes(wanted.symbol) ? wanted.symbol : sel.value); }
    return true;
  }

  async function selectSymbol(symbol) {
    state.symbol = symbol;
    $('symbol').value = symbol;
    const latest = await getJson('/api/forecasts/latest?symbol=' + encodeURIComponent(symbol));
    const horizons = latest.map((f) => f.horizon).sort((a, b) => (horizonMs(a) ?? -1) - (horizonMs(b) ?? -1));
    const hsel = $('horizon');
    const keep = state.horizon;
    hsel.innerHTML = '';
    horizons.forEach((h) => hsel.add(new Option(h, h)));
    // Default: the longest time horizon, where a forecast is most visible against the price.
    state.horizon = horizons.includes(keep) ? keep : (horizons[horizons.length - 1] || null);
    if (state.horizon) { hsel.value = state.horizon; }
    latestByHorizon.clear(); // the previous symbol's horizons
    renderLatest(latest);
    await loadVersions();
    writeAddress();
    openEvents();
    await loadChart();
    loadErrors(true).catch(report);
  }

  // ---- model versions ----
  /** ": <training verdict>" for a version the service knows the checkpoint of (serve --checkpoint), else "". */
  function verdictOf(version) {
    const v = (state.versions || []).find((x) => x.model_version === version);
    return v && v.verdict ? ': ' + v.verdict : '';
  }

  /** The picker's list: the newest first; a picked version the symbol does not have falls back to the newest. */
  async function loadVersions() {
    versionsAt = Date.now();
    const versions = await getJson('/api/models?symbol=' + encodeURIComponent(state.symbol));
    state.versions = versions;
    const sel = $('version');
    const ids = [''].concat(versions.map((v) => v.model_version));
    // Rebuilt only when the versions change (the list is asked for every 10 s, and rebuilding would close it while
    // open); otherwise only the labels move on.
    if (Array.from(sel.options).map((o) => o.value).join('\n') !== ids.join('\n')) {
      sel.innerHTML = '';
      ids.forEach((id) => sel.add(new Option(id, id)));
    }
    sel.options[0].text = versions.length ? 'newest (' + versions[0].model_version + ')' : 'newest';
    versions.forEach((v, i) => {
      const o = sel.options[i + 1];
      o.text = v.model_version + ' (' + v.model + ', until ' + fmtTime(v.last_forecast).slice(0, 16) + ')';
      o.title = v.model + ' ' + v.model_version + ': forecasts from ' + fmtTime(v.first_forecast) + ' to ' + fmtTime(v.last_forecast)
        + (v.verdict ? '; the model ' + v.verdict : '');
    });
    if (state.version && !versions.some((v) => v.model_version === state.version)) { state.version = null; }
    sel.value = state.version || '';
  }

  /**
   * Asks for the version list again; when the page follows the newest version and another one has become the newest
   * (a retrained model deployed), the chart switches to it.
   */
  async function refreshVersions() {
    await loadVersions();
    if (!state.version && state.versions.length && state.shownVersion && state.versions[0].model_version !== state.shownVersion) {
      reload();
    }
  }

  function pickVersion(version) {
    state.version = version || null;
    const i = state.versions.findIndex((v) => v.model_version === state.version);
    const v = state.versions[i];
    // An older version's forecasts end before the newest data: show the window where its last ones are.
    if (i > 0 && (state.end == null || state.end <= v.first_forecast || state.end > v.last_forecast + 1)) {
      setEnd(v.last_forecast + 1);
    }
    reload();
  }

  function reload() {
    writeAddress();
    loadChart().catch(report);
    loadErrors(true).catch(report);
  }

  // ---- price chart ----
  async function loadChart() {
    const mine = ++loadSeq;
    const symbol = state.symbol;
    const [bucket, bucketSec] = bucketFor(state.windowSec);
    const summary = (await getJson('/api/symbols')).find((s) => s.symbol === symbol) || {};
    const end = windowEnd(summary);
    const from = end - state.windowSec * 1000;
    const q = 'symbol=' + encodeURIComponent(symbol) + '&from=' + from + '&to=' + end + '&bucket=' + bucket;
    // Forecasts are drawn at the time they are for, so those made up to one horizon before the window fill its start.
    const made = 'symbol=' + encodeURIComponent(symbol) + '&from=' + (from - (horizonMs(state.horizon) || 0)) + '&to=' + end + '&bucket=' + bucket;
    const [ticks, forecasts] = await Promise.all([
      getJson('/api/ticks?' + q),
      state.horizon ? getJson('/api/forecasts?' + made + '&horizon=' + encodeURIComponent(state.horizon) + versionParam()) : { forecasts: [] }
    ]);
    if (mine !== loadSeq) { return; } // a newer load (symbol switch) started meanwhile
    state.bucketSec = bucketSec; // before targetSec below
    state.shownVersion = forecasts.model_version || null;
    const candles = ticks.candles.map((c) => ({ time: sec(c.ts), open: c.open, high: c.high, low: c.low, close: c.close }));
    candleSeries.setData(candles);
    lastCandle = candles.length ? Object.assign({}, candles[candles.length - 1]) : null;
    const firstSec = sec(from) - (sec(from) % bucketSec);
    const pts = forecasts.forecasts.map((f) => ({ t: targetSec(f), f })).filter((p) => p.t >= firstSec);
    const dedup = [];
    for (const p of pts) { // one point per bucket: keep the last
      if (dedup.length && dedup[dedup.length - 1].t === p.t) { dedup[dedup.length - 1] = p; } else { dedup.push(p); }
    }
    // A model without one of these levels (train warns about it) leaves that line empty rather than breaking the chart.
    const line = (q) => dedup.filter((p) => p.f.price_levels[q] !== undefined).map((p) => ({ time: p.t, value: p.f.price_levels[q] }));
    p50Series.setData(line('0.5'));
    q10Series.setData(line('0.1'));
    q90Series.setData(line('0.9'));
    lastForecastTime = dedup.length ? dedup[dedup.length - 1].t : 0;
    priceChart.timeScale().fitContent();
    state.candles = candles.length;
    state.forecastPoints = dedup.length;
    state.lastPrice = lastCandle ? lastCandle.close : summary.last_price;
    state.loads++;
    $('title').textContent = symbol + ' · ' + (state.horizon || '') + ' forecast';
    $('subtitle').textContent = candles.length + ' candles of ' + bucket + ', ' + dedup.length + ' forecasts'
      + (forecasts.model_version ? ' · model ' + forecasts.model_version + verdictOf(forecasts.model_version) : '')
      + (state.end != null ? ' · ending ' + fmtTime(end) : ' · following live');
    $('status').textContent = summary.last_tick ? 'data up to ' + fmtTime(summary.last_tick) : '';
  }

  // ---- live updates ----
  function openEvents() {
    if (events) { events.close(); }
    const symbol = state.symbol;
    events = new EventSource('/api/stream?symbol=' + encodeURIComponent(symbol));
    let opened = 0;
    events.addEventListener('ready', (e) => {
      setLive(true);
      // The browser reconnected. It sent the id of the last forecast it got, and when the service still had what
      // followed (a dropped connection), those forecasts come next ('resumed'). Otherwise (a restarted service,
      // or this page lagging too far behind) they never will, so load them from the database.
      if (++opened > 1) {
        state.reconnects++;
        if (JSON.parse(e.data).resumed) {
          state.resumes++;
        } else {
          loadChart().catch(report);
          loadErrors(true).catch(report);
        }
      }
    });
    events.addEventListener('forecast', (e) => {
      const f = JSON.parse(e.data);
      if (f.symbol !== state.symbol) { return; }
      try { onLiveForecast(f); } catch (err) { report(err); } // shown and counted, and the next event still handled
    });
    events.onerror = () => setLive(false);
  }
  function setLive(on) {
    $('live').className = 'pill ' + (on ? 'on' : 'off');
    $('live').textContent = on ? 'live: ' + state.liveUpdates + ' updates' : 'live: reconnecting';
  }

  const latestByHorizon = new Map();
  function onLiveForecast(f) {
    latestByHorizon.set(f.horizon, f);
    // A version the picker does not list yet (a new model deployed): ask again, at most every 5 s.
    if (!state.versions.some((v) => v.model_version === f.model_version) && Date.now() - versionsAt > 5000) {
      refreshVersions().catch(report);
    }
    if (f.horizon !== state.horizon) { return; } // one event per tick drives the candles
    if (state.end != null) { // a past window stays as it is; the latest forecast still updates
      renderLatest(Array.from(latestByHorizon.values()));
      return;
    }
    state.liveUpdates++;
    state.lastLiveTs = f.ts;
    state.lastPrice = f.price;
    const t = sec(f.ts) - (sec(f.ts) % state.bucketSec);
    if (!lastCandle || t > lastCandle.time) {
      lastCandle = { time: t, open: f.price, high: f.price, low: f.price, close: f.price };
      state.candles++;
    } else if (t === lastCandle.time) {
      lastCandle.high = Math.max(lastCandle.high, f.price);
      lastCandle.low = Math.min(lastCandle.low, f.price);
      lastCandle.close = f.price;
    }
    if (t >= (lastCandle ? lastCandle.time : 0)) { candleSeries.update(Object.assign({}, lastCandle)); }
    const ft = targetSec(f);
    // Only the shown version's forecasts are drawn (a picked version is the shown one once loaded): two models
    // streaming at once do not mix on one line.
    if (ft >= lastForecastTime && (!state.shownVersion || f.model_version === state.shownVersion)) {
      if (ft > lastForecastTime) { state.forecastPoints++; }
      lastForecastTime = ft;
      for (const [series, q] of [[p50Series, '0.5'], [q10Series, '0.1'], [q90Series, '0.9']]) {
        if (f.price_levels[q] !== undefined) { series.update({ time: ft, value: f.price_levels[q] }); }
      }
    }
    setLive(true);
    $('status').textContent = 'data up to ' + fmtTime(f.ts);
    renderLatest(Array.from(latestByHorizon.values()));
  }

  function renderLatest(list) {
    const rows = list.slice().sort((a, b) => (horizonMs(a.horizon) ?? -1) - (horizonMs(b.horizon) ?? -1));
    const tb = $('latest').querySelector('tbody');
    tb.innerHTML = '';
    for (const f of rows) {
      latestByHorizon.set(f.horizon, f);
      const tr = tb.insertRow();
      const cells = [f.horizon, f.price.toFixed(2)];
      for (const q of ['0.1', '0.5', '0.9']) {
        cells.push(f.price_levels[q] === undefined ? '–'
          : f.price_levels[q].toFixed(2) + ' (' + (f.quantiles[q] >= 0 ? '+' : '') + bp(f.quantiles[q]) + ' bp)');
      }
      cells.forEach((c) => { tr.insertCell().textContent = c; });
    }
    if (rows.length) { $('latest-time').textContent = 'at ' + fmtTime(rows[0].ts) + ' · model ' + rows[0].model_version; }
  }

  // ---- error and calibration ----
  let errorsRunning = 0;
  let errorsSeq = 0;
  /**
   * The error table. The periodic refresh skips its turn while a load is still running (over long windows the query
   * is slow, and piling them up would tie up the service's database connections); a change of view always loads,
   * and only the newest load is shown.
   */
  async function loadErrors(force) {
    if (!state.symbol || (errorsRunning > 0 && !force)) { return; }
    errorsRunning++;
    try {
      await loadErrorsNow(++errorsSeq);
    } finally {
      errorsRunning--;
    }
  }
  async function loadErrorsNow(mine) {
    const summary = (await getJson('/api/symbols')).find((s) => s.symbol === state.symbol) || {};
    // Following live, the error summary ends at the last whole minute: it hardly changes within one, and every page
    // watching the symbol then asks the same question, which the service answers once for all of them.
    const end = state.end != null ? windowEnd(summary) : Math.floor(windowEnd(summary) / 60000) * 60000;
    const e = await getJson('/api/errors?symbol=' + encodeURIComponent(state.symbol) + '&from=' + (end - state.windowSec * 1000)
      + '&to=' + end + versionParam());
    if (mine !== errorsSeq) { return; } // a newer view was asked for meanwhile
    const tb = $('errors').querySelector('tbody');
    tb.innerHTML = '';
    const rows = e.horizons.slice().sort((a, b) => (horizonMs(a.horizon) ?? -1) - (horizonMs(b.horizon) ?? -1));
    for (const h of rows) {
      const tr = tb.insertRow();
      const cal = h.calibration;
      [h.horizon, h.n, bp(h.mae_q50), bp(h.bias_q50), bp(h.pinball), pct(h.coverage_10_90),
        pct(cal['0.1']) + ' / ' + pct(cal['0.5']) + ' / ' + pct(cal['0.9'])].forEach((c) => { tr.insertCell().textContent = c; });
      tr.cells[5].className = Math.abs(h.coverage_10_90 - 0.8) <= 0.1 ? 'good' : 'bad';
    }
    if (!e.horizons.length) {
      tb.insertRow().insertCell().textContent = 'no forecast has reached its horizon in this window yet';
    }
  }

  // ---- backtests ----
  async function loadBacktests() {
    const runs = await getJson('/api/backtests');
    const tb = $('backtests').querySelector('tbody');
    tb.innerHTML = '';
    for (const r of runs) {
      const tr = tb.insertRow();
      tr.dataset.id = r.id;
      const m = r.summary.mamba || {}, bh = r.summary['buy-and-hold'] || {};
      const mode = (r.mode || '') + (r.kind === 'panel' ? ' · ' + (r.symbols || []).length + ' symbols' : '');
      [r.id, fmtTime(r.created_at).slice(0, 16), mode,
        m.cumulative_return != null ? signedPct(m.cumulative_return) : '', bh.cumulative_return != null ? signedPct(bh.cumulative_return) : '']
        .forEach((c) => { tr.insertCell().textContent = c; });
      tr.addEventListener('click', () => showBacktest(r.id).catch(report));
    }
    if (runs.length && state.backtestRun == null) { await showBacktest(runs[0].id); }
    document.querySelectorAll('#backtests tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === String(state.backtestRun)));
    if (!runs.length) { $('equity-title').textContent = 'no backtest runs stored yet (./mamba-ts backtest --jdbc-url ...)'; }
  }

  // A universe's run offers its portfolio and each symbol's own run; a symbol's run is drawn as any other.
  async function showBacktest(id) {
    const run = await getJson('/api/backtests/' + id);
    state.backtestRun = id;
    document.querySelectorAll('#backtests tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === String(id)));
    const view = $('backtest-view');
    view.innerHTML = '';
    $('backtest-view-label').hidden = run.kind !== 'panel';
    if (run.kind === 'panel') {
      view.add(new Option('portfolio of ' + run.parts.length + ' symbols', String(run.id)));
      for (const p of run.parts) { view.add(new Option(p.symbol, String(p.id))); }
      view.value = String(run.id);
    }
    drawBacktest(run);
  }

  async function showBacktestPart(id) {
    drawBacktest(await getJson('/api/backtests/' + id));
  }

  function drawBacktest(run) {
    const id = run.id;
    equitySeries.forEach((s) => equityChart.removeSeries(s));
    equitySeries = [];
    // Mamba first (and in the first colour), then the baselines.
    const models = Object.keys(run.equity).sort((a, b) => (b === 'mamba') - (a === 'mamba') || a.localeCompare(b));
    models.forEach((model, i) => {
      const s = equityChart.addSeries(LC.LineSeries, { color: palette[i % palette.length], lineWidth: model === 'mamba' ? 2 : 1, title: model });
      const pts = [];
      for (const [ms, v] of run.equity[model]) {
        const t = sec(ms);
        if (pts.length && pts[pts.length - 1].time >= t) { pts[pts.length - 1].value = v; } else { pts.push({ time: t, value: v }); }
      }
      s.setData(pts);
      equitySeries.push(s);
    });
    equityChart.timeScale().fitContent();
    state.equityCurves = equitySeries.length;
    const rule = run.metrics.trading_rule || {};
    // The full rule is long; the title names its parameters and keeps the text as a tooltip.
    const what = run.kind === 'panel' ? 'portfolio of ' + (run.symbols || []).length + ' equal sleeves'
      : (run.symbols && run.symbols.length ? run.symbols[0] : '') + (run.panel_id != null ? ' in panel run ' + run.panel_id : '');
    $('equity-title').textContent = 'run ' + id + (run.model ? ' (' + run.model + ' ' + (run.model_version || '') + ')' : '')
      + (what ? ' · ' + what : '')
      + ': equity, start = 1' + (rule.horizon ? ' · trading ' + rule.horizon + ' medians, ' + rule.costs_bps + ' bp costs' : '');
    $('equity-title').title = rule.description || '';
  }

  // ---- wiring ----
  $('symbol').addEventListener('change', (e) => selectSymbol(e.target.value).catch(report));
  $('horizon').addEventListener('change', (e) => { state.horizon = e.target.value; writeAddress(); loadChart().catch(report); });
  $('window').addEventListener('change', (e) => { state.windowSec = Number(e.target.value); reload(); });
  $('version').addEventListener('change', (e) => pickVersion(e.target.value));
  $('end').addEventListener('change', (e) => {
    const ms = e.target.value ? Date.parse(e.target.value + 'Z') : NaN; // the field's time is UTC, as every time on the page
    setEnd(Number.isFinite(ms) ? ms : null);
    reload();
  });
  $('follow').addEventListener('click', () => { setEnd(null); reload(); });
  $('backtest-view').addEventListener('change', (e) => showBacktestPart(Number(e.target.value)).catch(report));

  async function boot() {
    try {
      if (!(await loadSymbols())) { setTimeout(boot, 2000); return; }
    } catch (e) { report(e); setTimeout(boot, 3000); return; }
    loadBacktests().catch(report);
    setInterval(() => {
      loadSymbols().catch(report);
      if (state.symbol) { refreshVersions().catch(report); }
    }, 10000);
    setInterval(() => loadErrors().catch(report), 15000);
    setInterval(() => loadBacktests().catch(report), 30000);
  }
  boot();
})();
