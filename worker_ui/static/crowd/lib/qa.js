// crowd-question-answer-generation (Crowd HTML Elements V2): the worker writes question–answer
// pairs about a passage, each with highlighted references. Answer, flat in the answer object:
//   {"questionAnswerPairs": [{"question", "answer", "tags", "references": [{startOffset, endOffset}]}]}
// Offsets are Unicode code points into `text`, end exclusive (see docs/elements.md).

import { CrowdElement, escapeHtml } from './base.js';
import { GENAI_CSS, announceChange, codePoints, wordCount } from './genai.js';
import { ToolLayout, toolLayoutMarkup } from './tool.js';


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
