// A hand-drawn SVG line chart (no library, no network): energy delivered over time for one
// transaction. Pure: returns SVG markup; tested with node --test.

/** "Nice" tick values (1, 2, 5 x 10^n steps) covering [min, max], about `count` of them. */
export function niceTicks(min, max, count = 5) {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  if (max < min) [min, max] = [max, min];
  if (max === min) max = min + 1;
  const raw = (max - min) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const first = Math.floor(min / step) * step;
  const ticks = [];
  for (let v = first; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1] < max) ticks.push(Number((ticks[ticks.length - 1] + step).toPrecision(12)));
  return ticks;
}

/** Chart points of a transaction: x seconds since its first reading, y Wh since it. */
export function transactionSeries(tx) {
  const r = tx.readings ?? [];
  if (!r.length) return [];
  const t0 = r[0].t;
  const base = tx.meterStart ?? r[0].wh;
  return r.map((p) => ({ x: (p.t - t0) / 1000, y: p.wh - base }));
}

/** "m:ss" (or "h:mm:ss") for a number of seconds. */
export function clock(seconds) {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

/**
 * SVG markup of a line chart of `points` ([{x, y}], x ascending).
 * opts: width, height, title (accessible name), yUnit ("Wh"), live (a dot on the last point).
 */
export function lineChart(points, opts = {}) {
  const { width = 440, height = 170, title = "", yUnit = "Wh", live = false } = opts;
  const pad = { left: 52, right: 14, top: 12, bottom: 30 };
  const w = width - pad.left - pad.right;
  const h = height - pad.top - pad.bottom;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" ` +
      `width="${width}" height="${height}" role="img" aria-label="${esc(title)}" data-points="${points.length}">`,
  ];
  if (title) parts.push(`<title>${esc(title)}</title>`);
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const xTicks = niceTicks(0, Math.max(10, ...xs), 4);
  const yTicks = niceTicks(Math.min(0, ...ys), Math.max(1, ...ys), 4);
  const [x0, x1] = [xTicks[0], xTicks[xTicks.length - 1]];
  const [y0, y1] = [yTicks[0], yTicks[yTicks.length - 1]];
  const sx = (x) => pad.left + ((x - x0) / (x1 - x0)) * w;
  const sy = (y) => pad.top + h - ((y - y0) / (y1 - y0)) * h;
  const f = (v) => v.toFixed(1);

  for (const t of yTicks) {
    parts.push(`<line class="grid" x1="${pad.left}" x2="${pad.left + w}" y1="${f(sy(t))}" y2="${f(sy(t))}"/>`);
    parts.push(`<text class="tick" x="${pad.left - 6}" y="${f(sy(t) + 4)}" text-anchor="end">${esc(t)}</text>`);
  }
  for (const t of xTicks) {
    parts.push(`<line class="grid" x1="${f(sx(t))}" x2="${f(sx(t))}" y1="${pad.top}" y2="${pad.top + h}"/>`);
    parts.push(`<text class="tick" x="${f(sx(t))}" y="${pad.top + h + 16}" text-anchor="middle">${esc(clock(t))}</text>`);
  }
  parts.push(`<rect class="frame" x="${pad.left}" y="${pad.top}" width="${w}" height="${h}"/>`);
  parts.push(`<text class="unit" x="6" y="${pad.top + 4}">${esc(yUnit)}</text>`);
  if (points.length === 0) {
    parts.push(`<text class="empty" x="${pad.left + w / 2}" y="${pad.top + h / 2}" text-anchor="middle">no meter values yet</text>`);
  } else {
    const line = points.map((p) => `${f(sx(p.x))},${f(sy(p.y))}`).join(" ");
    parts.push(`<polyline class="series" points="${line}"/>`);
    const last = points[points.length - 1];
    parts.push(`<circle class="${live ? "dot live" : "dot"}" cx="${f(sx(last.x))}" cy="${f(sy(last.y))}" r="3.5"/>`);
  }
  parts.push("</svg>");
  return parts.join("");
}
