// Review of one interview: each answer with its prompt, transcript, recording, rubric, delivery
// figures and suggestions. Selecting a criterion highlights its evidence in the transcript.

import { api } from './api.js';
import { ErrorBanner, byTestId, formatDate, h, titleCase } from './dom.js';
import { evidenceRanges, overallOf, pairTurns } from './review-model.js';

const root = byTestId('review');
const interviewId = root.dataset.interviewId;
const banner = new ErrorBanner();

function renderTranscript(element, text, ranges) {
  const parts = [];
  let cursor = 0;
  for (const [start, end] of ranges) {
    parts.push(text.slice(cursor, start), h('mark', { class: 'evidence' }, text.slice(start, end)));
    cursor = end;
  }
  parts.push(text.slice(cursor));
  element.replaceChildren(...parts.filter((part) => part !== ''));
}

// ---- rendering ---------------------------------------------------------------------------

function percent(value) {
  return `${Math.round(Number(value) * 100)}%`;
}

function round1(value) {
  return Math.round(Number(value) * 10) / 10;
}

function renderCriteria(criteria, transcriptElement, text) {
  const note = h('p', { class: 'evidence-note', 'aria-live': 'polite' });
  const buttons = criteria.map((criterion) => {
    const button = h(
      'button',
      {
        type: 'button',
        class: `criterion ${criterion.met ? 'met' : 'unmet'}`,
        'data-testid': 'review-criterion',
        'data-criterion-id': criterion.id,
        'data-met': String(Boolean(criterion.met)),
        'aria-pressed': 'false',
      },
      h('span', { class: 'criterion-mark', 'aria-hidden': 'true' }, criterion.met ? '✓' : '✗'),
      h('span', { class: 'criterion-label' }, criterion.label || criterion.id),
      h('span', { class: 'visually-hidden' }, criterion.met ? ' (met)' : ' (not met)'),
      criterion.score != null ? h('span', { class: 'criterion-score' }, percent(criterion.score)) : null,
    );
    button.addEventListener('click', () => {
      const selecting = button.getAttribute('aria-pressed') !== 'true';
      buttons.forEach((other) => other.setAttribute('aria-pressed', 'false'));
      button.setAttribute('aria-pressed', String(selecting));
      const ranges = selecting ? evidenceRanges(text, criterion.evidence) : [];
      renderTranscript(transcriptElement, text, ranges);
      if (!selecting) note.textContent = '';
      else if (ranges.length) note.textContent = `Highlighted: what met “${criterion.label}”.`;
      else note.textContent = `Nothing in this answer met “${criterion.label}”. That is the gap to close.`;
    });
    return button;
  });
  return h(
    'section',
    { class: 'turn-section' },
    h('h3', {}, 'Rubric'),
    h('ul', { class: 'criteria' }, buttons.map((button) => h('li', {}, button))),
    note,
  );
}

function renderStar(star) {
  const parts = ['situation', 'task', 'action', 'result'];
  const present = (value) => (typeof value === 'object' && value !== null ? Boolean(value.met ?? value.present ?? value.text) : Boolean(value));
  return h(
    'section',
    { class: 'turn-section' },
    h('h3', {}, 'STAR structure'),
    h(
      'ul',
      { class: 'star', 'data-testid': 'review-star' },
      parts.map((part) =>
        h('li', { class: present(star[part]) ? 'met' : 'unmet' }, present(star[part]) ? '✓ ' : '✗ ', titleCase(part)),
      ),
    ),
  );
}

function renderDelivery(delivery) {
  const figures = [];
  const add = (label, value) => value !== null && value !== undefined && figures.push(h('div', {}, h('dt', {}, label), h('dd', {}, value)));
  if (delivery.wpm != null) add('Pace', `${Math.round(delivery.wpm)} words/min`);
  if (delivery.duration_s != null) add('Length', `${Math.round(delivery.duration_s)} s`);
  if (delivery.fillers_per_minute != null) add('Fillers', `${round1(delivery.fillers_per_minute)} per minute`);
  const fillers = Object.entries(delivery.fillers ?? {}).sort((a, b) => b[1] - a[1]);
  if (fillers.length) add('Most used', fillers.slice(0, 4).map(([word, count]) => `“${word}” ×${count}`).join(', '));
  if (Array.isArray(delivery.long_pauses)) add('Long pauses', String(delivery.long_pauses.length));
  return h('section', { class: 'turn-section' }, h('h3', {}, 'Delivery'), h('dl', { class: 'figures', 'data-testid': 'review-delivery' }, figures));
}

function suggestionText(item) {
  return typeof item === 'string' ? item : item?.text ?? item?.message ?? '';
}

function renderScore(score, transcriptElement, text) {
  const sections = [];
  if (score.criteria?.length) sections.push(renderCriteria(score.criteria, transcriptElement, text));
  if (score.star) sections.push(renderStar(score.star));
  if (score.delivery) sections.push(renderDelivery(score.delivery));
  const suggestions = (score.suggestions ?? []).map(suggestionText).filter(Boolean);
  if (suggestions.length) {
    sections.push(
      h('section', { class: 'turn-section' }, h('h3', {}, 'What to try next'),
        h('ul', { class: 'suggestions', 'data-testid': 'review-suggestions' }, suggestions.map((item) => h('li', {}, item)))),
    );
  }
  if (typeof score.rebuilt === 'string' && score.rebuilt) {
    sections.push(h('section', { class: 'turn-section' }, h('h3', {}, 'A stronger version'), h('blockquote', { class: 'rebuilt' }, score.rebuilt)));
  }
  return sections;
}

function renderPrompt(prompt, label) {
  return [h('p', { class: 'prompt-label' }, label), h('h2', { class: 'prompt' }, prompt?.text || '(no prompt recorded)')];
}

function renderItem({ prompt, answer, label }) {
  if (!answer) {
    return h('article', { class: 'card review-item skipped' }, renderPrompt(prompt, label), h('p', { class: 'hint' }, 'Skipped: no answer given.'));
  }
  const text = answer.text ?? '';
  const transcript = h('p', { class: 'transcript', 'data-testid': 'review-transcript' }, text || '(no words recognised)');
  const score = answer.score;
  const head = h(
    'div',
    { class: 'answer-head' },
    h('h3', {}, 'Your answer', answer.partial ? h('span', { class: 'badge' }, 'cut short') : null),
    score?.overall != null ? h('span', { class: 'score-badge', 'data-testid': 'turn-score' }, `${Math.round(score.overall)}`, h('small', {}, '/100')) : null,
  );
  return h(
    'article',
    { class: 'card review-item', 'data-testid': 'review-turn', 'data-question-id': answer.question_id ?? prompt?.question_id },
    renderPrompt(prompt, label),
    head,
    transcript,
    answer.audio_url ? h('audio', { controls: true, preload: 'metadata', src: answer.audio_url, 'data-testid': 'review-audio' }) : null,
    score ? renderScore(score, transcript, text) : h('p', { class: 'hint' }, 'Not scored.'),
  );
}

function render(interview) {
  const turns = interview.turns ?? [];
  const candidateTurns = turns.filter((turn) => turn.speaker === 'candidate');
  const overall = overallOf(candidateTurns);
  byTestId('overall-score').textContent = overall === null ? '–' : String(overall);
  const role = titleCase(interview.role ?? 'Interview');
  byTestId('review-title').textContent = interview.round ? `${role} · ${titleCase(interview.round)} round` : role;
  document.title = `${role} review · Viva`;
  const meta = [formatDate(interview.created_at), `${candidateTurns.length} answer${candidateTurns.length === 1 ? '' : 's'}`];
  if (interview.status && interview.status !== 'finished') meta.push(`status: ${interview.status}`);
  byTestId('review-meta').textContent = meta.filter(Boolean).join(' · ');
  const items = pairTurns(turns);
  const container = byTestId('review-turns');
  if (items.length === 0) container.replaceChildren(h('p', { class: 'card hint' }, 'No questions were asked in this interview yet.'));
  else container.replaceChildren(...items.map(renderItem));
  root.setAttribute('aria-busy', 'false');
}

async function load() {
  try {
    render(await api.getInterview(interviewId));
  } catch (error) {
    const message = error.status === 404 ? 'This interview does not exist (it may have been deleted).' : `Could not load the interview: ${error.message}`;
    byTestId('review-meta').textContent = '';
    banner.show(message, error.status === 404 ? null : { label: 'Retry', run: load });
    root.setAttribute('aria-busy', 'false');
  }
}

byTestId('print-review').addEventListener('click', () => window.print());
load();
