// TickerML dashboard page: renders the snapshot, then applies server-sent updates without reload.
(() => {
  const token = new URLSearchParams(location.search).get('token');
  const q = token ? `?token=${encodeURIComponent(token)}` : '';
  const $ = (id) => document.getElementById(id);
  const state = { equity: [], fills: [], startingBalance: '10000' };
  let chart;

  const fmtTime = (us) => new Date(us / 1000).toISOString().slice(11, 23);
  const num = (s) => Number.parseFloat(s);
  const cls = (v) => (v > 0 ? 'up' : v < 0 ? 'down' : '');
  const bp = (v) =>
    v === null || v === undefined ? '…' : `<span class="${cls(v)}">${esc(Number(v).toFixed(2))}</span>`;
  const esc = (s) =>
    String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
  const rows = (tbody, items, render) => {
    tbody.innerHTML = items.length ? items.map(render).join('') : `<tr><td colspan="12" class="label">none</td></tr>`;
  };

  function chartData() {
    const xs = state.equity.map((p) => p.tsUs / 1e6);
    return [xs, state.equity.map((p) => num(p.equity)), state.equity.map((p) => num(p.pnl))];
  }

  function drawChart() {
    const el = $('chart');
    const data = chartData();
    if (!chart) {
      chart = new uPlot(
        {
          width: Math.max(300, el.clientWidth - 4),
          height: 260,
          series: [
            {},
            { label: 'Equity', stroke: '#58a6ff', width: 2, scale: 'usd' },
            { label: 'P&L', stroke: '#3fb950', width: 1, scale: 'pnl' },
          ],
          axes: [
            { stroke: '#8a96a3' },
            { scale: 'usd', stroke: '#8a96a3', size: 70 },
            { scale: 'pnl', side: 1, stroke: '#8a96a3' },
          ],
        },
        data,
        el,
      );
      window.addEventListener('resize', () => chart.setSize({ width: Math.max(300, el.clientWidth - 4), height: 260 }));
    } else {
      chart.setData(data);
    }
    el.dataset.points = String(state.equity.length);
  }

  function renderKpis() {
    const last = state.equity[state.equity.length - 1];
    if (last) {
      $('kpi-equity').textContent = num(last.equity).toFixed(2);
      const pnl = num(last.pnl);
      $('kpi-pnl').textContent = (pnl >= 0 ? '+' : '') + pnl.toFixed(2);
      $('kpi-pnl').className = cls(pnl);
    }
    $('kpi-fills').textContent = String(state.fills.length);
  }

  function renderRisk(r) {
    $('kpi-drawdown').textContent = `${(r.drawdown * 100).toFixed(2)} %`;
    const halts = r.halts.length
      ? `<ul>${r.halts.map((h) => `<li class="warn">${esc(h.rule)} · ${esc(h.venue)}${h.symbol ? ` ${esc(h.symbol)}` : ''}: ${esc(h.detail)}</li>`).join('')}</ul>`
      : '<div>No circuit breaker tripped</div>';
    $('risk').innerHTML =
      `<div>Emergency stop: <span class="badge ${r.emergencyStop ? 'bad' : 'ok'}">${r.emergencyStop ? 'TRIPPED' : 'armed'}</span></div>` +
      halts +
      (r.lastDecision ? `<div class="label">Last decision: ${esc(r.lastDecision)}</div>` : '');
  }

  function renderFeeds(feeds) {
    rows(
      $('feeds').tBodies[0],
      feeds,
      (f) =>
        `<tr><td>${esc(f.venue)}</td><td><span class="badge ${f.connected ? 'ok' : 'bad'}">${f.connected ? 'connected' : 'down'}</span></td>` +
        `<td>${esc(f.frames)}</td><td class="${f.gaps ? 'warn' : ''}">${esc(f.gaps)}</td><td>${esc(f.resyncs)}</td><td>${esc(f.checksumMismatches)}</td><td>${f.lagMs === null ? '–' : esc(f.lagMs.toFixed(1))}</td></tr>`,
    );
  }

  function renderAlerts(a) {
    $('kpi-alerts').textContent = String(a.active.length);
    $('kpi-alerts').className = a.active.length ? 'down' : '';
    const all = a.active.concat(a.recent);
    const badge = (x) =>
      x.status === 'firing'
        ? `<span class="badge ${x.severity === 'critical' ? 'bad' : 'warn'}">${esc(x.severity)}</span>`
        : `<span class="badge ok">${esc(x.status)}</span>`;
    const when = (us) => new Date(us / 1000).toISOString().replace('T', ' ').slice(0, 19);
    rows(
      $('alerts').tBodies[0],
      all,
      (x) =>
        `<tr data-alert="${esc(x.key)}" data-status="${esc(x.status)}"><td>${badge(x)}</td><td>${esc(x.rule)}</td><td>${esc(x.summary)}</td>` +
        `<td>${when(x.startedAtUs)}</td><td>${x.endedAtUs === null ? '' : when(x.endedAtUs)}</td></tr>`,
    );
  }

  function renderFunding(fs) {
    rows(
      $('funding').tBodies[0],
      fs,
      (f) =>
        `<tr data-funding="${esc(f.venue)}:${esc(f.symbol)}"><td>${esc(f.venue)}</td><td>${esc(f.symbol)}</td>` +
        `<td class="${cls(num(f.rate))}">${(num(f.rate) * 100).toFixed(4)} %</td><td>${new Date(f.fundingTs / 1000).toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`,
    );
  }

  function renderNews(n) {
    const seen = (us) => new Date(us / 1000).toISOString().slice(11, 19);
    rows(
      $('news').tBodies[0],
      n.headlines.slice(0, 15),
      (h) =>
        `<tr data-headline="${esc(h.url)}"><td>${seen(h.localTs)}</td><td>${esc(h.source)}</td><td>${esc(h.title)}</td>` +
        `<td>${esc(h.assets.join(' '))}</td><td class="${cls(h.sentiment ?? 0)}">${h.sentiment === null ? (h.assets.length === 0 ? '–' : '…') : esc(h.sentiment.toFixed(2))}</td><td>${esc(h.scorer ?? '')}</td></tr>`,
    );
    $('news-sentiment').textContent = n.sentiment
      .map((s) => `${s.asset} ${s.sentiment >= 0 ? '+' : ''}${s.sentiment.toFixed(2)} (${s.count})`)
      .join(' · ');
  }

  function renderModel(m) {
    $('model-panel').hidden = false;
    $('model-page').href = `/model.html${q}`;
    const pct = (x) => `${(x * 100).toFixed(1)} %`;
    const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(3)} ms` : '–');
    $('model-label').textContent =
      `${m.version}${m.demo ? ' · DEMO model trained on minutes of data, not a trading model' : ''}`;
    $('model').innerHTML =
      `<table><tbody>` +
      `<tr><th>Decision</th><td data-testid="model-action">${esc(m.action)} → sent ${esc(m.sent)} at ${fmtTime(m.atUs)} (${esc(m.venue)} ${esc(m.symbol)})</td></tr>` +
      `<tr><th>P(sell / hold / buy)</th><td data-testid="model-probs">${m.actionProbs.map(pct).join(' / ')}</td></tr>` +
      `<tr><th>Size</th><td>${esc(m.size.toFixed(3))}</td></tr>` +
      `<tr><th>Risk bucket</th><td>${esc(m.riskBucket)} (${m.riskProbs.map(pct).join(' / ')})</td></tr>` +
      `<tr><th>Target vs realised return-to-go</th><td data-testid="model-rtg">${pct(m.targetReturnToGo)} left · ${pct(m.realisedReturn)} realised</td></tr>` +
      `<tr><th>Model</th><td>${esc(m.version)} (${esc(m.quantisation)}), as of ${new Date(m.asOfUs / 1000).toISOString().slice(0, 16).replace('T', ' ')}</td></tr>` +
      `<tr><th>Inference</th><td data-testid="model-latency">${ms(m.inferenceMs)} · p50 ${ms(m.inferenceP50Ms)} · p99 ${ms(m.inferenceP99Ms)}</td></tr>` +
      (m.lastError ? `<tr><th>Refused file</th><td class="down">${esc(m.lastError)}</td></tr>` : '') +
      `</tbody></table>`;
  }

  function renderStats(st) {
    $('kpi-maxdd').textContent = `${(st.maxDrawdown * 100).toFixed(2)} %`;
    const d = num(st.dailyPnl);
    $('kpi-daily').textContent = (d >= 0 ? '+' : '') + d.toFixed(2);
    $('kpi-daily').className = cls(d);
    $('kpi-sharpe').textContent = st.sharpeRatio === null ? '–' : st.sharpeRatio.toFixed(2);
  }

  function renderPositions(ps) {
    rows(
      $('positions').tBodies[0],
      ps,
      (p) =>
        `<tr><td>${esc(p.venue)}</td><td>${esc(p.symbol)}</td><td>${esc(p.qty)}</td><td>${esc(p.avgPrice)}</td>` +
        `<td class="${cls(num(p.unrealizedPnl))}">${esc(p.unrealizedPnl)}</td><td class="${cls(num(p.realizedPnl))}">${esc(p.realizedPnl)}</td></tr>`,
    );
  }

  function renderOrders(os) {
    rows(
      $('orders').tBodies[0],
      os,
      (o) =>
        `<tr><td>${esc(o.venue)}</td><td>${esc(o.symbol)}</td><td class="${o.side === 'buy' ? 'up' : 'down'}">${esc(o.side)}</td><td>${esc(o.type)}</td>` +
        `<td>${esc(o.price)}</td><td>${esc(o.qty)}</td><td>${esc(o.filledQty)}</td><td>${esc(o.status)}</td></tr>`,
    );
  }

  function renderFills() {
    const recent = state.fills.slice(-50).reverse();
    rows(
      $('fills').tBodies[0],
      recent,
      (f) =>
        `<tr data-fill="${esc(f.id)}"><td>${fmtTime(f.tsUs)}</td><td>${esc(f.venue)}</td><td>${esc(f.symbol)}</td><td class="${f.side === 'buy' ? 'up' : 'down'}">${esc(f.side)}</td>` +
        `<td>${esc(f.price)}</td><td>${esc(f.qty)}</td><td>${esc(f.fee)}</td><td>${esc(f.liquidity)}</td>` +
        `<td>${bp(f.markoutsBps[0])}</td><td>${bp(f.markoutsBps[1])}</td><td>${bp(f.markoutsBps[2])}</td>` +
        `<td>${f.toxic ? '<span class="badge bad">toxic</span>' : ''}</td></tr>`,
    );
  }

  function apply(u, replace) {
    if (u.title) {
      document.title = u.title;
      $('title').textContent = u.title;
    }
    if (u.equity) state.equity = replace ? u.equity.slice() : state.equity.concat(u.equity);
    if (u.fills) {
      if (replace) state.fills = u.fills.slice();
      else
        for (const f of u.fills) {
          const i = state.fills.findIndex((x) => x.id === f.id);
          if (i >= 0) state.fills[i] = f;
          else state.fills.push(f);
        }
      renderFills();
    }
    if (u.equity) drawChart();
    if (u.risk) renderRisk(u.risk);
    if (u.feeds) renderFeeds(u.feeds);
    if (u.alerts) renderAlerts(u.alerts);
    if (u.funding) renderFunding(u.funding);
    if (u.stats) renderStats(u.stats);
    if (u.news) renderNews(u.news);
    if (u.model) renderModel(u.model);
    if (u.positions) renderPositions(u.positions);
    if (u.openOrders) renderOrders(u.openOrders);
    renderKpis();
  }

  const es = new EventSource(`/events${q}`);
  es.addEventListener('snapshot', (e) => {
    apply(JSON.parse(e.data), true);
    $('kpi-stream').textContent = 'live';
  });
  es.addEventListener('update', (e) => apply(JSON.parse(e.data), false));
  es.onerror = () => {
    $('kpi-stream').textContent = 'reconnecting';
  };
})();
