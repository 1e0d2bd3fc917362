// Progress: how the overall score, STAR parts, pace and filler rate moved, one point per interview.
// Everything comes from stored scores (GET /api/v1/progress).

import { lineChart, niceTicks, stripChart } from './chart.js';
import { ErrorBanner, byTestId, formatDate, h, titleCase } from './dom.js';

const banner = new ErrorBanner();
const root = byTestId('progress');
const STAR_PARTS = ['situation', 'task', 'action', 'result'];
const PACE_BAND = { from: 110, to: 170, label: 'steady pace (110–170)' };
const FILLER_BAND = { from: 0, to: 6, label: 'under 6 a minute' };

function shortDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
}

const has = (values) => values.some((value) => value !== null && value !== undefined);
const whole = (value) => String(Math.round(value));
const percent = (value) => `${Math.round(value)}%`;

function axis(values, floor) {
  const ticks = niceTicks(Math.max(floor, ...values.filter((value) => value != null)));
  return { yMin: 0, yMax: ticks.at(-1), yTicks: ticks };
}

function trend(values, format) {
  const known = values.filter((value) => value != null);
  if (known.length === 0) return '';
  if (known.length === 1) return `${format(known[0])} so far.`;
  return `From ${format(known[0])} to ${format(known.at(-1))}.`;
}

function charts(points) {
  const labels = points.map((point) => shortDate(point.date));
  const overall = points.map((point) => point.overall);
  const result = [
    lineChart({
      metric: 'overall',
      title: 'Overall score',
      description: `Mean score of the answers in each interview, out of 100. ${trend(overall, whole)}`,
      labels,
      series: [{ name: 'Overall', values: overall }],
      yMin: 0,
      yMax: 100,
      yTicks: [0, 25, 50, 75, 100],
      format: whole,
    }),
  ];
  const star = STAR_PARTS.map((part) => ({
    name: titleCase(part),
    values: points.map((point) => (point.star?.[part] == null ? null : point.star[part])),
  }));
  if (star.some((row) => has(row.values))) {
    result.push(
      stripChart({
        metric: 'star',
        title: 'STAR parts',
        description: 'Share of the behavioral answers in each interview where each part of the story was found; darker is more often.',
        labels,
        rows: star,
      }),
    );
  }
  const pace = points.map((point) => point.words_per_minute);
  const fillers = points.map((point) => point.fillers_per_minute);
  if (has(pace)) {
    result.push(
      lineChart({
        metric: 'pace',
        title: 'Pace',
        description: `Words per minute over all spoken answers of each interview. ${trend(pace, whole)}`,
        labels,
        series: [{ name: 'Words per minute', values: pace }],
        ...axis(pace, 200),
        format: whole,
        band: PACE_BAND,
      }),
    );
  }
  if (has(fillers)) {
    result.push(
      lineChart({
        metric: 'fillers',
        title: 'Fillers',
        description: `“Um”, “uh”, “like” and friends per minute of speaking. ${trend(fillers, (v) => String(Math.round(v * 10) / 10))}`,
        labels,
        series: [{ name: 'Fillers per minute', values: fillers }],
        ...axis(fillers, 8),
        format: (value) => String(Math.round(value * 10) / 10),
        band: FILLER_BAND,
      }),
    );
  } else {
    result.push(h('p', { class: 'card hint' }, 'Pace and filler rate appear once you answer by voice.'));
  }
  return result;
}

function figure(value, format) {
  return value === null || value === undefined ? '–' : format(value);
}

function renderTable(points) {
  const rows = [...points].reverse().map((point) =>
    h(
      'tr',
      { 'data-testid': 'progress-row', 'data-interview-id': point.interview_id },
      h('td', {}, h('a', { href: `/interviews/${encodeURIComponent(point.interview_id)}` }, formatDate(point.date))),
      h('td', {}, titleCase(point.round)),
      h('td', { class: 'num' }, String(point.answers)),
      h('td', { class: 'num' }, figure(point.overall, whole)),
      STAR_PARTS.map((part) => h('td', { class: 'num' }, figure(point.star?.[part] == null ? null : point.star[part] * 100, percent))),
      h('td', { class: 'num' }, figure(point.words_per_minute, whole)),
      h('td', { class: 'num' }, figure(point.fillers_per_minute, (v) => String(Math.round(v * 10) / 10))),
    ),
  );
  byTestId('progress-rows').replaceChildren(...rows);
  byTestId('progress-figures').hidden = points.length === 0;
}

function day(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleDateString(undefined, { dateStyle: 'medium' });
}

function summary(points) {
  const first = points[0];
  const last = points.at(-1);
  const span = points.length === 1 ? `1 scored interview, on ${day(first.date)}.` : `${points.length} scored interviews, ${day(first.date)} to ${day(last.date)}.`;
  if (points.length < 2) return `${span} Do another to see a trend.`;
  const change = Math.round(last.overall - first.overall);
  const direction = change > 0 ? `up ${change}` : change < 0 ? `down ${-change}` : 'unchanged';
  return `${span} Overall score ${Math.round(first.overall)} → ${Math.round(last.overall)} (${direction}).`;
}

async function load() {
  banner.clear();
  let points;
  try {
    const response = await fetch('/api/v1/progress', { headers: { Accept: 'application/json' } });
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    points = await response.json();
  } catch (error) {
    byTestId('progress-summary').textContent = '';
    banner.show(`Could not load your progress: ${error.message}`, { label: 'Retry', run: load });
    root.setAttribute('aria-busy', 'false');
    return;
  }
  byTestId('progress-empty').hidden = points.length > 0;
  byTestId('progress-summary').textContent = points.length ? summary(points) : '';
  byTestId('progress-charts').replaceChildren(...(points.length ? charts(points) : []));
  renderTable(points);
  root.setAttribute('aria-busy', 'false');
}

load();
