// The setup form: role, round, length, timed answers, tailoring to a posting, drills, and a live
// preview of the planned questions with the reason for each. The interview is created with the
// previewed question ids in order, so the questions asked are the ones shown.

import { api } from './api.js';
import { byTestId, h, titleCase } from './dom.js';
import { plansApi } from './plans-api.js';

const PREVIEW_DELAY_MS = 350; // after typing stops
const MAX_QUESTIONS = 20;
const MAX_REPEAT = 5;
const TYPE_LABELS = { behavioral: 'Behavioral', technical: 'Technical', system_design: 'System design' };

function randomSeed() {
  return crypto.getRandomValues(new Uint32Array(1))[0] % 2 ** 31;
}

function minutesText(minutes) {
  const rounded = Math.round(Number(minutes) || 0);
  return rounded < 60 ? `about ${rounded} min` : `about ${Math.floor(rounded / 60)} h ${rounded % 60} min`;
}

export class Setup {
  constructor(banner) {
    this.banner = banner;
    this.ui = {
      form: byTestId('setup-form'),
      role: byTestId('role-select'),
      roleDescription: byTestId('role-description'),
      planFields: byTestId('plan-fields'),
      round: byTestId('round-select'),
      questions: byTestId('question-count'),
      minutes: byTestId('minutes-count'),
      lengthUnit: byTestId('length-unit'),
      lengthLabel: byTestId('length-label'),
      tailor: byTestId('tailor'),
      posting: byTestId('posting-text'),
      resume: byTestId('resume-text'),
      profile: byTestId('posting-profile'),
      profileTitle: byTestId('profile-title'),
      profileTerms: byTestId('profile-terms'),
      suggestion: byTestId('role-suggestion'),
      suggestionText: byTestId('role-suggestion-text'),
      useSuggested: byTestId('use-suggested-role'),
      timed: byTestId('timed-mode'),
      answerSeconds: byTestId('answer-seconds'),
      drillPanel: byTestId('drill-panel'),
      drillTitle: byTestId('drill-title'),
      drillRepeat: byTestId('drill-repeat'),
      preview: byTestId('plan-preview'),
      previewStatus: byTestId('preview-status'),
      previewList: byTestId('preview-list'),
      estimate: byTestId('preview-estimate'),
      reshuffle: byTestId('reshuffle'),
      start: byTestId('start-interview'),
    };
    this.roles = [];
    this.seed = randomSeed();
    this.drillIds = null; // question ids from `?practice=`: the form plans a drill of them
    this.preview = null; // the newest preview shown, with the body it was made for
    this.pending = null; // the preview request in flight
    this.timer = null;
    this.sequence = 0;
  }

  async load() {
    const params = new URLSearchParams(window.location.search);
    const practice = (params.get('practice') ?? '').split(',').map((id) => id.trim()).filter(Boolean);
    if (practice.length) this.enterDrill(practice, params);
    this.wire();
    if (!(await this.loadRoles(params.get('role')))) return;
    if (this.drillIds && !params.get('role')) await this.chooseDrillRole();
    this.ui.start.disabled = false;
    this.refresh();
  }

  // -- the interview that Start creates ----------------------------------------------------

  // The body of POST /api/v1/interviews: the options, plus the previewed question ids.
  async interviewBody() {
    const body = this.options();
    if (this.drillIds) return body;
    const preview = await this.currentPreview();
    if (preview) {
      body.question_ids = [...new Set(preview.questions.map((question) => question.id))];
    }
    return body;
  }

  options() {
    const ui = this.ui;
    const body = { role: ui.role.value, timed: ui.timed.checked };
    if (body.timed) body.answer_seconds = clamp(ui.answerSeconds, 30, 600, 120);
    if (this.drillIds) {
      body.question_ids = this.drillIds;
      body.repeat = clamp(ui.drillRepeat, 1, MAX_REPEAT, 1);
      return body;
    }
    body.round = ui.round.value;
    if (ui.lengthUnit.value === 'minutes') body.minutes = clamp(ui.minutes, 1, 180, 20);
    else body.questions = clamp(ui.questions, 1, MAX_QUESTIONS, 5);
    const posting = ui.posting.value.trim();
    const resume = ui.resume.value.trim();
    if (posting) body.posting = posting;
    if (resume) body.resume = resume;
    return body;
  }

  // -- preview -----------------------------------------------------------------------------

  // The preview for the form as it is now (waiting for one in flight or due).
  async currentPreview() {
    const key = JSON.stringify(this.options());
    if (this.preview?.key === key) return this.preview.plan;
    if (this.pending?.key !== key) this.refresh(0);
    if (!this.pending) return null;
    try {
      return await this.pending.promise;
    } catch {
      return null; // the server plans on its own; the error is on show in the preview
    }
  }

  refresh(delay = 0) {
    clearTimeout(this.timer);
    if (delay > 0) {
      this.timer = setTimeout(() => this.refresh(0), delay);
      return;
    }
    if (!this.ui.role.value) return;
    const body = this.options();
    const key = JSON.stringify(body);
    const sequence = ++this.sequence;
    this.ui.preview.setAttribute('aria-busy', 'true');
    const promise = plansApi.preview({ ...body, seed: this.seed });
    this.pending = { key, promise };
    promise.then(
      (plan) => {
        if (sequence !== this.sequence) return;
        this.preview = { key, plan };
        this.showPreview(plan);
      },
      (error) => {
        if (sequence !== this.sequence) return;
        this.preview = null;
        this.showPreviewError(error);
      },
    );
  }

  showPreview(plan) {
    const ui = this.ui;
    ui.preview.setAttribute('aria-busy', 'false');
    const count = plan.questions.length;
    ui.previewStatus.textContent = plan.kind === 'drill'
      ? `A drill: ${count} attempts, one after another.`
      : `${count} question${count === 1 ? '' : 's'}, asked in this order.`;
    ui.estimate.textContent = minutesText(plan.estimated_minutes);
    ui.previewList.replaceChildren(...plan.questions.map((question, index) => previewItem(question, index)));
    this.showProfile(plan.profile);
  }

  showPreviewError(error) {
    this.ui.preview.setAttribute('aria-busy', 'false');
    this.ui.previewList.replaceChildren();
    this.ui.estimate.textContent = '';
    this.ui.previewStatus.textContent = `No preview: ${error.message}`;
  }

  showProfile(profile) {
    const ui = this.ui;
    ui.profile.hidden = !profile;
    if (!profile) return;
    const title = profile.role_title ?? 'No job title found';
    ui.profileTitle.textContent = profile.company ? `${title} at ${profile.company}` : title;
    const terms = profile.terms.slice(0, 12);
    ui.profileTerms.replaceChildren(
      ...terms.map((term) => h('li', { class: `term ${term.source}`, title: termSource(term.source) }, term.term)),
    );
    if (!terms.length) ui.profileTerms.append(h('li', { class: 'term none' }, 'No skills recognised yet'));
    const suggested = this.roles.find((role) => role.id === profile.matched_role);
    const differs = suggested && suggested.id !== ui.role.value;
    ui.suggestion.hidden = !differs;
    if (differs) {
      ui.suggestionText.textContent = `This posting reads like a ${suggested.title} role.`;
      ui.useSuggested.textContent = `Use ${suggested.title} questions`;
      ui.useSuggested.dataset.role = suggested.id;
    }
  }

  // -- form --------------------------------------------------------------------------------

  async loadRoles(wanted = null) {
    const ui = this.ui;
    try {
      this.roles = await api.roles();
    } catch (error) {
      ui.role.replaceChildren(h('option', { value: '' }, 'Roles unavailable'));
      this.banner.show(`Could not load the roles: ${error.message}`, {
        label: 'Retry',
        run: () => this.load(),
      });
      return false;
    }
    if (this.roles.length === 0) {
      ui.role.replaceChildren(h('option', { value: '' }, 'No roles available'));
      this.banner.show('The server has no question banks loaded, so no interview can start.');
      return false;
    }
    ui.role.replaceChildren(...this.roles.map((role) => h('option', { value: role.id }, role.title || role.id)));
    if (wanted && this.roles.some((role) => role.id === wanted)) ui.role.value = wanted;
    this.showRole();
    return true;
  }

  showRole() {
    const ui = this.ui;
    const role = this.roles.find((item) => item.id === ui.role.value);
    ui.roleDescription.textContent = role?.description ?? '';
    const available = Math.min(Number(role?.question_count) || 10, MAX_QUESTIONS);
    ui.questions.max = String(available);
    ui.questions.value = String(Math.min(Number(ui.questions.value) || 5, available));
  }

  showLength() {
    const ui = this.ui;
    const inMinutes = ui.lengthUnit.value === 'minutes';
    ui.questions.hidden = inMinutes;
    ui.questions.disabled = inMinutes;
    ui.minutes.hidden = !inMinutes;
    ui.minutes.disabled = !inMinutes;
    ui.lengthLabel.htmlFor = inMinutes ? 'minutes' : 'questions';
    ui.lengthLabel.textContent = inMinutes ? 'Minutes' : 'Questions';
  }

  enterDrill(questionIds, params) {
    const ui = this.ui;
    this.drillIds = questionIds.slice(0, MAX_QUESTIONS);
    ui.drillPanel.hidden = false;
    ui.planFields.hidden = true;
    for (const field of ui.planFields.querySelectorAll('input, select, textarea')) field.disabled = true;
    const single = this.drillIds.length === 1;
    ui.drillTitle.textContent = single ? 'Drill one question' : `Drill ${this.drillIds.length} questions`;
    ui.drillRepeat.max = String(Math.max(1, Math.min(MAX_REPEAT, Math.floor(MAX_QUESTIONS / this.drillIds.length))));
    ui.drillRepeat.value = single ? '3' : '1';
    if (params.get('timed') === '1') ui.timed.checked = true;
    ui.answerSeconds.disabled = !ui.timed.checked;
    ui.reshuffle.hidden = true;
    ui.start.textContent = 'Start drill';
  }

  // A drill from the review page names only the question: ask it in that question's role.
  async chooseDrillRole() {
    try {
      const questions = await plansApi.questions();
      const first = questions.find((question) => question.id === this.drillIds[0]);
      if (first && first.role !== 'general' && this.roles.some((role) => role.id === first.role)) {
        this.ui.role.value = first.role;
        this.showRole();
      }
    } catch {
      // the role select keeps its first role; the preview reports any real problem
    }
  }

  wire() {
    const ui = this.ui;
    const soon = () => this.refresh(60);
    const later = () => this.refresh(PREVIEW_DELAY_MS);
    ui.role.addEventListener('change', () => {
      this.showRole();
      soon();
    });
    ui.round.addEventListener('change', soon);
    ui.lengthUnit.addEventListener('change', () => {
      this.showLength();
      soon();
    });
    for (const input of [ui.questions, ui.minutes, ui.answerSeconds, ui.drillRepeat]) {
      input.addEventListener('input', later);
    }
    ui.timed.addEventListener('change', () => {
      ui.answerSeconds.disabled = !ui.timed.checked;
      soon();
    });
    ui.posting.addEventListener('input', later);
    ui.resume.addEventListener('input', later);
    ui.reshuffle.addEventListener('click', () => {
      this.seed = randomSeed();
      this.refresh(0);
    });
    ui.useSuggested.addEventListener('click', () => {
      ui.role.value = ui.useSuggested.dataset.role;
      this.showRole();
      this.refresh(0);
    });
  }
}

function clamp(input, low, high, fallback) {
  const value = Math.round(Number(input.value));
  if (!Number.isFinite(value) || input.value === '') return fallback;
  return Math.min(high, Math.max(low, value));
}

function termSource(source) {
  return { posting: 'from the posting', resume: 'from your résumé', both: 'in the posting and your résumé' }[source] ?? '';
}

function previewItem(question, index) {
  const type = TYPE_LABELS[question.type] ?? titleCase(question.type);
  return h(
    'li',
    { class: 'preview-item', 'data-testid': 'preview-question', 'data-question-id': question.id, 'data-index': index },
    h('p', { class: 'preview-text' }, h('span', { 'data-testid': 'preview-text' }, question.text), h('span', { class: 'preview-type' }, type)),
    h('p', { class: 'preview-reason', 'data-testid': 'preview-reason' }, question.reason || 'chosen for this round'),
  );
}
