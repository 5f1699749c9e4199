// doxwatch web UI: triage queue, alert pages, search, subjects, cases. No framework, no build
// step: the server embeds this file. Every value from the API goes into the page as text
// (textContent), never as HTML. The session is an HttpOnly cookie; state-changing requests
// carry the CSRF token the session returned.

const I18N = {
  zh: {
    'nav.queue': '队列', 'nav.search': '搜索', 'nav.subjects': '当事人', 'nav.cases': '案件',
    'nav.selfcheck': '泄露自查', logout: '退出', loading: '加载中…', lang: 'English',
    'login.title': '登录', 'login.token': 'API 令牌', 'login.submit': '登录',
    'login.hint': '令牌由管理员用 doxwatch token create 创建。',
    'login.failed': '令牌无效或已吊销。',
    'queue.title': '告警队列', 'queue.live': '实时更新中', 'queue.offline': '实时连接已断开，正在重连…',
    'col.time': '时间', 'col.severity': '严重度', 'col.verdict': '判定', 'col.platform': '平台',
    'col.kinds': '类型', 'col.post': '内容（已脱敏）',
    'f.verdict': '判定', 'f.severity': '最低严重度', 'f.platform': '平台', 'f.any': '全部', 'f.apply': '筛选',
    'f.text': '关键词', 'f.phone': '手机号', 'f.id_card': '身份证号', 'f.bank_card': '银行卡号',
    'f.handle': '卖家联系方式', 'f.sort': '排序', 'search.submit': '搜索',
    'search.note': '号码只在请求正文中发送、以密钥哈希比对，不会出现在网址或日志里；每次搜索都记入审计日志。',
    'search.none': '没有匹配的告警。', total: '共 {n} 条',
    'alert.title': '告警', 'alert.post': '帖子（已脱敏，发现处高亮）', 'alert.reasons': '判定理由',
    'alert.findings': '发现', 'alert.subjects': '当事人', 'alert.evidence': '查看原文',
    'alert.reason': '查看原因（记入审计日志）', 'alert.original': '原文', 'alert.noevidence': '无原文证据',
    'subjects.title': '当事人', 'subject.title': '当事人 {id}', 'subject.ids': '身份信息（脱敏）',
    'subject.alerts': '相关告警', 'subject.open': '立案',
    'cases.title': '案件', 'case.title': '案件 {id}', 'case.state': '状态', 'case.assignee': '负责人',
    'case.events': '记录', 'case.alerts': '告警', 'case.takedown': '提交下架请求', 'case.dismiss': '驳回',
    'case.refer': '移送公安', 'case.removed': '已删除', 'case.reopen': '重新打开',
    'case.referral': '导出移送材料包', 'case.verify': '校验材料包', 'case.intact': '材料包完整：{n} 个文件',
    'case.files': '导出文件', 'case.note': '备注', 'case.addnote': '添加备注',
    'state.open': '待处理', 'state.takedown_requested': '已请求下架', 'state.removed': '已删除',
    'state.dismissed': '已驳回', 'state.referred': '已移送',
    'v.doxxing': '开盒', 'v.data_sale_ad': '贩卖数据广告', 'v.leak_repost': '泄露转发', 'v.pii_exposure': '个人信息暴露',
    's.critical': '严重', 's.high': '高', 's.medium': '中', 's.low': '低',
    'err.forbidden': '当前角色无权执行此操作。', back: '返回',
  },
  en: {
    'nav.queue': 'Queue', 'nav.search': 'Search', 'nav.subjects': 'Subjects', 'nav.cases': 'Cases',
    'nav.selfcheck': 'Leak self-check', logout: 'Log out', loading: 'Loading…', lang: '中文',
    'login.title': 'Sign in', 'login.token': 'API token', 'login.submit': 'Sign in',
    'login.hint': 'Tokens are created by an admin with doxwatch token create.',
    'login.failed': 'Unknown or revoked token.',
    'queue.title': 'Alert queue', 'queue.live': 'Live', 'queue.offline': 'Live updates lost, reconnecting…',
    'col.time': 'Time', 'col.severity': 'Severity', 'col.verdict': 'Verdict', 'col.platform': 'Platform',
    'col.kinds': 'Kinds', 'col.post': 'Post (masked)',
    'f.verdict': 'Verdict', 'f.severity': 'Min. severity', 'f.platform': 'Platform', 'f.any': 'Any', 'f.apply': 'Filter',
    'f.text': 'Text', 'f.phone': 'Phone', 'f.id_card': 'ID number', 'f.bank_card': 'Bank card',
    'f.handle': 'Seller contact', 'f.sort': 'Sort', 'search.submit': 'Search',
    'search.note': 'Numbers are sent only in the request body and compared as keyed hashes; they never appear in URLs or logs. Every search is audited.',
    'search.none': 'No matching alerts.', total: '{n} in total',
    'alert.title': 'Alert', 'alert.post': 'Post (masked, findings highlighted)', 'alert.reasons': 'Reasons',
    'alert.findings': 'Findings', 'alert.subjects': 'Subjects', 'alert.evidence': 'View original',
    'alert.reason': 'Why (goes to the audit log)', 'alert.original': 'Original', 'alert.noevidence': 'No original in the vault',
    'subjects.title': 'Subjects', 'subject.title': 'Subject {id}', 'subject.ids': 'Identifiers (masked)',
    'subject.alerts': 'Alerts', 'subject.open': 'Open a case',
    'cases.title': 'Cases', 'case.title': 'Case {id}', 'case.state': 'State', 'case.assignee': 'Assignee',
    'case.events': 'Events', 'case.alerts': 'Alerts', 'case.takedown': 'Request takedown', 'case.dismiss': 'Dismiss',
    'case.refer': 'Refer to police', 'case.removed': 'Mark removed', 'case.reopen': 'Reopen',
    'case.referral': 'Export referral package', 'case.verify': 'Verify package', 'case.intact': 'Package intact: {n} files',
    'case.files': 'Exported files', 'case.note': 'Note', 'case.addnote': 'Add note',
    'state.open': 'Open', 'state.takedown_requested': 'Takedown requested', 'state.removed': 'Removed',
    'state.dismissed': 'Dismissed', 'state.referred': 'Referred',
    'v.doxxing': 'Doxxing', 'v.data_sale_ad': 'Data-sale ad', 'v.leak_repost': 'Leak repost', 'v.pii_exposure': 'PII exposure',
    's.critical': 'Critical', 's.high': 'High', 's.medium': 'Medium', 's.low': 'Low',
    'err.forbidden': 'Your role may not do this.', back: 'Back',
  },
};

let lang = localStorage.getItem('doxwatch.lang') === 'en' ? 'en' : 'zh';
let session = null; // {name, role, csrf}
let stream = null;

function t(key, vars = {}) {
  let s = (I18N[lang][key] ?? I18N.zh[key] ?? key);
  for (const [k, v] of Object.entries(vars)) s = s.replace(`{${k}}`, String(v));
  return s;
}

// A result count: past 10,000 matches the server stops counting exactly ("10000+").
function count(r) {
  return r.total_exact === false ? `${r.total}+` : String(r.total);
}

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'class') e.className = v;
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

class ApiError extends Error {
  constructor(status, message) { super(message); this.status = status; }
}

async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && session?.csrf) headers['X-CSRF-Token'] = session.csrf;
  const r = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (r.status === 204) return null;
  const data = await r.json().catch(() => ({}));
  if (r.status === 401 && path !== '/v1/session') { session = null; render(); }
  if (!r.ok) throw new ApiError(r.status, r.status === 403 ? t('err.forbidden') : (data.error || r.statusText));
  return data;
}

const main = () => document.getElementById('main');
function show(...nodes) { main().replaceChildren(...nodes); }
function fail(e) { show(el('p', { class: 'error', role: 'alert' }, e.message)); }

function sev(s) { return el('span', { class: `sev-${s}` }, t(`s.${s}`)); }
function verdict(v) { return t(`v.${v}`); }
function when(ts) { return ts ? ts.replace('T', ' ').replace(/\.\d+/, '').replace('Z', '') : ''; }

function alertRow(a, fresh = false) {
  return el('tr', {
    class: fresh ? 'row fresh' : 'row', 'data-alert': a.alert_id,
    onclick: () => { location.hash = `#/alert/${a.alert_id}`; },
  },
  el('td', {}, when(a.ts_detected)),
  el('td', {}, sev(a.severity)),
  el('td', {}, verdict(a.verdict)),
  el('td', {}, a.platform),
  el('td', {}, a.kinds.join(', ')),
  el('td', { class: 'snippet' }, a.snippet));
}

function alertTable(alerts) {
  return el('table', { id: 'alerts' },
    el('thead', {}, el('tr', {}, ['col.time', 'col.severity', 'col.verdict', 'col.platform', 'col.kinds', 'col.post']
      .map((k) => el('th', {}, t(k))))),
    el('tbody', {}, alerts.map((a) => alertRow(a))));
}

function options(name, values, current) {
  return el('select', { name },
    el('option', { value: '' }, t('f.any')),
    values.map(([v, label]) => el('option', { value: v, selected: v === current }, label)));
}

const VERDICTS = ['doxxing', 'data_sale_ad', 'leak_repost', 'pii_exposure'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

// ---------------------------------------------------------------------------------------------

function loginView() {
  const msg = el('p', { class: 'error', id: 'login-error', role: 'alert' });
  const form = el('form', { id: 'login', class: 'card' },
    el('h1', {}, t('login.title')),
    el('label', {}, t('login.token'), el('input', { name: 'token', type: 'password', autocomplete: 'off', required: true, size: 50 })),
    el('p', {}, el('button', { class: 'primary', type: 'submit' }, t('login.submit'))),
    el('p', { class: 'muted' }, t('login.hint')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      session = await api('POST', '/v1/session', { token: form.token.value });
      render();
    } catch (e) { msg.textContent = e.status === 401 ? t('login.failed') : e.message; }
  });
  show(form);
}

async function queueView(params) {
  const q = new URLSearchParams(params);
  const data = await api('GET', `/v1/alerts?${q}`);
  const live = el('span', { class: 'live', id: 'live', 'data-state': 'on' }, t('queue.live'));
  const filters = el('form', { class: 'filters', id: 'filters' },
    el('label', {}, t('f.verdict'), options('verdict', VERDICTS.map((v) => [v, verdict(v)]), q.get('verdict'))),
    el('label', {}, t('f.severity'), options('severity', SEVERITIES.map((s) => [s, t(`s.${s}`)]), q.get('severity'))),
    el('label', {}, t('f.platform'), el('input', { name: 'platform', value: q.get('platform') || '', size: 10 })),
    el('button', { type: 'submit' }, t('f.apply')));
  filters.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const p = new URLSearchParams();
    for (const [k, v] of new FormData(filters)) if (v) p.set(k, v);
    location.hash = `#/queue?${p}`;
  });
  const table = alertTable(data.alerts);
  const total = el('p', { class: 'muted', id: 'total' }, t('total', { n: count(data) }));
  show(el('h1', {}, t('queue.title'), ' ', live), filters, total, table);
  // Live: new alerts matching the filters go on top.
  const matches = (a) => (!q.get('verdict') || a.verdict === q.get('verdict'))
    && (!q.get('platform') || a.platform === q.get('platform'))
    && (!q.get('severity') || SEVERITIES.indexOf(a.severity) >= SEVERITIES.indexOf(q.get('severity')));
  let live_count = data.total;
  stream = new EventSource(`/v1/alerts/stream?after=${data.position}`);
  stream.addEventListener('alert', (ev) => {
    const a = JSON.parse(ev.data);
    if (!matches(a)) return;
    table.tBodies[0].prepend(alertRow(a, true));
    live_count += 1;
    total.textContent = t('total', { n: count({ total: live_count, total_exact: data.total_exact }) });
  });
  stream.addEventListener('reload', () => render());
  stream.onerror = () => { live.dataset.state = 'off'; live.textContent = t('queue.offline'); };
  stream.onopen = () => { live.dataset.state = 'on'; live.textContent = t('queue.live'); };
}

async function alertView(id) {
  const p = await api('GET', `/v1/alerts/${encodeURIComponent(id)}`);
  const a = p.alert;
  const post = el('div', { class: 'post', id: 'post' },
    p.segments.map((s) => (s.kind ? el('mark', { 'data-kind': s.kind, title: s.kind }, s.text) : s.text)));
  const original = el('div', { id: 'original' });
  let evidence = null;
  if (p.has_evidence && session && session.role !== 'analyst') {
    const form = el('form', { class: 'inline', id: 'evidence' },
      el('label', {}, t('alert.reason'), el('input', { name: 'reason', required: true, minlength: 4, size: 40 })),
      el('button', { type: 'submit' }, t('alert.evidence')));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        const r = await api('POST', `/v1/alerts/${encodeURIComponent(id)}/evidence`, { reason: form.reason.value });
        const text = typeof r.record === 'object' && r.record?.text ? r.record.text : JSON.stringify(r.record, null, 2);
        original.replaceChildren(el('h2', {}, t('alert.original')), el('div', { class: 'post' }, text));
      } catch (e) { original.replaceChildren(el('p', { class: 'error' }, e.message)); }
    });
    evidence = form;
  } else if (!p.has_evidence) {
    evidence = el('p', { class: 'muted' }, t('alert.noevidence'));
  }
  show(
    el('h1', {}, t('alert.title'), ' ', sev(a.severity), ' ', verdict(a.verdict)),
    el('div', { class: 'kv card' },
      el('span', { class: 'muted' }, t('col.platform')), el('span', {}, a.platform, a.url ? ` · ${a.url}` : ''),
      el('span', { class: 'muted' }, t('col.time')), el('span', {}, when(a.ts_detected)),
      el('span', { class: 'muted' }, 'post'), el('span', {}, a.post_id),
      el('span', { class: 'muted' }, 'alert'), el('span', {}, a.alert_id)),
    el('h2', {}, t('alert.post')), post,
    el('h2', {}, t('alert.reasons')), el('ul', { id: 'reasons' }, a.reasons.map((r) => el('li', {}, r))),
    el('h2', {}, t('alert.findings')),
    el('table', {}, el('tbody', {}, a.findings.map((f) => el('tr', {},
      el('td', {}, f.kind), el('td', {}, f.masked),
      el('td', { class: 'muted' }, Object.entries(f.facts || {}).map(([k, v]) => `${k}=${v}`).join(' '),
        (f.known_leaks || []).length ? ` · known leak: ${f.known_leaks.join(', ')}` : ''))))),
    el('h2', {}, t('alert.subjects')),
    el('ul', { class: 'plain', id: 'alert-subjects' }, p.subjects.map((s) => el('li', {}, el('a', { href: `#/subject/${s}` }, t('subject.title', { id: s }))))),
    evidence, original);
}

function searchView(prev) {
  const f = (name, key, attrs = {}) => el('label', {}, t(key), el('input', { name, ...attrs }));
  const form = el('form', { class: 'filters', id: 'search', autocomplete: 'off' },
    f('text', 'f.text', { size: 20 }),
    f('phone', 'f.phone', { size: 14, inputmode: 'tel' }),
    f('id_card', 'f.id_card', { size: 20 }),
    f('bank_card', 'f.bank_card', { size: 20 }),
    f('handle', 'f.handle', { size: 14 }),
    el('label', {}, t('f.verdict'), options('verdict', VERDICTS.map((v) => [v, verdict(v)]))),
    el('label', {}, t('f.sort'), el('select', { name: 'sort' },
      ['time', 'severity', 'relevance'].map((s) => el('option', { value: s }, s)))),
    el('button', { class: 'primary', type: 'submit' }, t('search.submit')));
  const out = el('div', { id: 'results' });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const body = {};
    for (const [k, v] of new FormData(form)) {
      if (!v) continue;
      if (k === 'verdict') body.verdicts = [v]; else body[k] = v;
    }
    try {
      const r = await api('POST', '/v1/search', body);
      out.replaceChildren(el('p', { class: 'muted', id: 'search-total' }, t('total', { n: count(r) })),
        r.alerts.length ? alertTable(r.alerts) : el('p', {}, t('search.none')));
    } catch (e) { out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); }
  });
  show(el('h1', {}, t('nav.search')), el('p', { class: 'muted' }, t('search.note')), form, out);
  if (prev) form.requestSubmit();
}

async function subjectsView() {
  const list = await api('GET', '/v1/subjects?limit=100');
  show(el('h1', {}, t('subjects.title')),
    el('table', { id: 'subjects' }, el('tbody', {}, list.map((s) => el('tr', { class: 'row', onclick: () => { location.hash = `#/subject/${s.subject_id}`; } },
      el('td', {}, t('subject.title', { id: s.subject_id })), el('td', {}, t('total', { n: s.alerts })), el('td', {}, when(s.last_seen)))))));
}

async function subjectView(id) {
  const s = await api('GET', `/v1/subjects/${id}`);
  const open = el('button', { class: 'primary', id: 'open-case', type: 'button' }, t('subject.open'));
  open.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/v1/cases', { title: `${t('subject.title', { id })}`, subject_id: Number(id) });
      location.hash = `#/case/${r.case_id}`;
    } catch (e) { fail(e); }
  });
  show(el('h1', {}, t('subject.title', { id })),
    el('div', { class: 'kv card' },
      el('span', { class: 'muted' }, 'first seen'), el('span', {}, when(s.first_seen)),
      el('span', { class: 'muted' }, 'last seen'), el('span', {}, when(s.last_seen))),
    el('h2', {}, t('subject.ids')),
    el('ul', { id: 'subject-ids' }, s.identifiers.map((i) => el('li', {}, `${i.kind}: ${i.masked}`))),
    el('div', { class: 'actions' }, open),
    el('h2', {}, t('subject.alerts')),
    el('ul', { class: 'plain' }, s.alerts.map((a) => el('li', {}, el('a', { href: `#/alert/${a}` }, a)))));
}

async function casesView() {
  const list = await api('GET', '/v1/cases');
  show(el('h1', {}, t('cases.title')),
    el('table', { id: 'cases' }, el('tbody', {}, list.map((c) => el('tr', { class: 'row', onclick: () => { location.hash = `#/case/${c.case_id}`; } },
      el('td', {}, t('case.title', { id: c.case_id })), el('td', {}, t(`state.${c.state}`)),
      el('td', {}, c.title), el('td', {}, c.assignee || '—'), el('td', {}, t('total', { n: c.alerts.length })))))));
}

async function caseView(id) {
  const c = await api('GET', `/v1/cases/${id}`);
  const out = el('div', { id: 'case-output' });
  const act = (key, fn, attrs = {}) => {
    const b = el('button', { type: 'button', ...attrs }, t(key));
    b.addEventListener('click', async () => {
      try { await fn(); } catch (e) { out.replaceChildren(el('p', { class: 'error', role: 'alert' }, e.message)); }
    });
    return b;
  };
  const move = (to) => async () => { await api('POST', `/v1/cases/${id}/move`, { to, note: '' }); await caseView(id); };
  const files = (r) => el('div', { class: 'card' },
    el('h2', {}, t('case.files')),
    el('ul', { id: 'export-files' }, r.files.map((f) => el('li', {}, el('a', { href: `/v1/exports/${r.export}/files/${f}`, download: '' }, f)))));
  const actions = el('div', { class: 'actions' },
    c.state === 'open' ? act('case.takedown', async () => {
      const r = await api('POST', `/v1/cases/${id}/takedown`);
      await caseView(id);
      document.getElementById('case-output').replaceChildren(files(r));
    }, { id: 'takedown', class: 'primary' }) : null,
    c.state === 'takedown_requested' ? act('case.removed', move('removed'), { id: 'removed' }) : null,
    ['open', 'takedown_requested'].includes(c.state) ? act('case.dismiss', move('dismissed'), { id: 'dismiss' }) : null,
    session.role !== 'analyst' && c.state !== 'referred' ? act('case.refer', move('referred'), { id: 'refer' }) : null,
    c.state === 'dismissed' ? act('case.reopen', move('open'), { id: 'reopen' }) : null,
    session.role !== 'analyst' ? act('case.referral', async () => {
      const r = await api('POST', `/v1/cases/${id}/referral`);
      const status = el('p', { id: 'verify-result' });
      const verify = act('case.verify', async () => {
        const v = await api('GET', `/v1/exports/${r.export}/verify`);
        status.className = v.intact ? 'ok' : 'error';
        status.textContent = `${t('case.intact', { n: v.files })} · blake3 ${v.manifest_blake3.slice(0, 16)}…`;
      }, { id: 'verify' });
      out.replaceChildren(el('p', { id: 'referral-name' }, r.export), files(r), verify, status);
    }, { id: 'referral' }) : null);
  const note = el('form', { class: 'inline', id: 'note' },
    el('label', {}, t('case.note'), el('input', { name: 'text', required: true, size: 40 })),
    el('button', { type: 'submit' }, t('case.addnote')));
  note.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try { await api('POST', `/v1/cases/${id}/notes`, { text: note.text.value }); await caseView(id); } catch (e) { fail(e); }
  });
  show(el('h1', {}, t('case.title', { id }), ' · ', c.title),
    el('div', { class: 'kv card' },
      el('span', { class: 'muted' }, t('case.state')), el('span', { id: 'case-state', 'data-state': c.state }, t(`state.${c.state}`)),
      el('span', { class: 'muted' }, t('case.assignee')), el('span', {}, c.assignee || '—')),
    actions, out,
    el('h2', {}, t('case.alerts')),
    el('ul', { class: 'plain' }, c.alerts.map((a) => el('li', {}, el('a', { href: `#/alert/${a}` }, a)))),
    el('h2', {}, t('case.events')),
    el('table', {}, el('tbody', {}, c.events.map((e) => el('tr', {},
      el('td', {}, when(e.at)), el('td', {}, e.actor), el('td', {}, e.event), el('td', { class: 'muted' }, e.detail))))),
    note);
}

// ---------------------------------------------------------------------------------------------

function applyStatic() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  for (const e of document.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  document.getElementById('lang').textContent = t('lang');
  const nav = document.getElementById('nav');
  nav.hidden = !session;
  document.getElementById('logout').hidden = !session;
  document.getElementById('who').textContent = session ? `${session.name} · ${session.role}` : '';
  const page = (location.hash.split('/')[1] || 'queue').split('?')[0];
  for (const a of nav.querySelectorAll('a')) a.classList.toggle('active', a.getAttribute('href') === `#/${page}`);
}

async function render() {
  if (stream) { stream.close(); stream = null; }
  applyStatic();
  if (!session) { loginView(); return; }
  const [path, query] = location.hash.slice(1).split('?');
  const parts = path.split('/').filter(Boolean);
  try {
    switch (parts[0] || 'queue') {
      case 'queue': await queueView(query || ''); break;
      case 'alert': await alertView(decodeURIComponent(parts[1] || '')); break;
      case 'search': searchView(); break;
      case 'subjects': await subjectsView(); break;
      case 'subject': await subjectView(parts[1]); break;
      case 'cases': await casesView(); break;
      case 'case': await caseView(parts[1]); break;
      default: await queueView('');
    }
  } catch (e) { if (session) fail(e); }
}

async function start() {
  document.getElementById('lang').addEventListener('click', () => {
    lang = lang === 'zh' ? 'en' : 'zh';
    localStorage.setItem('doxwatch.lang', lang);
    render();
  });
  document.getElementById('logout').addEventListener('click', async () => {
    try { await api('DELETE', '/v1/session'); } catch { /* already gone */ }
    session = null;
    location.hash = '#/queue';
    render();
  });
  window.addEventListener('hashchange', render);
  try { session = await api('GET', '/v1/session'); } catch { session = null; }
  await render();
  // When the first view was on screen, from the start of navigation (the e2e test reads it).
  requestAnimationFrame(() => {
    document.documentElement.dataset.firstRender = String(Math.round(performance.now()));
  });
}

start();
