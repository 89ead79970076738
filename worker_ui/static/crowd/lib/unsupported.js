// A crowd element gtemu does not draw: any `crowd-*` tag that no module defines becomes a
// visible block "<crowd-xyz> is not supported in gtemu" (never a silent nothing), and a form
// holding one refuses to submit, since the task cannot be answered here.

import { CrowdElement, escapeHtml } from './base.js';

const UNSUPPORTED_CSS = `
:host { display: block; margin: .5em 0; }
.unsupported { border: 2px dashed #b0281a; background: #fdf3f1; color: #16191f; padding: 1em;
  border-radius: 4px; }
.unsupported code { font-weight: bold; }
`;

function unsupportedClass(tag) {
  return class extends CrowdElement {
    static css = UNSUPPORTED_CSS;

    render() {
      // No <slot>: the element's children (its regions) are not shown.
      this.shadowRoot.innerHTML = `<div class="unsupported" role="note">
        <code>&lt;${escapeHtml(tag)}&gt;</code> is not supported in gtemu</div>`;
    }

    gtemuValidate() {
      return `<${tag}> is not supported in gtemu, so this task cannot be answered here.`;
    }

    showError() {}

    gtemuShowError() {
      this.scrollIntoView?.({ block: 'nearest' });
    }
  };
}

/** Defines `tag` as an unsupported element when it is a crowd-* tag nobody defined. */
export function defineUnsupported(tag) {
  if (!tag || !tag.startsWith('crowd-') || customElements.get(tag)) return;
  // A valid custom element name only (crowd-… with no uppercase or stray characters).
  if (!/^crowd-[a-z0-9._-]*[a-z0-9]$/.test(tag)) return;
  customElements.define(tag, unsupportedClass(tag));
}

/** Crowd tags a template's script adds later get the same block. */
export function watchForUnsupported() {
  new MutationObserver((records) => {
    for (const record of records) {
      for (const node of record.addedNodes) {
        if (node.nodeType !== Node.ELEMENT_NODE) continue;
        defineUnsupported(node.localName);
        for (const child of node.querySelectorAll('*')) defineUnsupported(child.localName);
      }
    }
  }).observe(document.documentElement, { childList: true, subtree: true });
}
