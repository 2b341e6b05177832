// Versions page: preview and run the migration of running instances to a version.
import { api, esc, fmt, readJson, onReady } from './common.js';

function start(root) {
  const cfg = readJson('cs-versions-config');
  const t = cfg.i18n || {};
  const box = root.querySelector('#cs-migration-result');
  const target = root.querySelector('#cs-migrate-target');
  const migrateBtn = root.querySelector('#cs-migrate-run');
  let preview = null;

  function render(data) {
    const rows = data.instances.map((i) => `<tr class="${i.migratable ? 'success' : 'warning'}" data-instance="${esc(i.id)}">`
      + `<td>#${esc(i.id)}</td><td>${esc(i.business_key || '')}</td><td>v${esc(i.from_version)}</td><td>${esc(i.status_label || i.status)}</td>`
      + `<td>${esc((i.at || []).join(', '))}</td>`
      + `<td>${i.migratable ? `<span class="label label-success">${esc(t.moves)}</span>`
        : `<span class="label label-warning">${esc(t.refused)}</span> ${i.reasons.map((r) => esc(r)).join('<br>')}`}</td></tr>`);
    box.innerHTML = `<p>${esc(fmt(t.preview_summary, { n: data.migratable, m: data.refused, version: data.target_version }))}</p>`
      + `<table class="table table-condensed cs-migration-table"><thead><tr><th>${esc(t.instance)}</th><th>${esc(t.business_key)}</th>`
      + `<th>${esc(t.version)}</th><th>${esc(t.status)}</th><th>${esc(t.waiting_at)}</th><th>${esc(t.result)}</th></tr></thead>`
      + `<tbody>${rows.join('') || `<tr><td colspan="6" class="text-muted">${esc(t.none)}</td></tr>`}</tbody></table>`;
    migrateBtn.disabled = !data.migratable;
  }

  root.querySelector('#cs-migrate-preview').addEventListener('click', async () => {
    box.innerHTML = `<p class="text-muted">${esc(t.loading)}</p>`;
    const res = await api(cfg.urls.preview, { method: 'POST', body: { target_version: Number(target.value) } });
    if (!res.ok) {
      box.innerHTML = `<div class="alert alert-danger">${esc(res.data.message || res.status)}</div>`;
      return;
    }
    preview = res.data;
    render(preview);
  });

  migrateBtn.addEventListener('click', async () => {
    if (!preview || !window.confirm(fmt(t.confirm, { n: preview.migratable, version: preview.target_version }))) return;
    const ids = preview.instances.filter((i) => i.migratable).map((i) => i.id);
    const res = await api(cfg.urls.migrate, { method: 'POST', body: { target_version: preview.target_version, instance_ids: ids } });
    if (!res.ok) {
      box.insertAdjacentHTML('afterbegin', `<div class="alert alert-danger">${esc(res.data.message || res.status)}</div>`);
      return;
    }
    migrateBtn.disabled = true;
    preview = null;
    box.innerHTML = `<div class="alert alert-success">${esc(fmt(t.done, { n: res.data.migrated.length, version: res.data.target_version }))}`
      + (res.data.refused.length ? `<br>${esc(fmt(t.done_refused, { m: res.data.refused.length }))}` : '') + '</div>';
  });
}

onReady(() => {
  const root = document.getElementById('cs-versions');
  if (root && root.querySelector('#cs-migrate-preview')) start(root);
});
