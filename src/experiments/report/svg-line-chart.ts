/** One line of a chart: points (x, y) in data units, drawn in order; non-finite y values break the line. */
export interface ChartSeries {
  readonly name: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface LineChartOptions {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Logarithmic (base 10) y axis; y ≤ 0 points are dropped. */
  readonly yLog?: boolean;
  /** Step lines (hold y until the next x), for piecewise-constant quantities like K. */
  readonly step?: boolean;
  /** Canvas size in pixels (default 720 × 420). */
  readonly width?: number;
  readonly height?: number;
}

const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

/** Escapes text for XML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** About five round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

function fmt(v: number): string {
  if (v === 0) return '0';
  const a = Math.abs(v);
  return a >= 1e4 || a < 1e-3 ? v.toExponential(1) : String(Number(v.toPrecision(4)));
}

/**
 * A dependency-free SVG line chart (one `<g class="series">` per series, with a legend entry each).
 * Returns the SVG document as text.
 */
export function svgLineChart(o: LineChartOptions): string {
  const width = o.width ?? 720, height = o.height ?? 420;
  const m = { left: 70, right: 170, top: 40, bottom: 50 };
  const pw = width - m.left - m.right, ph = height - m.top - m.bottom;
  const ty = (y: number): number => (o.yLog ? Math.log10(y) : y);
  const usable = (p: readonly [number, number]): boolean => Number.isFinite(p[0]) && Number.isFinite(p[1]) && (!o.yLog || p[1] > 0);
  const all = o.series.flatMap((s) => s.points.filter(usable));
  let [x0, x1] = all.length ? [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))] : [0, 1];
  let [y0, y1] = all.length ? [Math.min(...all.map((p) => ty(p[1]))), Math.max(...all.map((p) => ty(p[1])))] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  if (y1 === y0) [y0, y1] = [y0 - 1, y1 + 1];
  const pad = (y1 - y0) * 0.05;
  y0 -= pad;
  y1 += pad;
  const sx = (x: number): number => m.left + ((x - x0) / (x1 - x0)) * pw;
  const sy = (y: number): number => m.top + ph - ((ty(y) - y0) / (y1 - y0)) * ph;
  const out: string[] = [];
  out.push(`<?xml version="1.0" encoding="UTF-8"?>`);
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(o.title)}</text>`);
  // Axes and ticks.
  out.push(`<g class="axes" stroke="#333" fill="none"><rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}"/></g>`);
  const ticks: string[] = [];
  for (const x of niceTicks(x0, x1)) {
    ticks.push(`<line x1="${sx(x).toFixed(1)}" y1="${m.top + ph}" x2="${sx(x).toFixed(1)}" y2="${m.top + ph + 5}" stroke="#333"/>`);
    ticks.push(`<text x="${sx(x).toFixed(1)}" y="${m.top + ph + 18}" text-anchor="middle">${escapeXml(fmt(x))}</text>`);
  }
  for (const t of niceTicks(y0, y1)) {
    const y = m.top + ph - ((t - y0) / (y1 - y0)) * ph;
    ticks.push(`<line x1="${m.left}" y1="${y.toFixed(1)}" x2="${m.left + pw}" y2="${y.toFixed(1)}" stroke="#ddd"/>`);
    ticks.push(`<text x="${m.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${escapeXml(fmt(o.yLog ? 10 ** t : t))}</text>`);
  }
  out.push(`<g class="ticks">${ticks.join('')}</g>`);
  out.push(`<text x="${m.left + pw / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(o.xLabel)}</text>`);
  out.push(`<text x="16" y="${m.top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 ${m.top + ph / 2})">${escapeXml(o.yLabel + (o.yLog ? ' (log scale)' : ''))}</text>`);
  // Series.
  o.series.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length];
    const segments: string[][] = [[]];
    let prevY: number | undefined;
    for (const p of s.points) {
      if (!usable(p)) {
        segments.push([]);
        prevY = undefined;
        continue;
      }
      const seg = segments[segments.length - 1];
      if (o.step && prevY !== undefined) seg.push(`${sx(p[0]).toFixed(1)},${sy(prevY).toFixed(1)}`);
      seg.push(`${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`);
      prevY = p[1];
    }
    const lines = segments.filter((g) => g.length > 0).map((g) =>
      g.length === 1
        ? `<circle cx="${g[0].split(',')[0]}" cy="${g[0].split(',')[1]}" r="2.5" fill="${color}"/>`
        : `<polyline fill="none" stroke="${color}" stroke-width="1.8" points="${g.join(' ')}"/>`);
    const ly = m.top + 10 + i * 18;
    out.push(`<g class="series" data-name="${escapeXml(s.name)}">${lines.join('')}` +
      `<line x1="${m.left + pw + 12}" y1="${ly}" x2="${m.left + pw + 36}" y2="${ly}" stroke="${color}" stroke-width="2.5"/>` +
      `<text x="${m.left + pw + 42}" y="${ly + 4}">${escapeXml(s.name)}</text></g>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
