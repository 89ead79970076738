// Crowd HTML Elements V2 for generative-AI data (crowd-html-elements-v2.js):
// crowd-text-ranking and crowd-question-answer-generation. Their answers sit flat in the answer
// object (static flatOutput), in the shapes of docs/elements.md:
//   {"ordinalRankingDimensions": [{"name", "allowTie", "responseRankings": [r1, ...]}, ...]}
//   {"questionAnswerPairs": [{"question", "answer", "tags", "references": [{startOffset, endOffset}]}]}
// Offsets are Unicode code points into `text`, end exclusive.

import { CrowdElement, escapeHtml, uniqueId } from './base.js';
import { TOOL_CSS, ToolLayout, toolLayoutMarkup } from './tool.js';

const GENAI_CSS = `${TOOL_CSS}
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

function announceChange(element) {
  element.dispatchEvent(new CustomEvent('gtemu:change', { bubbles: true, composed: true }));
}

function wordCount(text) {
  const words = String(text).trim().split(/\s+/u);
  return words[0] === '' ? 0 : words.length;
}

/** Code points before UTF-16 index `index` of `text`. */
function codePoints(text, index) {
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

// -- crowd-question-answer-generation ----------------------------------------------------------

export class CrowdQuestionAnswerGeneration extends CrowdElement {
  static css = GENAI_CSS;
  static flatOutput = true;
  static shadowOptions = { slotAssignment: 'manual' };
  static observedAttributes = ['text', 'min-questions', 'max-questions', 'question-min-words',
    'question-max-words', 'answer-min-words', 'answer-max-words', 'question-tags',
    'allow-custom-question-tags'];

  constructor() {
    super();
    this.pairs = [];
    this.current = 0;
  }

  render() {
    this.shadowRoot.innerHTML = toolLayoutMarkup(`
      <h2>Passage</h2>
      <div class="passage" aria-label="Passage: select text to use it as a reference"></div>
      <div class="pairs"></div>
      <button type="button" class="btn add-pair">Add a question\u2013answer pair</button>
      <p class="error" role="alert"></p>`);
    this.layout = new ToolLayout(this);
    const root = this.shadowRoot;
    root.querySelector('.add-pair').addEventListener('click', () => this.addPair());
    root.addEventListener('input', (event) => this.onInput(event));
    root.addEventListener('change', (event) => this.onInput(event));
    root.addEventListener('click', (event) => this.onClick(event));
    root.addEventListener('focusin', (event) => {
      const pair = event.target.closest && event.target.closest('.pair');
      if (pair && Number(pair.dataset.pair) !== this.current) {
        this.current = Number(pair.dataset.pair);
        this.markCurrent();
      }
    });
  }

  get text() { return this.getAttribute('text') || ''; }

  limit(name, fallback = null) {
    const raw = this.getAttribute(name);
    const value = raw === null || raw.trim() === '' ? NaN : Number(raw);
    return Number.isInteger(value) ? value : fallback;
  }

  get tags() {
    try {
      const tags = JSON.parse(this.getAttribute('question-tags') || '[]');
      return Array.isArray(tags) ? tags.filter((t) => typeof t === 'string') : [];
    } catch {
      return [];
    }
  }

  get customTagsAllowed() {
    const raw = this.getAttribute('allow-custom-question-tags');
    return raw !== null && raw.trim().toLowerCase() !== 'false';
  }

  update() {
    if (!this.pairs.length) {
      const least = Math.max(1, this.limit('min-questions', 1));
      this.pairs = Array.from({ length: least }, () => this.emptyPair());
    }
    this.renderPairs();
  }

  emptyPair() {
    return { question: '', answer: '', tag: '', customTag: '', references: [] };
  }

  addPair() {
    const most = this.limit('max-questions');
    if (most !== null && this.pairs.length >= most) {
      this.showError(`At most ${most} question\u2013answer pair(s) (max-questions).`);
      return;
    }
    this.pairs.push(this.emptyPair());
    this.current = this.pairs.length - 1;
    this.renderPairs();
    this.shadowRoot.querySelectorAll('.pair textarea.question')[this.current].focus();
    this.showError('');
    announceChange(this);
  }

  renderPairs() {
    const tags = this.tags;
    const custom = this.customTagsAllowed;
    this.shadowRoot.querySelector('.pairs').innerHTML = this.pairs.map((pair, index) => {
      const options = ['<option value="">(no tag)</option>',
        ...tags.map((tag) => `<option ${pair.tag === tag ? 'selected' : ''}>${escapeHtml(tag)}</option>`),
        custom ? `<option value="__custom__" ${pair.tag === '__custom__' ? 'selected' : ''}>Custom tag\u2026</option>` : ''];
      const references = pair.references.map((r, i) => `<li>\u201c${escapeHtml(this.slice(r))}\u201d
        <button type="button" class="link remove-reference" data-reference="${i}"
          aria-label="Remove reference ${i + 1}">remove</button></li>`).join('');
      return `<section class="pair" data-pair="${index}">
        <h3>Pair ${index + 1}<button type="button" class="link remove-pair"
          aria-label="Remove pair ${index + 1}">remove</button></h3>
        <label class="field"><span>Question</span>
          <textarea class="question" rows="2">${escapeHtml(pair.question)}</textarea>
          <span class="count question-count"></span></label>
        <label class="field"><span>Answer</span>
          <textarea class="answer" rows="2">${escapeHtml(pair.answer)}</textarea>
          <span class="count answer-count"></span></label>
        <label class="field"><span>Question tag</span><select class="tag">${options.join('')}</select></label>
        <label class="field custom-tag-field" ${pair.tag === '__custom__' ? '' : 'hidden'}><span>Custom tag</span>
          <input class="custom-tag" value="${escapeHtml(pair.customTag)}"></label>
        <div><strong>References</strong> <button type="button" class="btn add-reference">Use highlighted text</button>
          <ul class="references">${references}</ul></div>
        <p class="pair-error" role="alert"></p>
      </section>`;
    }).join('');
    this.refreshMessages();
    this.markCurrent();
  }

  slice(reference) {
    return [...this.text].slice(reference.startOffset, reference.endOffset).join('');
  }

  markCurrent() {
    for (const node of this.shadowRoot.querySelectorAll('.pair')) {
      node.classList.toggle('current', Number(node.dataset.pair) === this.current);
    }
    this.renderPassage();
  }

  /** The passage with every reference highlighted (the current pair's in another colour). */
  renderPassage() {
    const chars = [...this.text];
    const mark = chars.map(() => 0); // 0 none, 1 some pair, 2 current pair
    this.pairs.forEach((pair, index) => pair.references.forEach((r) => {
      for (let i = r.startOffset; i < r.endOffset && i < chars.length; i += 1) {
        mark[i] = Math.max(mark[i], index === this.current ? 2 : 1);
      }
    }));
    let html = '';
    let i = 0;
    while (i < chars.length) {
      let j = i;
      while (j < chars.length && mark[j] === mark[i]) j += 1;
      const piece = escapeHtml(chars.slice(i, j).join(''));
      html += mark[i] === 0 ? piece : `<mark class="${mark[i] === 2 ? 'current' : ''}">${piece}</mark>`;
      i = j;
    }
    this.shadowRoot.querySelector('.passage').innerHTML = html;
  }

  /** The passage selection as code-point offsets, or null. */
  selectedReference() {
    const passage = this.shadowRoot.querySelector('.passage');
    const selection = this.shadowRoot.getSelection ? this.shadowRoot.getSelection() : document.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    if (!passage.contains(range.startContainer) || !passage.contains(range.endContainer)) return null;
    const offset = (node, nodeOffset) => {
      const before = document.createRange();
      before.selectNodeContents(passage);
      before.setEnd(node, nodeOffset);
      const prefix = before.toString();
      return codePoints(prefix, prefix.length);
    };
    const startOffset = offset(range.startContainer, range.startOffset);
    const endOffset = offset(range.endContainer, range.endOffset);
    return endOffset > startOffset ? { startOffset, endOffset } : null;
  }

  onClick(event) {
    const pairNode = event.target.closest && event.target.closest('.pair');
    if (!pairNode) return;
    const index = Number(pairNode.dataset.pair);
    const pair = this.pairs[index];
    if (event.target.closest('.add-reference')) {
      const reference = this.selectedReference();
      if (!reference) {
        pairNode.querySelector('.pair-error').textContent = 'Highlight part of the passage first.';
        return;
      }
      pair.references.push(reference);
    } else if (event.target.closest('.remove-reference')) {
      pair.references.splice(Number(event.target.dataset.reference), 1);
    } else if (event.target.closest('.remove-pair')) {
      this.pairs.splice(index, 1);
      this.current = Math.max(0, Math.min(this.current, this.pairs.length - 1));
    } else return;
    this.current = Math.min(index, this.pairs.length - 1);
    this.renderPairs();
    announceChange(this);
  }

  onInput(event) {
    const pairNode = event.target.closest && event.target.closest('.pair');
    if (!pairNode) return;
    const pair = this.pairs[Number(pairNode.dataset.pair)];
    const target = event.target;
    if (target.classList.contains('question')) pair.question = target.value;
    else if (target.classList.contains('answer')) pair.answer = target.value;
    else if (target.classList.contains('custom-tag')) pair.customTag = target.value;
    else if (target.classList.contains('tag')) {
      pair.tag = target.value;
      pairNode.querySelector('.custom-tag-field').hidden = pair.tag !== '__custom__';
    } else return;
    this.refreshMessages();
    announceChange(this);
  }

  /** Word counts and each pair's first broken limit, shown as the worker types. */
  refreshMessages() {
    const nodes = this.shadowRoot.querySelectorAll('.pair');
    this.pairs.forEach((pair, index) => {
      const node = nodes[index];
      if (!node) return;
      for (const field of ['question', 'answer']) {
        const words = wordCount(pair[field]);
        const least = this.limit(`${field}-min-words`);
        const most = this.limit(`${field}-max-words`);
        const range = least !== null && most !== null ? ` (${least}\u2013${most})`
          : least !== null ? ` (at least ${least})` : most !== null ? ` (at most ${most})` : '';
        node.querySelector(`.${field}-count`).textContent = `${words} word${words === 1 ? '' : 's'}${range}`;
      }
      node.querySelector('.pair-error').textContent = this.pairProblem(pair, index) || '';
    });
  }

  tagsOf(pair) {
    if (pair.tag === '__custom__') return pair.customTag.trim() ? [pair.customTag.trim()] : [];
    return pair.tag ? [pair.tag] : [];
  }

  pairProblem(pair, index) {
    const number = index + 1;
    for (const field of ['question', 'answer']) {
      const words = wordCount(pair[field]);
      const least = this.limit(`${field}-min-words`);
      const most = this.limit(`${field}-max-words`);
      const name = field === 'question' ? 'question' : 'answer';
      if (least !== null && words < least) {
        return `The ${name} of pair ${number} needs at least ${least} word(s) (${field}-min-words); it has ${words}.`;
      }
      if (most !== null && words > most) {
        return `The ${name} of pair ${number} may have at most ${most} word(s) (${field}-max-words); it has ${words}.`;
      }
    }
    if (pair.tag === '__custom__' && !pair.customTag.trim()) {
      return `Type the custom tag of pair ${number}, or choose another tag.`;
    }
    return '';
  }

  gtemuOutput() {
    return {
      questionAnswerPairs: this.pairs.map((pair) => ({
        question: pair.question.trim(),
        answer: pair.answer.trim(),
        tags: this.tagsOf(pair),
        references: pair.references.map((r) => ({ startOffset: r.startOffset, endOffset: r.endOffset })),
      })),
    };
  }

  gtemuValidate() {
    const least = this.limit('min-questions', 1);
    const most = this.limit('max-questions');
    if (least !== null && this.pairs.length < least) {
      return `Write at least ${least} question\u2013answer pair(s) (min-questions).`;
    }
    if (most !== null && this.pairs.length > most) {
      return `Write at most ${most} question\u2013answer pair(s) (max-questions).`;
    }
    for (const [index, pair] of this.pairs.entries()) {
      const problem = this.pairProblem(pair, index);
      if (problem) return problem;
    }
    return '';
  }

  gtemuShowError(message) {
    this.showError(message);
    const broken = [...this.shadowRoot.querySelectorAll('.pair')]
      .find((node) => node.querySelector('.pair-error').textContent);
    if (broken) broken.querySelector('textarea').focus();
  }

  gtemuReset() {
    this.pairs = [];
    this.current = 0;
    this.update();
    this.showError('');
  }

  showError(message) {
    this.shadowRoot.querySelector('.error').textContent = message;
  }
}
