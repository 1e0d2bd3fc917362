// Review of one interview, question by question: the prompt, the transcript, the recording with
// each word lit as it is spoken, the rubric (select a point to light the words that earned it),
// what was missing, delivery figures, suggestions and the rebuilt answer. Reads only what is
// stored; re-scoring with newer rubrics is a button, never automatic.

import { api } from './api.js';
import { ErrorBanner, byTestId, formatDate, h, titleCase } from './dom.js';
import {
  activeWordIndex,
  deliveryFigures,
  evidenceRanges,
  formatLength,
  interviewSeconds,
  missingParts,
  overallOf,
  pairTurns,
  transcriptSegments,
  wordRanges,
} from './review-model.js';

const root = byTestId('review');
const interviewId = root.dataset.interviewId;
const interviewPath = `/api/v1/interviews/${encodeURIComponent(interviewId)}`;
const banner = new ErrorBanner();

async function send(method, path) {
  const response = await fetch(path, { method, headers: { Accept: 'application/json' } });
  if (!response.ok) {
    const payload = await response.json().catch(() => null);
    const error = new Error(typeof payload?.detail === 'string' ? payload.detail : `The server answered ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return response.status === 204 ? null : response.json();
}

// ---- transcript: words in time, evidence in text -------------------------------------------

// Owns one answer's transcript element: which evidence is highlighted and which word is lit.
class Transcript {
  constructor(element, text, words) {
    this.element = element;
    this.text = text;
    this.words = (words ?? []).filter((word) => Number.isFinite(Number(word?.start)));
    this.ranges = wordRanges(text, this.words);
    this.active = -1;
    this.onWord = null;
    element.addEventListener('click', (event) => {
      const span = event.target.closest?.('[data-word-index]');
      if (span && this.onWord) this.onWord(Number(span.dataset.wordIndex));
    });
    this.render([]);
  }

  render(evidence) {
    if (!this.text) {
      this.element.replaceChildren('(no words recognised)');
      return;
    }
    const children = [];
    let mark = null;
    for (const segment of transcriptSegments(this.text, this.ranges, evidence)) {
      const piece = this.text.slice(segment.start, segment.end);
      const node = segment.word === null ? piece : this.wordSpan(segment.word, piece);
      if (segment.evidence) {
        if (!mark) children.push((mark = h('mark', { class: 'evidence', 'data-testid': 'evidence' })));
        mark.append(node);
      } else {
        mark = null;
        children.push(node);
      }
    }
    this.element.replaceChildren(...children);
    this.light(this.active, true);
  }

  wordSpan(index, piece) {
    const word = this.words[index];
    return h(
      'span',
      {
        class: 'word',
        'data-testid': 'review-word',
        'data-word-index': index,
        'data-start': word.start,
        'data-end': word.end,
        title: `${Number(word.start).toFixed(1)} s`,
      },
      piece,
    );
  }

  light(index, on) {
    if (index < 0) return;
    for (const span of this.element.querySelectorAll(`[data-word-index="${index}"]`)) {
      if (on) span.setAttribute('data-active', 'true');
      else span.removeAttribute('data-active');
    }
  }

  follow(seconds) {
    const index = activeWordIndex(this.words, seconds);
    if (index === this.active) return;
    this.light(this.active, false);
    this.active = index;
    this.light(index, true);
  }
}

const players = new Set();

// The recording drives the lit word: every frame while playing, and on seeks while paused.
function followPlayback(audio, transcript) {
  players.add(audio);
  let frame = 0;
  const update = () => transcript.follow(audio.currentTime);
  const loop = () => {
    update();
    frame = audio.paused || audio.ended ? 0 : requestAnimationFrame(loop);
  };
  audio.addEventListener('play', () => {
    for (const other of players) if (other !== audio) other.pause();
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(loop);
  });
  for (const event of ['timeupdate', 'seeked', 'pause']) audio.addEventListener(event, update);
  audio.addEventListener('ended', () => transcript.follow(Number.NaN));
  transcript.onWord = (index) => {
    audio.currentTime = Number(transcript.words[index].start);
    audio.play().catch(() => {});
  };
}

// ---- sections of one answer ----------------------------------------------------------------

function percent(value) {
  return `${Math.round(Number(value) * 100)}%`;
}

function section(title, testId, ...children) {
  return h('section', { class: 'turn-section', 'data-testid': testId }, h('h3', {}, title), ...children);
}

function renderCriteria(criteria, transcript) {
  const note = h('p', { class: 'evidence-note', 'aria-live': 'polite' });
  const buttons = criteria.map((criterion) => {
    const evidence = evidenceRanges(transcript.text, criterion.evidence);
    const button = h(
      'button',
      {
        type: 'button',
        class: `criterion ${criterion.met ? 'met' : 'unmet'}`,
        'data-testid': 'review-criterion',
        'data-criterion-id': criterion.id,
        'data-met': String(Boolean(criterion.met)),
        'data-evidence-count': evidence.length,
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
      transcript.render(selecting ? evidence : []);
      const label = criterion.label || criterion.id;
      if (!selecting) note.textContent = '';
      else if (evidence.length) note.textContent = `Highlighted: the words that earned “${label}”.`;
      else note.textContent = `Nothing in this answer earned “${label}”. That is the gap to close.`;
    });
    return button;
  });
  const items = criteria.map((criterion, i) => {
    const quotes = (criterion.evidence ?? []).map((span) => (typeof span === 'string' ? span : span?.text)).filter(Boolean);
    return h('li', {}, buttons[i], quotes.length ? h('ul', { class: 'print-only evidence-quotes' }, quotes.map((quote) => h('li', {}, `“${quote}”`))) : null);
  });
  return section('Rubric', 'review-rubric', h('ul', { class: 'criteria' }, items), note);
}

function renderMissing(score) {
  const missing = missingParts(score);
  if (!score.criteria?.length) return null;
  const body = missing.length
    ? h('ul', { class: 'missing' }, missing.map((part) => h('li', {}, h('strong', {}, part.label), part.prompt ? h('span', { class: 'missing-prompt' }, ` — ${part.prompt}`) : null)))
    : h('p', { class: 'hint' }, 'Nothing missing: every rubric point was met.');
  return section('What was missing', 'review-missing', body);
}

function renderStar(star) {
  const parts = ['situation', 'task', 'action', 'result'];
  return section(
    'STAR structure',
    'review-star',
    h(
      'ul',
      { class: 'star' },
      parts.map((part) => h('li', { class: star[part] ? 'met' : 'unmet', 'data-part': part }, star[part] ? '✓ ' : '✗ ', titleCase(part))),
    ),
  );
}

function renderDelivery(delivery, typed) {
  const figures = deliveryFigures(delivery);
  if (!figures.length) {
    return section('Delivery', 'review-delivery', h('p', { class: 'hint' }, typed ? 'Typed answer: no delivery figures.' : 'No word timings were stored for this answer.'));
  }
  return section(
    'Delivery',
    'review-delivery',
    h(
      'dl',
      { class: 'figures' },
      figures.map((figure) => h('div', { 'data-figure': figure.id }, h('dt', {}, figure.label), h('dd', {}, figure.value), figure.note ? h('dd', { class: 'figure-note' }, figure.note) : null)),
    ),
  );
}

function suggestionText(item) {
  return typeof item === 'string' ? item : item?.text ?? item?.message ?? '';
}

function sentenceCase(text) {
  const trimmed = String(text).trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function renderRebuilt(rebuilt) {
  if (typeof rebuilt === 'string') return rebuilt ? section('A stronger version', 'review-rebuilt', h('blockquote', { class: 'rebuilt' }, rebuilt)) : null;
  const sections = rebuilt?.sections ?? [];
  if (!sections.length) return null;
  const parts = sections.map((part) =>
    h(
      'div',
      { class: `rebuilt-part${part.sentences?.length ? '' : ' is-missing'}` },
      h('dt', {}, part.heading),
      h(
        'dd',
        {},
        (part.sentences ?? []).map((sentence) => sentenceCase(sentence.text)).join(' '),
        part.prompt ? h('span', { class: 'rebuilt-prompt' }, `${part.sentences?.length ? ' ' : ''}[${part.prompt}]`) : null,
      ),
    ),
  );
  const unplaced = rebuilt.unplaced ?? [];
  if (unplaced.length) parts.push(h('div', { class: 'rebuilt-part' }, h('dt', {}, 'Also said'), h('dd', {}, unplaced.map((s) => sentenceCase(s.text)).join(' '))));
  return section(
    'A stronger version',
    'review-rebuilt',
    h('p', { class: 'hint' }, 'Your own words under the rubric’s headings; the bracketed questions are what to add.'),
    h('dl', { class: 'rebuilt' }, parts),
  );
}

function scoredWith(answer) {
  const score = answer.score;
  const rubric = score.rubric_id ?? answer.rubric_id;
  if (!rubric) return null;
  const text = [`Scored with rubric “${rubric}” v${score.rubric_version ?? '?'}`];
  if (score.rescored_at) {
    text.push(`re-scored ${formatDate(score.rescored_at)}`);
    if (score.previous?.overall != null) text.push(`was ${score.previous.overall} with v${score.previous.rubric_version ?? '?'}`);
  } else {
    text.push('when the answer ended');
  }
  return h('p', { class: 'scored-with', 'data-testid': 'scored-with' }, text.join(' · '));
}

function renderScore(answer, transcript) {
  const score = answer.score;
  const typed = !answer.words?.length && !answer.audio_url;
  return [
    score.criteria?.length ? renderCriteria(score.criteria, transcript) : null,
    renderMissing(score),
    score.star ? renderStar(score.star) : null,
    renderDelivery(score.delivery, typed),
    (() => {
      const suggestions = (score.suggestions ?? []).map(suggestionText).filter(Boolean);
      return suggestions.length ? section('What to try next', 'review-suggestions', h('ul', { class: 'suggestions' }, suggestions.map((item) => h('li', {}, item)))) : null;
    })(),
    renderRebuilt(score.rebuilt),
    scoredWith(answer),
  ];
}

// ---- one question ----------------------------------------------------------------------------

function practiceLink(questionId) {
  if (!questionId) return null;
  return h(
    'a',
    { class: 'button secondary small practice-again', 'data-testid': 'practice-again', href: `/?practice=${encodeURIComponent(questionId)}` },
    'Practice this again',
  );
}

function renderPrompt(prompt, label) {
  return [h('p', { class: 'prompt-label' }, label), h('h2', { class: 'prompt' }, prompt?.text || '(no prompt recorded)')];
}

function renderItem({ prompt, answer, label }, index) {
  const questionId = answer?.question_id ?? prompt?.question_id ?? null;
  const id = `item-${index + 1}`;
  if (!answer) {
    return h(
      'article',
      { class: 'card review-item skipped', id, 'data-testid': 'review-skipped' },
      renderPrompt(prompt, label),
      h('p', { class: 'hint' }, 'Skipped: no answer given.'),
      h('p', { class: 'item-actions' }, practiceLink(questionId)),
    );
  }
  const score = answer.score;
  const transcriptElement = h('p', { class: 'transcript', 'data-testid': 'review-transcript' });
  const transcript = new Transcript(transcriptElement, answer.text ?? '', answer.words);
  let audio = null;
  if (answer.audio_url) {
    audio = h('audio', { controls: true, preload: 'metadata', src: answer.audio_url, 'data-testid': 'review-audio' });
    followPlayback(audio, transcript);
  }
  const head = h(
    'div',
    { class: 'answer-head' },
    h('h3', {}, 'Your answer', answer.partial ? h('span', { class: 'badge' }, 'cut short') : null),
    score?.overall != null
      ? h('span', { class: `score-badge band-${score.band ?? 'none'}`, 'data-testid': 'turn-score' }, `${Math.round(score.overall)}`, h('small', {}, '/100'))
      : null,
  );
  return h(
    'article',
    { class: 'card review-item', id, 'data-testid': 'review-turn', 'data-turn-id': answer.id, 'data-question-id': questionId },
    renderPrompt(prompt, label),
    head,
    score?.explanation ? h('p', { class: 'explanation' }, score.explanation) : null,
    audio,
    !audio && answer.words?.length ? h('p', { class: 'hint' }, 'The recording is no longer stored; the transcript and scores are.') : null,
    transcriptElement,
    score ? renderScore(answer, transcript) : h('p', { class: 'hint' }, 'Not scored.'),
    h('p', { class: 'item-actions' }, practiceLink(questionId)),
  );
}

function renderToc(items) {
  const toc = byTestId('review-toc');
  if (items.length < 2) {
    toc.hidden = true;
    return;
  }
  const links = items.map((item, index) => {
    const overall = item.answer?.score?.overall;
    return h(
      'li',
      {},
      h('a', { href: `#item-${index + 1}` }, item.label),
      h('span', { class: 'toc-score' }, item.answer ? (overall != null ? ` ${Math.round(overall)}` : ' –') : ' skipped'),
    );
  });
  toc.replaceChildren(h('ol', {}, links));
  toc.hidden = false;
}

function render(interview, roleTitle) {
  players.clear();
  const turns = interview.turns ?? [];
  const candidateTurns = turns.filter((turn) => turn.speaker === 'candidate');
  const overall = overallOf(candidateTurns);
  byTestId('overall-score').textContent = overall === null ? '–' : String(overall);
  const role = roleTitle ?? titleCase(interview.role ?? 'Interview');
  byTestId('review-title').textContent = interview.round ? `${role} · ${titleCase(interview.round)} round` : role;
  document.title = `${role} review · Viva`;
  const meta = [
    formatDate(interview.created_at),
    `${candidateTurns.length} answer${candidateTurns.length === 1 ? '' : 's'}`,
    formatLength(interviewSeconds(turns)),
  ];
  if (interview.status && interview.status !== 'finished') meta.push(interview.status === 'active' ? 'not finished' : `status: ${interview.status}`);
  byTestId('review-meta').textContent = meta.filter(Boolean).join(' · ');
  const items = pairTurns(turns);
  renderToc(items);
  const container = byTestId('review-turns');
  if (items.length === 0) container.replaceChildren(h('p', { class: 'card hint' }, 'No questions were asked in this interview yet.'));
  else container.replaceChildren(...items.map(renderItem));
  root.setAttribute('aria-busy', 'false');
}

// ---- actions ---------------------------------------------------------------------------------

async function checkRubrics() {
  const notice = byTestId('rescore-notice');
  const button = byTestId('rescore');
  let preview;
  try {
    preview = await send('GET', `${interviewPath}/rescore`);
  } catch {
    return; // the stored review stands on its own
  }
  if (!preview.outdated) {
    notice.hidden = true;
    return;
  }
  const n = preview.outdated;
  byTestId('rescore-message').textContent =
    `${n} answer${n === 1 ? ' was' : 's were'} scored with an older rubric. The scores shown are the ones given when you answered.`;
  button.hidden = false;
  notice.hidden = false;
}

async function rescore() {
  const button = byTestId('rescore');
  button.disabled = true;
  try {
    const result = await send('POST', `${interviewPath}/rescore`);
    await load();
    byTestId('rescore-message').textContent = `Re-scored ${result.rescored} answer${result.rescored === 1 ? '' : 's'} with the current rubrics.`;
    button.hidden = true;
  } catch (error) {
    banner.show(`Could not re-score: ${error.message}`);
  } finally {
    button.disabled = false;
  }
}

async function deleteInterview() {
  const sure = window.confirm('Delete this interview for good? Its transcripts, scores and recordings are removed and cannot be recovered.');
  if (!sure) return;
  try {
    await send('DELETE', interviewPath);
    window.location.assign('/history?deleted=1');
  } catch (error) {
    banner.show(`Could not delete the interview: ${error.message}`);
  }
}

async function load() {
  try {
    const [interview, roles] = await Promise.all([api.getInterview(interviewId), api.roles().catch(() => [])]);
    render(interview, roles.find((role) => role.id === interview.role)?.title);
  } catch (error) {
    const missing = error.status === 404;
    byTestId('review-meta').textContent = '';
    banner.show(missing ? 'This interview does not exist (it may have been deleted).' : `Could not load the interview: ${error.message}`, missing ? null : { label: 'Retry', run: load });
    root.setAttribute('aria-busy', 'false');
    return false;
  }
  return true;
}

byTestId('print-review').addEventListener('click', () => window.print());
byTestId('delete-interview').addEventListener('click', deleteInterview);
byTestId('rescore').addEventListener('click', rescore);
if (await load()) checkRubrics();
