// The analyst dashboard: price candles with the forecast median and 10/90% quantiles of one horizon, live updates
// over server-sent events, the latest forecast, forecast error and calibration, and backtest equity curves.
// Plain browser JavaScript on the service's JSON API; the chart library is lightweight-charts (global LightweightCharts).
(function () {
  'use strict';
  const LC = window.LightweightCharts;
  const $ = (id) => document.getElementById(id);

  // What the page shows, also read by the browser test.
  const state = window.dashboard = {
    symbol: null, horizon: null, windowSec: 3600, bucketSec: 60,
    candles: 0, forecastPoints: 0, liveUpdates: 0, lastPrice: null, lastLiveTs: null,
    loads: 0, errors: [], backtestRun: null, equityCurves: 0
  };
  let lastCandle = null;
  let lastForecastTime = 0;
  let events = null;
  let loadSeq = 0;

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
    if (!state.symbol) { await selectSymbol(sel.value); }
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
    renderLatest(latest);
    openEvents();
    await loadChart();
    loadErrors().catch(report);
  }

  // ---- price chart ----
  async function loadChart() {
    const mine = ++loadSeq;
    const symbol = state.symbol;
    const [bucket, bucketSec] = bucketFor(state.windowSec);
    const summary = (await getJson('/api/symbols')).find((s) => s.symbol === symbol) || {};
    const end = Math.max(summary.last_tick || 0, summary.last_forecast || 0) + 1;
    const from = end - state.windowSec * 1000;
    const q = 'symbol=' + encodeURIComponent(symbol) + '&from=' + from + '&to=' + end + '&bucket=' + bucket;
    const [ticks, forecasts] = await Promise.all([
      getJson('/api/ticks?' + q),
      state.horizon ? getJson('/api/forecasts?' + q + '&horizon=' + encodeURIComponent(state.horizon)) : { forecasts: [] }
    ]);
    if (mine !== loadSeq) { return; } // a newer load (symbol switch) started meanwhile
    state.bucketSec = bucketSec; // before targetSec below
    const candles = ticks.candles.map((c) => ({ time: sec(c.ts), open: c.open, high: c.high, low: c.low, close: c.close }));
    candleSeries.setData(candles);
    lastCandle = candles.length ? Object.assign({}, candles[candles.length - 1]) : null;
    const pts = forecasts.forecasts.map((f) => ({ t: targetSec(f), f }));
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
      + (forecasts.model_version ? ' · model ' + forecasts.model_version : '');
    $('status').textContent = summary.last_tick ? 'data up to ' + fmtTime(summary.last_tick) : '';
  }

  // ---- live updates ----
  function openEvents() {
    if (events) { events.close(); }
    const symbol = state.symbol;
    events = new EventSource('/api/stream?symbol=' + encodeURIComponent(symbol));
    events.addEventListener('ready', () => setLive(true));
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
    if (f.horizon !== state.horizon) { return; } // one event per tick drives the candles
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
    if (ft >= lastForecastTime) {
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
    if (rows.length) { $('latest-time').textContent = 'at ' + fmtTime(rows[0].ts); }
  }

  // ---- error and calibration ----
  async function loadErrors() {
    if (!state.symbol) { return; }
    const summary = (await getJson('/api/symbols')).find((s) => s.symbol === state.symbol) || {};
    const end = (summary.last_tick || summary.last_forecast || Date.now()) + 1;
    const e = await getJson('/api/errors?symbol=' + encodeURIComponent(state.symbol) + '&from=' + (end - state.windowSec * 1000) + '&to=' + end);
    const tb = $('errors').querySelector('tbody');
    tb.innerHTML = '';
    for (const h of e.horizons) {
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
      [r.id, fmtTime(r.created_at).slice(0, 16), r.mode || '',
        m.cumulative_return != null ? signedPct(m.cumulative_return) : '', bh.cumulative_return != null ? signedPct(bh.cumulative_return) : '']
        .forEach((c) => { tr.insertCell().textContent = c; });
      tr.addEventListener('click', () => showBacktest(r.id).catch(report));
    }
    if (runs.length && state.backtestRun == null) { await showBacktest(runs[0].id); }
    document.querySelectorAll('#backtests tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === String(state.backtestRun)));
    if (!runs.length) { $('equity-title').textContent = 'no backtest runs stored yet (./mamba-ts backtest --jdbc-url ...)'; }
  }

  async function showBacktest(id) {
    const run = await getJson('/api/backtests/' + id);
    state.backtestRun = id;
    document.querySelectorAll('#backtests tbody tr').forEach((tr) => tr.classList.toggle('selected', tr.dataset.id === String(id)));
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
    $('equity-title').textContent = 'run ' + id + (run.model ? ' (' + run.model + ' ' + (run.model_version || '') + ')' : '')
      + ': equity, start = 1' + (rule.horizon ? ' · trading ' + rule.horizon + ' medians, ' + rule.costs_bps + ' bp costs' : '');
    $('equity-title').title = rule.description || '';
  }

  // ---- wiring ----
  $('symbol').addEventListener('change', (e) => selectSymbol(e.target.value).catch(report));
  $('horizon').addEventListener('change', (e) => { state.horizon = e.target.value; loadChart().catch(report); });
  $('window').addEventListener('change', (e) => {
    state.windowSec = Number(e.target.value);
    loadChart().catch(report);
    loadErrors().catch(report);
  });

  async function boot() {
    try {
      if (!(await loadSymbols())) { setTimeout(boot, 2000); return; }
    } catch (e) { report(e); setTimeout(boot, 3000); return; }
    loadBacktests().catch(report);
    setInterval(() => loadSymbols().catch(report), 10000);
    setInterval(() => loadErrors().catch(report), 15000);
    setInterval(() => loadBacktests().catch(report), 30000);
  }
  boot();
})();
