/**
 * Line charts as standalone SVG, drawn from measured figures by `npm run bench`: no figure in
 * the docs is drawn by hand. Both axes are logarithmic, since storm sizes and their costs span
 * several orders of magnitude.
 */

export interface Series {
  readonly name: string;
  /** [x, y] pairs; a pair whose y is missing (not measured) is left out of the line. */
  readonly points: ReadonlyArray<readonly [x: number, y: number | undefined]>;
}

export interface Chart {
  readonly title: string;
  readonly x: string;
  readonly y: string;
  readonly series: readonly Series[];
}

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { left: 80, right: 490, top: 40, bottom: 56 };
// Distinguishable in colour and in grey, for readers who see no colour.
const COLOURS = ['#1b6ac9', '#d1495b', '#edae49', '#00798c', '#5c415d', '#6b8f71', '#30343f'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3', '1 2', '10 4', '4 4'];

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Powers of ten from below `low` to above `high`: the ticks of a log axis. */
function decades(low: number, high: number): number[] {
  const ticks: number[] = [];
  for (let p = Math.floor(Math.log10(low)); p <= Math.ceil(Math.log10(high)); p += 1) ticks.push(10 ** p);
  return ticks;
}

function label(value: number): string {
  return value >= 1000 ? `${value / 1000}k`.replace('000k', 'M') : String(value);
}

/** Draws `chart` as an SVG document. Throws on a chart with nothing measured in it. */
export function lineChart(chart: Chart): string {
  const measured = chart.series.flatMap((series) => series.points.filter((point): point is readonly [number, number] => point[1] !== undefined));
  if (measured.length === 0) throw new Error(`Chart "${chart.title}" has no measured points`);
  if (measured.some(([x, y]) => x <= 0 || y <= 0)) throw new Error(`Chart "${chart.title}" has a point at or below 0 on a log axis`);
  const xTicks = decades(Math.min(...measured.map(([x]) => x)), Math.max(...measured.map(([x]) => x)));
  const yTicks = decades(Math.min(...measured.map(([, y]) => y)), Math.max(...measured.map(([, y]) => y)));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const scale = (value: number, ticks: number[], length: number): number =>
    ((Math.log10(value) - Math.log10(ticks[0]!)) / (Math.log10(ticks.at(-1)!) - Math.log10(ticks[0]!) || 1)) * length;
  const px = (x: number): number => MARGIN.left + scale(x, xTicks, plotWidth);
  const py = (y: number): number => MARGIN.top + plotHeight - scale(y, yTicks, plotHeight);
  const round = (n: number): string => n.toFixed(1);

  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${MARGIN.left}" y="24" font-size="15" font-weight="600">${escape(chart.title)}</text>`,
  ];
  for (const tick of xTicks) {
    const x = round(px(tick));
    parts.push(`<line x1="${x}" x2="${x}" y1="${MARGIN.top}" y2="${MARGIN.top + plotHeight}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${x}" y="${MARGIN.top + plotHeight + 18}" text-anchor="middle">${label(tick)}</text>`);
  }
  for (const tick of yTicks) {
    const y = round(py(tick));
    parts.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y}" y2="${y}" stroke="#e3e3e3"/>`);
    parts.push(`<text x="${MARGIN.left - 8}" y="${y}" text-anchor="end" dominant-baseline="middle">${label(tick)}</text>`);
  }
  parts.push(`<text x="${MARGIN.left + plotWidth / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escape(chart.x)}</text>`);
  parts.push(`<text transform="translate(18 ${MARGIN.top + plotHeight / 2}) rotate(-90)" text-anchor="middle">${escape(chart.y)}</text>`);
  chart.series.forEach((series, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    const dash = DASHES[i % DASHES.length]!;
    const points = series.points.filter((point): point is readonly [number, number] => point[1] !== undefined);
    const path = points.map(([x, y]) => `${round(px(x))},${round(py(y))}`).join(' ');
    parts.push(`<g data-series="${escape(series.name)}">`);
    parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const [x, y] of points) parts.push(`<circle cx="${round(px(x))}" cy="${round(py(y))}" r="3" fill="${colour}"><title>${escape(`${series.name}: N = ${x}, ${y}`)}</title></circle>`);
    parts.push('</g>');
    const legendY = MARGIN.top + 10 + i * 20;
    const legendX = MARGIN.left + plotWidth + 16;
    parts.push(`<line x1="${legendX}" x2="${legendX + 22}" y1="${legendY}" y2="${legendY}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text x="${legendX + 28}" y="${legendY}" dominant-baseline="middle">${escape(series.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
