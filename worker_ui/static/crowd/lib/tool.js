// The tool layout shared by the classifiers and by crowd-form's "basic layout": an instructions
// side pane (short-instructions and a "View full instructions" link), the work area, and the
// full-instructions dialog. Class names follow AWS UI, which templates reach for (docs/elements.md#page-assembly).

import { dialogMarkup, uniqueId, wireDialog } from './base.js';

export const TOOL_CSS = `
.awsui-app-layout { display: flex; gap: 1em; height: 100%; min-height: 0; }
.awsui-app-layout__navigation { flex: 0 0 280px; width: 280px; border-right: 1px solid #d5dbdb;
  padding: 0 1em 1em 0; overflow: auto; }
.awsui-app-layout__navigation[hidden] { display: none; }
.nav-title { font-size: 1.1em; margin: .3em 0 .6em; }
.awsui-app-layout__content { flex: 1 1 auto; min-width: 0; display: flex; flex-direction: column; }
.toolbar { display: flex; gap: .5em; align-items: center; margin-bottom: .5em; }
.toolbar .nav-toggle { padding: .2em .8em; min-height: 0; font-weight: normal; }
.full-link { display: block; margin-top: 1em; }
`;

/** `contentTag`: "main" for the page's outer layout (crowd-form), "div" inside it. */
export function toolLayoutMarkup(mainHtml, contentTag = 'div') {
  const titleId = uniqueId('full-title');
  return `<div class="awsui-app-layout">
    <nav class="awsui-app-layout__navigation" aria-label="Instructions">
      <h2 class="nav-title">Instructions</h2>
      <div class="nav-body"><slot class="short-slot"></slot>
        <button type="button" class="link full-link">View full instructions</button></div>
    </nav>
    <${contentTag} class="awsui-app-layout__content">
      <div class="toolbar"><button type="button" class="btn nav-toggle" aria-expanded="true">Hide instructions</button></div>
      ${mainHtml}
    </${contentTag}>
  </div>
  ${dialogMarkup(titleId, '<slot class="full-slot"></slot>')}`;
}

/** Wires the layout of `host` (whose shadow root uses manual slot assignment): regions (direct
 * children by tag name) go to their slots, everything else to `restSlot` (if given). */
export class ToolLayout {
  constructor(host, { regionSlots = {}, restSlot = null } = {}) {
    this.host = host;
    const root = host.shadowRoot;
    this.nav = root.querySelector('.awsui-app-layout__navigation');
    this.toggle = root.querySelector('.nav-toggle');
    this.fullLink = root.querySelector('.full-link');
    this.dialog = root.querySelector('dialog.awsui-modal-dialog');
    this.slots = {
      'short-instructions': root.querySelector('.short-slot'),
      'full-instructions': root.querySelector('.full-slot'),
      ...regionSlots,
    };
    this.restSlot = restSlot;
    wireDialog(this.dialog);
    this.fullLink.addEventListener('click', () => this.openFullInstructions());
    this.toggle.addEventListener('click', () => this.setNavigationOpen(this.nav.hidden));
    new MutationObserver(() => this.assign()).observe(host, { childList: true });
    this.assign();
  }

  assign() {
    const byTag = Object.fromEntries(Object.keys(this.slots).map((tag) => [tag, []]));
    const rest = [];
    for (const node of this.host.childNodes) {
      const tag = node.nodeType === Node.ELEMENT_NODE ? node.localName : null;
      if (tag && byTag[tag]) byTag[tag].push(node);
      else if (node.nodeType === Node.ELEMENT_NODE || node.nodeType === Node.TEXT_NODE) rest.push(node);
    }
    for (const [tag, nodes] of Object.entries(byTag)) this.slots[tag].assign(...nodes);
    if (this.restSlot) this.restSlot.assign(...rest);
    const full = byTag['full-instructions'][0];
    const hasInstructions = Boolean(full || byTag['short-instructions'].length);
    this.fullLink.hidden = !full;
    this.toggle.hidden = !hasInstructions;
    this.nav.hidden = !hasInstructions || this.toggle.getAttribute('aria-expanded') === 'false';
    this.dialog.querySelector('h2').textContent = (full && full.getAttribute('header')) || 'Full instructions';
  }

  setNavigationOpen(open) {
    this.nav.hidden = !open;
    this.toggle.setAttribute('aria-expanded', String(open));
    this.toggle.textContent = open ? 'Hide instructions' : 'Show instructions';
  }

  openFullInstructions() {
    if (!this.dialog.open) this.dialog.showModal();
  }
}
