// Crowd HTML Elements V2 for generative-AI data (crowd-html-elements-v2.js):
// crowd-text-ranking (here) and crowd-question-answer-generation (qa.js). Their answers sit flat in the answer
// object (static flatOutput), in the shapes of docs/elements.md:
//   {"ordinalRankingDimensions": [{"name", "allowTie", "responseRankings": [r1, ...]}, ...]}
//   {"questionAnswerPairs": [{"question", "answer", "tags", "references": [{startOffset, endOffset}]}]}
// Offsets are Unicode code points into `text`, end exclusive.

import { CrowdElement, escapeHtml, uniqueId } from './base.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

export const GENAI_CSS = `${TOOL_CSS}
:host { display: block; margin-bottom: 1em; }
.prompt, .passage { white-space: pre-wrap; background: #f2f3f3; border: 1px solid #d5dbdb;
  border-radius: 3px; padding: .6em .8em; margin: 0 0 1em; line-height: 1.5; }
.passage mark { background: #ffe57f; color: inherit; }
.passage mark.current { background: #9ad0f5; }
h2 { font-size: 1.1em; margin: .8em 0 .4em; }
.responses { list-style: none; padding: 0; margin: 0 0 1em; display: grid; gap: .5em; }
.responses li { border: 1px solid #d5dbdb; border-radius: 3px; padding: .5em .7em; }
.response-label { font-weight: bold; margin-right: .4em; }
.dimension { border: 1px solid #d5dbdb; border-radius: 3px; padding: .6em .8em; margin: 0 0 1em; }
.dimension h3 { margin: 0 0 .3em; font-size: 1em; }
.tie-rule { color: #414750; font-size: .9em; margin: 0 0 .5em; }
.lists { display: flex; gap: 1em; flex-wrap: wrap; }
.list-box { flex: 1 1 240px; min-width: 0; }
.list-box h4 { margin: 0 0 .3em; font-size: .9em; color: #414750; }
ol.ranked, ul.pool { min-height: 3em; margin: 0; padding: .3em; border: 1px dashed #879596;
  border-radius: 3px; list-style: none; }
ol.ranked.drop-target, ul.pool.drop-target { background: #f1faff; border-color: #0a5a8c; }
.item { display: flex; align-items: center; gap: .5em; padding: .35em .5em; margin: .2em 0;
  background: #fff; border: 1px solid #aab7b8; border-radius: 3px; cursor: grab;
  touch-action: none; user-select: none; }
.item.dragging { opacity: .5; }
.item.insert-before { box-shadow: 0 -3px 0 #0a5a8c; }
.item.insert-after { box-shadow: 0 3px 0 #0a5a8c; }
.rank { font-weight: bold; min-width: 1.6em; text-align: center; background: #0a5a8c; color: #fff;
  border-radius: 2px; }
.pool .rank { display: none; }
.item .text { flex: 1 1 auto; overflow-wrap: anywhere; }
.item label { font-size: .85em; white-space: nowrap; cursor: pointer; }
.keys-hint { color: #414750; font-size: .85em; margin: .4em 0 0; }
.pair { border: 1px solid #d5dbdb; border-radius: 3px; padding: .6em .8em; margin: 0 0 .8em; }
.pair.current { border-color: #0a5a8c; }
.pair h3 { margin: 0 0 .4em; font-size: 1em; display: flex; justify-content: space-between; }
.field { display: block; margin: .4em 0; }
.field span { display: block; font-weight: bold; font-size: .9em; }
.field textarea, .field input, .field select { font: inherit; width: 100%; padding: .3em; }
.count { font-size: .85em; color: #414750; }
.references { margin: .3em 0; padding-left: 1.2em; }
.pair-error { color: #b0281a; font-size: .9em; margin: .2em 0; }
.pair-error:empty { display: none; }
`;

function parseJsonAttribute(element, name) {
  const raw = element.getAttribute(name);
  if (raw === null) throw new Error(`the "${name}" attribute is missing`);
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new Error(`"${name}" is not valid JSON (${error.message})`);
  }
}

export function announceChange(element) {
  element.dispatchEvent(new CustomEvent('gtemu:change', { bubbles: true, composed: true }));
}

export function wordCount(text) {
  const words = String(text).trim().split(/\s+/u);
  return words[0] === '' ? 0 : words.length;
}

/** Code points before UTF-16 index `index` of `text`. */
export function codePoints(text, index) {
  return [...text.slice(0, index)].length;
}

// -- crowd-text-ranking ------------------------------------------------------------------------

const RANKING_KEYS_HINT = 'Keys: Enter ranks a response or sends it back, \u2191/\u2193 move it, '
  + 'T ties it with the one above (where ties are allowed).';

export class CrowdTextRanking extends CrowdElement {
  static css = GENAI_CSS;
  static flatOutput = true;
  static shadowOptions = { slotAssignment: 'manual' };
  static observedAttributes = ['text', 'responses', 'ordinal-ranking-dimensions'];

  constructor() {
    super();
    this.orders = []; // per dimension: the ranked response indexes, best first
    this.ties = []; // per dimension: Set of ranked positions tied with the one above
    this.dragging = null;
  }

  render() {
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h2>Prompt</h2><div class="prompt"></div>
      <h2>Responses</h2><ol class="responses"></ol>
      <div class="dimensions"></div>
      <p class="error" role="alert"></p>
      <p class="keys-hint">${RANKING_KEYS_HINT}</p>`);
    this.layout = new ToolLayout(this);
    const root = this.shadowRoot;
    root.addEventListener('pointerdown', (event) => this.startDrag(event));
    root.addEventListener('keydown', (event) => this.onKey(event));
    root.addEventListener('change', (event) => {
      const box = event.target.closest('input.tie');
      if (box) this.setTie(Number(box.dataset.dimension), Number(box.dataset.position), box.checked);
    });
  }

  update(attribute) {
    if (attribute === 'text') {
      this.part('.prompt').textContent = this.getAttribute('text') || '';
      return;
    }
    this.part('.prompt').textContent = this.getAttribute('text') || '';
    try {
      this.responses = parseJsonAttribute(this, 'responses');
      if (!Array.isArray(this.responses)) throw new Error('"responses" must be a JSON array of strings');
      const dimensions = parseJsonAttribute(this, 'ordinal-ranking-dimensions');
      if (!Array.isArray(dimensions)) throw new Error('"ordinal-ranking-dimensions" must be a JSON array');
      this.dimensions = dimensions.map((d) => ({ name: String(d.name), allowTie: d.allowTie === true }));
    } catch (error) {
      this.responses = [];
      this.dimensions = [];
      this.part('.responses').textContent = '';
      this.part('.dimensions').textContent = '';
      this.showError(`This task's crowd-text-ranking cannot be read: ${error.message}`);
      return;
    }
    this.orders = this.dimensions.map(() => []);
    this.ties = this.dimensions.map(() => new Set());
    this.part('.responses').innerHTML = this.responses.map((text, index) => `<li>
      <span class="response-label">Response ${index + 1}</span>${escapeHtml(text)}</li>`).join('');
    this.renderDimensions();
  }

  renderDimensions(focus = null) {
    const box = this.part('.dimensions');
    box.innerHTML = this.dimensions.map((dimension, d) => {
      const headingId = uniqueId('dimension');
      const ranked = this.orders[d];
      const unranked = this.responses.map((_, i) => i).filter((i) => !ranked.includes(i));
      const ranks = this.ranksOf(d);
      const item = (response, position) => {
        const tie = position !== null && position > 0 && dimension.allowTie
          ? `<label><input type="checkbox" class="tie" data-dimension="${d}" data-position="${position}"
              ${this.ties[d].has(position) ? 'checked' : ''}> tie with above</label>` : '';
        const rank = position === null ? '' : `<span class="rank" aria-label="rank">${ranks[response]}</span>`;
        return `<li class="item" tabindex="0" data-dimension="${d}" data-response="${response}"
          aria-label="Response ${response + 1}${position === null ? ', unranked' : `, rank ${ranks[response]}`}">
          ${rank}<span class="text">Response ${response + 1}</span>${tie}</li>`;
      };
      return `<section class="dimension" data-dimension="${d}" aria-labelledby="${headingId}">
        <h3 id="${headingId}">${escapeHtml(dimension.name)}</h3>
        <p class="tie-rule">${dimension.allowTie ? 'Ties are allowed.' : 'Ties are not allowed: every response needs its own rank.'}</p>
        <div class="lists">
          <div class="list-box"><h4>Ranked (best first)</h4>
            <ol class="ranked" data-dimension="${d}">${ranked.map((r, p) => item(r, p)).join('')}</ol></div>
          <div class="list-box"><h4>Not ranked yet</h4>
            <ul class="pool" data-dimension="${d}">${unranked.map((r) => item(r, null)).join('')}</ul></div>
        </div>
        <p class="error dimension-error" role="alert"></p>
      </section>`;
    }).join('');
    if (focus) {
      const target = box.querySelector(`.item[data-dimension="${focus.d}"][data-response="${focus.r}"]`);
      if (target) target.focus();
    }
  }

  /** Dense ranks per response of dimension `d` (null when unranked). */
  ranksOf(d) {
    const ranks = this.responses.map(() => null);
    let rank = 0;
    this.orders[d].forEach((response, position) => {
      if (!(position > 0 && this.ties[d].has(position))) rank += 1;
      ranks[response] = rank;
    });
    return ranks;
  }

  /** Moves `response` of dimension `d` to `position` of the ranked list (null: unranked). */
  place(d, response, position) {
    const order = this.orders[d];
    const tiedBefore = [...this.ties[d]].map((p) => order[p]);
    const from = order.indexOf(response);
    if (from >= 0) order.splice(from, 1);
    if (position !== null) order.splice(Math.min(position, order.length), 0, response);
    // Ties follow the response they were set on (a tie "with the one above").
    this.ties[d] = new Set(tiedBefore.filter((r) => r !== response)
      .map((r) => order.indexOf(r)).filter((p) => p > 0));
    this.changed({ d, r: response });
  }

  setTie(d, position, on) {
    if (!this.dimensions[d].allowTie) {
      this.dimensionMessage(d, `Ties are not allowed in ${this.dimensions[d].name}.`);
      return;
    }
    if (on) this.ties[d].add(position);
    else this.ties[d].delete(position);
    this.changed({ d, r: this.orders[d][position] });
  }

  changed(focus) {
    this.renderDimensions(focus);
    this.showError('');
    announceChange(this);
  }

  dimensionMessage(d, message) {
    const box = this.shadowRoot.querySelectorAll('.dimension-error')[d];
    if (box) box.textContent = message;
  }

  onKey(event) {
    const item = event.target.closest && event.target.closest('.item');
    if (!item || event.target.closest('input')) return;
    const d = Number(item.dataset.dimension);
    const response = Number(item.dataset.response);
    const position = this.orders[d].indexOf(response);
    const key = event.key;
    if (key === 'Enter' || key === ' ') {
      this.place(d, response, position < 0 ? this.orders[d].length : null);
    } else if (key === 'ArrowUp' && position > 0) {
      this.place(d, response, position - 1);
    } else if (key === 'ArrowDown' && position >= 0 && position < this.orders[d].length - 1) {
      this.place(d, response, position + 1);
    } else if (key === 'Delete' || key === 'Backspace') {
      if (position >= 0) this.place(d, response, null);
    } else if (key === 't' || key === 'T') {
      if (position <= 0) {
        this.dimensionMessage(d, 'Only a ranked response below another can tie with it.');
      } else this.setTie(d, position, !this.ties[d].has(position));
    } else return;
    event.preventDefault();
    event.stopPropagation();
  }

  // Dragging with pointer events (mouse, pen, touch): drop on a ranked item to insert before or
  // after it, on a list's empty space to append, on the pool to unrank.
  startDrag(event) {
    const item = event.target.closest && event.target.closest('.item');
    if (!item || event.button !== 0 || event.target.closest('input, label')) return;
    event.preventDefault();
    item.focus();
    const d = Number(item.dataset.dimension);
    this.dragging = { d, response: Number(item.dataset.response), item, drop: null };
    item.classList.add('dragging');
    const move = (e) => this.dragOver(e);
    const up = (e) => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      this.endDrag(e);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  }

  dropTarget(event) {
    const { d, response } = this.dragging;
    const under = this.shadowRoot.elementsFromPoint(event.clientX, event.clientY);
    for (const node of under) {
      if (node.classList.contains('item') && Number(node.dataset.dimension) === d
          && node.closest('ol.ranked')) {
        const box = node.getBoundingClientRect();
        const after = event.clientY > box.top + box.height / 2;
        const other = Number(node.dataset.response);
        if (other === response) return { node, position: this.orders[d].indexOf(response), mark: null };
        let position = this.orders[d].indexOf(other) + (after ? 1 : 0);
        const from = this.orders[d].indexOf(response);
        if (from >= 0 && from < position) position -= 1;
        return { node, position, mark: after ? 'insert-after' : 'insert-before' };
      }
      if ((node.matches('ol.ranked') || node.matches('ul.pool')) && Number(node.dataset.dimension) === d) {
        const ranked = node.matches('ol.ranked');
        const from = this.orders[d].indexOf(response);
        const end = this.orders[d].length - (from >= 0 ? 1 : 0);
        return { node, position: ranked ? end : null, mark: 'drop-target' };
      }
    }
    return null;
  }

  dragOver(event) {
    if (!this.dragging) return;
    this.clearMarks();
    const drop = this.dropTarget(event);
    this.dragging.drop = drop;
    if (drop && drop.mark) drop.node.classList.add(drop.mark);
  }

  endDrag(event) {
    if (!this.dragging) return;
    const drop = this.dropTarget(event) || this.dragging.drop;
    const { d, response, item } = this.dragging;
    this.dragging = null;
    item.classList.remove('dragging');
    this.clearMarks();
    if (drop) this.place(d, response, drop.position);
  }

  clearMarks() {
    for (const node of this.shadowRoot.querySelectorAll('.insert-before, .insert-after, .drop-target')) {
      node.classList.remove('insert-before', 'insert-after', 'drop-target');
    }
  }

  gtemuOutput() {
    return {
      ordinalRankingDimensions: this.dimensions.map((dimension, d) => ({
        name: dimension.name, allowTie: dimension.allowTie, responseRankings: this.ranksOf(d),
      })),
    };
  }

  gtemuValidate() {
    for (const [d, dimension] of this.dimensions.entries()) {
      const missing = this.responses.length - this.orders[d].length;
      if (missing > 0) {
        return `Rank every response in ${dimension.name}: ${missing} not ranked yet.`;
      }
    }
    return '';
  }

  gtemuShowError(message) {
    this.showError(message);
    const first = this.shadowRoot.querySelector('ul.pool .item');
    if (first) first.focus();
  }

  gtemuReset() {
    this.update();
    this.showError('');
  }

  showError(message) {
    this.part('.error').textContent = message;
  }
}
