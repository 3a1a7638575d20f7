// End to end: `scripts/demo.sh --console` (the dev CS, its web console and the demo charge point
// waiting), driven in Debian's headless Chromium by playwright-core. A person's session: the
// charge point boots, Remote Start, the transaction and its chart grow, Remote Stop, then
// TriggerMessage, ReserveNow/CancelReservation, the local list, a configuration key, the idTag
// rules, Smart Charging, Firmware Management. Screenshots go to target/console/.
//
//   node --test e2e/            (from tests/console; CHROMIUM=/path overrides /usr/bin/chromium)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const SHOTS = path.join(ROOT, "target", "console");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const CP = "zephyr-demo";
const skip = fs.existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM}`;
const T = { timeout: 60_000 }; // per test; every wait inside is shorter

let demo = null; // the demo.sh process (leader of its own process group)
let demoOutput = "";
let base = ""; // http://127.0.0.1:PORT/
let context = null;
let page = null;
let userDataDir = null;
const pageErrors = [];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns something truthy; fails after `timeout` ms naming `what`. */
async function eventually(what, fn, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await sleep(100);
  }
  throw new Error(`timed out after ${timeout} ms waiting for ${what}${last ? ` (${last.message})` : ""}`);
}

const text = async (sel) => (await page.locator(sel).first().textContent({ timeout: 2_000 })) ?? "";
const shot = (name) => page.screenshot({ path: path.join(SHOTS, name), fullPage: true });

async function api(pathname) {
  const resp = await fetch(new URL(pathname, base), { signal: AbortSignal.timeout(5_000) });
  return resp.json();
}

/** Fills a command form's fields, presses Send and waits for its answer. */
async function send(action, fields = {}, timeout = 20_000) {
  const form = page.locator(`[data-testid="form-${action}"]`);
  for (const [name, value] of Object.entries(fields)) {
    const field = form.locator(`[name="${name}"]`);
    if ((await field.evaluate((el) => el.tagName)) === "SELECT") await field.selectOption(value);
    else await field.fill(String(value));
  }
  const out = page.locator(`[data-testid="answer-${action}"]`);
  await out.evaluate((el) => { el.textContent = ""; });
  await page.locator(`[data-testid="send-${action}"]`).click();
  return eventually(`the answer to ${action}`, async () => {
    const t = (await out.textContent()) ?? "";
    return t && t !== "…" ? t : null;
  }, timeout);
}

function waitForUrl(proc, timeout) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo.sh printed no console URL in ${timeout} ms:\n${demoOutput}`)), timeout);
    const onData = (chunk) => {
      demoOutput += chunk;
      const m = demoOutput.match(/== web console: (http:\/\/127\.0\.0\.1:\d+\/)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    proc.stdout.on("data", onData);
    proc.stderr.on("data", (chunk) => { demoOutput += chunk; });
    proc.on("exit", (code) => { clearTimeout(timer); reject(new Error(`demo.sh exited (${code}):\n${demoOutput}`)); });
  });
}

before(async () => {
  if (skip) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith(".png")) fs.rmSync(path.join(SHOTS, f));
  demo = spawn("bash", ["scripts/demo.sh", "--console"], {
    cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"],
  });
  demo.stdout.setEncoding("utf8");
  demo.stderr.setEncoding("utf8");
  base = await waitForUrl(demo, 180_000); // includes building the example when it is stale
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "console-chromium-"));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    timeout: 30_000,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(10_000);
  page.on("pageerror", (e) => pageErrors.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") pageErrors.push(`console: ${m.text()}`); });
});

after(async () => {
  if (context) await context.close().catch(() => {});
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  if (demo && demo.exitCode === null) {
    // SIGTERM, as Ctrl-C: demo.sh stops the charge point and the CS and validates the frames.
    const exited = new Promise((r) => demo.once("exit", (code) => r(code)));
    process.kill(-demo.pid, "SIGTERM");
    const code = await Promise.race([exited, sleep(20_000).then(() => "timeout")]);
    if (code === "timeout") process.kill(-demo.pid, "SIGKILL");
    fs.writeFileSync(path.join(SHOTS, "demo.out"), demoOutput);
    assert.equal(code, 0, `demo.sh --console did not stop cleanly:\n${demoOutput}`);
    assert.match(demoOutput, /schema-validated \d+ frames, 0 failures/);
  }
});

test("the page shows the charge point boot", { ...T, skip }, async () => {
  await page.goto(base, { timeout: 15_000 });
  await eventually("the live stream", async () => (await text('[data-testid="stream"]')) === "live");
  await eventually("the charge point, online and Accepted", async () => {
    const t = await text(`[data-testid="cp-${CP}"]`);
    return t.includes("online") && t.includes("Accepted");
  });
  const overview = await text('[data-testid="overview"]');
  assert.match(overview, /zephyr-ocpp \/ host-demo/);
  assert.match(await text('[data-testid="endpoint"]'), /ws:\/\/127\.0\.0\.1:\d+\/ocpp/);
  await eventually("connectors 1 and 2 Available", async () =>
    (await text('[data-testid="connector-1"]')).includes("Available") &&
    (await text('[data-testid="connector-2"]')).includes("Available"));
  await shot("01-booted.png");
});

let txId = null;

test("Remote Start: the transaction appears and its chart grows", { ...T, skip }, async () => {
  assert.equal(await send("RemoteStartTransaction", { connectorId: 1, idTag: "WEB-E2E" }), "Accepted");
  const row = page.locator('[data-testid^="tx-row-"][data-active="true"]', { hasText: "WEB-E2E" });
  await row.waitFor({ timeout: 15_000 });
  txId = Number((await row.getAttribute("data-testid")).replace("tx-row-", ""));
  assert.ok(txId > 0);
  await eventually("connector 1 Charging", async () => (await text('[data-testid="connector-1"]')).includes("Charging"));
  const points = async () => Number(await page.locator(`[data-testid="chart-${txId}"]`).getAttribute("data-points"));
  // The demo samples every 2 s: the start reading, then MeterValues.
  const first = await eventually("two readings on the chart", async () => ((await points()) >= 2 ? points() : null));
  await eventually("the chart to grow", async () => (await points()) > first, 10_000);
  const line = await page.locator(`[data-testid="chart-${txId}"] polyline.series`).getAttribute("points");
  assert.ok(line.split(" ").length >= 3, line);
  // Energy delivered grows too (22 kW: about 6 Wh a second).
  const delivered = await text(`[data-testid="tx-row-${txId}"]`);
  assert.match(delivered, /\d+ Wh/);
  await shot("02-charging.png");
});

test("Remote Stop ends it", { ...T, skip }, async () => {
  assert.ok(txId, "no transaction from the previous test");
  await page.locator(`[data-testid="stop-tx-${txId}"]`).click();
  const row = page.locator(`[data-testid="tx-row-${txId}"]`);
  await eventually("the transaction stopped with reason Remote", async () =>
    (await row.getAttribute("data-active")) === "false" && (await row.textContent()).includes("Remote"));
  const txs = await api(`/transactions?cp_id=${CP}`);
  const tx = txs.find((t) => t.transaction_id === txId);
  assert.equal(tx.active, false);
  assert.equal(tx.reason, "Remote");
  assert.ok(tx.meter_stop > tx.meter_start);
  // The cable is unplugged: Finishing, then Available again.
  await eventually("connector 1 Available again", async () => (await text('[data-testid="connector-1"]')).includes("Available"));
  await shot("03-stopped.png");
});

test("TriggerMessage: the requested Heartbeat follows the answer", { ...T, skip }, async () => {
  assert.match(await text('[data-testid="last-heartbeat"]'), /never/);
  assert.equal(await send("TriggerMessage", { requestedMessage: "Heartbeat", connectorId: "" }), "Accepted");
  await eventually("the last heartbeat", async () => /s ago/.test(await text('[data-testid="last-heartbeat"]')));
  // The frame log, filtered on the action, shows the triggered Heartbeat both ways.
  await page.locator('[data-testid="frames-action"]').selectOption("Heartbeat");
  const rows = page.locator('[data-testid="frames"] [data-testid="frame-row"]');
  await eventually("the Heartbeat frames in the log", async () => (await rows.count()) >= 2);
  for (const t of await rows.allTextContents()) assert.match(t, /Heartbeat/);
  await page.locator('[data-testid="frames-action"]').selectOption("");
  await page.locator('[data-testid="frames-filter"]').fill("TriggerMessage");
  await eventually("the TriggerMessage frames", async () => (await rows.count()) === 2);
  await page.locator('[data-testid="frames-filter"]').fill("");
  await shot("04-trigger.png");
});

test("ReserveNow and CancelReservation", { ...T, skip }, async () => {
  assert.equal(await send("ReserveNow", { connectorId: 2, expiryDate: 30, idTag: "RES-E2E", reservationId: 42 }), "Accepted");
  await eventually("connector 2 Reserved for RES-E2E", async () => {
    const t = await text('[data-testid="connector-2"]');
    return t.includes("Reserved") && t.includes("#42 for RES-E2E");
  });
  await shot("05-reserved.png");
  assert.equal(await send("CancelReservation", { reservationId: 42 }), "Accepted");
  await eventually("connector 2 Available", async () => {
    const t = await text('[data-testid="connector-2"]');
    return t.includes("Available") && !t.includes("#42");
  });
  assert.equal(await send("CancelReservation", { reservationId: 42 }), "Rejected");
});

test("SendLocalList and GetLocalListVersion", { ...T, skip }, async () => {
  assert.equal(await send("SendLocalList", { listVersion: 3, updateType: "Full",
    localAuthorizationList: "LOCAL01 Accepted\nLOCAL02 Blocked" }), "Accepted");
  assert.equal(await send("GetLocalListVersion"), '{"listVersion":3}');
  // The overview follows the answer's frame on the stream.
  await eventually("local list version 3", async () => (await text('[data-testid="local-list-version"]')) === "3");
});

test("the configuration table: read every key, change one", { ...T, skip }, async () => {
  await page.locator('[data-testid="config-refresh"]').click();
  const row = page.locator('[data-testid="config-HeartbeatInterval"]');
  await row.waitFor({ timeout: 10_000 });
  assert.equal(await row.locator("input").inputValue(), "300");
  await row.locator("input").fill("120");
  await row.locator("button").click();
  await eventually("ChangeConfiguration Accepted", async () => (await row.locator(".answer").textContent()) === "Accepted");
  // A bad value is refused by the charge point, and says so.
  const interval = page.locator('[data-testid="config-MeterValueSampleInterval"]');
  await interval.locator("input").fill("soon");
  await interval.locator("button").click();
  await eventually("ChangeConfiguration Rejected", async () => (await interval.locator(".answer").textContent()) === "Rejected");
  assert.equal(await send("GetConfiguration", { key: "HeartbeatInterval" }),
    '{"configurationKey":[{"key":"HeartbeatInterval","readonly":false,"value":"120"}]}');
});

test("idTag rules are editable and decide the next authorization", { ...T, skip }, async () => {
  await page.locator('[data-testid="rules-add"]').click();
  const last = page.locator("#rules-body tr").last();
  await last.locator('[name="prefix"]').fill("E2EBLOCK");
  await last.locator('[name="status"]').selectOption("Blocked");
  await page.locator('[data-testid="rules-save"]').click();
  await eventually("saved", async () => (await text('[data-testid="rules-answer"]')) === "saved");
  const config = await api("/config");
  assert.equal(config.idtag_rules.E2EBLOCK, "Blocked");
  // The charge point starts remotely (AuthorizeRemoteTxRequests is false), the CS answers
  // StartTransaction Blocked, and the charge point ends the transaction.
  assert.equal(await send("RemoteStartTransaction", { connectorId: 2, idTag: "E2EBLOCK1" }), "Accepted");
  const row = page.locator('[data-testid^="tx-row-"]', { hasText: "E2EBLOCK1" });
  await row.waitFor({ timeout: 15_000 });
  await eventually("the Blocked transaction ended", async () => {
    const t = await row.textContent();
    return t.includes("Blocked") && (await row.getAttribute("data-active")) === "false";
  });
  // Remove the rule again.
  await page.locator("#rules-body tr", { has: page.locator('[name="prefix"][value="E2EBLOCK"]') })
    .locator("[data-remove-rule]").click();
  await page.locator('[data-testid="rules-save"]').click();
  await eventually("the rule removed", async () => !("E2EBLOCK" in (await api("/config")).idtag_rules));
  await shot("06-idtags.png");
});

test("Smart Charging: set, composite schedule, clear", { ...T, skip }, async () => {
  assert.match(await send("SetChargingProfile", { limit: "12.5" }), /Accepted/);
  assert.match(await send("GetCompositeSchedule"), /12\.5/);
  assert.match(await send("ClearChargingProfile", { id: "1" }), /Accepted/);
});

test("Firmware Management: UpdateFirmware and GetDiagnostics are answered", { ...T, skip }, async () => {
  const note = await text('[data-testid="profile-firmware"]');
  assert.doesNotMatch(note, /not implemented/);
  assert.doesNotMatch(await send("UpdateFirmware"), /CALLERROR/);
  assert.match(await send("GetDiagnostics"), /fileName/);
  await page.locator('[data-testid="form-GetDiagnostics"]').scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(SHOTS, "07-firmware.png") });
});

test("the whole page, and no script errors", { ...T, skip }, async () => {
  await page.evaluate(() => window.scrollTo(0, 0));
  await shot("08-console.png");
  assert.deepEqual(pageErrors, []);
});
