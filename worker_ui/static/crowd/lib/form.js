// crowd-form (docs/elements.md#the-answer-object): validation, the cancelable submit event, the one answer object, and
// gtemu's submission protocol (docs/elements.md): preview -> postMessage; otherwise a POST of
// taskAnswers=<JSON of [answer]> (the Mechanical Turk wire form) to GTEMU_TASK.submitUrl.

import { CrowdElement, shortcutsEnabled } from './base.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const FORM_CSS = `${TOOL_CSS}
:host { display: block; }
.status:empty { display: none; }
.awsui-app-layout { height: auto; }
.form-body { display: block; min-width: 0; }
.toolbar:has(.nav-toggle[hidden]) { display: none; }
`;

const TEXT_LIKE_SKIPPED = new Set(['submit', 'button', 'reset', 'image', 'file']);

/** Adds one contribution; checkbox-shaped objects under the same name merge (docs/elements.md#documented-attributes-and-regions). */
function contribute(answer, name, value, merges) {
  const previous = answer[name];
  if (merges && previous && typeof previous === 'object' && !Array.isArray(previous)) {
    answer[name] = { ...previous, ...value };
  } else {
    answer[name] = value;
  }
}

/** A native control's contribution (docs/elements.md#native-form-controls), or undefined. */
function nativeContribution(control) {
  if (control.disabled) return undefined;
  if (control instanceof HTMLInputElement) {
    const type = control.type;
    if (TEXT_LIKE_SKIPPED.has(type)) return undefined;
    if (type === 'checkbox' || type === 'radio') {
      return { value: { [control.getAttribute('value') ?? 'on']: control.checked }, merges: true };
    }
    if (type === 'hidden') return { value: control.value };
  }
  return control.value === '' ? undefined : { value: control.value };
}

function isNativeControl(element) {
  return element instanceof HTMLInputElement || element instanceof HTMLSelectElement
    || element instanceof HTMLTextAreaElement;
}

/** The answer object of `form`: crowd elements and native controls in the light DOM. */
export function collectAnswer(form) {
  const answer = {};
  for (const element of form.querySelectorAll('[name]')) {
    const name = element.getAttribute('name');
    if (!name) continue;
    if (typeof element.gtemuOutput === 'function') {
      const value = element.gtemuOutput();
      // Crowd HTML Elements V2 post their answer flat, not under their name.
      if (value !== undefined && element.constructor.flatOutput) Object.assign(answer, value);
      else if (value !== undefined) contribute(answer, name, value, element.constructor.mergesOutput);
    } else if (isNativeControl(element)) {
      const contribution = nativeContribution(element);
      if (contribution) contribute(answer, name, contribution.value, contribution.merges);
    }
  }
  return answer;
}

/** Brings the crowd-tab holding `element` to the front, so that its message can be seen. */
function revealTab(element) {
  const tab = element.closest('crowd-tab');
  const tabs = tab && tab.parentElement;
  if (tab && tab.hidden && tabs && typeof tabs.select === 'function') {
    tabs.select(tabs.tabs().indexOf(tab));
  }
}

function postToParent(message) {
  // '*': the task page may sit in a sandboxed (opaque-origin) frame of the portal or preview.
  if (window.parent && window.parent !== window) window.parent.postMessage(message, '*');
}

async function readJson(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return { message: text.trim().slice(0, 500) };
  }
}

export class CrowdForm extends CrowdElement {
  static css = FORM_CSS;
  static shadowOptions = { slotAssignment: 'manual' };

  constructor() {
    super();
    this.dispatching = false;
    this.posting = false;
    this.submitted = false;
  }

  render() {
    // The template's own content keeps normal block flow inside .form-body.
    const body = `<div class="form-body"><slot class="main-slot"></slot></div>
      <div class="status" aria-live="polite"></div>`;
    this.shadowRoot.innerHTML = toolLayoutMarkup(body, 'main');
    this.layout = new ToolLayout(this, { restSlot: this.shadowRoot.querySelector('.main-slot') });
    // In the designer preview, elements that announce changes show their answer live.
    this.addEventListener('gtemu:change', () => {
      if ((window.GTEMU_TASK || {}).mode === 'preview') {
        postToParent({ type: 'gtemu:answer', answer: collectAnswer(this), draft: true });
      }
    });
    if (!this.querySelector('crowd-button[form-action="submit"]')) {
      const button = document.createElement('crowd-button');
      button.setAttribute('form-action', 'submit');
      button.setAttribute('variant', 'primary');
      button.textContent = 'Submit';
      this.append(button);
    }
  }

  /** Submits from script, with the same validation and submit event as the button (docs/elements.md#the-answer-object). */
  submit() {
    this.requestSubmit(null);
  }

  requestSubmit(submitter = null) {
    // A handler that calls submit() while the submit event is being dispatched must not recurse.
    if (this.dispatching || this.posting || this.submitted) return;
    const invalid = this.validate();
    if (invalid) {
      invalid.scrollIntoView?.({ block: 'nearest' });
      return;
    }
    const event = new SubmitEvent('submit', { bubbles: true, cancelable: true, submitter });
    this.dispatching = true;
    let proceed;
    try {
      proceed = this.dispatchEvent(event);
    } finally {
      this.dispatching = false;
    }
    if (proceed) this.send(collectAnswer(this));
  }

  /** Shows every required element's message; focuses and returns the first invalid one. */
  validate() {
    let first = null;
    let firstMessage = '';
    for (const element of this.querySelectorAll('*')) {
      if (typeof element.gtemuValidate === 'function') {
        const message = element.gtemuValidate();
        element.showError(message);
        if (message && !first) {
          first = element;
          firstMessage = message;
        }
      } else if (!first && isNativeControl(element) && element.willValidate && !element.checkValidity()) {
        first = element;
      }
    }
    if (first) revealTab(first);
    if (first && typeof first.gtemuShowError === 'function') first.gtemuShowError(firstMessage);
    else if (first) first.reportValidity();
    return first;
  }

  reset() {
    for (const element of this.querySelectorAll('*')) {
      if (typeof element.gtemuReset === 'function') element.gtemuReset();
      else if (element instanceof HTMLInputElement) {
        if (element.type === 'checkbox' || element.type === 'radio') element.checked = element.defaultChecked;
        else element.value = element.defaultValue;
      } else if (element instanceof HTMLTextAreaElement) element.value = element.defaultValue;
      else if (element instanceof HTMLSelectElement) {
        for (const option of element.options) option.selected = option.defaultSelected;
      }
    }
    this.showAlert(null);
    this.dispatchEvent(new Event('reset', { bubbles: true }));
  }

  async send(answer) {
    const task = window.GTEMU_TASK || {};
    document.dispatchEvent(new CustomEvent('gtemu:answer', { detail: { answer } }));
    if (task.mode === 'preview') {
      postToParent({ type: 'gtemu:answer', answer });
      return;
    }
    const url = task.submitUrl || this.getAttribute('action');
    if (!url) {
      this.showAlert('error', 'This page has no submit URL (window.GTEMU_TASK.submitUrl or the form\'s action).');
      return;
    }
    this.setPosting(true);
    const body = new URLSearchParams({ taskAnswers: JSON.stringify([answer]) });
    const headers = { Accept: 'application/json' };
    if (task.csrfToken) {
      body.set('csrf_token', task.csrfToken);
      headers['X-CSRFToken'] = task.csrfToken;
    }
    try {
      const response = await fetch(url, { method: 'POST', body, headers, credentials: 'same-origin' });
      const payload = await readJson(response);
      if (response.ok) {
        this.submitted = true;
        this.setPosting(false);
        this.submitButtons().forEach((button) => { button.disabled = true; });
        this.showAlert('success', 'Your answer was submitted.');
        postToParent({ type: 'gtemu:submitted', response: payload });
        document.dispatchEvent(new CustomEvent('gtemu:submitted', { detail: { response: payload } }));
        return;
      }
      this.showAlert('error', payload.message || `The answer was not accepted (HTTP ${response.status}).`);
    } catch (error) {
      this.showAlert('error', `The answer could not be sent: ${error.message}`);
    } finally {
      if (!this.submitted) this.setPosting(false);
    }
  }

  submitButtons() {
    return [...this.querySelectorAll('crowd-button[form-action="submit"]')];
  }

  setPosting(posting) {
    this.posting = posting;
    this.submitButtons().forEach((button) => { button.loading = posting; });
  }

  showAlert(type, message) {
    const status = this.shadowRoot.querySelector('.status');
    status.textContent = '';
    if (!type) return;
    const alert = document.createElement('crowd-alert');
    alert.setAttribute('type', type);
    alert.setAttribute('dismissible', '');
    alert.textContent = message;
    status.append(alert);
  }
}

/** Ctrl+Enter (or Cmd+Enter) submits the form holding the focus, else the page's first form.
 * Plain Enter never submits. */
export function installSubmitShortcut() {
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (event.defaultPrevented || !shortcutsEnabled()) return;
    const path = event.composedPath();
    if (path.some((node) => node instanceof HTMLDialogElement)) return;
    const form = path.find((node) => node instanceof CrowdForm) ?? document.querySelector('crowd-form');
    if (!(form instanceof CrowdForm)) return;
    event.preventDefault();
    form.requestSubmit(null);
  });
}
