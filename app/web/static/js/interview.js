// The setup + live interview page: mic check, interview settings, then the spoken conversation.

import { api } from './api.js';
import { ErrorBanner, byTestId, h } from './dom.js';
import { Microphone, describeMicError } from './mic.js';
import { PcmPlayer } from './player.js';
import { InterviewSocket } from './socket.js';

const STATE_LABELS = {
  idle: 'Waiting for the interviewer',
  speaking: 'Interviewer is speaking',
  listening: 'Your turn: answer out loud',
  processing: 'Thinking about your answer…',
  finished: 'Interview finished',
};
const PROMPT_KINDS = new Set(['question', 'followup']);
// `listening` while more than this is still queued means the candidate barged in; a shorter tail
// is just network lag at the end of the prompt and is left to finish.
const BARGE_IN_MIN_REMAINING_S = 0.3;
const DEFAULT_QUESTIONS = 5;

const ui = {
  level: byTestId('mic-level'),
  micStatus: byTestId('mic-status'),
  micCheck: byTestId('mic-check'),
  setup: byTestId('setup'),
  form: byTestId('setup-form'),
  role: byTestId('role-select'),
  roleDescription: byTestId('role-description'),
  round: byTestId('round-select'),
  questions: byTestId('question-count'),
  start: byTestId('start-interview'),
  interview: byTestId('interview'),
  state: byTestId('interview-state'),
  stateLabel: byTestId('interview-state-label'),
  progress: byTestId('question-progress'),
  interviewerLine: byTestId('interviewer-line'),
  question: byTestId('question-text'),
  transcript: byTestId('live-transcript'),
  done: byTestId('done-answering'),
  repeat: byTestId('repeat-question'),
  skip: byTestId('skip-question'),
  stop: byTestId('stop-interview'),
  textForm: byTestId('text-answer-form'),
  textAnswer: byTestId('text-answer'),
  finished: byTestId('finished'),
  reviewLink: byTestId('review-link'),
  log: byTestId('conversation-log'),
};
ui.levelBar = ui.level.querySelector('.level-bar');

const banner = new ErrorBanner();
const player = new PcmPlayer();
const mic = new Microphone({ onFrame: (pcm) => socket?.sendAudio(pcm), onLevel: showLevel });
let socket = null;
let interviewId = null;
let running = false; // between Start and the end of the interview
let roles = [];

// ---- setup -------------------------------------------------------------------------------

async function loadRoles() {
  try {
    roles = await api.roles();
  } catch (error) {
    ui.role.replaceChildren(h('option', { value: '' }, 'Roles unavailable'));
    banner.show(`Could not load the roles: ${error.message}`, { label: 'Retry', run: loadRoles });
    return;
  }
  if (roles.length === 0) {
    ui.role.replaceChildren(h('option', { value: '' }, 'No roles available'));
    banner.show('The server has no question banks loaded, so no interview can start.');
    return;
  }
  ui.role.replaceChildren(...roles.map((role) => h('option', { value: role.id }, role.title || role.id)));
  showRole();
  ui.start.disabled = false;
}

function showRole() {
  const role = roles.find((item) => item.id === ui.role.value);
  ui.roleDescription.textContent = role?.description ?? '';
  const available = Number(role?.question_count) || 10;
  ui.questions.max = String(available);
  ui.questions.value = String(Math.min(Number(ui.questions.value) || DEFAULT_QUESTIONS, available));
}

let shownLevel = 0;
function showLevel(level) {
  // Fast attack, slow release: easier to read than the raw per-frame value.
  shownLevel = level >= shownLevel ? level : Math.max(level, shownLevel * 0.85);
  const percent = Math.round(shownLevel * 100);
  ui.levelBar.style.transform = `scaleX(${shownLevel.toFixed(3)})`;
  ui.level.setAttribute('aria-valuenow', String(percent));
  ui.level.dataset.level = shownLevel.toFixed(2);
}

// Returns null when the microphone runs, else a message saying why not.
async function ensureMic() {
  if (mic.active) return null;
  ui.micStatus.textContent = 'Starting…';
  ui.micCheck.disabled = true;
  try {
    await mic.start();
    ui.micStatus.textContent = 'On: speak and watch the bar';
    ui.micCheck.hidden = true;
    return null;
  } catch (error) {
    ui.micStatus.textContent = 'Off';
    ui.micCheck.disabled = false;
    return describeMicError(error);
  }
}

async function checkMic() {
  banner.clear();
  const problem = await ensureMic();
  if (problem) banner.show(problem, { label: 'Try again', run: checkMic });
}

async function startInterview(event) {
  event.preventDefault();
  if (running || !ui.form.reportValidity()) return;
  banner.clear();
  player.unlock(); // inside the click: browsers allow audio output only after a gesture
  ui.start.disabled = true;
  ui.start.textContent = 'Starting…';
  const micProblem = await ensureMic();
  let created;
  try {
    created = await api.createInterview({
      role: ui.role.value,
      round: ui.round.value,
      questions: Number(ui.questions.value),
    });
  } catch (error) {
    banner.show(`Could not start the interview: ${error.message}`);
    ui.start.disabled = false;
    ui.start.textContent = 'Start interview';
    return;
  }
  interviewId = created.id;
  ui.reviewLink.href = created.review_url || `/interviews/${encodeURIComponent(interviewId)}`;
  if (micProblem) banner.show(`${micProblem} You can still type your answers below.`);
  running = true;
  ui.setup.hidden = true;
  ui.interview.hidden = false;
  applyState('idle', 'Connecting…');
  connect();
}

// ---- conversation ------------------------------------------------------------------------

let heardSeconds = 0;

function connect() {
  socket?.close();
  socket = new InterviewSocket(interviewId, {
    onOpen: () => applyState('idle', 'Connected. The interviewer is about to speak'),
    onMessage: handleMessage,
    onAudio: (chunk) => {
      player.push(chunk);
      // Seconds of the interviewer's voice received, for people and tests to see it spoke.
      heardSeconds += chunk.byteLength / 2 / player.sampleRate;
      ui.interview.dataset.heardSeconds = heardSeconds.toFixed(2);
    },
    onClose: handleClose,
  });
  socket.connect();
}

function reconnect() {
  player.unlock();
  applyState('idle', 'Reconnecting…');
  connect();
}

function handleClose(event) {
  if (!running) return;
  player.stop();
  applyState('idle', 'Connection lost');
  const reason = event.reason ? ` (${event.reason})` : '';
  banner.show(`The connection to the interviewer was lost${reason}.`, { label: 'Reconnect', run: reconnect });
}

function handleMessage(message) {
  switch (message.type) {
    case 'say':
      player.begin(Number(message.sample_rate));
      showSay(message);
      break;
    case 'say_end':
      break;
    case 'transcript':
      showTranscript(message);
      break;
    case 'state':
      applyState(message.state);
      break;
    case 'error':
      banner.show(message.message || `The server reported an error (${message.code || 'unknown'}).`);
      break;
    case 'finished':
      finish(message.review_url);
      break;
    default:
      break; // unknown messages are ignored so the server can add new ones
  }
}

function showSay(message) {
  const text = message.text ?? '';
  if (PROMPT_KINDS.has(message.kind)) {
    ui.question.textContent = text;
    ui.interviewerLine.textContent = '';
    ui.transcript.textContent = '';
    ui.transcript.classList.remove('is-partial');
    showProgress(message);
  } else {
    ui.interviewerLine.textContent = text;
  }
  addToLog('interviewer', message.kind, text);
}

function showProgress({ question_number: number, question_count: count, kind }) {
  if (!number) return;
  const of = count ? ` of ${count}` : '';
  ui.progress.textContent = `Question ${number}${of}${kind === 'followup' ? ' · follow-up' : ''}`;
}

function showTranscript({ text = '', final }) {
  ui.transcript.textContent = text;
  ui.transcript.classList.toggle('is-partial', !final);
  if (final && text) addToLog('candidate', 'answer', text);
}

function addToLog(speaker, kind, text) {
  const last = ui.log.lastElementChild;
  if (!text || (last?.dataset.speaker === speaker && last.dataset.text === text)) return; // a repeat
  const who = speaker === 'candidate' ? 'You' : 'Interviewer';
  const attributes = { class: `log-item ${speaker}`, 'data-kind': kind, 'data-speaker': speaker, 'data-text': text };
  ui.log.append(h('li', attributes, h('strong', {}, `${who}: `), text));
}

function applyState(state, label = undefined) {
  if (!(state in STATE_LABELS)) return;
  if (state === 'listening' && player.remaining() > BARGE_IN_MIN_REMAINING_S) player.stop();
  showState(state, label);
  if (state === 'finished') finish();
}

function showState(state, label = undefined) {
  ui.state.textContent = state;
  ui.stateLabel.textContent = label ?? STATE_LABELS[state];
  ui.interview.dataset.state = state;
}

function finish(reviewUrl = undefined) {
  if (reviewUrl) ui.reviewLink.href = reviewUrl;
  showState('finished');
  if (!running) return;
  running = false;
  mic.stop(); // release the microphone; the closing words keep playing
  ui.micCheck.hidden = false;
  ui.micCheck.disabled = false;
  ui.micStatus.textContent = 'Off';
  for (const control of [ui.done, ui.repeat, ui.skip, ui.stop, ...ui.textForm.elements]) {
    control.disabled = true;
  }
  ui.finished.hidden = false;
  ui.reviewLink.focus();
}

function send(type, extra = {}) {
  if (!running) return;
  if (!socket?.sendJson({ type, ...extra })) {
    banner.show('Not connected to the interviewer.', { label: 'Reconnect', run: reconnect });
  }
}

function endAnswer() {
  send('end_answer');
}

function stopInterview() {
  if (!running) return;
  player.stop();
  if (socket?.open) send('stop'); // the server answers with its closing and `finished`
  else finish();
}

function sendTextAnswer(event) {
  event.preventDefault();
  const text = ui.textAnswer.value.trim();
  if (!text || !running) return;
  player.stop();
  send('text_answer', { text });
  ui.transcript.textContent = text;
  ui.transcript.classList.remove('is-partial');
  ui.textAnswer.value = '';
}

// ---- keyboard ----------------------------------------------------------------------------

const SHORTCUTS = { ' ': endAnswer, r: () => send('repeat'), s: () => send('skip'), escape: stopInterview };

function isTextEntry(element) {
  return element instanceof HTMLElement && (element.isContentEditable || element.matches('textarea, input, select'));
}

function onShortcut(event) {
  if (!running || event.ctrlKey || event.metaKey || event.altKey || isTextEntry(event.target)) return;
  const action = SHORTCUTS[event.key.toLowerCase()];
  if (!action) return;
  event.preventDefault(); // Space must not scroll the page or press the focused button as well
  if (event.type === 'keydown' && !event.repeat) action();
}

// ---- wiring ------------------------------------------------------------------------------

ui.micCheck.addEventListener('click', checkMic);
ui.role.addEventListener('change', showRole);
ui.form.addEventListener('submit', startInterview);
ui.done.addEventListener('click', endAnswer);
ui.repeat.addEventListener('click', () => send('repeat'));
ui.skip.addEventListener('click', () => send('skip'));
ui.stop.addEventListener('click', stopInterview);
ui.textForm.addEventListener('submit', sendTextAnswer);
ui.textAnswer.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) ui.textForm.requestSubmit();
});
document.addEventListener('keydown', onShortcut);
document.addEventListener('keyup', onShortcut);

loadRoles();
