// The usage chart, drawn on the server as SVG: one line per series over the periods, with axes,
// grid lines and a legend. Nothing runs in the browser, so it works under the hub's strict
// Content-Security-Policy (no script or style from elsewhere, none inline), on any screen (the
// drawing scales to its width), and with no library to keep up to date. Colours are the
// Okabe–Ito set, told apart by colour-blind readers, and each series also has its own dash
// pattern; the table under the chart carries the same numbers as text.
import { html, type SafeHtml } from '../../ui/html.js';
import { columnLabel, formatValue, MEASURE_LABELS, type UsageTable } from './usage-table.js';

const W = 800;
const H = 320;
const M = { left: 64, right: 16, top: 16, bottom: 48 };
const COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#000000'];
const DASHES = ['', '6 3', '2 3', '8 3 2 3'];

export const seriesStyle = (i: number) => ({
  colour: COLOURS[i % COLOURS.length] as string,
  dash: DASHES[Math.floor(i / COLOURS.length) % DASHES.length] as string,
});

/**
 * A round upper bound for the axis and its step (1, 2 or 5 times a power of ten; whole numbers
 * for counts).
 */
function axis(max: number, whole: boolean): { top: number; step: number } {
  const raw = Math.max(max, whole ? 1 : 0.01) / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = ([1, 2, 5, 10].find((f) => f * power >= raw) as number) * power;
  if (whole) step = Math.max(1, Math.round(step));
  return { top: Math.max(step, Math.ceil(max / step) * step), step };
}

export function usageChart(table: UsageTable, caption: string): SafeHtml {
  const n = table.rows.length;
  const values = table.rows.flatMap((r) => r.values.filter((v): v is number => v !== null));
  const counts = table.measure === 'sessions' || table.measure === 'users';
  const { top, step } = axis(Math.max(0, ...values), counts);
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (i: number) => M.left + (n <= 1 ? plotW / 2 : (i * plotW) / (n - 1));
  const y = (v: number) => M.top + plotH - (v / top) * plotH;
  const grid: SafeHtml[] = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.push(html`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#d0d4da" stroke-width="1"/>
      <text x="${M.left - 8}" y="${y(v) + 4}" text-anchor="end" font-size="14" fill="#444">${formatValue(Math.round(v * 100) / 100)}</text>`);
  }
  const every = Math.max(1, Math.ceil(n / 8));
  const labels = table.rows.map((r, i) =>
    i % every === 0
      ? html`<text x="${x(i)}" y="${H - M.bottom + 18}" text-anchor="middle" font-size="14" fill="#444">${r.period}</text>`
      : '',
  );
  const series = table.columns.map((key, c) => {
    const { colour, dash } = seriesStyle(c);
    // A period without a value (a median of no starts) breaks the line.
    const runs: string[][] = [[]];
    const dots: SafeHtml[] = [];
    table.rows.forEach((r, i) => {
      const v = r.values[c];
      if (v === null || v === undefined) {
        runs.push([]);
        return;
      }
      runs.at(-1)?.push(`${x(i).toFixed(1)},${y(v).toFixed(1)}`);
      dots.push(
        html`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3" fill="${colour}"><title>${columnLabel(key)}, ${r.period}: ${formatValue(v)}</title></circle>`,
      );
    });
    const lines = runs
      .filter((run) => run.length > 1)
      .map(
        (run) =>
          html`<polyline points="${run.join(' ')}" fill="none" stroke="${colour}" stroke-width="2"${dash ? html` stroke-dasharray="${dash}"` : ''}/>`,
      );
    return html`<g class="series" data-series="${columnLabel(key)}">${lines}${dots}</g>`;
  });
  return html`<figure class="usage-chart">
    <div class="chart-scroll"><svg viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="usage-chart-title" preserveAspectRatio="xMidYMid meet">
      <title id="usage-chart-title">${caption}</title>
      ${grid}
      <line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + plotH}" stroke="#444"/>
      ${labels}
      <text x="14" y="${M.top + plotH / 2}" transform="rotate(-90 14 ${M.top + plotH / 2})" text-anchor="middle" font-size="14" fill="#444">${MEASURE_LABELS[table.measure]}</text>
      ${series}
    </svg></div>
    <figcaption>
      <ul class="legend">${table.columns.map((key, c) => {
        const { colour, dash } = seriesStyle(c);
        return html`<li><svg width="28" height="10" aria-hidden="true"><line x1="0" x2="28" y1="5" y2="5" stroke="${colour}" stroke-width="3"${dash ? html` stroke-dasharray="${dash}"` : ''}/></svg>${columnLabel(key)}</li>`;
      })}</ul>
    </figcaption>
  </figure>`;
}
