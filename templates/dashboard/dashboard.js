// The workbench page: signs in, then calls the JSON API with the bearer token. Every number
// shown is the API's own (its 万元 strings, its counts); the script only lays them out and
// draws SVG charts from them. What a role may see is decided by the API: a 403 is shown as such.
'use strict';

(function () {
  const API = '/api/v1';
  const CSV = 'text/csv';
  const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
  const SVG = 'http://www.w3.org/2000/svg';
  const TOKEN_KEY = 'techmarket.dashboard.token';
  const REF = JSON.parse(document.getElementById('reference').textContent);

  const ROLES = {
    researcher: '科研人员', enterprise: '企业', tech_manager: '技术经理人',
    institution_admin: '科研单位管理员', provider: '服务平台', registrar: '登记机构',
    statistician: '统计人员', platform_admin: '平台管理员',
  };
  const STATUSES = {
    submitted: '已提交', accepted: '已受理', correction_requested: '待补正',
    expert_review: '专家评审', registered: '已登记', refused: '不予登记',
    cancelled: '已注销', revoked: '已撤销',
  };
  const DIM_NAMES = {
    type: '合同类型', field: '技术领域', seller_province: '卖方省份', buyer_province: '买方省份', flow: '技术流向',
  };
  const FLOWS = {
    within_chongqing: '重庆市内', chongqing_sichuan: '川渝之间',
    rest_of_china: '国内其他省份', abroad: '境外',
  };
  const GRANT_KINDS = { ownership_share: '所有权共有', usage_right: '长期使用权' };
  const PARAMS = { as_of: '数据截至', from: '起始日期', to: '截止日期', q: '关键词' };
  // Roles the API documents for each tab; the API still has the last word (403 is shown).
  const STATS_ROLES = ['statistician', 'registrar', 'platform_admin'];
  const GRANT_ROLES = ['statistician', 'registrar', 'platform_admin', 'institution_admin', 'researcher'];

  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  let me = null;
  const loaded = new Set(); // the tabs loaded since signing in

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== null && v !== undefined && v !== false) node.setAttribute(k, v === true ? '' : v);
    }
    node.append(...children.filter((c) => c !== null && c !== undefined));
    return node;
  }

  function svg(tag, attrs, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function show(node, on) { node.hidden = !on; }

  function say(node, text) {
    node.textContent = text || '';
    show(node, Boolean(text));
  }

  // ---- the API -------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
      this.detail = detail;
    }
  }

  async function problemOf(resp) {
    let detail = '';
    if ((resp.headers.get('content-type') || '').includes('json')) {
      try {
        const p = await resp.json();
        detail = p.detail || p.title || '';
        if (Array.isArray(p.errors) && p.errors.length) {
          detail += '：' + p.errors.map((e) => (PARAMS[e.field] || e.field) + ' ' + e.message).join('；');
        }
      } catch (_) { /* a body that is not JSON leaves the status to speak */ }
    }
    return new ApiError(resp.status, detail);
  }

  async function api(path, options) {
    const opts = options || {};
    const headers = Object.assign({}, opts.headers);
    if (token) headers.Authorization = 'Bearer ' + token;
    let resp;
    try {
      resp = await fetch(API + path, { method: opts.method || 'GET', headers, body: opts.body });
    } catch (e) {
      throw new ApiError(0, '无法连接服务，请检查网络后重试。');
    }
    if (!resp.ok) {
      const err = await problemOf(resp);
      if (resp.status === 401 && !opts.signingIn) signOut('登录已失效，请重新登录。');
      throw err;
    }
    return resp;
  }

  const getJson = async (path) => (await api(path)).json();

  function explain(err) {
    if (!(err instanceof ApiError)) return '页面出错：' + err.message;
    if (err.status === 0) return err.detail;
    if (err.status === 403) {
      return '抱歉，您的账号无权查看这部分内容' + (err.detail ? '（' + err.detail + '）' : '') +
        '。如需访问，请联系平台管理员。';
    }
    return '请求未成功（HTTP ' + err.status + '）：' + (err.detail || '服务未说明原因') + '。';
  }

  // ---- numbers, exactly as the API gave them --------------------------------------------

  // Fen to 元 with thousands separators, by integer arithmetic (no float rounding).
  function yuan(fen) {
    if (!Number.isSafeInteger(fen)) return '';
    const sign = fen < 0 ? '-' : '';
    const abs = Math.abs(fen);
    const whole = String(Math.floor(abs / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
    return sign + whole + '.' + String(abs % 100).padStart(2, '0') + ' 元';
  }

  // For the charts' geometry only; labels show the API's strings.
  const wan = (fen) => fen / 1e6;

  const CHINA_TIME = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false,
  });

  function nameOf(dim, key) {
    if (key === '') return '（无）';
    const table = {
      type: REF.types, field: REF.fields, flow: FLOWS,
      seller_province: Object.assign({}, REF.countries, REF.provinces),
      buyer_province: Object.assign({}, REF.countries, REF.provinces),
    }[dim];
    return (table && table[key]) || key;
  }

  // ---- signing in and out --------------------------------------------------------------

  function signOut(message) {
    token = null;
    me = null;
    sessionStorage.removeItem(TOKEN_KEY);
    // Nothing of the last account stays on the page for the next one.
    loaded.clear();
    for (const id of ['queue-table', 'grants-table', 'grants-totals', 'chart-trend', 'table-trend']) $(id).replaceChildren();
    show($('workbench'), false);
    show($('who'), false);
    show($('sign-in-panel'), true);
    say($('sign-in-error'), message);
  }

  async function signIn(event) {
    event.preventDefault();
    say($('sign-in-error'), '');
    $('sign-in-button').disabled = true;
    try {
      const resp = await api('/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: $('email').value.trim(), password: $('password').value }),
        signingIn: true,
      });
      token = (await resp.json()).access_token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $('password').value = '';
      await start();
    } catch (err) {
      say($('sign-in-error'), err.status === 401 ? '邮箱或密码不正确。' : explain(err));
    } finally {
      $('sign-in-button').disabled = false;
    }
  }

  async function start() {
    try {
      me = await getJson('/me');
    } catch (err) {
      if (err.status !== 401) signOut(explain(err));
      return;
    }
    $('who-name').textContent = me.display_name + '（' + me.email + '）';
    $('who-role').textContent = ROLES[me.role] || me.role;
    show($('who'), true);
    show($('sign-in-panel'), false);
    show($('workbench'), true);
    if (me.must_change_password) {
      $('tabs').replaceChildren();
      say($('notice'), '您的账号需要先修改密码（POST /api/v1/me/password），修改后再登录即可使用工作台。');
      return;
    }
    say($('notice'), '');
    const tabs = [];
    if (STATS_ROLES.includes(me.role)) tabs.push(['stats', '合同统计', loadStats]);
    const queueName = ['registrar', 'platform_admin'].includes(me.role) ? '登记队列' : '技术合同';
    tabs.push(['queue', queueName, () => loadQueue(false)]);
    if (GRANT_ROLES.includes(me.role)) tabs.push(['grants', '赋权台账', loadGrants]);
    $('tabs').replaceChildren(...tabs.map(([id, label, load]) => {
      const b = el('button', { type: 'button', role: 'tab', 'data-tab': id, id: 'tab-button-' + id }, label);
      b.addEventListener('click', () => openTab(id, load));
      return b;
    }));
    openTab(tabs[0][0], tabs[0][2]);
  }

  function openTab(id, load) {
    for (const b of $('tabs').children) b.setAttribute('aria-selected', String(b.dataset.tab === id));
    for (const s of document.querySelectorAll('.tab')) show(s, s.id === 'tab-' + id);
    if (!loaded.has(id)) {
      loaded.add(id);
      load();
    }
  }

  // ---- statistics ----------------------------------------------------------------------

  const FILTERS = ['from', 'to', 'date_basis', 'field', 'type', 'flow', 'seller_province'];
  const CUTS = [
    { id: 'type', title: '按合同类型' },
    { id: 'field', title: '按技术领域' },
    { id: 'region', title: '按地区（省份）', choices: { seller_province: '卖方', buyer_province: '买方' } },
    { id: 'flow', title: '按技术流向' },
  ];

  function statsQuery() {
    const p = new URLSearchParams();
    for (const name of FILTERS) {
      const v = $('f-' + name).value.trim();
      if (v) p.set(name, v);
    }
    const asOf = $('f-as-of').value.trim();
    if (asOf) p.set('as_of', asOf);
    return p;
  }

  function cutDim(cut) {
    return cut.choices ? $('cut-dim-' + cut.id).value : cut.id;
  }

  const withParams = (base, extra) => {
    const p = new URLSearchParams(base);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    return '/stats/contracts?' + p;
  };

  let statsRun = 0;
  let shown = new URLSearchParams(); // the query the figures on the page answer
  async function loadStats() {
    const run = ++statsRun;
    const tab = $('tab-stats');
    const base = statsQuery();
    tab.dataset.state = 'loading';
    say($('stats-error'), '');
    const headline = base.has('from') && base.has('to') ? { compare: 'year_earlier' } : {};
    try {
      const [totals, trend, ...cuts] = await Promise.all([
        getJson(withParams(base, headline)),
        getJson(withParams(base, { by: 'period', granularity: $('f-granularity').value })),
        ...CUTS.map((c) => getJson(withParams(base, { by: cutDim(c) }))),
      ]);
      if (run !== statsRun) return; // a newer query has been asked meanwhile
      shown = base;
      renderTotals(totals);
      renderTrend(trend);
      CUTS.forEach((c, i) => renderCut(c, cutDim(c), cuts[i]));
      tab.dataset.query = base.toString();
      tab.dataset.state = 'ready';
    } catch (err) {
      if (run !== statsRun) return;
      say($('stats-error'), explain(err));
      clearStats();
      tab.dataset.state = 'error';
    }
  }

  // After a failed query no figure of an earlier one may pass for its answer.
  function clearStats() {
    for (const id of ['total-contract-amount', 'total-technology-amount', 'total-count', 'as-of-answered']) {
      $(id).textContent = '—';
    }
    for (const id of ['total-contract-yuan', 'total-technology-yuan', 'total-growth', 'total-target', 'as-of-local']) {
      $(id).textContent = '';
    }
    for (const id of ['chart-trend', 'table-trend', ...CUTS.flatMap((c) => ['chart-' + c.id, 'table-' + c.id])]) {
      $(id).replaceChildren();
    }
  }

  function renderTotals(report) {
    const t = report.totals;
    $('total-contract-amount').textContent = t.contract_amount_wan;
    $('total-technology-amount').textContent = t.technology_amount_wan;
    $('total-count').textContent = String(t.count);
    $('total-contract-yuan').textContent = yuan(t.contract_amount_fen);
    $('total-technology-yuan').textContent = yuan(t.technology_amount_fen);
    const ye = t.year_earlier;
    $('total-growth').textContent = !ye ? '' : ye.growth_percent === null
      ? '上年同期为 0，无同比'
      : '同比 ' + (ye.growth_percent >= 0 ? '+' : '') + ye.growth_percent + '%（上年同期 ' + ye.contract_amount_wan + ' 万元）';
    $('total-target').textContent = t.target
      ? t.target.year + ' 年目标 ' + t.target.contract_amount_wan + ' 万元，已完成 ' + t.target.progress_percent + '%'
      : '';
    $('as-of-answered').textContent = report.as_of || '最新（截至此刻登记的全部变更）';
    $('as-of-local').textContent = report.as_of
      ? '北京时间 ' + CHINA_TIME.format(new Date(report.as_of)) : '';
  }

  function table(head, rows) {
    return el('table', {},
      el('thead', {}, el('tr', {}, ...head.map((h) => el('th', {}, h)))),
      el('tbody', {}, ...rows));
  }

  function cell(text, attrs) { return el('td', attrs, text); }

  function renderTrend(report) {
    const items = report.items;
    $('chart-trend').replaceChildren(items.length ? trendChart(items) : el('p', { class: 'muted' }, '没有数据'));
    $('table-trend').replaceChildren(table(['期间', '笔数', '成交额（万元）', '技术交易额（万元）'],
      items.map((i) => el('tr', { 'data-testid': 'trend-row' },
        cell(i.period), cell(String(i.count), { class: 'num' }),
        cell(i.contract_amount_wan, { class: 'num', 'data-testid': 'trend-' + i.period + '-amount' }),
        cell(i.technology_amount_wan, { class: 'num' })))));
    const dl = $('downloads-trend');
    dl.replaceChildren(...downloadButtons('trend', () =>
      withParams(shown, { by: 'period', granularity: $('f-granularity').value }), 'period'));
  }

  // Grouped bars: 成交额 and 技术交易额 per period, zero line included (a period can be negative).
  // An axis step of 1, 2 or 5 times a power of ten, about a quarter of the span.
  function niceStep(span) {
    const raw = span / 4 || 1;
    const power = 10 ** Math.floor(Math.log10(raw));
    return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
  }

  function trendChart(items) {
    const W = 960, H = 260, left = 64, right = 12, top = 22, bottom = 46;
    const values = items.flatMap((i) => [wan(i.contract_amount_fen), wan(i.technology_amount_fen)]);
    const step = niceStep(Math.max(0, ...values) - Math.min(0, ...values));
    const hi = Math.ceil(Math.max(0, ...values) / step) * step || step;
    const lo = Math.floor(Math.min(0, ...values) / step) * step;
    const y = (v) => top + (hi - v) / (hi - lo) * (H - top - bottom);
    const slot = (W - left - right) / items.length;
    const bar = Math.max(2, Math.min(28, slot * 0.38));
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': '成交额与技术交易额趋势' });
    for (let v = lo; v <= hi + step / 2; v += step) {
      root.append(svg('line', { x1: left, x2: W - right, y1: y(v), y2: y(v), class: 'gridline' }));
      root.append(svg('text', { x: left - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, String(+v.toPrecision(6))));
    }
    const every = Math.ceil(items.length / 16); // keep the period labels legible
    items.forEach((i, n) => {
      const x = left + n * slot + slot / 2;
      [[i.contract_amount_fen, i.contract_amount_wan, 'bar-a', -bar], [i.technology_amount_fen, i.technology_amount_wan, 'bar-b', 0]]
        .forEach(([fen, label, cls, dx]) => {
          const v = wan(fen);
          const r = svg('rect', { x: x + dx, y: Math.min(y(v), y(0)), width: bar, height: Math.abs(y(v) - y(0)) || 1, class: cls });
          r.append(svg('title', {}, `${i.period} ${cls === 'bar-a' ? '成交额' : '技术交易额'} ${label} 万元`));
          root.append(r);
        });
      // With few periods there is room to print each 成交额 above its bar.
      if (items.length <= 12) {
        root.append(svg('text', { x: x - bar / 2, y: Math.min(y(wan(i.contract_amount_fen)), y(0)) - 5, class: 'value', 'text-anchor': 'middle' }, i.contract_amount_wan));
      }
      if (n % every === 0) root.append(svg('text', { x, y: H - bottom + 16, class: 'axis', 'text-anchor': 'middle' }, i.period));
    });
    root.append(svg('rect', { x: left, y: H - 16, width: 10, height: 10, class: 'bar-a' }));
    root.append(svg('text', { x: left + 14, y: H - 7, class: 'axis' }, '成交额（万元）'));
    root.append(svg('rect', { x: left + 120, y: H - 16, width: 10, height: 10, class: 'bar-b' }));
    root.append(svg('text', { x: left + 134, y: H - 7, class: 'axis' }, '技术交易额（万元）'));
    return root;
  }

  // Horizontal bars, one a line, labelled with the API's 万元 and share.
  function barChart(dim, items) {
    const W = 460, row = 26, left = 150, right = 140;
    const H = items.length * row + 8;
    const values = items.map((i) => wan(i.contract_amount_fen));
    const hi = Math.max(0, ...values), lo = Math.min(0, ...values);
    const span = hi - lo || 1;
    const x = (v) => left + (v - lo) / span * (W - left - right);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img' });
    items.forEach((i, n) => {
      const v = values[n], yy = 4 + n * row;
      const name = nameOf(dim, i[dim]);
      root.append(svg('text', { x: left - 6, y: yy + 16, class: 'axis', 'text-anchor': 'end' },
        name.length > 11 ? name.slice(0, 10) + '…' : name));
      const r = svg('rect', { x: Math.min(x(v), x(0)), y: yy + 3, width: Math.max(1, Math.abs(x(v) - x(0))), height: row - 8, class: 'bar-a' });
      r.append(svg('title', {}, `${name} ${i.contract_amount_wan} 万元，${i.count} 笔`));
      root.append(r);
      root.append(svg('text', { x: W - right + 6, y: yy + 16, class: 'value' },
        `${i.contract_amount_wan}${i.share_percent === null ? '' : ' · ' + i.share_percent + '%'}`));
    });
    return root;
  }

  function buildCuts() {
    $('cuts').replaceChildren(...CUTS.map((c) => {
      const head = el('div', { class: 'card-head' }, el('h3', {}, c.title));
      if (c.choices) {
        const sel = el('select', { id: 'cut-dim-' + c.id },
          ...Object.entries(c.choices).map(([v, label]) => el('option', { value: v }, label)));
        sel.addEventListener('change', loadStats);
        head.append(sel);
      }
      head.append(el('span', { class: 'downloads', id: 'downloads-' + c.id }));
      return el('div', { class: 'card', id: 'cut-' + c.id, 'data-testid': 'cut-' + c.id },
        head, el('div', { class: 'chart', id: 'chart-' + c.id }), el('div', { id: 'table-' + c.id }));
    }));
  }

  function renderCut(cut, dim, report) {
    const items = report.items;
    $('chart-' + cut.id).replaceChildren(items.length ? barChart(dim, items) : el('p', { class: 'muted' }, '没有数据'));
    $('table-' + cut.id).replaceChildren(table([DIM_NAMES[dim], '笔数', '成交额（万元）', '技术交易额（万元）', '占比'],
      items.map((i) => {
        const key = i[dim];
        const id = 'cut-' + cut.id + '-' + (key === '' ? 'none' : key);
        return el('tr', { 'data-testid': id, 'data-key': key },
          cell(nameOf(dim, key)),
          cell(String(i.count), { class: 'num', 'data-testid': id + '-count' }),
          cell(i.contract_amount_wan, { class: 'num', 'data-testid': id + '-amount' }),
          cell(i.technology_amount_wan, { class: 'num', 'data-testid': id + '-technology' }),
          cell(i.share_percent === null ? '—' : i.share_percent + '%', { class: 'num' }));
      })));
    $('downloads-' + cut.id).replaceChildren(...downloadButtons(cut.id, () => withParams(shown, { by: cutDim(cut) }), dim));
  }

  function downloadButtons(id, pathOf, by) {
    return [['csv', CSV, 'CSV'], ['xlsx', XLSX, 'Excel']].map(([ext, accept, label]) => {
      const b = el('button', { type: 'button', class: 'secondary small', 'data-testid': `download-${ext}-${id}` }, label);
      b.addEventListener('click', () => download(pathOf(), accept, `contract-stats-${by}.${ext}`, false));
      return b;
    });
  }

  // A link cannot send the bearer token: fetch the file, then hand the browser a blob to save.
  async function download(path, accept, name, serverName, errorId = 'stats-error') {
    say($('notice'), '');
    try {
      const resp = await api(path, { headers: { Accept: accept } });
      const disposition = resp.headers.get('content-disposition') || '';
      const given = /filename="([^"]+)"/.exec(disposition);
      const file = serverName && given ? given[1] : name;
      const url = URL.createObjectURL(await resp.blob());
      const a = el('a', { href: url, download: file, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      say($('notice'), '已下载 ' + file);
    } catch (err) {
      say($(errorId), explain(err));
    }
  }

  function fillSelect(id, entries) {
    $(id).append(...entries.map(([v, label]) => el('option', { value: v }, label)));
  }

  function setUpStats() {
    const thisYear = Number(CHINA_TIME.format(new Date()).slice(0, 4));
    const years = Array.from({ length: 16 }, (_, k) => thisYear - k);
    fillSelect('f-year', years.map((y) => [y, y + ' 年']));
    fillSelect('annual-year', years.map((y) => [y, y + ' 年']));
    fillSelect('f-field', Object.entries(REF.fields));
    fillSelect('f-type', Object.entries(REF.types));
    fillSelect('f-flow', Object.entries(FLOWS));
    fillSelect('f-seller_province', Object.entries(REF.provinces));
    $('f-year').addEventListener('change', () => {
      const y = $('f-year').value;
      $('f-from').value = y ? y + '-01-01' : '';
      $('f-to').value = y ? y + '-12-31' : '';
    });
    $('filters').addEventListener('submit', (e) => { e.preventDefault(); loadStats(); });
    $('reset-filters').addEventListener('click', () => { $('filters').reset(); loadStats(); });
    $('f-granularity').addEventListener('change', loadStats);
    $('download-annual').addEventListener('click', () => {
      const p = new URLSearchParams({ year: $('annual-year').value });
      const s = shown;
      for (const k of ['as_of', 'date_basis']) if (s.has(k)) p.set(k, s.get(k));
      download('/stats/contracts/annual-report?' + p, XLSX, `contract-stats-${$('annual-year').value}.xlsx`, true);
    });
    buildCuts();
  }

  // ---- the registrar's queue -----------------------------------------------------------

  let queueCursor = null;
  function queueQuery() {
    const p = new URLSearchParams({ limit: '50' });
    for (const name of ['state', 'q', 'registration_number']) {
      const v = $('q-' + name).value.trim();
      if (v) p.set(name, v);
    }
    return p;
  }

  async function loadQueue(more) {
    say($('queue-error'), '');
    const p = queueQuery();
    if (more && queueCursor) p.set('cursor', queueCursor);
    try {
      const page = await getJson('/contracts?' + p);
      queueCursor = page.next_cursor;
      show($('queue-more'), Boolean(queueCursor));
      const rows = page.items.map(queueRow);
      const body = more && $('queue-table').querySelector('tbody');
      if (body) {
        body.append(...rows);
      } else {
        $('queue-table').replaceChildren(rows.length
          ? table(['登记编号', '合同名称', '卖方', '买方', '成交额', '状态', '受理日期', '办结期限'], rows)
          : el('p', { class: 'muted' }, '没有符合条件的合同。'));
      }
    } catch (err) {
      say($('queue-error'), explain(err));
    }
  }

  function queueRow(c) {
    // The amounts and parties in force: the latest amendment's, if any.
    const now = c.amendments.length ? c.amendments[c.amendments.length - 1] : c.content;
    const due = c.due_on ? el('span', { class: c.overdue ? 'overdue' : '' }, c.due_on + (c.overdue ? '（已超期）' : '')) : '—';
    return el('tr', { 'data-testid': 'queue-row', 'data-id': c.id, class: c.overdue ? 'late' : '' },
      cell(c.registration_number || '—'), cell(c.content.title), cell(now.seller.name), cell(now.buyer.name),
      cell(yuan(now.contract_amount_fen), { class: 'num' }), cell(STATUSES[c.status] || c.status),
      cell(c.accepted_on || '—'), el('td', {}, due));
  }

  function setUpQueue() {
    fillSelect('q-state', Object.entries(STATUSES));
    $('queue-filters').addEventListener('submit', (e) => { e.preventDefault(); loadQueue(false); });
    $('queue-more').addEventListener('click', () => loadQueue(true));
    // The whole list as the filters find it, not just the pages shown.
    $('queue-download').addEventListener('click', () => {
      const p = queueQuery();
      p.delete('limit');
      download('/contracts?' + p, XLSX, 'contracts.xlsx', true, 'queue-error');
    });
  }

  // ---- the grant register --------------------------------------------------------------

  async function loadGrants() {
    say($('grants-error'), '');
    const p = new URLSearchParams({ report: 'cap_table' });
    if ($('g-on').value) p.set('on', $('g-on').value);
    try {
      const report = await getJson('/stats/ownership-grants?' + p);
      $('grants-totals').textContent = `${report.on} 有效的赋权 ${report.totals.grants} 项，持有记录 ${report.totals.holdings} 条`;
      $('grants-table').replaceChildren(report.items.length
        ? table(['成果', '赋权方式', '期限', '持有人', '权利', '所有权比例', '收益比例'], report.items.map((h) =>
          el('tr', { 'data-testid': 'grant-row' },
            cell(h.listing_title), cell(GRANT_KINDS[h.kind] || h.kind),
            cell(h.term_start + ' 至 ' + (h.term_end || '长期')),
            cell(h.holder_name + (h.holder_type === 'institution' ? '（单位）' : '')),
            cell(h.right === 'ownership' ? '所有权' : '使用权'),
            cell(h.ownership_percent + '%', { class: 'num' }), cell(h.income_percent + '%', { class: 'num' }))))
        : el('p', { class: 'muted' }, '该日期没有有效的赋权。'));
    } catch (err) {
      $('grants-totals').textContent = '';
      $('grants-table').replaceChildren();
      say($('grants-error'), explain(err));
    }
  }

  // ---- start -----------------------------------------------------------------------------

  setUpStats();
  setUpQueue();
  $('grant-filters').addEventListener('submit', (e) => { e.preventDefault(); loadGrants(); });
  $('sign-in').addEventListener('submit', signIn);
  $('sign-out').addEventListener('click', () => signOut(''));
  if (token) start(); else signOut('');
}());
