// crowd-image-classifier(-multi-select), crowd-classifier(-multi-select) and their regions
// (docs/elements.md#documented-attributes-and-regions). Outputs: {"label": "<cat>"} or {"labels": [...]}, plus "workerComment".
// The image classifiers draw an `overlay` (an earlier job's boxes or label map) over the image,
// see overlay.js.

import {
  CrowdElement, SHORTCUT_KEYS, escapeHtml, isTyping, shortcutsEnabled, uniqueId,
} from './base.js';
import { categoryText, parseCategories, parseExclusionCategory } from './literal.js';
import {
  ImageOverlay, OVERLAY_CSS, OVERLAY_PANEL_MARKUP,
} from './overlay.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const CLASSIFIER_CSS = `${TOOL_CSS}${OVERLAY_CSS}
:host { display: block; height: calc(100vh - 90px); min-height: 420px; margin-bottom: 1em; }
.header { font-size: 1.25em; margin: 0 0 .5em; }
.annotation-area { display: flex; gap: 1em; flex: 1 1 auto; min-height: 0; }
.target { flex: 1 1 auto; min-width: 0; min-height: 0; overflow: auto; position: relative; }
.image-panel { position: relative; overflow: hidden; height: 100%; background: #f2f3f3;
  border: 1px solid #d5dbdb; cursor: grab; touch-action: none; }
.image-panel.dragging { cursor: grabbing; }
.image-panel img { position: absolute; left: 0; top: 0; width: 100%; height: 100%;
  object-fit: contain; user-select: none; -webkit-user-drag: none; }
.zoom-controls { position: absolute; right: .5em; top: .5em; display: flex; gap: .3em; }
.zoom-controls button { background: #fff; border: 1px solid #545b64; border-radius: 2px;
  min-width: 2em; min-height: 2em; cursor: pointer; color: #16191f; }
.image-error { position: absolute; inset: auto 0 0 0; background: #fff; margin: 0; padding: .5em; }
.category-picker-wrapper { flex: 0 0 260px; overflow: auto; }
fieldset { border: 0; margin: 0; padding: 0; }
legend { font-weight: bold; margin-bottom: .4em; padding: 0; }
.category { display: flex; align-items: center; gap: .5em; padding: .45em .5em; margin: 2px 0;
  border: 1px solid #d5dbdb; border-radius: 3px; cursor: pointer; }
.category:hover { background: #f2f8fd; }
.category.checked { background: #f1faff; border-color: #0a5a8c; }
.category input { margin: 0; width: 1.1em; height: 1.1em; flex: none; }
.category .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.exclusion { margin-top: .8em; }
.shortcuts-hint { color: #414750; font-size: .85em; margin: .6em 0 0; }
`;

export const CLASSIFIER_TAGS = [
  'crowd-image-classifier-multi-select', 'crowd-image-classifier',
  'crowd-classifier', 'crowd-classifier-multi-select',
];

const SHORTCUT_HINT = 'Number keys choose categories; Ctrl+Enter submits.';
const OVERLAY_HINT = ' O shows or hides the overlay.';

/** Common to the four classifiers; subclasses set `multiple` and `image`. */
export class ClassifierTool extends CrowdElement {
  static css = CLASSIFIER_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static upgradedProperties = ['categories', 'exclusionCategory', 'header', 'src', 'value'];
  static observedAttributes = ['categories', 'exclusion-category', 'header', 'src', 'overlay'];
  static multiple = false;
  static image = false;

  constructor() {
    super();
    this.categoriesProperty = null;
    this.exclusionProperty = undefined;
    this.selected = new Set();
    this.zoom = { scale: 1, x: 0, y: 0 };
  }

  get categories() {
    if (this.categoriesProperty) return [...this.categoriesProperty];
    try {
      return parseCategories(this.getAttribute('categories'));
    } catch {
      return [];
    }
  }

  set categories(value) {
    this.categoriesProperty = typeof value === 'string' ? parseCategories(value)
      : Array.from(value ?? [], categoryText);
    if (this.shadowRoot) this.renderCategories();
  }

  get exclusionCategory() {
    if (!this.constructor.multiple) return null;
    if (this.exclusionProperty !== undefined) return this.exclusionProperty;
    try {
      return parseExclusionCategory(this.getAttribute('exclusion-category'));
    } catch {
      return null;
    }
  }

  set exclusionCategory(value) {
    this.exclusionProperty = parseExclusionCategory(value);
    if (this.shadowRoot) this.renderCategories();
  }

  get header() { return this.getAttribute('header') || ''; }

  set header(value) { this.setAttribute('header', value); }

  get src() { return this.getAttribute('src') || ''; }

  set src(value) { this.setAttribute('src', value); }

  /** What `value` reads, as on AWS: the single-choice classifiers give the chosen category's
   * name ('' when none), so a script can read `event.target.value` on `change`; the
   * multi-select ones give the answer object ({labels: [...]}). Submitting posts `answer()`. */
  get value() {
    if (this.constructor.multiple) return this.answer();
    return this.chosenLabels()[0] ?? '';
  }

  /** Takes a category name (single-choice); a list of names or {labels: [...]} (multi-select);
   * '' or null clears. {label: name} is accepted too, as the earlier answer-shaped form. */
  set value(value) {
    let labels = [];
    if (Array.isArray(value)) labels = value;
    else if (value && typeof value === 'object') labels = value.labels ?? (value.label == null ? [] : [value.label]);
    else if (value != null && value !== '') labels = [value];
    labels = Array.from(labels, String);
    if (!this.constructor.multiple) labels = labels.slice(0, 1);
    this.selected = new Set(labels);
    if (this.shadowRoot) this.syncInputs();
  }

  chosenLabels() {
    return this.choices().filter((label) => this.selected.has(label));
  }

  /** The posted answer: {labels: [...]} or {label: "..."} (label null when none chosen), plus
   * workerComment when the worker wrote one. */
  answer() {
    const chosen = this.chosenLabels();
    const output = this.constructor.multiple ? { labels: chosen } : { label: chosen[0] ?? null };
    const comment = this.querySelector(':scope > worker-comment');
    const text = comment && typeof comment.commentText === 'string' ? comment.commentText : '';
    if (text) output.workerComment = text;
    return output;
  }

  choices() {
    const exclusion = this.exclusionCategory;
    return exclusion === null ? this.categories : [...this.categories, exclusion];
  }

  render() {
    const headerId = uniqueId('header');
    const target = this.constructor.image
      ? `<div class="image-panel">
           <div class="layer">
             <img alt="Image to classify" draggable="false">
             <div class="overlay" hidden></div>
           </div>
           <div class="zoom-controls">
             <button type="button" class="zoom-in" aria-label="Zoom in">+</button>
             <button type="button" class="zoom-out" aria-label="Zoom out">\u2212</button>
             <button type="button" class="zoom-reset" aria-label="Fit image to panel">\u2922</button>
           </div>
           <p class="image-error" role="alert" hidden>The image could not be loaded.</p>
           <p class="overlay-error" role="alert" hidden></p>
         </div>`
      : '<slot class="target-slot"></slot>';
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">
        <div class="target">${target}</div>
        <div class="category-picker-wrapper">
          ${this.constructor.image ? OVERLAY_PANEL_MARKUP : ''}
          <fieldset aria-describedby="${headerId}"><legend>Categories</legend>
            <div class="categories"></div></fieldset>
          <p class="error" role="alert"></p>
          <p class="shortcuts-hint"></p>
          <slot class="comment-slot"></slot>
        </div>
      </div>`);
    const root = this.shadowRoot;
    const regionSlots = { 'worker-comment': root.querySelector('.comment-slot') };
    if (!this.constructor.image) regionSlots['classification-target'] = root.querySelector('.target-slot');
    this.layout = new ToolLayout(this, { regionSlots });
    root.querySelector('.categories').addEventListener('change', (event) => {
      this.choose(event.target.value, event.target.checked);
    });
    if (this.constructor.image) this.wireImagePanel();
  }

  update(attribute) {
    const root = this.shadowRoot;
    root.querySelector('.header').textContent = this.header;
    if (this.constructor.image && (!attribute || attribute === 'src')) this.loadImage();
    if (this.constructor.image && (!attribute || attribute === 'overlay')) {
      this.overlay.set(this.getAttribute('overlay'));
      this.renderHint();
    }
    if (!attribute || attribute === 'categories' || attribute === 'exclusion-category') {
      this.renderCategories();
    }
  }

  renderCategories() {
    const root = this.shadowRoot;
    const list = root.querySelector('.categories');
    let categories;
    let exclusion;
    try {
      categories = this.categoriesProperty ?? parseCategories(this.getAttribute('categories'));
      exclusion = this.constructor.multiple && this.exclusionProperty === undefined
        ? parseExclusionCategory(this.getAttribute('exclusion-category')) : this.exclusionCategory;
    } catch (error) {
      list.textContent = '';
      this.showError(`This task's categories cannot be read: ${error.message}`);
      return;
    }
    const shortcuts = shortcutsEnabled();
    const type = this.constructor.multiple ? 'checkbox' : 'radio';
    const group = uniqueId('category');
    const item = (label, index, extraClass) => {
      const key = shortcuts ? SHORTCUT_KEYS[index] : undefined;
      const hint = key ? `<kbd aria-hidden="true">${key}</kbd>` : '';
      const keyAttribute = key ? ` aria-keyshortcuts="${key}"` : '';
      return `<label class="category ${extraClass}"><input type="${type}" name="${group}"
        value="${escapeHtml(label)}"${keyAttribute}><span class="text">${escapeHtml(label)}</span>${hint}</label>`;
    };
    let markup = categories.map((label, index) => item(label, index, '')).join('');
    if (exclusion !== null) {
      markup += `<div class="exclusion">${item(exclusion, categories.length, 'exclusion-category')}</div>`;
    }
    list.innerHTML = markup;
    this.renderHint();
    this.syncInputs();
  }

  renderHint() {
    const shortcuts = shortcutsEnabled();
    const overlay = this.overlay && this.overlay.active ? OVERLAY_HINT : '';
    const hint = shortcuts && this.categories.length ? SHORTCUT_HINT + overlay : '';
    this.shadowRoot.querySelector('.shortcuts-hint').textContent = hint;
  }

  /** The `o` key: shows or hides the overlay; false when there is none. */
  toggleOverlay() {
    return Boolean(this.overlay && this.overlay.toggle());
  }

  syncInputs() {
    for (const input of this.shadowRoot.querySelectorAll('.categories input')) {
      input.checked = this.selected.has(input.value);
      input.closest('.category').classList.toggle('checked', input.checked);
    }
  }

  /** Chooses or clears one label; the exclusion category excludes the others (docs/elements.md#the-exclusion-category). */
  choose(label, on) {
    const exclusion = this.exclusionCategory;
    if (!this.constructor.multiple) {
      this.selected = new Set(on ? [label] : []);
    } else if (on) {
      if (label === exclusion) this.selected.clear();
      else this.selected.delete(exclusion);
      this.selected.add(label);
    } else {
      this.selected.delete(label);
    }
    this.syncInputs();
    if (this.selected.size) this.showError('');
    this.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /** Number key `index` (0-based): toggles (multi) or chooses (single) that category. */
  shortcut(index) {
    const label = this.choices()[index];
    if (label === undefined) return false;
    const on = this.constructor.multiple ? !this.selected.has(label) : true;
    this.choose(label, on);
    const input = [...this.shadowRoot.querySelectorAll('.categories input')][index];
    if (input) input.focus({ preventScroll: true });
    return true;
  }

  gtemuOutput() {
    return this.answer();
  }

  gtemuValidate() {
    if (this.selected.size) return '';
    return this.constructor.multiple ? 'Please choose at least one category.' : 'Please choose a category.';
  }

  gtemuShowError(message) {
    this.showError(message);
    const first = this.shadowRoot.querySelector('.categories input');
    if (first) first.focus();
  }

  gtemuReset() {
    this.selected.clear();
    this.syncInputs();
    this.showError('');
  }

  showError(message) {
    this.shadowRoot.querySelector('.error').textContent = message;
  }

  // Image panel: the image fills the panel; the wheel zooms around the pointer, dragging pans.
  loadImage() {
    const root = this.shadowRoot;
    const image = root.querySelector('.image-panel img');
    root.querySelector('.image-error').hidden = true;
    this.zoom = { scale: 1, x: 0, y: 0 };
    this.applyZoom();
    if (this.src) image.src = this.src;
    else image.removeAttribute('src');
  }

  /** The image and its overlay zoom and pan as one layer; `--zoom` keeps the overlay's lines
   * and label text the same size on screen at every zoom. */
  applyZoom() {
    const { scale, x, y } = this.zoom;
    const layer = this.shadowRoot.querySelector('.image-panel .layer');
    layer.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    layer.style.setProperty('--zoom', String(scale));
  }

  zoomAt(factor, pointX, pointY) {
    const { scale, x, y } = this.zoom;
    const next = Math.min(20, Math.max(1, scale * factor));
    if (next === 1) {
      this.zoom = { scale: 1, x: 0, y: 0 };
    } else {
      const ratio = next / scale;
      this.zoom = { scale: next, x: pointX - (pointX - x) * ratio, y: pointY - (pointY - y) * ratio };
    }
    this.applyZoom();
  }

  wireImagePanel() {
    const root = this.shadowRoot;
    const panel = root.querySelector('.image-panel');
    const image = panel.querySelector('img');
    this.overlay = new ImageOverlay({
      picture: panel.querySelector('.overlay'),
      panel: root.querySelector('.overlay-panel'),
      message: panel.querySelector('.overlay-error'),
      image,
    });
    image.addEventListener('error', () => {
      if (image.getAttribute('src')) root.querySelector('.image-error').hidden = false;
      this.overlay.layout();
    });
    image.addEventListener('load', () => this.overlay.layout());
    new ResizeObserver(() => this.overlay.layout()).observe(panel);
    panel.addEventListener('wheel', (event) => {
      event.preventDefault();
      const box = panel.getBoundingClientRect();
      this.zoomAt(Math.exp(-event.deltaY / 500), event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
    const center = () => [panel.clientWidth / 2, panel.clientHeight / 2];
    root.querySelector('.zoom-in').addEventListener('click', () => this.zoomAt(1.25, ...center()));
    root.querySelector('.zoom-out').addEventListener('click', () => this.zoomAt(0.8, ...center()));
    root.querySelector('.zoom-reset').addEventListener('click', () => this.zoomAt(0, 0, 0));
    let drag = null;
    panel.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || event.target.closest('button')) return;
      drag = { id: event.pointerId, x: event.clientX - this.zoom.x, y: event.clientY - this.zoom.y };
      panel.setPointerCapture(event.pointerId);
      panel.classList.add('dragging');
    });
    panel.addEventListener('pointermove', (event) => {
      if (!drag || event.pointerId !== drag.id) return;
      this.zoom = { ...this.zoom, x: event.clientX - drag.x, y: event.clientY - drag.y };
      this.applyZoom();
    });
    const stop = () => {
      drag = null;
      panel.classList.remove('dragging');
    };
    panel.addEventListener('pointerup', stop);
    panel.addEventListener('pointercancel', stop);
  }
}

export class CrowdImageClassifierMultiSelect extends ClassifierTool {
  static multiple = true;
  static image = true;
}

export class CrowdImageClassifier extends ClassifierTool {
  static image = true;
}

export class CrowdClassifier extends ClassifierTool {}

export class CrowdClassifierMultiSelect extends ClassifierTool {
  static multiple = true;
}

/** Regions: plain containers; their parent tool places them. */
export class Region extends HTMLElement {}

const COMMENT_CSS = `
:host { display: block; margin-top: 1em; }
textarea { width: 100%; font: inherit; padding: .4em; border: 1px solid #879596; border-radius: 2px; }
label { display: block; font-weight: bold; margin: .5em 0 .3em; }
`;

/** worker-comment: a link that opens a comment box; the parent classifier reads commentText. */
export class WorkerComment extends CrowdElement {
  static css = COMMENT_CSS;
  static observedAttributes = ['header', 'link-text', 'placeholder'];

  render() {
    const fieldId = uniqueId('comment');
    this.shadowRoot.innerHTML = `<button type="button" class="link open" aria-expanded="false"></button>
      <div class="box" hidden><slot></slot>
        <label for="${fieldId}"></label><textarea id="${fieldId}" rows="3"></textarea></div>`;
    const open = this.part('.open');
    open.addEventListener('click', () => {
      const box = this.part('.box');
      box.hidden = !box.hidden;
      open.setAttribute('aria-expanded', String(!box.hidden));
      if (!box.hidden) this.part('textarea').focus();
    });
  }

  update() {
    this.part('.open').textContent = this.getAttribute('link-text') || 'Add a comment.';
    this.part('label').textContent = this.getAttribute('header') || 'Add a comment.';
    this.part('textarea').placeholder = this.getAttribute('placeholder') || '';
  }

  get commentText() {
    return this.shadowRoot ? this.part('textarea').value.trim() : '';
  }

  gtemuReset() {
    this.part('textarea').value = '';
  }
}

/** Number keys 1-9, 0 pick categories of the classifier holding the focus (else the first one). */
export function installCategoryShortcuts() {
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const index = SHORTCUT_KEYS.indexOf(event.key);
    const overlayKey = event.key === 'o' || event.key === 'O';
    if ((index < 0 && !overlayKey) || !shortcutsEnabled()) return;
    const path = event.composedPath();
    if (isTyping(path[0]) || path.some((node) => node instanceof HTMLDialogElement)) return;
    const tool = path.find((node) => node instanceof ClassifierTool)
      ?? [...document.querySelectorAll(CLASSIFIER_TAGS.join(','))]
        .find((node) => node instanceof ClassifierTool);
    if (!tool) return;
    if (overlayKey ? tool.toggleOverlay() : tool.shortcut(index)) event.preventDefault();
  });
}
