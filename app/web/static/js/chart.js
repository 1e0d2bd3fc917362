// Small charts drawn as SVG, one column per interview: a line chart (gaps where a value is missing,
// an optional shaded target band) and a strip chart (one row per part, each cell shaded by a share).
// Colours come from CSS classes, so dark mode and print work.

import { h } from './dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const WIDTH = 640;
const HEIGHT = 220;
const MARGIN = { top: 14, right: 18, bottom: 30, left: 46 };
const MAX_X_LABELS = 6;

function svg(tag, attributes = {}, ...children) {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

const round1 = (value) => Math.round(value * 10) / 10;

// options: {metric, title, description, labels: [string], series: [{name, values: [number|null]}],
//           yMin, yMax, yTicks: [number], format: (v) => string, band: {from, to, label} | null}
export function lineChart({ metric, title, description, labels, series, yMin, yMax, yTicks, format = String, band = null }) {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const count = labels.length;
  const x = (i) => round1(MARGIN.left + (count === 1 ? plotWidth / 2 : (i * plotWidth) / (count - 1)));
  const y = (value) => {
    const clamped = Math.min(yMax, Math.max(yMin, value));
    return round1(MARGIN.top + plotHeight - ((clamped - yMin) / (yMax - yMin)) * plotHeight);
  };

  const grid = yTicks.map((tick) =>
    svg(
      'g',
      { class: 'chart-grid' },
      svg('line', { x1: MARGIN.left, x2: WIDTH - MARGIN.right, y1: y(tick), y2: y(tick) }),
      svg('text', { x: MARGIN.left - 8, y: y(tick), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, format(tick)),
    ),
  );
  const step = Math.max(1, Math.ceil(count / MAX_X_LABELS));
  const xLabels = labels.map((label, i) =>
    i % step === 0 || i === count - 1
      ? svg('text', { class: 'chart-x', x: x(i), y: HEIGHT - 8, 'text-anchor': count === 1 ? 'middle' : i === 0 ? 'start' : i === count - 1 ? 'end' : 'middle' }, label)
      : null,
  );
  const shaded = band
    ? svg(
        'g',
        { class: 'chart-band' },
        svg('rect', { x: MARGIN.left, width: plotWidth, y: y(band.to), height: round1(y(band.from) - y(band.to)) }),
        svg('text', { x: WIDTH - MARGIN.right - 4, y: y(band.to) + 12, 'text-anchor': 'end' }, band.label),
      )
    : null;
  const lines = series.map((one, k) => {
    let path = '';
    let pen = false;
    const dots = [];
    one.values.forEach((value, i) => {
      if (value === null || value === undefined || !Number.isFinite(value)) {
        pen = false;
        return;
      }
      path += `${pen ? 'L' : 'M'}${x(i)} ${y(value)} `;
      pen = true;
      dots.push(svg('circle', { cx: x(i), cy: y(value), r: 4 }, svg('title', {}, `${labels[i]}: ${one.name} ${format(value)}`)));
    });
    return svg('g', { class: `chart-series series-${k}`, 'data-series': one.name }, path ? svg('path', { d: path.trim() }) : null, dots);
  });

  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': `${title}. ${description}`, preserveAspectRatio: 'xMidYMid meet' },
    shaded,
    grid,
    xLabels,
    lines,
  );
  const legend =
    series.length > 1
      ? h('ul', { class: 'chart-legend' }, series.map((one, k) => h('li', {}, h('span', { class: `swatch series-${k}`, 'aria-hidden': 'true' }), one.name)))
      : null;
  return h(
    'figure',
    { class: 'card chart', 'data-testid': 'progress-chart', 'data-metric': metric, 'data-points': count },
    h('figcaption', {}, h('h2', {}, title), h('p', { class: 'hint' }, description)),
    chart,
    legend,
  );
}

// A tick step of 1, 2, 2.5 or 5 times a power of ten giving at most `count` steps up to `max`.
export function niceTicks(max, count = 4) {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((candidate) => candidate >= raw);
  const top = Math.ceil(max / step) * step;
  return Array.from({ length: Math.round(top / step) + 1 }, (_, i) => Math.round(i * step * 100) / 100);
}

const ROW_HEIGHT = 30;
const ROW_GAP = 6;
const LABEL_WIDTH = 96;

// options: {metric, title, description, labels: [string], rows: [{name, values: [0..1|null]}]}
export function stripChart({ metric, title, description, labels, rows }) {
  const count = labels.length;
  const plotWidth = WIDTH - LABEL_WIDTH - MARGIN.right;
  const cell = plotWidth / count;
  const height = MARGIN.top + rows.length * (ROW_HEIGHT + ROW_GAP) + MARGIN.bottom - ROW_GAP;
  const left = (i) => round1(LABEL_WIDTH + i * cell);
  const step = Math.max(1, Math.ceil(count / MAX_X_LABELS));
  const body = rows.map((row, r) => {
    const top = MARGIN.top + r * (ROW_HEIGHT + ROW_GAP);
    const cells = row.values.map((value, i) => {
      const known = value !== null && value !== undefined && Number.isFinite(value);
      const text = known ? `${Math.round(value * 100)}%` : 'no story';
      return svg(
        'g',
        { class: `chart-cell${known ? (value >= 0.5 ? ' strong' : '') : ' empty'}` },
        svg('rect', { x: left(i) + 2, y: top, width: round1(cell - 4), height: ROW_HEIGHT, rx: 5, 'fill-opacity': known ? round1(0.12 + 0.88 * value) : null }),
        cell >= 40 ? svg('text', { x: round1(left(i) + cell / 2), y: top + ROW_HEIGHT / 2, 'text-anchor': 'middle', 'dominant-baseline': 'middle' }, known ? text : '–') : null,
        svg('title', {}, `${labels[i]}: ${row.name} ${text}`),
      );
    });
    return svg(
      'g',
      { class: 'chart-row', 'data-series': row.name },
      svg('text', { class: 'chart-row-label', x: LABEL_WIDTH - 10, y: top + ROW_HEIGHT / 2, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, row.name),
      cells,
    );
  });
  const xLabels = labels.map((label, i) =>
    i % step === 0 || i === count - 1 ? svg('text', { class: 'chart-x', x: round1(left(i) + cell / 2), y: height - 8, 'text-anchor': 'middle' }, label) : null,
  );
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${WIDTH} ${height}`, role: 'img', 'aria-label': `${title}. ${description}`, preserveAspectRatio: 'xMidYMid meet' },
    body,
    xLabels,
  );
  return h(
    'figure',
    { class: 'card chart', 'data-testid': 'progress-chart', 'data-metric': metric, 'data-points': count },
    h('figcaption', {}, h('h2', {}, title), h('p', { class: 'hint' }, description)),
    chart,
  );
}
