// HTTP client for plans, drills, weak spots and 7-day practice plans (docs/plans.md).

import { ApiError } from './api.js';

async function call(method, path, body = undefined) {
  const init = { method, headers: { Accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError('Cannot reach the Viva server. Check that it is running, then try again.', 0);
  }
  const payload = await response.json().catch(() => null);
  if (!response.ok) {
    const detail = payload?.detail;
    const message = typeof detail === 'string'
      ? detail
      : Array.isArray(detail)
        ? detail.map((item) => item?.msg ?? String(item)).join('; ')
        : `The server answered with an error (${response.status}).`;
    throw new ApiError(message, response.status);
  }
  return payload;
}

const planPath = (id) => `/api/v1/practice-plans/${encodeURIComponent(id)}`;
const dayDonePath = (id, day) => `${planPath(id)}/days/${encodeURIComponent(day)}/done`;

export const plansApi = {
  questions: (role = null) => call('GET', `/api/v1/questions${role ? `?role=${encodeURIComponent(role)}` : ''}`),
  // body: the options of POST /api/v1/interviews plus an optional seed → {questions, profile, ...}
  preview: (body) => call('POST', '/api/v1/plans/preview', body),
  weakSpots: (role = null) => call('GET', `/api/v1/weak-spots${role ? `?role=${encodeURIComponent(role)}` : ''}`),
  currentPlan: async () => {
    try {
      return await call('GET', '/api/v1/practice-plans/current');
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  },
  createPlan: (role) => call('POST', '/api/v1/practice-plans', { role }),
  markDay: (id, day, done) => call(done ? 'POST' : 'DELETE', dayDonePath(id, day)),
};

// The setup page drills these questions: `/?practice=a,b&role=r` (timed: `&timed=1`).
export function drillUrl(questionIds, { role = null, timed = false } = {}) {
  const params = new URLSearchParams({ practice: questionIds.join(',') });
  if (role) params.set('role', role);
  if (timed) params.set('timed', '1');
  return `/?${params}`;
}
