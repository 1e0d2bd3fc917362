// "Score an answer": pick a question, paste or record an answer, see the rubric with evidence.

import { api, ApiError } from './api.js';

const $ = (id) => document.querySelector(`[data-testid="${id}"]`);
const ui = {
  form: $('score-form'),
  question: $('score-question'),
  guidance: $('score-guidance'),
  text: $('score-text'),
  record: $('score-record'),
  status: $('score-status'),
  result: $('score-result'),
  overall: $('score-overall'),
  explanation: $('score-explanation'),
  answer: $('score-answer'),
  criteria: $('score-criteria'),
  suggestions: $('score-suggestions'),
  rebuilt: $('score-rebuilt'),
};
let questions = new Map();
let recorder = null;

async function loadQuestions() {
  const roles = await api.roles();
  for (const role of roles) {
    const group = document.createElement('optgroup');
    group.label = role.title;
    for (const question of await api.questions(role.id)) {
      if (questions.has(question.id)) continue;
      questions.set(question.id, question);
      const option = new Option(question.text, question.id);
      group.append(option);
    }
    ui.question.append(group);
  }
  const wanted = new URLSearchParams(window.location.search).get('question');
  if (wanted && questions.has(wanted)) ui.question.value = wanted;
}

function renderAnswer(text, spans) {
  // The answer with the chosen criterion's evidence marked; spans are character offsets.
  ui.answer.replaceChildren();
  let at = 0;
  for (const span of [...spans].sort((a, b) => a.start - b.start)) {
    if (span.start < at) continue;
    ui.answer.append(text.slice(at, span.start));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(span.start, span.end);
    ui.answer.append(mark);
    at = span.end;
  }
  ui.answer.append(text.slice(at));
}

function render(report, text) {
  ui.result.hidden = false;
  ui.overall.textContent = String(report.overall);
  ui.explanation.textContent = report.explanation || '';
  renderAnswer(text, []);
  ui.criteria.replaceChildren();
  for (const criterion of report.criteria) {
    const item = document.createElement('li');
    const button = document.createElement('button');
    button.type = 'button';
    button.className = `criterion ${criterion.met ? 'met' : 'unmet'}`;
    button.dataset.testid = 'score-criterion';
    button.dataset.criterionId = criterion.id;
    button.dataset.met = String(criterion.met);
    button.textContent = `${criterion.met ? '✓' : '·'} ${criterion.label}`;
    button.addEventListener('click', () => renderAnswer(text, criterion.evidence || []));
    item.append(button);
    ui.criteria.append(item);
  }
  ui.suggestions.replaceChildren(
    ...(report.suggestions || []).map((s) => {
      const li = document.createElement('li');
      li.textContent = typeof s === 'string' ? s : s.text;
      return li;
    }),
  );
  ui.rebuilt.textContent = report.rebuilt?.text || '';
  ui.result.scrollIntoView({ behavior: 'smooth', block: 'start' });
}

async function scoreText(event) {
  event.preventDefault();
  const text = ui.text.value.trim();
  if (!text) {
    ui.status.textContent = 'Type or paste an answer first.';
    return;
  }
  ui.status.textContent = 'Scoring…';
  try {
    render(await api.score({ question_id: ui.question.value, text }), text);
    ui.status.textContent = '';
  } catch (error) {
    ui.status.textContent = error instanceof ApiError ? error.message : String(error);
  }
}

async function toggleRecording() {
  if (recorder) {
    recorder.stop();
    return;
  }
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, channelCount: 1 },
    });
  } catch {
    ui.status.textContent = 'The microphone is blocked; you can paste your answer instead.';
    return;
  }
  const chunks = [];
  recorder = new MediaRecorder(stream);
  recorder.addEventListener('dataavailable', (e) => chunks.push(e.data));
  recorder.addEventListener('stop', async () => {
    stream.getTracks().forEach((track) => track.stop());
    recorder = null;
    ui.record.textContent = 'Record instead';
    ui.status.textContent = 'Transcribing and scoring…';
    try {
      const report = await api.scoreRecording(ui.question.value, new Blob(chunks, { type: chunks[0]?.type || 'audio/webm' }));
      ui.text.value = report.transcript;
      render(report, report.transcript);
      ui.status.textContent = '';
    } catch (error) {
      ui.status.textContent = error instanceof ApiError ? error.message : String(error);
    }
  });
  recorder.start();
  ui.record.textContent = 'Stop recording';
  ui.status.textContent = 'Recording… press Stop recording when you are done.';
}

ui.question.addEventListener('change', () => {
  ui.guidance.textContent = questions.get(ui.question.value)?.guidance || '';
});
ui.form.addEventListener('submit', scoreText);
ui.record.addEventListener('click', toggleRecording);
loadQuestions().catch((error) => {
  ui.status.textContent = `Could not load the questions: ${error.message}`;
});
