// Pixel-exact painting on a label map for the segmentation elements. Canvas 2D paths are always
// anti-aliased, which would blend label colours at every edge; a label map must hold exactly one
// label per pixel, so the brush, the eraser and the polygon fill write whole pixels of a
// Uint8Array (0 = unlabelled, n = the n-th label or instance) and the canvas only shows it.

/** The colours Ground Truth's segmentation tools give labels, in order (d3's category10). */
export const LABEL_COLORS = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd',
  '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
];

/** A distinct colour for the n-th label (0-based); beyond ten, spread over the hue circle. */
export function labelColor(index, taken = []) {
  if (index < LABEL_COLORS.length && !taken.includes(LABEL_COLORS[index])) return LABEL_COLORS[index];
  for (let step = index; ; step += 1) {
    const hue = (step * 137.508) % 360;
    const color = hslToHex(hue, 65, 45 + (step % 3) * 8);
    if (!taken.includes(color) && !LABEL_COLORS.includes(color)) return color;
  }
}

function hslToHex(hue, saturation, lightness) {
  const s = saturation / 100;
  const l = lightness / 100;
  const k = (n) => (n + hue / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const channel = (n) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1))));
  return `#${[0, 8, 4].map((n) => channel(n).toString(16).padStart(2, '0')).join('')}`;
}

export function hexToRgb(color) {
  const value = parseInt(String(color).replace('#', ''), 16);
  return [(value >> 16) & 255, (value >> 8) & 255, value & 255];
}

/** A label map: width × height class indices with an undo history of whole-map snapshots. */
export class LabelMap {
  constructor(width, height) {
    this.width = width;
    this.height = height;
    this.classes = new Uint8Array(width * height);
    this.undoStack = [];
    this.redoStack = [];
  }

  /** Call before each stroke or fill: the state to return to on undo. */
  checkpoint() {
    this.undoStack.push(this.classes.slice());
    if (this.undoStack.length > 50) this.undoStack.shift();
    this.redoStack = [];
  }

  undo() {
    if (!this.undoStack.length) return false;
    this.redoStack.push(this.classes);
    this.classes = this.undoStack.pop();
    return true;
  }

  redo() {
    if (!this.redoStack.length) return false;
    this.undoStack.push(this.classes);
    this.classes = this.redoStack.pop();
    return true;
  }

  /** A filled disc of `radius` pixels around (x, y) set to `value`. */
  stamp(x, y, radius, value) {
    const cx = Math.floor(x);
    const cy = Math.floor(y);
    const r = Math.max(0, Math.floor(radius));
    const limit = (r + 0.5) * (r + 0.5);
    for (let dy = -r; dy <= r; dy += 1) {
      const row = cy + dy;
      if (row < 0 || row >= this.height) continue;
      for (let dx = -r; dx <= r; dx += 1) {
        const column = cx + dx;
        if (column < 0 || column >= this.width || dx * dx + dy * dy > limit) continue;
        this.classes[row * this.width + column] = value;
      }
    }
  }

  /** A stroke: discs every pixel along the segment from (x0, y0) to (x1, y1). */
  line(x0, y0, x1, y1, radius, value) {
    const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0)));
    for (let i = 0; i <= steps; i += 1) {
      this.stamp(x0 + ((x1 - x0) * i) / steps, y0 + ((y1 - y0) * i) / steps, radius, value);
    }
  }

  /** Fills a polygon (even-odd rule, pixel centres inside) with `value`. */
  fillPolygon(points, value) {
    if (points.length < 3) return;
    for (let row = 0; row < this.height; row += 1) {
      const y = row + 0.5;
      const crossings = [];
      for (let i = 0; i < points.length; i += 1) {
        const [ax, ay] = points[i];
        const [bx, by] = points[(i + 1) % points.length];
        if ((ay <= y && by > y) || (by <= y && ay > y)) crossings.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
      }
      crossings.sort((a, b) => a - b);
      for (let i = 0; i + 1 < crossings.length; i += 2) {
        const start = Math.max(0, Math.ceil(crossings[i] - 0.5));
        const end = Math.min(this.width - 1, Math.floor(crossings[i + 1] - 0.5));
        for (let column = start; column <= end; column += 1) this.classes[row * this.width + column] = value;
      }
    }
  }

  /** Class indices present in the map (without 0). */
  used() {
    const seen = new Set(this.classes);
    seen.delete(0);
    return [...seen].sort((a, b) => a - b);
  }

  /** RGBA pixels: opaque in the class's colour, transparent where unlabelled. */
  toImageData(colors) {
    const palette = colors.map((color) => hexToRgb(color));
    const data = new ImageData(this.width, this.height);
    const pixels = data.data;
    for (let i = 0; i < this.classes.length; i += 1) {
      const value = this.classes[i];
      if (!value) continue;
      const rgb = palette[value - 1];
      if (!rgb) continue;
      pixels[i * 4] = rgb[0];
      pixels[i * 4 + 1] = rgb[1];
      pixels[i * 4 + 2] = rgb[2];
      pixels[i * 4 + 3] = 255;
    }
    return data;
  }

  /** Reads a painted map (an earlier answer or job output) back: colour → class index. */
  readImageData(imageData, colors) {
    const lookup = new Map(colors.map((color, index) => [hexToRgb(color).join(','), index + 1]));
    const pixels = imageData.data;
    for (let i = 0; i < this.classes.length; i += 1) {
      if (pixels[i * 4 + 3] < 128) continue;
      const value = lookup.get(`${pixels[i * 4]},${pixels[i * 4 + 1]},${pixels[i * 4 + 2]}`);
      if (value) this.classes[i] = value;
    }
  }

  /** The map as plain base64 of a PNG (the data URL's prefix stripped), as AWS documents it. */
  toPngBase64(colors) {
    const canvas = document.createElement('canvas');
    canvas.width = this.width;
    canvas.height = this.height;
    canvas.getContext('2d').putImageData(this.toImageData(colors), 0, 0);
    return canvas.toDataURL('image/png').replace(/^data:image\/png;base64,/, '');
  }
}
