// The setup + live interview page: mic check, interview settings (setup.js), then the spoken
// conversation, with a per-answer countdown in timed mode.

import { api, signInUrl } from './api.js';
import { ErrorBanner, byTestId, h } from './dom.js';
import { Microphone, describeMicError } from './mic.js';
import { PcmPlayer } from './player.js';
import { Setup } from './setup.js';
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
const SIGNED_OUT_CLOSE = 4401; // the socket's sign-in ended (docs/protocol.md, close codes)

const ui = {
  level: byTestId('mic-level'),
  micStatus: byTestId('mic-status'),
  micCheck: byTestId('mic-check'),
  setup: byTestId('setup'),
  form: byTestId('setup-form'),
  start: byTestId('start-interview'),
  interview: byTestId('interview'),
  state: byTestId('interview-state'),
  stateLabel: byTestId('interview-state-label'),
  progress: byTestId('question-progress'),
  timer: byTestId('answer-timer'),
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
  resume: byTestId('resume'),
  resumeSummary: byTestId('resume-summary'),
  resumeButton: byTestId('resume-interview'),
};
ui.levelBar = ui.level.querySelector('.level-bar');

const banner = new ErrorBanner();
const player = new PcmPlayer();
const mic = new Microphone({ onFrame: (pcm) => socket?.sendAudio(pcm), onLevel: showLevel });
let socket = null;
let interviewId = null;
let running = false; // between Start and the end of the interview
const setup = new Setup(banner);

// ---- microphone and start ----------------------------------------------------------------

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
  const startLabel = ui.start.textContent;
  ui.start.textContent = 'Starting…';
  const micProblem = await ensureMic();
  let created;
  let body;
  try {
    body = await setup.interviewBody();
    created = await api.createInterview(body);
  } catch (error) {
    banner.show(`Could not start the interview: ${error.message}`);
    ui.start.disabled = false;
    ui.start.textContent = startLabel;
    return;
  }
  answerTimer.configure(body.timed ? body.answer_seconds ?? 120 : null);
  begin(created.id, micProblem);
}

// The page's address names the running interview, so a reload (or signing in again) can
// continue it: the server resumes at the prompt the candidate was on.
function begin(id, micProblem) {
  interviewId = id;
  ui.reviewLink.href = `/interviews/${encodeURIComponent(id)}`;
  window.history.replaceState(null, '', `/?interview=${encodeURIComponent(id)}`);
  if (micProblem) banner.show(`${micProblem} You can still type your answers below.`);
  running = true;
  ui.setup.hidden = true;
  ui.resume.hidden = true;
  ui.interview.hidden = false;
  applyState('idle', 'Connecting…');
  connect();
}

async function offerResume(id) {
  ui.setup.hidden = true;
  ui.resume.hidden = false;
  let interview;
  try {
    interview = await api.getInterview(id);
  } catch (error) {
    ui.resumeSummary.textContent = `This interview cannot be opened: ${error.message}`;
    return;
  }
  if (interview.status === 'finished') {
    window.location.replace(`/interviews/${encodeURIComponent(id)}`);
    return;
  }
  const answered = interview.turns.filter((t) => t.speaker === 'candidate').length;
  const count = interview.questions.length;
  ui.resumeSummary.textContent = `${interview.role} · ${interview.round} · ${count} question${count === 1 ? '' : 's'}, ${answered} answer${answered === 1 ? '' : 's'} so far.`;
  ui.resumeButton.disabled = false;
  ui.resumeButton.onclick = async () => {
    ui.resumeButton.disabled = true;
    player.unlock(); // inside the click: browsers allow audio output only after a gesture
    const micProblem = await ensureMic();
    answerTimer.configure(interview.answer_seconds ?? null);
    begin(id, micProblem);
  };
  ui.resumeButton.focus();
}

// ---- timed answers -----------------------------------------------------------------------

// Counts down from the answer's limit while Viva listens; the server speaks the wrap-up
// prompt when its own clock for the same answer runs out.
class AnswerTimer {
  constructor(element) {
    this.element = element;
    this.seconds = null;
    this.startedAt = 0;
    this.interval = null;
  }

  configure(seconds) {
    this.seconds = seconds;
    this.element.hidden = seconds === null;
    this.stop();
  }

  start() {
    if (this.seconds === null) return;
    this.stop();
    this.startedAt = performance.now();
    this.element.dataset.running = 'true';
    this.tick();
    this.interval = setInterval(() => this.tick(), 250);
  }

  stop() {
    clearInterval(this.interval);
    this.interval = null;
    if (this.seconds === null) return;
    this.element.dataset.running = 'false';
    this.show(this.seconds);
  }

  expire() {
    if (this.interval !== null) this.show(0);
  }

  tick() {
    const left = this.seconds - (performance.now() - this.startedAt) / 1000;
    this.show(Math.max(0, Math.ceil(left)));
  }

  show(left) {
    const over = left <= 0 && this.interval !== null;
    const minutes = Math.floor(left / 60);
    const seconds = String(left % 60).padStart(2, '0');
    this.element.textContent = over ? "Time's up: wrap up" : `${minutes}:${seconds}`;
    this.element.dataset.remaining = String(left);
    this.element.classList.toggle('is-low', left <= 15 && this.interval !== null);
    this.element.classList.toggle('is-over', over);
  }
}

const answerTimer = new AnswerTimer(ui.timer);

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
  answerTimer.stop();
  const signedOut = event.code === SIGNED_OUT_CLOSE;
  applyState('idle', signedOut ? 'Signed out' : 'Connection lost');
  if (signedOut) {
    // Reconnecting would be refused: a new sign-in first, then the interview resumes.
    banner.show('You are signed out. Sign in again to go on with this interview; your answers so far are saved.', {
      label: 'Sign in',
      run: () => window.location.assign(signInUrl()),
    });
    return;
  }
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
      if (message.code === 'asr_failed') ui.textAnswer.focus(); // type the answer instead
      break;
    case 'storage':
      // The database went away: answers are held on the server; say so, and when they are saved.
      if (message.state === 'delayed') banner.show(message.message);
      else banner.clear();
      ui.interview.dataset.storage = message.state;
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
  if (message.kind === 'wrap_up') answerTimer.expire();
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
  if (state === 'listening') answerTimer.start();
  else answerTimer.stop();
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
  answerTimer.stop();
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

const waiting = new URLSearchParams(window.location.search).get('interview');
if (waiting) offerResume(waiting);
else setup.load();
