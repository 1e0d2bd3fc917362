// Pure helpers of the review page (no DOM), kept apart so they can be checked in isolation.

const PROMPT_KINDS = new Set(['question', 'followup']);
// During a pause the word just spoken stays lit this long, then nothing is.
const WORD_HOLD_SECONDS = 1.0;
// A recognized word is looked for this far past the previous one in the transcript text.
const WORD_SEARCH_WINDOW = 80;

// → [{prompt: turn|null, answer: turn|null, label}] in conversation order; prompts never answered
// (skipped) appear with answer null. A repeated prompt is the same prompt.
export function pairTurns(turns) {
  const items = [];
  let prompt = null;
  let answered = true;
  let questionNumber = 0;
  let label = '';
  for (const turn of [...turns].sort((a, b) => a.seq - b.seq)) {
    if (turn.speaker === 'interviewer') {
      if (!PROMPT_KINDS.has(turn.kind)) continue;
      const repeated = prompt && !answered && prompt.kind === turn.kind && prompt.question_id === turn.question_id;
      if (repeated) continue;
      if (prompt && !answered) items.push({ prompt, answer: null, label });
      if (turn.kind === 'question') questionNumber += 1;
      label = turn.kind === 'question' ? `Question ${questionNumber}` : `Follow-up to question ${questionNumber}`;
      prompt = turn;
      answered = false;
    } else {
      items.push({ prompt, answer: turn, label: label || 'Answer' });
      answered = true;
    }
  }
  if (prompt && !answered) items.push({ prompt, answer: null, label });
  return items;
}

// Evidence spans → sorted, merged [start, end) character ranges inside text.
export function evidenceRanges(text, evidence = []) {
  const ranges = [];
  for (const span of evidence ?? []) {
    let start = Number(span?.start);
    let end = Number(span?.end);
    if (!Number.isFinite(start) || !Number.isFinite(end)) {
      const quoted = typeof span === 'string' ? span : span?.text;
      start = quoted ? text.indexOf(quoted) : -1;
      if (start < 0) continue;
      end = start + quoted.length;
    }
    start = Math.max(0, start);
    end = Math.min(text.length, end);
    if (end > start) ranges.push([start, end]);
  }
  return mergeRanges(ranges);
}

function mergeRanges(ranges) {
  const merged = [];
  for (const range of [...ranges].sort((a, b) => a[0] - b[0])) {
    const last = merged.at(-1);
    if (last && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else merged.push([...range]);
  }
  return merged;
}

export function overallOf(turns) {
  const scores = turns.map((turn) => turn.score?.overall).filter((value) => typeof value === 'number');
  if (scores.length === 0) return null;
  return Math.round(scores.reduce((sum, value) => sum + value, 0) / scores.length);
}

// ---- words in time and in text -----------------------------------------------------------

function trimPunctuation(word) {
  return word.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');
}

function findNear(haystack, needle, from) {
  if (!needle) return -1;
  const at = haystack.indexOf(needle, from);
  return at >= 0 && at - from <= WORD_SEARCH_WINDOW ? at : -1;
}

// Recognized words → their [start, end) character range in the transcript text, in order; a word
// that cannot be found near where the previous one ended maps to null (it is never lit).
export function wordRanges(text, words = []) {
  const lower = text.toLowerCase();
  const caseFolds = lower.length === text.length;
  let cursor = 0;
  return (words ?? []).map((word) => {
    const spoken = String(word?.text ?? '').trim();
    const candidates = [spoken, trimPunctuation(spoken)].filter(Boolean);
    for (const candidate of candidates) {
      let at = findNear(text, candidate, cursor);
      if (at < 0 && caseFolds) at = findNear(lower, candidate.toLowerCase(), cursor);
      if (at >= 0) {
        cursor = at + candidate.length;
        return { start: at, end: at + candidate.length };
      }
    }
    return null;
  });
}

// The word being spoken at `seconds`: the last one started, held briefly through a pause; -1 if none.
export function activeWordIndex(words, seconds) {
  if (!words?.length || !Number.isFinite(seconds)) return -1;
  let low = 0;
  let high = words.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (Number(words[middle].start) <= seconds) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  if (found < 0) return -1;
  return seconds <= Number(words[found].end) + WORD_HOLD_SECONDS ? found : -1;
}

// The transcript cut where a word or an evidence range starts or ends:
// [{start, end, word: index|null, evidence: bool}], covering the whole text in order.
export function transcriptSegments(text, ranges = [], evidence = []) {
  const cuts = new Set([0, text.length]);
  for (const range of ranges) if (range) cuts.add(range.start).add(range.end);
  for (const [start, end] of evidence) cuts.add(start).add(end);
  const points = [...cuts].filter((at) => at >= 0 && at <= text.length).sort((a, b) => a - b);
  const lit = ranges.map((range, index) => (range ? { ...range, index } : null)).filter(Boolean);
  const segments = [];
  let wordAt = 0;
  let evidenceAt = 0;
  for (let i = 0; i + 1 < points.length; i += 1) {
    const [start, end] = [points[i], points[i + 1]];
    while (wordAt < lit.length && lit[wordAt].end <= start) wordAt += 1;
    while (evidenceAt < evidence.length && evidence[evidenceAt][1] <= start) evidenceAt += 1;
    const word = wordAt < lit.length && lit[wordAt].start <= start ? lit[wordAt].index : null;
    const inEvidence = evidenceAt < evidence.length && evidence[evidenceAt][0] <= start;
    segments.push({ start, end, word, evidence: inEvidence });
  }
  return segments;
}

// ---- the score report, as the page shows it ------------------------------------------------

// Unmet criteria with the question the rebuilt answer asks in their place.
export function missingParts(score) {
  const prompts = new Map((score?.rebuilt?.sections ?? []).map((section) => [section.criterion, section.prompt]));
  return (score?.criteria ?? [])
    .filter((criterion) => !criterion.met)
    .map((criterion) => ({ id: criterion.id, label: criterion.label || criterion.id, prompt: prompts.get(criterion.id) ?? null }));
}

function minutesAndSeconds(seconds) {
  const total = Math.round(Number(seconds));
  if (total < 60) return `${total} s`;
  return `${Math.floor(total / 60)} min ${String(total % 60).padStart(2, '0')} s`;
}

function topCounts(counts, limit = 3) {
  return Object.entries(counts ?? {})
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, limit)
    .map(([word, count]) => `“${word}” ×${count}`)
    .join(', ');
}

const VERDICTS = { short: 'shorter than', within: 'within', long: 'longer than' };

// The delivery report → [{id, label, value, note}] for the figures list.
export function deliveryFigures(delivery) {
  if (!delivery || typeof delivery !== 'object') return [];
  const figures = [];
  if (delivery.duration_seconds != null) {
    const target = delivery.target;
    const note = target?.verdict
      ? `${VERDICTS[target.verdict] ?? target.verdict} the ${target.min_seconds}–${target.max_seconds} s aim`
      : '';
    figures.push({ id: 'length', label: 'Length', value: minutesAndSeconds(delivery.duration_seconds), note });
  }
  if (delivery.words_per_minute != null) {
    figures.push({ id: 'pace', label: 'Pace', value: `${Math.round(delivery.words_per_minute)} words/min`, note: delivery.pace ?? '' });
  }
  if (delivery.fillers) {
    const perMinute = Number(delivery.fillers.per_minute ?? 0);
    figures.push({
      id: 'fillers',
      label: 'Fillers',
      value: `${Math.round(perMinute * 10) / 10} per minute`,
      note: delivery.fillers.total ? topCounts(delivery.fillers.counts) : 'none',
    });
  }
  if (Array.isArray(delivery.long_pauses)) {
    const longest = Math.max(0, ...delivery.long_pauses.map((pause) => Number(pause.seconds) || 0));
    figures.push({
      id: 'pauses',
      label: 'Long pauses',
      value: String(delivery.long_pauses.length),
      note: delivery.long_pauses.length ? `longest ${Math.round(longest * 10) / 10} s` : 'none over 2 s',
    });
  }
  if (delivery.hedges) {
    figures.push({
      id: 'hedges',
      label: 'Hedges',
      value: String(delivery.hedges.total ?? 0),
      note: delivery.hedges.total ? topCounts(delivery.hedges.counts) : '',
    });
  }
  if (delivery.word_count != null) figures.push({ id: 'words', label: 'Words', value: String(delivery.word_count), note: '' });
  return figures;
}

// Seconds from the first turn's start to the last turn's end, or null.
export function interviewSeconds(turns) {
  const times = (turns ?? [])
    .flatMap((turn) => [turn.started_at, turn.ended_at])
    .filter(Boolean)
    .map((iso) => new Date(iso).getTime())
    .filter(Number.isFinite);
  if (times.length < 2) return null;
  return Math.round((Math.max(...times) - Math.min(...times)) / 1000);
}

export function formatLength(seconds) {
  if (seconds == null) return '';
  if (seconds < 60) return `${seconds} s`;
  return `${Math.round(seconds / 60)} min`;
}
