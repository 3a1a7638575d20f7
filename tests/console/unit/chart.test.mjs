// The hand-drawn SVG chart (tools/console/chart.js).
import { test } from "node:test";
import assert from "node:assert/strict";

import { clock, lineChart, niceTicks, transactionSeries } from "../../../tools/console/chart.js";

test("niceTicks covers the range in 1/2/5 steps", () => {
  assert.deepEqual(niceTicks(0, 10, 5), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0, 95, 4), [0, 50, 100]);
  assert.deepEqual(niceTicks(0, 306, 4), [0, 100, 200, 300, 400]);
  assert.deepEqual(niceTicks(0.1, 0.95, 4), [0, 0.5, 1]);
  assert.deepEqual(niceTicks(0.1, 0.95, 8), [0, 0.2, 0.4, 0.6, 0.8, 1]);
  assert.deepEqual(niceTicks(5, 5), [5, 5.2, 5.4, 5.6, 5.8, 6]);
  assert.deepEqual(niceTicks(10, 0, 2), [0, 5, 10]);
  assert.deepEqual(niceTicks(NaN, 1), []);
  for (const [lo, hi] of [[0, 1234], [-50, 20], [3, 7]]) {
    const t = niceTicks(lo, hi, 4);
    assert.ok(t[0] <= lo && t.at(-1) >= hi, `${lo}..${hi}: ${t}`);
  }
});

test("clock", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(65), "1:05");
  assert.equal(clock(3725), "1:02:05");
  assert.equal(clock(-3), "0:00");
});

test("a transaction's series: seconds and Wh since its start", () => {
  const tx = { meterStart: 1000, readings: [{ t: 5000, wh: 1000 }, { t: 7000, wh: 1012 }, { t: 9500, wh: 1030 }] };
  assert.deepEqual(transactionSeries(tx), [{ x: 0, y: 0 }, { x: 2, y: 12 }, { x: 4.5, y: 30 }]);
  assert.deepEqual(transactionSeries({ meterStart: null, readings: [{ t: 0, wh: 7 }, { t: 1000, wh: 9 }] }),
    [{ x: 0, y: 0 }, { x: 1, y: 2 }]);
  assert.deepEqual(transactionSeries({ readings: [] }), []);
});

test("lineChart draws one polyline through every point, inside the plot", () => {
  const points = [{ x: 0, y: 0 }, { x: 2, y: 12 }, { x: 4, y: 30 }];
  const svg = lineChart(points, { width: 400, height: 150, title: "tx <1>", live: true });
  assert.match(svg, /^<svg [^>]*viewBox="0 0 400 150"/);
  assert.match(svg, /data-points="3"/);
  assert.match(svg, /<title>tx &lt;1&gt;<\/title>/); // escaped
  const [, line] = svg.match(/<polyline class="series" points="([^"]+)"/);
  const xy = line.split(" ").map((p) => p.split(",").map(Number));
  assert.equal(xy.length, 3);
  for (const [x, y] of xy) assert.ok(x >= 52 && x <= 386 && y >= 12 && y <= 120, `${x},${y}`);
  assert.ok(xy[0][0] < xy[1][0] && xy[1][0] < xy[2][0], "x grows");
  assert.ok(xy[0][1] > xy[2][1], "more energy is higher up");
  assert.match(svg, /class="dot live"/);
  assert.match(svg, />0:00</);
});

test("lineChart without points says so", () => {
  const svg = lineChart([], {});
  assert.match(svg, /no meter values yet/);
  assert.doesNotMatch(svg, /polyline/);
});
