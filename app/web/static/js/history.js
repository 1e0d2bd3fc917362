// History: every interview with its date, role, round, length and overall score, newest first.

import { api } from './api.js';
import { ErrorBanner, byTestId, formatDate, h, titleCase } from './dom.js';
import { formatLength } from './review-model.js';

const banner = new ErrorBanner();
const status = byTestId('history-status');
const table = byTestId('history-table');
const rows = byTestId('history-rows');
const empty = byTestId('history-empty');

const STATUS_NOTES = { created: 'not started', active: 'not finished' };

function reviewPath(id) {
  return `/interviews/${encodeURIComponent(id)}`;
}

function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

// "3 questions · 12 min"; an unfinished one says how many answers it has ("1 of 3 answered").
function lengthText(interview) {
  const questions = interview.question_count ?? 0;
  const answered = interview.answer_count ?? 0;
  const parts = [];
  if (interview.status === 'finished' || answered >= questions) parts.push(plural(questions || answered, 'question'));
  else parts.push(`${answered} of ${questions} answered`);
  if (typeof interview.duration_seconds === 'number') parts.push(formatLength(Math.round(interview.duration_seconds)));
  return parts.join(' · ');
}

function renderRow(interview, roleTitles) {
  const role = roleTitles.get(interview.role) ?? titleCase(interview.role);
  const overall = typeof interview.overall === 'number' ? String(Math.round(interview.overall)) : '–';
  const note = STATUS_NOTES[interview.status];
  return h(
    'tr',
    { 'data-testid': 'history-row', 'data-interview-id': interview.id, 'data-status': interview.status },
    h(
      'td',
      {},
      h('a', { href: reviewPath(interview.id), 'data-testid': 'history-open' }, formatDate(interview.created_at) || 'Open'),
      note ? h('span', { class: 'badge' }, note) : null,
      note
        ? h('a', { href: `/?interview=${encodeURIComponent(interview.id)}`, class: 'continue-link', 'data-testid': 'history-continue' }, 'Continue')
        : null,
    ),
    h('td', {}, role),
    h('td', {}, titleCase(interview.round)),
    h('td', { 'data-testid': 'history-length' }, lengthText(interview)),
    h('td', { class: 'num', 'data-testid': 'history-overall' }, overall),
  );
}

function showNotice() {
  const params = new URLSearchParams(window.location.search);
  if (!params.has('deleted')) return;
  const notice = byTestId('history-notice');
  notice.textContent = 'Interview deleted, with its transcripts, scores and recordings.';
  notice.hidden = false;
  window.history.replaceState(null, '', window.location.pathname);
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

showNotice();
load();
