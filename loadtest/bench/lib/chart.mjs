// The report's chart as a standalone SVG: throughput bars (log scale) on the left, latency against catalog size
// (log scale) on the right. Plain strings, no dependencies.

const W = 980;
const H = 440;
const font = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x, y, s, attrs = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${font} ${attrs}>${esc(s)}</text>`;
const line = (x1, y1, x2, y2, attrs) =>
  `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" ${attrs}/>`;

/** Powers of ten covering [min, max], for a log axis. */
function decades(min, max) {
  const lo = Math.floor(Math.log10(Math.max(min, 1e-3)));
  const hi = Math.ceil(Math.log10(Math.max(max, min * 10)));
  return Array.from({ length: hi - lo + 1 }, (_, i) => 10 ** (lo + i));
}

const tick = (v) => (v >= 1000 ? `${v / 1000}k` : v >= 1 ? String(v) : String(Number(v.toPrecision(1))));

/** @param {{ label: string, value: number, color: string }[]} bars */
function throughputPanel(bars, x0, y0, w, h) {
  const labelW = 190;
  const ticks = decades(Math.min(...bars.map((b) => b.value)), Math.max(...bars.map((b) => b.value)));
  const [lo, hi] = [Math.log10(ticks[0]), Math.log10(ticks[ticks.length - 1])];
  const px = (v) => x0 + labelW + ((Math.log10(v) - lo) / (hi - lo)) * (w - labelW - 20);
  const rowH = (h - 60) / bars.length;
  const out = [text(x0, y0 + 16, 'Throughput, requests/s (log scale)', 'font-size="15" font-weight="600"')];
  for (const t of ticks) {
    out.push(line(px(t), y0 + 30, px(t), y0 + h - 24, 'stroke="#ddd"'));
    out.push(text(px(t), y0 + h - 8, tick(t), 'font-size="11" fill="#666" text-anchor="middle"'));
  }
  bars.forEach((b, i) => {
    const y = y0 + 36 + i * rowH;
    const bw = Math.max(2, px(b.value) - px(ticks[0]));
    out.push(text(x0 + labelW - 8, y + rowH * 0.45 + 4, b.label, 'font-size="12" text-anchor="end"'));
    out.push(
      `<rect x="${px(ticks[0]).toFixed(1)}" y="${(y + 4).toFixed(1)}" width="${bw.toFixed(1)}" height="${(rowH * 0.7).toFixed(1)}" fill="${b.color}"/>`,
    );
    out.push(
      text(
        px(ticks[0]) + bw + 4,
        y + rowH * 0.45 + 4,
        Math.round(b.value).toLocaleString('en'),
        'font-size="11"',
      ),
    );
  });
  return out.join('\n');
}

/** @param {{ sizes: number[], series: { label: string, color: string, dashed?: boolean, values: number[] }[] }} data */
function latencyPanel({ sizes, series }, x0, y0, w, h) {
  const all = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v) && v > 0);
  const ticks = decades(Math.min(...all), Math.max(...all));
  const [lo, hi] = [Math.log10(ticks[0]), Math.log10(ticks[ticks.length - 1])];
  const left = x0 + 48;
  const plotW = w - 48 - 150;
  const top = y0 + 36;
  const bottom = y0 + h - 40;
  const px = (i) => left + (sizes.length === 1 ? plotW / 2 : (i / (sizes.length - 1)) * plotW);
  const py = (v) => bottom - ((Math.log10(v) - lo) / (hi - lo)) * (bottom - top);
  const out = [
    text(x0, y0 + 16, 'Latency (ms, log scale) as the catalog grows', 'font-size="15" font-weight="600"'),
  ];
  for (const t of ticks) {
    out.push(line(left, py(t), left + plotW, py(t), 'stroke="#ddd"'));
    out.push(text(left - 6, py(t) + 4, tick(t), 'font-size="11" fill="#666" text-anchor="end"'));
  }
  sizes.forEach((n, i) => {
    out.push(line(px(i), top, px(i), bottom, 'stroke="#eee"'));
    out.push(
      text(px(i), bottom + 16, n.toLocaleString('en'), 'font-size="11" fill="#666" text-anchor="middle"'),
    );
  });
  out.push(
    text(
      left + plotW / 2,
      bottom + 32,
      'books in the catalog',
      'font-size="11" fill="#666" text-anchor="middle"',
    ),
  );
  series.forEach((s, k) => {
    const pts = s.values.map((v, i) => [px(i), py(Math.max(v, ticks[0]))]);
    const dash = s.dashed ? 'stroke-dasharray="6 4"' : '';
    out.push(
      `<polyline points="${pts.map((p) => p.map((c) => c.toFixed(1)).join(',')).join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" ${dash}/>`,
    );
    for (const [x, y] of pts)
      out.push(`<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="3" fill="${s.color}"/>`);
    const ly = top + 6 + k * 18;
    out.push(
      line(left + plotW + 14, ly, left + plotW + 36, ly, `stroke="${s.color}" stroke-width="2" ${dash}`),
    );
    out.push(text(left + plotW + 40, ly + 4, s.label, 'font-size="11"'));
  });
  return out.join('\n');
}

/** The whole SVG document. */
export function chartSvg({ bars, latency, caption }) {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    throughputPanel(bars, 16, 12, 460, H - 44),
    latencyPanel(latency, 500, 12, 470, H - 44),
    text(16, H - 10, caption, 'font-size="11" fill="#666"'),
    '</svg>',
    '',
  ].join('\n');
}
