// The drawing machinery shared by the vector-annotation elements (vector.js): the image on a
// canvas with zoom and pan, labelled shapes kept in image pixels, selection, handles, undo/redo,
// the label picker, the list of shapes, keyboard drawing, and the answer scaffolding.
//
// Every shape is {label, points: [{x, y}, ...]} in the image's natural pixels (floats while
// editing; the answer rounds them). A subclass (one per element) says how many points its shape
// has, whether it is closed, how it is drawn and how it maps to and from AWS's answer shape.

import {
  CrowdElement, SHORTCUT_KEYS, escapeHtml, isTyping, shortcutsEnabled, uniqueId,
} from './base.js';
import { parseCategories, parseLiteral } from './literal.js';
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
const HANDLE_RADIUS = 5; // screen pixels
const CLICK_SLOP = 4; // a drag shorter than this (screen pixels) is a click

const KEY_HELP = 'Drag or click on the image to draw; Space places a point at the keyboard cursor '
  + '(arrow keys move it); Enter finishes; Esc cancels or deselects; Delete removes the selected '
  + 'shape; arrow keys move it; number keys choose its label; Ctrl+Z undoes, Ctrl+Shift+Z redoes.';

const clone = (shapes) => shapes.map((s) => ({ label: s.label, points: s.points.map((p) => ({ ...p })) }));
const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

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

/** Base of the vector elements. Subclasses set the statics below and implement
 * `toOutput(shape, size)` (AWS's answer shape) and `fromInput(object)` (a shape or null). */
export class VectorTool extends CrowdElement {
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
    this.image = null; // the loaded <img>
    this.view = { fit: 1, zoom: 1, x: 0, y: 0 };
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

  imageSize() {
    return this.image ? { width: this.image.naturalWidth, height: this.image.naturalHeight }
      : { width: 0, height: 0 };
  }

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
    root.querySelector('.zoom-in').addEventListener('click', () => this.zoomBy(1.25));
    root.querySelector('.zoom-out').addEventListener('click', () => this.zoomBy(0.8));
    root.querySelector('.zoom-reset').addEventListener('click', () => this.fit());
    root.querySelector('.pan').addEventListener('click', () => this.setPanMode(!this.panMode));
    root.querySelector('.undo').addEventListener('click', () => this.undo());
    root.querySelector('.redo').addEventListener('click', () => this.redo());
    this.wireCanvas();
    new ResizeObserver(() => this.resizeCanvas()).observe(this.stage);
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

  // The image and the view (image pixels -> canvas pixels: p * fit * zoom + offset)

  loadImage() {
    this.part('.image-error').hidden = true;
    const image = new Image();
    image.addEventListener('load', () => {
      if (this.pendingImage !== image) return;
      this.image = image;
      this.resizeCanvas();
      this.fit();
      if (this.valueProperty !== undefined) this.applyValue();
      else this.loadInitialValue();
    });
    image.addEventListener('error', () => {
      if (this.pendingImage === image && this.src) this.part('.image-error').hidden = false;
    });
    this.pendingImage = image;
    this.image = null;
    if (this.src) image.src = this.src;
    this.draw();
  }

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
    const size = this.imageSize();
    return list.map((item) => (item && typeof item === 'object' ? this.fromInput(item) : null))
      // As AWS documents for keypoints: a shape whose label is not among `labels` is not drawn.
      .filter((shape) => shape && (!labels.length || labels.includes(shape.label)))
      .map((shape) => ({ ...shape, points: shape.points.map((p) => this.clampPoint(p, size)) }));
  }

  clampPoint(point, size = this.imageSize()) {
    if (!size.width) return point;
    return { x: Math.min(Math.max(point.x, 0), size.width), y: Math.min(Math.max(point.y, 0), size.height) };
  }

  resizeCanvas() {
    const { canvas } = this;
    const image = this.image;
    const width = Math.max(this.stage.clientWidth - 2, 1);
    const height = Math.max(this.stage.clientHeight - 2, 1);
    // The canvas has the image's proportions, fitted to the stage (as AWS's element sizes it).
    const fit = image ? Math.min(width / image.naturalWidth, height / image.naturalHeight) : 1;
    const cssWidth = image ? Math.max(1, Math.floor(image.naturalWidth * fit)) : width;
    const cssHeight = image ? Math.max(1, Math.floor(image.naturalHeight * fit)) : height;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    if (image) {
      const scaleChange = fit / this.view.fit;
      this.view = { ...this.view, fit, x: this.view.x * scaleChange, y: this.view.y * scaleChange };
    }
    this.draw();
  }

  get scale() { return this.view.fit * this.view.zoom; }

  toCanvas(point) {
    return { x: point.x * this.scale + this.view.x, y: point.y * this.scale + this.view.y };
  }

  toImage(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left - this.view.x) / this.scale,
      y: (event.clientY - box.top - this.view.y) / this.scale,
    };
  }

  fit() {
    this.view = { ...this.view, zoom: 1, x: 0, y: 0 };
    this.draw();
  }

  zoomBy(factor, at = null) {
    const box = this.canvas.getBoundingClientRect();
    const px = at ? at.x : box.width / 2;
    const py = at ? at.y : box.height / 2;
    const zoom = Math.min(20, Math.max(1, this.view.zoom * factor));
    if (zoom === 1) {
      this.fit();
      return;
    }
    const ratio = zoom / this.view.zoom;
    this.view = { ...this.view, zoom, x: px - (px - this.view.x) * ratio, y: py - (py - this.view.y) * ratio };
    this.draw();
  }

  setPanMode(on) {
    this.panMode = on;
    this.part('.pan').setAttribute('aria-pressed', String(on));
    this.canvas.classList.toggle('panning', on);
  }

  // Drawing the canvas

  draw() {
    const { canvas } = this;
    if (!canvas) return;
    const context = canvas.getContext('2d');
    const ratio = canvas.width / Math.max(parseFloat(canvas.style.width) || canvas.width, 1);
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, canvas.width, canvas.height);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (this.image) {
      context.save();
      context.translate(this.view.x, this.view.y);
      context.scale(this.scale, this.scale);
      context.drawImage(this.image, 0, 0);
      context.restore();
    }
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

  // Drawing new shapes

  startShape(point) {
    if (this.currentLabel === null) {
      this.showError('There is no label to give a shape.');
      return;
    }
    this.select(-1);
    this.drawing = { label: this.currentLabel, points: [point] };
    if (this.constructor.twoCorner) this.drawing.points.push({ ...point });
    this.maybeFinish();
  }

  addPoint(point) {
    const { drawing } = this;
    const { closed, maxPoints, twoCorner } = this.constructor;
    if (twoCorner) {
      drawing.points[1] = point;
      this.finishShape();
      return;
    }
    const first = drawing.points[0];
    if (closed && drawing.points.length >= 3 && distance(this.toCanvas(first), this.toCanvas(point)) <= HANDLE_RADIUS + 3) {
      this.finishShape();
      return;
    }
    drawing.points.push(point);
    if (drawing.points.length >= maxPoints) this.finishShape();
    else this.afterChange();
  }

  maybeFinish() {
    if (this.drawing.points.length >= this.constructor.maxPoints && !this.constructor.twoCorner) this.finishShape();
    else this.afterChange();
  }

  /** Ends the shape being drawn: kept when it is a valid shape, else dropped. */
  finishShape() {
    const shape = this.drawing && this.normalize(this.drawing);
    this.drawing = null;
    if (shape && this.acceptable(shape)) {
      this.checkpoint();
      this.shapes.push(shape);
      this.selected = this.shapes.length - 1;
    }
    this.afterChange();
  }

  acceptable(shape) {
    return shape.points.length >= this.constructor.minPoints;
  }

  normalize(shape) {
    return shape;
  }

  cancelDrawing() {
    if (this.drawing) {
      this.drawing = null;
      this.afterChange();
      return true;
    }
    if (this.selected >= 0) {
      this.select(-1);
      return true;
    }
    return false;
  }

  // Mouse

  wireCanvas() {
    const { canvas } = this;
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      this.zoomBy(Math.exp(-event.deltaY / 500), { x: event.clientX - box.left, y: event.clientY - box.top });
    }, { passive: false });
    canvas.addEventListener('pointerdown', (event) => this.onPointerDown(event));
    canvas.addEventListener('pointermove', (event) => this.onPointerMove(event));
    canvas.addEventListener('pointerup', (event) => this.onPointerUp(event));
    canvas.addEventListener('pointercancel', () => { this.gesture = null; });
    canvas.addEventListener('dblclick', () => {
      if (this.drawing && this.constructor.maxPoints === Infinity) this.finishShape();
    });
    canvas.addEventListener('keydown', (event) => this.onCanvasKey(event));
    canvas.addEventListener('focus', () => this.draw());
    canvas.addEventListener('blur', () => this.draw());
  }

  onPointerDown(event) {
    if (!this.image || (event.button !== 0 && event.button !== 1)) return;
    this.canvas.focus({ preventScroll: true });
    this.keyboardUsed = false;
    this.canvas.setPointerCapture(event.pointerId);
    const point = this.clampPoint(this.toImage(event));
    const start = { id: event.pointerId, clientX: event.clientX, clientY: event.clientY, point };
    if (this.panMode || event.button === 1) {
      this.gesture = { ...start, type: 'pan', view: { ...this.view } };
      return;
    }
    if (this.drawing) {
      if (this.constructor.twoCorner) this.addPoint(point);
      else this.gesture = { ...start, type: 'place' };
      return;
    }
    const handle = this.hitHandle(point);
    if (handle >= 0) {
      this.gesture = { ...start, type: 'handle', handle, before: clone(this.shapes) };
      return;
    }
    // The selected shape moves when dragged anywhere on it; another shape is selected (and
    // dragged) by its outline. A press inside another closed shape starts a new shape there,
    // as AWS's polygon tool allows; for boxes a click there (without dragging) selects it.
    const onSelected = this.selected >= 0 && this.shapeHit(this.selected, point);
    const hit = onSelected ? this.selected : this.hitBorder(point);
    if (hit >= 0) {
      this.select(hit);
      this.gesture = { ...start, type: 'move', before: clone(this.shapes), original: clone([this.shapes[hit]])[0] };
      return;
    }
    const inside = this.insideShapeSelectsOnClick ? this.hitInside(point) : -1;
    this.startShape(point);
    if (inside >= 0) this.pressedInside = inside;
    if (this.drawing && this.constructor.twoCorner) this.gesture = { ...start, type: 'draw' };
  }

  onPointerMove(event) {
    const point = this.clampPoint(this.toImage(event));
    const gesture = this.gesture;
    if (!gesture || gesture.id !== event.pointerId) {
      this.hover = point;
      if (this.drawing && this.constructor.twoCorner) this.drawing.points[1] = point;
      this.canvas.classList.toggle('over-shape', !this.drawing && !this.panMode
        && (this.hitHandle(point) >= 0 || this.hitBorder(point) >= 0
          || (this.selected >= 0 && Boolean(this.shapeHit(this.selected, point)))));
      if (this.drawing) this.draw();
      return;
    }
    if (gesture.type === 'pan') {
      this.view = {
        ...this.view,
        x: gesture.view.x + event.clientX - gesture.clientX,
        y: gesture.view.y + event.clientY - gesture.clientY,
      };
    } else if (gesture.type === 'draw' && this.drawing) {
      this.drawing.points[1] = point;
    } else if (gesture.type === 'handle') {
      this.moveHandle(this.shapes[this.selected], gesture.handle, point);
    } else if (gesture.type === 'move') {
      this.shapes[this.selected] = this.translated(gesture.original, point.x - gesture.point.x, point.y - gesture.point.y);
    }
    this.draw();
  }

  onPointerUp(event) {
    const gesture = this.gesture;
    if (!gesture || gesture.id !== event.pointerId) return;
    this.gesture = null;
    const moved = Math.hypot(event.clientX - gesture.clientX, event.clientY - gesture.clientY) > CLICK_SLOP;
    const point = this.clampPoint(this.toImage(event));
    const pressedInside = this.pressedInside;
    this.pressedInside = -1;
    if (gesture.type === 'draw' && this.drawing) {
      // A drag draws the shape at once; a click leaves it open for a second click (or, inside
      // a box, selects that box).
      if (moved) this.addPoint(point);
      else if (pressedInside >= 0) {
        this.drawing = null;
        this.select(pressedInside);
      } else this.draw();
    } else if (gesture.type === 'place' && this.drawing) {
      this.addPoint(point);
    } else if ((gesture.type === 'handle' || gesture.type === 'move') && moved) {
      this.shapes[this.selected] = this.normalize(this.shapes[this.selected]);
      this.undoStack.push(gesture.before);
      this.redoStack = [];
      this.afterChange();
    } else if (gesture.type === 'handle' || gesture.type === 'move') {
      this.shapes = gesture.before;
      this.afterChange();
    }
  }

  /** `shape` moved by (dx, dy) image pixels, kept inside the image. */
  translated(shape, dx, dy) {
    const size = this.imageSize();
    const xs = shape.points.map((p) => p.x);
    const ys = shape.points.map((p) => p.y);
    const clampedDx = Math.min(Math.max(dx, -Math.min(...xs)), size.width - Math.max(...xs));
    const clampedDy = Math.min(Math.max(dy, -Math.min(...ys)), size.height - Math.max(...ys));
    return { label: shape.label, points: shape.points.map((p) => ({ x: p.x + clampedDx, y: p.y + clampedDy })) };
  }

  // Keyboard (on the canvas; undo, delete and labels also work from the page: see installVectorShortcuts)

  onCanvasKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey && !event.key.startsWith('Arrow')) return;
    const arrows = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    if (!this.image) return;
    if (arrows[event.key]) {
      event.preventDefault();
      this.keyboardUsed = true;
      // One arrow press: 8 screen pixels (at least one image pixel); with Shift: one image pixel.
      const step = event.shiftKey ? 1 : Math.max(1, Math.round(8 / this.scale));
      const [dx, dy] = arrows[event.key].map((d) => d * step);
      if (this.selected >= 0 && !this.drawing) this.nudgeSelected(dx, dy, event.altKey);
      else this.moveCursor(dx, dy);
      return;
    }
    if (event.key === ' ' || event.key === 'Spacebar') {
      event.preventDefault();
      this.keyboardUsed = true;
      const point = this.cursor ?? this.centre();
      this.cursor = point;
      if (this.drawing) this.addPoint({ ...point });
      else this.startShape({ ...point });
    } else if (event.key === 'Enter' && this.drawing) {
      event.preventDefault();
      if (this.constructor.twoCorner) this.addPoint({ ...(this.cursor ?? this.drawing.points[1]) });
      else this.finishShape();
    } else if (event.key === 'Escape') {
      if (this.cancelDrawing()) event.preventDefault();
    }
  }

  centre() {
    const { width, height } = this.imageSize();
    return { x: Math.round(width / 2), y: Math.round(height / 2) };
  }

  moveCursor(dx, dy) {
    const start = this.cursor ?? this.centre();
    this.cursor = this.clampPoint({ x: start.x + dx, y: start.y + dy });
    if (this.drawing && this.constructor.twoCorner) this.drawing.points[1] = { ...this.cursor };
    // Keep the cursor in view when zoomed in.
    const c = this.toCanvas(this.cursor);
    const box = this.canvas.getBoundingClientRect();
    if (c.x < 0 || c.x > box.width) this.view.x -= c.x < 0 ? c.x - 20 : c.x - box.width + 20;
    if (c.y < 0 || c.y > box.height) this.view.y -= c.y < 0 ? c.y - 20 : c.y - box.height + 20;
    this.draw();
  }

  /** Arrow keys on a selected shape: move it (Alt+arrows resize a box instead). */
  nudgeSelected(dx, dy, resize) {
    this.checkpoint();
    const shape = this.shapes[this.selected];
    if (resize && this.resizeBy) this.resizeBy(shape, dx, dy);
    else this.shapes[this.selected] = this.translated(shape, dx, dy);
    this.shapes[this.selected] = this.normalize(this.shapes[this.selected]);
    this.afterChange();
  }

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

/** Page-wide keys for the vector tool holding the focus (else the page's first one): number
 * keys choose labels, Ctrl+Z / Ctrl+Shift+Z / Ctrl+Y undo and redo; Delete/Backspace remove the
 * selected shape and Esc cancels a drawing or deselects (these only with the focus in the tool
 * or on the page itself). */
export function installVectorShortcuts() {
  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented) return;
    const path = event.composedPath();
    if (isTyping(path[0]) || path.some((node) => node instanceof HTMLDialogElement)) return;
    const inside = path.find((node) => node instanceof VectorTool);
    const onPage = path[0] === document.body || path[0] === document.documentElement;
    const tool = inside ?? [...document.querySelectorAll('*')].find((node) => node instanceof VectorTool);
    if (!tool || !tool.shadowRoot) return;
    const key = event.key.toLowerCase();
    const command = event.ctrlKey || event.metaKey;
    let handled = false;
    if (command && !event.altKey && (key === 'z' || key === 'y')) {
      if (key === 'y' || event.shiftKey) tool.redo();
      else tool.undo();
      handled = true;
    } else if (!command && !event.altKey && (event.key === 'Delete' || event.key === 'Backspace')
      && (inside || onPage)) {
      handled = tool.deleteSelected();
    } else if (event.key === 'Escape' && (inside || onPage)) {
      handled = tool.cancelDrawing();
    } else if (!command && !event.altKey && shortcutsEnabled() && SHORTCUT_KEYS.includes(event.key)) {
      handled = tool.shortcut(SHORTCUT_KEYS.indexOf(event.key));
    }
    if (handled) event.preventDefault();
  });
}
