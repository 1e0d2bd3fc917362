// Pure helpers of the review page (no DOM), kept apart so they can be checked in isolation.

const PROMPT_KINDS = new Set(['question', 'followup']);

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
  for (const span of evidence) {
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
  ranges.sort((a, b) => a[0] - b[0]);
  const merged = [];
  for (const range of ranges) {
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
