// The image of an annotation tool on a <canvas class="upper-canvas">: loading, fitting the canvas
// to the image's proportions inside its stage (as AWS's element sizes it; templates overlay it),
// zoom around a point, pan, and the mapping between image pixels and canvas pixels:
//   canvas = image * fit * zoom + offset.

export class ImageView {
  /** `redraw()` is called whenever the picture must be painted again. */
  constructor(canvas, stage, redraw) {
    this.canvas = canvas;
    this.stage = stage;
    this.redraw = redraw;
    this.image = null; // the loaded <img>
    this.pending = null;
    this.view = { fit: 1, zoom: 1, x: 0, y: 0 };
    canvas.addEventListener('wheel', (event) => {
      event.preventDefault();
      const box = canvas.getBoundingClientRect();
      this.zoomBy(Math.exp(-event.deltaY / 500), { x: event.clientX - box.left, y: event.clientY - box.top });
    }, { passive: false });
    new ResizeObserver(() => this.resize()).observe(stage);
  }

  /** Loads `src`; `onLoad()` once it can be drawn, `onError()` if it cannot be loaded. */
  load(src, { onLoad, onError }) {
    const image = new Image();
    image.addEventListener('load', () => {
      if (this.pending !== image) return;
      this.image = image;
      this.resize();
      this.fit();
      onLoad();
    });
    image.addEventListener('error', () => {
      if (this.pending === image && src) onError();
    });
    this.pending = image;
    this.image = null;
    if (src) image.src = src;
    this.redraw();
  }

  /** The natural size of the image (0 × 0 until it has loaded). */
  size() {
    return this.image ? { width: this.image.naturalWidth, height: this.image.naturalHeight }
      : { width: 0, height: 0 };
  }

  clamp(point) {
    const { width, height } = this.size();
    if (!width) return point;
    return { x: Math.min(Math.max(point.x, 0), width), y: Math.min(Math.max(point.y, 0), height) };
  }

  get scale() { return this.view.fit * this.view.zoom; }

  toCanvas(point) {
    return { x: point.x * this.scale + this.view.x, y: point.y * this.scale + this.view.y };
  }

  /** The image point under a mouse event. */
  toImage(event) {
    const box = this.canvas.getBoundingClientRect();
    return {
      x: (event.clientX - box.left - this.view.x) / this.scale,
      y: (event.clientY - box.top - this.view.y) / this.scale,
    };
  }

  resize() {
    const { canvas, image } = this;
    const width = Math.max(this.stage.clientWidth - 2, 1);
    const height = Math.max(this.stage.clientHeight - 2, 1);
    const fit = image ? Math.min(width / image.naturalWidth, height / image.naturalHeight) : 1;
    const cssWidth = image ? Math.max(1, Math.floor(image.naturalWidth * fit)) : width;
    const cssHeight = image ? Math.max(1, Math.floor(image.naturalHeight * fit)) : height;
    const ratio = window.devicePixelRatio || 1;
    canvas.style.width = `${cssWidth}px`;
    canvas.style.height = `${cssHeight}px`;
    canvas.width = Math.round(cssWidth * ratio);
    canvas.height = Math.round(cssHeight * ratio);
    if (image) {
      const change = fit / this.view.fit;
      this.view = { ...this.view, fit, x: this.view.x * change, y: this.view.y * change };
    }
    this.redraw();
  }

  fit() {
    this.view = { ...this.view, zoom: 1, x: 0, y: 0 };
    this.redraw();
  }

  /** Zooms by `factor` (1× to 20×) keeping canvas point `at` (default: the centre) in place. */
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
    this.redraw();
  }

  /** Pans to the offset `start` plus (dx, dy) canvas pixels (start: a view saved earlier). */
  panFrom(start, dx, dy) {
    this.view = { ...this.view, x: start.x + dx, y: start.y + dy };
    this.redraw();
  }

  /** Pans just enough for image point `point` to be visible. */
  keepInView(point) {
    const c = this.toCanvas(point);
    const box = this.canvas.getBoundingClientRect();
    const margin = 20;
    if (c.x < 0) this.view.x -= c.x - margin;
    else if (c.x > box.width) this.view.x -= c.x - box.width + margin;
    if (c.y < 0) this.view.y -= c.y - margin;
    else if (c.y > box.height) this.view.y -= c.y - box.height + margin;
  }

  /** A 2D context in canvas pixels with the image painted; the caller draws on top. */
  paint() {
    const { canvas } = this;
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
    return context;
  }
}
