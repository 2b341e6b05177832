// Read-only diagram with state markers and count overlays: window.CsViewer.
//   CsViewer.render(containerEl, xml, {completed: [ids], active: [ids], incidents: [ids],
//                                      counts: {id: n}, markers: {id: 'css-class ...'}, onClick(id)})
//   -> Promise<viewer>  (a bpmn-js NavigatedViewer; drag to pan, ctrl+wheel or the +/−/fit buttons to zoom)
// The first view is readable: never below MIN_SCALE (labels ~9 px), centred on the first
// active element; "fit" shows the whole diagram. Button titles: data-zoom-in/-out/-fit.
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';
import { addMissingDiagrams } from './layout.js';

import 'bpmn-js/dist/assets/diagram-js.css';
import 'bpmn-js/dist/assets/bpmn-js.css';
import './viewer.css';

function mark(viewer, ids, cls) {
  const registry = viewer.get('elementRegistry');
  const canvas = viewer.get('canvas');
  (ids || []).forEach((id) => {
    if (registry.get(id)) canvas.addMarker(id, cls);
  });
}

const MIN_SCALE = 0.75;
const PAD = 16;

/** Whole diagram in view (scale <= 1), centred. */
export function fitAll(viewer) {
  const canvas = viewer.get('canvas');
  canvas.zoom('fit-viewport', 'auto');
  const { inner, outer } = canvas.viewbox();
  if (!inner.width || !outer.width) return;
  const scale = Math.min(1, (outer.width - 2 * PAD) / inner.width, (outer.height - 2 * PAD) / inner.height);
  const w = outer.width / scale;
  const h = outer.height / scale;
  canvas.viewbox({ x: inner.x - (w - inner.width) / 2, y: inner.y - (h - inner.height) / 2, width: w, height: h });
}

/** Fit, but not below MIN_SCALE: then show the part around the focus element (or the start). */
export function readableFit(viewer, focusIds = []) {
  fitAll(viewer);
  const canvas = viewer.get('canvas');
  if (canvas.zoom() >= MIN_SCALE) return;
  const { inner, outer } = canvas.viewbox();
  const registry = viewer.get('elementRegistry');
  const focus = focusIds.map((id) => registry.get(id)).find((el) => el && el.width !== undefined);
  const w = outer.width / MIN_SCALE;
  const h = outer.height / MIN_SCALE;
  const clamp = (v, lo, hi) => Math.max(lo, Math.min(v, Math.max(lo, hi)));
  const cx = focus ? focus.x + focus.width / 2 : inner.x + w / 2;
  const cy = focus ? focus.y + focus.height / 2 : inner.y + h / 2;
  const x = clamp(cx - w / 2, inner.x - PAD, inner.x + inner.width + PAD - w);
  const y = inner.height + 2 * PAD <= h ? inner.y - (h - inner.height) / 2
    : clamp(cy - h / 2, inner.y - PAD, inner.y + inner.height + PAD - h);
  canvas.viewbox({ x, y, width: w, height: h });
}

function addControls(viewer, container, focusIds) {
  const bar = document.createElement('div');
  bar.className = 'cs-viewer-controls';
  const d = container.dataset;
  [['+', d.zoomIn || 'Zoom in', () => viewer.get('zoomScroll').stepZoom(1), 'cs-zoom-in'],
    ['−', d.zoomOut || 'Zoom out', () => viewer.get('zoomScroll').stepZoom(-1), 'cs-zoom-out'],
    ['⤢', d.zoomFit || 'Fit', () => fitAll(viewer), 'cs-zoom-fit'],
    ['Aa', d.zoomReadable || 'Readable size', () => readableFit(viewer, focusIds), 'cs-zoom-readable'],
  ].forEach(([text, title, action, cls]) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = `btn btn-default btn-xs ${cls}`;
    b.textContent = text;
    b.title = title;
    b.setAttribute('aria-label', title);
    b.addEventListener('click', action);
    bar.appendChild(b);
  });
  container.appendChild(bar);
}

export async function render(container, xml, options = {}) {
  if (!container.classList.contains('cs-viewer-canvas') && !container.style.height && container.clientHeight < 50) {
    container.classList.add('cs-viewer-canvas');
  }
  const viewer = new NavigatedViewer({ container });
  try {
    ({ xml } = await addMissingDiagrams(xml)); // a deployed diagram without DI is drawn laid out
  } catch (err) {
    console.warn('auto-layout failed', err);
  }
  await viewer.importXML(xml);
  const registry = viewer.get('elementRegistry');
  mark(viewer, options.completed, 'cs-completed');
  mark(viewer, options.active, 'cs-active');
  mark(viewer, options.incidents, 'cs-incident');
  Object.entries(options.markers || {}).forEach(([id, classes]) => {
    String(classes).split(/\s+/).filter(Boolean).forEach((cls) => mark(viewer, [id], cls));
  });
  const overlays = viewer.get('overlays');
  const incidents = new Set(options.incidents || []);
  Object.entries(options.counts || {}).forEach(([id, n]) => {
    if (!registry.get(id) || !n) return;
    const badge = document.createElement('span');
    badge.className = `cs-count-badge${incidents.has(id) ? ' cs-count-incident' : ''}`;
    badge.textContent = String(n);
    overlays.add(id, 'cs-count', { position: { bottom: 10, left: -8 }, html: badge });
  });
  if (options.onClick) {
    viewer.on('element.click', (ev) => options.onClick(ev.element.id, ev.element));
  }
  const focus = [...(options.incidents || []), ...(options.active || [])];
  if (options.fit !== false) readableFit(viewer, focus);
  if (options.controls !== false) addControls(viewer, container, focus);
  return viewer;
}

window.CsViewer = { render, mark, fitAll, readableFit };
