// Layout and feedback elements (docs/elements.md#documented-attributes-and-regions): crowd-card, crowd-alert, crowd-badge, crowd-toast,
// crowd-modal, crowd-icon-button, crowd-fab, crowd-tabs/crowd-tab, crowd-instructions.
// None of them contributes to the answer; inputs inside them still do.

import { CrowdElement, dialogMarkup, escapeHtml, uniqueId, wireDialog } from './base.js';
import { iconGlyph } from './controls.js';

const CARD_CSS = `
:host { display: inline-block; vertical-align: top; border: 1px solid #d5dbdb; border-radius: 3px;
  box-shadow: 0 1px 3px rgba(0,0,0,.15); background: #fff; max-width: 100%; }
img { display: block; max-width: 100%; }
h3 { margin: 0; padding: .8em 1em 0; font-size: 1.1em; }
.content { padding: .8em 1em; }
`;

export class CrowdCard extends CrowdElement {
  static css = CARD_CSS;
  static observedAttributes = ['heading', 'image'];

  update() {
    const image = this.getAttribute('image');
    const heading = this.getAttribute('heading');
    this.shadowRoot.innerHTML = `${image ? `<img src="${escapeHtml(image)}" alt="">` : ''}
      ${heading ? `<h3>${escapeHtml(heading)}</h3>` : ''}<div class="content"><slot></slot></div>`;
  }
}

const ALERT_CSS = `
:host { display: block; margin: .6em 0; }
.alert { display: flex; gap: .7em; align-items: flex-start; padding: .7em 1em; border: 1px solid;
  border-left-width: 4px; border-radius: 2px; background: #fff; }
.info { border-color: #0a5a8c; background: #f1faff; }
.success { border-color: #1d8102; background: #f2f8f0; }
.error { border-color: #b0281a; background: #fdf3f1; color: #16191f; font-weight: normal; margin: 0; }
.warning { border-color: #8d6605; background: #fffce9; }
.symbol { font-weight: bold; }
.content { flex: 1 1 auto; }
`;

const ALERT_SYMBOLS = { info: '\u2139', success: '\u2713', error: '\u2716', warning: '\u26a0' };

export class CrowdAlert extends CrowdElement {
  static css = ALERT_CSS;
  static observedAttributes = ['type', 'dismissible'];

  update() {
    const type = ALERT_SYMBOLS[this.getAttribute('type')] ? this.getAttribute('type') : 'info';
    const role = type === 'error' || type === 'warning' ? 'alert' : 'status';
    const dismiss = this.flag('dismissible')
      ? '<button type="button" class="close" aria-label="Dismiss">\u00d7</button>' : '';
    this.shadowRoot.innerHTML = `<div class="alert ${type}" role="${role}">
      <span class="symbol" aria-hidden="true">${ALERT_SYMBOLS[type]}</span>
      <div class="content"><slot></slot></div>${dismiss}</div>`;
    const close = this.part('.close');
    if (close) {
      close.addEventListener('click', () => {
        this.hidden = true;
        this.dispatchEvent(new Event('dismiss', { bubbles: true }));
      });
    }
  }
}

const BADGE_CSS = `
:host { display: inline-block; z-index: 1; }
:host([for]) { position: absolute; }
.badge { display: inline-flex; align-items: center; justify-content: center; min-width: 1.6em;
  height: 1.6em; padding: 0 .35em; border-radius: .8em; background: #0a5a8c; color: #fff;
  font-size: .8em; font-weight: bold; }
`;

export class CrowdBadge extends CrowdElement {
  static css = BADGE_CSS;
  static observedAttributes = ['for', 'icon', 'label'];

  constructor() {
    super();
    this.place = () => this.position();
  }

  connectedCallback() {
    super.connectedCallback();
    window.addEventListener('resize', this.place);
    requestAnimationFrame(this.place);
  }

  disconnectedCallback() {
    window.removeEventListener('resize', this.place);
  }

  update() {
    const icon = this.getAttribute('icon');
    const text = icon ? iconGlyph(icon) : (this.getAttribute('label') || '');
    const label = icon || this.getAttribute('label') || '';
    this.shadowRoot.innerHTML = `<span class="badge" role="img" aria-label="${escapeHtml(label)}">${escapeHtml(text)}</span>`;
    if (this.isConnected) requestAnimationFrame(this.place);
  }

  /** With `for`, sits on the top right corner of that element. */
  position() {
    const target = this.getAttribute('for') && document.getElementById(this.getAttribute('for'));
    if (!target || !this.offsetParent) return;
    const parentBox = this.offsetParent.getBoundingClientRect();
    const box = target.getBoundingClientRect();
    this.style.left = `${box.right - parentBox.left - this.offsetWidth / 2}px`;
    this.style.top = `${box.top - parentBox.top - this.offsetHeight / 2}px`;
  }
}

const TOAST_CSS = `
:host { position: fixed; left: 1em; bottom: 1em; z-index: 1000; }
.toast { background: #232f3e; color: #fff; padding: .8em 1.2em; border-radius: 3px;
  box-shadow: 0 2px 8px rgba(0,0,0,.3); max-width: 80vw; }
.toast[hidden] { display: none; }
`;

export class CrowdToast extends CrowdElement {
  static css = TOAST_CSS;
  static observedAttributes = ['opened', 'text', 'duration'];

  render() {
    this.shadowRoot.innerHTML = '<div class="toast" role="status" aria-live="polite" hidden><span class="text"></span><slot></slot></div>';
  }

  update() {
    this.part('.text').textContent = this.getAttribute('text') || '';
    const box = this.part('.toast');
    const opened = this.flag('opened');
    if (opened === !box.hidden) return;
    box.hidden = !opened;
    clearTimeout(this.timer);
    const duration = parseInt(this.getAttribute('duration') ?? '3000', 10);
    if (opened && duration > 0) this.timer = setTimeout(() => this.close(), duration);
  }

  get opened() { return this.flag('opened'); }

  set opened(value) { this.setFlag('opened', value); }

  get text() { return this.getAttribute('text') || ''; }

  set text(value) { this.setAttribute('text', value); }

  get duration() { return parseInt(this.getAttribute('duration') ?? '3000', 10); }

  set duration(value) { this.setAttribute('duration', value); }

  open() { this.opened = true; }

  show() { this.opened = true; }

  close() { this.opened = false; }

  toggle() { this.opened = !this.opened; }
}

const MODAL_CSS = ':host { display: inline; }';

/** A link (or button) that opens its content in a modal dialog; Esc closes it. */
export class CrowdModal extends CrowdElement {
  static css = MODAL_CSS;
  static observedAttributes = ['link-text', 'link-type'];

  render() {
    const titleId = uniqueId('modal-title');
    this.shadowRoot.innerHTML = `<button type="button" class="opener"></button>
      ${dialogMarkup(titleId, '<slot></slot>')}`;
    const dialog = this.part('dialog');
    wireDialog(dialog);
    this.part('.opener').addEventListener('click', () => this.open());
  }

  update() {
    const text = this.getAttribute('link-text') || 'Click to open modal';
    const opener = this.part('.opener');
    opener.textContent = text;
    opener.className = this.getAttribute('link-type') === 'button' ? 'btn' : 'link';
    this.part('h2').textContent = this.getAttribute('header') || text;
  }

  open() {
    const dialog = this.part('dialog');
    if (!dialog.open) dialog.showModal();
  }

  close() {
    this.part('dialog').close();
  }
}

const ICON_BUTTON_CSS = `
:host { display: inline-block; }
button { min-width: 2.2em; min-height: 2.2em; border-radius: 50%; border: 1px solid transparent;
  background: none; cursor: pointer; color: #16191f; font-size: 1.1em; }
button:hover { background: #eaeded; }
button:disabled { color: #5f6b7a; cursor: default; background: none; }
.fab { background: #0a5a8c; color: #fff; min-width: 3em; min-height: 3em; font-weight: bold;
  box-shadow: 0 2px 6px rgba(0,0,0,.35); }
.fab:hover { background: #0a4a74; }
.fab:disabled { background: #eaeded; color: #5f6b7a; }
`;

export class CrowdIconButton extends CrowdElement {
  static css = ICON_BUTTON_CSS;
  static shadowOptions = { delegatesFocus: true };
  static observedAttributes = ['icon', 'disabled', 'title', 'label'];
  static buttonClass = '';

  update() {
    const icon = this.getAttribute('icon') || '';
    const text = this.constructor.buttonClass ? (this.getAttribute('label') || iconGlyph(icon)) : iconGlyph(icon);
    const name = this.getAttribute('aria-label') || this.getAttribute('title')
      || this.getAttribute('label') || icon || 'button';
    this.shadowRoot.innerHTML = `<button type="button" class="${this.constructor.buttonClass}"
      aria-label="${escapeHtml(name)}" ${this.flag('disabled') ? 'disabled' : ''}>${escapeHtml(text)}</button>`;
  }

  get disabled() { return this.flag('disabled'); }

  set disabled(value) { this.setFlag('disabled', value); }
}

export class CrowdFab extends CrowdIconButton {
  static buttonClass = 'fab';
}

const TABS_CSS = `
:host { display: block; }
[role=tablist] { display: flex; gap: .2em; border-bottom: 1px solid #d5dbdb; margin-bottom: .8em; }
[role=tab] { background: none; border: 0; border-bottom: 3px solid transparent; padding: .5em 1em;
  cursor: pointer; color: #414750; font-weight: bold; }
[role=tab][aria-selected=true] { color: #0a5a8c; border-bottom-color: #0a5a8c; }
`;

/** crowd-tabs: a tab list built from its crowd-tab children (their `header`). */
export class CrowdTabs extends CrowdElement {
  static css = TABS_CSS;

  render() {
    this.shadowRoot.innerHTML = '<div role="tablist"></div><slot></slot>';
    this.selectedIndex = 0;
    this.part('[role=tablist]').addEventListener('click', (event) => {
      const tab = event.target.closest('[role=tab]');
      if (tab) this.select(Number(tab.dataset.index));
    });
    this.part('[role=tablist]').addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const count = this.tabs().length;
      this.select((this.selectedIndex + step + count) % count, true);
    });
    new MutationObserver(() => this.update()).observe(this, { childList: true });
  }

  tabs() {
    return [...this.children].filter((child) => child.localName === 'crowd-tab');
  }

  update() {
    const tabs = this.tabs();
    this.selectedIndex = Math.min(this.selectedIndex, Math.max(0, tabs.length - 1));
    this.part('[role=tablist]').innerHTML = tabs.map((tab, index) => `<button type="button"
      role="tab" data-index="${index}">${escapeHtml(tab.getAttribute('header') || `Tab ${index + 1}`)}</button>`).join('');
    this.select(this.selectedIndex);
  }

  select(index, focus = false) {
    this.selectedIndex = index;
    const buttons = this.shadowRoot.querySelectorAll('[role=tab]');
    this.tabs().forEach((tab, position) => {
      const selected = position === index;
      tab.hidden = !selected;
      tab.setAttribute('role', 'tabpanel');
      tab.setAttribute('aria-label', tab.getAttribute('header') || `Tab ${position + 1}`);
      buttons[position].setAttribute('aria-selected', String(selected));
      buttons[position].tabIndex = selected ? 0 : -1;
    });
    if (focus && buttons[index]) buttons[index].focus();
  }
}

export class CrowdTab extends HTMLElement {}

const INSTRUCTIONS_TABS = [
  ['Summary', ['short-summary']],
  ['Detailed Instructions', ['detailed-instructions']],
  ['Examples', ['positive-example', 'negative-example']],
];

const INSTRUCTIONS_CSS = `${TABS_CSS}
:host { display: inline; }
.examples-heading { font-size: 1em; margin: .8em 0 .3em; }
`;

/** crowd-instructions: a link or button opening a dialog with Summary / Detailed / Examples tabs. */
export class CrowdInstructions extends CrowdElement {
  static css = INSTRUCTIONS_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static observedAttributes = ['link-text', 'link-type'];

  render() {
    const titleId = uniqueId('instructions-title');
    const tabs = INSTRUCTIONS_TABS.map(([label], index) => `<button type="button" role="tab"
      data-index="${index}">${label}</button>`).join('');
    const panels = INSTRUCTIONS_TABS.map(([label, regions], index) => `<div class="panel"
      role="tabpanel" aria-label="${label}" data-index="${index}">${regions.map((region) => {
        const heading = region.endsWith('example')
          ? `<h3 class="examples-heading">${region === 'positive-example' ? 'Good example' : 'Bad example'}</h3>` : '';
        return `<div class="region" data-region="${region}">${heading}<slot data-region="${region}"></slot></div>`;
      }).join('')}</div>`).join('');
    this.shadowRoot.innerHTML = `<button type="button" class="opener"></button>
      ${dialogMarkup(titleId, `<div role="tablist">${tabs}</div>${panels}`)}`;
    wireDialog(this.part('dialog'));
    this.part('.opener').addEventListener('click', () => this.open());
    this.part('[role=tablist]').addEventListener('click', (event) => {
      const tab = event.target.closest('[role=tab]');
      if (tab) this.select(Number(tab.dataset.index));
    });
    new MutationObserver(() => this.assign()).observe(this, { childList: true });
    this.assign();
    this.select(0);
  }

  assign() {
    for (const slot of this.shadowRoot.querySelectorAll('slot[data-region]')) {
      const nodes = [...this.children].filter((child) => child.localName === slot.dataset.region);
      slot.assign(...nodes);
      slot.parentElement.hidden = nodes.length === 0;
    }
  }

  update() {
    const opener = this.part('.opener');
    opener.textContent = this.getAttribute('link-text') || 'Click for instructions';
    opener.className = this.getAttribute('link-type') === 'button' ? 'btn' : 'link';
    this.part('h2').textContent = 'Instructions';
  }

  select(index) {
    for (const tab of this.shadowRoot.querySelectorAll('[role=tab]')) {
      tab.setAttribute('aria-selected', String(Number(tab.dataset.index) === index));
    }
    for (const panel of this.shadowRoot.querySelectorAll('.panel')) {
      panel.hidden = Number(panel.dataset.index) !== index;
    }
  }

  open() {
    const dialog = this.part('dialog');
    if (!dialog.open) dialog.showModal();
  }

  close() {
    this.part('dialog').close();
  }
}
