// Compare two versions: both diagrams side by side with added/removed/changed elements
// highlighted, and the list of changes. Needs viewer.js and differ.js loaded first.
import { api, esc, readJson, onReady } from './common.js';

async function start(root) {
  const cfg = readJson('cs-compare-config');
  const t = cfg.i18n || {};
  const [a, b] = await Promise.all([api(cfg.urls.a), api(cfg.urls.b)]);
  if (!a.ok || !b.ok) {
    root.querySelector('#cs-diff-summary').textContent = (a.ok ? b : a).data.message || t.load_failed;
    return;
  }
  const d = await window.CsDiffer.diff(a.data.xml, b.data.xml);
  const oldMarkers = {};
  const newMarkers = {};
  d.removed.forEach((e) => { oldMarkers[e.id] = 'cs-diff-removed'; });
  d.added.forEach((e) => { newMarkers[e.id] = 'cs-diff-added'; });
  d.changed.forEach((e) => { oldMarkers[e.id] = 'cs-diff-changed'; newMarkers[e.id] = 'cs-diff-changed'; });
  d.layoutChanged.forEach((id) => { newMarkers[id] = newMarkers[id] || 'cs-diff-layout'; });
  await Promise.all([
    window.CsViewer.render(root.querySelector('#cs-compare-old'), a.data.xml, { markers: oldMarkers }),
    window.CsViewer.render(root.querySelector('#cs-compare-new'), b.data.xml, { markers: newMarkers }),
  ]);
  const rows = [];
  const row = (kind, label, e, detail) => rows.push(
    `<tr class="cs-diff-${kind}" data-element="${esc(e.id)}"><td><span class="cs-diff-legend"><span class="${kind}">${esc(label)}</span></span></td>`
    + `<td>${esc(e.name || '')} <code>${esc(e.id)}</code></td><td>${esc(e.type || '')}</td><td>${detail || ''}</td></tr>`);
  d.added.forEach((e) => row('added', t.added, e));
  d.removed.forEach((e) => row('removed', t.removed, e));
  d.changed.forEach((e) => row('changed', t.changed, e, e.attrs.map((x) =>
    `<div><code>${esc(x.attr)}</code>: <del>${esc(x.old)}</del> → <ins>${esc(x.new)}</ins></div>`).join('')));
  d.layoutChanged.forEach((id) => row('layout', t.layout, { id }));
  root.querySelector('#cs-diff-list tbody').innerHTML = rows.join('')
    || `<tr><td colspan="4" class="text-muted">${esc(t.no_changes)}</td></tr>`;
  root.querySelector('#cs-diff-summary').textContent = t.summary
    .replace('{added}', d.added.length).replace('{removed}', d.removed.length)
    .replace('{changed}', d.changed.length).replace('{layout}', d.layoutChanged.length);
  root.dataset.ready = '1';
}

onReady(() => {
  const root = document.getElementById('cs-compare');
  if (root) start(root);
});
