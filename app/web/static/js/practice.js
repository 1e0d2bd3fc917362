// The 7-day practice plan: the week, today's focus with its drills, completion ticks, and weak spots.

import { api } from './api.js';
import { ErrorBanner, byTestId, h } from './dom.js';
import { drillUrl, plansApi } from './plans-api.js';

const DAY_MS = 24 * 60 * 60 * 1000;

const banner = new ErrorBanner();
const ui = {
  form: byTestId('practice-form'),
  role: byTestId('practice-role'),
  create: byTestId('create-plan'),
  status: byTestId('practice-status'),
  plan: byTestId('practice-plan'),
  title: byTestId('plan-title'),
  progress: byTestId('plan-progress'),
  week: byTestId('week'),
  weakStatus: byTestId('weak-status'),
  weakList: byTestId('weak-spot-list'),
};
let plan = null;

// Day 1 is the day the plan was made, counted in the candidate's own calendar.
function dayNumber(createdAt, now = new Date()) {
  const start = new Date(createdAt);
  const startDay = new Date(start.getFullYear(), start.getMonth(), start.getDate());
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((today - startDay) / DAY_MS) + 1;
}

function dateOfDay(createdAt, day) {
  const date = new Date(createdAt);
  date.setDate(date.getDate() + day - 1);
  return date.toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
}

async function load() {
  try {
    const [roles, current] = await Promise.all([api.roles(), plansApi.currentPlan()]);
    ui.role.replaceChildren(...roles.map((role) => h('option', { value: role.id }, role.title || role.id)));
    ui.create.disabled = roles.length === 0;
    plan = current;
    if (plan) ui.role.value = plan.role;
  } catch (error) {
    ui.status.textContent = '';
    banner.show(`Could not load your practice plan: ${error.message}`, { label: 'Retry', run: load });
    return;
  }
  showPlan();
  loadWeakSpots();
}

async function createPlan(event) {
  event.preventDefault();
  if (!ui.form.reportValidity()) return;
  if (plan && !window.confirm('Replace your current week with a new plan?')) return;
  banner.clear();
  ui.create.disabled = true;
  try {
    plan = await plansApi.createPlan(ui.role.value);
  } catch (error) {
    banner.show(`Could not make a plan: ${error.message}`);
    return;
  } finally {
    ui.create.disabled = false;
  }
  showPlan();
  loadWeakSpots();
}

async function toggleDay(day, done) {
  banner.clear();
  try {
    plan = await plansApi.markDay(plan.id, day, done);
  } catch (error) {
    banner.show(`Could not update day ${day}: ${error.message}`);
    return;
  }
  showPlan();
  ui.week.querySelector(`[data-day="${day}"] [data-testid="day-done"]`)?.focus();
}

function showPlan() {
  ui.plan.hidden = !plan;
  ui.create.textContent = plan ? 'Make a new plan' : 'Make my 7-day plan';
  if (!plan) {
    ui.status.textContent = 'No plan yet: choose a role and make one.';
    return;
  }
  const today = dayNumber(plan.created_at);
  const total = plan.days.length;
  ui.status.textContent = today > total ? 'This week is over. Make a new plan for the next one.' : '';
  ui.title.textContent = `${plan.role_title}: your week`;
  ui.progress.textContent = `${plan.days_done} of ${total} days done`;
  ui.week.replaceChildren(...plan.days.map((day) => dayItem(day, day.day === today)));
}

function dayItem(day, isToday) {
  const classes = ['card', 'practice-day', isToday && 'is-today', day.done && 'is-done'].filter(Boolean);
  const ids = day.drills.map((drill) => drill.id);
  // A day whose drills were all answered is done on its own; only a tick can be taken back.
  const byDrills = day.done && !day.marked_done_at;
  const toggle = h(
    'button',
    {
      type: 'button',
      class: 'button secondary small day-done',
      'data-testid': 'day-done',
      'aria-pressed': String(day.done),
      disabled: byDrills,
      title: byDrills ? 'Every drill of this day is answered' : null,
    },
    day.done ? '✓ Done' : 'Mark done',
  );
  toggle.addEventListener('click', () => toggleDay(day.day, !day.done));
  const startLabel = day.timed ? 'Start the timed mock round' : ids.length === 1 ? 'Drill it' : 'Start these drills';
  return h(
    'li',
    { class: classes.join(' '), 'data-testid': 'practice-day', 'data-day': day.day, 'data-done': String(day.done), 'aria-current': isToday ? 'date' : null },
    h(
      'div',
      { class: 'day-head' },
      h('h3', { 'data-testid': 'day-focus' }, `Day ${day.day}: ${day.focus}`),
      h('span', { class: 'day-date' }, dateOfDay(plan.created_at, day.day)),
      isToday && h('span', { class: 'today-badge', 'data-testid': 'today' }, 'Today'),
      toggle,
    ),
    day.note && h('p', { class: 'day-note' }, day.note),
    h('ul', { class: 'drills' }, day.drills.map(drillItem)),
    h(
      'p',
      { class: 'day-actions' },
      h('a', { class: `button ${isToday ? 'primary' : 'secondary'} small`, 'data-testid': 'start-day', href: drillUrl(ids, { role: plan.role, timed: day.timed }) }, startLabel),
    ),
  );
}

function drillItem(drill) {
  return h(
    'li',
    { class: 'drill', 'data-testid': 'drill', 'data-question-id': drill.id, 'data-practiced': String(drill.practiced) },
    h('span', { class: 'drill-mark', 'aria-hidden': 'true' }, drill.practiced ? '✓' : '○'),
    h('span', { class: 'drill-text' }, drill.text, drill.practiced && h('span', { class: 'visually-hidden' }, ' (practised)')),
    h('a', { href: drillUrl([drill.id], { role: plan.role }), 'data-testid': 'drill-link', 'aria-label': `Drill: ${drill.text}` }, 'Drill'),
  );
}

async function loadWeakSpots() {
  const role = plan?.role ?? ui.role.value;
  let spots;
  try {
    spots = await plansApi.weakSpots(role || null);
  } catch (error) {
    ui.weakStatus.textContent = `Could not load weak spots: ${error.message}`;
    return;
  }
  ui.weakStatus.textContent = spots.length
    ? 'The questions whose points you missed most in your latest answers.'
    : 'No weak spots yet: they appear once you have answered a few questions.';
  ui.weakList.replaceChildren(...spots.map(weakItem));
}

function weakItem(spot) {
  const share = Math.round(spot.missed_share * 100);
  const answers = `${spot.answers} answer${spot.answers === 1 ? '' : 's'}`;
  const missed = spot.missed_criteria.slice(0, 3).map((criterion) => criterion.label).join('; ');
  return h(
    'li',
    { 'data-testid': 'weak-spot', 'data-question-id': spot.id },
    h('p', {}, h('strong', {}, spot.text)),
    h('p', { class: 'weak-meta' }, `Missed ${share}% of the points over your last ${answers}.`, missed && ` Missing most: ${missed}.`),
    h('p', {}, h('a', { href: drillUrl([spot.id], { role: plan?.role ?? null }), 'data-testid': 'weak-drill' }, 'Drill this question')),
  );
}

ui.form.addEventListener('submit', createPlan);
ui.role.addEventListener('change', () => {
  if (!plan) loadWeakSpots();
});
load();
