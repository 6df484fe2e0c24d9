// canopy serve's page: the scenario as a form, the run's results as
// summary cards, charts and the scorecard, redrawn after each change.
// The form comes from GET /api/params (the model's parameter tables) and
// the charts from the /api/run answer (the report's chart definitions with
// the run's values): nothing here lists parameters or charts by name.
"use strict";

const state = {
  params: null,        // GET /api/params
  scenario: null,      // the scenario being edited, the TOML's structure
  name: "",
  last: null,          // the last valid /api/run answer
  baseline: null,      // the pinned answer
  seq: 0,              // request counter: older answers are dropped
  timer: null,
  stash: new Map(),    // deal parts switched off, to restore when on again
  plots: [],
};

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

// ------------------------------------------------------------ numbers

function compact(v) {
  if (v === null || v === undefined || !isFinite(v)) return "–";
  const a = Math.abs(v), s = v < 0 ? "-" : "";
  if (a >= 1e12) return s + (a / 1e12).toFixed(2) + "T";
  if (a >= 1e9) return s + (a / 1e9).toFixed(2) + "B";
  if (a >= 1e6) return s + (a / 1e6).toFixed(2) + "M";
  if (a >= 1e4) return s + (a / 1e3).toFixed(1) + "k";
  if (a >= 100) return s + a.toFixed(0);
  if (a >= 1) return s + a.toFixed(2);
  if (a === 0) return "0";
  return s + a.toPrecision(3);
}
const money = (v) => (v === null || v === undefined ? "–" : (v < 0 ? "-$" : "$") + compact(Math.abs(v)));
const pct = (v) => (v === null || v === undefined ? "undefined" : (v * 100).toFixed(2) + " %");

// ------------------------------------------------------------ scenario paths

function getPath(obj, path) {
  let o = obj;
  for (const k of path.split(".")) {
    if (o === null || typeof o !== "object" || !(k in o)) return undefined;
    o = o[k];
  }
  return o;
}

function setPath(obj, path, value) {
  const keys = path.split(".");
  let o = obj;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === null || typeof o[k] !== "object") o[k] = {};
    o = o[k];
  }
  const last = keys[keys.length - 1];
  if (value === undefined) delete o[last];
  else o[last] = value;
}

// What a field's text means: a number where it reads as one, else the text
// itself, so that the server says what is wrong with it (the command
// line's message), rather than the page guessing.
function parseField(kind, text) {
  const t = text.trim();
  if (t === "") return undefined; // the key's default
  if (kind.type === "number" || kind.type === "whole") {
    const n = Number(t.replace(/_/g, ""));
    return t !== "" && !isNaN(n) ? n : t;
  }
  if (kind.type === "numbers") {
    return t.split(",").map((x) => {
      const n = Number(x.trim());
      return x.trim() !== "" && !isNaN(n) ? n : x.trim();
    });
  }
  return t;
}

function showValue(v) {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.join(", ");
  return String(v);
}

function describeDefault(d) {
  if (d && typeof d === "object" && !Array.isArray(d)) return d.required ? "required" : "derived";
  return showValue(d);
}

// ------------------------------------------------------------ the form

function input(kind, value, key, onchange) {
  let e;
  if (kind.type === "bool") {
    e = el("input", { type: "checkbox", "data-key": key });
    e.checked = value === true;
    e.addEventListener("change", () => onchange(e.checked));
  } else if (kind.type === "choice") {
    e = el("select", { "data-key": key });
    for (const c of kind.choices) e.append(el("option", { value: c, text: c }));
    e.value = value ?? kind.choices[0];
    e.addEventListener("change", () => onchange(e.value));
  } else {
    e = el("input", { type: "text", "data-key": key, inputmode: kind.type === "text" ? undefined : "decimal" });
    e.value = showValue(value);
    e.addEventListener("input", () => onchange(parseField(kind, e.value)));
  }
  return e;
}

function buildForm() {
  const form = $("form");
  form.textContent = "";
  const tables = new Map();
  for (const p of state.params.scenario) {
    if (!tables.has(p.table)) tables.set(p.table, []);
    tables.get(p.table).push(p);
  }
  let first = true;
  for (const [table, params] of tables) {
    const d = el("details", { class: "table", open: first });
    first = false;
    d.append(el("summary", { text: "[" + table + "]" }));
    for (const p of params) {
      const key = p.path;
      const f = el("div", { class: "field", "data-field": key });
      f.append(
        el("label", { text: key.slice(table.length + 1), title: key }),
        input(p.kind, getPath(state.scenario, key), key, (v) => {
          setPath(state.scenario, key, v);
          changed();
        }),
        el("div", { class: "doc", text: p.doc + " Default " + describeDefault(p.default) + "; " + p.kind.allowed + "." }),
      );
      d.append(f);
    }
    form.append(d);
  }
  const deals = el("details", { class: "table", open: true });
  deals.append(el("summary", { text: "[[deal]] (" + (state.scenario.deal || []).length + ")" }));
  deals.append(dealsTable());
  form.append(deals);
}

function dealsTable() {
  const params = state.params.deal;
  const parts = state.params.deal_parts;
  const own = params.filter((p) => p.part === null);
  const wrap = el("div");
  const bar = el("div", { class: "deals-bar" },
    el("button", { type: "button", text: "Add deal", onclick: () => {
      const list = state.scenario.deal || (state.scenario.deal = []);
      const n = list.length + 1;
      list.push({ id: "new_" + n, counterparty: "New counterparty " + n, start_month: 1, tvl: partDefaults("tvl") });
      buildForm();
      changed();
    } }));
  const t = el("table");
  const head1 = el("tr", {}, el("th", { colspan: own.length + 1, text: "" }));
  const head2 = el("tr", {}, el("th", { text: "" }));
  for (const p of own) head2.append(el("th", { text: p.path, title: p.doc }));
  for (const part of parts) {
    const ps = params.filter((p) => p.part === part);
    head1.append(el("th", { class: "part", colspan: ps.length + 1, text: part }));
    head2.append(el("th", { class: "part", text: "on" }));
    for (const p of ps) head2.append(el("th", { text: p.path.slice(part.length + 1), title: p.doc + " (" + p.kind.allowed + ")" }));
  }
  t.append(head1, head2);
  (state.scenario.deal || []).forEach((deal, i) => {
    const tr = el("tr", { "data-deal": i });
    // The row's first cell takes the problems of the deal as a whole.
    tr.append(el("td", { "data-field": `deal[${i}]` },
      el("button", { type: "button", title: "Duplicate this deal", text: "Dup", onclick: () => duplicate(i) }),
      el("button", { type: "button", title: "Remove this deal", text: "✕", onclick: () => remove(i) })));
    for (const p of own) tr.append(dealCell(deal, i, p, false));
    for (const part of parts) {
      const on = deal[part] !== undefined;
      const box = el("input", { type: "checkbox", "data-key": `deal[${i}].${part}`, title: "Switch the deal's " + part + " part on or off" });
      box.checked = on;
      box.addEventListener("change", () => togglePart(i, part, box.checked));
      tr.append(el("td", { class: "first" }, box));
      for (const p of params.filter((q) => q.part === part)) tr.append(dealCell(deal, i, p, !on));
    }
    t.append(tr);
  });
  wrap.append(bar, el("div", { class: "deals" }, t));
  return wrap;
}

function dealCell(deal, i, p, off) {
  const key = `deal[${i}].${p.path}`;
  const e = input(p.kind, getPath(deal, p.path), key, (v) => {
    setPath(state.scenario.deal[i], p.path, v);
    changed();
  });
  if (p.path === "counterparty" || p.path === "id") e.classList.add("name");
  e.title = p.doc;
  if (off) e.disabled = true;
  return el("td", { "data-field": key }, e);
}

function partDefaults(part) {
  const o = {};
  for (const p of state.params.deal) {
    if (p.part !== part) continue;
    const d = p.default;
    if (d === null || typeof d !== "object" || Array.isArray(d)) o[p.path.slice(part.length + 1)] = d;
  }
  return o;
}

function togglePart(i, part, on) {
  const deal = state.scenario.deal[i];
  const key = i + "." + part;
  if (on) deal[part] = state.stash.get(key) || partDefaults(part);
  else {
    state.stash.set(key, deal[part]);
    delete deal[part];
  }
  buildForm();
  changed();
}

function duplicate(i) {
  const list = state.scenario.deal;
  const copy = JSON.parse(JSON.stringify(list[i]));
  const ids = new Set(list.map((d) => d.id));
  let n = 2;
  while (ids.has(`${list[i].id}_${n}`)) n++;
  copy.id = `${list[i].id}_${n}`;
  list.splice(i + 1, 0, copy);
  buildForm();
  changed();
}

function remove(i) {
  state.scenario.deal.splice(i, 1);
  buildForm();
  changed();
}

// ------------------------------------------------------------ requests

function runs() {
  const n = parseInt($("runs").value, 10);
  return $("mc").checked && n > 1 ? Math.min(n, 10000) : 1;
}

function changed() {
  clearTimeout(state.timer);
  // Debounced: typing stays smooth, and the run follows the last key.
  state.timer = setTimeout(run, 120);
}

async function post(path, body) {
  return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
}

async function run() {
  const seq = ++state.seq;
  let res, answer;
  try {
    res = await post("/api/run", { scenario: state.scenario, runs: runs() });
    answer = await res.json();
  } catch (e) {
    if (seq === state.seq) showStatus("The server did not answer: " + e);
    return;
  }
  if (seq !== state.seq) return;
  if (res.ok) {
    showProblems([]);
    state.last = answer;
    render(answer);
  } else {
    showProblems(answer.problems || []);
  }
}

function showStatus(text) {
  const s = $("status");
  s.hidden = !text;
  s.textContent = text || "";
}

function showProblems(problems) {
  document.querySelectorAll(".msg").forEach((m) => m.remove());
  document.querySelectorAll(".bad").forEach((m) => m.classList.remove("bad"));
  const box = $("problems");
  box.textContent = "";
  box.hidden = problems.length === 0;
  $("results").classList.toggle("stale", problems.length > 0 && state.last !== null);
  showStatus(problems.length > 0 && state.last ? "The scenario is not valid: the results below are from the last valid one (stale)." : "");
  if (problems.length === 0) return;
  const list = el("ul");
  for (const p of problems) {
    list.append(el("li", { text: (p.key ? p.key + ": " : "") + p.message }));
    // The problem at its field: the key itself, or the nearest enclosing
    // one shown (a deal's part, the deal's row).
    let key = p.key;
    let field = null;
    while (key && !(field = document.querySelector(`[data-field="${CSS.escape(key)}"]`))) {
      const cut = Math.max(key.lastIndexOf("."), key.lastIndexOf("["));
      key = cut > 0 ? key.slice(0, cut) : "";
    }
    const target = field || document.querySelector(`[data-key="${CSS.escape(p.key)}"]`)?.parentElement;
    if (target) {
      target.classList.add("bad");
      target.append(el("div", { class: "msg", text: p.message }));
    }
  }
  box.append(el("b", { text: problems.length === 1 ? "1 problem" : problems.length + " problems" }), list);
}

// ------------------------------------------------------------ results

const CARDS = [
  ["TVL", (s) => money(s.tvl.total), (s) => "month " + s.month, (s) => s.tvl.total],
  ["Cumulative revenue", (s) => money(s.revenue_cumulative), (s) => money(s.revenue_last_month) + " in the last month", (s) => s.revenue_cumulative],
  ["AEGIS value", (s) => money(s.aegis_value), (s) => money(s.aegis_usdc) + " USDC", (s) => s.aegis_value],
  ["LEAF price", (s) => "$" + compact(s.leaf_price), (s) => s.pairs_active + " active pairs", (s) => s.leaf_price],
  ["OAK redeemed", (s) => (s.oak_total_supply > 0 ? pct(s.oak_redeemed / s.oak_total_supply) : "0 %"), (s) => compact(s.oak_redeemed) + " of " + compact(s.oak_total_supply) + " OAK", (s) => s.oak_redeemed],
  ["Value per OAK", (s) => money(s.value_per_oak), (s) => compact(s.oak_unredeemed) + " unredeemed", (s) => s.value_per_oak],
  ["Last IRR", (s) => pct(s.last_irr), (s) => (s.last_irr_month ? "month " + s.last_irr_month : ""), (s) => s.last_irr],
];

function renderSummary(s, base) {
  const box = $("summary");
  box.textContent = "";
  if (!s.tvl) {
    box.append(el("p", { class: "lead", text: "No month was simulated." }));
    return;
  }
  for (const [label, value, note, raw] of CARDS) {
    const card = el("div", { class: "kpi", "data-card": label },
      el("div", { class: "label", text: label }),
      el("div", { class: "value", text: value(s) }),
      el("div", { class: "note", text: note(s) }));
    if (base && base.tvl) {
      const a = raw(s), b = raw(base);
      if (a !== null && b !== null && a !== undefined && b !== undefined) {
        const d = a - b;
        const rel = b !== 0 ? " (" + (d >= 0 ? "+" : "") + ((d / Math.abs(b)) * 100).toFixed(1) + " %)" : "";
        card.append(el("div", { class: "delta " + (d > 0 ? "up" : d < 0 ? "down" : ""), text: "vs baseline " + (d >= 0 ? "+" : "-") + compact(Math.abs(d)) + rel }));
      }
    }
    box.append(card);
  }
}

function renderScorecard(rows, keys) {
  const t = $("scorecard");
  t.textContent = "";
  if (!rows.length) {
    t.append(el("tr", {}, el("td", { text: "No deals, or the run stopped." })));
    return;
  }
  t.append(el("tr", {}, ...keys.map((k) => el("th", { text: k }))));
  for (const r of rows) {
    t.append(el("tr", {}, ...keys.map((k) => typeof r[k] === "number" && k.startsWith("delta")
      ? el("td", { class: "num", text: (r[k] >= 0 ? "+" : "-") + compact(Math.abs(r[k])) })
      : el("td", { text: r[k] === null ? "" : String(r[k]) }))));
  }
}

function destroyPlots() {
  for (const p of state.plots) p.destroy();
  state.plots = [];
}

function width(box) {
  return Math.max(320, (box.clientWidth || 560) - 18);
}

function alpha(hex, a) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${a})`;
}

// A tick label: compact, without trailing zeros (800M, 1.5B).
const tick = (v) => compact(v).replace(/\.?0+([kMBT]?)$/, (m, unit, off, all) => (all.includes(".") ? unit : m));

// Tick labels in the axis's unit: compact numbers, or percent.
function axisFormat(axis) {
  return (u, ticks) => ticks.map((v) => (axis.percent ? tick(v) + " %" : tick(v)));
}

// One panel of a chart as uPlot data and options. Stacked styles are
// summed here (uPlot does not stack); hovering shows each series' own value.
function panelPlot(chart, panel, base, w) {
  const months = Math.max(chart.months.length, base ? base.months.length : 0);
  const x = Array.from({ length: months }, (_, i) => i + 1);
  const pad = (vs) => x.map((_, i) => (i < vs.length ? vs[i] : null));
  const stacks = { left: null, right: null };
  const data = [x], series = [{ label: "month" }], raw = [null], bands = [];
  const stacked = (s) => s.style === "area" || s.style === "step-area" || s.style === "bars";
  const add = (s, values, pinned) => {
    let shown = pad(values);
    const own = shown;
    let prev = null;
    if (stacked(s)) {
      const key = s.axis + (pinned ? "-pinned" : "");
      prev = stacks[key] || null;
      shown = shown.map((v, i) => (v === null ? null : v + (prev ? prev.values[i] || 0 : 0)));
      stacks[key] = { values: shown, index: data.length };
    }
    const opts = {
      label: pinned ? s.label + " (baseline)" : s.label,
      stroke: pinned ? alpha(s.color, 0.9) : s.color,
      width: pinned ? 1.5 : s.style === "line" || s.style === "dashed" ? 2 : 1,
      scale: s.axis === "right" ? "y2" : "y",
      spanGaps: false,
      points: { show: false },
      value: (u, v, si, idx) => (idx === null || raw[si][idx] === null || raw[si][idx] === undefined ? "–" : compact(raw[si][idx])),
    };
    if (pinned || s.style === "dashed") opts.dash = [6, 4];
    if (!pinned && stacked(s)) {
      if (s.style === "bars" && uPlot.paths && uPlot.paths.bars) opts.paths = uPlot.paths.bars({ size: [0.7] });
      if (s.style === "step-area" && uPlot.paths && uPlot.paths.stepped) opts.paths = uPlot.paths.stepped({ align: 1 });
      if (prev) bands.push({ series: [data.length, prev.index], fill: alpha(s.color, 0.55) });
      else opts.fill = alpha(s.color, 0.55);
    }
    if (!pinned && s.style === "side-bars" && uPlot.paths && uPlot.paths.stepped) opts.paths = uPlot.paths.stepped({ align: 1 });
    data.push(shown);
    raw.push(own);
    series.push(opts);
  };
  panel.series.forEach((s) => add(s, s.values, false));
  if (base) base.series.forEach((s) => add(s, s.values, true));
  const axes = [
    { label: "month", size: 30 },
    { label: panel.left.label + (panel.left.unit ? " (" + panel.left.unit + ")" : ""), values: axisFormat(panel.left), size: 64 },
  ];
  const scales = { x: { time: false }, y: {} };
  if (panel.right) {
    axes.push({ side: 1, scale: "y2", label: panel.right.label + (panel.right.unit ? " (" + panel.right.unit + ")" : ""), values: axisFormat(panel.right), size: 64, grid: { show: false } });
    scales.y2 = {};
  }
  return {
    opts: { width: w, height: Math.round(260 * Math.max(0.5, panel.height)), series, axes, scales, bands, legend: { live: true }, cursor: { drag: { x: false, y: false } } },
    data,
  };
}

function renderCharts(answer, baseline) {
  const box = $("charts");
  box.textContent = "";
  for (const chart of answer.charts) {
    const fig = el("figure", { "data-chart": chart.stem },
      el("h3", { text: chart.title }),
      el("div", { class: "sub", text: chart.subtitle }));
    box.append(fig);
    const w = width(fig);
    const base = baseline ? baseline.charts.find((c) => c.stem === chart.stem) : null;
    chart.panels.forEach((panel, i) => {
      const basePanel = base ? { months: base.months, series: base.panels[i] ? base.panels[i].series : [] } : null;
      const { opts, data } = panelPlot(chart, panel, basePanel, w);
      const holder = el("div", { class: "plot" });
      fig.append(holder);
      state.plots.push(new uPlot(opts, data, holder));
    });
    fig.append(el("figcaption", { text: chart.caption }));
  }
}

function renderFans(answer) {
  const section = $("mc-section");
  const box = $("fans");
  box.textContent = "";
  if (!answer.bands) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  $("mc-note").textContent = `${answer.runs} runs with seeds ${state.scenario.simulation?.seed ?? 0} onwards, as canopy sweep runs them: median, 25–75 and 5–95 bands.` +
    (answer.random ? "" : " This scenario has no randomness (no price volatility or demand noise), so every run is the same.");
  const metrics = [...new Set(answer.bands.map((b) => b.metric))];
  for (const m of metrics) {
    const rows = answer.bands.filter((b) => b.metric === m);
    const x = rows.map((r) => r.month);
    const col = (k) => rows.map((r) => r[k]);
    const fig = el("figure", { "data-fan": m }, el("h3", { text: m }));
    box.append(fig);
    const c = "#2a9d8f";
    const opts = {
      width: width(fig), height: 220,
      scales: { x: { time: false } },
      axes: [{ size: 30 }, { values: (u, t) => t.map(tick), size: 64 }],
      series: [
        { label: "month", points: { show: false } },
        { label: "p5", stroke: alpha(c, 0.3), points: { show: false }, value: (u, v) => compact(v) },
        { label: "p25", stroke: alpha(c, 0.5), points: { show: false }, value: (u, v) => compact(v) },
        { label: "median", stroke: c, width: 2, points: { show: false }, value: (u, v) => compact(v) },
        { label: "p75", stroke: alpha(c, 0.5), points: { show: false }, value: (u, v) => compact(v) },
        { label: "p95", stroke: alpha(c, 0.3), points: { show: false }, value: (u, v) => compact(v) },
      ],
      bands: [
        { series: [5, 1], fill: alpha(c, 0.15) },
        { series: [4, 2], fill: alpha(c, 0.3) },
      ],
    };
    state.plots.push(new uPlot(opts, [x, col("p5"), col("p25"), col("p50"), col("p75"), col("p95")], fig));
  }
}

function render(answer) {
  destroyPlots();
  renderSummary(answer.summary, state.baseline && state.baseline.summary);
  renderCharts(answer, state.baseline);
  renderFans(answer);
  renderScorecard(answer.scorecard, answer.scorecard_columns);
  if (answer.stopped) showStatus("The run stopped early: " + answer.stopped);
  document.body.dataset.runs = String(++state.renders);
}
state.renders = 0;

// ------------------------------------------------------------ files

async function download(path, name) {
  const res = await post(path, { scenario: state.scenario });
  if (!res.ok) {
    const answer = await res.json().catch(() => ({ problems: [] }));
    showProblems(answer.problems || []);
    return;
  }
  const url = URL.createObjectURL(await res.blob());
  const a = el("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function open(file) {
  const text = await file.text();
  const res = await fetch("/api/scenario", { method: "POST", headers: { "Content-Type": "application/toml" }, body: text });
  const answer = await res.json();
  if (!res.ok) {
    showProblems((answer.problems || []).map((p) => ({ ...p, message: (p.line ? `${file.name}:${p.line}:${p.column}: ` : file.name + ": ") + p.message })));
    return;
  }
  state.scenario = answer;
  state.name = file.name;
  $("name").textContent = file.name;
  state.stash.clear();
  buildForm();
  changed();
}

// ------------------------------------------------------------ start

async function start() {
  const [params, res] = await Promise.all([fetch("/api/params").then((r) => r.json()), fetch("/api/scenario")]);
  state.params = params;
  state.scenario = await res.json();
  state.name = res.headers.get("x-canopy-scenario") || "scenario";
  $("name").textContent = state.name;
  document.title = "canopy serve: " + state.name;
  buildForm();
  $("pin").addEventListener("click", () => {
    if (!state.last) return;
    state.baseline = state.last;
    $("unpin").hidden = false;
    render(state.last);
  });
  $("unpin").addEventListener("click", () => {
    state.baseline = null;
    $("unpin").hidden = true;
    if (state.last) render(state.last);
  });
  $("mc").addEventListener("change", changed);
  $("runs").addEventListener("input", changed);
  $("save").addEventListener("click", () => download("/api/scenario.toml", "scenario.toml"));
  $("dl-metrics").addEventListener("click", () => download("/api/metrics.csv", "metrics.csv"));
  $("dl-report").addEventListener("click", () => download("/api/report.html", "report.html"));
  $("open").addEventListener("change", (e) => e.target.files[0] && open(e.target.files[0]));
  let resize = null;
  window.addEventListener("resize", () => {
    clearTimeout(resize);
    resize = setTimeout(() => state.last && render(state.last), 200);
  });
  run();
}

start();
