// HTTP client for the Viva JSON API, plus the WebSocket address of an interview.

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

function detailMessage(payload) {
  const detail = payload?.detail;
  if (typeof detail === 'string') return detail;
  // FastAPI validation errors: [{loc, msg, type}, ...]
  if (Array.isArray(detail)) return detail.map((item) => item?.msg ?? String(item)).join('; ');
  return null;
}

// Accounts mode: the session's CSRF token, which the server keeps in the viva_csrf cookie
// for the pages to send back with every request that changes something.
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)viva_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : '';
}

export function signInUrl() {
  const here = window.location.pathname + window.location.search;
  return `/login?next=${encodeURIComponent(here)}`;
}

export async function request(method, path, body = undefined) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD') {
    const token = csrfToken();
    if (token) init.headers['X-CSRF-Token'] = token;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError('Cannot reach the Viva server. Check that it is running, then try again.', 0);
  }
  const payload = await response.json().catch(() => null);
  if (response.status === 401) {
    // The session ended (accounts mode): sign in again, then come back here.
    window.location.assign(signInUrl());
  }
  if (!response.ok) {
    const message = detailMessage(payload) ?? `The server answered with an error (${response.status}).`;
    throw new ApiError(message, response.status);
  }
  return payload;
}

const interviewPath = (id) => `/api/v1/interviews/${encodeURIComponent(id)}`;

export const api = {
  roles: () => request('GET', '/api/v1/roles'),
  listInterviews: () => request('GET', '/api/v1/interviews'),
  getInterview: (id) => request('GET', interviewPath(id)),
  // settings: {role, round, questions} → {id, ws_url, review_url}
  createInterview: (settings) => request('POST', '/api/v1/interviews', settings),
  questions: (role) => request('GET', `/api/v1/questions?role=${encodeURIComponent(role)}`),
  score: (body) => request('POST', '/api/v1/score', body),
  scoreRecording: async (questionId, blob) => {
    const form = new FormData();
    form.append('question_id', questionId);
    form.append('audio', blob, 'answer.webm');
    const response = await fetch('/api/v1/score/recording', { method: 'POST', body: form });
    const payload = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(detailMessage(payload) ?? `Error ${response.status}`, response.status);
    return payload;
  },
};

export function interviewSocketUrl(id) {
  const scheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${window.location.host}${interviewPath(id)}/ws`;
}
