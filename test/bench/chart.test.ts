import { describe, expect, it } from 'vitest';
import { lineChart } from '../../bench/chart.js';

const chart = {
  title: 'Expiry storm: requests the server received',
  x: 'N',
  y: 'server requests',
  series: [
    { name: 'axios-refresh-interceptor', points: [[10, 20], [100, 200], [1000, 2000]] as const },
    { name: 'hand-written <_retry>', points: [[10, 30], [100, undefined], [1000, 3000]] as const },
  ],
};

function circles(svg: string, series: string): number[] {
  const group = svg.split(`<g data-series="${series}">`)[1]!.split('</g>')[0]!;
  return [...group.matchAll(/cy="([\d.]+)"/g)].map((match) => Number(match[1]));
}

describe('charts drawn from bench figures', () => {
  it('draws one line per contender, a point per measured N, and leaves out what was not measured', () => {
    const svg = lineChart(chart);
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(circles(svg, 'axios-refresh-interceptor')).toHaveLength(3);
    expect(circles(svg, 'hand-written &lt;_retry&gt;')).toHaveLength(2);
  });

  it('draws more requests higher up, on a log scale: each tenfold step is the same height', () => {
    const [ten, hundred, thousand] = circles(lineChart(chart), 'axios-refresh-interceptor');
    expect(hundred!).toBeLessThan(ten!);
    expect(thousand!).toBeLessThan(hundred!);
    expect(Math.abs(ten! - hundred! - (hundred! - thousand!))).toBeLessThan(1);
  });

  it('refuses a chart with nothing measured, naming it', () => {
    expect(() => lineChart({ ...chart, series: [{ name: 'x', points: [[10, undefined]] }] })).toThrow('Chart "Expiry storm: requests the server received" has no measured points');
  });
});
