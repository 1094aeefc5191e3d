// The results as an SVG bar chart, written by hand: one bar per row, its length the share of the
// baseline's requests per second, with the figures beside it.
import type { Row } from './run.js';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const colours: Record<string, string> = {
  '-': '#888888',
  'sqlite-process': '#2f6db5',
  'sqlite-full': '#7aa6dc',
  postgres: '#d9822b',
  none: '#9b59b6',
};

export function renderChart(
  rows: Row[],
  run: { startedAt: string; baseline: { mean: number }; machine: { loadBefore: number[] } },
): string {
  const labelWidth = 330;
  const barWidth = 420;
  const textWidth = 250;
  const rowHeight = 22;
  const top = 56;
  const width = labelWidth + barWidth + textWidth;
  const height = top + rows.length * rowHeight + 40;
  const max = Math.max(1, ...rows.map((r) => r.ratio));
  const x = (ratio: number) => labelWidth + (ratio / max) * barWidth;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img" aria-labelledby="title">`,
    '<title id="title">multientity benchmark: requests per second of each scenario as a share of a bare node:http server</title>',
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="20" font-size="15" font-weight="bold">multientity: requests per second as a share of a bare node:http server</text>`,
    `<text x="10" y="40" fill="#555555">${escapeXml(`${run.startedAt}, baseline ${run.baseline.mean} req/s, 32 connections, load average ${run.machine.loadBefore.map((l) => l.toFixed(1)).join(' ')} at start`)}</text>`,
  ];
  for (const mark of [0.25, 0.5, 0.75, 1]) {
    if (mark > max) continue;
    parts.push(
      `<line x1="${x(mark)}" y1="${top - 6}" x2="${x(mark)}" y2="${top + rows.length * rowHeight}" stroke="#dddddd"/>`,
      `<text x="${x(mark)}" y="${top + rows.length * rowHeight + 14}" text-anchor="middle" fill="#777777">${mark * 100}%</text>`,
    );
  }
  rows.forEach((row, i) => {
    const y = top + i * rowHeight;
    const colour = colours[row.database] ?? '#444444';
    parts.push(
      `<text x="${labelWidth - 8}" y="${y + 14}" text-anchor="end">${escapeXml(`${row.scenario} · ${row.database}`)}</text>`,
      `<rect x="${labelWidth}" y="${y + 3}" width="${Math.max(1, x(row.ratio) - labelWidth)}" height="${rowHeight - 6}" fill="${colour}"/>`,
      `<text x="${x(row.ratio) + 6}" y="${y + 14}" fill="#333333">${escapeXml(`${row.requestsPerSecond} req/s, ${(row.ratio * 100).toFixed(1)}%, p99 ${row.p99} ms`)}</text>`,
    );
  });
  const legendY = height - 12;
  let legendX = 10;
  for (const [name, colour] of Object.entries(colours)) {
    const label = name === '-' ? 'baseline' : name === 'none' ? 'Prism mock (no database)' : name;
    parts.push(
      `<rect x="${legendX}" y="${legendY - 10}" width="10" height="10" fill="${colour}"/>`,
      `<text x="${legendX + 14}" y="${legendY}">${escapeXml(label)}</text>`,
    );
    legendX += 24 + label.length * 7;
  }
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
