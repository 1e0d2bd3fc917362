// HTTP client for plans, drills, weak spots and 7-day practice plans (docs/plans.md).

import { request } from './api.js';

const planPath = (id) => `/api/v1/practice-plans/${encodeURIComponent(id)}`;
const dayDonePath = (id, day) => `${planPath(id)}/days/${encodeURIComponent(day)}/done`;

export const plansApi = {
  questions: (role = null) => request('GET', `/api/v1/questions${role ? `?role=${encodeURIComponent(role)}` : ''}`),
  // body: the options of POST /api/v1/interviews plus an optional seed → {questions, profile, ...}
  preview: (body) => request('POST', '/api/v1/plans/preview', body),
  weakSpots: (role = null) => request('GET', `/api/v1/weak-spots${role ? `?role=${encodeURIComponent(role)}` : ''}`),
  currentPlan: async () => {
    try {
      return await request('GET', '/api/v1/practice-plans/current');
    } catch (error) {
      if (error.status === 404) return null;
      throw error;
    }
  },
  createPlan: (role) => request('POST', '/api/v1/practice-plans', { role }),
  markDay: (id, day, done) => request(done ? 'POST' : 'DELETE', dayDonePath(id, day)),
};

// The setup page drills these questions: `/?practice=a,b&role=r` (timed: `&timed=1`).
export function drillUrl(questionIds, { role = null, timed = false } = {}) {
  const params = new URLSearchParams({ practice: questionIds.join(',') });
  if (role) params.set('role', role);
  if (timed) params.set('timed', '1');
  return `/?${params}`;
}
