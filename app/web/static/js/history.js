// History: every interview with its date, role, round, answers and overall score.

import { api } from './api.js';
import { ErrorBanner, byTestId, formatDate, h, titleCase } from './dom.js';

const banner = new ErrorBanner();
const status = byTestId('history-status');
const table = byTestId('history-table');
const rows = byTestId('history-rows');
const empty = byTestId('history-empty');

function reviewPath(id) {
  return `/interviews/${encodeURIComponent(id)}`;
}

function renderRow(interview, roleTitles) {
  const role = roleTitles.get(interview.role) ?? titleCase(interview.role);
  const answers = interview.question_count ? `${interview.answer_count ?? 0} / ${interview.question_count}` : String(interview.answer_count ?? 0);
  const overall = typeof interview.overall === 'number' ? String(Math.round(interview.overall)) : '–';
  return h(
    'tr',
    { 'data-testid': 'history-row', 'data-interview-id': interview.id },
    h('td', {}, h('a', { href: reviewPath(interview.id) }, formatDate(interview.created_at) || 'Open')),
    h('td', {}, role),
    h('td', {}, titleCase(interview.round)),
    h('td', {}, titleCase(interview.status ?? '')),
    h('td', { class: 'num' }, answers),
    h('td', { class: 'num' }, overall),
  );
}

async function load() {
  banner.clear();
  status.textContent = 'Loading…';
  let interviews;
  let roles = [];
  try {
    [interviews, roles] = await Promise.all([api.listInterviews(), api.roles().catch(() => [])]);
  } catch (error) {
    status.textContent = '';
    banner.show(`Could not load your interviews: ${error.message}`, { label: 'Retry', run: load });
    return;
  }
  const roleTitles = new Map(roles.map((role) => [role.id, role.title]));
  const newestFirst = [...interviews].sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  rows.replaceChildren(...newestFirst.map((interview) => renderRow(interview, roleTitles)));
  table.hidden = newestFirst.length === 0;
  status.textContent = '';
  empty.hidden = newestFirst.length > 0;
}

load();
