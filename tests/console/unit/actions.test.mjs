// The console's command forms and idTag rules editor (tools/console/actions.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import {
  ACTIONS, PROFILES, actionSpec, buildPayload, describeAnswer, parseEntries, profileOf,
  rowsToPatch, rulesToRows,
} from "../../../tools/console/actions.js";

const NOW = Date.parse("2030-01-01T00:00:00Z");

/** The form's default values, as the page would submit them untouched. */
function defaults(action) {
  return Object.fromEntries(actionSpec(action).fields.map((f) => [f.name, f.default ?? (f.options ? f.options[0] : "")]));
}

test("every form has a profile, and only implemented profiles are marked supported", () => {
  for (const a of ACTIONS) assert.ok(PROFILES.some((p) => p.id === a.profile), a.action);
  const unsupported = PROFILES.filter((p) => !p.supported).map((p) => p.id).sort();
  assert.deepEqual(unsupported, []);
  assert.equal(profileOf("SetChargingProfile").supported, true);
  assert.equal(profileOf("UpdateFirmware").supported, true);
  assert.equal(profileOf("TriggerMessage").supported, true);
  // Every Central-System-initiated OCPP 1.6 action has its form.
  const all = ["CancelReservation", "ChangeAvailability", "ChangeConfiguration", "ClearCache",
    "ClearChargingProfile", "DataTransfer", "GetCompositeSchedule", "GetConfiguration", "GetDiagnostics",
    "GetLocalListVersion", "RemoteStartTransaction", "RemoteStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "TriggerMessage", "UnlockConnector", "UpdateFirmware"];
  assert.deepEqual(ACTIONS.map((a) => a.action).sort(), all);
});

test("default payloads", () => {
  const p = (a) => buildPayload(a, defaults(a), NOW);
  assert.deepEqual(p("RemoteStartTransaction"), { connectorId: 1, idTag: "CONSOLE01" });
  assert.deepEqual(p("Reset"), { type: "Soft" });
  assert.deepEqual(p("ChangeAvailability"), { connectorId: 0, type: "Inoperative" });
  assert.deepEqual(p("GetConfiguration"), {});
  assert.deepEqual(p("ClearCache"), {});
  assert.deepEqual(p("GetLocalListVersion"), {});
  assert.deepEqual(p("DataTransfer"), { vendorId: "dev-cs" });
  assert.deepEqual(p("TriggerMessage"), { requestedMessage: "StatusNotification" });
  assert.deepEqual(p("ReserveNow"), {
    connectorId: 1, expiryDate: "2030-01-01T01:00:00.000Z", idTag: "CONSOLE01", reservationId: 1,
  });
  assert.deepEqual(p("SendLocalList"), {
    listVersion: 1, updateType: "Full", localAuthorizationList: [
      { idTag: "CONSOLE01", idTagInfo: { status: "Accepted" } },
      { idTag: "CONSOLE02", idTagInfo: { status: "Blocked" } }],
  });
  assert.deepEqual(p("SetChargingProfile"), {
    connectorId: 1,
    csChargingProfiles: {
      chargingProfileId: 1, stackLevel: 0, chargingProfilePurpose: "TxDefaultProfile",
      chargingProfileKind: "Absolute",
      chargingSchedule: { chargingRateUnit: "A", chargingSchedulePeriod: [{ startPeriod: 0, limit: 16 }] },
    },
  });
  assert.deepEqual(p("GetCompositeSchedule"), { connectorId: 1, duration: 3600 });
  assert.deepEqual(p("UpdateFirmware"), { location: "http://127.0.0.1/firmware.bin", retrieveDate: "2030-01-01T00:00:00.000Z" });
});

test("optional fields are omitted when empty, included when given", () => {
  assert.deepEqual(buildPayload("RemoteStartTransaction", { connectorId: " ", idTag: "A" }), { idTag: "A" });
  assert.deepEqual(buildPayload("TriggerMessage", { requestedMessage: "MeterValues", connectorId: "2" }),
    { requestedMessage: "MeterValues", connectorId: 2 });
  assert.deepEqual(buildPayload("GetConfiguration", { key: "HeartbeatInterval, MeterValueSampleInterval ,," }),
    { key: ["HeartbeatInterval", "MeterValueSampleInterval"] });
  assert.deepEqual(buildPayload("DataTransfer", { vendorId: "v", messageId: "m", data: "hello world" }),
    { vendorId: "v", messageId: "m", data: "hello world" });
  // An empty configuration value is a value.
  assert.deepEqual(buildPayload("ChangeConfiguration", { key: "K", value: "" }), { key: "K", value: "" });
});

test("bad input is refused with a reason", () => {
  assert.throws(() => buildPayload("RemoteStopTransaction", { transactionId: "" }), /transaction is required/);
  assert.throws(() => buildPayload("RemoteStopTransaction", { transactionId: "1.5" }), /not a whole number/);
  assert.throws(() => buildPayload("UnlockConnector", { connectorId: "one" }), /not a whole number/);
  assert.throws(() => buildPayload("ReserveNow", { ...defaults("ReserveNow"), expiryDate: "soon" }), /minutes/);
  assert.throws(() => buildPayload("RemoteStartTransaction", { idTag: "" }), /idTag is required/);
  assert.throws(() => buildPayload("SetChargingProfile", { ...defaults("SetChargingProfile"), limit: "lots" }), /not a number/);
  assert.throws(() => buildPayload("Nope", {}), /no form/);
});

test("local list entries", () => {
  assert.deepEqual(parseEntries("A\n  B Blocked  \n# comment\n\nC Expired expiry=2031-01-01T00:00:00Z parent=P"), [
    { idTag: "A" },
    { idTag: "B", idTagInfo: { status: "Blocked" } },
    { idTag: "C", idTagInfo: { status: "Expired", expiryDate: "2031-01-01T00:00:00Z", parentIdTag: "P" } },
  ]);
  assert.deepEqual(parseEntries("D parent=P"), [{ idTag: "D", idTagInfo: { status: "Accepted", parentIdTag: "P" } }]);
  assert.throws(() => parseEntries("A Maybe"), /line 1: "Maybe"/);
  assert.throws(() => parseEntries("x\n" + "T".repeat(21)), /line 2: idTag longer than 20/);
  assert.deepEqual(buildPayload("SendLocalList", { listVersion: "2", updateType: "Differential", localAuthorizationList: "" }),
    { listVersion: 2, updateType: "Differential" });
});

test("answers: results, CALLERRORs, control API errors", () => {
  assert.deepEqual(describeAnswer({ result: { status: "Accepted" } }), { ok: true, text: "Accepted" });
  assert.deepEqual(describeAnswer({ result: { status: "Unlocked" } }), { ok: true, text: "Unlocked" });
  assert.deepEqual(describeAnswer({ result: { status: "Rejected" } }), { ok: false, text: "Rejected" });
  assert.deepEqual(describeAnswer({ result: { listVersion: 3 } }), { ok: true, text: '{"listVersion":3}' });
  assert.deepEqual(describeAnswer({ result: { status: "Accepted", data: "x" } }),
    { ok: true, text: '{"status":"Accepted","data":"x"}' });
  assert.deepEqual(describeAnswer({ error: { code: "NotSupported", description: "action not supported", details: {} } }),
    { ok: false, text: "CALLERROR NotSupported: action not supported" });
  assert.deepEqual(describeAnswer({ error: { code: "Timeout", description: "no reply", details: {} } }),
    { ok: false, text: "CALLERROR Timeout: no reply" });
  assert.deepEqual(describeAnswer({ error: { code: "NotConnected", description: "charge point 'x' is not connected" } }, 404),
    { ok: false, text: "NotConnected: charge point 'x' is not connected" });
  assert.match(describeAnswer({ result: { status: "Accepted" }, schema_error: "bad" }).text, /violates the response schema: bad/);
  assert.equal(describeAnswer(null, 500).ok, false);
});

test("idTag rules: rows from the config and the patch back", () => {
  const current = { INVALID: "Invalid", BLOCKED: "Blocked", VIP: { status: "Accepted", parentIdTag: "FLEET" } };
  const rows = rulesToRows(current);
  assert.deepEqual(rows, [
    { prefix: "INVALID", status: "Invalid", parentIdTag: "", expiryDate: "" },
    { prefix: "BLOCKED", status: "Blocked", parentIdTag: "", expiryDate: "" },
    { prefix: "VIP", status: "Accepted", parentIdTag: "FLEET", expiryDate: "" },
  ]);
  // Unchanged rows give the same rules back.
  assert.deepEqual(rowsToPatch(current, rows), current);
  // Edit one, remove one, add one with an expiry.
  const edited = [
    { ...rows[0], status: "Blocked" },
    rows[2],
    { prefix: " OLD ", status: "Expired", parentIdTag: "", expiryDate: "2020-01-01T00:00:00Z" },
  ];
  assert.deepEqual(rowsToPatch(current, edited), {
    INVALID: "Blocked", VIP: { status: "Accepted", parentIdTag: "FLEET" },
    OLD: { status: "Expired", expiryDate: "2020-01-01T00:00:00Z" }, BLOCKED: null,
  });
  assert.throws(() => rowsToPatch(current, [{ prefix: "", status: "Accepted" }]), /row 1: the prefix is empty/);
  assert.throws(() => rowsToPatch(current, [rows[0], rows[0]]), /row 2: prefix INVALID appears twice/);
  assert.throws(() => rowsToPatch({}, [{ prefix: "A", status: "Fine" }]), /status Fine/);
  assert.deepEqual(rulesToRows(undefined), []);
});
