// What the console can ask of a charge point: one form per Central-System-initiated OCPP 1.6
// action, grouped by feature profile, and how a form's text becomes the CALL payload that the
// page POSTs to the dev CS's /call. Also the idTag rules editor's rows <-> POST /config patch,
// and how an answer of /call is shown. Pure (no DOM): tested with node --test.

/** The profiles, and whether zephyr-ocpp implements them (the others answer NotSupported). */
export const PROFILES = [
  { id: "core", title: "Core", supported: true },
  { id: "trigger", title: "Remote Trigger", supported: true },
  { id: "reservation", title: "Reservation", supported: true },
  { id: "local-list", title: "Local Auth List Management", supported: true },
  { id: "smart-charging", title: "Smart Charging", supported: true },
  { id: "firmware", title: "Firmware Management", supported: true },
];

export const AUTHORIZATION_STATUSES = ["Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx"];

const TRIGGERS = ["BootNotification", "DiagnosticsStatusNotification", "FirmwareStatusNotification",
                  "Heartbeat", "MeterValues", "StatusNotification"];

// Field types: int, text, select (options), list (comma separated -> array of strings),
// minutes (from now -> RFC 3339 UTC), entries (local list lines), decimal.
// `optional` fields left empty are omitted from the payload.
export const ACTIONS = [
  // Core
  { action: "RemoteStartTransaction", profile: "core", label: "Remote Start",
    fields: [{ name: "connectorId", label: "connector", type: "int", default: "1", optional: true },
             { name: "idTag", label: "idTag", type: "text", default: "CONSOLE01" }] },
  { action: "RemoteStopTransaction", profile: "core", label: "Remote Stop",
    fields: [{ name: "transactionId", label: "transaction", type: "int", suggest: "activeTransactions" }] },
  { action: "UnlockConnector", profile: "core", label: "Unlock",
    fields: [{ name: "connectorId", label: "connector", type: "int", default: "1" }] },
  { action: "Reset", profile: "core", label: "Reset",
    fields: [{ name: "type", label: "type", type: "select", options: ["Soft", "Hard"] }] },
  { action: "ChangeAvailability", profile: "core", label: "Change Availability",
    fields: [{ name: "connectorId", label: "connector (0: all)", type: "int", default: "0" },
             { name: "type", label: "type", type: "select", options: ["Inoperative", "Operative"] }] },
  { action: "GetConfiguration", profile: "core", label: "Get Configuration",
    fields: [{ name: "key", label: "keys (comma separated, empty: all)", type: "list", optional: true }] },
  { action: "ChangeConfiguration", profile: "core", label: "Change Configuration",
    fields: [{ name: "key", label: "key", type: "text", default: "MeterValueSampleInterval" },
             { name: "value", label: "value", type: "text", default: "2", allowEmpty: true }] },
  { action: "ClearCache", profile: "core", label: "Clear Cache", fields: [] },
  { action: "DataTransfer", profile: "core", label: "Data Transfer",
    fields: [{ name: "vendorId", label: "vendorId", type: "text", default: "dev-cs" },
             { name: "messageId", label: "messageId", type: "text", optional: true },
             { name: "data", label: "data", type: "text", optional: true }] },
  // Remote Trigger
  { action: "TriggerMessage", profile: "trigger", label: "Trigger Message",
    fields: [{ name: "requestedMessage", label: "message", type: "select", options: TRIGGERS,
               default: "StatusNotification" },
             { name: "connectorId", label: "connector (empty: all)", type: "int", optional: true }] },
  // Reservation
  { action: "ReserveNow", profile: "reservation", label: "Reserve Now",
    fields: [{ name: "connectorId", label: "connector", type: "int", default: "1" },
             { name: "expiryDate", label: "expires in (minutes)", type: "minutes", default: "60" },
             { name: "idTag", label: "idTag", type: "text", default: "CONSOLE01" },
             { name: "reservationId", label: "reservationId", type: "int", default: "1" },
             { name: "parentIdTag", label: "parentIdTag", type: "text", optional: true }] },
  { action: "CancelReservation", profile: "reservation", label: "Cancel Reservation",
    fields: [{ name: "reservationId", label: "reservationId", type: "int", default: "1" }] },
  // Local Auth List Management
  { action: "SendLocalList", profile: "local-list", label: "Send Local List",
    fields: [{ name: "listVersion", label: "listVersion", type: "int", default: "1" },
             { name: "updateType", label: "updateType", type: "select", options: ["Full", "Differential"] },
             { name: "localAuthorizationList", label: "entries, one a line: idTag [status] [expiry=…] [parent=…]",
               type: "entries", default: "CONSOLE01 Accepted\nCONSOLE02 Blocked", optional: true }] },
  { action: "GetLocalListVersion", profile: "local-list", label: "Get Local List Version", fields: [] },
  // Smart Charging (a one-period profile from now; the dev CS client sends any profile)
  { action: "SetChargingProfile", profile: "smart-charging", label: "Set Charging Profile",
    fields: [{ name: "connectorId", label: "connector", type: "int", default: "1" },
             { name: "chargingProfileId", label: "profile id", type: "int", default: "1" },
             { name: "stackLevel", label: "stack level", type: "int", default: "0" },
             { name: "chargingProfilePurpose", label: "purpose", type: "select",
               options: ["TxDefaultProfile", "ChargePointMaxProfile", "TxProfile"] },
             { name: "chargingRateUnit", label: "unit", type: "select", options: ["A", "W"] },
             { name: "limit", label: "limit", type: "decimal", default: "16" }],
    shape: (v) => ({
      connectorId: v.connectorId,
      csChargingProfiles: {
        chargingProfileId: v.chargingProfileId, stackLevel: v.stackLevel,
        chargingProfilePurpose: v.chargingProfilePurpose, chargingProfileKind: "Absolute",
        chargingSchedule: { chargingRateUnit: v.chargingRateUnit,
                            chargingSchedulePeriod: [{ startPeriod: 0, limit: v.limit }] },
      },
    }) },
  { action: "ClearChargingProfile", profile: "smart-charging", label: "Clear Charging Profile",
    fields: [{ name: "id", label: "profile id", type: "int", optional: true },
             { name: "connectorId", label: "connector", type: "int", optional: true }] },
  { action: "GetCompositeSchedule", profile: "smart-charging", label: "Get Composite Schedule",
    fields: [{ name: "connectorId", label: "connector", type: "int", default: "1" },
             { name: "duration", label: "duration (s)", type: "int", default: "3600" },
             { name: "chargingRateUnit", label: "unit", type: "select", options: ["", "A", "W"], optional: true }] },
  // Firmware Management (images and uploads: the dev CS's file server, GET /files)
  { action: "UpdateFirmware", profile: "firmware", label: "Update Firmware",
    fields: [{ name: "location", label: "firmware URL", type: "text", default: "http://127.0.0.1/firmware.bin" },
             { name: "retrieveDate", label: "retrieve in (minutes)", type: "minutes", default: "0" }] },
  { action: "GetDiagnostics", profile: "firmware", label: "Get Diagnostics",
    fields: [{ name: "location", label: "upload URL", type: "text", default: "http://127.0.0.1/diagnostics/" }] },
];

export function actionSpec(action) {
  const spec = ACTIONS.find((a) => a.action === action);
  if (!spec) throw new Error(`no form for ${action}`);
  return spec;
}

export function profileOf(action) {
  return PROFILES.find((p) => p.id === actionSpec(action).profile);
}

/** An RFC 3339 UTC date-time `minutes` after `nowMs`. */
export function minutesFromNow(minutes, nowMs) {
  return new Date(nowMs + minutes * 60_000).toISOString();
}

const INT = /^-?\d+$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;

/** Local list lines -> localAuthorizationList entries. A line with only an idTag has no
 *  idTagInfo (in a Differential update: delete that entry). */
export function parseEntries(text) {
  const entries = [];
  for (const [n, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const [idTag, ...rest] = line.split(/\s+/);
    if (idTag.length > 20) throw new Error(`line ${n + 1}: idTag longer than 20 characters`);
    const entry = { idTag };
    for (const word of rest) {
      entry.idTagInfo ??= { status: "Accepted" };
      if (AUTHORIZATION_STATUSES.includes(word)) entry.idTagInfo.status = word;
      else if (word.startsWith("expiry=")) entry.idTagInfo.expiryDate = word.slice(7);
      else if (word.startsWith("parent=")) entry.idTagInfo.parentIdTag = word.slice(7);
      else throw new Error(`line ${n + 1}: ${JSON.stringify(word)} is not a status, expiry=… or parent=…`);
    }
    entries.push(entry);
  }
  return entries;
}

/** The CALL payload of `action` from the form's text values; throws Error(reason) when a
 *  value is missing or malformed (the dev CS then checks the payload against the schema). */
export function buildPayload(action, values, nowMs = Date.now()) {
  const spec = actionSpec(action);
  const out = {};
  for (const f of spec.fields) {
    const text = String(values[f.name] ?? "").trim();
    if (text === "" && !f.allowEmpty) {
      if (f.optional) continue;
      throw new Error(`${f.label} is required`);
    }
    switch (f.type) {
      case "int":
        if (!INT.test(text)) throw new Error(`${f.label}: ${JSON.stringify(text)} is not a whole number`);
        out[f.name] = Number(text);
        break;
      case "decimal":
        if (!DECIMAL.test(text)) throw new Error(`${f.label}: ${JSON.stringify(text)} is not a number`);
        out[f.name] = Number(text);
        break;
      case "minutes":
        if (!DECIMAL.test(text)) throw new Error(`${f.label}: ${JSON.stringify(text)} is not a number of minutes`);
        out[f.name] = minutesFromNow(Number(text), nowMs);
        break;
      case "list": {
        const items = text.split(",").map((s) => s.trim()).filter(Boolean);
        if (items.length) out[f.name] = items;
        else if (!f.optional) throw new Error(`${f.label} is required`);
        break;
      }
      case "entries":
        out[f.name] = parseEntries(text);
        break;
      default: // text, select
        out[f.name] = text;
    }
  }
  return spec.shape ? spec.shape(out) : out;
}

/** How an answer of POST /call reads next to its button: {ok, text}. `httpStatus` is the
 *  control API's HTTP status (400: the payload was refused before sending, 404: not connected). */
export function describeAnswer(body, httpStatus = 200) {
  if (httpStatus !== 200) {
    const e = body && body.error ? body.error : {};
    return { ok: false, text: `${e.code ?? `HTTP ${httpStatus}`}: ${e.description ?? JSON.stringify(body)}` };
  }
  if (body && body.error) {
    const e = body.error;
    const details = e.details && Object.keys(e.details).length ? ` ${JSON.stringify(e.details)}` : "";
    return { ok: false, text: `CALLERROR ${e.code}${e.description ? `: ${e.description}` : ""}${details}` };
  }
  const result = body ? body.result : undefined;
  const status = result && typeof result.status === "string" ? result.status : null;
  const good = ["Accepted", "Unlocked", "Scheduled"];
  const text = status && Object.keys(result).length === 1 ? status : JSON.stringify(result);
  return {
    ok: status === null || good.includes(status),
    text: body.schema_error ? `${text} (violates the response schema: ${body.schema_error})` : text,
  };
}

// -- idTag rules (POST /config idtag_rules) ------------------------------------------------

/** Editor rows from GET /config's idtag_rules: {prefix, status, parentIdTag, expiryDate}. */
export function rulesToRows(rules) {
  return Object.entries(rules ?? {}).map(([prefix, rule]) => (
    typeof rule === "string"
      ? { prefix, status: rule, parentIdTag: "", expiryDate: "" }
      : { prefix, status: rule.status, parentIdTag: rule.parentIdTag ?? "", expiryDate: rule.expiryDate ?? "" }
  ));
}

/** The idtag_rules patch that turns `current` into `rows`: every row as a status string (or an
 *  idTagInfo object when it has a parent or an expiry), null for every prefix removed. */
export function rowsToPatch(current, rows) {
  const patch = {};
  const seen = new Set();
  for (const [i, row] of rows.entries()) {
    const prefix = (row.prefix ?? "").trim();
    if (!prefix) throw new Error(`row ${i + 1}: the prefix is empty`);
    if (seen.has(prefix)) throw new Error(`row ${i + 1}: prefix ${prefix} appears twice`);
    seen.add(prefix);
    if (!AUTHORIZATION_STATUSES.includes(row.status)) throw new Error(`row ${i + 1}: status ${row.status}?`);
    const parent = (row.parentIdTag ?? "").trim();
    const expiry = (row.expiryDate ?? "").trim();
    if (!parent && !expiry) {
      patch[prefix] = row.status;
    } else {
      patch[prefix] = { status: row.status };
      if (parent) patch[prefix].parentIdTag = parent;
      if (expiry) patch[prefix].expiryDate = expiry;
    }
  }
  for (const prefix of Object.keys(current ?? {})) {
    if (!seen.has(prefix)) patch[prefix] = null;
  }
  return patch;
}
