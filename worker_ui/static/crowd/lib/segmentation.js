// crowd-semantic-segmentation and crowd-instance-segmentation: paint a label map over an image
// with a brush, an eraser or a filled polygon. The answer (AWS's documented shape):
//   semantic: {inputImageProperties: {height, width}, labelMappings: {<label>: {color}},
//              labeledImage: {pngImageData: <plain base64 PNG>}}
//   instance: {inputImageProperties, instances: [{color, label}], labeledImage: {pngImageData}}
// The PNG has the image's natural size; each pixel is transparent (unlabelled) or opaque in
// exactly one label's (instance's) colour — see raster.js for why painting avoids the canvas's
// anti-aliasing.

import { CrowdElement, SHORTCUT_KEYS, escapeHtml, shortcutsEnabled, uniqueId } from './base.js';
import { parseLiteral } from './literal.js';
import { LabelMap, labelColor } from './raster.js';
import { TOOLS, canvasKey, shortcutKey, wirePointer } from './segmentation-input.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const SEGMENTATION_CSS = `${TOOL_CSS}
:host { display: block; height: calc(100vh - 90px); min-height: 480px; margin-bottom: 1em; }
.header { font-size: 1.25em; margin: 0 0 .5em; }
.annotation-area { display: flex; gap: 1em; flex: 1 1 auto; min-height: 0; }
.viewport { flex: 1 1 auto; position: relative; overflow: hidden; background: #f2f3f3;
  border: 1px solid #d5dbdb; touch-action: none; cursor: crosshair; min-height: 200px; }
.viewport.panning { cursor: grab; }
.stage { position: absolute; left: 0; top: 0; transform-origin: 0 0; }
.stage img, .stage canvas { position: absolute; left: 0; top: 0; user-select: none;
  -webkit-user-drag: none; image-rendering: pixelated; }
.stage canvas { pointer-events: none; }
.cursor { position: absolute; border: 1px solid #16191f; border-radius: 50%;
  box-shadow: 0 0 0 1px #fff; pointer-events: none; }
.image-error { position: absolute; inset: auto 0 0 0; background: #fff; margin: 0; padding: .5em; }
.side { flex: 0 0 270px; overflow: auto; }
fieldset { border: 0; margin: 0 0 .8em; padding: 0; }
legend { font-weight: bold; margin-bottom: .3em; padding: 0; }
.choice { display: flex; align-items: center; gap: .5em; padding: .3em .4em; margin: 2px 0;
  border: 1px solid #d5dbdb; border-radius: 3px; cursor: pointer; }
.choice.checked { background: #f1faff; border-color: #0a5a8c; }
.choice input { margin: 0; }
.choice .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.swatch { width: 1em; height: 1em; border-radius: 2px; flex: none; border: 1px solid #545b64; }
.tools { display: flex; flex-wrap: wrap; gap: .3em; }
.tools .choice { flex: 1 1 45%; }
.slider { display: block; margin: .4em 0; }
.slider input { width: 100%; }
.buttons { display: flex; flex-wrap: wrap; gap: .3em; margin: .5em 0; }
.buttons .btn { padding: .2em .7em; min-height: 0; font-weight: normal; }
.hint { color: #414750; font-size: .85em; }
`;

const KEY_HELP = 'On the image: arrow keys move the cursor (Shift: 10 px); Space paints or adds a '
  + 'polygon point; Enter fills the polygon; Esc drops it.';

function readLabels(value) {
  if (value == null || value === '') return [];
  const parsed = typeof value === 'string' ? parseLiteral(value) : value;
  if (!Array.isArray(parsed)) throw new Error('labels must be a list');
  return parsed.map((item) => String(item && typeof item === 'object' ? (item.label ?? item.name) : item));
}

/** Common to both elements; `instances` switches between one colour per label and one per
 * painted instance. */
export class SegmentationTool extends CrowdElement {
  static css = SEGMENTATION_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static upgradedProperties = ['labels'];
  static observedAttributes = ['header', 'src', 'labels', 'initial-value'];
  static instances = false;

  constructor() {
    super();
    this.labelsProperty = null;
    this.map = null;
    this.current = 0; // index of the chosen label
    this.tool = 'brush';
    this.brush = 8;
    this.opacity = 0.6;
    this.view = { scale: 1, x: 0, y: 0 };
    this.cursor = null; // keyboard cursor, image pixels
    this.polygon = [];
    // Instance mode: one entry per instance {label, color}; the map holds instance numbers.
    this.instanceList = [];
    this.currentInstance = -1;
    this.penDown = false; // Space held on the image: arrow keys paint
  }

  get labels() {
    if (this.labelsProperty) return [...this.labelsProperty];
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

  get header() { return this.getAttribute('header') || ''; }

  get src() { return this.getAttribute('src') || ''; }

  render() {
    const headerId = uniqueId('header');
    const helpId = uniqueId('help');
    const tools = TOOLS.map(([value, text, key]) => `<label class="choice"><input type="radio"
      name="${headerId}-tool" value="${value}"${shortcutsEnabled() ? ` aria-keyshortcuts="${key}"` : ''}>
      <span class="text">${text}</span>${shortcutsEnabled() ? `<kbd aria-hidden="true">${key.toUpperCase()}</kbd>` : ''}</label>`).join('');
    const instanceBlock = this.constructor.instances ? `<fieldset class="instances-set"><legend>Instances</legend>
        <div class="instances"></div>
        <button type="button" class="btn new-instance">New instance</button></fieldset>` : '';
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">
        <div class="viewport" tabindex="0" role="application" aria-roledescription="image annotation"
          aria-labelledby="${headerId}" aria-describedby="${helpId}">
          <div class="stage"><img alt="" draggable="false"><canvas class="overlay"></canvas>
            <canvas class="draft"></canvas><div class="cursor" hidden></div></div>
          <p class="image-error" role="alert" hidden>The image could not be loaded.</p>
        </div>
        <div class="side">
          <fieldset aria-describedby="${headerId}"><legend>Labels</legend><div class="labels"></div></fieldset>
          ${instanceBlock}
          <fieldset><legend>Tool</legend><div class="tools">${tools}</div></fieldset>
          <label class="slider">Brush size <input type="range" class="brush-size" min="1" max="100"></label>
          <label class="slider">Label opacity <input type="range" class="opacity" min="0" max="100"></label>
          <div class="buttons">
            <button type="button" class="btn undo" aria-keyshortcuts="Control+Z">Undo</button>
            <button type="button" class="btn redo" aria-keyshortcuts="Control+Shift+Z">Redo</button>
            <button type="button" class="btn zoom-in" aria-label="Zoom in">+</button>
            <button type="button" class="btn zoom-out" aria-label="Zoom out">\u2212</button>
            <button type="button" class="btn zoom-fit" aria-label="Fit image to panel">\u2922</button>
          </div>
          <p class="error" role="alert"></p>
          <p class="hint" id="${helpId}">${escapeHtml(KEY_HELP)}</p>
        </div>
      </div>`);
    this.layout = new ToolLayout(this);
    this.wire();
  }

  update(attribute) {
    this.part('.header').textContent = this.header;
    if (!attribute || attribute === 'labels' || attribute === 'initial-value') this.renderLabels();
    if (!attribute || attribute === 'src' || attribute === 'initial-value') this.loadImage();
  }

  // --- labels and instances -----------------------------------------------------------------

  initialValue() {
    const raw = this.getAttribute('initial-value');
    if (!raw || this.constructor.instances) return null;
    try {
      const value = parseLiteral(raw);
      return value && typeof value === 'object' ? value : null;
    } catch {
      return null;
    }
  }

  /** Label list: the `labels`, plus labels only an initial-value's labelMappings names. */
  allLabels() {
    const labels = this.labels;
    const mappings = this.initialValue()?.labelMappings;
    if (mappings && typeof mappings === 'object') {
      for (const label of Object.keys(mappings)) if (!labels.includes(label)) labels.push(label);
    }
    return labels;
  }

  /** Semantic mode: the colour of each label, initial-value's labelMappings first. */
  colors() {
    const labels = this.allLabels();
    const mappings = this.initialValue()?.labelMappings || {};
    const taken = labels.map((label) => mappings[label]?.color).filter(Boolean).map((c) => c.toLowerCase());
    let next = 0;
    return labels.map((label) => {
      const given = mappings[label]?.color;
      if (given) return given.toLowerCase();
      const color = labelColor(next, taken);
      next += 1;
      taken.push(color);
      return color;
    });
  }

  /** Colour of each class index - 1 in the map. */
  paletteColors() {
    return this.constructor.instances ? this.instanceList.map((i) => i.color) : this.colors();
  }

  renderLabels() {
    const list = this.part('.labels');
    try {
      if (!this.labelsProperty) readLabels(this.getAttribute('labels'));
    } catch (error) {
      list.textContent = '';
      this.showError(`This task's labels cannot be read: ${error.message}`);
      return;
    }
    const labels = this.allLabels();
    // Instance mode gives colours to instances, not labels.
    const colors = this.constructor.instances ? [] : this.colors();
    const group = uniqueId('label');
    const shortcuts = shortcutsEnabled();
    list.innerHTML = labels.map((label, index) => {
      const key = shortcuts ? SHORTCUT_KEYS[index] : undefined;
      return `<label class="choice"><input type="radio" name="${group}" value="${index}"
        ${key ? `aria-keyshortcuts="${key}"` : ''}>${colors[index] ? `<span class="swatch" style="background:${colors[index]}"></span>` : ''}
        <span class="text">${escapeHtml(label)}</span>${key ? `<kbd aria-hidden="true">${key}</kbd>` : ''}</label>`;
    }).join('');
    if (this.current >= labels.length) this.current = 0;
    this.syncControls();
    this.redraw();
  }

  renderInstances() {
    const box = this.part('.instances');
    if (!box) return;
    const group = uniqueId('instance');
    const counts = {};
    box.innerHTML = this.instanceList.map((instance, index) => {
      counts[instance.label] = (counts[instance.label] || 0) + 1;
      return `<label class="choice"><input type="radio" name="${group}" value="${index}">
        <span class="swatch" style="background:${instance.color}"></span>
        <span class="text">${escapeHtml(instance.label)} ${counts[instance.label]}</span></label>`;
    }).join('');
    this.syncControls();
  }

  chooseLabel(index) {
    const labels = this.allLabels();
    if (index < 0 || index >= labels.length) return false;
    this.current = index;
    if (this.constructor.instances) {
      // Continue the label's latest instance ("New instance" starts another one).
      const latest = this.instanceList.map((i) => i.label).lastIndexOf(labels[index]);
      if (latest >= 0) this.currentInstance = latest;
      else this.newInstance();
    }
    if (this.tool === 'eraser' || this.tool === 'pan') this.tool = 'brush';
    this.syncControls();
    return true;
  }

  /** Instance mode: a new instance of the chosen label, with the next free colour. */
  newInstance() {
    const label = this.allLabels()[this.current];
    if (label === undefined || this.instanceList.length >= 255) return this.currentInstance;
    const taken = this.instanceList.map((i) => i.color);
    this.instanceList.push({ label, color: labelColor(this.instanceList.length, taken) });
    this.currentInstance = this.instanceList.length - 1;
    this.renderInstances();
    return this.currentInstance;
  }

  syncControls() {
    const root = this.shadowRoot;
    for (const input of root.querySelectorAll('.labels input')) {
      input.checked = Number(input.value) === this.current;
      input.closest('.choice').classList.toggle('checked', input.checked);
    }
    for (const input of root.querySelectorAll('.instances input')) {
      input.checked = Number(input.value) === this.currentInstance;
      input.closest('.choice').classList.toggle('checked', input.checked);
    }
    for (const input of root.querySelectorAll('.tools input')) {
      input.checked = input.value === this.tool;
      input.closest('.choice').classList.toggle('checked', input.checked);
    }
    root.querySelector('.brush-size').value = String(this.brush);
    root.querySelector('.opacity').value = String(Math.round(this.opacity * 100));
    root.querySelector('.viewport').classList.toggle('panning', this.tool === 'pan');
    root.querySelector('.overlay').style.opacity = String(this.opacity);
    this.drawCursor();
  }

  /** The class index painting writes: the label's (semantic) or the instance's number. */
  paintValue() {
    if (this.tool === 'eraser') return 0;
    if (!this.constructor.instances) return this.current + 1;
    if (this.currentInstance < 0) this.newInstance();
    return this.currentInstance + 1;
  }

  // --- image, view, drawing ------------------------------------------------------------------

  loadImage() {
    const image = this.part('.stage img');
    this.part('.image-error').hidden = true;
    this.map = null;
    image.onload = () => this.imageLoaded(image);
    if (this.src) image.src = this.src;
    else image.removeAttribute('src');
  }

  imageLoaded(image) {
    const width = image.naturalWidth;
    const height = image.naturalHeight;
    this.map = new LabelMap(width, height);
    // A brush of about a twentieth of the image: visible on a thumbnail, fine on a photo.
    this.setBrush(Math.min(30, Math.max(1, Math.round(Math.min(width, height) / 20))));
    for (const canvas of this.shadowRoot.querySelectorAll('.stage canvas')) {
      canvas.width = width;
      canvas.height = height;
    }
    image.style.width = `${width}px`;
    image.style.height = `${height}px`;
    this.fit();
    const initial = this.initialValue();
    if (initial && initial.src) this.loadInitialMap(String(initial.src));
    this.redraw();
    this.dispatchEvent(new Event('gtemu:image-ready'));
  }

  loadInitialMap(src) {
    const prior = new Image();
    prior.crossOrigin = 'anonymous';
    prior.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = this.map.width;
      canvas.height = this.map.height;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.imageSmoothingEnabled = false;
      context.drawImage(prior, 0, 0, this.map.width, this.map.height);
      this.map.readImageData(context.getImageData(0, 0, this.map.width, this.map.height), this.colors());
      this.redraw();
    };
    prior.src = src;
  }

  fit() {
    const viewport = this.part('.viewport');
    if (!this.map) return;
    const scale = Math.min(viewport.clientWidth / this.map.width, viewport.clientHeight / this.map.height) || 1;
    this.view = {
      scale,
      x: (viewport.clientWidth - this.map.width * scale) / 2,
      y: (viewport.clientHeight - this.map.height * scale) / 2,
    };
    this.applyView();
  }

  zoomAt(factor, pointX, pointY) {
    const { scale, x, y } = this.view;
    const next = Math.min(64, Math.max(0.05, scale * factor));
    const ratio = next / scale;
    this.view = { scale: next, x: pointX - (pointX - x) * ratio, y: pointY - (pointY - y) * ratio };
    this.applyView();
  }

  applyView() {
    const { scale, x, y } = this.view;
    this.part('.stage').style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
    this.drawCursor();
  }

  redraw() {
    if (!this.map) return;
    const overlay = this.part('.overlay');
    overlay.getContext('2d').putImageData(this.map.toImageData(this.paletteColors()), 0, 0);
    this.drawDraft();
  }

  drawDraft() {
    const draft = this.part('.draft');
    const context = draft.getContext('2d');
    context.clearRect(0, 0, draft.width, draft.height);
    if (!this.polygon.length) return;
    const color = this.constructor.instances ? this.instanceList[this.currentInstance]?.color
      : this.colors()[this.current];
    context.strokeStyle = this.tool === 'eraser' ? '#000' : color || '#000';
    context.lineWidth = Math.max(1, 2 / this.view.scale);
    context.beginPath();
    this.polygon.forEach(([px, py], i) => (i ? context.lineTo(px, py) : context.moveTo(px, py)));
    if (this.cursor) context.lineTo(this.cursor.x, this.cursor.y);
    context.stroke();
  }

  drawCursor() {
    const cursor = this.part('.cursor');
    if (!cursor) return;
    const show = this.cursor && this.map && (this.tool === 'brush' || this.tool === 'eraser');
    cursor.hidden = !show;
    if (!show) return;
    const size = this.brush * 2 + 1;
    Object.assign(cursor.style, {
      left: `${Math.floor(this.cursor.x) - this.brush}px`, top: `${Math.floor(this.cursor.y) - this.brush}px`,
      width: `${size}px`, height: `${size}px`,
    });
  }

  /** Image pixel coordinates of a pointer event. */
  imagePoint(event) {
    const box = this.part('.overlay').getBoundingClientRect();
    return {
      x: ((event.clientX - box.left) / box.width) * this.map.width,
      y: ((event.clientY - box.top) / box.height) * this.map.height,
    };
  }

  paintTo(point, from) {
    const value = this.paintValue();
    if (from) this.map.line(from.x, from.y, point.x, point.y, this.brush, value);
    else this.map.stamp(point.x, point.y, this.brush, value);
    this.changed();
  }

  addPolygonPoint(point) {
    const first = this.polygon[0];
    const near = first && Math.hypot(first[0] - point.x, first[1] - point.y) * this.view.scale < 8;
    if (near && this.polygon.length >= 3) {
      this.closePolygon();
      return;
    }
    this.polygon.push([point.x, point.y]);
    this.drawDraft();
  }

  closePolygon() {
    if (this.polygon.length >= 3) {
      this.map.checkpoint();
      this.map.fillPolygon(this.polygon, this.paintValue());
      this.changed();
    }
    this.polygon = [];
    this.drawDraft();
  }

  changed() {
    this.redraw();
    this.showError('');
    this.dispatchEvent(new Event('change', { bubbles: true }));
  }

  undo(redo = false) {
    if (this.map && (redo ? this.map.redo() : this.map.undo())) this.changed();
  }

  wire() {
    const root = this.shadowRoot;
    const viewport = root.querySelector('.viewport');
    const image = root.querySelector('.stage img');
    image.addEventListener('error', () => {
      if (image.getAttribute('src')) root.querySelector('.image-error').hidden = false;
    });
    root.querySelector('.labels').addEventListener('change', (event) => this.chooseLabel(Number(event.target.value)));
    root.querySelector('.tools').addEventListener('change', (event) => this.setTool(event.target.value));
    root.querySelector('.new-instance')?.addEventListener('click', () => this.newInstance());
    root.querySelector('.instances')?.addEventListener('change', (event) => {
      this.currentInstance = Number(event.target.value);
      this.current = Math.max(0, this.allLabels().indexOf(this.instanceList[this.currentInstance].label));
      this.syncControls();
    });
    root.querySelector('.brush-size').addEventListener('input', (event) => this.setBrush(Number(event.target.value)));
    root.querySelector('.opacity').addEventListener('input', (event) => {
      this.opacity = Number(event.target.value) / 100;
      this.syncControls();
    });
    root.querySelector('.undo').addEventListener('click', () => this.undo());
    root.querySelector('.redo').addEventListener('click', () => this.undo(true));
    const center = () => [viewport.clientWidth / 2, viewport.clientHeight / 2];
    root.querySelector('.zoom-in').addEventListener('click', () => this.zoomAt(1.25, ...center()));
    root.querySelector('.zoom-out').addEventListener('click', () => this.zoomAt(0.8, ...center()));
    root.querySelector('.zoom-fit').addEventListener('click', () => this.fit());
    viewport.addEventListener('wheel', (event) => {
      event.preventDefault();
      const box = viewport.getBoundingClientRect();
      this.zoomAt(Math.exp(-event.deltaY / 500), event.clientX - box.left, event.clientY - box.top);
    }, { passive: false });
    wirePointer(this, viewport);
    viewport.addEventListener('keydown', (event) => canvasKey(this, event));
    viewport.addEventListener('keyup', (event) => {
      if (event.key === ' ') this.penDown = false;
    });
    this.addEventListener('keydown', (event) => shortcutKey(this, event));
  }

  setTool(tool) {
    if (tool !== 'polygon') this.polygon = [];
    this.tool = tool;
    this.syncControls();
    this.drawDraft();
  }

  setBrush(size) {
    this.brush = Math.min(100, Math.max(1, Math.round(size)));
    this.syncControls();
  }

  // --- answer ----------------------------------------------------------------------------------

  get value() {
    if (!this.map) return undefined;
    const colors = this.paletteColors();
    const used = this.map.used();
    const size = { height: this.map.height, width: this.map.width };
    const labeledImage = { pngImageData: this.map.toPngBase64(colors) };
    if (this.constructor.instances) {
      const instances = used.map((i) => ({ color: colors[i - 1], label: this.instanceList[i - 1].label }));
      return { inputImageProperties: size, instances, labeledImage };
    }
    const labels = this.allLabels();
    const labelMappings = Object.fromEntries(used.map((i) => [labels[i - 1], { color: colors[i - 1] }]));
    return { inputImageProperties: size, labelMappings, labeledImage };
  }

  gtemuOutput() {
    return this.value;
  }

  gtemuValidate() {
    if (!this.map) return 'The image has not loaded yet; the task cannot be submitted without it.';
    return '';
  }

  gtemuShowError(message) {
    this.showError(message);
    this.part('.viewport').focus();
  }

  gtemuReset() {
    if (this.map) {
      this.map.checkpoint();
      this.map.classes.fill(0);
      this.changed();
    }
  }

  showError(message) {
    this.part('.error').textContent = message;
  }
}

export class CrowdSemanticSegmentation extends SegmentationTool {}

export class CrowdInstanceSegmentation extends SegmentationTool {
  static instances = true;
}
