// The vector-annotation elements: crowd-bounding-box, crowd-polygon, crowd-keypoint, crowd-line
// and crowd-polyline (docs/elements.md). The machinery is in canvas.js; each class here says what
// its shape is and how it maps to AWS's documented answer (whole pixels of the natural image).

import { SHORTCUT_KEYS, isTyping, shortcutsEnabled } from './base.js';
import { VectorTool } from './input.js';

const isNumber = (value) => typeof value === 'number' && Number.isFinite(value);

function readPoint(item) {
  const x = Number(item?.x);
  const y = Number(item?.y);
  return Number.isFinite(x) && Number.isFinite(y) ? { x, y } : null;
}

function readVertices(item) {
  if (!Array.isArray(item.vertices)) return null;
  const points = item.vertices.map(readPoint);
  return points.every(Boolean) ? points : null;
}

const whole = (point, size) => ({
  x: Math.min(Math.max(Math.round(point.x), 0), size.width),
  y: Math.min(Math.max(Math.round(point.y), 0), size.height),
});

/** Drops repeated points (a double-click places the last one twice). */
function withoutRepeats(points) {
  return points.filter((point, index) => index === 0
    || Math.round(point.x) !== Math.round(points[index - 1].x)
    || Math.round(point.y) !== Math.round(points[index - 1].y));
}

/** crowd-bounding-box: {boundingBoxes: [{height, label, left, top, width}], inputImageProperties}.
 * A box is kept as its two opposite corners. */
export class CrowdBoundingBox extends VectorTool {
  static outputKey = 'boundingBoxes';
  static noun = 'box';
  static plural = 'boxes';
  static minPoints = 2;
  static maxPoints = 2;
  static twoCorner = true;

  edges(shape) {
    const [a, b] = shape.points;
    return { left: Math.min(a.x, b.x), top: Math.min(a.y, b.y), right: Math.max(a.x, b.x), bottom: Math.max(a.y, b.y) };
  }

  toOutput(shape, size) {
    const { left, top, right, bottom } = this.edges(shape);
    const corner = whole({ x: left, y: top }, size);
    const end = whole({ x: right, y: bottom }, size);
    return { height: end.y - corner.y, label: shape.label, left: corner.x, top: corner.y, width: end.x - corner.x };
  }

  fromInput(item) {
    const [left, top, width, height] = ['left', 'top', 'width', 'height'].map((key) => Number(item[key]));
    if (![left, top, width, height].every(Number.isFinite) || typeof item.label !== 'string') return null;
    return { label: item.label, points: [{ x: left, y: top }, { x: left + width, y: top + height }] };
  }

  normalize(shape) {
    const { left, top, right, bottom } = this.edges(shape);
    return { label: shape.label, points: [{ x: left, y: top }, { x: right, y: bottom }] };
  }

  acceptable(shape) {
    const { width, height } = this.toOutput(shape, this.imageSize());
    return width >= 1 && height >= 1;
  }

  /** Corners (top-left, top-right, bottom-right, bottom-left), then the middles of the top,
   * right, bottom and left edges. */
  handles(shape) {
    const { left, top, right, bottom } = this.edges(shape);
    const midX = (left + right) / 2;
    const midY = (top + bottom) / 2;
    return [
      { x: left, y: top }, { x: right, y: top }, { x: right, y: bottom }, { x: left, y: bottom },
      { x: midX, y: top }, { x: right, y: midY }, { x: midX, y: bottom }, { x: left, y: midY },
    ];
  }

  moveHandle(shape, index, point) {
    const edges = this.edges(shape);
    const moves = [['left', 'top'], ['right', 'top'], ['right', 'bottom'], ['left', 'bottom'],
      ['top'], ['right'], ['bottom'], ['left']][index];
    for (const edge of moves) edges[edge] = edge === 'left' || edge === 'right' ? point.x : point.y;
    shape.points = [{ x: edges.left, y: edges.top }, { x: edges.right, y: edges.bottom }];
  }

  resizeBy(shape, dx, dy) {
    const { left, top, right, bottom } = this.edges(shape);
    const size = this.imageSize();
    shape.points = [{ x: left, y: top }, {
      x: Math.min(Math.max(right + dx, left + 1), size.width),
      y: Math.min(Math.max(bottom + dy, top + 1), size.height),
    }];
  }

  tracePath(context, points) {
    if (points.length < 2) return;
    const [a, b] = points;
    context.beginPath();
    context.rect(Math.min(a.x, b.x), Math.min(a.y, b.y), Math.abs(b.x - a.x), Math.abs(b.y - a.y));
    context.fill();
    context.stroke();
  }

  insideShapeSelectsOnClick = true;

  shapeHit(index, point) {
    const { left, top, right, bottom } = this.edges(this.shapes[index]);
    const tolerance = 6 / this.scale;
    const within = (value, low, high) => value >= low - tolerance && value <= high + tolerance;
    if (!within(point.x, left, right) || !within(point.y, top, bottom)) return null;
    const nearEdge = Math.min(Math.abs(point.x - left), Math.abs(point.x - right),
      Math.abs(point.y - top), Math.abs(point.y - bottom)) <= tolerance;
    return nearEdge ? 'border' : 'inside';
  }

  hitInside(point) {
    for (let index = this.shapes.length - 1; index >= 0; index -= 1) {
      if (this.shapeHit(index, point) === 'inside') return index;
    }
    return -1;
  }
}

/** Shapes made of vertices: {label, vertices: [{x, y}, ...]}. */
class VertexTool extends VectorTool {
  toOutput(shape, size) {
    return { label: shape.label, vertices: shape.points.map((point) => whole(point, size)) };
  }

  fromInput(item) {
    const points = readVertices(item);
    if (!points || typeof item.label !== 'string') return null;
    return { label: item.label, points };
  }

  normalize(shape) {
    return { label: shape.label, points: withoutRepeats(shape.points) };
  }

  acceptable(shape) {
    return withoutRepeats(shape.points).length >= this.constructor.minPoints;
  }
}

/** crowd-polygon: {inputImageProperties, polygons: [{label, vertices}]}; 3 or more vertices.
 * Click to place vertices; click the first vertex, double-click or press Enter to close. */
export class CrowdPolygon extends VertexTool {
  static outputKey = 'polygons';
  static noun = 'polygon';
  static plural = 'polygons';
  static minPoints = 3;
  static maxPoints = Infinity;
  static closed = true;
}

/** crowd-polyline: {inputImageProperties, polylines: [{label, vertices}]}; 2 or more vertices,
 * finished with Enter or a double-click. */
export class CrowdPolyline extends VertexTool {
  static outputKey = 'polylines';
  static noun = 'polyline';
  static plural = 'polylines';
  static minPoints = 2;
  static maxPoints = Infinity;
}

/** crowd-line: {inputImageProperties, lines: [{label, vertices: [start, end]}]}; drag, or click
 * the start and then the end. */
export class CrowdLine extends VertexTool {
  static outputKey = 'lines';
  static noun = 'line';
  static plural = 'lines';
  static minPoints = 2;
  static maxPoints = 2;
  static twoCorner = true;
}

/** crowd-keypoint: {inputImageProperties, keypoints: [{label, x, y}]}; one click per point. */
export class CrowdKeypoint extends VectorTool {
  static outputKey = 'keypoints';
  static noun = 'keypoint';
  static plural = 'keypoints';

  toOutput(shape, size) {
    const { x, y } = whole(shape.points[0], size);
    return { label: shape.label, x, y };
  }

  fromInput(item) {
    const point = readPoint(item);
    return point && typeof item.label === 'string' && isNumber(point.x) ? { label: item.label, points: [point] } : null;
  }

  tracePath(context, points) {
    if (!points.length) return;
    context.beginPath();
    context.arc(points[0].x, points[0].y, 6, 0, 2 * Math.PI);
    context.fill();
    context.stroke();
  }

  handles() {
    return [];
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
