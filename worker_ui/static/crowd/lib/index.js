// Defines every gtemu crowd element. Called by crowd-html-elements.js once the document is parsed,
// so that the template's inline scripts have run first, as with the real script (spec §4.3).

import { CrowdRekognitionDetectModerationLabels, CrowdTextractAnalyzeDocument } from './a2i.js';
import {
  ClassifierTool, CrowdClassifier, CrowdClassifierMultiSelect, CrowdImageClassifier,
  CrowdImageClassifierMultiSelect, Region, WorkerComment, installCategoryShortcuts,
} from './classifiers.js';
import {
  CrowdButton, CrowdCheckbox, CrowdInput, CrowdRadioButton, CrowdRadioGroup, CrowdSlider,
  CrowdTextArea, CrowdToggleButton,
} from './controls.js';
import { CrowdEntityAnnotation, installEntitySubmitShortcut } from './entities.js';
import { CrowdForm, collectAnswer, installSubmitShortcut } from './form.js';
import {
  CrowdAlert, CrowdBadge, CrowdCard, CrowdFab, CrowdIconButton, CrowdInstructions, CrowdModal,
  CrowdTab, CrowdTabs, CrowdToast,
} from './layout.js';
import { parseCategories, parseExclusionCategory, parseLiteral } from './literal.js';
import { CrowdInstanceSegmentation, CrowdSemanticSegmentation } from './segmentation.js';
import { defineUnsupported, watchForUnsupported } from './unsupported.js';
import {
  CrowdBoundingBox, CrowdKeypoint, CrowdLine, CrowdPolygon, CrowdPolyline, installVectorShortcuts,
} from './vector.js';

export const ELEMENTS = {
  'crowd-form': CrowdForm,
  'crowd-image-classifier-multi-select': CrowdImageClassifierMultiSelect,
  'crowd-image-classifier': CrowdImageClassifier,
  'crowd-classifier': CrowdClassifier,
  'crowd-classifier-multi-select': CrowdClassifierMultiSelect,
  'full-instructions': class extends Region {},
  'short-instructions': class extends Region {},
  'classification-target': class extends Region {},
  'worker-comment': WorkerComment,
  'crowd-instructions': CrowdInstructions,
  'crowd-button': CrowdButton,
  'crowd-checkbox': CrowdCheckbox,
  'crowd-input': CrowdInput,
  'crowd-text-area': CrowdTextArea,
  'crowd-radio-group': CrowdRadioGroup,
  'crowd-radio-button': CrowdRadioButton,
  'crowd-slider': CrowdSlider,
  'crowd-toggle-button': CrowdToggleButton,
  'crowd-card': CrowdCard,
  'crowd-alert': CrowdAlert,
  'crowd-badge': CrowdBadge,
  'crowd-toast': CrowdToast,
  'crowd-modal': CrowdModal,
  'crowd-icon-button': CrowdIconButton,
  'crowd-fab': CrowdFab,
  'crowd-tabs': CrowdTabs,
  'crowd-tab': CrowdTab,
  'crowd-semantic-segmentation': CrowdSemanticSegmentation,
  'crowd-instance-segmentation': CrowdInstanceSegmentation,
  'crowd-entity-annotation': CrowdEntityAnnotation,
  'crowd-textract-analyze-document': CrowdTextractAnalyzeDocument,
  'crowd-rekognition-detect-moderation-labels': CrowdRekognitionDetectModerationLabels,
  'crowd-bounding-box': CrowdBoundingBox,
  'crowd-polygon': CrowdPolygon,
  'crowd-keypoint': CrowdKeypoint,
  'crowd-line': CrowdLine,
  'crowd-polyline': CrowdPolyline,
};

const REGION_CSS = `
full-instructions, short-instructions, classification-target, worker-comment, crowd-tab { display: block; }
crowd-tab[hidden] { display: none; }
`;

/** The worker portal wraps templates in a page with a language and a title; a bare template
 * rendered on its own gets them here (so assistive technology can read the page). */
function completeDocument() {
  if (!document.documentElement.hasAttribute('lang')) document.documentElement.lang = 'en';
  if (!document.title.trim()) {
    const header = document.querySelector('[header]');
    document.title = (header && header.getAttribute('header')) || 'Task';
  }
  const style = document.createElement('style');
  style.dataset.gtemu = 'crowd-elements';
  style.textContent = REGION_CSS;
  document.head.prepend(style);
}

export function defineAll() {
  completeDocument();
  installCategoryShortcuts();
  installSubmitShortcut();
  installEntitySubmitShortcut();
  installVectorShortcuts();
  for (const [tag, element] of Object.entries(ELEMENTS)) {
    if (!customElements.get(tag)) customElements.define(tag, element);
  }
  // Any other crowd-* tag shows a visible "not supported" block instead of rendering as nothing.
  for (const element of document.querySelectorAll('*')) defineUnsupported(element.localName);
  watchForUnsupported();
}

// For tests and tools: window.gtemuCrowd.parseLiteral(...), .collectAnswer(form), ...
export const api = {
  parseLiteral, parseCategories, parseExclusionCategory, collectAnswer, ClassifierTool,
};
