// The drawing machinery shared by the vector-annotation elements (vector.js): the image on a
// canvas with zoom and pan, labelled shapes kept in image pixels, selection, handles, undo/redo,
// the label picker, the list of shapes, keyboard drawing, and the answer scaffolding.
//
// Every shape is {label, points: [{x, y}, ...]} in the image's natural pixels (floats while
// editing; the answer rounds them). A subclass (one per element) says how many points its shape
// has, whether it is closed, how it is drawn and how it maps to and from AWS's answer shape.

import {
  CrowdElement, SHORTCUT_KEYS, escapeHtml, shortcutsEnabled, uniqueId,
} from './base.js';
import { parseCategories, parseLiteral } from './literal.js';
import { ImageView } from './image-view.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const CANVAS_CSS = `${TOOL_CSS}
:host { display: block; height: calc(100vh - 90px); min-height: 460px; margin-bottom: 1em; }
.header { font-size: 1.25em; margin: 0 0 .5em; }
.annotation-area { display: flex; gap: 1em; flex: 1 1 auto; min-height: 0; }
.stage { flex: 1 1 auto; min-width: 0; min-height: 0; position: relative; display: flex;
  align-items: center; justify-content: center; background: #f2f3f3; border: 1px solid #d5dbdb;
  overflow: hidden; }
canvas.upper-canvas { display: block; touch-action: none; cursor: crosshair; }
canvas.upper-canvas.panning { cursor: grab; }
canvas.upper-canvas.over-shape { cursor: move; }
.tools { position: absolute; right: .5em; top: .5em; display: flex; gap: .3em; }
.tools button { background: #fff; border: 1px solid #545b64; border-radius: 2px; min-width: 2em;
  min-height: 2em; cursor: pointer; color: #16191f; }
.tools button[aria-pressed="true"] { background: #0a5a8c; color: #fff; }
.image-error { position: absolute; inset: auto 0 0 0; background: #fff; margin: 0; padding: .5em; }
.side { flex: 0 0 260px; overflow: auto; }
fieldset { border: 0; margin: 0 0 1em; padding: 0; }
legend, .list-title { font-weight: bold; margin: 0 0 .4em; padding: 0; font-size: 1em; }
.category { display: flex; align-items: center; gap: .5em; padding: .4em .5em; margin: 2px 0;
  border: 1px solid #d5dbdb; border-radius: 3px; cursor: pointer; }
.category.checked { background: #f1faff; border-color: #0a5a8c; }
.category input { margin: 0; width: 1.1em; height: 1.1em; flex: none; }
.category .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.swatch { width: .9em; height: .9em; border-radius: 2px; flex: none; border: 1px solid #16191f; }
.shapes { list-style: none; margin: 0; padding: 0; }
.shapes li { display: flex; gap: .3em; align-items: center; margin: 2px 0; }
.shapes .shape { flex: 1 1 auto; text-align: left; background: #fff; border: 1px solid #d5dbdb;
  border-radius: 3px; padding: .3em .5em; cursor: pointer; color: #16191f; }
.shapes .shape[aria-pressed="true"] { border-color: #0a5a8c; background: #f1faff; font-weight: bold; }
.shapes .delete { background: none; border: 1px solid transparent; cursor: pointer; color: #b0281a;
  font-size: 1.1em; min-width: 1.8em; }
.empty { color: #414750; margin: 0; }
.shortcuts-hint { color: #414750; font-size: .85em; margin: .6em 0 0; }
`;

export const DEFAULT_COLORS = ['#2ca02c', '#1f77b4', '#ff7f0e', '#d62728', '#9467bd', '#8c564b',
  '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const HANDLE_RADIUS = 5; // screen pixels

const KEY_HELP = 'Drag or click on the image to draw; Space places a point at the keyboard cursor '
  + '(arrow keys move it); Enter finishes; Esc cancels or deselects; Delete removes the selected '
  + 'shape; arrow keys move it; number keys choose its label; Ctrl+Z undoes, Ctrl+Shift+Z redoes.';

export const clone = (shapes) => shapes.map((s) => ({ label: s.label, points: s.points.map((p) => ({ ...p })) }));
export const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

/** Distance from point p to segment a-b. */
function segmentDistance(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / length)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}

function insidePolygon(p, points) {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i, i += 1) {
    const a = points[i];
    const b = points[j];
    if ((a.y > p.y) !== (b.y > p.y) && p.x < ((b.x - a.x) * (p.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

/** The keys of an answer object in alphabetical order, as AWS's elements write them. */
export function sortedKeys(object) {
  return Object.fromEntries(Object.entries(object).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What a vector element shows and the edits on it (input.js adds the mouse and the keys).
 * Element classes set the statics below and implement `toOutput(shape, size)` (AWS's answer
 * shape) and `fromInput(object)` (a shape or null). */
export class VectorCanvas extends CrowdElement {
  static css = CANVAS_CSS;
  static shadowOptions = { slotAssignment: 'manual' };
  static upgradedProperties = ['labels', 'header', 'src', 'value'];
  static observedAttributes = ['labels', 'header', 'src', 'initial-value', 'label-colors'];
  static outputKey = 'shapes';
  static noun = 'shape';
  static plural = 'shapes';
  static minPoints = 1; // points a finished shape needs
  static maxPoints = 1; // Infinity: finished with Enter (or a click on the first point)
  static closed = false; // drawn as a closed outline (polygon)
  static twoCorner = false; // drawn by dragging from one point to the other (box, line)
  insideShapeSelectsOnClick = false;
  pressedInside = -1;

  constructor() {
    super();
    this.labelsProperty = null;
    this.shapes = [];
    this.valueProperty = undefined;
    this.initialOutput = null;
    this.selected = -1;
    this.drawing = null; // the shape being drawn: {label, points}
    this.currentLabel = null;
    this.undoStack = [];
    this.redoStack = [];
    this.imageView = null;
    this.cursor = null; // the keyboard cursor, image pixels
    this.hover = null;
    this.gesture = null;
    this.panMode = false;
  }

  // Properties templates use (AWS's element has the same names).

  get labels() {
    if (this.labelsProperty) return [...this.labelsProperty];
    try {
      return parseCategories(this.getAttribute('labels'));
    } catch {
      return [];
    }
  }

  set labels(value) {
    this.labelsProperty = typeof value === 'string' ? parseCategories(value) : Array.from(value ?? [], String);
    if (this.shadowRoot) this.renderLabels();
  }

  get header() { return this.getAttribute('header') || ''; }

  set header(value) { this.setAttribute('header', value); }

  get src() { return this.getAttribute('src') || ''; }

  set src(value) { this.setAttribute('src', value); }

  /** The answer, as posted under the element's name. */
  get value() {
    const size = this.imageSize();
    const answer = {
      [this.constructor.outputKey]: this.shapes.map((shape) => sortedKeys(this.toOutput(shape, size))),
      inputImageProperties: { height: size.height, width: size.width },
    };
    if (this.initialOutput !== null) {
      answer.initialValueModified = JSON.stringify(answer[this.constructor.outputKey]) !== this.initialOutput;
    }
    return sortedKeys(answer);
  }

  set value(value) {
    // Before the image has loaded the shapes cannot be placed; they wait for it (and win over
    // initial-value).
    this.valueProperty = value;
    if (this.image) this.applyValue();
  }

  applyValue() {
    this.shapes = this.readShapes(this.valueProperty);
    this.valueProperty = undefined;
    this.afterChange();
  }

  // The name some of AWS's sample templates read (`annotator._submittableValue || annotator.value`).
  get _submittableValue() { return this.value; }

  // Rendering

  render() {
    const headerId = uniqueId('header');
    const helpId = uniqueId('help');
    const { plural } = this.constructor;
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h1 class="header" id="${headerId}"></h1>
      <div class="annotation-area">
        <div class="stage">
          <canvas class="upper-canvas" tabindex="0" role="application"
            aria-roledescription="annotation canvas" aria-describedby="${helpId}"></canvas>
          <div class="tools">
            <button type="button" class="zoom-in" aria-label="Zoom in">+</button>
            <button type="button" class="zoom-out" aria-label="Zoom out">\u2212</button>
            <button type="button" class="zoom-reset" aria-label="Fit image to panel">\u2922</button>
            <button type="button" class="pan" aria-pressed="false">Pan</button>
            <button type="button" class="undo" aria-label="Undo (Ctrl+Z)">\u21b6</button>
            <button type="button" class="redo" aria-label="Redo (Ctrl+Shift+Z)">\u21b7</button>
          </div>
          <p class="image-error" role="alert" hidden>The image could not be loaded.</p>
        </div>
        <div class="side">
          <fieldset aria-describedby="${headerId}"><legend>Labels</legend>
            <div class="categories"></div></fieldset>
          <h2 class="list-title">${plural[0].toUpperCase()}${plural.slice(1)}</h2>
          <ul class="shapes" aria-label="${plural}"></ul>
          <p class="empty">None yet.</p>
          <p class="error" role="alert"></p>
          <p class="shortcuts-hint" id="${helpId}">${KEY_HELP}</p>
        </div>
      </div>`);
    const root = this.shadowRoot;
    this.layout = new ToolLayout(this, {});
    this.canvas = root.querySelector('canvas.upper-canvas');
    this.stage = root.querySelector('.stage');
    root.querySelector('.categories').addEventListener('change', (event) => this.chooseLabel(event.target.value));
    root.querySelector('.shapes').addEventListener('click', (event) => this.onListClick(event));
    this.imageView = new ImageView(this.canvas, this.stage, () => this.draw());
    root.querySelector('.zoom-in').addEventListener('click', () => this.imageView.zoomBy(1.25));
    root.querySelector('.zoom-out').addEventListener('click', () => this.imageView.zoomBy(0.8));
    root.querySelector('.zoom-reset').addEventListener('click', () => this.imageView.fit());
    root.querySelector('.pan').addEventListener('click', () => this.setPanMode(!this.panMode));
    root.querySelector('.undo').addEventListener('click', () => this.undo());
    root.querySelector('.redo').addEventListener('click', () => this.redo());
    this.wireCanvas();
  }

  update(attribute) {
    this.part('.header').textContent = this.header;
    this.canvas.setAttribute('aria-label', `${this.header || 'Image'}: draw ${this.constructor.plural}`);
    if (!attribute || attribute === 'labels' || attribute === 'label-colors') this.renderLabels();
    if (!attribute || attribute === 'src') this.loadImage();
    else if (attribute === 'initial-value') this.loadInitialValue();
  }

  colorOf(label) {
    let colors = [];
    try {
      colors = parseLiteral(this.getAttribute('label-colors') || '[]');
    } catch {
      colors = [];
    }
    const index = Math.max(0, this.labels.indexOf(label));
    return (Array.isArray(colors) && typeof colors[index] === 'string' && colors[index])
      || DEFAULT_COLORS[index % DEFAULT_COLORS.length];
  }

  renderLabels() {
    const list = this.part('.categories');
    let labels;
    try {
      labels = this.labelsProperty ?? parseCategories(this.getAttribute('labels'));
    } catch (error) {
      list.textContent = '';
      this.showError(`This task's labels cannot be read: ${error.message}`);
      return;
    }
    if (!labels.includes(this.currentLabel)) this.currentLabel = labels[0] ?? null;
    const shortcuts = shortcutsEnabled();
    const group = uniqueId('label');
    list.innerHTML = labels.map((label, index) => {
      const key = shortcuts ? SHORTCUT_KEYS[index] : undefined;
      const hint = key ? `<kbd aria-hidden="true">${key}</kbd>` : '';
      const keyAttribute = key ? ` aria-keyshortcuts="${key}"` : '';
      return `<label class="category"><input type="radio" name="${group}" value="${escapeHtml(label)}"${keyAttribute}>
        <span class="swatch" style="background:${escapeHtml(this.colorOf(label))}"></span>
        <span class="text">${escapeHtml(label)}</span>${hint}</label>`;
    }).join('');
    this.syncLabels();
    this.renderList();
    this.draw();
  }

  syncLabels() {
    const shown = this.selected >= 0 ? this.shapes[this.selected].label : this.currentLabel;
    for (const input of this.shadowRoot.querySelectorAll('.categories input')) {
      input.checked = input.value === shown;
      input.closest('.category').classList.toggle('checked', input.checked);
    }
  }

  renderList() {
    const { noun } = this.constructor;
    const list = this.part('.shapes');
    list.innerHTML = this.shapes.map((shape, index) => `<li>
      <button type="button" class="shape" data-index="${index}" aria-pressed="${index === this.selected}">
        ${escapeHtml(`${noun[0].toUpperCase()}${noun.slice(1)} ${index + 1}: ${shape.label}`)}</button>
      <button type="button" class="delete" data-index="${index}"
        aria-label="Delete ${noun} ${index + 1}">\u00d7</button></li>`).join('');
    this.part('.empty').hidden = this.shapes.length > 0;
    this.part('.undo').disabled = !this.undoStack.length && !this.drawing;
    this.part('.redo').disabled = !this.redoStack.length;
  }

  onListClick(event) {
    const button = event.target.closest('button[data-index]');
    if (!button) return;
    const index = Number(button.dataset.index);
    if (button.classList.contains('delete')) {
      this.select(index);
      this.deleteSelected();
      const next = this.part('.shapes .shape') || this.canvas;
      next.focus();
    } else {
      this.select(index === this.selected ? -1 : index);
      this.part(`.shapes .shape[data-index="${index}"]`)?.focus();
    }
  }

  // The image (image-view.js does the drawing surface, zoom and pan)

  loadImage() {
    this.part('.image-error').hidden = true;
    this.imageView.load(this.src, {
      onLoad: () => {
        if (this.valueProperty !== undefined) this.applyValue();
        else this.loadInitialValue();
      },
      onError: () => { this.part('.image-error').hidden = false; },
    });
  }

  get image() { return this.imageView ? this.imageView.image : null; }

  get scale() { return this.imageView.scale; }

  imageSize() { return this.imageView ? this.imageView.size() : { width: 0, height: 0 }; }

  clampPoint(point) { return this.imageView.clamp(point); }

  toCanvas(point) { return this.imageView.toCanvas(point); }

  toImage(event) { return this.imageView.toImage(event); }

  loadInitialValue() {
    const text = this.getAttribute('initial-value');
    if (text === null || !this.image) return;
    let parsed;
    try {
      parsed = parseLiteral(text);
    } catch (error) {
      this.showError(`This task's initial-value cannot be read: ${error.message}`);
      return;
    }
    this.shapes = this.readShapes(parsed);
    this.initialOutput = JSON.stringify(this.value[this.constructor.outputKey]);
    this.undoStack = [];
    this.redoStack = [];
    this.afterChange();
  }

  /** Shapes from an answer-like value: a list of shapes, or an object holding the list. */
  readShapes(value) {
    let list = value;
    if (value && !Array.isArray(value) && typeof value === 'object') {
      list = value[this.constructor.outputKey] ?? value.shapes ?? [];
    }
    if (!Array.isArray(list)) return [];
    const labels = this.labels;
    return list.map((item) => (item && typeof item === 'object' ? this.fromInput(item) : null))
      // As AWS documents for keypoints: a shape whose label is not among `labels` is not drawn.
      .filter((shape) => shape && (!labels.length || labels.includes(shape.label)))
      .map((shape) => ({ ...shape, points: shape.points.map((p) => this.clampPoint(p)) }));
  }

  setPanMode(on) {
    this.panMode = on;
    this.part('.pan').setAttribute('aria-pressed', String(on));
    this.canvas.classList.toggle('panning', on);
  }

  // Drawing the canvas

  draw() {
    if (!this.imageView) return;
    const { canvas } = this;
    const context = this.imageView.paint();
    this.shapes.forEach((shape, index) => this.drawShape(context, shape, index === this.selected));
    if (this.drawing) {
      const points = [...this.drawing.points];
      const tip = this.gesture?.type === 'draw' ? null : (this.hover || this.cursor);
      if (tip && !this.constructor.twoCorner) points.push(tip);
      this.drawShape(context, { ...this.drawing, points }, true, true);
    }
    if (this.cursor && this.shadowRoot.activeElement === canvas && this.keyboardUsed) {
      const c = this.toCanvas(this.cursor);
      context.strokeStyle = '#16191f';
      context.lineWidth = 1;
      context.beginPath();
      context.moveTo(c.x - 10, c.y);
      context.lineTo(c.x + 10, c.y);
      context.moveTo(c.x, c.y - 10);
      context.lineTo(c.x, c.y + 10);
      context.stroke();
    }
  }

  drawShape(context, shape, selected, inProgress = false) {
    const color = this.colorOf(shape.label);
    const points = shape.points.map((p) => this.toCanvas(p));
    context.lineWidth = selected ? 3 : 2;
    context.strokeStyle = color;
    context.fillStyle = `${color}33`;
    this.tracePath(context, points, inProgress);
    if (selected || inProgress) {
      context.fillStyle = '#fff';
      for (const handle of this.handles({ ...shape, points: shape.points })) {
        const c = this.toCanvas(handle);
        context.beginPath();
        context.arc(c.x, c.y, HANDLE_RADIUS, 0, 2 * Math.PI);
        context.fill();
        context.stroke();
      }
    }
  }

  /** Strokes (and fills, when closed) the outline through `points` (canvas pixels). */
  tracePath(context, points, inProgress) {
    if (!points.length) return;
    context.beginPath();
    context.moveTo(points[0].x, points[0].y);
    for (const point of points.slice(1)) context.lineTo(point.x, point.y);
    if (this.constructor.closed && !inProgress) {
      context.closePath();
      context.fill();
    }
    context.stroke();
  }

  /** The draggable handles of a shape (image pixels); by default its points. */
  handles(shape) {
    return shape.points;
  }

  /** Moves handle `index` of `shape` to `point` (image pixels). */
  moveHandle(shape, index, point) {
    shape.points[index] = point;
  }

  /** Where `point` touches shape `index`: "border" (its outline or point), "inside" (within a
   * closed shape) or null. */
  shapeHit(index, point) {
    const tolerance = 6 / this.scale;
    const { points } = this.shapes[index];
    if (points.length === 1) return distance(points[0], point) <= 2 * tolerance ? 'border' : null;
    const closing = this.constructor.closed && points.length > 2 ? [[points[points.length - 1], points[0]]] : [];
    const segments = points.slice(1).map((p, i) => [points[i], p]).concat(closing);
    if (segments.some(([a, b]) => segmentDistance(point, a, b) <= tolerance)) return 'border';
    return this.constructor.closed && points.length > 2 && insidePolygon(point, points) ? 'inside' : null;
  }

  /** The topmost shape whose outline is under `point`, or -1. */
  hitBorder(point) {
    for (let index = this.shapes.length - 1; index >= 0; index -= 1) {
      if (this.shapeHit(index, point) === 'border') return index;
    }
    return -1;
  }

  hitHandle(point) {
    if (this.selected < 0) return -1;
    const handles = this.handles(this.shapes[this.selected]);
    const tolerance = (HANDLE_RADIUS + 3) / this.scale;
    return handles.findIndex((handle) => distance(handle, point) <= tolerance);
  }

  // Changes, undo and redo

  checkpoint() {
    this.undoStack.push(clone(this.shapes));
    this.redoStack = [];
  }

  afterChange() {
    if (this.selected >= this.shapes.length) this.selected = -1;
    this.syncLabels();
    this.renderList();
    this.draw();
    if (this.shapes.length) this.showError('');
    this.dispatchEvent(new Event('change', { bubbles: true }));
  }

  undo() {
    if (this.drawing) {
      // While drawing, undo takes back the last point placed.
      this.drawing.points.pop();
      if (!this.drawing.points.length || this.constructor.twoCorner) this.drawing = null;
      this.afterChange();
      return;
    }
    if (!this.undoStack.length) return;
    this.redoStack.push(clone(this.shapes));
    this.shapes = this.undoStack.pop();
    this.selected = -1;
    this.afterChange();
  }

  redo() {
    if (!this.redoStack.length) return;
    this.undoStack.push(clone(this.shapes));
    this.shapes = this.redoStack.pop();
    this.selected = -1;
    this.afterChange();
  }

  select(index) {
    this.selected = index;
    this.afterChange();
  }

  deleteSelected() {
    if (this.selected < 0) return false;
    this.checkpoint();
    this.shapes.splice(this.selected, 1);
    this.selected = -1;
    this.afterChange();
    return true;
  }

  /** Label picker and number keys: relabel the selected shape, else set the label to draw with. */
  chooseLabel(label) {
    if (!this.labels.includes(label)) return;
    this.currentLabel = label;
    if (this.drawing) this.drawing.label = label;
    if (this.selected >= 0 && this.shapes[this.selected].label !== label) {
      this.checkpoint();
      this.shapes[this.selected].label = label;
    }
    this.afterChange();
  }

  shortcut(index) {
    const label = this.labels[index];
    if (label === undefined) return false;
    this.chooseLabel(label);
    return true;
  }

  /** Wires the mouse and keys to the canvas (input.js). */
  wireCanvas() {}

  // The form

  gtemuOutput() {
    return this.value;
  }

  gtemuValidate() {
    if (this.drawing) {
      return `Finish the ${this.constructor.noun} you are drawing (Enter) or cancel it (Esc) before submitting.`;
    }
    if (!this.image) return 'The image has not loaded, so no answer can be given.';
    return '';
  }

  gtemuShowError(message) {
    this.showError(message);
    this.canvas.focus();
  }

  gtemuReset() {
    this.shapes = [];
    this.drawing = null;
    this.selected = -1;
    this.undoStack = [];
    this.redoStack = [];
    this.loadInitialValue();
    this.afterChange();
    this.showError('');
  }

  showError(message) {
    this.part('.error').textContent = message;
  }
}
