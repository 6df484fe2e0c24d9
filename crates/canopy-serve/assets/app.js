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
  stash: new WeakMap(), // deal -> its parts switched off, to restore when on again
  plots: [],
  served: null,        // the served scenario: the URL keeps the edits against it
  baseScenario: null,  // the scenario of the pinned baseline
  history: [],         // undo: earlier scenarios (JSON text)
  future: [],          // redo
  shown: null,         // the scenario as last recorded in the history (JSON text)
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

// ------------------------------------------------------------ exact JSON

// Whole numbers past 2^53 (seeds) are kept as their text: read with the
// source text the parser saw, written back as that text (JSON.rawJSON).
const rawJSON = typeof JSON.rawJSON === "function" ? JSON.rawJSON : null;
function exact(text) {
  if (!rawJSON) return Number(text);
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : rawJSON(text);
}
function parseExact(text) {
  return JSON.parse(text, (k, v, ctx) =>
    typeof v === "number" && ctx && typeof ctx.source === "string" && /^-?\d+$/.test(ctx.source) && !Number.isSafeInteger(v) ? exact(ctx.source) : v);
}
const isRaw = (v) => v !== null && typeof v === "object" && typeof v.rawJSON === "string";
const clone = (v) => parseExact(JSON.stringify(v));

// ------------------------------------------------------------ numbers

// Thousands separators, and every digit the number has (exponent forms
// as they are).
function grouped(v) {
  const text = isRaw(v) ? v.rawJSON : String(v);
  if (!/^-?\d+(\.\d+)?$/.test(text)) return text;
  const [i, f] = text.split(".");
  return i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (f !== undefined ? "." + f : "");
}

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
    // Separators as people write them: 50,000,000 or 50_000_000.
    const plain = t.replace(/[_,\s]/g, "");
    const n = Number(plain);
    if (plain === "" || isNaN(n)) return t;
    // Too large to be a number (1e999, Infinity): the text, for the
    // server to say what is allowed (a JSON number cannot hold it).
    if (!isFinite(n)) return t;
    if (/^-?\d+$/.test(plain)) return exact(plain);
    return n;
  }
  if (kind.type === "numbers") {
    return t.split(",").map((x) => {
      const n = Number(x.trim());
      return x.trim() !== "" && !isNaN(n) ? n : x.trim();
    });
  }
  return t;
}

function showValue(v, kind) {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.join(", ");
  if (isRaw(v)) return kind && kind.type === "whole" ? grouped(v) : v.rawJSON;
  if (typeof v === "number" && kind && (kind.type === "number" || kind.type === "whole")) return grouped(v);
  return String(v);
}

function describeDefault(d) {
  if (d && typeof d === "object" && !Array.isArray(d)) return d.required ? "required" : "derived";
  return showValue(d);
}

// ------------------------------------------------------------ the form

let ids = 0;

// A field's input, with the id its label names. A choice left at its
// default shows the default as what it is (nothing is sent for it).
function input(kind, value, key, onchange, dflt) {
  let e;
  const id = "f" + ++ids;
  if (kind.type === "bool") {
    e = el("input", { type: "checkbox", "data-key": key, id });
    e.checked = value === true;
    e.addEventListener("change", () => onchange(e.checked));
  } else if (kind.type === "choice") {
    e = el("select", { "data-key": key, id });
    if (value === undefined) e.append(el("option", { value: "", text: "default" + (dflt !== undefined ? " (" + describeDefault(dflt) + ")" : "") }));
    for (const c of kind.choices) e.append(el("option", { value: c, text: c }));
    e.value = value ?? "";
    e.addEventListener("change", () => onchange(e.value === "" ? undefined : e.value));
  } else {
    const numeric = kind.type === "number" || kind.type === "whole";
    e = el("input", { type: "text", "data-key": key, id, inputmode: kind.type === "text" ? undefined : "decimal", spellcheck: "false" });
    e.value = showValue(value, kind);
    e.addEventListener("input", () => onchange(parseField(kind, e.value)));
    // Separators put in once the value is typed, not while typing.
    if (numeric) e.addEventListener("change", () => {
      const v = parseField(kind, e.value);
      if (typeof v === "number" || isRaw(v)) e.value = showValue(v, kind);
    });
  }
  return e;
}

function buildForm() {
  const form = $("form");
  const open = new Set([...form.querySelectorAll("details[open]")].map((d) => d.dataset.table));
  const fresh = form.children.length === 0 || !form.querySelector("details");
  const scroll = $("deals-scroll")?.scrollLeft || 0;
  form.textContent = "";
  // The deal book first: it is what a designer negotiates.
  const deals = el("details", { class: "table deals-table", open: true, "data-table": "deal" });
  deals.append(el("summary", { text: "Deals (" + (state.scenario.deal || []).length + ")" }));
  deals.append(dealsTable());
  form.append(deals);
  const tables = new Map();
  for (const p of state.params.scenario) {
    if (!tables.has(p.table)) tables.set(p.table, []);
    tables.get(p.table).push(p);
  }
  for (const [table, params] of tables) {
    const d = el("details", { class: "table", open: fresh ? false : open.has(table), "data-table": table });
    d.append(el("summary", { text: "[" + table + "]" }));
    for (const p of params) {
      const key = p.path;
      const f = el("div", { class: "field", "data-field": key });
      const e = input(p.kind, getPath(state.scenario, key), key, (v) => {
        setPath(state.scenario, key, v);
        changed();
      }, p.default);
      f.append(
        el("label", { title: explainText(key), for: e.id }, key.slice(table.length + 1), unitOf(p) ? el("span", { class: "unit", text: ` (${unitOf(p)})` }) : null),
        e,
        el("div", { class: "doc", text: p.doc + " Default " + describeDefault(p.default) + "; " + p.kind.allowed + "." }),
      );
      e.title = explainText(key);
      d.append(f);
    }
    form.append(d);
  }
  if ($("deals-scroll")) $("deals-scroll").scrollLeft = scroll;
  stickColumns();
}

// The deal's id and counterparty stay in view when the table scrolls
// sideways: their cells stick at the left, each after the one before.
function stickColumns() {
  const t = document.querySelector("#deals-scroll table");
  if (!t) return;
  const head = t.querySelector("tr.names");
  if (!head) return;
  const cells = [...head.children].filter((c) => c.classList.contains("stick"));
  let left = 0;
  const lefts = cells.map((c) => { const l = left; left += c.getBoundingClientRect().width; return l; });
  for (const tr of t.querySelectorAll("tr")) {
    [...tr.children].filter((c) => c.classList.contains("stick")).forEach((c, i) => { c.style.left = (lefts[i] ?? 0) + "px"; });
  }
}

function dealsTable() {
  const params = state.params.deal;
  const parts = state.params.deal_parts;
  const own = params.filter((p) => p.part === null);
  // The deal's id and counterparty first, then its other terms.
  const named = ["id", "counterparty"];
  own.sort((a, b) => (named.indexOf(a.path) + 1 || 9) - (named.indexOf(b.path) + 1 || 9));
  const wrap = el("div");
  const bar = el("div", { class: "deals-bar" },
    el("button", { type: "button", text: "Add deal", onclick: () => {
      const list = state.scenario.deal || (state.scenario.deal = []);
      const ids = new Set(list.map((d) => d.id));
      let n = list.length + 1;
      while (ids.has("new_" + n)) n++;
      // Everything the row shows is sent: a TVL part with its defaults.
      list.push({ id: "new_" + n, counterparty: "New counterparty " + n, start_month: 1, tvl: partDefaults("tvl") });
      buildForm();
      changed();
    } }));
  const t = el("table");
  const head1 = el("tr", {}, el("th", { class: "stick", colspan: 1, text: "" }));
  const head2 = el("tr", { class: "names" }, el("th", { class: "stick", text: "" }));
  own.forEach((p) => head2.append(el("th", { class: named.includes(p.path) ? "stick" : undefined, text: p.path + (unitOf(p) ? ` (${unitOf(p)})` : ""), title: p.doc })));
  own.forEach((p) => head1.append(el("th", { class: named.includes(p.path) ? "stick" : undefined, text: "" })));
  for (const part of parts) {
    const ps = params.filter((p) => p.part === part);
    head1.append(el("th", { class: "part", colspan: ps.length + 1, text: part }));
    head2.append(el("th", { class: "part", text: "on" }));
    for (const p of ps) head2.append(el("th", { text: p.path.slice(part.length + 1) + (unitOf(p) ? ` (${unitOf(p)})` : ""), title: p.doc + " (" + p.kind.allowed + ")" }));
  }
  t.append(head1, head2);
  (state.scenario.deal || []).forEach((deal, i) => {
    const tr = el("tr", { "data-deal": i, "data-id": deal.id });
    // The row's first cell takes the problems of the deal as a whole.
    tr.append(el("td", { class: "stick", "data-field": `deal[${i}]` },
      el("button", { type: "button", title: "Duplicate this deal", "aria-label": "Duplicate deal " + deal.id, text: "Dup", onclick: () => duplicate(i) }),
      el("button", { type: "button", title: "Remove this deal", "aria-label": "Remove deal " + deal.id, text: "✕", onclick: () => remove(i) })));
    for (const p of own) {
      const cell = dealCell(deal, i, p, false);
      if (named.includes(p.path)) cell.classList.add("stick");
      tr.append(cell);
    }
    for (const part of parts) {
      const on = deal[part] !== undefined;
      const box = el("input", { type: "checkbox", "data-key": `deal[${i}].${part}`, title: "Switch the deal's " + part + " part on or off", "aria-label": deal.id + ": " + part + " part on" });
      box.checked = on;
      box.addEventListener("change", () => togglePart(deal, part, box.checked));
      tr.append(el("td", { class: "first" }, box));
      for (const p of params.filter((q) => q.part === part)) tr.append(dealCell(deal, i, p, !on));
    }
    t.append(tr);
  });
  wrap.append(bar, el("div", { class: "deals", id: "deals-scroll" }, t));
  return wrap;
}

function dealCell(deal, i, p, off) {
  const key = `deal[${i}].${p.path}`;
  const e = input(p.kind, getPath(deal, p.path), key, (v) => {
    setPath(deal, p.path, v);
    changed();
  }, p.default);
  if (p.path === "counterparty" || p.path === "id") e.classList.add("name");
  e.title = explainText("deal[i]." + p.path);
  e.setAttribute("aria-label", (deal.id || "deal " + (i + 1)) + ": " + p.path);
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

// A part switched off is kept with its deal (not its row), so that it
// comes back with the same deal's terms, wherever the row has moved.
function togglePart(deal, part, on) {
  const kept = state.stash.get(deal) || {};
  if (on) deal[part] = kept[part] || partDefaults(part);
  else {
    kept[part] = deal[part];
    state.stash.set(deal, kept);
    delete deal[part];
  }
  buildForm();
  changed();
}

function duplicate(i) {
  const list = state.scenario.deal;
  const copy = clone(list[i]);
  const ids = new Set(list.map((d) => d.id));
  let n = 2;
  while (ids.has(`${list[i].id}_${n}`)) n++;
  copy.id = `${list[i].id}_${n}`;
  // The copy has the original's switched-off parts too, as its own.
  if (state.stash.has(list[i])) state.stash.set(copy, clone(state.stash.get(list[i])));
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

// The Monte Carlo runs asked for: 1 (none) unless the box is ticked; a
// runs box that is not a whole number from 2 to 10,000 is a problem shown
// at the box, not a silent single run.
function runs() {
  if (!$("mc").checked) return 1;
  const t = $("runs").value.replace(/[,_\s]/g, "");
  const n = Number(t);
  return /^\d+$/.test(t) && n >= 2 && n <= 10000 ? n : null;
}

// A key's unit as the form shows it beside its input; none for a key
// that has none (a name, a choice, a switch).
function unitOf(p) {
  return p.unit && p.unit !== "none" ? p.unit : "";
}

// The criteria typed, one per line (blank lines skipped).
function criteria() {
  return $("criteria").value.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

function changed() {
  clearTimeout(state.timer);
  // Debounced: typing stays smooth, and the run follows the last key.
  state.timer = setTimeout(run, 120);
}

// The request body as text: seeds past 2^53 written exactly.
const body = (v) => JSON.stringify(v);

async function post(path, value) {
  return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: body(value) });
}

async function run() {
  const seq = ++state.seq;
  record();
  const n = runs();
  if (n === null) {
    showProblems([{ key: "runs", message: "runs: expected a whole number from 2 to 10,000 (the fans need at least 2)" }]);
    return;
  }
  let res, answer;
  try {
    const asked = criteria();
    res = await post("/api/run", n > 1 && asked.length ? { scenario: state.scenario, runs: n, criteria: asked } : { scenario: state.scenario, runs: n });
    answer = await res.json();
  } catch (e) {
    if (seq !== state.seq) return;
    // The server is down: what is shown is from before.
    $("results").classList.toggle("stale", state.last !== null);
    showStatus("The server did not answer (" + e.message + "): " + (state.last ? "the results below are from the last run (stale)." : "no results yet.") + " Start canopy serve again, then edit to rerun.");
    return;
  }
  if (seq !== state.seq) return;
  // Answers counted, valid or not (tests wait on them).
  document.body.dataset.answers = String((state.answers = (state.answers || 0) + 1));
  if (res.ok) {
    showProblems([]);
    state.last = answer;
    state.lastScenario = clone(state.scenario);
    render(answer);
  } else {
    showProblems(answer.problems || []);
  }
}

// A scorecard too large to come with every run, on demand.
async function scorecardNow() {
  const t = $("scorecard");
  const button = t.querySelector("button");
  if (button) { button.disabled = true; button.textContent = "Computing…"; }
  const seq = state.seq;
  let res, answer;
  try {
    res = await post("/api/scorecard", { scenario: state.scenario });
    answer = await res.json();
  } catch (e) {
    showStatus("The server did not answer (" + e.message + ").");
    return;
  }
  if (seq !== state.seq || !state.last) return;
  if (!res.ok) { showProblems(answer.problems || []); return; }
  state.last.scorecard = answer.scorecard;
  renderScorecard(state.last, state.baseline);
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

// Each card: its label, value, note, raw value, and the metrics.csv column
// it shows (whose explanation is the label's hover text).
const CARDS = [
  ["TVL", (s) => money(s.tvl_total), (s) => "month " + s.month, (s) => s.tvl_total, "tvl_total"],
  ["Cumulative revenue", (s) => money(s.revenue_cumulative), (s) => money(s.revenue_last_month) + " in the last month", (s) => s.revenue_cumulative, "revenue_cumulative"],
  ["AEGIS value", (s) => money(s.aegis_value), (s) => money(s.aegis_usdc) + " USDC", (s) => s.aegis_value, "aegis_value"],
  ["LEAF price", (s) => "$" + compact(s.leaf_price), (s) => s.pairs_active + " active pairs", (s) => s.leaf_price, "leaf_price"],
  ["OAK redeemed", (s) => (s.oak_total_supply > 0 ? pct(s.oak_redeemed / s.oak_total_supply) : "0 %"), (s) => compact(s.oak_redeemed) + " of " + compact(s.oak_total_supply) + " OAK", (s) => s.oak_redeemed, "oak_redeemed"],
  ["Value per OAK", (s) => money(s.value_per_oak), (s) => compact(s.oak_unredeemed) + " unredeemed", (s) => s.value_per_oak, "value_per_oak"],
  ["Last IRR", (s) => pct(s.last_irr), (s) => (s.last_irr_month ? "month " + s.last_irr_month : ""), (s) => s.last_irr, "irr"],
];

function renderSummary(s, base) {
  const box = $("summary");
  box.textContent = "";
  if (!s) {
    box.append(el("p", { class: "lead", text: "No month was simulated." }));
    return;
  }
  for (const [label, value, note, raw, metric] of CARDS) {
    const card = el("div", { class: "kpi", "data-card": label },
      el("div", { class: "label", text: label, title: explainText(metric) }),
      el("div", { class: "value", text: value(s) }),
      el("div", { class: "note", text: note(s) }));
    if (base) {
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

const signed = (d) => (d >= 0 ? "+" : "-") + compact(Math.abs(d));

// The scorecard; with a baseline, each delta's change from the baseline's
// same deal (by id). A scorecard too large for every run is offered.
function renderScorecard(answer, baseline) {
  const t = $("scorecard");
  t.textContent = "";
  const rows = answer.scorecard, keys = answer.scorecard_columns;
  if (rows === null) {
    t.append(el("tr", {}, el("td", {},
      el("span", { text: `The scorecard reruns the scenario without each deal (${grouped(answer.scorecard_cost)} deal-months of work), so it is computed when asked. ` }),
      el("button", { type: "button", id: "scorecard-now", text: "Compute the scorecard", onclick: scorecardNow }))));
    return;
  }
  if (!rows.length) {
    t.append(el("tr", {}, el("td", { text: "No deals, or the run stopped." })));
    return;
  }
  const base = new Map((baseline && baseline.scorecard ? baseline.scorecard : []).map((r) => [r.deal_id, r]));
  t.append(el("tr", {}, ...keys.map((k) => el("th", { text: k }))));
  for (const r of rows) {
    const b = base.get(r.deal_id);
    t.append(el("tr", { "data-deal-id": r.deal_id }, ...keys.map((k) => {
      if (!(typeof r[k] === "number" && k.startsWith("delta"))) return el("td", { text: r[k] === null ? "" : String(r[k]) });
      const cell = el("td", { class: "num", text: signed(r[k]) });
      if (b && typeof b[k] === "number" && b[k] !== r[k]) cell.append(el("div", { class: "delta " + (r[k] > b[k] ? "up" : "down"), text: "vs baseline " + signed(r[k] - b[k]) }));
      else if (baseline && !b) cell.append(el("div", { class: "delta", text: "new since the baseline" }));
      return cell;
    })));
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
      // Positive values stack up from 0 and negative ones down from it,
      // as the report's charts stack the parts of a change.
      const up = prev ? prev.up : x.map(() => 0), down = prev ? prev.down : x.map(() => 0);
      shown = shown.map((v, i) => (v === null ? null : v + (v < 0 ? down[i] : up[i])));
      stacks[key] = {
        values: shown,
        index: data.length,
        up: up.map((u, i) => (own[i] !== null && own[i] >= 0 ? shown[i] : u)),
        down: down.map((d, i) => (own[i] !== null && own[i] < 0 ? shown[i] : d)),
      };
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
    { label: "month", size: 30, values: (u, t) => t.map((v) => grouped(v)) },
    { label: panel.left.label + (panel.left.unit ? " (" + panel.left.unit + ")" : ""), values: axisFormat(panel.left), size: 64 },
  ];
  // A stacked axis starts at 0, as the report's does: the areas' heights
  // are then in proportion to what they show.
  const fromZero = (side) => ({
    range: (u, min, max) => {
      const lo = Math.min(0, min), hi = Math.max(0, max);
      return hi === lo ? [lo, lo + 1] : [lo, hi + (hi - lo) * 0.05];
    },
  });
  const stacks0 = (side) => panel.series.some((s) => s.axis === side && stacked(s));
  const scales = { x: { time: false }, y: stacks0("left") ? fromZero() : {} };
  if (panel.right) {
    axes.push({ side: 1, scale: "y2", label: panel.right.label + (panel.right.unit ? " (" + panel.right.unit + ")" : ""), values: axisFormat(panel.right), size: 64, grid: { show: false } });
    scales.y2 = stacks0("right") ? fromZero() : {};
  }
  const zero = ["left", "right"].filter(stacks0).map((side) => (side === "left" ? "y" : "y2"));
  return {
    opts: { width: w, height: Math.round(260 * Math.max(0.5, panel.height)), series, axes, scales, bands, legend: { live: true }, cursor: { drag: { x: false, y: false } } },
    data,
    zero,
  };
}

function renderCharts(answer, baseline) {
  const box = $("charts");
  box.textContent = "";
  for (const chart of answer.charts) {
    const fig = el("figure", { "data-chart": chart.stem },
      el("h3", { text: chart.title, title: explainText(chart.stem) }),
      el("div", { class: "sub", text: chart.subtitle }));
    box.append(fig);
    const w = width(fig);
    const base = baseline ? baseline.charts.find((c) => c.stem === chart.stem) : null;
    chart.panels.forEach((panel, i) => {
      const basePanel = base ? { months: base.months, series: base.panels[i] ? base.panels[i].series : [] } : null;
      const { opts, data, zero } = panelPlot(chart, panel, basePanel, w);
      // The scales that start at 0 (stacked), for a reader to check.
      const holder = el("div", { class: "plot", "data-zero": zero.join(",") });
      fig.append(holder);
      state.plots.push(new uPlot(opts, data, holder));
    });
    fig.append(el("figcaption", { text: chart.caption }));
  }
}

// What `canopy explain NAME` prints (from GET /api/params), shown on hover;
// the name itself where there is nothing to explain.
function explainText(name) {
  const texts = (state.params && state.params.explain) || {};
  return texts[name] || name;
}

// A metric's title in words with its unit ("LEAF price, USD"), from the
// column's own description.
function metricTitle(answer, m) {
  const doc = (answer.metric_docs || {})[m];
  return doc ? doc.replace(/\.$/, "") : m;
}

function renderFans(answer, baseline) {
  const section = $("mc-section");
  const box = $("fans");
  box.textContent = "";
  if (!answer.bands) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  const seed = state.scenario.simulation?.seed;
  $("mc-note").textContent = `${grouped(answer.runs)} runs with seeds ${seed === undefined ? 0 : grouped(seed)} onwards, as canopy sweep runs them: median, 25–75 and 5–95 bands` +
    (baseline && baseline.bands ? "; the baseline's median and 5–95 band dashed beside them." : ".") +
    (answer.random ? "" : " This scenario has no randomness (no price volatility or demand noise), so every run is the same.");
  const metrics = [...new Set(answer.bands.map((b) => b.metric))];
  for (const m of metrics) {
    const rows = answer.bands.filter((b) => b.metric === m);
    const baseRows = baseline && baseline.bands ? baseline.bands.filter((b) => b.metric === m) : [];
    const months = Math.max(rows.length ? rows[rows.length - 1].month : 0, baseRows.length ? baseRows[baseRows.length - 1].month : 0);
    const x = Array.from({ length: months }, (_, i) => i + 1);
    const col = (rs, k) => x.map((mo) => { const r = rs.find((q) => q.month === mo); return r ? r[k] : null; });
    const fig = el("figure", { "data-fan": m }, el("h3", { text: metricTitle(answer, m), title: explainText(m) }));
    box.append(fig);
    const c = "#2a9d8f", g = "#7a5195";
    const series = [
      { label: "month", points: { show: false } },
      { label: "p5", stroke: alpha(c, 0.3), points: { show: false }, value: (u, v) => compact(v) },
      { label: "p25", stroke: alpha(c, 0.5), points: { show: false }, value: (u, v) => compact(v) },
      { label: "median", stroke: c, width: 2, points: { show: false }, value: (u, v) => compact(v) },
      { label: "p75", stroke: alpha(c, 0.5), points: { show: false }, value: (u, v) => compact(v) },
      { label: "p95", stroke: alpha(c, 0.3), points: { show: false }, value: (u, v) => compact(v) },
    ];
    const data = [x, col(rows, "p5"), col(rows, "p25"), col(rows, "p50"), col(rows, "p75"), col(rows, "p95")];
    const bands = [
      { series: [5, 1], fill: alpha(c, 0.15) },
      { series: [4, 2], fill: alpha(c, 0.3) },
    ];
    if (baseRows.length) {
      series.push(
        { label: "baseline p5", stroke: alpha(g, 0.5), dash: [4, 4], points: { show: false }, value: (u, v) => compact(v) },
        { label: "baseline median", stroke: g, width: 2, dash: [6, 4], points: { show: false }, value: (u, v) => compact(v) },
        { label: "baseline p95", stroke: alpha(g, 0.5), dash: [4, 4], points: { show: false }, value: (u, v) => compact(v) });
      data.push(col(baseRows, "p5"), col(baseRows, "p50"), col(baseRows, "p95"));
    }
    const opts = {
      width: width(fig), height: 220,
      scales: { x: { time: false } },
      axes: [{ label: "month", size: 30, values: (u, t) => t.map((v) => grouped(v)) }, { values: (u, t) => t.map(tick), size: 64 }],
      series,
      bands,
    };
    state.plots.push(new uPlot(opts, data, fig));
  }
}

// Each criterion's share of the runs with its exact 95 % interval, and
// each main metric's tail: its 5 % quantile and the mean of the worst 5 %.
function renderCriteria(answer) {
  const box = $("criteria-results");
  const tail = $("tail");
  box.textContent = "";
  tail.textContent = "";
  if (!answer.bands) return;
  const pctOf = (v) => (v === null || v === undefined ? "–" : (v * 100).toFixed(1) + " %");
  if (answer.criteria && answer.criteria.length) {
    const table = el("table", { class: "criteria" },
      el("thead", null, el("tr", null, ...["criterion", "condition", "runs met", "probability", "95 % interval", "median first month"].map((h) => el("th", { text: h })))));
    const body = el("tbody");
    for (const c of answer.criteria) {
      body.append(el("tr", { "data-criterion": c.name },
        el("td", { text: c.name }),
        el("td", { text: c.condition }),
        el("td", { class: "num", text: `${grouped(c.k)} of ${grouped(c.n)}` }),
        el("td", { class: "num", text: pctOf(c.p) }),
        el("td", { class: "num", text: c.lo === null ? "–" : `${pctOf(c.lo)} to ${pctOf(c.hi)}` }),
        el("td", { class: "num", text: c.month_p50 === null ? "–" : grouped(c.month_p50) })));
    }
    table.append(body);
    box.append(table, el("p", { class: "dim", text: "Only runs that finished count; the interval is exact (Clopper-Pearson): with none met in n runs, the probability may still be up to about 3.7/n." }));
  }
  if (answer.tail) {
    const table = el("table", { class: "tail" },
      el("thead", null, el("tr", null, ...["metric (last month)", "5 % quantile", "mean of the worst 5 %"].map((h) => el("th", { text: h })))));
    const body = el("tbody");
    for (const t of answer.tail) {
      body.append(el("tr", { "data-tail": t.metric },
        el("td", { text: t.metric, title: explainText(t.metric) }),
        el("td", { class: "num", text: compact(t.p5) }),
        el("td", { class: "num", text: compact(t.es5) })));
    }
    table.append(body);
    tail.append(el("h3", { text: "Tail risk" }), table);
  }
}

function render(answer) {
  destroyPlots();
  renderSummary(answer.summary, state.baseline && state.baseline.summary);
  renderCharts(answer, state.baseline);
  renderFans(answer, state.baseline);
  renderCriteria(answer);
  renderScorecard(answer, state.baseline);
  renderChanges();
  // The model's words ("the run stopped in month ..."), as a sentence.
  if (answer.stopped) showStatus(answer.stopped[0].toUpperCase() + answer.stopped.slice(1) + ".");
  document.body.dataset.runs = String(++state.renders);
}
state.renders = 0;

// ------------------------------------------------------------ baseline changes

// A scenario as key paths and values, deals matched by id (as canopy
// compare's changes.csv keys them: `deal[<id>].oak.amount`).
function flatten(v, path, out) {
  if (Array.isArray(v) && path === "deal") {
    for (const d of v) flatten(d, `deal[${d.id}]`, out);
  } else if (v !== null && typeof v === "object" && !Array.isArray(v) && !isRaw(v)) {
    for (const [k, x] of Object.entries(v)) flatten(x, path ? path + "." + k : k, out);
  } else if (v !== undefined) {
    out.set(path, Array.isArray(v) ? v.join(", ") : isRaw(v) ? v.rawJSON : String(v));
  }
  return out;
}

// The keys whose values differ between the baseline's scenario (a) and
// the current one (b): [key, a, b]; a deal on one side only is one row.
function changes(a, b) {
  const fa = flatten(a, "", new Map()), fb = flatten(b, "", new Map());
  const ida = new Set((a.deal || []).map((d) => d.id)), idb = new Set((b.deal || []).map((d) => d.id));
  const rows = [];
  for (const id of ida) if (!idb.has(id)) rows.push([`deal[${id}]`, "present", "absent"]);
  for (const id of idb) if (!ida.has(id)) rows.push([`deal[${id}]`, "absent", "present"]);
  const dealOf = (k) => { const m = /^deal\[(.*?)\]/.exec(k); return m ? m[1] : null; };
  const keys = new Set([...fa.keys(), ...fb.keys()]);
  for (const k of keys) {
    const d = dealOf(k);
    if (d !== null && !(ida.has(d) && idb.has(d))) continue;
    const x = fa.get(k), y = fb.get(k);
    if (x !== y) rows.push([k, x ?? "(default)", y ?? "(default)"]);
  }
  return rows.sort((p, q) => (p[0] < q[0] ? -1 : p[0] > q[0] ? 1 : 0));
}

function renderChanges() {
  const box = $("baseline-info");
  box.textContent = "";
  box.hidden = !state.baseline;
  if (!state.baseline) return;
  const rows = changes(state.baseScenario, state.lastScenario || state.scenario);
  box.append(el("h2", { text: "Baseline" }),
    el("p", { class: "lead", text: `Pinned from ${state.baseName}. ` + (rows.length === 0 ? "Nothing has changed since." : rows.length === 1 ? "1 key has changed since:" : `${rows.length} keys have changed since:`) }));
  if (rows.length) {
    const t = el("table", { id: "changes" }, el("tr", {}, el("th", { text: "key" }), el("th", { text: "baseline" }), el("th", { text: "now" })));
    for (const [k, a, b] of rows) t.append(el("tr", { "data-key": k }, el("td", { text: k }), el("td", { text: a }), el("td", { text: b })));
    box.append(el("div", { class: "wide" }, t));
  }
}

// ------------------------------------------------------------ the URL, undo and redo

// A JSON merge patch (RFC 7386) from `a` to `b`; deals by id: a deal of
// the served scenario is {"@": id, ...its changes}, any other in full.
function patch(a, b) {
  if (a === b || JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (Array.isArray(b) || Array.isArray(a) || b === null || typeof b !== "object" || isRaw(b) || a === null || typeof a !== "object" || isRaw(a)) return b;
  const out = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!(k in b)) out[k] = null;
    else if (k === "deal" && Array.isArray(a.deal) && Array.isArray(b.deal)) {
      if (JSON.stringify(a.deal) === JSON.stringify(b.deal)) continue;
      const served = new Map(a.deal.map((d) => [d.id, d]));
      out.deal = b.deal.map((d) => (served.has(d.id) ? { "@": d.id, ...(patch(served.get(d.id), d) || {}) } : d));
    } else {
      const p = patch(a[k], b[k]);
      if (p !== undefined) out[k] = p;
    }
  }
  return Object.keys(out).length ? out : undefined;
}

function applyPatch(a, p) {
  if (p === null || typeof p !== "object" || Array.isArray(p) || isRaw(p)) return p;
  const out = a !== null && typeof a === "object" && !Array.isArray(a) ? clone(a) : {};
  for (const [k, v] of Object.entries(p)) {
    if (v === null) delete out[k];
    else if (k === "deal" && Array.isArray(v)) {
      const served = new Map(((a && a.deal) || []).map((d) => [d.id, d]));
      out.deal = v.map((d) => {
        if (d && typeof d === "object" && "@" in d && served.has(d["@"])) {
          const { "@": id, ...rest } = d;
          return applyPatch(served.get(id), rest);
        }
        return d;
      });
    } else out[k] = applyPatch(out[k], v);
  }
  return out;
}

// The edits against the served scenario, in the URL's fragment (a reload
// keeps them, a link shares them); nothing when there are none.
function writeURL() {
  const p = patch(state.served, state.scenario);
  const hash = p === undefined ? "" : "#edits=" + encodeURIComponent(body(p));
  if (location.hash !== hash) history.replaceState(null, "", location.pathname + location.search + hash);
}

function readURL() {
  const m = /^#edits=(.*)$/.exec(location.hash);
  if (!m) return null;
  try {
    return applyPatch(state.served, parseExact(decodeURIComponent(m[1])));
  } catch (e) {
    showStatus("The link's edits could not be read (" + e.message + "): the served scenario is shown.");
    return null;
  }
}

// Notes the scenario in the undo history if it changed.
function record() {
  const text = body(state.scenario);
  if (text === state.shown) return;
  if (state.shown !== null) state.history.push(state.shown);
  if (state.history.length > 200) state.history.shift();
  state.future = [];
  state.shown = text;
  writeURL();
  undoButtons();
}

function undoButtons() {
  $("undo").disabled = state.history.length === 0;
  $("redo").disabled = state.future.length === 0;
}

function step(from, to) {
  if (!from.length) return;
  to.push(state.shown);
  state.shown = from.pop();
  state.scenario = parseExact(state.shown);
  writeURL();
  undoButtons();
  buildForm();
  run();
}
const undo = () => step(state.history, state.future);
const redo = () => step(state.future, state.history);

// ------------------------------------------------------------ asking

// A question with two answers, in the page (not a blocking dialog).
function ask(text, yes, no) {
  return new Promise((resolve) => {
    const d = $("ask");
    d.textContent = "";
    const answer = (v) => { d.close(); resolve(v); };
    d.append(el("p", { text }),
      el("div", { class: "deals-bar" },
        el("button", { type: "button", id: "ask-yes", text: yes, onclick: () => answer(true) }),
        el("button", { type: "button", id: "ask-no", text: no, onclick: () => answer(false) })));
    d.showModal();
  });
}

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
  const answer = parseExact(await res.text());
  if (!res.ok) {
    showProblems((answer.problems || []).map((p) => ({ ...p, message: (p.line ? `${file.name}:${p.line}:${p.column}: ` : file.name + ": ") + p.message })));
    return;
  }
  if (state.baseline) {
    const keep = await ask(`Keep the baseline pinned from ${state.baseName} to compare ${file.name} with it?`, "Keep the baseline", "Clear the baseline");
    if (!keep) unpin();
  }
  state.scenario = answer;
  state.served = clone(answer);
  state.name = file.name;
  $("name").textContent = file.name;
  state.stash = new WeakMap();
  buildForm();
  changed();
}

function pin() {
  if (!state.last) return;
  state.baseline = state.last;
  state.baseScenario = clone(state.lastScenario || state.scenario);
  state.baseName = state.name + (state.history.length ? " (as edited then)" : "");
  $("unpin").hidden = false;
  render(state.last);
}

function unpin() {
  state.baseline = null;
  state.baseScenario = null;
  $("unpin").hidden = true;
  if (state.last) render(state.last);
}

// ------------------------------------------------------------ start

async function start() {
  const [params, res] = await Promise.all([fetch("/api/params").then((r) => r.json()), fetch("/api/scenario")]);
  state.params = params;
  state.served = parseExact(await res.text());
  state.scenario = readURL() || clone(state.served);
  const name = res.headers.get("x-canopy-scenario");
  state.name = name ? decodeURIComponent(name) : "scenario";
  $("name").textContent = state.name;
  document.title = "canopy serve: " + state.name;
  buildForm();
  $("pin").addEventListener("click", pin);
  $("unpin").addEventListener("click", unpin);
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  document.addEventListener("keydown", (e) => {
    // In a text field the browser's own undo applies.
    if (!(e.ctrlKey || e.metaKey) || e.key.toLowerCase() !== "z" || e.target.matches("input[type=text], textarea")) return;
    e.preventDefault();
    (e.shiftKey ? redo : undo)();
  });
  $("mc").addEventListener("change", changed);
  $("runs").addEventListener("input", changed);
  $("criteria").addEventListener("input", changed);
  $("save").addEventListener("click", () => download("/api/scenario.toml", "scenario.toml"));
  $("dl-metrics").addEventListener("click", () => download("/api/metrics.csv", "metrics.csv"));
  $("dl-report").addEventListener("click", () => download("/api/report.html", "report.html"));
  $("open").addEventListener("change", (e) => e.target.files[0] && open(e.target.files[0]));
  let resize = null;
  window.addEventListener("resize", () => {
    clearTimeout(resize);
    resize = setTimeout(() => { stickColumns(); if (state.last) render(state.last); }, 200);
  });
  undoButtons();
  run();
}

start();
