// How the mouse and the keyboard drive a vector element (the element itself is canvas.js):
// drawing new shapes, selecting, dragging shapes and their handles, panning, and the keyboard
// cursor that lets every shape be drawn without a mouse.

import {
  HANDLE_RADIUS, VectorCanvas, clone, distance,
} from './canvas.js';

const CLICK_SLOP = 4; // a drag shorter than this (screen pixels) is a click

export class VectorTool extends VectorCanvas {
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
      this.gesture = { ...start, type: 'pan', view: { ...this.imageView.view } };
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
      this.imageView.panFrom(gesture.view, event.clientX - gesture.clientX, event.clientY - gesture.clientY);
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
    this.imageView.keepInView(this.cursor); // when zoomed in
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
}
