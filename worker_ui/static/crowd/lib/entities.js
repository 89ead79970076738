// crowd-entity-annotation: highlight spans of a text and label them. The answer (AWS's
// documented shape), under the element's name:
//   {entities: [{endOffset: 54, label: "person", startOffset: 47}, ...]}
// Offsets count Unicode code points (not UTF-16 units), endOffset is exclusive. AWS documents
// the element as self-contained: outside a crowd-form it brings its own form and Submit button
// (the inner crowd-form is reachable as shadowRoot.querySelector('crowd-form').form, as AWS's
// sample uses it); inside a crowd-form it simply contributes its answer.
//
// Overlap, as AWS's instructions put it ("you can select all of a previously highlighted text,
// but not a portion of it"): a new span may hold whole labelled spans, but may not cut one or lie
// inside one. Choosing exactly a labelled span and another label changes its label.

import { CrowdElement, SHORTCUT_KEYS, escapeHtml, shortcutsEnabled, uniqueId } from './base.js';
import { parseLiteral } from './literal.js';
import { LABEL_COLORS } from './raster.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const ENTITY_CSS = `${TOOL_CSS}
:host { display: block; margin-bottom: 1em; }
.header { font-size: 1.25em; margin: 0 0 .5em; }
.annotation-area { display: flex; gap: 1em; align-items: flex-start; }
.work { flex: 1 1 auto; min-width: 0; }
.text { white-space: pre-wrap; line-height: 2.3; font-size: 1.05em; padding: .6em .8em;
  border: 1px solid #d5dbdb; border-radius: 3px; user-select: none; cursor: text;
  overflow-wrap: anywhere; }
.text span[data-i].selected { background: #b4d5fe !important; }
.text span[data-i].caret { box-shadow: inset 2px 0 0 #16191f; }
.text span.end-caret { box-shadow: inset 2px 0 0 #16191f; padding-left: 1px; }
.tag { font: inherit; font-size: .7em; font-weight: bold; vertical-align: super; margin: 0 .2em 0 .1em;
  padding: 0 .3em; border-radius: 3px; border: 2px solid; background: #fff; color: #16191f;
  cursor: pointer; line-height: 1.3; }
.side { flex: 0 0 250px; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip-path: inset(50%);
  white-space: nowrap; }
fieldset { border: 0; margin: 0; padding: 0; }
legend { font-weight: bold; margin-bottom: .3em; padding: 0; }
.choice { display: flex; align-items: center; gap: .5em; padding: .35em .5em; margin: 2px 0;
  border: 1px solid #d5dbdb; border-radius: 3px; cursor: pointer; }
.choice.checked { background: #f1faff; border-color: #0a5a8c; }
.choice input { margin: 0; }
.choice .text-label { flex: 1 1 auto; overflow-wrap: anywhere; }
.swatch { width: 1em; height: 1em; border-radius: 2px; flex: none; }
.hint { color: #414750; font-size: .85em; }
.own-form { display: block; margin-top: 1em; }
`;

const KEY_HELP = 'Highlight text with the mouse, or with Shift and the arrow keys (Ctrl+Shift: by '
  + 'word); Enter applies the chosen label; Delete removes the labels of the selected span.';

/** Labels as the element reads them: objects {label, shortDisplayName, fullDisplayName} or
 * plain strings. */
function readLabels(value) {
  if (value == null || value === '') return [];
  const parsed = typeof value === 'string' ? parseLiteral(value) : value;
  if (!Array.isArray(parsed)) throw new Error('labels must be a list');
  return parsed.map((item) => {
    const label = String(item && typeof item === 'object' ? item.label : item);
    const object = item && typeof item === 'object' ? item : {};
    return {
      label,
      shortDisplayName: String(object.shortDisplayName ?? label),
      fullDisplayName: String(object.fullDisplayName ?? label),
    };
  });
}

function readEntities(value) {
  if (value == null || value === '') return [];
  const parsed = typeof value === 'string' ? parseLiteral(value) : value;
  if (!Array.isArray(parsed)) return [];
  return parsed.filter((e) => e && Number.isInteger(e.startOffset) && Number.isInteger(e.endOffset))
    .map((e) => ({ label: String(e.label), startOffset: e.startOffset, endOffset: e.endOffset }));
}

export class CrowdEntityAnnotation extends CrowdElement {
  static css = ENTITY_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static upgradedProperties = ['labels', 'value', 'text'];
  static observedAttributes = ['header', 'labels', 'text', 'initial-value'];

  constructor() {
    super();
    this.labelsProperty = null;
    this.textProperty = null;
    this.entities = null; // set from initial-value on first render
    this.current = 0;
    this.anchor = 0; // selection: code point indices, start inclusive, end exclusive
    this.focusAt = 0;
  }

  get labels() {
    if (this.labelsProperty) return this.labelsProperty.map((l) => ({ ...l }));
    try {
      return readLabels(this.getAttribute('labels'));
    } catch {
      return [];
    }
  }

  set labels(value) {
    this.labelsProperty = readLabels(value);
    if (this.shadowRoot) this.renderLabels();
  }

  get text() { return this.textProperty ?? this.getAttribute('text') ?? ''; }

  set text(value) {
    this.textProperty = String(value ?? '');
    if (this.shadowRoot) this.renderText();
  }

  get header() { return this.getAttribute('header') || ''; }

  get chars() { return Array.from(this.text); }

  get value() {
    const entities = [...(this.entities || [])]
      .sort((a, b) => a.startOffset - b.startOffset || a.endOffset - b.endOffset)
      .map((e) => ({ endOffset: e.endOffset, label: e.label, startOffset: e.startOffset }));
    return { entities };
  }

  set value(value) {
    this.entities = readEntities(value && typeof value === 'object' && !Array.isArray(value)
      ? value.entities : value);
    if (this.shadowRoot) this.renderText();
  }

  render() {
    const headerId = uniqueId('header');
    const helpId = uniqueId('help');
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">
        <div class="work">
          <div class="text" tabindex="0" role="application" aria-roledescription="text annotation"
            aria-labelledby="${headerId}" aria-describedby="${helpId}"></div>
          <p class="selection-status" aria-live="polite"></p>
          <slot class="rest-slot"></slot>
        </div>
        <div class="side">
          <fieldset><legend>Labels</legend><div class="labels"></div></fieldset>
          <p class="error" role="alert"></p>
          <p class="hint" id="${helpId}">${escapeHtml(KEY_HELP)}</p>
        </div>
      </div>`);
    this.layout = new ToolLayout(this, { restSlot: this.shadowRoot.querySelector('.rest-slot') });
    if (this.entities === null) {
      try {
        this.entities = readEntities(this.getAttribute('initial-value'));
      } catch {
        this.entities = [];
      }
    }
    if (!this.closest('crowd-form')) this.addOwnForm();
    this.wire();
  }

  /** Self-contained use: a crowd-form of our own whose only named member answers for us. */
  addOwnForm() {
    const form = document.createElement('crowd-form');
    form.className = 'own-form';
    const proxy = document.createElement('div');
    proxy.hidden = true;
    proxy.setAttribute('name', this.name || 'crowd-entity-annotation');
    proxy.gtemuOutput = () => this.value;
    form.append(proxy);
    Object.defineProperty(form, 'form', { get: () => form });
    this.shadowRoot.querySelector('.work').append(form);
    this.ownForm = form;
  }

  update(attribute) {
    this.part('.header').textContent = this.header;
    if (!attribute || attribute === 'labels') this.renderLabels();
    if (attribute === 'initial-value') this.value = this.getAttribute('initial-value');
    if (!attribute || attribute === 'text') this.renderText();
  }

  renderLabels() {
    const list = this.part('.labels');
    let labels;
    try {
      labels = this.labelsProperty ?? readLabels(this.getAttribute('labels'));
    } catch (error) {
      list.textContent = '';
      this.showError(`This task's labels cannot be read: ${error.message}`);
      return;
    }
    const group = uniqueId('label');
    const shortcuts = shortcutsEnabled();
    list.innerHTML = labels.map((label, index) => {
      const key = shortcuts ? SHORTCUT_KEYS[index] : undefined;
      return `<label class="choice"><input type="radio" name="${group}" value="${index}"
        ${key ? `aria-keyshortcuts="${key}"` : ''}><span class="swatch" style="background:${this.color(index)}"></span>
        <span class="text-label">${escapeHtml(label.fullDisplayName)}</span>${key ? `<kbd aria-hidden="true">${key}</kbd>` : ''}</label>`;
    }).join('');
    if (this.current >= labels.length) this.current = 0;
    this.syncLabels();
    this.renderText();
  }

  color(index) {
    return LABEL_COLORS[index % LABEL_COLORS.length];
  }

  syncLabels() {
    for (const input of this.shadowRoot.querySelectorAll('.labels input')) {
      input.checked = Number(input.value) === this.current;
      input.closest('.choice').classList.toggle('checked', input.checked);
    }
  }

  selection() {
    return [Math.min(this.anchor, this.focusAt), Math.max(this.anchor, this.focusAt)];
  }

  renderText() {
    const box = this.part('.text');
    if (!box || this.entities === null) return;
    const chars = this.chars;
    const labels = this.labels;
    const index = new Map(labels.map((l, i) => [l.label, i]));
    const [start, end] = this.selection();
    // The innermost (shortest) entity over each code point colours it.
    const cover = new Array(chars.length).fill(null);
    const byLength = [...this.entities].sort((a, b) => (b.endOffset - b.startOffset) - (a.endOffset - a.startOffset));
    for (const entity of byLength) {
      for (let i = entity.startOffset; i < Math.min(entity.endOffset, chars.length); i += 1) cover[i] = entity;
    }
    const tagsAfter = new Map();
    this.entities.forEach((entity, number) => {
      const list = tagsAfter.get(entity.endOffset - 1) || [];
      list.push(number);
      tagsAfter.set(entity.endOffset - 1, list);
    });
    const caret = this.focusAt;
    const parts = [];
    chars.forEach((char, i) => {
      const entity = cover[i];
      const colorIndex = entity ? index.get(entity.label) ?? 0 : -1;
      const style = entity ? ` style="background:${this.color(colorIndex)}33;border-bottom:2px solid ${this.color(colorIndex)}"` : '';
      const classes = [i >= start && i < end ? 'selected' : '', start === end && i === caret ? 'caret' : ''].join(' ').trim();
      parts.push(`<span data-i="${i}"${classes ? ` class="${classes}"` : ''}${style}>${escapeHtml(char)}</span>`);
      for (const number of tagsAfter.get(i) || []) {
        const tagged = this.entities[number];
        const label = labels[index.get(tagged.label)] || { shortDisplayName: tagged.label, fullDisplayName: tagged.label };
        const words = chars.slice(tagged.startOffset, tagged.endOffset).join('');
        parts.push(`<button type="button" class="tag" data-entity="${number}" tabindex="-1"
          style="border-color:${this.color(index.get(tagged.label) ?? 0)}">${escapeHtml(label.shortDisplayName)}<span
          aria-hidden="true"> \u00d7</span><span class="sr-only">, remove ${escapeHtml(label.fullDisplayName)}: ${escapeHtml(words)}</span></button>`);
      }
    });
    if (start === end && caret >= chars.length) parts.push('<span class="end-caret"></span>');
    box.innerHTML = parts.join('');
    const status = this.part('.selection-status');
    status.textContent = start < end ? `Selected: “${chars.slice(start, end).join('')}” (${start}–${end})` : '';
  }

  /** Trims white space off the ends of the selection (workers mean the words). */
  trimmed(start, end) {
    const chars = this.chars;
    while (start < end && /\s/u.test(chars[start])) start += 1;
    while (end > start && /\s/u.test(chars[end - 1])) end -= 1;
    return [start, end];
  }

  /** Labels [start, end) with the chosen label, if the overlap rule allows it. */
  apply(start, end) {
    [start, end] = this.trimmed(start, end);
    const label = this.labels[this.current];
    if (start >= end || !label) return false;
    const relabel = this.entities.some((e) => e.startOffset === start && e.endOffset === end);
    for (const entity of relabel ? [] : this.entities) {
      const same = entity.startOffset === start && entity.endOffset === end;
      const holdsWhole = start <= entity.startOffset && entity.endOffset <= end;
      const apart = entity.endOffset <= start || end <= entity.startOffset;
      if (!same && !holdsWhole && !apart) {
        this.showError('A highlight may hold whole labelled spans but not part of one.');
        return false;
      }
    }
    this.entities = this.entities.filter((e) => !(e.startOffset === start && e.endOffset === end));
    this.entities.push({ label: label.label, startOffset: start, endOffset: end });
    this.showError('');
    this.anchor = end;
    this.focusAt = end;
    this.changed();
    return true;
  }

  removeEntity(number) {
    this.entities.splice(number, 1);
    this.changed();
  }

  changed() {
    this.renderText();
    this.dispatchEvent(new Event('change', { bubbles: true }));
  }

  wire() {
    const root = this.shadowRoot;
    const box = root.querySelector('.text');
    root.querySelector('.labels').addEventListener('change', (event) => {
      this.current = Number(event.target.value);
      this.syncLabels();
    });
    let drag = null;
    const charAt = (event) => {
      const target = event.composedPath()[0];
      const span = target instanceof Element ? target.closest('[data-i]') : null;
      return span ? Number(span.dataset.i) : null;
    };
    box.addEventListener('click', (event) => {
      const tag = event.target.closest('.tag');
      if (!tag) return;
      this.removeEntity(Number(tag.dataset.entity));
      box.focus({ preventScroll: true });
    });
    box.addEventListener('pointerdown', (event) => {
      if (event.button !== 0 || event.target.closest('.tag')) return;
      const at = charAt(event);
      if (at === null) return;
      event.preventDefault();
      box.focus({ preventScroll: true });
      drag = { from: at, moved: false };
      this.anchor = at;
      this.focusAt = at + 1;
      this.renderText();
    });
    box.addEventListener('pointermove', (event) => {
      if (!drag) return;
      const at = charAt(event);
      if (at === null) return;
      drag.moved = drag.moved || at !== drag.from;
      this.anchor = Math.min(drag.from, at);
      this.focusAt = Math.max(drag.from, at) + 1;
      this.renderText();
    });
    box.addEventListener('pointerup', () => {
      if (!drag) return;
      const { moved, from } = drag;
      drag = null;
      // A click on labelled text selects its span (to change its label); a drag labels at once.
      const inner = this.entities.filter((e) => e.startOffset <= from && from < e.endOffset)
        .sort((a, b) => (a.endOffset - a.startOffset) - (b.endOffset - b.startOffset))[0];
      if (!moved && inner) {
        this.anchor = inner.startOffset;
        this.focusAt = inner.endOffset;
        this.renderText();
        return;
      }
      if (moved) {
        this.apply(...this.selection());
      } else {
        // A plain click places the caret (keyboard selection continues from there).
        this.anchor = from;
        this.focusAt = from;
        this.renderText();
      }
    });
    box.addEventListener('dblclick', (event) => {
      const at = charAt(event);
      if (at !== null) this.selectWord(at);
    });
    box.addEventListener('keydown', (event) => this.textKey(event));
    this.addEventListener('keydown', (event) => this.shortcutKey(event));
  }

  selectWord(at) {
    const chars = this.chars;
    const word = /[\p{L}\p{N}_'’-]/u;
    if (!word.test(chars[at] || '')) return;
    let start = at;
    let end = at + 1;
    while (start > 0 && word.test(chars[start - 1])) start -= 1;
    while (end < chars.length && word.test(chars[end])) end += 1;
    this.apply(start, end);
  }

  /** Next word boundary from `at` in direction `step` (±1). */
  wordBoundary(at, step) {
    const chars = this.chars;
    const isWord = (i) => /[\p{L}\p{N}_]/u.test(chars[i] || '');
    let i = at;
    if (step > 0) {
      while (i < chars.length && !isWord(i)) i += 1;
      while (i < chars.length && isWord(i)) i += 1;
    } else {
      while (i > 0 && !isWord(i - 1)) i -= 1;
      while (i > 0 && isWord(i - 1)) i -= 1;
    }
    return i;
  }

  textKey(event) {
    const length = this.chars.length;
    const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
    if (step || event.key === 'Home' || event.key === 'End') {
      let to;
      if (event.key === 'Home') to = 0;
      else if (event.key === 'End') to = length;
      else if (event.ctrlKey || event.metaKey) to = this.wordBoundary(this.focusAt, step);
      else to = Math.min(length, Math.max(0, this.focusAt + step));
      this.focusAt = to;
      if (!event.shiftKey) this.anchor = to;
      this.renderText();
    } else if (event.key === 'Enter' && !(event.ctrlKey || event.metaKey)) {
      this.apply(...this.selection());
    } else if (event.key === 'Delete' || event.key === 'Backspace') {
      const [start, end] = this.trimmed(...this.selection());
      const before = this.entities.length;
      this.entities = this.entities.filter((e) => !(e.startOffset === start && e.endOffset === end));
      if (this.entities.length !== before) this.changed();
    } else if (event.key === 'Escape') {
      this.anchor = this.focusAt;
      this.renderText();
    } else {
      return;
    }
    event.preventDefault();
  }

  /** Number keys choose a label (and label the selection); Ctrl+Enter submits our own form. */
  shortcutKey(event) {
    if (event.defaultPrevented) return;
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey) && this.ownForm && shortcutsEnabled()) {
      event.preventDefault();
      this.ownForm.requestSubmit(null);
      return;
    }
    const target = event.composedPath()[0];
    if (event.ctrlKey || event.metaKey || event.altKey || !shortcutsEnabled()) return;
    if (target instanceof HTMLInputElement && target.type !== 'radio') return;
    if (target instanceof HTMLTextAreaElement || target?.isContentEditable) return;
    const number = SHORTCUT_KEYS.indexOf(event.key);
    if (number < 0 || number >= this.labels.length) return;
    event.preventDefault();
    this.current = number;
    this.syncLabels();
    const [start, end] = this.selection();
    if (start < end) this.apply(start, end);
  }

  gtemuOutput() {
    return this.value;
  }

  gtemuReset() {
    this.entities = [];
    this.changed();
  }

  showError(message) {
    this.part('.error').textContent = message;
  }
}

/** Ctrl+Enter (Cmd+Enter) with the focus outside any form submits the page's first
 * self-contained crowd-entity-annotation (a page with a crowd-form submits that instead). */
export function installEntitySubmitShortcut() {
  document.addEventListener('keydown', (event) => {
    if (event.key !== 'Enter' || !(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
    if (event.defaultPrevented || !shortcutsEnabled() || document.querySelector('crowd-form')) return;
    if (event.composedPath().some((node) => node instanceof HTMLDialogElement)) return;
    const tool = [...document.querySelectorAll('crowd-entity-annotation')].find((node) => node.ownForm);
    if (!tool) return;
    event.preventDefault();
    tool.ownForm.requestSubmit(null);
  });
}
