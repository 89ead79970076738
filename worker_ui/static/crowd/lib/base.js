// Shared pieces of the gtemu crowd elements: the base class, styles, shortcut switch, helpers.

export const SHORTCUT_KEYS = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'];

/** gtemu's keyboard shortcuts (number keys, Ctrl+Enter); off for strict fidelity with
 * <meta name="gtemu-shortcuts" content="off">, window.GTEMU_SHORTCUTS = false or
 * window.GTEMU_TASK = {shortcuts: false}. */
export function shortcutsEnabled() {
  const meta = document.querySelector('meta[name="gtemu-shortcuts"]');
  if (meta && /^\s*(off|false|no|0)\s*$/i.test(meta.getAttribute('content') || '')) return false;
  if (window.GTEMU_SHORTCUTS === false) return false;
  const task = window.GTEMU_TASK;
  return !(task && task.shortcuts === false);
}

export function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

let nextId = 0;
export function uniqueId(prefix) {
  nextId += 1;
  return `gtemu-${prefix}-${nextId}`;
}

/** Whether a key press is typing into a field (so it is not a shortcut). */
export function isTyping(target) {
  if (!(target instanceof Element)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (!(target instanceof HTMLInputElement)) return false;
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file', 'image']
    .includes(target.type);
}

export const BASE_CSS = `
:host { font-family: "Amazon Ember", "Helvetica Neue", Roboto, Arial, sans-serif; color: #16191f; }
:host([hidden]), [hidden] { display: none !important; }
*, *::before, *::after { box-sizing: border-box; }
:focus-visible { outline: 3px solid #0a4a74; outline-offset: 2px; }
button { font: inherit; }
.link { background: none; border: 0; padding: 0; color: #0a5a8c; text-decoration: underline;
  cursor: pointer; font: inherit; }
.error { color: #b0281a; font-weight: bold; margin: .4em 0; }
.error:empty { display: none; }
kbd { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .8em; color: #414750;
  border: 1px solid #879596; border-radius: 3px; padding: 0 .35em; background: #f2f3f3; }
.btn { display: inline-flex; align-items: center; gap: .4em; border-radius: 2px; cursor: pointer;
  padding: .4em 1.2em; border: 1px solid #545b64; background: #fff; color: #16191f;
  font-weight: bold; min-height: 2.2em; }
.btn:hover { background: #f2f3f3; }
.btn.primary { background: #0a5a8c; border-color: #0a5a8c; color: #fff; }
.btn.primary:hover { background: #0a4a74; }
.btn.link { border-color: transparent; background: none; color: #0a5a8c; text-decoration: underline; }
.btn:disabled, .btn[aria-disabled="true"] { background: #eaeded; border-color: #d5dbdb;
  color: #5f6b7a; cursor: default; }
dialog.awsui-modal-dialog { border: 0; border-radius: 4px; padding: 0; width: min(90vw, 820px);
  max-height: 85vh; box-shadow: 0 4px 20px rgba(0,0,0,.35); color: #16191f; }
dialog.awsui-modal-dialog::backdrop { background: rgba(22,25,31,.6); }
.awsui-modal-header { display: flex; justify-content: space-between; align-items: center;
  padding: .8em 1.2em; border-bottom: 1px solid #eaeded; }
.awsui-modal-header h2 { margin: 0; font-size: 1.2em; }
.awsui-modal-content { padding: 1em 1.2em; overflow: auto; max-height: calc(85vh - 4em); }
.close { background: none; border: 0; font-size: 1.5em; line-height: 1; cursor: pointer;
  color: #414750; padding: .1em .3em; }
`;

const sheets = new Map();
/** One constructed style sheet per CSS text, shared by every shadow root that adopts it. */
export function styleSheet(cssText) {
  let sheet = sheets.get(cssText);
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(cssText);
    sheets.set(cssText, sheet);
  }
  return sheet;
}

/** Base class: an open shadow root rendered once on first connection. Subclasses implement
 * render() (build the shadow DOM) and update() (reflect attributes), and, if they contribute to
 * the answer, gtemuOutput() / gtemuValidate() / gtemuShowError(message) / gtemuReset(). */
export class CrowdElement extends HTMLElement {
  static css = '';
  static upgradedProperties = [];
  static shadowOptions = {};

  connectedCallback() {
    if (!this.shadowRoot) {
      this.upgradeProperties();
      const root = this.attachShadow({ mode: 'open', ...this.constructor.shadowOptions });
      root.adoptedStyleSheets = [styleSheet(BASE_CSS), styleSheet(this.constructor.css)];
      this.render();
      this.update();
    }
  }

  attributeChangedCallback(name, oldValue, newValue) {
    if (this.shadowRoot && oldValue !== newValue) this.update(name);
  }

  // A template's inline script may set a property before the element is defined; that value
  // shadows our accessor on the instance, so move it through the accessor now.
  upgradeProperties() {
    for (const property of this.constructor.upgradedProperties) {
      if (Object.hasOwn(this, property)) {
        const value = this[property];
        delete this[property];
        this[property] = value;
      }
    }
  }

  render() {}

  update() {}

  flag(name) {
    return this.hasAttribute(name);
  }

  setFlag(name, on) {
    this.toggleAttribute(name, Boolean(on));
  }

  part(selector) {
    return this.shadowRoot.querySelector(selector);
  }

  get name() {
    return this.getAttribute('name') || '';
  }

  set name(value) {
    this.setAttribute('name', value);
  }
}

/** A modal built on <dialog> (Esc closes it natively), with the class name templates style. */
export function dialogMarkup(titleId, contentHtml) {
  return `<dialog class="awsui-modal-dialog" aria-labelledby="${titleId}">
    <div class="awsui-modal-header"><h2 id="${titleId}"></h2>
      <button type="button" class="close" aria-label="Close">\u00d7</button></div>
    <div class="awsui-modal-content">${contentHtml}</div>
  </dialog>`;
}

export function wireDialog(dialog) {
  dialog.querySelector('.close').addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog box) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target !== dialog) return;
    const box = dialog.getBoundingClientRect();
    const inside = event.clientX >= box.left && event.clientX <= box.right
      && event.clientY >= box.top && event.clientY <= box.bottom;
    if (!inside) dialog.close();
  });
}
