// Amazon Augmented AI's review elements. Their answers sit under the key of the AWS integration
// the human loop came from (A2I's output data, humanAnswers[].answerContent):
//   crowd-textract-analyze-document:
//     {"AWS/Textract/AnalyzeDocument/Forms/V1": {blocks: [{blockType, id, relationships,
//       entityTypes, text, ...}]}}
//   crowd-rekognition-detect-moderation-labels:
//     {"AWS/Rekognition/DetectModerationLabels/Image/V3": {moderationLabels: [...]}}
// gtemu gives the element that key as its `name` when the template sets none, so crowd-form's
// answer object holds it as AWS's does.

import { CrowdElement, escapeHtml, uniqueId } from './base.js';
import { parseExclusionCategory, parseLiteral } from './literal.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

export const TEXTRACT_KEY = 'AWS/Textract/AnalyzeDocument/Forms/V1';
export const REKOGNITION_KEY = 'AWS/Rekognition/DetectModerationLabels/Image/V3';

const A2I_CSS = `${TOOL_CSS}
:host { display: block; margin-bottom: 1em; }
.header { font-size: 1.25em; margin: 0 0 .5em; }
.annotation-area { display: flex; gap: 1em; align-items: flex-start; }
.document { flex: 1 1 auto; min-width: 0; max-height: calc(100vh - 140px); overflow: auto;
  border: 1px solid #d5dbdb; background: #f2f3f3; position: relative; }
.page { position: relative; width: 100%; }
.page img { display: block; width: 100%; user-select: none; }
.box { position: absolute; border: 2px solid #0a5a8c; background: rgba(10, 90, 140, .08);
  pointer-events: none; }
.box.value { border-color: #1d8102; background: rgba(29, 129, 2, .08); }
.box.active { border-width: 3px; background: rgba(255, 153, 0, .25); border-color: #d45b07; }
.zoom { position: sticky; top: .4em; left: .4em; z-index: 1; display: flex; gap: .3em; padding: .3em; }
.zoom button { background: #fff; border: 1px solid #545b64; border-radius: 2px; min-width: 2em;
  min-height: 2em; cursor: pointer; color: #16191f; }
.side { flex: 0 0 340px; max-height: calc(100vh - 140px); overflow: auto; }
.pair { border: 1px solid #d5dbdb; border-radius: 3px; padding: .5em .7em; margin: 0 0 .6em; }
.pair.active { border-color: #d45b07; }
.pair legend { font-weight: bold; padding: 0 .2em; }
.pair label { display: block; margin: .3em 0; }
.pair input[type=text] { width: 100%; font: inherit; padding: .3em; border: 1px solid #879596;
  border-radius: 2px; }
.pair .check { display: flex; align-items: center; gap: .4em; }
fieldset.categories { border: 0; margin: 0; padding: 0; }
fieldset.categories legend { font-weight: bold; margin-bottom: .3em; padding: 0; }
.category { display: flex; align-items: center; gap: .5em; padding: .4em .5em; margin: 2px 0;
  border: 1px solid #d5dbdb; border-radius: 3px; cursor: pointer; }
.category.checked { background: #f1faff; border-color: #0a5a8c; }
.category .parent { color: #414750; font-size: .85em; }
.exclusion { margin-top: .8em; }
.exclusion[aria-pressed="true"] { background: #0a5a8c; color: #fff; }
.image-error { margin: 0; padding: .5em; background: #fff; }
`;

function readLiteral(value, fallback) {
  if (value == null || value === '') return fallback;
  if (typeof value !== 'string') return value;
  try {
    return parseLiteral(value);
  } catch {
    return fallback;
  }
}

/** Textract's keys (`BlockType`, `Geometry.BoundingBox`) as the element writes them. */
function lowerCamel(value) {
  if (Array.isArray(value)) return value.map(lowerCamel);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value)
      .map(([key, item]) => [key.charAt(0).toLowerCase() + key.slice(1), lowerCamel(item)]));
  }
  return value;
}

/** Image panel with zoom buttons shared by both elements. */
function documentMarkup(alt) {
  return `<div class="document">
      <div class="zoom"><button type="button" class="zoom-in" aria-label="Zoom in">+</button>
        <button type="button" class="zoom-out" aria-label="Zoom out">\u2212</button>
        <button type="button" class="zoom-reset" aria-label="Fit image to panel">\u2922</button></div>
      <div class="page"><img alt="${escapeHtml(alt)}" draggable="false"><div class="boxes"></div></div>
      <p class="image-error" role="alert" hidden>The image could not be loaded.</p>
    </div>`;
}

class A2IElement extends CrowdElement {
  static css = A2I_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static answerKey = '';

  connectedCallback() {
    if (!this.hasAttribute('name')) this.setAttribute('name', this.constructor.answerKey);
    super.connectedCallback();
  }

  get header() { return this.getAttribute('header') || ''; }

  get src() { return this.getAttribute('src') || ''; }

  wireDocument() {
    const root = this.shadowRoot;
    const page = root.querySelector('.page');
    const image = root.querySelector('.page img');
    image.addEventListener('error', () => {
      if (image.getAttribute('src')) root.querySelector('.image-error').hidden = false;
    });
    let zoom = 1;
    const apply = () => { page.style.width = `${zoom * 100}%`; };
    root.querySelector('.zoom-in').addEventListener('click', () => { zoom = Math.min(8, zoom * 1.25); apply(); });
    root.querySelector('.zoom-out').addEventListener('click', () => { zoom = Math.max(1, zoom / 1.25); apply(); });
    root.querySelector('.zoom-reset').addEventListener('click', () => { zoom = 1; apply(); });
  }

  loadImage() {
    const image = this.part('.page img');
    this.part('.image-error').hidden = true;
    if (this.src) image.src = this.src;
    else image.removeAttribute('src');
  }

  gtemuOutput() {
    return this.value;
  }

  showError(message) {
    this.part('.error').textContent = message;
  }
}

/** crowd-textract-analyze-document: review the key-value pairs Textract found in a document. */
export class CrowdTextractAnalyzeDocument extends A2IElement {
  static answerKey = TEXTRACT_KEY;
  static observedAttributes = ['header', 'src', 'initial-value', 'keys', 'block-types', 'no-key-edit'];

  render() {
    const headerId = uniqueId('header');
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">${documentMarkup('Document under review')}
        <div class="side" role="group" aria-labelledby="${headerId}">
          <div class="pairs"></div><div class="missing"></div>
          <p class="error" role="alert"></p>
        </div>
      </div>`);
    this.layout = new ToolLayout(this);
    this.wireDocument();
    const side = this.part('.side');
    side.addEventListener('focusin', (event) => {
      const pair = event.target.closest('.pair');
      if (pair) this.highlight(pair.dataset.key);
    });
    side.addEventListener('input', () => this.dispatchEvent(new Event('change', { bubbles: true })));
  }

  update(attribute) {
    this.part('.header').textContent = this.header;
    if (!attribute || attribute === 'src') this.loadImage();
    if (attribute !== 'src' && attribute !== 'header') this.renderPairs();
  }

  blocks() {
    const value = readLiteral(this.getAttribute('initial-value'), []);
    return Array.isArray(value) ? lowerCamel(value).filter((b) => b && typeof b === 'object') : [];
  }

  /** The key-value pairs of the blocks: KEY blocks with their VALUE block. */
  pairs() {
    const blocks = this.blocks();
    const byId = new Map(blocks.map((block) => [block.id, block]));
    const text = (block) => {
      if (!block) return '';
      if (typeof block.text === 'string') return block.text;
      const children = (block.relationships || []).filter((r) => r.type === 'CHILD').flatMap((r) => r.ids || []);
      return children.map((id) => byId.get(id)?.text).filter(Boolean).join(' ');
    };
    return blocks.filter((b) => b.blockType === 'KEY_VALUE_SET' && (b.entityTypes || []).includes('KEY'))
      .map((key) => {
        const valueId = (key.relationships || []).find((r) => r.type === 'VALUE')?.ids?.[0];
        const value = byId.get(valueId);
        return { key, value, keyText: text(key), valueText: text(value) };
      });
  }

  renderPairs() {
    const pairs = this.pairs();
    this.currentPairs = pairs;
    const keyEditable = !this.hasAttribute('no-key-edit');
    this.part('.pairs').innerHTML = pairs.map((pair, index) => {
      const id = uniqueId('pair');
      const keyField = keyEditable
        ? `<label>Key <input type="text" class="key-text" value="${escapeHtml(pair.keyText)}"></label>` : '';
      return `<fieldset class="pair" data-key="${index}"><legend id="${id}">${escapeHtml(pair.keyText)}</legend>
        ${keyField}
        <label>Value <input type="text" class="value-text" value="${escapeHtml(pair.valueText)}"></label>
        <label class="check"><input type="checkbox" class="not-pair"> Not a key-value pair</label>
      </fieldset>`;
    }).join('');
    const important = readLiteral(this.getAttribute('keys'), []);
    const found = pairs.map((pair) => pair.keyText.trim().toLowerCase());
    const missing = (Array.isArray(important) ? important : []).filter((entry) => {
      const names = [entry?.importantFormKey, ...(entry?.importantFormKeyAliases || [])]
        .filter((n) => typeof n === 'string').map((n) => n.trim().toLowerCase());
      return names.length && !names.some((n) => found.includes(n));
    });
    this.missingKeys = missing.map((entry) => String(entry.importantFormKey));
    this.part('.missing').innerHTML = this.missingKeys.map((key) => `<fieldset class="pair added">
        <legend>${escapeHtml(key)} (not found by Textract)</legend>
        <label>Value, if the document has it <input type="text" class="added-value"></label></fieldset>`).join('');
    this.renderBoxes();
  }

  renderBoxes() {
    const shape = (block, kind, index) => {
      const box = block?.geometry?.boundingBox;
      if (!box) return '';
      const style = `left:${box.left * 100}%;top:${box.top * 100}%;width:${box.width * 100}%;height:${box.height * 100}%`;
      return `<div class="box ${kind}" data-key="${index}" style="${style}"></div>`;
    };
    this.part('.boxes').innerHTML = this.currentPairs
      .map((pair, index) => shape(pair.key, 'key', index) + shape(pair.value, 'value', index)).join('');
  }

  highlight(index) {
    for (const node of this.shadowRoot.querySelectorAll('.box, .pair')) {
      node.classList.toggle('active', node.dataset.key === String(index));
    }
  }

  get value() {
    const blocks = [];
    const rows = [...this.shadowRoot.querySelectorAll('.pairs .pair')];
    const block = (source, entityType, text, relationships) => {
      const out = {
        blockType: 'KEY_VALUE_SET', id: source.id, relationships, entityTypes: [entityType], text,
      };
      if (source.confidence !== undefined) out.confidence = source.confidence;
      if (source.geometry !== undefined) out.geometry = source.geometry;
      return out;
    };
    this.currentPairs.forEach((pair, index) => {
      const row = rows[index];
      if (!row || row.querySelector('.not-pair').checked) return;
      const keyText = row.querySelector('.key-text')?.value ?? pair.keyText;
      const valueText = row.querySelector('.value-text').value;
      blocks.push(block(pair.key, 'KEY', keyText, pair.key.relationships || []));
      if (pair.value) blocks.push(block(pair.value, 'VALUE', valueText, pair.value.relationships || []));
    });
    [...this.shadowRoot.querySelectorAll('.added-value')].forEach((input, index) => {
      if (!input.value.trim()) return;
      const keyId = `gtemu-key-${index + 1}`;
      const valueId = `gtemu-value-${index + 1}`;
      blocks.push(block({ id: keyId }, 'KEY', this.missingKeys[index], [{ type: 'VALUE', ids: [valueId] }]));
      blocks.push(block({ id: valueId }, 'VALUE', input.value, []));
    });
    return { blocks };
  }
}

/** crowd-rekognition-detect-moderation-labels: confirm the moderation labels that apply. */
export class CrowdRekognitionDetectModerationLabels extends A2IElement {
  static answerKey = REKOGNITION_KEY;
  static observedAttributes = ['header', 'src', 'categories', 'exclusion-category'];

  constructor() {
    super();
    this.excluded = false;
  }

  render() {
    const headerId = uniqueId('header');
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">${documentMarkup('Image under review')}
        <div class="side">
          <fieldset class="categories" aria-describedby="${headerId}"><legend>Categories</legend>
            <div class="list"></div></fieldset>
          <button type="button" class="btn exclusion" aria-pressed="false" hidden></button>
          <p class="error" role="alert"></p>
        </div>
      </div>`);
    this.layout = new ToolLayout(this);
    this.wireDocument();
    this.part('.list').addEventListener('change', (event) => {
      event.target.closest('.category').classList.toggle('checked', event.target.checked);
      this.showError('');
      this.dispatchEvent(new Event('change', { bubbles: true }));
    });
    this.part('.exclusion').addEventListener('click', () => this.setExcluded(!this.excluded));
  }

  update(attribute) {
    this.part('.header').textContent = this.header;
    if (!attribute || attribute === 'src') this.loadImage();
    if (attribute !== 'src' && attribute !== 'header') this.renderCategories();
  }

  categories() {
    const value = readLiteral(this.getAttribute('categories'), []);
    return (Array.isArray(value) ? value : [])
      .filter((c) => typeof c === 'string' || (c && typeof c === 'object' && 'name' in c));
  }

  exclusionText() {
    try {
      return parseExclusionCategory(this.getAttribute('exclusion-category'));
    } catch {
      return null;
    }
  }

  renderCategories() {
    this.currentCategories = this.categories();
    this.part('.list').innerHTML = this.currentCategories.map((category, index) => {
      const name = typeof category === 'string' ? category : String(category.name);
      const parent = typeof category === 'object' && category.parentName
        ? `<span class="parent">(${escapeHtml(category.parentName)})</span>` : '';
      return `<label class="category"><input type="checkbox" value="${index}">
        <span>${escapeHtml(name)}</span>${parent}</label>`;
    }).join('');
    const exclusion = this.exclusionText();
    const button = this.part('.exclusion');
    button.hidden = exclusion === null;
    button.textContent = exclusion ?? '';
    this.setExcluded(false);
  }

  /** The exclusion button deselects and disables the categories; again, it enables them. */
  setExcluded(on) {
    this.excluded = on;
    this.part('.exclusion').setAttribute('aria-pressed', String(on));
    for (const input of this.shadowRoot.querySelectorAll('.list input')) {
      if (on) input.checked = false;
      input.disabled = on;
      input.closest('.category').classList.toggle('checked', input.checked);
    }
    this.showError('');
  }

  get value() {
    const chosen = [...this.shadowRoot.querySelectorAll('.list input')]
      .filter((input) => input.checked).map((input) => this.currentCategories[Number(input.value)]);
    return { moderationLabels: this.excluded ? [] : chosen };
  }

  gtemuValidate() {
    const exclusion = this.exclusionText();
    if (exclusion === null || this.excluded || this.value.moderationLabels.length) return '';
    return `Please choose the categories that apply, or ${exclusion}.`;
  }

  gtemuShowError(message) {
    this.showError(message);
    this.shadowRoot.querySelector('.list input, .exclusion')?.focus();
  }

  gtemuReset() {
    this.renderCategories();
  }
}
