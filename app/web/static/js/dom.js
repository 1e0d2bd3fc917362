// Small DOM helpers. Text always goes in through textContent: nothing from the server is parsed as HTML.

export function byTestId(testId, root = document) {
  const element = root.querySelector(`[data-testid="${testId}"]`);
  if (!element) throw new Error(`missing element [data-testid="${testId}"]`);
  return element;
}

// h('p', {class: 'hint', 'data-testid': 'x'}, 'text', childNode, null) — null/false children are skipped.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export function formatDate(iso) {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return String(iso);
  return date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function titleCase(word) {
  const text = String(word ?? '').replaceAll(/[_-]+/g, ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export class ErrorBanner {
  constructor(root = document) {
    this.element = byTestId('error-banner', root);
    this.message = byTestId('error-message', this.element);
    this.action = byTestId('error-action', this.element);
    this.onAction = null;
    this.action.addEventListener('click', () => {
      const run = this.onAction;
      this.clear();
      run?.();
    });
    byTestId('error-dismiss', this.element).addEventListener('click', () => this.clear());
  }

  // action: optional {label, run} shown as a button next to the message.
  show(message, action = null) {
    this.message.textContent = message;
    this.onAction = action?.run ?? null;
    this.action.textContent = action?.label ?? '';
    this.action.hidden = !action;
    this.element.hidden = false;
  }

  clear() {
    this.element.hidden = true;
    this.message.textContent = '';
    this.onAction = null;
    this.action.hidden = true;
  }
}
