// Form controls (docs/elements.md#documented-attributes-and-regions): crowd-button, crowd-checkbox, crowd-radio-group/-button,
// crowd-toggle-button, crowd-input, crowd-text-area, crowd-slider.

import { CrowdElement, escapeHtml, uniqueId } from './base.js';

// iron-icons names templates use, drawn with text glyphs (no icon font offline).
const ICON_GLYPHS = {
  add: '+', 'add-circle': '\u2295', remove: '\u2212', close: '\u2715', clear: '\u2715',
  cancel: '\u2297', check: '\u2713', done: '\u2713', 'check-circle': '\u2714', search: '\u2315',
  help: '?', 'help-outline': '?', info: '\u2139', 'info-outline': '\u2139', warning: '\u26a0',
  error: '!', delete: '\u232b', edit: '\u270e', create: '\u270e', star: '\u2605',
  'star-border': '\u2606', favorite: '\u2665', 'arrow-back': '\u2190', 'arrow-forward': '\u2192',
  'arrow-upward': '\u2191', 'arrow-downward': '\u2193', 'chevron-left': '\u2039',
  'chevron-right': '\u203a', menu: '\u2630', refresh: '\u21bb', undo: '\u21b6', redo: '\u21b7',
  'zoom-in': '\u2295', 'zoom-out': '\u2296', home: '\u2302', flag: '\u2691', 'thumb-up': '\u261d',
  visibility: '\u25c9', settings: '\u2699', 'open-in-new': '\u2197', send: '\u27a4',
};

export function iconGlyph(name) {
  if (!name) return '';
  const plain = name.replace(/^[\w-]+:/, '');
  return ICON_GLYPHS[plain] ?? plain.charAt(0).toUpperCase();
}

const BUTTON_CSS = `
:host { display: inline-block; }
.btn { text-decoration: none; }
.btn.icon-variant { padding: .3em .5em; }
.icon-img { width: 1.2em; height: 1.2em; }
.spinner { width: 1em; height: 1em; border: 2px solid currentColor; border-right-color: transparent;
  border-radius: 50%; animation: spin .8s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
.right { order: 2; }
`;

export class CrowdButton extends CrowdElement {
  static css = BUTTON_CSS;
  static shadowOptions = { delegatesFocus: true };
  static observedAttributes = ['disabled', 'loading', 'variant', 'href', 'target', 'icon',
    'icon-url', 'icon-align', 'form-action'];

  render() {
    this.addEventListener('click', (event) => this.activate(event));
  }

  update() {
    const href = this.getAttribute('href');
    const variant = this.getAttribute('variant') || 'normal';
    const loading = this.flag('loading');
    const inactive = loading || this.flag('disabled');
    const classes = `btn ${variant === 'icon' ? 'icon-variant' : variant}`;
    const iconUrl = this.getAttribute('icon-url');
    const align = this.getAttribute('icon-align') === 'right' ? ' right' : '';
    let icon = '';
    if (loading) icon = '<span class="spinner" aria-hidden="true"></span>';
    else if (iconUrl) icon = `<img class="icon-img${align}" src="${escapeHtml(iconUrl)}" alt="">`;
    else if (this.getAttribute('icon')) {
      icon = `<span class="icon${align}" aria-hidden="true">${escapeHtml(iconGlyph(this.getAttribute('icon')))}</span>`;
    }
    const label = this.getAttribute('aria-label') || this.getAttribute('title')
      || (this.textContent.trim() ? '' : this.getAttribute('icon') || '');
    const labelAttribute = label ? ` aria-label="${escapeHtml(label)}"` : '';
    if (href && !inactive) {
      const target = this.getAttribute('target');
      this.shadowRoot.innerHTML = `<a class="${classes}" href="${escapeHtml(href)}"${labelAttribute}
        ${target ? `target="${escapeHtml(target)}"` : ''}>${icon}<slot></slot></a>`;
    } else {
      this.shadowRoot.innerHTML = `<button type="button" class="${classes}"
        ${inactive ? 'disabled' : ''} ${loading ? 'aria-busy="true"' : ''}${labelAttribute}>${icon}<slot></slot></button>`;
    }
  }

  activate(event) {
    if (this.flag('disabled') || this.flag('loading')) return;
    const form = this.closest('crowd-form');
    const action = this.getAttribute('form-action');
    if (!form || !action) return;
    event.preventDefault();
    if (action === 'submit') form.requestSubmit(this);
    else if (action === 'reset') form.reset();
  }

  get disabled() { return this.flag('disabled'); }

  set disabled(value) { this.setFlag('disabled', value); }

  get loading() { return this.flag('loading'); }

  set loading(value) { this.setFlag('loading', value); }
}

const CHECK_CSS = `
:host { display: block; margin: .3em 0; }
label { display: inline-flex; align-items: center; gap: .5em; cursor: pointer; }
input { width: 1.1em; height: 1.1em; margin: 0; }
:host([disabled]) label { color: #5f6b7a; cursor: default; }
.track { position: relative; width: 2.4em; height: 1.3em; border-radius: .65em; background: #687078;
  transition: background .15s; flex: none; }
.track::after { content: ""; position: absolute; top: .15em; left: .15em; width: 1em; height: 1em;
  border-radius: 50%; background: #fff; transition: left .15s; }
input.switch { position: absolute; z-index: 1; opacity: 0; width: 2.4em; height: 1.3em; margin: 0;
  cursor: pointer; }
input.switch:checked + .track { background: #0a5a8c; }
input.switch:checked + .track::after { left: 1.25em; }
input.switch:focus-visible + .track { outline: 3px solid #0a4a74; outline-offset: 2px; }
:host([invalid]) .track { box-shadow: 0 0 0 2px #b0281a; }
.switch-wrap { position: relative; display: inline-flex; }
`;

/** Checkbox-like controls: output {"<value>": true|false}, merged across controls sharing a name. */
class CheckControl extends CrowdElement {
  static css = CHECK_CSS;
  static shadowOptions = { delegatesFocus: true };
  static upgradedProperties = ['checked', 'value'];
  static observedAttributes = ['checked', 'disabled', 'value'];
  static inputType = 'checkbox';
  static mergesOutput = true;

  constructor() {
    super();
    this.checkedState = null;
  }

  render() {
    const id = uniqueId('check');
    this.shadowRoot.innerHTML = `<label for="${id}">${this.controlMarkup(id)}<span><slot></slot></span></label>
      <p class="error" role="alert"></p>`;
    this.input.addEventListener('change', () => {
      this.checked = this.input.checked;
      this.showError('');
      this.afterChange();
      this.dispatchEvent(new Event('change', { bubbles: true }));
    });
  }

  controlMarkup(id) {
    return `<input id="${id}" type="${this.constructor.inputType}">`;
  }

  afterChange() {}

  get input() {
    return this.shadowRoot.querySelector('input');
  }

  update() {
    this.input.checked = this.checked;
    this.input.disabled = this.flag('disabled');
  }

  get checked() {
    return this.checkedState ?? this.flag('checked');
  }

  set checked(value) {
    this.checkedState = Boolean(value);
    if (this.shadowRoot) this.input.checked = this.checkedState;
  }

  get value() {
    return this.getAttribute('value') ?? 'on';
  }

  set value(value) {
    this.setAttribute('value', value);
  }

  get disabled() { return this.flag('disabled'); }

  set disabled(value) { this.setFlag('disabled', value); }

  gtemuOutput() {
    return { [this.value]: this.checked };
  }

  gtemuValidate() {
    if (!this.flag('required') || this.disabled || this.checked) return '';
    return this.getAttribute('error-message') || 'Please check this box to continue.';
  }

  gtemuShowError(message) {
    this.showError(message);
    this.input.focus();
  }

  gtemuReset() {
    this.checkedState = null;
    this.update();
    this.showError('');
  }

  showError(message) {
    this.shadowRoot.querySelector('.error').textContent = message;
  }
}

export class CrowdCheckbox extends CheckControl {}

export class CrowdToggleButton extends CheckControl {
  static observedAttributes = ['checked', 'disabled', 'value', 'invalid'];

  controlMarkup(id) {
    return `<span class="switch-wrap"><input id="${id}" class="switch" type="checkbox" role="switch"><span class="track"></span></span>`;
  }
}

export class CrowdRadioButton extends CheckControl {
  static inputType = 'radio';

  gtemuValidate() {
    return '';
  }

  afterChange() {
    if (this.checked) this.uncheckPeers();
  }

  set checked(value) {
    super.checked = value;
    if (value && this.isConnected) this.uncheckPeers();
  }

  get checked() {
    return super.checked;
  }

  // Within a crowd-radio-group every button excludes the others (names may differ, as in the
  // guide's example); outside a group, buttons with the same name do.
  peers() {
    const group = this.closest('crowd-radio-group');
    const all = group ? group.querySelectorAll('crowd-radio-button')
      : document.querySelectorAll(`crowd-radio-button[name="${CSS.escape(this.name)}"]`);
    return [...all].filter((button) => button !== this && button.closest('crowd-radio-group') === group);
  }

  uncheckPeers() {
    for (const peer of this.peers()) {
      if (peer.checked) peer.checked = false;
    }
  }
}

export class CrowdRadioGroup extends CrowdElement {
  static css = ':host { display: block; }';

  render() {
    this.shadowRoot.innerHTML = '<slot></slot>';
    if (!this.hasAttribute('role')) this.setAttribute('role', 'radiogroup');
    this.addEventListener('keydown', (event) => this.moveWithArrows(event));
  }

  buttons() {
    return [...this.querySelectorAll('crowd-radio-button')].filter((button) => !button.disabled);
  }

  moveWithArrows(event) {
    const step = { ArrowDown: 1, ArrowRight: 1, ArrowUp: -1, ArrowLeft: -1 }[event.key];
    const buttons = this.buttons();
    const current = buttons.indexOf(event.target.closest('crowd-radio-button'));
    if (!step || current < 0) return;
    event.preventDefault();
    const next = buttons[(current + step + buttons.length) % buttons.length];
    next.checked = true;
    next.focus();
    next.dispatchEvent(new Event('change', { bubbles: true }));
  }

  get value() {
    const chosen = this.buttons().find((button) => button.checked);
    return chosen ? chosen.value : null;
  }
}

const FIELD_CSS = `
:host { display: block; margin: .5em 0; }
label { display: block; font-weight: bold; margin-bottom: .3em; }
input, textarea { font: inherit; width: 100%; padding: .4em .5em; border: 1px solid #879596;
  border-radius: 2px; color: #16191f; background: #fff; }
textarea { resize: vertical; }
:host([invalid]) input, :host([invalid]) textarea { border-color: #b0281a; }
.counter { color: #414750; font-size: .85em; text-align: right; margin: .2em 0 0; }
.counter:empty { display: none; }
`;

/** crowd-input and crowd-text-area: output "<name>": "<text>", omitted when empty. */
class TextField extends CrowdElement {
  static css = FIELD_CSS;
  static shadowOptions = { delegatesFocus: true };
  static upgradedProperties = ['value'];
  static observedAttributes = ['label', 'placeholder', 'disabled', 'type', 'max-length',
    'min-length', 'rows', 'max-rows', 'char-counter', 'required'];

  render() {
    const id = uniqueId('field');
    this.shadowRoot.innerHTML = `<label for="${id}" hidden></label>${this.fieldMarkup(id)}
      <p class="counter" aria-live="polite"></p><p class="error" role="alert"></p>`;
    const field = this.field;
    if (this.initialValue !== undefined) field.value = this.initialValue;
    else field.value = this.getAttribute('value') ?? '';
    field.addEventListener('beforeinput', (event) => this.filterTyping(event));
    field.addEventListener('input', () => {
      this.updateCounter();
      this.fitRows();
      if (this.flag('auto-validate')) this.showError(this.gtemuValidate());
      else if (this.hasAttribute('invalid')) this.showError('');
    });
    if (this.flag('auto-focus')) requestAnimationFrame(() => field.focus());
  }

  get field() {
    return this.shadowRoot.querySelector('input, textarea');
  }

  update() {
    const field = this.field;
    const label = this.getAttribute('label');
    const labelElement = this.shadowRoot.querySelector('label');
    labelElement.textContent = label || '';
    labelElement.hidden = !label;
    const accessibleName = label ? null : (this.getAttribute('aria-label')
      || this.getAttribute('placeholder') || this.name || null);
    if (accessibleName) field.setAttribute('aria-label', accessibleName);
    else field.removeAttribute('aria-label');
    field.placeholder = this.getAttribute('placeholder') || '';
    field.disabled = this.flag('disabled');
    field.required = this.flag('required');
    for (const [attribute, property] of [['max-length', 'maxLength'], ['min-length', 'minLength']]) {
      const number = parseInt(this.getAttribute(attribute), 10);
      if (Number.isFinite(number) && number >= 0) field[property] = number;
      else field.removeAttribute(property.toLowerCase());
    }
    this.updateField(field);
    this.updateCounter();
  }

  updateField() {}

  updateCounter() {}

  fitRows() {}

  filterTyping(event) {
    const pattern = this.getAttribute('allowed-pattern');
    if (!pattern || typeof event.data !== 'string') return;
    let allowed;
    try {
      allowed = new RegExp(`^(?:${pattern})$`, 'u');
    } catch {
      return;
    }
    if (![...event.data].every((char) => allowed.test(char))) event.preventDefault();
  }

  get value() {
    return this.shadowRoot ? this.field.value : (this.initialValue ?? this.getAttribute('value') ?? '');
  }

  set value(value) {
    if (this.shadowRoot) {
      this.field.value = value ?? '';
      this.updateCounter();
    } else {
      this.initialValue = value ?? '';
    }
  }

  get disabled() { return this.flag('disabled'); }

  set disabled(value) { this.setFlag('disabled', value); }

  gtemuOutput() {
    const value = this.value;
    return value === '' ? undefined : value;
  }

  gtemuValidate() {
    if (this.disabled) return '';
    const field = this.field;
    if (this.flag('required') && field.value.trim() === '') {
      return this.getAttribute('error-message') || 'This field is required.';
    }
    if (!field.checkValidity()) return this.getAttribute('error-message') || field.validationMessage;
    return '';
  }

  gtemuShowError(message) {
    this.showError(message);
    this.field.focus();
  }

  gtemuReset() {
    this.value = this.getAttribute('value') ?? '';
    this.showError('');
  }

  showError(message) {
    this.shadowRoot.querySelector('.error').textContent = message;
    this.toggleAttribute('invalid', Boolean(message));
    if (message) this.field.setAttribute('aria-invalid', 'true');
    else this.field.removeAttribute('aria-invalid');
  }
}

export class CrowdInput extends TextField {
  fieldMarkup(id) {
    return `<input id="${id}">`;
  }

  updateField(field) {
    field.type = this.getAttribute('type') || 'text';
  }
}

export class CrowdTextArea extends TextField {
  fieldMarkup(id) {
    return `<textarea id="${id}"></textarea>`;
  }

  updateField(field) {
    const rows = parseInt(this.getAttribute('rows'), 10);
    field.rows = Number.isFinite(rows) && rows > 0 ? rows : 2;
    this.fitRows();
  }

  fitRows() {
    const field = this.field;
    const rows = parseInt(this.getAttribute('rows'), 10) || 2;
    const maxRows = parseInt(this.getAttribute('max-rows'), 10);
    if (!Number.isFinite(maxRows) || maxRows <= 0) return;
    const lines = field.value.split('\n').length;
    field.rows = Math.max(rows, Math.min(lines, maxRows));
  }

  updateCounter() {
    const counter = this.shadowRoot.querySelector('.counter');
    if (!this.flag('char-counter')) {
      counter.textContent = '';
      return;
    }
    const max = parseInt(this.getAttribute('max-length'), 10);
    const length = this.field.value.length;
    counter.textContent = Number.isFinite(max) ? `${length}/${max}` : String(length);
  }
}

const SLIDER_CSS = `
:host { display: block; margin: .5em 0; }
.row { display: flex; align-items: center; gap: .8em; }
input[type=range] { flex: 1 1 auto; accent-color: #0a5a8c; }
input[type=number] { width: 6em; font: inherit; padding: .2em .4em; border: 1px solid #879596; }
output { min-width: 2.5em; font-weight: bold; }
`;

/** crowd-slider: output "<name>": <number>, omitted when never moved and no value (docs/elements.md#slider-output). */
export class CrowdSlider extends CrowdElement {
  static css = SLIDER_CSS;
  static shadowOptions = { delegatesFocus: true };
  static upgradedProperties = ['value'];
  static observedAttributes = ['min', 'max', 'step', 'disabled', 'pin', 'editable'];

  render() {
    this.shadowRoot.innerHTML = `<div class="row"><input type="range">
      <output aria-hidden="true" hidden></output><input type="number" hidden></div>
      <p class="error" role="alert"></p>`;
    this.moved = this.initialValue !== undefined;
    const [range, number] = this.shadowRoot.querySelectorAll('input');
    range.addEventListener('input', () => this.setFromWorker(range.value));
    number.addEventListener('change', () => this.setFromWorker(number.value));
  }

  setFromWorker(value) {
    this.moved = true;
    this.shadowRoot.querySelector('input[type=range]').value = value;
    this.showValue();
    this.showError('');
    this.dispatchEvent(new Event('change', { bubbles: true }));
  }

  update() {
    const [range, number] = this.shadowRoot.querySelectorAll('input');
    for (const input of [range, number]) {
      input.min = this.getAttribute('min') ?? '0';
      input.max = this.getAttribute('max') ?? '100';
      input.step = this.getAttribute('step') ?? '1';
      input.disabled = this.flag('disabled');
    }
    range.setAttribute('aria-label', this.getAttribute('aria-label') || this.name || 'Slider');
    number.setAttribute('aria-label', `${range.getAttribute('aria-label')} value`);
    if (!this.valueApplied) {
      // Set after min and max, which would otherwise clamp it.
      const start = this.initialValue ?? this.getAttribute('value');
      range.value = start ?? String((Number(range.min) + Number(range.max)) / 2);
      this.valueApplied = true;
    }
    this.shadowRoot.querySelector('output').hidden = !this.flag('pin');
    number.hidden = !this.flag('editable');
    this.showValue();
  }

  showValue() {
    const range = this.shadowRoot.querySelector('input[type=range]');
    this.shadowRoot.querySelector('output').textContent = range.value;
    this.shadowRoot.querySelector('input[type=number]').value = range.value;
  }

  get value() {
    if (!this.shadowRoot) return Number(this.initialValue ?? this.getAttribute('value') ?? 0);
    return Number(this.shadowRoot.querySelector('input[type=range]').value);
  }

  set value(value) {
    if (!this.shadowRoot) {
      this.initialValue = value;
      return;
    }
    this.moved = true;
    this.shadowRoot.querySelector('input[type=range]').value = value;
    this.showValue();
  }

  hasValue() {
    return this.moved || this.hasAttribute('value');
  }

  gtemuOutput() {
    return this.hasValue() ? this.value : undefined;
  }

  gtemuValidate() {
    if (!this.flag('required') || this.flag('disabled') || this.hasValue()) return '';
    return this.getAttribute('error-message') || 'Please move the slider to choose a value.';
  }

  gtemuShowError(message) {
    this.showError(message);
    this.shadowRoot.querySelector('input[type=range]').focus();
  }

  gtemuReset() {
    this.moved = false;
    this.initialValue = undefined;
    this.valueApplied = false;
    this.update();
  }

  showError(message) {
    this.shadowRoot.querySelector('.error').textContent = message;
  }
}
