// Read-only diagram with state markers and count overlays: window.CsViewer.
//   CsViewer.render(containerEl, xml, {completed: [ids], active: [ids], incidents: [ids],
//                                      counts: {id: n}, markers: {id: 'css-class ...'}, onClick(id)})
//   -> Promise<viewer>  (a bpmn-js NavigatedViewer; drag to pan, ctrl+wheel to zoom)
import NavigatedViewer from 'bpmn-js/lib/NavigatedViewer';

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

export async function render(container, xml, options = {}) {
  if (!container.classList.contains('cs-viewer-canvas') && !container.style.height && container.clientHeight < 50) {
    container.classList.add('cs-viewer-canvas');
  }
  const viewer = new NavigatedViewer({ container });
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
  if (options.fit !== false) viewer.get('canvas').zoom('fit-viewport', 'auto');
  return viewer;
}

window.CsViewer = { render, mark };
