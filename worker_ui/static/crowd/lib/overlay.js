// The `overlay` of crowd-image-classifier(-multi-select): an earlier job's labels drawn over the
// image for verification tasks (docs/elements.md#the-overlay-of-the-image-classifiers).
//
//   { boundingBox: { labels: [...], value: [{ label, left, top, width, height }, ...] } }
//   { semanticSegmentation: { labels: [...], labelMappings: { cat: { color: '#2ca02c' } }, src } }
//   { instanceSegmentation: <the same shape as semanticSegmentation> }
//
// Boxes are in image pixels; a label map is an earlier job's PNG (background #ffffff) of which
// only the labelMappings colours are shown. Everything sits in `.overlay`, which covers exactly
// the picture inside the classifier's zoomed and panned layer, so it follows zoom and pan.

import { escapeHtml } from './base.js';
import { parseLiteral } from './literal.js';
import { hexToRgb, labelColor } from './raster.js';

export const OVERLAY_KINDS = ['boundingBox', 'semanticSegmentation', 'instanceSegmentation'];
const MAP_KINDS = ['semanticSegmentation', 'instanceSegmentation'];
const BOX_KEYS = ['left', 'top', 'width', 'height'];

export const OVERLAY_CSS = `
.layer { position: absolute; inset: 0; transform-origin: 0 0; --zoom: 1; }
.overlay { position: absolute; pointer-events: none; }
.overlay[hidden], .overlay-panel[hidden], .overlay-opacity[hidden] { display: none; }
.overlay canvas { position: absolute; inset: 0; width: 100%; height: 100%;
  image-rendering: pixelated; }
.overlay .box { position: absolute; box-sizing: border-box; border: calc(2px / var(--zoom)) solid;
  background: color-mix(in srgb, currentColor 12%, transparent); }
.overlay .box-label { position: absolute; left: calc(-2px / var(--zoom)); bottom: 100%;
  font-size: calc(12px / var(--zoom)); line-height: 1.3; padding: 0 .3em; color: #fff;
  white-space: nowrap; }
.overlay-error { position: absolute; inset: 0 7.5em auto 0; background: #fff; margin: 0;
  padding: .5em; border-bottom: 2px solid #d13212; color: #d13212; }
.overlay-panel { border: 1px solid #d5dbdb; border-radius: 3px; padding: .5em; margin-bottom: .8em; }
.overlay-panel h2 { font-size: 1em; margin: 0 0 .4em; }
.overlay-toggle, .overlay-opacity { display: flex; align-items: center; gap: .4em; margin: .2em 0; }
.overlay-opacity input { flex: 1 1 auto; min-width: 0; }
.overlay-legend { list-style: none; margin: .4em 0 0; padding: 0; }
.overlay-legend li { display: flex; align-items: center; gap: .4em; margin: .15em 0; }
.swatch { width: 1em; height: 1em; border: 1px solid #545b64; flex: none; }
`;

/** The side panel: show/hide, opacity (label maps only) and the legend. */
export const OVERLAY_PANEL_MARKUP = `
<div class="overlay-panel" hidden>
  <h2>Overlay</h2>
  <label class="overlay-toggle"><input type="checkbox" class="overlay-shown" checked
    aria-keyshortcuts="o"> Show overlay (O)</label>
  <label class="overlay-opacity" hidden>Opacity
    <input type="range" class="overlay-alpha" min="0" max="100" value="60"></label>
  <ul class="overlay-legend" aria-label="Overlay labels"></ul>
</div>`;

export class OverlayError extends Error {}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function labelList(value, kind) {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OverlayError(`${kind}.labels must be a list of label names`);
  return value.map((label) => (isObject(label) ? String(label.label ?? label.text ?? '') : String(label)));
}

function readBoxes(body) {
  const value = body.value ?? [];
  if (!Array.isArray(value)) throw new OverlayError('boundingBox.value must be a list of boxes');
  return value.map((box, index) => {
    if (!isObject(box)) throw new OverlayError(`boundingBox.value[${index}] is not a box`);
    for (const key of BOX_KEYS) {
      if (typeof box[key] !== 'number' || !Number.isFinite(box[key])) {
        throw new OverlayError(`boundingBox.value[${index}] needs a number "${key}"`);
      }
    }
    return { label: String(box.label ?? ''), left: box.left, top: box.top, width: box.width, height: box.height };
  });
}

function readMap(body, kind) {
  if (typeof body.src !== 'string' || !body.src.trim()) {
    throw new OverlayError(`${kind} needs "src", the URL of the earlier label map`);
  }
  const mappings = body.labelMappings ?? {};
  if (!isObject(mappings) || !Object.keys(mappings).length) {
    throw new OverlayError(`${kind} needs "labelMappings" ({ label: { color: '#rrggbb' } })`);
  }
  const colors = {};
  for (const [label, mapping] of Object.entries(mappings)) {
    const color = isObject(mapping) ? mapping.color : undefined;
    if (typeof color !== 'string' || !/^#[0-9a-f]{6}$/i.test(color.trim())) {
      throw new OverlayError(`${kind}.labelMappings["${label}"] needs a color such as '#2ca02c'`);
    }
    colors[label] = color.trim().toLowerCase();
  }
  return { src: body.src.trim(), colors };
}

/** The layers of an `overlay` attribute; throws OverlayError saying what is wrong. Empty or
 * absent: no layers. */
export function readOverlay(text) {
  if (text === null || text === undefined || !String(text).trim()) return [];
  let parsed;
  try {
    parsed = parseLiteral(String(text));
  } catch (error) {
    throw new OverlayError(`it cannot be read (${error.message})`);
  }
  if (!isObject(parsed) || !Object.keys(parsed).length) {
    throw new OverlayError(`it must be an object with one of ${OVERLAY_KINDS.join(', ')}`);
  }
  return Object.entries(parsed).map(([kind, body]) => {
    if (!OVERLAY_KINDS.includes(kind)) {
      throw new OverlayError(`"${kind}" is not an overlay gtemu knows; use ${OVERLAY_KINDS.join(', ')}`);
    }
    if (!isObject(body)) throw new OverlayError(`${kind} must be an object`);
    const labels = labelList(body.labels, kind);
    if (kind === 'boundingBox') return { kind, labels, boxes: readBoxes(body) };
    return { kind, labels, ...readMap(body, kind) };
  });
}

/** Draws the overlay of one classifier: `picture` is the `.overlay` box inside the zoomed layer,
 * `panel` the side panel, `message` the element's visible error line. */
export class ImageOverlay {
  constructor({ picture, panel, message, image }) {
    this.picture = picture;
    this.panel = panel;
    this.message = message;
    this.image = image;
    this.layers = [];
    this.generation = 0;
    this.shown = true;
    panel.querySelector('.overlay-shown').addEventListener('change', (event) => {
      this.show(event.target.checked);
    });
    panel.querySelector('.overlay-alpha').addEventListener('input', () => this.applyOpacity());
  }

  get active() {
    return this.layers.length > 0;
  }

  /** Reads the attribute and draws it (again). */
  set(text) {
    this.generation += 1;
    this.picture.replaceChildren();
    this.message.hidden = true;
    try {
      this.layers = readOverlay(text);
    } catch (error) {
      this.layers = [];
      this.showMessage(`This task's overlay cannot be shown: ${error.message}`);
    }
    this.panel.hidden = !this.active;
    this.panel.querySelector('.overlay-opacity').hidden = !this.layers.some((l) => MAP_KINDS.includes(l.kind));
    this.renderLegend();
    for (const layer of this.layers) {
      if (layer.kind === 'boundingBox') this.drawBoxes(layer);
      else this.drawMap(layer, this.generation);
    }
    this.applyOpacity();
    this.layout();
  }

  showMessage(text) {
    this.message.textContent = text;
    this.message.hidden = false;
  }

  /** Colour of each label: a map's labelMappings, else the segmentation palette by position. */
  colorOf(layer, label) {
    if (layer.colors && layer.colors[label]) return layer.colors[label];
    const names = this.namesOf(layer);
    return labelColor(Math.max(0, names.indexOf(label)));
  }

  namesOf(layer) {
    const names = [...layer.labels];
    const more = layer.boxes ? layer.boxes.map((box) => box.label) : Object.keys(layer.colors);
    for (const name of more) if (!names.includes(name)) names.push(name);
    return names;
  }

  renderLegend() {
    const items = [];
    for (const layer of this.layers) {
      const names = layer.colors ? this.namesOf(layer).filter((n) => layer.colors[n]) : this.namesOf(layer);
      for (const name of names) {
        const color = this.colorOf(layer, name);
        items.push(`<li><span class="swatch" style="background:${color}"></span>`
          + `<span class="legend-label">${escapeHtml(name)}</span></li>`);
      }
    }
    this.panel.querySelector('.overlay-legend').innerHTML = items.join('');
  }

  drawBoxes(layer) {
    for (const box of layer.boxes) {
      const element = document.createElement('div');
      element.className = 'box';
      element.dataset.label = box.label;
      element.dataset.left = String(box.left);
      element.dataset.top = String(box.top);
      element.dataset.width = String(box.width);
      element.dataset.height = String(box.height);
      element.style.color = this.colorOf(layer, box.label);
      const tag = document.createElement('span');
      tag.className = 'box-label';
      tag.style.background = element.style.color;
      tag.textContent = box.label;
      element.append(tag);
      this.picture.append(element);
    }
  }

  drawMap(layer, generation) {
    const canvas = document.createElement('canvas');
    canvas.className = 'overlay-map';
    canvas.dataset.kind = layer.kind;
    this.picture.append(canvas);
    const map = new Image();
    map.crossOrigin = 'anonymous';
    map.addEventListener('load', () => {
      if (generation !== this.generation) return;
      canvas.width = map.naturalWidth;
      canvas.height = map.naturalHeight;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.imageSmoothingEnabled = false;
      context.drawImage(map, 0, 0);
      let pixels;
      try {
        pixels = context.getImageData(0, 0, canvas.width, canvas.height);
      } catch {
        this.showMessage('The overlay\'s label map could not be read (the server does not allow it).');
        return;
      }
      // Only the labels' colours are shown; the background and anything else is transparent.
      // Colours are compared as packed 24-bit numbers (no string per pixel: maps are large).
      const shown = new Set(Object.values(layer.colors).map((color) => {
        const [r, g, b] = hexToRgb(color);
        return (r << 16) | (g << 8) | b;
      }));
      const data = pixels.data;
      for (let i = 0; i < data.length; i += 4) {
        const keep = data[i + 3] >= 128 && shown.has((data[i] << 16) | (data[i + 1] << 8) | data[i + 2]);
        data[i + 3] = keep ? 255 : 0;
      }
      context.putImageData(pixels, 0, 0);
      canvas.dataset.ready = 'true';
      canvas.dispatchEvent(new Event('gtemu:overlay-ready', { bubbles: true, composed: true }));
    });
    map.addEventListener('error', () => {
      if (generation === this.generation) this.showMessage('The overlay\'s label map could not be loaded.');
    });
    map.src = layer.src;
  }

  applyOpacity() {
    const alpha = Number(this.panel.querySelector('.overlay-alpha').value) / 100;
    for (const canvas of this.picture.querySelectorAll('canvas')) canvas.style.opacity = String(alpha);
  }

  /** Shows or hides the drawing (the `o` key and the checkbox). */
  show(on) {
    this.shown = on;
    this.panel.querySelector('.overlay-shown').checked = on;
    this.layout();
  }

  toggle() {
    if (!this.active) return false;
    this.show(!this.shown);
    return true;
  }

  /** Places `.overlay` over the picture as `object-fit: contain` shows it in the (unzoomed)
   * layer, and the boxes in percent of the image's natural size. */
  layout() {
    const width = this.image.naturalWidth;
    const height = this.image.naturalHeight;
    const layer = this.picture.parentElement;
    const ready = this.active && width > 0 && height > 0 && this.image.complete;
    this.picture.hidden = !(ready && this.shown);
    if (!ready) return;
    const scale = Math.min(layer.clientWidth / width, layer.clientHeight / height);
    const shownWidth = width * scale;
    const shownHeight = height * scale;
    Object.assign(this.picture.style, {
      left: `${(layer.clientWidth - shownWidth) / 2}px`,
      top: `${(layer.clientHeight - shownHeight) / 2}px`,
      width: `${shownWidth}px`,
      height: `${shownHeight}px`,
    });
    for (const box of this.picture.querySelectorAll('.box')) {
      const percent = (key, total) => `${(Number(box.dataset[key]) / total) * 100}%`;
      box.style.left = percent('left', width);
      box.style.top = percent('top', height);
      box.style.width = percent('width', width);
      box.style.height = percent('height', height);
    }
  }
}
