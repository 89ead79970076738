// Mouse and keys of the segmentation elements (segmentation.js): painting and polygon points
// with the pointer, a keyboard cursor on the focused image, and the element's shortcuts.

import { SHORTCUT_KEYS, shortcutsEnabled } from './base.js';

/** [tool, label, shortcut key] */
export const TOOLS = [
  ['brush', 'Brush', 'b'], ['eraser', 'Eraser', 'e'], ['polygon', 'Polygon fill', 'p'], ['pan', 'Pan', 'h'],
];

export function wirePointer(element, viewport) {
  let drag = null;
  viewport.addEventListener('pointerdown', (event) => {
    viewport.focus({ preventScroll: true });
    if (!element.map) return;
    const pan = element.tool === 'pan' || event.button === 1;
    if (event.button !== 0 && !pan) return;
    event.preventDefault();
    const point = element.imagePoint(event);
    element.cursor = point;
    if (pan) {
      drag = { pan: true, x: event.clientX - element.view.x, y: event.clientY - element.view.y };
    } else if (element.tool === 'polygon') {
      element.addPolygonPoint(point);
      return;
    } else {
      element.map.checkpoint();
      element.paintTo(point);
      drag = { last: point };
    }
    viewport.setPointerCapture(event.pointerId);
  });
  viewport.addEventListener('pointermove', (event) => {
    if (!element.map) return;
    const point = element.imagePoint(event);
    element.cursor = point;
    if (drag?.pan) {
      element.view = { ...element.view, x: event.clientX - drag.x, y: event.clientY - drag.y };
      element.applyView();
    } else if (drag) {
      element.paintTo(point, drag.last);
      drag.last = point;
    } else {
      element.drawCursor();
      if (element.polygon.length) element.drawDraft();
    }
  });
  const stop = () => { drag = null; };
  viewport.addEventListener('pointerup', stop);
  viewport.addEventListener('pointercancel', stop);
  viewport.addEventListener('dblclick', () => {
    if (element.tool === 'polygon') element.closePolygon();
  });
}

/** Keys on the focused image: a keyboard cursor that paints and places polygon points. */
export function canvasKey(element, event) {
  if (!element.map || event.ctrlKey || event.metaKey || event.altKey) return;
  const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
  const from = element.cursor || { x: element.map.width / 2, y: element.map.height / 2 };
  if (moves[event.key]) {
    const step = event.shiftKey ? 10 : 1;
    const [dx, dy] = moves[event.key];
    const to = {
      x: Math.min(element.map.width - 0.5, Math.max(0.5, Math.floor(from.x) + 0.5 + dx * step)),
      y: Math.min(element.map.height - 0.5, Math.max(0.5, Math.floor(from.y) + 0.5 + dy * step)),
    };
    element.cursor = to;
    if (element.penDown && element.tool !== 'polygon') element.paintTo(to, from);
    element.drawCursor();
    element.drawDraft();
  } else if (event.key === ' ') {
    if (!event.repeat) {
      element.cursor = from;
      if (element.tool === 'polygon') element.addPolygonPoint(from);
      else if (element.tool !== 'pan') {
        element.map.checkpoint();
        element.paintTo(from);
        element.penDown = true;
      }
    }
  } else if (event.key === 'Enter' && element.tool === 'polygon') {
    element.closePolygon();
  } else if (event.key === 'Escape' && element.polygon.length) {
    element.polygon = [];
    element.drawDraft();
  } else {
    return;
  }
  event.preventDefault();
  event.stopPropagation();
}

/** Keys anywhere in the element: labels, tools, sizes, undo, zoom. */
export function shortcutKey(element, event) {
  if (event.defaultPrevented) return;
  const target = event.composedPath()[0];
  if (target instanceof HTMLInputElement && target.type === 'range') return;
  const key = event.key.toLowerCase();
  if ((event.ctrlKey || event.metaKey) && !event.altKey) {
    if (key === 'z') element.undo(event.shiftKey);
    else if (key === 'y') element.undo(true);
    else return;
    event.preventDefault();
    return;
  }
  if (event.altKey || event.ctrlKey || event.metaKey || !shortcutsEnabled()) return;
  const number = SHORTCUT_KEYS.indexOf(event.key);
  const chosenTool = TOOLS.find(([, , letter]) => letter === key);
  const viewport = element.part('.viewport');
  if (number >= 0) {
    if (!element.chooseLabel(number)) return;
  } else if (chosenTool) element.setTool(chosenTool[0]);
  else if (key === '[') element.setBrush(element.brush - (element.brush > 10 ? 5 : 1));
  else if (key === ']') element.setBrush(element.brush + (element.brush >= 10 ? 5 : 1));
  else if (key === '+' || key === '=') element.zoomAt(1.25, viewport.clientWidth / 2, viewport.clientHeight / 2);
  else if (key === '-') element.zoomAt(0.8, viewport.clientWidth / 2, viewport.clientHeight / 2);
  else if (key === 'f') element.fit();
  else if (key === 'n' && element.constructor.instances) element.newInstance();
  else return;
  event.preventDefault();
}
