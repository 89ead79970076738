/* gtemu's crowd HTML elements: a local stand-in for
 * https://assets.crowd.aws/crowd-html-elements.js (see docs/elements.md).
 * Loads the element modules, defines the elements once the document is parsed (after the
 * template's inline scripts ran) and then fires `all-crowd-elements-ready` on document, once. */
(function loadCrowdElements() {
  'use strict';
  if (window.gtemuCrowd) return; // the page loaded the script twice (v1 and v2 tags)
  var script = document.currentScript;
  var base = new URL('./', script && script.src ? script.src : window.location.href);
  // The server replaces the marker with a content hash, so modules can be cached for long.
  var version = '__GTEMU_ASSET_VERSION__';
  var modules = version.indexOf('__') === 0 ? base : new URL('v/' + version + '/', base);
  // Fetch every module at once rather than level by level of the import graph.
  ['index', 'classifiers', 'controls', 'form', 'genai', 'qa', 'layout', 'tool', 'literal', 'base',
    'overlay', 'canvas', 'vector', 'input', 'image-view', 'unsupported', 'segmentation',
    'segmentation-input', 'raster', 'entities', 'a2i']
    .forEach(function (name) {
      var link = document.createElement('link');
      link.rel = 'modulepreload';
      link.href = new URL('lib/' + name + '.js', modules).href;
      (document.head || document.documentElement).appendChild(link);
    });
  var parsed = document.readyState === 'loading'
    ? new Promise(function (resolve) {
      document.addEventListener('DOMContentLoaded', resolve, { once: true });
    })
    : Promise.resolve();
  window.gtemuCrowd = { ready: Promise.all([import(new URL('lib/index.js', modules).href), parsed])
    .then(function (loaded) {
      var index = loaded[0];
      Object.assign(window.gtemuCrowd, index.api);
      index.defineAll();
      return new Promise(function (resolve) {
        setTimeout(function () {
          document.dispatchEvent(new CustomEvent('all-crowd-elements-ready'));
          resolve();
        }, 0);
      });
    }) };
  window.gtemuCrowd.ready.catch(function (error) {
    console.error('gtemu crowd elements could not be loaded:', error);
  });
}());
