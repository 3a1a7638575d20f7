// The web console of the development Central System (tools/dev_cs.py): reads the live event
// stream (GET /events) into the model of state.js, renders it, and drives the charge point
// through the same control API the tests use (POST /call, POST /config). Plain ES modules, no
// build step, nothing from the network but the dev CS itself.

import {
  apply, connectorsOf, deliveredWh, filterFrames, initialState, reservationsOf, transactionsOf,
} from "./state.js";
import {
  ACTIONS, AUTHORIZATION_STATUSES, PROFILES, buildPayload, describeAnswer, rowsToPatch, rulesToRows,
} from "./actions.js";
import { lineChart, transactionSeries } from "./chart.js";

const CHARTS_SHOWN = 6;
const FRAMES_SHOWN = 300;

let state = initialState();
let selected = null; // cp_id shown
const ui = {
  stream: "connecting",
  renderQueued: false,
  formsFor: null, // cp_id the command forms were built for
  connectorAnswers: {}, // connectorId -> {ok, text}
  txAnswers: {}, // transactionId -> {ok, text}
  configTs: undefined, // configuration.ts last rendered
  rulesDirty: false,
  rulesConfig: null, // the config object the rules editor shows
  framesKey: "", // what the frame table last showed
  openFrames: new Set(), // seq of expanded log entries
  actionOptions: "",
};

const $ = (sel) => document.querySelector(sel);
/** Replaces an element's content only when it changed (a button under the mouse stays put). */
function setHtml(el, html) {
  if (el._html !== html) {
    el._html = html;
    el.innerHTML = html;
  }
}
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => (
  { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// -- control API ----------------------------------------------------------------------------

async function post(path, body) {
  let resp;
  try {
    resp = await fetch(path, {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
    });
  } catch (e) {
    return { status: 0, body: { error: { code: "Unreachable", description: String(e) } } };
  }
  let json = null;
  try { json = await resp.json(); } catch { /* not JSON */ }
  return { status: resp.status, body: json };
}

/** POST /call for the selected charge point; the answer as {ok, text}. */
async function callCp(action, payload) {
  const { status, body } = await post("/call", { cp_id: selected, action, payload, timeout: 15 });
  return describeAnswer(body, status);
}

function showAnswer(out, answer) {
  out.textContent = answer.text;
  out.className = answer.ok ? "ok" : "bad";
}

// -- the stream -----------------------------------------------------------------------------

function connect() {
  const es = new EventSource("/events");
  for (const kind of ["hello", "config", "cp", "frame", "shutdown"]) {
    es.addEventListener(kind, (e) => {
      state = apply(state, kind, JSON.parse(e.data));
      if (kind === "hello") {
        // A replay follows: forget what was derived from the previous one.
        ui.formsFor = null;
        ui.configTs = undefined;
        ui.framesKey = "";
      }
      schedule();
    });
  }
  es.onopen = () => { ui.stream = "live"; schedule(); };
  es.onerror = () => { ui.stream = state.shutdown ? "Central System stopped" : "reconnecting…"; schedule(); };
}

function schedule() {
  if (ui.renderQueued) return;
  ui.renderQueued = true;
  setTimeout(() => { ui.renderQueued = false; render(); }, 100);
}

// -- rendering ------------------------------------------------------------------------------

function ago(ts) {
  if (ts == null) return "never";
  const s = Math.max(0, Math.round(Date.now() / 1000 - ts));
  return s < 90 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

function time(ts) {
  const d = new Date(ts * 1000);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function badge(text, cls = text) {
  return `<span class="badge ${esc(cls)}">${esc(text)}</span>`;
}

function render() {
  const stream = $("#stream");
  stream.textContent = ui.stream === "live" ? "live" : ui.stream;
  stream.className = "stream " + (ui.stream === "live" ? "live" : "down");
  if (state.hello) {
    $("#endpoint").textContent = `charge points connect to ${state.hello.ws_url}/<id>`;
  }
  const ids = Object.keys(state.cps).sort();
  if (!selected || !state.cps[selected]) selected = ids.find((id) => state.cps[id].status.connected) ?? ids[0] ?? null;
  renderCpList(ids);
  $("#nothing").hidden = !!selected;
  $("#cp-view").hidden = !selected;
  renderRules();
  if (!selected) return;
  const cp = state.cps[selected];
  if (ui.formsFor !== selected) buildForms();
  renderOverview(cp);
  renderConnectors(cp);
  renderTransactions(cp);
  renderConfiguration(cp);
  renderFrames(cp);
  renderSuggestions(cp);
}

function renderCpList(ids) {
  const list = $("#cps");
  if (!ids.length) { setHtml(list, `<li class="muted">none yet</li>`); return; }
  setHtml(list, ids.map((id) => {
    const cp = state.cps[id];
    const on = cp.status.connected;
    const reg = cp.boot ? cp.boot.status : "no BootNotification";
    return `<li><button type="button" data-cp="${esc(id)}" data-testid="cp-${esc(id)}"
      class="${id === selected ? "selected" : ""}">${badge(on ? "online" : "offline")} <b>${esc(id)}</b>
      <span class="sub">${esc(reg)} · last message ${esc(ago(cp.lastMessage))}</span></button></li>`;
  }).join(""));
}

function renderOverview(cp) {
  const b = cp.boot?.request ?? {};
  const facts = [
    ["connection", `${badge(cp.status.connected ? "online" : "offline")} ${esc(cp.status.path ?? "")}
      <span class="muted">(${esc(cp.status.connect_count)} connection${cp.status.connect_count === 1 ? "" : "s"})</span>`],
    ["registration", cp.boot
      ? `${badge(cp.boot.status)} <span class="muted">interval ${esc(cp.boot.interval)} s, ${esc(ago(cp.boot.ts))}</span>`
      : `<span class="muted">no BootNotification seen</span>`],
    ["vendor / model", `${esc(b.chargePointVendor ?? "?")} / ${esc(b.chargePointModel ?? "?")}`],
    ["firmware", esc(b.firmwareVersion ?? "—")],
    ["serial", esc(b.chargePointSerialNumber ?? b.chargeBoxSerialNumber ?? "—")],
    ["last heartbeat", `<span data-testid="last-heartbeat">${esc(ago(cp.lastHeartbeat))}</span>`],
    ["local list version", `<span data-testid="local-list-version">${esc(cp.localListVersion ?? "unknown")}</span>`],
    ["frames", esc(cp.frameCount)],
  ];
  setHtml($("#overview"), `<h2 data-testid="cp-title">${esc(cp.id)}</h2><dl class="facts">${
    facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`);
}

function renderConnectors(cp) {
  const conns = connectorsOf(cp);
  if (!conns.length) { setHtml($("#connectors"), `<p class="muted">No StatusNotification yet.</p>`); return; }
  const reservations = reservationsOf(cp, Date.now());
  const rows = conns.map((c) => {
    const res = reservations.filter((r) => r.connectorId === c.id)
      .map((r) => `#${esc(r.reservationId)} for ${esc(r.idTag)} until ${esc(new Date(r.expiryDate).toLocaleTimeString([], { hour12: false }))}`)
      .join(", ");
    const ans = ui.connectorAnswers[c.id];
    const buttons = c.id === 0 ? "" : `
      <button type="button" data-start="${c.id}" data-testid="start-connector-${c.id}">Start</button>
      <button type="button" data-unlock="${c.id}" data-testid="unlock-connector-${c.id}">Unlock</button>
      ${ans ? `<span class="answer ${ans.ok ? "ok" : "bad"}">${esc(ans.text)}</span>` : ""}`;
    return `<tr data-testid="connector-${c.id}"><td>${c.id === 0 ? "0 (charge point)" : c.id}</td>
      <td>${c.status ? badge(c.status) : "?"}</td><td>${esc(c.errorCode ?? "")}${c.info ? ` <span class="muted">${esc(c.info)}</span>` : ""}</td>
      <td>${c.transactionId != null ? esc(c.transactionId) : ""}</td>
      <td class="num">${c.meter ? `${esc(c.meter.wh)} Wh` : ""}</td><td>${res}</td><td class="buttons">${buttons}</td></tr>`;
  });
  setHtml($("#connectors"), `<table><thead><tr><th>connector</th><th>status</th><th>error</th>
    <th>transaction</th><th>meter</th><th>reservation</th><th></th></tr></thead><tbody>${rows.join("")}</tbody></table>`);
}

function txState(tx) {
  if (tx.active) return badge("running");
  if (tx.stopTimestamp != null) return `${badge("stopped", "stopped")} <span class="muted">${esc(tx.reason ?? "")}</span>`;
  return badge("?");
}

function renderTransactions(cp) {
  const txs = transactionsOf(cp);
  if (!txs.length) {
    setHtml($("#transactions"), `<p class="muted">No transaction yet: press Start on a connector, or Remote Start below.</p>`);
    setHtml($("#charts"), "");
    return;
  }
  const rows = txs.map((tx) => {
    const ans = ui.txAnswers[tx.id];
    const d = deliveredWh(tx);
    return `<tr data-testid="tx-row-${esc(tx.id)}" data-active="${tx.active}"><td>${esc(tx.id)}</td><td>${esc(tx.connectorId ?? "?")}</td>
      <td>${esc(tx.idTag ?? "?")} ${tx.idTagStatus ? badge(tx.idTagStatus) : ""}</td>
      <td class="num">${esc(tx.meterStart ?? "")}</td><td class="num">${tx.latest ? esc(tx.latest.wh) : ""}</td>
      <td class="num">${d != null ? `${esc(d)} Wh` : ""}</td>
      <td>${esc(tx.startTimestamp ? new Date(tx.startTimestamp).toLocaleTimeString([], { hour12: false }) : "")}</td>
      <td>${txState(tx)}</td>
      <td class="buttons">${tx.active ? `<button type="button" data-stop="${esc(tx.id)}" data-testid="stop-tx-${esc(tx.id)}">Remote Stop</button>` : ""}
        ${ans ? `<span class="answer ${ans.ok ? "ok" : "bad"}">${esc(ans.text)}</span>` : ""}</td></tr>`;
  });
  setHtml($("#transactions"), `<table><thead><tr><th>id</th><th>connector</th><th>idTag</th>
    <th>meter start (Wh)</th><th>latest (Wh)</th><th>delivered</th><th>started</th><th>state</th><th></th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>`);
  setHtml($("#charts"), txs.slice(0, CHARTS_SHOWN).map((tx) => {
    const points = transactionSeries(tx);
    const others = Object.entries(tx.values).map(([k, v]) => `${esc(k)} ${esc(v.value)} ${esc(v.unit)}`).join(" · ");
    return `<div class="chart-card" data-testid="chart-${esc(tx.id)}" data-points="${points.length}">
      <h4>Transaction ${esc(tx.id)} · connector ${esc(tx.connectorId ?? "?")} · ${esc(tx.idTag ?? "")} ${txState(tx)}</h4>
      ${lineChart(points, { title: `energy delivered by transaction ${tx.id}`, yUnit: "Wh", live: tx.active })}
      <p>${points.length} readings${others ? ` · ${others}` : ""}</p></div>`;
  }).join(""));
}

function renderConfiguration(cp) {
  const conf = cp.configuration;
  if (!conf || conf.ts === ui.configTs) return;
  ui.configTs = conf.ts;
  const rows = [...conf.keys].sort((a, b) => a.key.localeCompare(b.key)).map((k) => `
    <tr data-key="${esc(k.key)}" data-testid="config-${esc(k.key)}"><td>${esc(k.key)}</td>
    <td>${k.readonly ? `<span>${esc(k.value ?? "")}</span> <span class="muted">(read-only)</span>`
      : `<input value="${esc(k.value ?? "")}" aria-label="${esc(k.key)}">`}</td>
    <td>${k.readonly ? "" : `<button type="button" data-set="${esc(k.key)}">Set</button>`} <span class="answer"></span></td></tr>`);
  const unknown = conf.unknown.length ? `<p class="muted">unknown: ${esc(conf.unknown.join(", "))}</p>` : "";
  $("#config-table").innerHTML = `<table><thead><tr><th>key</th><th>value</th><th></th></tr></thead>
    <tbody>${rows.join("")}</tbody></table>${unknown}`;
}

function renderFrames(cp) {
  const filter = { text: $("#f-text").value, dir: $("#f-dir").value, action: $("#f-action").value };
  const options = [...cp.actions].sort();
  const optionsKey = options.join(",");
  if (optionsKey !== ui.actionOptions) {
    ui.actionOptions = optionsKey;
    const sel = $("#f-action");
    const keep = sel.value;
    sel.innerHTML = `<option value="">every action</option>` +
      options.map((a) => `<option${a === keep ? " selected" : ""}>${esc(a)}</option>`).join("");
  }
  const key = JSON.stringify([cp.id, cp.frameCount, filter, [...ui.openFrames]]);
  if (key === ui.framesKey) return;
  ui.framesKey = key;
  const shown = filterFrames(cp, filter, FRAMES_SHOWN);
  $("#f-count").textContent = `${shown.length} shown of ${cp.frameCount}`;
  const rows = shown.map((f) => {
    const payload = f.type === "ERROR" ? [f.code, f.payload] : f.payload;
    const text = payload === null ? f.raw : JSON.stringify(payload);
    const short = text.length > 160 ? text.slice(0, 157) + "…" : text;
    const open = ui.openFrames.has(f.seq);
    return `<tr class="${esc(f.type)} ${f.dir === "cs->cp" ? "cs-cp" : "cp-cs"}" data-testid="frame-row">
      <td class="t">${esc(time(f.ts))}</td>
      <td class="dir">${f.dir === "cp->cs" ? "CP → CS" : "CS → CP"}</td>
      <td class="kind">${esc(f.type)}</td><td class="action">${esc(f.action ?? "")}</td>
      <td class="payload"><details data-seq="${f.seq}"${open ? " open" : ""}><summary>${esc(short)}</summary>
      <pre>${esc(f.raw)}</pre></details></td></tr>`;
  });
  $("#frames").innerHTML = `<table><thead><tr><th>time</th><th>direction</th><th>type</th><th>action</th>
    <th>payload</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

function renderSuggestions(cp) {
  // The Remote Stop form suggests the running transactions.
  const list = $("#suggest-activeTransactions");
  if (!list) return;
  const ids = transactionsOf(cp).filter((t) => t.active).map((t) => String(t.id));
  const html = ids.map((id) => `<option value="${esc(id)}">`).join("");
  if (list.innerHTML !== html) list.innerHTML = html;
  const input = $('form[data-action="RemoteStopTransaction"] input[name="transactionId"]');
  if (input && !input.dataset.edited) input.value = ids[0] ?? "";
}

// -- the command forms ----------------------------------------------------------------------

function fieldHtml(f) {
  const id = `f-${f.name}`;
  if (f.type === "select") {
    return `<label>${esc(f.label)} <select name="${esc(f.name)}">${f.options.map((o) =>
      `<option${o === (f.default ?? f.options[0]) ? " selected" : ""}>${esc(o)}</option>`).join("")}</select></label>`;
  }
  if (f.type === "entries") {
    return `<label class="block">${esc(f.label)}<textarea name="${esc(f.name)}" rows="3">${esc(f.default ?? "")}</textarea></label>`;
  }
  const list = f.suggest ? ` list="suggest-${esc(f.suggest)}"` : "";
  const mode = f.type === "int" ? ` inputmode="numeric"` : "";
  return `<label>${esc(f.label)} <input name="${esc(f.name)}" value="${esc(f.default ?? "")}"${list}${mode}
    ${f.optional ? ` placeholder="optional"` : ""} data-field="${esc(id)}"></label>`;
}

function buildForms() {
  ui.formsFor = selected;
  ui.connectorAnswers = {};
  ui.txAnswers = {};
  const html = [];
  for (const profile of PROFILES) {
    const note = profile.supported ? ""
      : ` <span class="note">not implemented in zephyr-ocpp yet: the charge point answers CALLERROR NotSupported</span>`;
    html.push(`<h3 class="profile" data-testid="profile-${profile.id}">${esc(profile.title)}${note}</h3>`);
    for (const spec of ACTIONS.filter((a) => a.profile === profile.id)) {
      html.push(`<form class="action${profile.supported ? "" : " unsupported"}" data-action="${spec.action}"
        data-testid="form-${spec.action}"><h4>${esc(spec.label)} <small class="muted">${esc(spec.action)}</small></h4>
        ${spec.fields.map(fieldHtml).join("")}
        <button type="submit" class="primary" data-testid="send-${spec.action}">Send</button>
        <output data-testid="answer-${spec.action}"></output></form>`);
    }
  }
  html.push(`<datalist id="suggest-activeTransactions"></datalist>`);
  $("#actions").innerHTML = html.join("");
  $("#config-table").innerHTML = `<p class="muted">Not asked yet.</p>`;
  $("#config-answer").textContent = "";
  ui.configTs = undefined;
  ui.framesKey = "";
  ui.openFrames.clear();
}

async function submitAction(form) {
  const action = form.dataset.action;
  const out = form.querySelector("output");
  const values = Object.fromEntries(new FormData(form).entries());
  let payload;
  try {
    payload = buildPayload(action, values);
  } catch (e) {
    showAnswer(out, { ok: false, text: e.message });
    return;
  }
  out.textContent = "…";
  out.className = "busy";
  showAnswer(out, await callCp(action, payload));
}

// -- idTag rules and Central System settings ----------------------------------------------------

function ruleRow(r) {
  return `<tr><td><input name="prefix" value="${esc(r.prefix)}" aria-label="prefix"></td>
    <td><select name="status" aria-label="status">${AUTHORIZATION_STATUSES.map((s) =>
      `<option${s === r.status ? " selected" : ""}>${esc(s)}</option>`).join("")}</select></td>
    <td><input name="parentIdTag" value="${esc(r.parentIdTag)}" aria-label="parentIdTag"></td>
    <td><input name="expiryDate" value="${esc(r.expiryDate)}" placeholder="2030-01-01T00:00:00Z" aria-label="expiryDate"></td>
    <td><button type="button" data-remove-rule>Remove</button></td></tr>`;
}

function renderRules(force = false) {
  if (!state.config || (state.config === ui.rulesConfig && !force)) return;
  if (ui.rulesDirty && !force) return; // never overwrite an edit in progress
  ui.rulesConfig = state.config;
  $("#rules-body").innerHTML = rulesToRows(state.config.idtag_rules).map(ruleRow).join("");
  const cs = $("#cs-settings");
  cs.boot_status.value = state.config.boot_status;
  cs.heartbeat_interval.value = state.config.heartbeat_interval;
}

function rulesFromEditor() {
  return [...document.querySelectorAll("#rules-body tr")].map((tr) => ({
    prefix: tr.querySelector('[name="prefix"]').value,
    status: tr.querySelector('[name="status"]').value,
    parentIdTag: tr.querySelector('[name="parentIdTag"]').value,
    expiryDate: tr.querySelector('[name="expiryDate"]').value,
  }));
}

async function saveRules() {
  const out = $("#rules-answer");
  let patch;
  try {
    patch = rowsToPatch(state.config?.idtag_rules ?? {}, rulesFromEditor());
  } catch (e) {
    showAnswer(out, { ok: false, text: e.message });
    return;
  }
  const { status, body } = await post("/config", { idtag_rules: patch });
  if (status === 200) {
    ui.rulesDirty = false;
    state.config = body;
    renderRules(true);
    showAnswer(out, { ok: true, text: "saved" });
  } else {
    showAnswer(out, describeAnswer(body, status));
  }
}

// -- events ---------------------------------------------------------------------------------

function wire() {
  $("#cps").addEventListener("click", (e) => {
    const b = e.target.closest("[data-cp]");
    if (b) { selected = b.dataset.cp; render(); }
  });
  $("#actions").addEventListener("submit", (e) => {
    e.preventDefault();
    submitAction(e.target);
  });
  $("#actions").addEventListener("input", (e) => { e.target.dataset.edited = "1"; });
  $("#connectors").addEventListener("click", async (e) => {
    const start = e.target.closest("[data-start]");
    const unlock = e.target.closest("[data-unlock]");
    if (!start && !unlock) return;
    const connectorId = Number((start ?? unlock).dataset.start ?? (start ?? unlock).dataset.unlock);
    const idTag = $('form[data-action="RemoteStartTransaction"] input[name="idTag"]')?.value || "CONSOLE01";
    ui.connectorAnswers[connectorId] = { ok: true, text: "…" };
    schedule();
    ui.connectorAnswers[connectorId] = start
      ? await callCp("RemoteStartTransaction", { connectorId, idTag })
      : await callCp("UnlockConnector", { connectorId });
    schedule();
  });
  $("#transactions").addEventListener("click", async (e) => {
    const b = e.target.closest("[data-stop]");
    if (!b) return;
    const transactionId = Number(b.dataset.stop);
    ui.txAnswers[transactionId] = { ok: true, text: "…" };
    schedule();
    ui.txAnswers[transactionId] = await callCp("RemoteStopTransaction", { transactionId });
    schedule();
  });
  $("#config-refresh").addEventListener("click", async () => {
    const out = $("#config-answer");
    out.textContent = "…";
    const ans = await callCp("GetConfiguration", {});
    showAnswer(out, ans.ok ? { ok: true, text: "received (the table follows the answer frame)" } : ans);
  });
  $("#config-table").addEventListener("click", async (e) => {
    const b = e.target.closest("[data-set]");
    if (!b) return;
    const tr = b.closest("tr");
    const out = tr.querySelector(".answer");
    out.textContent = "…";
    const ans = await callCp("ChangeConfiguration", { key: b.dataset.set, value: tr.querySelector("input").value });
    out.textContent = ans.text;
    out.className = "answer " + (ans.ok ? "ok" : "bad");
  });
  const rules = $("#rules");
  rules.addEventListener("input", () => { ui.rulesDirty = true; });
  rules.addEventListener("submit", (e) => { e.preventDefault(); saveRules(); });
  rules.addEventListener("click", (e) => {
    if (e.target.closest("[data-remove-rule]")) {
      e.target.closest("tr").remove();
      ui.rulesDirty = true;
    }
  });
  $("#rules-add").addEventListener("click", () => {
    $("#rules-body").insertAdjacentHTML("beforeend", ruleRow({ prefix: "", status: "Blocked", parentIdTag: "", expiryDate: "" }));
    ui.rulesDirty = true;
    $("#rules-body tr:last-child input").focus();
  });
  $("#rules-revert").addEventListener("click", () => {
    ui.rulesDirty = false;
    $("#rules-answer").textContent = "";
    renderRules(true);
  });
  $("#cs-settings").addEventListener("submit", async (e) => {
    e.preventDefault();
    const f = e.target;
    const interval = Number(f.heartbeat_interval.value);
    const { status, body } = await post("/config", { boot_status: f.boot_status.value, heartbeat_interval: interval });
    showAnswer($("#cs-answer"), status === 200
      ? { ok: true, text: "saved (applies to the next BootNotification)" } : describeAnswer(body, status));
  });
  for (const id of ["#f-text", "#f-dir", "#f-action"]) $(id).addEventListener("input", () => render());
  $("#frames").addEventListener("toggle", (e) => {
    const seq = Number(e.target.dataset.seq);
    if (e.target.open) ui.openFrames.add(seq); else ui.openFrames.delete(seq);
  }, true);
  setInterval(render, 1000); // the "… s ago" texts
}

wire();
connect();
