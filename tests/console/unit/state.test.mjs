// The console's model (tools/console/state.js): stream events folded into charge point state.
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  FRAME_LOG_LIMIT, apply, connectorsOf, deliveredWh, energyWh, filterFrames, initialState,
  parseFrame, reservationsOf, transactionsOf,
} from "../../../tools/console/state.js";

const CP = "cp1";
let clock = 1_700_000_000; // frame ts, seconds

/** Feeds frames (as [dir, message array]) and returns the state. */
function feed(state, ...frames) {
  for (const [dir, msg] of frames) {
    clock += 1;
    apply(state, "frame", { cp_id: CP, ts: clock, dir, frame: JSON.stringify(msg) });
  }
  return state;
}
const up = (id, action, payload) => ["cp->cs", [2, id, action, payload]];
const down = (id, action, payload) => ["cs->cp", [2, id, action, payload]];
const toCp = (id, payload) => ["cs->cp", [3, id, payload]];
const toCs = (id, payload) => ["cp->cs", [3, id, payload]];
const iso = (s) => new Date(s * 1000).toISOString();

function booted() {
  const s = initialState();
  apply(s, "hello", { ws_url: "ws://127.0.0.1:9000/ocpp", control_port: 9001 });
  apply(s, "cp", { cp_id: CP, connected: true, connect_count: 1, path: "/ocpp/cp1", subprotocol: "ocpp1.6", last_boot_status: null });
  return feed(s,
    up("b1", "BootNotification", { chargePointVendor: "V", chargePointModel: "M", firmwareVersion: "1.0" }),
    toCp("b1", { status: "Accepted", interval: 300, currentTime: "2030-01-01T00:00:00Z" }),
    up("s1", "StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Available" }),
    toCp("s1", {}),
    up("s2", "StatusNotification", { connectorId: 0, errorCode: "NoError", status: "Available" }),
    toCp("s2", {}));
}

function started(s, txId = 7, meterStart = 1000, t = 100) {
  return feed(s,
    up("st", "StartTransaction", { connectorId: 1, idTag: "TAG", meterStart, timestamp: iso(t) }),
    toCp("st", { transactionId: txId, idTagInfo: { status: "Accepted" } }),
    up("cs", "StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Charging" }),
    toCp("cs", {}));
}

const meterValues = (id, txId, t, value, extra = {}) => up(id, "MeterValues", {
  connectorId: 1, transactionId: txId,
  meterValue: [{ timestamp: iso(t), sampledValue: [{ value: String(value), ...extra }] }],
});

test("hello resets everything, config and cp events are kept as sent", () => {
  const s = booted();
  assert.equal(s.cps[CP].status.connected, true);
  apply(s, "config", { boot_status: "Accepted", idtag_rules: { X: "Blocked" } });
  assert.deepEqual(s.config.idtag_rules, { X: "Blocked" });
  const fresh = apply(s, "hello", { ws_url: "ws://x/ocpp", control_port: 1 });
  assert.deepEqual(fresh.cps, {});
  assert.equal(fresh.config, null);
  assert.equal(fresh.hello.ws_url, "ws://x/ocpp");
});

test("boot, status notifications, heartbeat", () => {
  const s = booted();
  const cp = s.cps[CP];
  assert.equal(cp.boot.status, "Accepted");
  assert.equal(cp.boot.interval, 300);
  assert.equal(cp.boot.request.chargePointModel, "M");
  assert.deepEqual(connectorsOf(cp).map((c) => [c.id, c.status]), [[0, "Available"], [1, "Available"]]);
  assert.equal(cp.lastHeartbeat, null);
  feed(s, up("h", "Heartbeat", {}));
  assert.equal(cp.lastHeartbeat, clock);
  assert.equal(cp.lastMessage, clock);
  assert.deepEqual(cp.pending.h, { action: "Heartbeat", payload: {}, dir: "cp->cs", ts: clock });
  feed(s, toCp("h", { currentTime: "2030-01-01T00:00:00Z" }));
  assert.equal(cp.pending.h, undefined);
});

test("a rejected boot is shown as such", () => {
  const s = initialState();
  feed(s, up("b", "BootNotification", { chargePointVendor: "V", chargePointModel: "M" }),
    toCp("b", { status: "Rejected", interval: 10, currentTime: "2030-01-01T00:00:00Z" }));
  assert.equal(s.cps[CP].boot.status, "Rejected");
});

test("a transaction: start, meter values, stop", () => {
  const s = started(booted());
  const cp = s.cps[CP];
  let [tx] = transactionsOf(cp);
  assert.equal(tx.id, 7);
  assert.equal(tx.active, true);
  assert.equal(tx.idTag, "TAG");
  assert.equal(tx.idTagStatus, "Accepted");
  assert.equal(cp.connectors[1].transactionId, 7);
  assert.deepEqual(tx.readings, [{ t: 100_000, wh: 1000 }]);

  feed(s, meterValues("m1", 7, 102, 1012), meterValues("m2", 7, 104, "1.025", { unit: "kWh" }));
  tx = cp.transactions[7];
  assert.deepEqual(tx.readings.map((r) => r.wh), [1000, 1012, 1025]);
  assert.equal(tx.latest.wh, 1025);
  assert.equal(deliveredWh(tx), 25);
  assert.equal(cp.connectors[1].meter.wh, 1025);

  feed(s, up("sp", "StopTransaction", { transactionId: 7, meterStop: 1030, timestamp: iso(106), reason: "Remote" }));
  assert.equal(tx.active, false);
  assert.equal(tx.reason, "Remote");
  assert.equal(tx.meterStop, 1030);
  assert.equal(deliveredWh(tx), 30);
  assert.deepEqual(tx.readings.at(-1), { t: 106_000, wh: 1030 });
  assert.equal(cp.connectors[1].transactionId, null);
});

test("a stop without reason is Local; transactionData readings are charted", () => {
  const s = started(booted(), 3, 500, 10);
  feed(s, up("sp", "StopTransaction", {
    transactionId: 3, meterStop: 540, timestamp: iso(20),
    transactionData: [{ timestamp: iso(15), sampledValue: [{ value: "520" }] }],
  }));
  const tx = s.cps[CP].transactions[3];
  assert.equal(tx.reason, "Local");
  assert.deepEqual(tx.readings.map((r) => [r.t / 1000, r.wh]), [[10, 500], [15, 520], [20, 540]]);
});

test("readings stay in time order; other measurands are kept as latest values", () => {
  const s = started(booted(), 1, 0, 100);
  feed(s, meterValues("a", 1, 110, 50), meterValues("b", 1, 105, 20),
    meterValues("c", 1, 105, 25), meterValues("d", 1, 108, 7400, { measurand: "Power.Active.Import", unit: "W" }),
    meterValues("e", 1, 109, 10, { phase: "L1" }));
  const tx = s.cps[CP].transactions[1];
  assert.deepEqual(tx.readings.map((r) => [r.t / 1000, r.wh]), [[100, 0], [105, 25], [110, 50]]);
  assert.equal(tx.values["Power.Active.Import"].value, "7400");
  assert.equal(tx.values["Energy.Active.Import.Register L1"].value, "10");
});

test("meter values before the StartTransaction answer, and of unknown transactions", () => {
  const s = booted();
  feed(s, up("st", "StartTransaction", { connectorId: 1, idTag: "T", meterStart: 10, timestamp: iso(50) }));
  assert.equal(transactionsOf(s.cps[CP]).length, 0); // no id yet
  feed(s, meterValues("m", 99, 60, 30)); // e.g. started before the console's history
  feed(s, toCp("st", { transactionId: 99, idTagInfo: { status: "Accepted" } }));
  const tx = s.cps[CP].transactions[99];
  assert.equal(tx.active, true);
  assert.equal(tx.meterStart, 10);
  assert.deepEqual(tx.readings.map((r) => r.wh), [10, 30]);
});

test("a StartTransaction answered Blocked is shown with its status and then stopped", () => {
  const s = booted();
  feed(s, up("st", "StartTransaction", { connectorId: 1, idTag: "BLOCKED1", meterStart: 0, timestamp: iso(1) }),
    toCp("st", { transactionId: 2, idTagInfo: { status: "Blocked" } }),
    up("sp", "StopTransaction", { transactionId: 2, meterStop: 0, timestamp: iso(2), reason: "DeAuthorized" }));
  const tx = s.cps[CP].transactions[2];
  assert.equal(tx.idTagStatus, "Blocked");
  assert.equal(tx.active, false);
  assert.equal(tx.reason, "DeAuthorized");
});

test("reservations: made, cancelled, used, dropped when the connector frees", () => {
  const s = booted();
  const cp = s.cps[CP];
  const expiry = "2099-01-01T00:00:00.000Z";
  feed(s, down("r1", "ReserveNow", { connectorId: 1, expiryDate: expiry, idTag: "R", reservationId: 5 }),
    toCs("r1", { status: "Accepted" }));
  assert.deepEqual(reservationsOf(cp, Date.now()).map((r) => r.reservationId), [5]);
  assert.deepEqual(reservationsOf(cp, Date.parse(expiry) + 1), []); // expired
  feed(s, down("r2", "ReserveNow", { connectorId: 1, expiryDate: expiry, idTag: "R", reservationId: 6 }),
    toCs("r2", { status: "Occupied" }));
  assert.equal(cp.reservations[6], undefined);
  feed(s, down("c1", "CancelReservation", { reservationId: 5 }), toCs("c1", { status: "Accepted" }));
  assert.deepEqual(cp.reservations, {});

  feed(s, down("r3", "ReserveNow", { connectorId: 1, expiryDate: expiry, idTag: "R", reservationId: 8 }),
    toCs("r3", { status: "Accepted" }),
    up("sn", "StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Reserved" }));
  assert.ok(cp.reservations[8]);
  feed(s, up("st", "StartTransaction", { connectorId: 1, idTag: "R", meterStart: 0, timestamp: iso(1), reservationId: 8 }),
    toCp("st", { transactionId: 1, idTagInfo: { status: "Accepted" } }));
  assert.deepEqual(cp.reservations, {});
  assert.equal(cp.transactions[1].reservationId, 8);

  feed(s, down("r4", "ReserveNow", { connectorId: 2, expiryDate: expiry, idTag: "R", reservationId: 9 }),
    toCs("r4", { status: "Accepted" }),
    up("sn2", "StatusNotification", { connectorId: 2, errorCode: "NoError", status: "Reserved" }),
    up("sn3", "StatusNotification", { connectorId: 2, errorCode: "NoError", status: "Available" }));
  assert.equal(cp.reservations[9], undefined); // expired or cancelled on the charge point
});

test("local list version from SendLocalList and GetLocalListVersion", () => {
  const s = booted();
  const cp = s.cps[CP];
  assert.equal(cp.localListVersion, null);
  feed(s, down("l1", "SendLocalList", { listVersion: 4, updateType: "Full", localAuthorizationList: [] }),
    toCs("l1", { status: "Accepted" }));
  assert.equal(cp.localListVersion, 4);
  feed(s, down("l2", "SendLocalList", { listVersion: 3, updateType: "Differential" }),
    toCs("l2", { status: "VersionMismatch" }));
  assert.equal(cp.localListVersion, 4);
  feed(s, down("g", "GetLocalListVersion", {}), toCs("g", { listVersion: 0 }));
  assert.equal(cp.localListVersion, 0);
});

test("the configuration table follows GetConfiguration and ChangeConfiguration", () => {
  const s = booted();
  const cp = s.cps[CP];
  feed(s, down("g1", "GetConfiguration", {}), toCs("g1", {
    configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "300" },
                       { key: "NumberOfConnectors", readonly: true, value: "2" }],
  }));
  assert.deepEqual(cp.configuration.keys.map((k) => [k.key, k.value, k.readonly]),
    [["HeartbeatInterval", "300", false], ["NumberOfConnectors", "2", true]]);
  feed(s, down("c1", "ChangeConfiguration", { key: "HeartbeatInterval", value: "60" }), toCs("c1", { status: "Accepted" }));
  assert.equal(cp.configuration.keys[0].value, "60");
  feed(s, down("c2", "ChangeConfiguration", { key: "HeartbeatInterval", value: "x" }), toCs("c2", { status: "Rejected" }));
  assert.equal(cp.configuration.keys[0].value, "60");
  // A GetConfiguration of some keys updates those rows only.
  feed(s, down("g2", "GetConfiguration", { key: ["HeartbeatInterval", "Nope"] }), toCs("g2", {
    configurationKey: [{ key: "HeartbeatInterval", readonly: false, value: "61" }], unknownKey: ["Nope"],
  }));
  assert.deepEqual(cp.configuration.keys.map((k) => k.value), ["61", "2"]);
  assert.deepEqual(cp.configuration.unknown, ["Nope"]);
});

test("answers are matched by id and direction; errors and junk are logged", () => {
  const s = booted();
  const cp = s.cps[CP];
  // A CALLRESULT travelling the same way as the CALL does not answer it.
  feed(s, down("x", "ReserveNow", { connectorId: 1, expiryDate: "2099-01-01T00:00:00Z", idTag: "R", reservationId: 1 }),
    toCp("x", { status: "Accepted" }));
  assert.deepEqual(cp.reservations, {});
  feed(s, ["cp->cs", [4, "x", "NotSupported", "no", {}]]);
  assert.equal(cp.pending.x, undefined);
  const err = cp.frames.at(-1);
  assert.equal(err.type, "ERROR");
  assert.equal(err.action, "ReserveNow");
  assert.equal(err.code, "NotSupported");
  apply(s, "frame", { cp_id: CP, ts: clock, dir: "cp->cs", frame: "not json" });
  assert.equal(cp.frames.at(-1).type, "?");
  assert.equal(cp.frames.at(-1).raw, "not json");
  assert.ok(cp.actions.has("BootNotification") && cp.actions.has("ReserveNow"));
});

test("parseFrame", () => {
  assert.deepEqual(parseFrame('[2,"1","Heartbeat",{}]'), { type: "CALL", id: "1", action: "Heartbeat", payload: {} });
  assert.deepEqual(parseFrame('[3,"1",{"a":1}]'), { type: "RESULT", id: "1", payload: { a: 1 } });
  assert.equal(parseFrame('[4,"1","GenericError","d",{}]').code, "GenericError");
  for (const bad of ["", "{}", "[2]", '[2,1,"A",{}]', '[9,"1",{}]', '[2,"1",5,{}]']) assert.equal(parseFrame(bad), null, bad);
});

test("energyWh: measurand, unit and phase", () => {
  assert.equal(energyWh({ value: "12" }), 12);
  assert.equal(energyWh({ value: "1.5", unit: "kWh" }), 1500);
  assert.equal(energyWh({ value: "1", measurand: "Power.Active.Import", unit: "W" }), null);
  assert.equal(energyWh({ value: "1", phase: "L1" }), null);
  assert.equal(energyWh({ value: "abc" }), null);
  assert.equal(energyWh({ value: "5", unit: "varh" }), null);
});

test("the frame log is bounded and filterable", () => {
  const s = booted();
  const cp = s.cps[CP];
  for (let i = 0; i < FRAME_LOG_LIMIT + 50; i++) feed(s, up(`h${i}`, "Heartbeat", {}), toCp(`h${i}`, { currentTime: "x" }));
  assert.equal(cp.frames.length, FRAME_LOG_LIMIT);
  assert.equal(cp.frameCount, 6 + 2 * (FRAME_LOG_LIMIT + 50));
  assert.equal(Object.keys(cp.pending).length, 0);
  feed(s, up("sn", "StatusNotification", { connectorId: 1, errorCode: "NoError", status: "Faulted" }));
  const shown = filterFrames(cp, { text: "faulted" });
  assert.equal(shown.length, 1);
  assert.equal(shown[0].action, "StatusNotification");
  assert.equal(filterFrames(cp, { dir: "cs->cp" }, 10).length, 10);
  assert.ok(filterFrames(cp, { dir: "cs->cp" }, 10).every((f) => f.dir === "cs->cp"));
  assert.ok(filterFrames(cp, { action: "Heartbeat" }).every((f) => f.action === "Heartbeat"));
  const newestFirst = filterFrames(cp, {}, 3);
  assert.ok(newestFirst[0].seq > newestFirst[1].seq);
});

test("shutdown marks every charge point offline", () => {
  const s = booted();
  apply(s, "shutdown", {});
  assert.equal(s.shutdown, true);
  assert.equal(s.cps[CP].status.connected, false);
  assert.equal(apply(s, "something-new", {}), s);
});
