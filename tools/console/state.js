// The console's model: folds the dev CS's event stream (GET /events: hello, config, cp,
// frame, shutdown) into what the page shows for each charge point: its registration, last
// heartbeat, connectors, transactions with their meter readings, reservations, the local
// list version, the last GetConfiguration and a bounded frame log.
//
// Pure: no DOM, no clock (times come from the frames), no fetch. `apply` mutates the state it
// is given and returns it; the page renders from it. Runs in the browser and in node (tests).

/** Frames kept per charge point for the log (the stream replays the CS's whole history). */
export const FRAME_LOG_LIMIT = 2000;
/** Readings kept per transaction for its chart. */
export const READINGS_LIMIT = 5000;

export const MESSAGE_TYPE = { 2: "CALL", 3: "RESULT", 4: "ERROR" };
const ENERGY = "Energy.Active.Import.Register";

export function initialState() {
  return {
    hello: null, // {ws_url, control_port}
    config: null, // as GET /config
    shutdown: false,
    cps: {}, // cp_id -> charge point view
    seq: 0, // frames seen (all charge points)
  };
}

function newCp(id) {
  return {
    id,
    status: { cp_id: id, connected: false, connect_count: 0, path: null, subprotocol: null,
              last_boot_status: null },
    boot: null, // {request, status, interval, currentTime, ts}
    lastHeartbeat: null, // ts (s) of the last Heartbeat CALL
    lastMessage: null, // ts (s) of the last frame from the charge point
    connectors: {}, // connectorId -> {id, status, errorCode, info, vendorErrorCode, ts, meter}
    transactions: {}, // transactionId -> transaction
    txOrder: [], // transactionIds, oldest first
    reservations: {}, // reservationId -> {reservationId, connectorId, idTag, expiryDate}
    localListVersion: null,
    configuration: null, // {keys: [{key, value, readonly}], unknown: [...], ts}
    pending: {}, // unique id of a CALL -> {action, payload, dir, ts}; until its answer
    frames: [], // log entries, oldest first, at most FRAME_LOG_LIMIT
    frameCount: 0,
    actions: new Set(), // action names seen, for the log's filter
  };
}

/** The view of `cpId`, created on first sight. */
export function cpOf(state, cpId) {
  if (!state.cps[cpId]) state.cps[cpId] = newCp(cpId);
  return state.cps[cpId];
}

/** Folds one stream event into `state`; unknown kinds are ignored. Returns `state`. */
export function apply(state, kind, data) {
  switch (kind) {
    case "hello": {
      // Every (re)connection of the stream starts with hello and a full replay.
      const fresh = initialState();
      fresh.hello = data;
      return fresh;
    }
    case "config":
      state.config = data;
      return state;
    case "cp":
      cpOf(state, data.cp_id).status = { ...data };
      return state;
    case "frame":
      applyFrame(state, data);
      return state;
    case "shutdown":
      state.shutdown = true;
      for (const cp of Object.values(state.cps)) cp.status.connected = false;
      return state;
    default:
      return state;
  }
}

/** Parses a raw OCPP-J frame: {type, id, action?, payload?, code?, description?} or null. */
export function parseFrame(text) {
  let msg;
  try {
    msg = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(msg) || msg.length < 3 || typeof msg[1] !== "string") return null;
  switch (msg[0]) {
    case 2:
      return typeof msg[2] === "string" ? { type: "CALL", id: msg[1], action: msg[2], payload: msg[3] ?? {} } : null;
    case 3:
      return { type: "RESULT", id: msg[1], payload: msg[2] };
    case 4:
      return { type: "ERROR", id: msg[1], code: msg[2], description: msg[3] ?? "", payload: msg[4] ?? {} };
    default:
      return null;
  }
}

function applyFrame(state, rec) {
  const cp = cpOf(state, rec.cp_id);
  const msg = parseFrame(rec.frame);
  const entry = {
    seq: ++state.seq,
    ts: rec.ts,
    dir: rec.dir,
    raw: rec.frame,
    type: msg ? msg.type : "?",
    id: msg ? msg.id : null,
    action: null,
    payload: msg ? msg.payload : null,
    code: msg && msg.type === "ERROR" ? msg.code : null,
  };
  if (rec.dir === "cp->cs") cp.lastMessage = rec.ts;
  if (msg) {
    if (msg.type === "CALL") {
      entry.action = msg.action;
      cp.pending[msg.id] = { action: msg.action, payload: msg.payload, dir: rec.dir, ts: rec.ts };
      if (rec.dir === "cp->cs") onCpCall(cp, msg.action, msg.payload, rec.ts);
    } else {
      const call = cp.pending[msg.id];
      // Only an answer travelling the other way answers a CALL.
      if (call && call.dir !== rec.dir) {
        delete cp.pending[msg.id];
        entry.action = call.action;
        if (msg.type === "RESULT") {
          if (call.dir === "cp->cs") onCsResult(cp, call, msg.payload, rec.ts);
          else onCpResult(cp, call, msg.payload, rec.ts);
        }
      }
    }
  }
  if (entry.action) cp.actions.add(entry.action);
  cp.frames.push(entry);
  cp.frameCount++;
  if (cp.frames.length > FRAME_LOG_LIMIT) cp.frames.splice(0, cp.frames.length - FRAME_LOG_LIMIT);
}

// -- charge point -> central system ---------------------------------------------------------

function onCpCall(cp, action, p, ts) {
  switch (action) {
    case "Heartbeat":
      cp.lastHeartbeat = ts;
      break;
    case "StatusNotification": {
      const c = connector(cp, p.connectorId);
      Object.assign(c, {
        status: p.status, errorCode: p.errorCode, info: p.info ?? null,
        vendorErrorCode: p.vendorErrorCode ?? null, ts,
      });
      if (p.status !== "Reserved") dropReservationsOn(cp, p.connectorId, p.status);
      break;
    }
    case "MeterValues": {
      const tx = p.transactionId != null ? tx_(cp, p.transactionId) : null;
      for (const mv of p.meterValue ?? []) addMeterValue(cp, p.connectorId, tx, mv, ts);
      break;
    }
    case "StopTransaction": {
      const tx = tx_(cp, p.transactionId);
      for (const mv of p.transactionData ?? []) addMeterValue(cp, tx.connectorId, tx, mv, ts);
      Object.assign(tx, {
        active: false, meterStop: p.meterStop, stopTimestamp: p.timestamp,
        reason: p.reason ?? "Local", stopIdTag: p.idTag ?? null,
      });
      addReading(tx, timeOf(p.timestamp, ts), p.meterStop);
      if (tx.connectorId != null) {
        const c = connector(cp, tx.connectorId);
        if (c.transactionId === tx.id) c.transactionId = null;
      }
      break;
    }
    default:
      break;
  }
}

function onCsResult(cp, call, r, ts) {
  const p = call.payload;
  switch (call.action) {
    case "BootNotification":
      cp.boot = { request: p, status: r.status, interval: r.interval, currentTime: r.currentTime, ts };
      break;
    case "StartTransaction": {
      if (r.transactionId == null) break;
      const tx = tx_(cp, r.transactionId);
      Object.assign(tx, {
        connectorId: p.connectorId, idTag: p.idTag, meterStart: p.meterStart,
        startTimestamp: p.timestamp, reservationId: p.reservationId ?? null,
        idTagStatus: r.idTagInfo?.status ?? null,
      });
      if (tx.stopTimestamp == null) tx.active = true;
      // The start reading goes first, whatever arrived before the answer.
      addReading(tx, timeOf(p.timestamp, call.ts), p.meterStart);
      if (tx.active) connector(cp, p.connectorId).transactionId = tx.id;
      if (p.reservationId != null) delete cp.reservations[p.reservationId];
      break;
    }
    default:
      break;
  }
}

// -- central system -> charge point ------------------------------------------------------------

function onCpResult(cp, call, r, ts) {
  const p = call.payload;
  const accepted = r && r.status === "Accepted";
  switch (call.action) {
    case "ReserveNow":
      if (accepted) {
        cp.reservations[p.reservationId] = {
          reservationId: p.reservationId, connectorId: p.connectorId, idTag: p.idTag,
          expiryDate: p.expiryDate, ts,
        };
      }
      break;
    case "CancelReservation":
      if (accepted) delete cp.reservations[p.reservationId];
      break;
    case "SendLocalList":
      if (accepted) cp.localListVersion = p.listVersion;
      break;
    case "GetLocalListVersion":
      if (typeof r.listVersion === "number") cp.localListVersion = r.listVersion;
      break;
    case "GetConfiguration": {
      const keys = (r.configurationKey ?? []).map((k) => ({
        key: k.key, value: k.value ?? null, readonly: !!k.readonly,
      }));
      if (cp.configuration && p.key && p.key.length) {
        // An answer about some keys updates those rows of the table.
        const merged = new Map(cp.configuration.keys.map((k) => [k.key, k]));
        for (const k of keys) merged.set(k.key, k);
        cp.configuration = { keys: [...merged.values()], unknown: r.unknownKey ?? [], ts };
      } else {
        cp.configuration = { keys, unknown: r.unknownKey ?? [], ts };
      }
      break;
    }
    case "ChangeConfiguration":
      if ((r.status === "Accepted" || r.status === "RebootRequired") && cp.configuration) {
        const row = cp.configuration.keys.find((k) => k.key === p.key);
        if (row) row.value = p.value;
      }
      break;
    default:
      break;
  }
}

// -- helpers ------------------------------------------------------------------------------------

function connector(cp, id) {
  if (!cp.connectors[id]) {
    cp.connectors[id] = { id, status: null, errorCode: null, info: null, vendorErrorCode: null,
                          ts: null, meter: null, transactionId: null };
  }
  return cp.connectors[id];
}

function tx_(cp, id) {
  if (!cp.transactions[id]) {
    cp.transactions[id] = {
      id, connectorId: null, idTag: null, idTagStatus: null, meterStart: null,
      startTimestamp: null, reservationId: null, meterStop: null, stopTimestamp: null,
      reason: null, stopIdTag: null, active: false, readings: [], latest: null, values: {},
    };
    cp.txOrder.push(id);
  }
  return cp.transactions[id];
}

/** ms since the epoch of an OCPP timestamp, or of the frame's `ts` (s) when unreadable. */
export function timeOf(timestamp, ts) {
  const t = typeof timestamp === "string" ? Date.parse(timestamp) : NaN;
  return Number.isFinite(t) ? t : Math.round(ts * 1000);
}

/** Wh of an energy sampled value, or null (Wh is the default unit; kWh is scaled). */
export function energyWh(sv) {
  if ((sv.measurand ?? ENERGY) !== ENERGY || sv.phase) return null;
  const v = Number(sv.value);
  if (!Number.isFinite(v)) return null;
  const unit = sv.unit ?? "Wh";
  if (unit === "Wh") return v;
  if (unit === "kWh") return v * 1000;
  return null;
}

function addMeterValue(cp, connectorId, tx, mv, ts) {
  const t = timeOf(mv.timestamp, ts);
  for (const sv of mv.sampledValue ?? []) {
    const wh = energyWh(sv);
    if (wh != null) {
      if (connectorId != null) connector(cp, connectorId).meter = { wh, t };
      if (tx) addReading(tx, t, wh);
    } else if (tx) {
      const name = (sv.measurand ?? ENERGY) + (sv.phase ? ` ${sv.phase}` : "");
      tx.values[name] = { value: sv.value, unit: sv.unit ?? "", t };
    }
  }
}

function addReading(tx, t, wh) {
  if (typeof wh !== "number" || !Number.isFinite(wh)) return;
  const r = tx.readings;
  // Keep them in time order (queued messages may arrive late); same time: last one wins.
  let i = r.length;
  while (i > 0 && r[i - 1].t > t) i--;
  if (i > 0 && r[i - 1].t === t) r[i - 1].wh = wh;
  else r.splice(i, 0, { t, wh });
  if (r.length > READINGS_LIMIT) r.splice(1, r.length - READINGS_LIMIT); // keep the start
  tx.latest = r[r.length - 1];
}

function dropReservationsOn(cp, connectorId, status) {
  // A connector that leaves Reserved (for anything but Unavailable/Faulted in the middle of a
  // reservation) no longer holds it: used, cancelled or expired on the charge point.
  if (status === "Unavailable" || status === "Faulted") return;
  for (const [id, r] of Object.entries(cp.reservations)) {
    if (r.connectorId === connectorId) delete cp.reservations[id];
  }
}

// -- derived views ------------------------------------------------------------------------------

/** Transactions newest first. */
export function transactionsOf(cp) {
  return [...cp.txOrder].reverse().map((id) => cp.transactions[id]);
}

/** Energy delivered so far (Wh) by a transaction, or null. */
export function deliveredWh(tx) {
  const end = tx.meterStop ?? tx.latest?.wh;
  if (tx.meterStart == null || end == null) return null;
  return end - tx.meterStart;
}

/** Connectors in id order (0, the charge point itself, first). */
export function connectorsOf(cp) {
  return Object.values(cp.connectors).sort((a, b) => a.id - b.id);
}

/** Reservations not yet expired at `nowMs`. */
export function reservationsOf(cp, nowMs) {
  return Object.values(cp.reservations).filter((r) => {
    const t = Date.parse(r.expiryDate);
    return !Number.isFinite(t) || t > nowMs;
  });
}

/** The log entries that pass the filter {text, dir, action}, newest first, at most `limit`. */
export function filterFrames(cp, { text = "", dir = "", action = "" } = {}, limit = 300) {
  const needle = text.trim().toLowerCase();
  const out = [];
  for (let i = cp.frames.length - 1; i >= 0 && out.length < limit; i--) {
    const f = cp.frames[i];
    if (dir && f.dir !== dir) continue;
    if (action && f.action !== action) continue;
    if (needle && !f.raw.toLowerCase().includes(needle) && !(f.action ?? "").toLowerCase().includes(needle)) continue;
    out.push(f);
  }
  return out;
}
